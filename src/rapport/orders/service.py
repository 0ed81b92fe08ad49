"""Orders and their items: prices, totals, status changes and who may see them.

An order hangs off its customer: whoever may see the customer sees the order, and the
order's owner sees it too. The service prices the items and computes every line total
(quantity × unit price − discount) and the order total; clients never send them.

The currency of an order is the one given, or else the one its products are priced in
(they must then agree). An item without a unit price takes its product's list price,
which must be in the order's currency; an item with a unit price is taken to be priced
in the order's currency.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor, Parent, Rule
from rapport.audit import service as audit
from rapport.audit.models import AuditAction
from rapport.campaigns.models import Campaign
from rapport.config import get_settings
from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.db import utcnow
from rapport.deals.models import Deal
from rapport.errors import Conflict, FieldProblem, Invalid
from rapport.i18n import N_
from rapport.orders.models import Order, OrderItem, OrderStatus
from rapport.orders.schemas import OrderCreate, OrderItemCreate, OrderUpdate
from rapport.products.models import Product

RULE = Rule(
    owner=Order.owner_id,
    parent=Parent(link=Order.customer_id, key=Customer.id, rule=customer_service.RULE),
)
RECORD = records.RecordType(
    entity="order",
    model=Order,
    rule=RULE,
    filters={
        "customer_id": lambda v: Order.customer_id == v,
        "status": lambda v: Order.status.in_(v),
        "channel": lambda v: Order.channel == v,
        "owner_id": lambda v: Order.owner_id.in_(v),
        "ordered_from": lambda v: Order.ordered_at >= v,
        "ordered_to": lambda v: Order.ordered_at < v,
        "min_total": lambda v: Order.total_minor >= v,
        "max_total": lambda v: Order.total_minor <= v,
    },
    sorts={
        "ordered_at": Order.ordered_at,
        "total_minor": Order.total_minor,
        "created_at": Order.created_at,
    },
)
# The statuses an order may move to from each status; refunds and cancellations are final.
MOVES: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.REFUNDED, OrderStatus.CANCELLED}),
    OrderStatus.REFUNDED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
LINE_LIMIT = 10**15  # the largest amount Money allows
CLOCK_SKEW = timedelta(minutes=1)
ITEM_FIELDS = ("product_id", "quantity", "unit_price_minor", "discount_minor", "line_total_minor")


def _priced(
    session: Session, items: Sequence[OrderItemCreate], currency: str | None
) -> tuple[list[dict[str, int]], str]:
    """The items' columns with prices and line totals, and the order's currency.

    Invalid, naming each bad field (``body.items.1.product_id``), unless every item is
    an active product with a fitting price and discount.
    """
    wanted = {item.product_id for item in items}
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(wanted)))}
    problems: list[FieldProblem] = []

    def bad(n: int, field: str, template: str, /, **params: object) -> None:
        problems.append(FieldProblem(("body", "items", n, field), template, **params))

    given = currency is not None
    currencies = sorted({p.currency for p in products.values()})
    if not given and len(currencies) > 1:
        priced = N_("the products are priced in %(currencies)s; give the currency")
        problems.append(
            FieldProblem(("body", "currency"), priced, currencies=", ".join(currencies))
        )
    currency = currency or (currencies[0] if currencies else get_settings().default_currency)
    lines = []
    for n, item in enumerate(items):
        product = products.get(item.product_id)
        if product is None or product.deleted_at is not None:
            bad(n, "product_id", N_("no %(entity)s %(id)s"), entity="product", id=item.product_id)
            continue
        if not product.is_active:
            bad(n, "product_id", N_("product %(sku)s is no longer sold"), sku=product.sku)
            continue
        # Without a given currency the products agree, or body.currency says they do not.
        if item.unit_price_minor is None and given and product.currency != currency:
            listed = N_("the list price is in %(listed)s, not %(currency)s")
            bad(n, "unit_price_minor", listed, listed=product.currency, currency=currency)
            continue
        price = product.unit_price_minor if item.unit_price_minor is None else item.unit_price_minor
        gross = item.quantity * price
        if gross > LINE_LIMIT:
            bad(n, "quantity", N_("quantity × unit price is too large"))
        elif item.discount_minor > gross:
            bad(n, "discount_minor", N_("more than quantity × unit price (%(gross)s)"), gross=gross)
        else:
            lines.append({"product_id": product.id, "quantity": item.quantity,
                          "unit_price_minor": price, "discount_minor": item.discount_minor,
                          "line_total_minor": gross - item.discount_minor})  # fmt: skip
    if problems:
        raise Invalid(problems)
    return lines, currency


def _check_links(session: Session, actor: Actor, values: dict[str, Any], customer_id: int) -> None:
    """Invalid unless the campaign, deal and owner in ``values`` exist and fit."""
    problems = []
    campaign_id = values.get("campaign_id")
    if campaign_id is not None:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.deleted_at is not None:
            problems.append(
                FieldProblem(
                    ("body", "campaign_id"),
                    N_("no %(entity)s %(id)s"),
                    entity="campaign",
                    id=campaign_id,
                )
            )
    deal_id = values.get("deal_id")
    if deal_id is not None:
        deal = session.get(Deal, deal_id)
        if deal is None or deal.deleted_at is not None:
            problems.append(
                FieldProblem(
                    ("body", "deal_id"), N_("no %(entity)s %(id)s"), entity="deal", id=deal_id
                )
            )
        elif deal.customer_id != customer_id:
            elsewhere = N_("deal %(id)s is with another customer")
            problems.append(FieldProblem(("body", "deal_id"), elsewhere, id=deal_id))
    if problems:
        raise Invalid(problems)
    records.check_owner(session=session, actor=actor, values=values, field="owner_id")
    if problems:
        raise Invalid(problems)


def _check_times(ordered_at: datetime, refunded_at: datetime | None) -> None:
    latest = utcnow() + CLOCK_SKEW
    if ordered_at > latest:
        raise Invalid.field(("body", "ordered_at"), N_("is in the future"))
    if refunded_at is not None and not ordered_at <= refunded_at <= latest:
        raise Invalid.field(("body", "refunded_at"), N_("must be between the order and now"))


def _check_number(session: Session, number: str | None, record_id: int | None) -> None:
    """Conflict when another order, live or in the recycle bin, has ``number``."""
    if number is None:
        return
    stmt = select(Order.id).where(Order.number == number)
    if record_id is not None:
        stmt = stmt.where(Order.id != record_id)
    other = session.scalars(stmt.limit(1)).first()
    if other is not None:
        raise Conflict(
            N_("order %(id)s already has the number %(number)s"), id=other, number=number
        )


def _new_number(session: Session, ordered_at: datetime) -> str:
    """A free order number: "SO", the order's date and six random hex digits."""
    for _ in range(5):
        number = f"SO{ordered_at:%Y%m%d}{secrets.token_hex(3).upper()}"
        if session.scalars(select(Order.id).where(Order.number == number)).first() is None:
            return number
    raise Conflict(N_("no free order number was found; send one"))


