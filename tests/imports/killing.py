"""An import whose process dies right after its first batch landed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from rapport.access import Actor
from rapport.imports import service
from rapport.imports.models import ImportJob


def run_until_killed(
    factory: sessionmaker[Session], actor: Actor, job_id: int, path: Path
) -> ImportJob:
    """Run job ``job_id`` and stop it dead after its first batch; the job as it was left."""

    def killed(_count: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        service.run(factory=factory, actor=actor, job_id=job_id, path=path, on_progress=killed)
    with factory() as session:
        return session.get_one(ImportJob, job_id)
