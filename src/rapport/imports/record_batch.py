"""One batch of an order, deal, interaction, ticket, answer or event import, written.

Every record goes through its service's own ``create`` (inside a savepoint, so a record
the service refuses costs only itself), which makes the API's rules the import's rules.
A record already stored is found by its external id or its natural key — an order by
number, an interaction by customer, kind and time, an answer by survey, customer and
time, an event by session, name and time — and the job's policy decides: ``skip`` it,
``overwrite`` its fields with the file's, or ``fill`` only its empty ones. Events are
never changed once stored.

Counts are of rows: every row of the file ends up created, updated, skipped or refused.
An order spans the rows of its lines (consecutive rows with the same order number); when
one line is bad the whole order is refused, and each of its lines is reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Final

from pydantic import BaseModel, ValidationError
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from rapport.access import Actor
from rapport.deals import service as deals
from rapport.deals.models import Deal, DealStageChange, DealStatus, StageOutcome
from rapport.deals.schemas import DealCreate, DealUpdate
from rapport.errors import FieldPath, Invalid, ServiceError
from rapport.events import service as events
from rapport.events.models import Event
from rapport.events.schemas import EventCreate
from rapport.i18n import N_
from rapport.imports.lookups import LookupError_, Lookups
from rapport.imports.models import ImportJob
from rapport.imports.reasons import Reason
from rapport.imports.record_columns import RECORD_COLUMNS
from rapport.imports.record_rows import Plan, Problem, RowReader, as_start_of_day, read_fields
from rapport.interactions import service as interactions
from rapport.interactions.models import Interaction
from rapport.interactions.schemas import InteractionCreate, InteractionUpdate
from rapport.orders import service as orders
from rapport.orders.models import Order
from rapport.orders.schemas import OrderCreate, OrderUpdate
from rapport.records import RecordType
from rapport.surveys import service as surveys
from rapport.surveys.models import SurveyResponse
from rapport.surveys.schemas import SurveyResponseCreate, SurveyResponseUpdate
from rapport.tickets import service as tickets
from rapport.tickets.models import Ticket, TicketStatus
from rapport.tickets.schemas import TicketCreate, TicketUpdate

Rows = list[tuple[int, dict[str, str]]]
NO_REASON: Final = "not given in the imported file"
_NUL: Final = Reason.of(N_("contains the NUL character, which no text may hold"))
_ITEM_FIELDS: Final = ("product", "quantity", "unit_price", "discount")


@dataclass(frozen=True)
class Handler:
    """How one record type is planned from rows, saved, found again and changed."""

    kind: RecordType[Any]
    create_schema: type[BaseModel]
    update_schema: type[BaseModel] | None
    plan: Callable[[Rows, Lookups, list[Problem]], list[Plan]]
    save: Callable[[Session, Actor, Any, Plan], Any]
    change: Callable[..., Any] | None
    keys: tuple[tuple[str, ...], ...]  # the first whose fields a plan has all of decides


def order_key(text: dict[str, str]) -> str | None:
    """What keeps the lines of one order together: its number or external id."""
    return text.get("number") or text.get("external_id")


def _plan_each(
    names: tuple[str, ...], *, status: str | None = None, customer_required: bool = True
) -> Callable[[Rows, Lookups, list[Problem]], list[Plan]]:
    def plan(rows: Rows, lookups: Lookups, problems: list[Problem]) -> list[Plan]:
        plans = []
        for number, text in rows:
            reader = RowReader(number, text, problems)
            made = read_fields(reader, lookups, names, status=status,
                               customer_required=customer_required)  # fmt: skip
            if reader.ok:
                plans.append(made)
        return plans

    return plan


def _plan_orders(rows: Rows, lookups: Lookups, problems: list[Problem]) -> list[Plan]:
    names = tuple(RECORD_COLUMNS["order"].columns)
    head = tuple(n for n in names if n not in _ITEM_FIELDS)
    groups: list[Rows] = []
    for number, text in rows:
        key = order_key(text)
        if groups and key is not None and order_key(groups[-1][0][1]) == key:
            groups[-1].append((number, text))
        else:
            groups.append([(number, text)])
    plans = []
    for group in groups:
        found: list[Problem] = []
        reader = RowReader(group[0][0], group[0][1], found)
        plan = read_fields(reader, lookups, head, status="order_status")
        items = []
        for number, text in group:
            line = read_fields(RowReader(number, text, found), lookups, _ITEM_FIELDS,
                               customer_required=False)  # fmt: skip
            items.append(line.values)
        if found:
            problems.extend(found)
            _refuse_lines(problems, [n for n, _ in group], {p[0] for p in found})
            continue
        plan.rows = [n for n, _ in group]
        plan.values["items"] = items
        plans.append(plan)
    return plans


def _refuse_lines(problems: list[Problem], rows: list[int], bad: set[int]) -> None:
    """Report the good lines of an order that was refused for its bad ones."""
    reason = Reason.of(
        N_("not imported: line %(row)s of the same order has a problem"), row=min(bad)
    )
    for row in rows:
        if row not in bad:
            problems.append((row, "", "", reason))


def _plan_deals(rows: Rows, lookups: Lookups, problems: list[Problem]) -> list[Plan]:
    names = tuple(RECORD_COLUMNS["deal"].columns)
    plans = []
    for number, text in rows:
        reader = RowReader(number, text, problems)
        plan = read_fields(reader, lookups, names)
        try:
            pipeline = lookups.pipeline(text.get("pipeline"))
            plan.values["pipeline_id"] = pipeline.id
        except LookupError_ as error:
            reader.fail("pipeline", Reason.of_error(error))
            continue
        if "stage" in text:
            stage = reader.read("stage", partial(lookups.stage, pipeline))
            if stage is not None:
                plan.later["outcome"] = stage.outcome
                if stage.outcome is StageOutcome.OPEN:
                    plan.values["stage_id"] = stage.id
                else:  # a deal starts open and is moved to its outcome (see _save_deal)
                    plan.later["stage_id"] = stage.id
                plan.sources["stage_id"] = "stage"
        if "lost_reason" in plan.values:
            plan.later["lost_reason"] = plan.values.pop("lost_reason")
        if reader.ok:
            plans.append(plan)
    return plans


def _save_deal(session: Session, actor: Actor, data: DealCreate, plan: Plan) -> Deal:
    """A new deal; a closed one is opened and then moved to its outcome, and the times
    the file gives (created, closing date) become its history's times."""
    deal = deals.create(session=session, actor=actor, data=data)
    outcome = plan.later.get("outcome", StageOutcome.OPEN)
    if outcome is not StageOutcome.OPEN:
        reason = plan.later.get("lost_reason", NO_REASON) if outcome is StageOutcome.LOST else None
        move = DealUpdate(stage_id=plan.later["stage_id"], lost_reason=reason)
        deal = deals.update(session=session, actor=actor, record_id=deal.id, data=move)
    created: datetime | None = plan.later.get("created_at")
    closes = data.expected_close_on
    ended = as_start_of_day(closes) if closes and deal.status is not DealStatus.OPEN else None
    if created is None and ended is None:
        return deal
    changes = list(session.scalars(select(DealStageChange).where(
        DealStageChange.deal_id == deal.id).order_by(DealStageChange.id)))  # fmt: skip
    start = created or changes[0].changed_at
    end = ended or start
    if end < start:
        before = N_("is before the deal was created (%(day)s)")
        raise Invalid.field(("expected_close_on",), before, day=start.date().isoformat())
    deal.created_at = changes[0].changed_at = start
    if len(changes) > 1:
        changes[-1].changed_at = end
    deal.stage_entered_at = changes[-1].changed_at
    if deal.status is not DealStatus.OPEN:
        deal.closed_at = end
    session.flush()
    return deal


