"""Pipelines and their stages: configurable by admins, read by everyone."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor, Rule
from rapport.deals.models import Deal, DealStageChange, Pipeline, Stage, StageOutcome
from rapport.deals.schemas import (
    PipelineCreate,
    PipelineUpdate,
    StageCreate,
    StageOrder,
    StageUpdate,
)
from rapport.errors import Conflict, Invalid
from rapport.i18n import N_

PIPELINE = records.RecordType(
    entity="pipeline", model=Pipeline, rule=Rule(), sorts={"name": Pipeline.name}
)
STAGE = records.RecordType(
    entity="stage",
    model=Stage,
    rule=Rule(),
    filters={"pipeline_id": lambda v: Stage.pipeline_id == v},
    sorts={"position": Stage.position},
    soft_delete=False,
)


def stages_of(*, session: Session, pipeline_id: int) -> Sequence[Stage]:
    """The stages of a pipeline, in order."""
    stmt = select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(Stage.position)
    return session.scalars(stmt).all()


def default_pipeline(*, session: Session) -> Pipeline | None:
    """The live default pipeline, else the oldest live one."""
    stmt = select(Pipeline).where(Pipeline.deleted_at.is_(None))
    return session.scalars(stmt.order_by(Pipeline.is_default.desc(), Pipeline.id)).first()


def _unset_default(session: Session, keep: int) -> None:
    session.execute(
        update(Pipeline)
        .where(Pipeline.id != keep, Pipeline.is_default.is_(True))
        .values(is_default=False)
    )


def create_pipeline(*, session: Session, actor: Actor, data: PipelineCreate) -> Pipeline:
    """A new pipeline with its stages, numbered in the order given."""
    values = data.model_dump(exclude={"stages"})
    pipeline = records.create(session=session, actor=actor, kind=PIPELINE, values=values)
    for position, stage in enumerate(data.stages):
        if stage.pipeline_id not in (None, pipeline.id):
            raise Invalid.field(
                ("body", "stages", position, "pipeline_id"), N_("leave it out here")
            )
        fields = stage.model_dump(exclude={"pipeline_id", "position"})
        values = {**fields, "pipeline_id": pipeline.id, "position": position}
        records.create(session=session, actor=actor, kind=STAGE, values=values)
    if pipeline.is_default:
        _unset_default(session, pipeline.id)
    session.flush()
    session.refresh(pipeline, attribute_names=["stages"])
    return pipeline


def update_pipeline(
    *, session: Session, actor: Actor, record_id: int, data: PipelineUpdate
) -> Pipeline:
    """The pipeline renamed, or made the default."""
    pipeline = records.get_for_change(
        session=session, actor=actor, kind=PIPELINE, record_id=record_id
    )
    values = data.model_dump(exclude_unset=True)
    for required in ("name", "is_default"):
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    records.update(session=session, actor=actor, kind=PIPELINE, record=pipeline, values=values)
    if values.get("is_default"):
        _unset_default(session, pipeline.id)
    session.refresh(pipeline, attribute_names=["stages"])
    return pipeline


def delete_pipeline(*, session: Session, actor: Actor, record_id: int) -> None:
    """The pipeline to the recycle bin, unless open deals are still in it."""
    pipeline = records.get_for_change(
        session=session, actor=actor, kind=PIPELINE, record_id=record_id
    )
    open_deals = select(func.count()).where(
        Deal.pipeline_id == record_id, Deal.deleted_at.is_(None), Deal.status == "open"
    )
    if session.scalar(open_deals):
        raise Conflict(
            N_("pipeline %(id)s still has open deals; move or close them first"), id=record_id
        )
    records.delete(session=session, actor=actor, kind=PIPELINE, record=pipeline)


def create_stage(*, session: Session, actor: Actor, data: StageCreate) -> Stage:
    """A stage added to a live pipeline, at the end unless a free position is given."""
    if data.pipeline_id is None:
        raise Invalid.field(("body", "pipeline_id"), N_("is required"))
    records.check_reference(
        session=session, actor=actor, kind=PIPELINE, record_id=data.pipeline_id, field="pipeline_id"
    )
    taken = {s.position for s in stages_of(session=session, pipeline_id=data.pipeline_id)}
    position = data.position if data.position is not None else max(taken, default=-1) + 1
    if position in taken:
        raise Conflict(
            N_("position %(position)s is taken; reorder the stages instead"), position=position
        )
    values = {**data.model_dump(), "position": position}
    return records.create(session=session, actor=actor, kind=STAGE, values=values)


def update_stage(*, session: Session, actor: Actor, record_id: int, data: StageUpdate) -> Stage:
    """The stage's name, probability, outcome or rotting days changed."""
    stage = records.get_for_change(session=session, actor=actor, kind=STAGE, record_id=record_id)
    values = data.model_dump(exclude_unset=True)
    for required in ("name", "probability", "outcome"):
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    if values.get("outcome", stage.outcome) is not stage.outcome:
        in_use = select(func.count()).select_from(Deal).where(Deal.stage_id == record_id)
        if session.scalar(in_use):
            raise Conflict(
                N_("deals are in stage %(id)s; move them before making it %(outcome)s"),
                id=record_id,
                outcome=values["outcome"],
            )
    return records.update(session=session, actor=actor, kind=STAGE, record=stage, values=values)


