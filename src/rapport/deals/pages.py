"""Sales pages: the pipeline board (drag a deal to another stage) and a deal's own page.

The board shows one column per stage of the chosen pipeline, with the count and value of
the deals the user may see in it, and the cards of the newest ones (a closed stage shows
the deals closed in the last 30 days). Moving a card is a stage change like any other:
recorded with who moved it and when, and a lost stage asks why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor
from rapport.api.deps import SessionDep
from rapport.config import get_settings
from rapport.customers.models import Customer
from rapport.db import utcnow
from rapport.deals import pipelines, service
from rapport.deals.models import Deal, DealStatus, Pipeline, Stage, StageOutcome
from rapport.deals.schemas import DealMove
from rapport.errors import Invalid, NotFound
from rapport.i18n import gettext_for
from rapport.templating import render
from rapport.web import choices
from rapport.web.deps import PageActor, check_csrf
from rapport.web.forms import invalid_errors

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

CARDS_PER_STAGE: Final = 30
CLOSED_DAYS: Final = 30  # a won or lost column shows the deals closed this recently


@dataclass(frozen=True)
class Column:
    """One stage on the board: its deals' count and value, and the cards shown."""

    stage: Stage
    count: int
    amount_minor: int
    cards: list[Deal]


def _visible(actor: Actor, owner_id: int | None) -> Any:
    stmt = records.select_visible(service.RECORD, actor)
    return stmt.where(Deal.owner_id == owner_id) if owner_id else stmt


def board(
    *, session: Session, actor: Actor, pipeline: Pipeline, owner_id: int | None = None
) -> list[Column]:
    """The pipeline's stages with the deals ``actor`` may see (of ``owner_id`` if given)."""
    since = utcnow() - timedelta(days=CLOSED_DAYS)
    stages = pipelines.stages_of(session=session, pipeline_id=pipeline.id)
    visible = _visible(actor, owner_id).where(Deal.pipeline_id == pipeline.id).subquery()
    closed_recently = (visible.c.status == DealStatus.OPEN) | (visible.c.closed_at >= since)
    totals = {
        row.stage_id: (row.deals, row.amount or 0)
        for row in session.execute(
            select(visible.c.stage_id, func.count().label("deals"),
                   func.sum(visible.c.amount_minor).label("amount"))
            .where(closed_recently)
            .group_by(visible.c.stage_id)
        )
    }  # fmt: skip
    columns = []
    for stage in stages:
        stmt = _visible(actor, owner_id).where(Deal.stage_id == stage.id)
        if stage.outcome is not StageOutcome.OPEN:
            stmt = stmt.where(Deal.closed_at >= since)
        stmt = stmt.order_by(Deal.stage_entered_at.desc(), Deal.id.desc()).limit(CARDS_PER_STAGE)
        count, amount = totals.get(stage.id, (0, 0))
        columns.append(Column(stage, count, int(amount), list(session.scalars(stmt))))
    return columns


def _customer_names(session: Session, deals: list[Deal]) -> dict[int, str]:
    ids = {deal.customer_id for deal in deals}
    if not ids:
        return {}
    rows = session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(ids)))
    return {row.id: row.name for row in rows}


def _pipelines(session: Session) -> list[Pipeline]:
    stmt = select(Pipeline).where(Pipeline.deleted_at.is_(None))
    return list(session.scalars(stmt.order_by(Pipeline.is_default.desc(), Pipeline.name)))


@router.get("/deals", response_class=HTMLResponse)
def pipeline_board(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    pipeline_id: Annotated[int | None, Query(alias="pipeline")] = None,
    owner_id: Annotated[int | None, Query(alias="owner")] = None,
) -> HTMLResponse:
    """The board of one pipeline (the default one unless chosen)."""
    found = _pipelines(session)
    pipeline = next((p for p in found if p.id == pipeline_id), found[0] if found else None)
    if pipeline_id is not None and (pipeline is None or pipeline.id != pipeline_id):
        raise NotFound("pipeline", pipeline_id)
    columns = (
        board(session=session, actor=actor, pipeline=pipeline, owner_id=owner_id)
        if pipeline
        else []
    )
    context = {
        "pipelines": found,
        "pipeline": pipeline,
        "columns": columns,
        "owner_id": owner_id,
        "owners": choices.users(session),
        "customer_names": _customer_names(session, [d for c in columns for d in c.cards]),
        "closed_days": CLOSED_DAYS,
        "currency": get_settings().default_currency,
        "can_write": actor.writes,
    }
    partial = request.headers.get("HX-Target") == "board"
    return render(request, "deals/_board.html" if partial else "deals/board.html", context)


@router.post("/deals/{deal_id}/move")
async def move_deal(
    request: Request, session: SessionDep, actor: PageActor, deal_id: int
) -> Response:
    """Move the deal to another stage: the board again (HTMX) or the deal's page."""
    form = await request.form()
    stage = form.get("stage_id")
    reason = form.get("lost_reason")
    if not isinstance(stage, str) or not stage.isdigit():
        raise Invalid.field(("body", "stage_id"), gettext_for(request)("Choose a stage."))
    data = DealMove(
        stage_id=int(stage),
        lost_reason=reason.strip() if isinstance(reason, str) and reason.strip() else None,
    )
    try:
        deal = service.move(session=session, actor=actor, record_id=deal_id, data=data)
    except Invalid as exc:
        session.rollback()
        deal = records.get(session=session, actor=actor, kind=service.RECORD, record_id=deal_id)
        return _deal_page(
            request, session, actor, deal, errors=invalid_errors(request, exc), status=422
        )
    if request.headers.get("HX-Request") == "true":
        back = form.get("owner")
        owner = int(back) if isinstance(back, str) and back.isdigit() else None
        return pipeline_board(request, session, actor, deal.pipeline_id, owner)
    return RedirectResponse(f"/deals/{deal_id}", status_code=303)


def _deal_page(
    request: Request,
    session: Session,
    actor: Actor,
    deal: Deal,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    stages = pipelines.stages_of(session=session, pipeline_id=deal.pipeline_id)
    changes = service.stage_changes(session=session, actor=actor, record_id=deal.id)
    may_change = records.changeable(
        session=session, actor=actor, kind=service.RECORD, record_id=deal.id
    )
    user_names = choices.user_names(session)
    context = {
        "deal": deal,
        "customer": session.get(Customer, deal.customer_id),
        "pipeline": session.get(Pipeline, deal.pipeline_id),
        "stages": stages,
        "stage_names": {s.id: s.name for s in stages},
        "stage_options": [(s.id, s.name) for s in stages],
        "changes": changes,
        "owner_name": user_names.get(deal.owner_id or 0),
        "user_names": user_names,
        "may_change": may_change,
        "errors": errors or {},
        "now": utcnow(),
    }
    return render(request, "deals/view.html", context, status_code=status)


@router.get("/deals/{deal_id}", response_class=HTMLResponse)
def deal_page(
    request: Request, session: SessionDep, actor: PageActor, deal_id: int
) -> HTMLResponse:
    """One deal: its stage, stage history, products and customer."""
    deal = records.get(session=session, actor=actor, kind=service.RECORD, record_id=deal_id)
    return _deal_page(request, session, actor, deal)
