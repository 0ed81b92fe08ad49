"""The options of select boxes that many pages share: users, channels, tags, products."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.customers.models import Customer, Tag
from rapport.users.models import User


def users(session: Session) -> list[tuple[int, str]]:
    """Active users as (id, name), by name."""
    stmt = select(User.id, User.name).where(User.is_active.is_(True)).order_by(User.name)
    return [(row.id, row.name) for row in session.execute(stmt)]


def user_names(session: Session) -> dict[int, str]:
    """Every user's name by id (deactivated people still own records)."""
    return {row.id: row.name for row in session.execute(select(User.id, User.name))}


def channels(session: Session) -> list[str]:
    """The acquisition channels customers have, in order."""
    stmt = select(Customer.channel).where(Customer.channel.is_not(None)).distinct()
    return sorted(str(value) for value in session.scalars(stmt))


def tags(session: Session) -> list[tuple[int, str]]:
    """Tags as (id, name), by name."""
    return [
        (row.id, row.name) for row in session.execute(select(Tag.id, Tag.name).order_by(Tag.name))
    ]
