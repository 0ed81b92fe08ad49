"""Thresholds set in the pages win over the environment's, for pages and commands alike."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from rapport.access import Actor
from rapport.appsettings import service
from rapport.config import Settings
from rapport.errors import Forbidden, Invalid
from rapport.users.models import Role

ADMIN = Actor(None, Role.ADMIN)


def test_nothing_set_means_the_environment_decides(session: Session) -> None:
    base = Settings(churn_inactive_days=200)
    assert service.effective(session, base).churn_inactive_days == 200


def test_values_set_by_an_admin_win_and_are_checked(session: Session) -> None:
    base = Settings()
    found = service.update(
        session=session,
        actor=ADMIN,
        values={"churn_inactive_days": 120, "at_risk_inactive_days": 45},
    )
    assert (found.churn_inactive_days, found.at_risk_inactive_days) == (120, 45)
    assert service.effective(session, base).lifecycle_thresholds().churned_days == 120
    with pytest.raises(Invalid, match="at risk before they churn"):
        service.update(session=session, actor=ADMIN, values={"at_risk_inactive_days": 130})
    with pytest.raises(Invalid, match="from 2 to 1000"):
        service.update(session=session, actor=ADMIN, values={"loyal_min_orders": 1})
    with pytest.raises(Invalid, match="not changed here"):
        service.update(session=session, actor=ADMIN, values={"time_zone": 3})
    with pytest.raises(Forbidden):
        service.update(
            session=session, actor=Actor(1, Role.MANAGER), values={"loyal_min_orders": 3}
        )


def test_commands_read_them_from_the_database(migrated_engine: Engine) -> None:
    with Session(migrated_engine) as session, session.begin():
        service.update(session=session, actor=ADMIN, values={"clv_horizon_days": 180})
    try:
        assert service.effective_for(migrated_engine).clv_horizon_days == 180
    finally:
        with Session(migrated_engine) as session, session.begin():
            service.update(session=session, actor=ADMIN, values={"clv_horizon_days": 365})
