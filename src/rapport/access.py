"""Who may see and change which records: roles and record-level rules.

The rules are SQL conditions, applied by the services to every query, so the API, the
pages, exports and analytics all get the same answer (docs/permissions.md):

- **admin**: sees and changes everything.
- **analyst**: sees everything, changes nothing.
- **manager**: sees and changes the records owned by members of their team, their own,
  and records nobody owns yet.
- **rep**: sees and changes the records they own.
- **agent**: like a rep, and also sees every customer and ticket (service must find any
  caller); changes only their own.

Records that hang off a customer (orders, interactions, tickets, answers, events,
tasks) are visible with their customer, and changeable by who may change the customer
or who owns the record itself. Reference data (products, pipelines, campaigns, surveys,
teams, users …) is visible to all and changed by admins only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from rapport.audit.models import ChangeSource
from rapport.errors import Forbidden
from rapport.i18n import N_
from rapport.users.models import Role, User


class Action(StrEnum):
    """What a user wants to do to a record."""

    READ = "read"
    CHANGE = "change"  # update, delete, restore


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the services need to know it, and through which door."""

    user_id: int | None
    role: Role
    team_id: int | None = None
    source: ChangeSource = ChangeSource.API

    @classmethod
    def of(cls, user: User, source: ChangeSource = ChangeSource.API) -> Actor:
        """The actor for a signed-in user."""
        return cls(user_id=user.id, role=user.role, team_id=user.team_id, source=source)

    @classmethod
    def system(cls, source: ChangeSource = ChangeSource.SYSTEM) -> Actor:
        """Rapport itself (commands, automation): allowed everything, audited as ``source``."""
        return cls(user_id=None, role=Role.ADMIN, source=source)

    @property
    def writes(self) -> bool:
        """Whether this actor may change any record at all."""
        return self.role is not Role.ANALYST


@dataclass(frozen=True)
class Parent:
    """The record another hangs off: ``link`` (Order.customer_id) points at ``key``."""

    link: InstrumentedAttribute[Any]
    key: InstrumentedAttribute[Any]
    rule: Rule


@dataclass(frozen=True)
class Rule:
    """How the records of one type are owned.

    ``owner`` is the column holding the owning user's id; ``parent`` the record (a
    customer) this one hangs off, whose rights carry over. A rule with neither is
    reference data.
    """

    owner: InstrumentedAttribute[Any] | None = None
    parent: Parent | None = None
    agents_read_all: bool = False
    everyone_reads: bool = False  # shared records (segments): all read, owners change

    @property
    def reference(self) -> bool:
        """Whether these records are reference data: seen by all, changed by admins."""
        return self.owner is None and self.parent is None


def _owned(actor: Actor, owner: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    if actor.role is Role.MANAGER:
        team = select(User.id).where(User.team_id == actor.team_id).scalar_subquery()
        mine = owner == actor.user_id
        if actor.team_id is None:
            return or_(mine, owner.is_(None))
        return or_(mine, owner.is_(None), owner.in_(team))
    return owner == actor.user_id if actor.user_id is not None else false()


def condition(actor: Actor, rule: Rule, action: Action) -> ColumnElement[bool]:
    """The SQL condition a record must meet for ``actor`` to do ``action`` to it."""
    if action is Action.CHANGE and not actor.writes:
        return false()
    if actor.role is Role.ADMIN:
        return true()
    if rule.reference:
        return true() if action is Action.READ else false()
    if action is Action.READ and (actor.role is Role.ANALYST or rule.everyone_reads):
        return true()
    if action is Action.READ and actor.role is Role.AGENT and rule.agents_read_all:
        return true()
    parts = []
    if rule.owner is not None:
        parts.append(_owned(actor, rule.owner))
    if rule.parent is not None:
        parent = rule.parent
        allowed = select(parent.key).where(condition(actor, parent.rule, action))
        parts.append(parent.link.in_(allowed.scalar_subquery()))
    return or_(*parts)


def may_assign(actor: Actor, owner_id: int | None, team_of_owner: int | None) -> None:
    """Raise Forbidden unless ``actor`` may make ``owner_id`` a record's owner."""
    if actor.role is Role.ADMIN or owner_id == actor.user_id:
        return
    if actor.role is Role.MANAGER and (owner_id is None or team_of_owner == actor.team_id):
        return
    raise Forbidden(N_("you may only assign records to yourself or, as a manager, your team"))
