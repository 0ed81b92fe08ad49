"""Import speed: a CSV of generated customers imported into a fresh database.

The file is made once per size and seed (Chinese names, mobile numbers, emails, cities,
genders, birthdays; about 5 % of phones invalid, so the error path is measured too).
The import runs in a child process, which reports its own time and peak memory: its
own peak plus that of the process that checks rows beside it (an upper bound, since
the two peaks need not coincide).
"""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from pathlib import Path

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
_CITIES = ("北京", "上海", "广州", "深圳", "杭州", "成都", "南京", "武汉")

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from rapport import migrate
from rapport.access import Actor
from rapport.audit.models import ChangeSource
from rapport.db import make_engine, make_sessionmaker, session_scope
from rapport.imports import service
url, path = sys.argv[1], Path(sys.argv[2])
engine = make_engine(url)
migrate.upgrade(engine)
factory = make_sessionmaker(engine)
actor = Actor.system(ChangeSource.IMPORT)
started = time.perf_counter()
with session_scope(factory) as session:
    job_id = service.start(session=session, actor=actor, path=path).id
job = service.run(factory=factory, actor=actor, job_id=job_id, path=path)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "created": job.created_rows, "refused": job.error_rows,
                  "peak_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                              + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024}))
"""


def make_file(path: Path, rows: int, seed: int) -> Path:
    """A customer CSV of ``rows`` rows at ``path`` (kept: the same size and seed reuse it)."""
    if path.exists():
        return path
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["姓名", "手机", "邮箱", "城市", "性别", "生日"])
        for i in range(rows):
            name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)
            prefix = "1" + rng.choice("3589") if rng.random() > 0.05 else "12"
            writer.writerow([
                name, f"{prefix}{rng.randint(0, 999_999_999):09d}", f"user{i}@example.cn",
                rng.choice(_CITIES), rng.choice("男女"),
                f"19{rng.randint(50, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            ])  # fmt: skip
    return path


def run_once(url: str, path: Path) -> dict[str, float]:
    """One import of ``path`` into the empty database at ``url``, in a child process."""
    out = subprocess.run([sys.executable, "-c", _CHILD, url, str(path)], check=True,
                         capture_output=True, text=True)  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