def _add_items(session: Session, order: Order, lines: list[dict[str, int]]) -> None:
    """Write ``lines`` as items of ``order`` and load them into ``order.items``."""
    session.add_all(OrderItem(order_id=order.id, **line) for line in lines)
    session.flush()
    session.refresh(order, attribute_names=["items"])


def _lines(items: Iterable[OrderItem]) -> list[dict[str, int]]:
    """The items as the audit log keeps them."""
    return [{name: getattr(item, name) for name in ITEM_FIELDS} for item in items]


def create(*, session: Session, actor: Actor, data: OrderCreate) -> Order:
    """A new order with its items and totals, owned by ``actor`` unless another owner is given.

    Nothing is written unless the customer, the links and every item are valid.
    """
    records.check_reference(session=session, actor=actor, kind=customer_service.RECORD,
                            record_id=data.customer_id, field="customer_id")  # fmt: skip
    values = data.model_dump(exclude_unset=True, exclude={"items"})
    values.setdefault("owner_id", actor.user_id)
    _check_links(session, actor, values, data.customer_id)
    _set_refund_time(values, data.status, None)
    _check_times(data.ordered_at, values.get("refunded_at"))
    _check_number(session, data.number, None)
    lines, values["currency"] = _priced(session, data.items, data.currency)
    values["total_minor"] = sum(line["line_total_minor"] for line in lines)
    values["status"] = data.status
    values["number"] = data.number or _new_number(session, data.ordered_at)
    order = records.create(session=session, actor=actor, kind=RECORD, values=values)
    _add_items(session, order, lines)
    audit.record(session=session, actor=actor, entity=RECORD.entity, entity_id=order.id,
                 action=AuditAction.CREATE, changes={"items": (None, lines)})  # fmt: skip
    return order


def _set_refund_time(values: dict[str, Any], status: OrderStatus, current: datetime | None) -> None:
    """Put the refund time into ``values``: the one sent, the ``current`` one, or now.

    Invalid when a refund time is sent for an order that is not refunded.
    """
    if status is not OrderStatus.REFUNDED:
        if values.get("refunded_at") is not None:
            raise Invalid.field(
                ("body", "refunded_at"), N_("only a refunded order has a refund time")
            )
    elif "refunded_at" in values or current is None:
        values["refunded_at"] = values.get("refunded_at") or current or utcnow()


def _check_status(order: Order, status: OrderStatus) -> None:
    """Conflict unless the order may move to ``status``."""
    if status is not order.status and status not in MOVES[order.status]:
        raise Conflict(
            N_("a %(status)s order cannot become %(new_status)s"),
            status=order.status.value,
            new_status=status.value,
        )


def update(*, session: Session, actor: Actor, record_id: int, data: OrderUpdate) -> Order:
    """The order with the fields sent in ``data`` changed; sent ``items`` replace all items.

    Replacing the items recomputes the total; both changes are audited.
    """
    order = records.get_for_change(session=session, actor=actor, kind=RECORD, record_id=record_id)
    values = data.model_dump(exclude_unset=True, exclude={"items"})
    sent = data.model_fields_set
    for required in ("status", "ordered_at", "number", "currency", "items"):
        if required in sent and getattr(data, required) is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    status = values.get("status", order.status)
    _check_status(order, status)
    _set_refund_time(values, status, order.refunded_at)
    _check_links(session, actor, values, order.customer_id)
    _check_times(values.get("ordered_at", order.ordered_at),
                 values.get("refunded_at", order.refunded_at))  # fmt: skip
    _check_number(session, values.get("number"), record_id)
    replaced = None
    if data.items is not None:
        lines, _ = _priced(session, data.items, values.get("currency", order.currency))
        old = _lines(order.items)
        if lines != old:
            if not MOVES[order.status]:
                raise Conflict(
                    N_("the items of a %(status)s order cannot change"), status=order.status.value
                )
            replaced = (old, lines)
            values["total_minor"] = sum(line["line_total_minor"] for line in lines)
    records.update(session=session, actor=actor, kind=RECORD, record=order, values=values)
    if replaced is not None:
        for item in order.items:
            session.delete(item)
        _add_items(session, order, replaced[1])
        audit.record(session=session, actor=actor, entity=RECORD.entity, entity_id=order.id,
                     action=AuditAction.UPDATE, changes={"items": replaced})  # fmt: skip
    return order
