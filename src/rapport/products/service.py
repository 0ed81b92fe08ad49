"""Products and their categories: reference data that everyone reads and admins change.

Access, audit and the recycle bin come from ``rapport.records``; this module adds the
rules: a SKU and a category name are unique, a product's category exists, categories
nest without cycles, and a category still in use cannot be deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor, Rule
from rapport.config import get_settings
from rapport.errors import Conflict, Invalid
from rapport.i18n import N_
from rapport.products.models import Product, ProductCategory
from rapport.products.schemas import CategoryCreate, CategoryUpdate, ProductCreate, ProductUpdate

RULE = Rule()


def _search(text: str) -> ColumnElement[bool]:
    """Products whose SKU or name starts with ``text``, ignoring case."""
    folded = text.strip().lower()
    if not folded:
        return true()
    return or_(
        func.lower(Product.sku).startswith(folded, autoescape=True),
        func.lower(Product.name).startswith(folded, autoescape=True),
    )


RECORD = records.RecordType(
    entity="product",
    model=Product,
    rule=RULE,
    filters={
        "q": _search,
        "category_id": lambda v: Product.category_id == v,
        "is_active": lambda v: Product.is_active == v,
    },
    sorts={
        "name": Product.name,
        "sku": Product.sku,
        "unit_price_minor": Product.unit_price_minor,
        "created_at": Product.created_at,
    },
)
CATEGORY_RECORD = records.RecordType(
    entity="product_category",
    model=ProductCategory,
    rule=RULE,
    filters={"parent_id": lambda v: ProductCategory.parent_id == v},
    sorts={"name": ProductCategory.name, "created_at": ProductCategory.created_at},
    soft_delete=False,
)


def _refuse_clearing(values: dict[str, Any], *names: str) -> None:
    for name in names:
        if name in values and values[name] is None:
            raise Invalid.field(("body", name), N_("cannot be cleared"))


def _check_sku(session: Session, sku: str | None, record_id: int | None) -> None:
    """Conflict when another product, live or in the recycle bin, has this SKU in any case."""
    if sku is None:
        return
    stmt = select(Product).where(func.lower(Product.sku) == sku.lower())
    if record_id is not None:
        stmt = stmt.where(Product.id != record_id)
    other = session.scalars(stmt.limit(1)).first()
    if other is not None:
        taken = (
            N_("product %(id)s already has the SKU %(sku)s")
            if other.deleted_at is None
            else N_("product %(id)s (in the recycle bin) already has the SKU %(sku)s")
        )
        raise Conflict(taken, id=other.id, sku=other.sku)


def _check_category(session: Session, category_id: int | None) -> None:
    if category_id is not None and session.get(ProductCategory, category_id) is None:
        raise Invalid.field(
            ("body", "category_id"),
            N_("no %(entity)s %(id)s"),
            entity="product category",
            id=category_id,
        )


def create(*, session: Session, actor: Actor, data: ProductCreate) -> Product:
    """A new product, priced in the default currency unless another is given."""
    values = data.model_dump(exclude_unset=True)
    values["currency"] = values.get("currency") or get_settings().default_currency
    _check_category(session, values.get("category_id"))
    _check_sku(session, values["sku"], None)
    return records.create(session=session, actor=actor, kind=RECORD, values=values)


def update(*, session: Session, actor: Actor, record_id: int, data: ProductUpdate) -> Product:
    """The product with the fields sent in ``data`` changed."""
    product = records.get_for_change(session=session, actor=actor, kind=RECORD, record_id=record_id)
    values = data.model_dump(exclude_unset=True)
    _refuse_clearing(values, "sku", "name", "unit_price_minor", "currency", "is_active")
    _check_category(session, values.get("category_id"))
    _check_sku(session, values.get("sku"), record_id)
    return records.update(session=session, actor=actor, kind=RECORD, record=product, values=values)


def _check_category_name(session: Session, name: str | None, record_id: int | None) -> None:
    if name is None:
        return
    stmt = select(ProductCategory.id).where(func.lower(ProductCategory.name) == name.lower())
    if record_id is not None:
        stmt = stmt.where(ProductCategory.id != record_id)
    other = session.scalars(stmt.limit(1)).first()
    if other is not None:
        raise Conflict(
            N_("product category %(id)s is already called %(name)r"), id=other, name=name
        )


def _check_parent(session: Session, parent_id: int | None, record_id: int | None) -> None:
    """Invalid unless ``parent_id`` is a category outside the subtree of ``record_id``."""
    if parent_id is None:
        return
    if session.get(ProductCategory, parent_id) is None:
        raise Invalid.field(
            ("body", "parent_id"),
            N_("no %(entity)s %(id)s"),
            entity="product category",
            id=parent_id,
        )
    ancestor: int | None = parent_id
    seen: set[int] = set()
    while ancestor is not None and ancestor not in seen:
        if ancestor == record_id:
            raise Invalid.field(
                ("body", "parent_id"),
                N_("a category cannot sit inside itself or one of its own subcategories"),
            )
        seen.add(ancestor)
        ancestor = session.scalar(
            select(ProductCategory.parent_id).where(ProductCategory.id == ancestor)
        )


def create_category(*, session: Session, actor: Actor, data: CategoryCreate) -> ProductCategory:
    """A new product category."""
    values = data.model_dump(exclude_unset=True)
    _check_parent(session, values.get("parent_id"), None)
    _check_category_name(session, values["name"], None)
    return records.create(session=session, actor=actor, kind=CATEGORY_RECORD, values=values)


def update_category(
    *, session: Session, actor: Actor, record_id: int, data: CategoryUpdate
) -> ProductCategory:
    """The category renamed or moved, as sent in ``data``."""
    category = records.get_for_change(
        session=session, actor=actor, kind=CATEGORY_RECORD, record_id=record_id
    )
    values = data.model_dump(exclude_unset=True)
    _refuse_clearing(values, "name")
    _check_parent(session, values.get("parent_id"), record_id)
    _check_category_name(session, values.get("name"), record_id)
    return records.update(
        session=session, actor=actor, kind=CATEGORY_RECORD, record=category, values=values
    )


def delete_category(*, session: Session, actor: Actor, record_id: int) -> None:
    """Remove an unused category for good; Conflict while products or subcategories use it.

    Products in the recycle bin count as users too: restoring one must not find its
    category gone.
    """
    category = records.get_for_change(
        session=session, actor=actor, kind=CATEGORY_RECORD, record_id=record_id
    )
    products = session.scalar(
        select(func.count()).select_from(Product).where(Product.category_id == record_id)
    )
    if products:
        raise Conflict(
            N_("%(count)s product(s) are in product category %(id)s; move them first"),
            count=products,
            id=record_id,
        )
    children = session.scalar(
        select(func.count())
        .select_from(ProductCategory)
        .where(ProductCategory.parent_id == record_id)
    )
    if children:
        raise Conflict(
            N_("product category %(id)s has %(count)s subcategories; move them first"),
            id=record_id,
            count=children,
        )
    records.delete(session=session, actor=actor, kind=CATEGORY_RECORD, record=category)
