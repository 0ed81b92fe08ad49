"""The thresholds admins set in the pages, laid over the environment's settings.

Lifecycle and churn thresholds, and the scores' horizons, are settings (docs/
configuration.md); an admin can change them on the settings page, and the value kept in
the database then wins over the environment's, for the pages, ``rapport score`` and
``rapport analyze`` on the CRM's database alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import Connection, Engine, inspect, select
from sqlalchemy.orm import Session

from rapport.access import Actor
from rapport.appsettings.models import AppSetting
from rapport.audit import service as audit
from rapport.audit.models import AuditAction
from rapport.config import Settings, get_settings
from rapport.errors import Forbidden, Invalid
from rapport.i18n import N_
from rapport.users.models import Role

# The settings the page changes, with the whole numbers each may take.
EDITABLE: Final[dict[str, tuple[int, int]]] = {
    "at_risk_inactive_days": (1, 3650),
    "churn_inactive_days": (2, 3650),
    "loyal_min_orders": (2, 1000),
    "churn_horizon_days": (1, 3650),
    "clv_horizon_days": (1, 3650),
}


def overrides(bind: Session | Connection) -> dict[str, Any]:
    """The settings admins have set, by name (none before the table exists)."""
    connection = bind.connection() if isinstance(bind, Session) else bind
    if not inspect(connection).has_table(AppSetting.__tablename__):
        return {}
    rows = connection.execute(select(AppSetting.key, AppSetting.value))
    return {row.key: row.value for row in rows if row.key in EDITABLE}


def effective(bind: Session | Connection, base: Settings | None = None) -> Settings:
    """The settings with what admins set laid over ``base`` (the environment's)."""
    settings = base or get_settings()
    found = overrides(bind)
    return settings.model_copy(update=found) if found else settings


def effective_for(engine: Engine, base: Settings | None = None) -> Settings:
    """``effective`` for the database behind ``engine`` (commands)."""
    with engine.connect() as connection:
        return effective(connection, base)


def _check(values: Mapping[str, int], current: Settings) -> None:
    for name, value in values.items():
        low, high = EDITABLE[name]
        if not low <= value <= high:
            raise Invalid.field(
                ("body", name),
                N_("give a whole number from %(low)s to %(high)s"),
                low=low,
                high=high,
            )
    at_risk = values.get("at_risk_inactive_days", current.at_risk_inactive_days)
    churned = values.get("churn_inactive_days", current.churn_inactive_days)
    if at_risk >= churned:
        raise Invalid.field(
            ("body", "at_risk_inactive_days"),
            N_("a customer is at risk before they churn: give fewer days"),
        )


def update(*, session: Session, actor: Actor, values: Mapping[str, int]) -> Settings:
    """Keep the new values (admins only; audited); the settings now in force."""
    if actor.role is not Role.ADMIN:
        raise Forbidden(N_("only admins change the settings"))
    unknown = [name for name in values if name not in EDITABLE]
    if unknown:
        raise Invalid.field(("body", unknown[0]), N_("this setting is not changed here"))
    current = effective(session)
    _check(values, current)
    for name, value in values.items():
        before = getattr(current, name)
        if before == value:
            continue
        row = session.get(AppSetting, name)
        if row is None:
            session.add(AppSetting(key=name, value=value))
        else:
            row.value = value
        audit.record(session=session, actor=actor, entity="setting", entity_id=0,
                     action=AuditAction.UPDATE, changes={name: (before, value)})  # fmt: skip
    session.flush()
    return effective(session)