def _save_ticket(session: Session, actor: Actor, data: TicketCreate, plan: Plan) -> Ticket:
    """A new ticket, with the resolved and closed times the file gives for a done one."""
    ticket = tickets.create(session=session, actor=actor, data=data)
    done = {
        TicketStatus.RESOLVED: ("resolved_at",),
        TicketStatus.CLOSED: ("resolved_at", "closed_at"),
    }
    for name in done.get(ticket.status, ()):
        given = name if name in plan.later else "closed_at"  # closed, so resolved by then
        at = plan.later.get(given)
        if at is None:
            continue
        if at < ticket.opened_at:
            before = N_("is before the ticket was opened (%(at)s)")
            raise Invalid.field((given,), before, at=ticket.opened_at.isoformat())
        setattr(ticket, name, at)
    session.flush()
    return ticket


def _call(function: Callable[..., Any], name: str = "data") -> Callable[..., Any]:
    def save(session: Session, actor: Actor, data: Any, plan: Plan) -> Any:
        return function(session=session, actor=actor, **{name: data})

    return save


_COLUMNS = {entity: tuple(spec.columns) for entity, spec in RECORD_COLUMNS.items()}
HANDLERS: Final[dict[str, Handler]] = {
    "order": Handler(orders.RECORD, OrderCreate, OrderUpdate, _plan_orders,
                     _call(orders.create), orders.update,
                     (("external_id",), ("number",), ("customer_id", "ordered_at"))),
    "deal": Handler(deals.RECORD, DealCreate, DealUpdate, _plan_deals, _save_deal,
                    deals.update, (("external_id",), ("customer_id", "name"))),
    "interaction": Handler(interactions.RECORD, InteractionCreate, InteractionUpdate,
                           _plan_each(_COLUMNS["interaction"]), _call(interactions.create),
                           interactions.update, (("customer_id", "kind", "occurred_at"),)),
    "ticket": Handler(tickets.RECORD, TicketCreate, TicketUpdate,
                      _plan_each(_COLUMNS["ticket"], status="ticket_status"), _save_ticket,
                      tickets.update,
                      (("external_id",), ("customer_id", "subject", "opened_at"),
                       ("customer_id", "subject"))),
    "survey_response": Handler(surveys.RESPONSE_RECORD, SurveyResponseCreate, SurveyResponseUpdate,
                               _plan_each(_COLUMNS["survey_response"]),
                               _call(surveys.create_response), surveys.update_response,
                               (("survey_id", "customer_id", "responded_at"),
                                ("survey_id", "customer_id"))),
    "event": Handler(events.RECORD, EventCreate, None,
                     _plan_each(_COLUMNS["event"], customer_required=False), _call(events.create),
                     None, (("session_id", "name", "occurred_at"),)),
}  # fmt: skip
_MODELS: Final = {"order": Order, "deal": Deal, "interaction": Interaction, "ticket": Ticket,
                  "survey_response": SurveyResponse, "event": Event}  # fmt: skip


