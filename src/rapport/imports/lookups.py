"""The records an import batch refers to by name, found with one query per kind.

A row names its customer, owner, product, order, campaign, survey or pipeline stage in
words (an email, a SKU, an order number, a stage label); the batch looks all of them up
at once and each row then reads its ids from here. Customers are only found among
those the importing user may see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from rapport import normalize, records
from rapport.access import Actor
from rapport.campaigns.models import Campaign
from rapport.config import get_settings
from rapport.customers.models import Customer
from rapport.customers.service import RECORD as CUSTOMER
from rapport.deals.models import Pipeline, Stage, StageOutcome
from rapport.i18n import N_
from rapport.imports.cells import LOST, WON
from rapport.imports.presets import fold
from rapport.imports.reasons import CellError
from rapport.orders.models import Order
from rapport.products.models import Product
from rapport.surveys.models import Survey
from rapport.users.models import User

CUSTOMER_KEYS = ("customer_external_id", "customer_email", "customer_phone", "customer_name")
# Why no single customer has what a row names, by the field that names it.
_NO_CUSTOMER = {
    "customer_external_id": N_("no customer you can see has this external id"),
    "customer_email": N_("no customer you can see has this email"),
    "customer_phone": N_("no customer you can see has this phone"),
    "customer_name": N_("no customer you can see has this name"),
}
_SEVERAL = {
    "customer_external_id": N_("%(count)s customers have this external id; name the customer "
                               "by external id, email or phone"),
    "customer_email": N_("%(count)s customers have this email; name the customer by external "
                         "id, email or phone"),
    "customer_phone": N_("%(count)s customers have this phone; name the customer by external "
                         "id, email or phone"),
    "customer_name": N_("%(count)s customers have this name; name the customer by external id, "
                        "email or phone"),
}  # fmt: skip


class LookupError_(CellError):
    """A reference that names nothing (or more than one thing); the message says which."""


def _normal_email(text: str) -> str:
    try:
        return normalize.email(text)
    except ValueError:
        return text.lower()


def _normal_phone(text: str) -> str:
    try:
        return normalize.phone(text, region=get_settings().default_region)
    except ValueError:
        return text


class Lookups:
    """What the rows of one batch name, resolved to ids."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session, self.actor = session, actor
        self.customers: dict[str, dict[str, list[int]]] = {k: {} for k in CUSTOMER_KEYS}
        self.users: dict[str, int] = {}
        self.products: dict[str, int] = {}
        self.orders: dict[str, int] = {}
        self.campaigns: dict[str, int] = {}
        self.surveys: dict[str, int] = {}
        self.pipelines: list[Pipeline] = []

    def load(self, rows: Iterable[dict[str, str]]) -> Lookups:
        """Look up everything ``rows`` (field → cell text) name; returns itself."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            for field, text in row.items():
                wanted[field].add(text)
        self._load_customers(wanted)
        people = wanted["owner"] | wanted["user"] | wanted["assignee"]
        if people:
            stmt = select(User.id, func.lower(User.email), User.name).where(
                User.is_active.is_(True),
                or_(func.lower(User.email).in_({p.lower() for p in people}), User.name.in_(people)),
            )
            for user_id, email, name in self.session.execute(stmt):
                self.users.setdefault(email, user_id)
                self.users.setdefault(name, user_id)
        if wanted["product"]:
            self._by_either(Product, Product.sku, Product.name, wanted["product"], self.products)
        if wanted["order"]:
            self._by_either(Order, Order.number, Order.external_id, wanted["order"], self.orders)
        if wanted["campaign"]:
            stmt_c = select(Campaign.id, Campaign.name).where(
                Campaign.deleted_at.is_(None), Campaign.name.in_(wanted["campaign"])
            )
            self.campaigns = {name: i for i, name in self.session.execute(stmt_c)}
        if wanted["survey"]:
            stmt_s = select(Survey.id, Survey.name).where(
                Survey.deleted_at.is_(None), Survey.name.in_(wanted["survey"])
            )
            self.surveys = {name: i for i, name in self.session.execute(stmt_s)}
        if wanted["stage"] or wanted["pipeline"]:
            stmt_pl = select(Pipeline).where(Pipeline.deleted_at.is_(None))
            self.pipelines = list(
                self.session.scalars(stmt_pl.options(selectinload(Pipeline.stages)))
            )
        return self

    def _by_either(
        self, model: Any, first: Any, second: Any, wanted: set[str], into: dict[str, int]
    ) -> None:
        """Live ``model`` ids by ``first`` or, where no record has it there, ``second``."""
        stmt = select(model.id, first, second).where(
            model.deleted_at.is_(None), or_(first.in_(wanted), second.in_(wanted))
        )
        for record_id, key, other in self.session.execute(stmt):
            into[key] = record_id
            if other:
                into.setdefault(other, record_id)

    def _load_customers(self, wanted: dict[str, set[str]]) -> None:
        emails = {_normal_email(e) for e in wanted["customer_email"]}
        phones = {_normal_phone(p) for p in wanted["customer_phone"]}
        columns: dict[str, Any] = {
            "customer_external_id": (Customer.external_id, wanted["customer_external_id"]),
            "customer_email": (Customer.email, emails),
            "customer_phone": (Customer.phone, phones),
            "customer_name": (Customer.name, wanted["customer_name"]),
        }
        conditions = [column.in_(values) for column, values in columns.values() if values]
        if not conditions:
            return
        visible = records.select_visible(CUSTOMER, self.actor).where(or_(*conditions))
        stmt = visible.with_only_columns(
            Customer.id, Customer.external_id, Customer.email, Customer.phone, Customer.name
        )
        for customer_id, external_id, email, phone, name in self.session.execute(stmt):
            for key, value in zip(CUSTOMER_KEYS, (external_id, email, phone, name), strict=True):
                if value:
                    self.customers[key].setdefault(value, []).append(customer_id)

    def customer(self, row: dict[str, str]) -> tuple[str, int]:
        """The field that found the row's customer, and its id; LookupError_ naming the
        first field given when none finds exactly one."""
        given = [k for k in CUSTOMER_KEYS if row.get(k)]
        if not given:
            raise LookupError_(
                N_("no column names the customer (external id, email, phone or name)")
            )
        for key in given:
            text = row[key]
            text = {"customer_email": _normal_email, "customer_phone": _normal_phone}.get(key, str)(
                text
            )
            found = sorted(set(self.customers[key].get(text, [])))
            if len(found) == 1:
                return key, found[0]
            if len(found) > 1:
                raise LookupError_(_SEVERAL[key], count=len(found))
        raise LookupError_(_NO_CUSTOMER[given[0]])

    def user(self, text: str) -> int:
        """The active user with this email or name."""
        found = self.users.get(text.lower() if "@" in text else text)
        if found is None:
            raise LookupError_(N_("no active user with this email or name"))
        return found

    def named(self, table: dict[str, int], text: str, missing: str) -> int:
        """The id that ``text`` names in ``table`` (products, orders …); LookupError_ with
        ``missing`` (a template of ``text``) if none."""
        found = table.get(text)
        if found is None:
            raise LookupError_(missing, text=text)
        return found

    def pipeline(self, text: str | None) -> Pipeline:
        """The pipeline named ``text``, or the default one."""
        for pipeline in self.pipelines:
            if (text is None and pipeline.is_default) or (
                text is not None and fold(pipeline.name) == fold(text)
            ):
                return pipeline
        if text is None:
            raise LookupError_(N_("there is no default pipeline; name one or create one first"))
        raise LookupError_(N_("no pipeline %(text)r"), text=text)

    @staticmethod
    def stage(pipeline: Pipeline, text: str) -> Stage:
        """The stage of ``pipeline`` called ``text``; other CRMs' won/lost words find the
        pipeline's won or lost stage."""
        for stage in pipeline.stages:
            if fold(stage.name) == fold(text):
                return stage
        word = " ".join(text.lower().replace("_", " ").split())
        outcome = StageOutcome.WON if word in WON else StageOutcome.LOST if word in LOST else None
        for stage in pipeline.stages:
            if outcome is not None and stage.outcome is outcome:
                return stage
        names = ", ".join(stage.name for stage in pipeline.stages)
        raise LookupError_(
            N_("pipeline %(pipeline)r has no stage %(text)r (it has %(names)s)"),
            pipeline=pipeline.name,
            text=text,
            names=names,
        )
