"""The consent ledger routes of the JSON API: read the ledger, add an entry, what holds now.

The ledger is append-only, so there is no route to change or delete an entry.
"""

from __future__ import annotations

from fastapi import APIRouter

from rapport.api.crud import Cursor, Limit, Page
from rapport.api.deps import ActorDep, SessionDep
from rapport.api.errors import COMMON_RESPONSES, NOT_FOUND
from rapport.consents import service
from rapport.consents.models import Consent
from rapport.consents.schemas import ConsentCreate, ConsentRead, ConsentState

router = APIRouter(prefix="/customers", tags=["consents"], responses=COMMON_RESPONSES)


@router.get(
    "/{customer_id}/consents",
    response_model=Page[ConsentRead],
    responses=NOT_FOUND,
    summary="A customer's consent ledger, newest first",
)
def list_consents(
    session: SessionDep,
    actor: ActorDep,
    customer_id: int,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ConsentRead]:
    """One page of the entries, newest first (by ``at``, then the latest recorded);
    for whoever may see the customer."""
    page = service.list_page(
        session=session, actor=actor, customer_id=customer_id, cursor=cursor, limit=limit
    )
    items = [ConsentRead.model_validate(entry) for entry in page.items]
    return Page[ConsentRead](items=items, next_cursor=page.next_cursor)


@router.post(
    "/{customer_id}/consents",
    status_code=201,
    response_model=ConsentRead,
    responses=NOT_FOUND,
    summary="Add an entry to a customer's consent ledger",
)
def add_consent(
    session: SessionDep, actor: ActorDep, customer_id: int, data: ConsentCreate
) -> Consent:
    """Record that the customer gave or withdrew consent; for whoever may change the
    customer. Marketing entries set or lift the customer's marketing opt-out
    (docs/privacy.md)."""
    return service.create(session=session, actor=actor, customer_id=customer_id, data=data)


@router.get(
    "/{customer_id}/consents/current",
    response_model=list[ConsentState],
    responses=NOT_FOUND,
    summary="What holds now, per purpose and channel",
)
def current_consents(session: SessionDep, actor: ActorDep, customer_id: int) -> list[ConsentState]:
    """For each purpose and channel the ledger mentions, the newest entry's status."""
    return service.current(session=session, actor=actor, customer_id=customer_id)