class RecordBatch:
    """The work on one batch of rows of a record type other than customers."""

    def __init__(self, session: Session, actor: Actor, job: ImportJob) -> None:
        self.session, self.actor, self.job = session, actor, job
        self.handler = HANDLERS[job.entity]
        self.model = _MODELS[job.entity]
        self.policy: str = job.options.get("policy", "skip")
        self.errors: list[dict[str, Any]] = []
        self.created = self.updated = self.skipped = 0

    def _report(self, problems: list[Problem], texts: dict[int, dict[str, str]]) -> None:
        for number, name, value, reason in problems:
            column = self.job.mapping.get(name, name) if name else None
            value = value or texts.get(number, {}).get(name, "")
            self.errors.append({"job_id": self.job.id, "row_number": number, "column": column,
                                "value": value or None, **reason.columns()})  # fmt: skip

    def process(self, batch: Rows, _checked: object = None) -> None:
        """Read, look up, match and write one batch (inside the caller's transaction).

        The second argument is part of the customer importer's interface, unused here."""
        problems: list[Problem] = []
        texts: Rows = []
        for number, cells in batch:
            text = {f: v.strip() for f, h in self.job.mapping.items() if (v := cells.get(h, ""))
                    and v.strip()}  # fmt: skip
            nul = [f for f, v in text.items() if "\x00" in v]
            for name in nul:
                problems.append((number, name, text[name].replace("\x00", ""), _NUL))
            if not nul:
                texts.append((number, text))
        lookups = Lookups(self.session, self.actor).load(t for _, t in texts)
        checked: list[tuple[Plan, BaseModel]] = []
        for plan in self.handler.plan(texts, lookups, problems):
            try:
                checked.append((plan, self.handler.create_schema.model_validate(plan.values)))
            except ValidationError as error:
                found = [(tuple(p["loc"]), Reason.of_validation(p)) for p in error.errors()]
                self._refuse(plan, problems, found)
        self._write(checked, problems)
        self._report(problems, dict(texts))

    def _refuse(
        self, plan: Plan, problems: list[Problem], found: list[tuple[FieldPath, Reason]]
    ) -> None:
        bad = set()
        for path, reason in found:
            row, name = plan.source(path)
            problems.append((row, name, "", reason))
            bad.add(row)
        _refuse_lines(problems, plan.rows, bad)

    def _key(self, values: dict[str, Any]) -> tuple[tuple[str, ...], tuple[Any, ...]] | None:
        for names in self.handler.keys:
            if all(values.get(n) is not None for n in names):
                return names, tuple(values[n] for n in names)
        return None

    def _existing(self, checked: list[tuple[Plan, BaseModel]]) -> dict[Any, Any]:
        wanted: dict[tuple[str, ...], set[tuple[Any, ...]]] = {}
        for _, data in checked:
            found = self._key(data.model_dump(exclude_unset=True))
            if found:
                wanted.setdefault(found[0], set()).add(found[1])
        stored: dict[Any, Any] = {}
        for names, keys in wanted.items():
            columns = [getattr(self.model, n) for n in names]
            if len(columns) == 1:
                stmt = select(self.model).where(columns[0].in_([k[0] for k in keys]))
            else:
                stmt = select(self.model).where(tuple_(*columns).in_(list(keys)))
            if hasattr(self.model, "deleted_at"):
                stmt = stmt.where(self.model.deleted_at.is_(None))
            for record in self.session.scalars(stmt):
                stored.setdefault((names, tuple(getattr(record, n) for n in names)), record)
        return stored

    def _write(self, checked: list[tuple[Plan, BaseModel]], problems: list[Problem]) -> None:
        stored = self._existing(checked)
        made: set[Any] = set()
        for plan, data in checked:
            key = self._key(data.model_dump(exclude_unset=True))
            if key is not None and key in made:
                self.skipped += len(plan.rows)  # the same record twice in this file
                continue
            try:
                with self.session.begin_nested():
                    if key is not None and key in stored:
                        self._change(stored[key], plan, data)
                    else:
                        self.handler.save(self.session, self.actor, data, plan)
                        self.created += len(plan.rows)
            except Invalid as error:
                found = [(p.path, Reason.of_problem(p)) for p in error.problems]
                self._refuse(plan, problems, found)
                continue
            except ServiceError as error:
                self._refuse(plan, problems, [((), Reason.of_error(error))])
                continue
            if key is not None:
                made.add(key)

    def _change(self, record: Any, plan: Plan, data: BaseModel) -> None:
        """Treat a record already stored by the job's policy."""
        schema, change = self.handler.update_schema, self.handler.change
        if self.policy == "skip" or schema is None or change is None:
            self.skipped += len(plan.rows)
            return
        values = {k: v for k, v in data.model_dump(exclude_unset=True).items()
                  if k in schema.model_fields}  # fmt: skip
        if self.policy == "fill":
            values = {k: v for k, v in values.items()
                      if k != "items" and getattr(record, k, None) in (None, "")}  # fmt: skip
        changed = {k: v for k, v in values.items() if k == "items" or getattr(record, k) != v}
        if "items" in changed and _same_items(record, changed["items"]):
            del changed["items"]
        if not changed:
            self.skipped += len(plan.rows)
            return
        change(session=self.session, actor=self.actor, record_id=record.id,
               data=schema.model_validate(changed))  # fmt: skip
        self.updated += len(plan.rows)


def _same_items(order: Any, items: list[dict[str, Any]]) -> bool:
    """Whether an order's stored lines already are ``items`` (prices left out match)."""
    stored = sorted(order.items, key=lambda item: item.id)
    if len(stored) != len(items):
        return False
    for line, item in zip(stored, items, strict=True):
        for name, default in (("product_id", None), ("quantity", 1),
                              ("unit_price_minor", None), ("discount_minor", 0)):  # fmt: skip
            wanted = item.get(name, default)
            if wanted is not None and getattr(line, name) != wanted:
                return False
    return True
