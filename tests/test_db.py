"""Engine set-up and the UTC timestamp type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from rapport.campaigns.models import Campaign
from rapport.db import make_engine


def test_sqlite_opens_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_timestamps_come_back_in_utc(session: Session) -> None:
    shanghai = timezone(timedelta(hours=8))
    local = datetime(2026, 3, 1, 9, 30, tzinfo=shanghai)
    campaign = Campaign(name="Spring", channel="wechat", created_at=local, updated_at=local)
    session.add(campaign)
    session.flush()
    session.expire_all()
    stored = session.scalars(select(Campaign.created_at).where(Campaign.id == campaign.id)).one()
    assert stored == datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    assert stored.tzinfo is not None


def test_naive_timestamps_are_refused(session: Session) -> None:
    session.add(Campaign(name="x", channel="email", created_at=datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()
