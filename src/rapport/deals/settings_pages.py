"""Settings for admins: pipelines and their stages (names, probabilities, order, outcome)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.api.deps import SessionDep
from rapport.deals import pipelines
from rapport.deals.models import Pipeline, StageOutcome
from rapport.deals.schemas import PipelineCreate, StageCreate, StageOrder, StageUpdate
from rapport.templating import render
from rapport.web.deps import AdminUser, PageActor, check_csrf
from rapport.web.forms import FieldErrors, attempt, parse

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def _page(
    request: Request, session: Session, errors: FieldErrors | None = None, status: int = 200
) -> HTMLResponse:
    found = session.scalars(
        select(Pipeline)
        .where(Pipeline.deleted_at.is_(None))
        .order_by(Pipeline.is_default.desc(), Pipeline.name)
    )
    context = {
        "pipelines": [(p, pipelines.stages_of(session=session, pipeline_id=p.id)) for p in found],
        "outcomes": [o.value for o in StageOutcome],
        "errors": errors or {},
    }
    return render(request, "settings/pipelines.html", context, status_code=status)


@router.get("/settings/pipelines", response_class=HTMLResponse)
def pipelines_page(request: Request, session: SessionDep, admin: AdminUser) -> HTMLResponse:
    """Every pipeline with its stages in order."""
    return _page(request, session)


def _apply(request: Request, session: Session, work: Callable[[], object]) -> Response:
    errors = attempt(request, session, work)
    if errors:
        return _page(request, session, errors, status=422)
    return RedirectResponse("/settings/pipelines", status_code=303)


@router.post("/settings/pipelines", response_class=HTMLResponse)
async def create_pipeline(
    request: Request, session: SessionDep, admin: AdminUser, actor: PageActor
) -> Response:
    """A new pipeline with the usual stages: the admin renames or adds to them."""
    data, errors = parse(request, PipelineCreate, await request.form())
    if data is None:
        return _page(request, session, errors, status=422)
    if not data.stages:
        data = data.model_copy(
            update={
                "stages": [
                    StageCreate(name="Lead", probability=10),
                    StageCreate(name="Proposal", probability=50),
                    StageCreate(name="Won", probability=100, outcome=StageOutcome.WON),
                    StageCreate(name="Lost", probability=0, outcome=StageOutcome.LOST),
                ]
            }
        )
    return _apply(
        request, session, lambda: pipelines.create_pipeline(session=session, actor=actor, data=data)
    )


@router.post("/settings/pipelines/{pipeline_id}/stages", response_class=HTMLResponse)
async def add_stage(
    request: Request, session: SessionDep, admin: AdminUser, actor: PageActor, pipeline_id: int
) -> Response:
    """A stage at the end of the pipeline."""
    data, errors = parse(request, StageCreate, await request.form(), pipeline_id=pipeline_id)
    if data is None:
        return _page(request, session, errors, status=422)
    return _apply(
        request, session, lambda: pipelines.create_stage(session=session, actor=actor, data=data)
    )


@router.post("/settings/stages/{stage_id}", response_class=HTMLResponse)
async def update_stage(
    request: Request, session: SessionDep, admin: AdminUser, actor: PageActor, stage_id: int
) -> Response:
    """A stage's new name, probability, outcome or rotting days."""
    data, errors = parse(request, StageUpdate, await request.form(), blank_is_null=True)
    if data is None:
        return _page(request, session, {f"{stage_id}-{k}": v for k, v in errors.items()}, 422)
    return _apply(
        request,
        session,
        lambda: pipelines.update_stage(session=session, actor=actor, record_id=stage_id, data=data),
    )


@router.post("/settings/stages/{stage_id}/delete", response_class=HTMLResponse)
async def delete_stage(
    request: Request, session: SessionDep, admin: AdminUser, actor: PageActor, stage_id: int
) -> Response:
    """Remove a stage no deal has been in."""
    return _apply(
        request,
        session,
        lambda: pipelines.delete_stage(session=session, actor=actor, record_id=stage_id),
    )


@router.post(
    "/settings/pipelines/{pipeline_id}/move/{stage_id}/{direction}", response_class=HTMLResponse
)
async def move_stage(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    actor: PageActor,
    pipeline_id: int,
    stage_id: int,
    direction: str,
) -> Response:
    """Move a stage one place up or down the pipeline."""
    ids = [s.id for s in pipelines.stages_of(session=session, pipeline_id=pipeline_id)]
    if stage_id in ids:
        i = ids.index(stage_id)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= j < len(ids):
            ids[i], ids[j] = ids[j], ids[i]
    order = StageOrder(stage_ids=ids)
    return _apply(
        request,
        session,
        lambda: pipelines.reorder(
            session=session, actor=actor, pipeline_id=pipeline_id, data=order
        ),
    )
