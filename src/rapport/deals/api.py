"""Pipelines, stages and deals in the JSON API, with moves between stages."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from rapport.api.crud import Operations, record_router
from rapport.api.deps import ActorDep, SessionDep
from rapport.api.errors import COMMON_RESPONSES, NOT_FOUND
from rapport.deals import pipelines, service
from rapport.deals.models import Deal, DealStageChange, Pipeline
from rapport.deals.schemas import (
    DealCreate,
    DealFilters,
    DealMove,
    DealRead,
    DealSort,
    DealUpdate,
    PipelineCreate,
    PipelineFilters,
    PipelineRead,
    PipelineSort,
    PipelineUpdate,
    StageChangeRead,
    StageCreate,
    StageFilters,
    StageOrder,
    StageRead,
    StageSort,
    StageUpdate,
)

pipelines_router = record_router(
    "/pipelines",
    "pipelines",
    Operations(
        kind=pipelines.PIPELINE,
        read=PipelineRead,
        create_schema=PipelineCreate,
        update_schema=PipelineUpdate,
        filters=PipelineFilters,
        sort=PipelineSort,
        create=pipelines.create_pipeline,
        update=pipelines.update_pipeline,
        delete=pipelines.delete_pipeline,
    ),
)
stages_router = record_router(
    "/stages",
    "pipelines",
    Operations(
        kind=pipelines.STAGE,
        read=StageRead,
        create_schema=StageCreate,
        update_schema=StageUpdate,
        filters=StageFilters,
        sort=StageSort,
        create=pipelines.create_stage,
        update=pipelines.update_stage,
        delete=pipelines.delete_stage,
    ),
)
deals_router = record_router(
    "/deals",
    "deals",
    Operations(
        kind=service.RECORD,
        read=DealRead,
        create_schema=DealCreate,
        update_schema=DealUpdate,
        filters=DealFilters,
        sort=DealSort,
        create=service.create,
        update=service.update,
    ),
)
extra_router = APIRouter(responses=COMMON_RESPONSES)


@extra_router.post(
    "/pipelines/{record_id}/stage-order",
    tags=["pipelines"],
    response_model=PipelineRead,
    responses=NOT_FOUND,
    summary="Put a pipeline's stages in a new order",
)
def reorder_stages(
    session: SessionDep, actor: ActorDep, record_id: int, data: StageOrder
) -> Pipeline:
    """The pipeline with its stages renumbered in the order of ``stage_ids``."""
    pipeline = pipelines.reorder(session=session, actor=actor, pipeline_id=record_id, data=data)
    session.refresh(pipeline, attribute_names=["stages"])
    return pipeline


@extra_router.post(
    "/deals/{record_id}/move",
    tags=["deals"],
    response_model=DealRead,
    responses=NOT_FOUND,
    summary="Move a deal to another stage",
)
def move_deal(session: SessionDep, actor: ActorDep, record_id: int, data: DealMove) -> Deal:
    """Record the stage change; won and lost stages close the deal, open ones reopen it."""
    return service.move(session=session, actor=actor, record_id=record_id, data=data)


@extra_router.get(
    "/deals/{record_id}/stage-changes",
    tags=["deals"],
    response_model=list[StageChangeRead],
    responses=NOT_FOUND,
    summary="Every stage a deal entered, oldest first",
)
def stage_changes(
    session: SessionDep, actor: ActorDep, record_id: int
) -> Sequence[DealStageChange]:
    """The deal's stage history: from, to, when and by whom."""
    return service.stage_changes(session=session, actor=actor, record_id=record_id)
