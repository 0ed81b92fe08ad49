"""Surveys and customers' answers: scales that follow each standard, scores on the scale.

Surveys are reference data (everyone reads them, admins change them). NPS runs from 0
to 10, CSAT from 1 to 5 and CES from 1 to 7 (docs/metrics.md); a custom survey sets its
own ends. Once a survey has answers its kind and scale stay as they are, so the answers
keep their meaning. Answers hang off their customer, like orders and tickets do.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor, Parent, Rule
from rapport.customers.models import Customer
from rapport.customers.service import RECORD as CUSTOMER
from rapport.customers.service import RULE as CUSTOMER_RULE
from rapport.db import utcnow
from rapport.errors import Conflict, FieldProblem, Invalid
from rapport.i18n import N_
from rapport.surveys.models import Survey, SurveyKind, SurveyResponse
from rapport.surveys.schemas import (
    SurveyCreate,
    SurveyResponseCreate,
    SurveyResponseUpdate,
    SurveyUpdate,
)
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket

RULE = Rule()
RECORD = records.RecordType(
    entity="survey",
    model=Survey,
    rule=RULE,
    filters={
        "kind": lambda v: Survey.kind.in_(v),
        "is_active": lambda v: Survey.is_active == v,
    },
    sorts={"name": Survey.name, "created_at": Survey.created_at, "updated_at": Survey.updated_at},
)
RESPONSE_RULE = Rule(parent=Parent(SurveyResponse.customer_id, Customer.id, CUSTOMER_RULE))
RESPONSE_RECORD = records.RecordType(
    entity="survey_response",
    model=SurveyResponse,
    rule=RESPONSE_RULE,
    filters={
        "survey_id": lambda v: SurveyResponse.survey_id == v,
        "customer_id": lambda v: SurveyResponse.customer_id == v,
        "responded_from": lambda v: SurveyResponse.responded_at >= v,
        "responded_to": lambda v: SurveyResponse.responded_at < v,
        "min_score": lambda v: SurveyResponse.score >= v,
        "max_score": lambda v: SurveyResponse.score <= v,
    },
    sorts={
        "responded_at": SurveyResponse.responded_at,
        "score": SurveyResponse.score,
        "created_at": SurveyResponse.created_at,
    },
)
# The scale each standard prescribes; custom surveys choose their own.
SCALES: dict[SurveyKind, tuple[int, int]] = {
    SurveyKind.NPS: (0, 10),
    SurveyKind.CSAT: (1, 5),
    SurveyKind.CES: (1, 7),
}


def _scale(kind: SurveyKind, low: int | None, high: int | None) -> tuple[int, int]:
    """The scale of a ``kind`` survey from the ends given; Invalid naming each wrong end."""
    ends = {"scale_min": low, "scale_max": high}
    standard = SCALES.get(kind)
    if standard is not None:
        expected = dict(zip(ends, standard, strict=True))
        runs = N_("a %(kind)s survey's scale runs from %(low)s to %(high)s")
        scale = {"kind": kind.value.upper(), "low": standard[0], "high": standard[1]}
        wrong = [name for name, sent in ends.items() if sent not in (None, expected[name])]
        if wrong:
            raise Invalid([FieldProblem(("body", name), runs, **scale) for name in wrong])
        return standard
    if low is None or high is None:
        needs = N_("a custom survey needs both ends of its scale")
        missing = [name for name, sent in ends.items() if sent is None]
        raise Invalid([FieldProblem(("body", name), needs) for name in missing])
    if low >= high:
        raise Invalid.field(
            ("body", "scale_max"), N_("must be greater than scale_min (%(low)s)"), low=low
        )
    return low, high


def create(*, session: Session, actor: Actor, data: SurveyCreate) -> Survey:
    """A new survey with the scale of its kind."""
    values = data.model_dump()
    values["scale_min"], values["scale_max"] = _scale(data.kind, data.scale_min, data.scale_max)
    return records.create(session=session, actor=actor, kind=RECORD, values=values)


def _answers(session: Session, survey_id: int) -> int:
    stmt = select(func.count()).where(
        SurveyResponse.survey_id == survey_id, SurveyResponse.deleted_at.is_(None)
    )
    return session.scalar(stmt) or 0


def update(*, session: Session, actor: Actor, record_id: int, data: SurveyUpdate) -> Survey:
    """The survey with the fields sent changed; Conflict when its kind or scale would change
    while it has answers."""
    survey = records.get_for_change(session=session, actor=actor, kind=RECORD, record_id=record_id)
    values = data.model_dump(exclude_unset=True)
    for required in ("name", "kind", "question", "is_active"):
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    kind = values.get("kind", survey.kind)
    low = values.get("scale_min", survey.scale_min if kind is SurveyKind.CUSTOM else None)
    high = values.get("scale_max", survey.scale_max if kind is SurveyKind.CUSTOM else None)
    values["scale_min"], values["scale_max"] = _scale(kind, low, high)
    shape = (kind, values["scale_min"], values["scale_max"])
    if shape != (survey.kind, survey.scale_min, survey.scale_max):
        count = _answers(session, survey.id)
        if count:
            answered = (
                N_("survey %(id)s has %(count)s answer; its kind and scale can no longer change")
                if count == 1
                else N_(
                    "survey %(id)s has %(count)s answers; its kind and scale can no longer change"
                )
            )
            raise Conflict(answered, id=survey.id, count=count)
    return records.update(session=session, actor=actor, kind=RECORD, record=survey, values=values)


def _check_ticket(session: Session, ticket_id: int | None, customer_id: int) -> None:
    if ticket_id is None:
        return
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.deleted_at is not None or ticket.customer_id != customer_id:
        raise Invalid.field(
            ("body", "ticket_id"),
            N_("customer %(id)s has no %(entity)s %(target)s"),
            id=customer_id,
            entity="ticket",
            target=ticket_id,
        )


def _check_response(
    session: Session, actor: Actor, values: dict[str, Any], answer: SurveyResponse | None
) -> None:
    """Invalid unless the survey, score, customer, ticket and order of an answer fit together."""
    if "survey_id" in values:
        records.check_reference(session=session, actor=actor, kind=RECORD,
                                record_id=values["survey_id"], field="survey_id")  # fmt: skip
    if "customer_id" in values:
        records.check_reference(session=session, actor=actor, kind=CUSTOMER,
                                record_id=values["customer_id"], field="customer_id")  # fmt: skip
    if "survey_id" in values or "score" in values:
        survey = session.get(Survey, values.get("survey_id", answer.survey_id if answer else None))
        score = values.get("score", answer.score if answer else None)
        assert survey is not None and score is not None
        if not survey.scale_min <= score <= survey.scale_max:
            raise Invalid.field(
                ("body", "score"),
                N_("must be from %(low)s to %(high)s, the scale of survey %(id)s"),
                low=survey.scale_min,
                high=survey.scale_max,
                id=survey.id,
            )
    customer_id = values.get("customer_id", answer.customer_id if answer else None)
    assert customer_id is not None
    if "ticket_id" in values or "customer_id" in values:
        ticket_id = values.get("ticket_id", answer.ticket_id if answer else None)
        _check_ticket(session, ticket_id, customer_id)
    if "order_id" in values or "customer_id" in values:
        order_id = values.get("order_id", answer.order_id if answer else None)
        ticket_service.check_order(
            session=session, order_id=order_id, customer_id=customer_id, field="order_id"
        )


def create_response(
    *, session: Session, actor: Actor, data: SurveyResponseCreate
) -> SurveyResponse:
    """A new answer, given now unless ``responded_at`` says otherwise."""
    values = data.model_dump(exclude_unset=True)
    if values.get("responded_at") is None:
        values["responded_at"] = utcnow()
    _check_response(session, actor, values, None)
    return records.create(session=session, actor=actor, kind=RESPONSE_RECORD, values=values)


def update_response(
    *, session: Session, actor: Actor, record_id: int, data: SurveyResponseUpdate
) -> SurveyResponse:
    """The answer with the fields sent changed, checked again against its survey and customer."""
    answer = records.get_for_change(
        session=session, actor=actor, kind=RESPONSE_RECORD, record_id=record_id
    )
    values = data.model_dump(exclude_unset=True)
    for required in ("survey_id", "customer_id", "score", "responded_at"):
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    _check_response(session, actor, values, answer)
    return records.update(
        session=session, actor=actor, kind=RESPONSE_RECORD, record=answer, values=values
    )
