"""Saved views: one's own and the shared ones, made and removed by their owner."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from rapport.access import Actor
from rapport.audit import service as audit
from rapport.audit.models import AuditAction
from rapport.errors import NotFound
from rapport.savedviews.models import SavedView
from rapport.savedviews.schemas import SavedViewCreate
from rapport.users.models import Role

# What a saved view leaves out of the query it keeps: the page of the list one was on.
_NOT_KEPT = frozenset({"cursor"})


def list_for(*, session: Session, actor: Actor, page: str) -> Sequence[SavedView]:
    """The views of ``page`` that ``actor`` has: their own and the shared ones, by name."""
    stmt = select(SavedView).where(
        SavedView.page == page, or_(SavedView.user_id == actor.user_id, SavedView.shared)
    )
    return session.scalars(stmt.order_by(SavedView.name, SavedView.id)).all()


def clean(query: str) -> str:
    """``query`` without what a view does not keep (the cursor) and without empty values."""
    kept = [(k, v) for k, v in parse_qsl(query.lstrip("?")) if k not in _NOT_KEPT and v]
    return urlencode(kept)


def create(*, session: Session, actor: Actor, data: SavedViewCreate) -> SavedView:
    """A new view of ``actor``'s (audited)."""
    if actor.user_id is None:
        raise NotFound("user", "system")
    view = SavedView(
        user_id=actor.user_id,
        page=data.page,
        name=data.name,
        query=clean(data.query),
        shared=data.shared,
    )
    session.add(view)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        entity="saved_view",
        entity_id=view.id,
        action=AuditAction.CREATE,
        note=f"{view.name}: {view.query}",
    )
    return view


def delete(*, session: Session, actor: Actor, record_id: int) -> None:
    """Remove a view: its owner or an admin may; for anyone else it is not found."""
    view = session.get(SavedView, record_id)
    if view is None or (view.user_id != actor.user_id and actor.role is not Role.ADMIN):
        raise NotFound("saved view", record_id)
    name = view.name
    session.delete(view)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        entity="saved_view",
        entity_id=record_id,
        action=AuditAction.DELETE,
        note=name,
    )
