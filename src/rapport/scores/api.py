"""The scoring runs in the JSON API: how each model was fitted and how good it was.

A run's models are fitted on every customer, so their figures are aggregates of all
customers: admins, managers and analysts may read them (docs/permissions.md). A
customer's own scores come with the customer (``GET /customers/{id}``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from rapport.access import Actor
from rapport.api.deps import ActorDep, SessionDep
from rapport.api.errors import COMMON_RESPONSES, NOT_FOUND
from rapport.errors import Forbidden, NotFound
from rapport.scores import service
from rapport.scores.schemas import ScoringRunRead
from rapport.users.models import Role

router = APIRouter(prefix="/scoring-runs", tags=["scores"], responses=COMMON_RESPONSES)
_READERS = frozenset({Role.ADMIN, Role.MANAGER, Role.ANALYST})


def _check(actor: Actor) -> None:
    if actor.role not in _READERS:
        raise Forbidden("scoring runs are for admins, managers and analysts")


@router.get("", response_model=list[ScoringRunRead], summary="List the newest scoring runs")
def list_runs(
    session: SessionDep, actor: ActorDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[ScoringRunRead]:
    _check(actor)
    return [ScoringRunRead.model_validate(run)
            for run in service.list_runs(session=session, limit=limit)]  # fmt: skip


@router.get(
    "/{run_id}", response_model=ScoringRunRead, responses=NOT_FOUND, summary="Read a scoring run"
)
def read_run(session: SessionDep, actor: ActorDep, run_id: int) -> ScoringRunRead:
    _check(actor)
    found = service.get_run(session=session, run_id=run_id)
    if found is None:
        raise NotFound("scoring run", run_id)
    return ScoringRunRead.model_validate(found)
