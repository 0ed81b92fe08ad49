"""The analytics snapshots: shared by users who see the same records, refreshed in the
background when they expire, while the old one goes on answering."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rapport.access import Actor
from rapport.db import make_engine
from rapport.reports.cache import AnalyticsCache, audience
from rapport.users.models import Role
from tests.analytics.conftest import customer_row, load_tables


def test_audiences_group_users_who_see_the_same_records() -> None:
    assert audience(Actor(1, Role.ADMIN)) == audience(Actor(2, Role.ANALYST))
    assert audience(Actor(3, Role.MANAGER, team_id=5)) == audience(
        Actor(4, Role.MANAGER, team_id=5)
    )
    assert audience(Actor(3, Role.MANAGER, team_id=5)) != audience(
        Actor(4, Role.MANAGER, team_id=6)
    )
    assert audience(Actor(7, Role.REP, team_id=5)) != audience(Actor(8, Role.REP, team_id=5))


def test_an_expired_snapshot_answers_while_the_new_one_is_read(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    load_tables(url, {"customers": [customer_row(1, "web"), customer_row(2, "web")]})
    engine = make_engine(url)
    cache = AnalyticsCache(engine, "UTC", seconds=3600)
    admin = Actor(1, Role.ADMIN)
    calls: list[int] = []

    def count(source: Any) -> int:
        calls.append(1)
        return int(
            source.to_arrow(source.table("customers").count().name("n").as_table())[0][0].as_py()
        )

    first, read_at = cache.compute(admin, "count", count)
    again, same = cache.compute(Actor(2, Role.ANALYST), "count", count)
    assert (first, again, same, len(calls)) == (2, 2, read_at, 1)  # computed once, shared
    load_tables(url, {"customers": [customer_row(3, "web")]})
    cache.expire()
    stale, when = cache.compute(admin, "count", count)
    assert (stale, when) == (2, read_at)  # the expired snapshot still answers at once
    for _ in range(100):  # meanwhile the new one is read, with what was asked of the old
        fresh, newer = cache.compute(admin, "count", count)
        if fresh == 3:
            break
        time.sleep(0.05)
    assert (fresh, newer > read_at) == (3, True)
    engine.dispose()
