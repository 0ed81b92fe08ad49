"""Saved segments and who is in them: shared records, read by all, changed by their owner.

Everyone reads every segment; its owner, the owner's team manager and admins change it
(analysts change none). A segment's ``definition`` is a JSON object. For a rules
segment it is ``{"all": [...]}`` or ``{"any": [...]}`` of conditions ``{"field", "op",
"value"}``, and only its shape is checked here: the ops come from ``OPS``, but the field
names are free text, because evaluating segments (and so knowing the fields) is later
work. The other kinds (RFM, cluster, manual) keep whatever object their producer writes.

Memberships are written by that evaluation; the API only lists them, and only for the
customers the reader may see.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport import pagination, records
from rapport.access import Action, Actor, Rule, condition
from rapport.customers.models import Customer
from rapport.customers.service import RULE as CUSTOMER_RULE
from rapport.errors import FieldProblem, Invalid
from rapport.i18n import N_
from rapport.segments.models import Segment, SegmentKind, SegmentMembership
from rapport.segments.schemas import SegmentCreate, SegmentUpdate

RULE = Rule(owner=Segment.owner_id, everyone_reads=True)
RECORD = records.RecordType(
    entity="segment",
    model=Segment,
    rule=RULE,
    filters={
        "kind": lambda v: Segment.kind.in_(v),
        "owner_id": lambda v: Segment.owner_id.in_(v),
    },
    sorts={
        "name": Segment.name,
        "created_at": Segment.created_at,
        "updated_at": Segment.updated_at,
    },
)
COMPARISONS: Final = frozenset({"=", "!=", "<", "<=", ">", ">=", "contains", "starts_with"})
LIST_OPS: Final = frozenset({"in", "not_in"})
NULL_OPS: Final = frozenset({"is_null", "not_null"})
OPS: Final = COMPARISONS | LIST_OPS | NULL_OPS
MAX_CONDITIONS: Final = 100
Path = tuple[str | int, ...]


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _condition_problems(path: Path, item: Any) -> list[FieldProblem]:
    """What is wrong with one condition ``{"field", "op", "value"}`` at ``path``."""
    if not isinstance(item, dict):
        return [FieldProblem(path, N_('expected a condition {"field": …, "op": …, "value": …}'))]
    problems = [
        FieldProblem((*path, key), N_("is not part of a condition"))
        for key in item
        if key not in ("field", "op", "value")
    ]
    field = item.get("field")
    if not isinstance(field, str) or not field.strip() or len(field) > 100:
        problems.append(
            FieldProblem((*path, "field"), N_("expected a field name (1–100 characters)"))
        )
    op, value = item.get("op"), item.get("value")
    if not isinstance(op, str) or op not in OPS:
        allowed = ", ".join(sorted(OPS))
        problems.append(
            FieldProblem((*path, "op"), N_("expected one of %(allowed)s"), allowed=allowed)
        )
    elif op in NULL_OPS and value is not None:
        problems.append(FieldProblem((*path, "value"), N_("%(op)s takes no value"), op=op))
    elif op in LIST_OPS and not (
        isinstance(value, list) and value and all(_scalar(v) for v in value)
    ):
        needs = N_("%(op)s needs a non-empty list of values")
        problems.append(FieldProblem((*path, "value"), needs, op=op))
    elif op in COMPARISONS and not _scalar(value):
        needs = N_("%(op)s needs a text, number or true/false")
        problems.append(FieldProblem((*path, "value"), needs, op=op))
    return problems


def check_definition(kind: SegmentKind, definition: dict[str, Any]) -> dict[str, Any]:
    """``definition`` once its shape suits a ``kind`` segment; Invalid naming each problem."""
    if kind is not SegmentKind.RULES:
        return definition
    path: Path = ("body", "definition")
    if len(definition) != 1 or next(iter(definition)) not in ("all", "any"):
        raise Invalid.field(path, N_('a rules segment needs {"all": [...]} or {"any": [...]}'))
    joiner, items = next(iter(definition.items()))
    if not isinstance(items, list) or len(items) > MAX_CONDITIONS:
        at_most = N_("expected a list of at most %(most)s conditions")
        raise Invalid.field((*path, joiner), at_most, most=MAX_CONDITIONS)
    problems = [
        p for i, item in enumerate(items) for p in _condition_problems((*path, joiner, i), item)
    ]
    if problems:
        raise Invalid(problems)
    return definition


def create(*, session: Session, actor: Actor, data: SegmentCreate) -> Segment:
    """A new segment, owned by ``actor`` unless another owner is given; a rules segment
    without a definition matches everyone (``{"all": []}``)."""
    values = data.model_dump(exclude_unset=True)
    values.setdefault("owner_id", actor.user_id)
    values["kind"] = data.kind
    if data.definition is None:
        values["definition"] = {"all": []} if data.kind is SegmentKind.RULES else {}
    records.check_owner(session=session, actor=actor, values=values, field="owner_id")
    check_definition(data.kind, values["definition"])
    return records.create(session=session, actor=actor, kind=RECORD, values=values)


def update(*, session: Session, actor: Actor, record_id: int, data: SegmentUpdate) -> Segment:
    """The segment with the fields sent changed; its definition must suit its (new) kind."""
    segment = records.get_for_change(session=session, actor=actor, kind=RECORD, record_id=record_id)
    values = data.model_dump(exclude_unset=True)
    for required in ("name", "kind", "definition"):
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    records.check_owner(session=session, actor=actor, values=values, field="owner_id")
    check_definition(values.get("kind", segment.kind), values.get("definition", segment.definition))
    return records.update(session=session, actor=actor, kind=RECORD, record=segment, values=values)


def list_members(
    *,
    session: Session,
    actor: Actor,
    segment_id: int,
    current: bool | None = None,
    sort: str = "id",
    cursor: str | None = None,
    limit: int = 50,
) -> pagination.Page[SegmentMembership]:
    """One page of the segment's memberships of customers ``actor`` may see; ``current``
    True keeps those still in it, False those who left. NotFound for an unseen segment."""
    records.get(session=session, actor=actor, kind=RECORD, record_id=segment_id)
    visible = select(Customer.id).where(
        condition(actor, CUSTOMER_RULE, Action.READ), Customer.deleted_at.is_(None)
    )
    stmt = select(SegmentMembership).where(
        SegmentMembership.segment_id == segment_id,
        SegmentMembership.customer_id.in_(visible.scalar_subquery()),
    )
    if current is not None:
        left = SegmentMembership.left_at
        stmt = stmt.where(left.is_(None) if current else left.is_not(None))
    columns = {"id": SegmentMembership.id, "entered_at": SegmentMembership.entered_at}
    order = pagination.Sort.parse(sort, columns)
    stmt = pagination.paginate(
        stmt, key=SegmentMembership.id, sort=order, cursor=cursor, limit=limit
    )
    return pagination.finish(session.scalars(stmt).all(), sort=order, limit=limit)