def delete_stage(*, session: Session, actor: Actor, record_id: int) -> None:
    """The stage removed for good, unless deals are in it or have passed through it."""
    stage = records.get_for_change(session=session, actor=actor, kind=STAGE, record_id=record_id)
    in_use = select(func.count()).select_from(Deal).where(Deal.stage_id == record_id)
    passed = select(func.count()).where(DealStageChange.to_stage_id == record_id)
    if session.scalar(in_use) or session.scalar(passed):
        raise Conflict(
            N_("deals are in stage %(id)s or have passed through it; keep it"), id=record_id
        )
    records.delete(session=session, actor=actor, kind=STAGE, record=stage)


def reorder(*, session: Session, actor: Actor, pipeline_id: int, data: StageOrder) -> Pipeline:
    """The pipeline with its stages in the order given (every stage, each once)."""
    pipeline = records.get_for_change(
        session=session, actor=actor, kind=PIPELINE, record_id=pipeline_id
    )
    stages = {s.id: s for s in stages_of(session=session, pipeline_id=pipeline_id)}
    if sorted(data.stage_ids) != sorted(stages):
        expected = ", ".join(map(str, sorted(stages)))
        raise Invalid.field(("body", "stage_ids"), N_("give each of %(ids)s once"), ids=expected)
    # Two steps, so no two stages share a position in between (a unique constraint).
    for offset, stage in enumerate(stages.values()):
        stage.position = -1 - offset
    session.flush()
    for position, stage_id in enumerate(data.stage_ids):
        records.update(session=session, actor=actor, kind=STAGE, record=stages[stage_id],
                       values={"position": position})  # fmt: skip
    return pipeline


def stage_in(*, session: Session, pipeline_id: int, stage_id: int | None, field: str) -> Stage:
    """The stage ``stage_id`` of the pipeline (its first open stage when None)."""
    stages = stages_of(session=session, pipeline_id=pipeline_id)
    if stage_id is None:
        first = next((s for s in stages if s.outcome is StageOutcome.OPEN), None)
        if first is None:
            raise Invalid.field(("body", "pipeline_id"), N_("the pipeline has no open stage"))
        return first
    found = next((s for s in stages if s.id == stage_id), None)
    if found is None:
        raise Invalid.field(
            ("body", field),
            N_("stage %(id)s is not in pipeline %(pipeline_id)s"),
            id=stage_id,
            pipeline_id=pipeline_id,
        )
    return found
