"""Customer pages: the list (search, filters, sorting, bulk actions), forms and the bin."""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor
from rapport.api.deps import SessionDep
from rapport.config import get_settings
from rapport.customers import merge as merge_service
from rapport.customers import service
from rapport.customers import tags as tag_service
from rapport.customers.models import Customer, CustomerKind, LifecycleStage
from rapport.customers.schemas import CustomerCreate, CustomerFilters, CustomerUpdate
from rapport.customfields.filters import definitions
from rapport.errors import Conflict, Invalid
from rapport.i18n import gettext_for
from rapport.pagination import Page
from rapport.savedviews import service as view_service
from rapport.savedviews.schemas import SavedViewCreate
from rapport.scores import service as score_service
from rapport.templating import render
from rapport.web import choices
from rapport.web.deps import PageActor, check_csrf
from rapport.web.forms import (
    FieldErrors,
    invalid_errors,
    is_list_field,
    parse,
    refusal,
    validation_errors,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

PAGE_SIZE: Final = 50
SORTS: Final = ("-created_at", "created_at", "name", "-name", "-id", "id")
# The form's fields, in the order the form shows them.
FORM_FIELDS: Final = (
    "kind", "name", "name_latin", "email", "phone", "wechat_id", "gender", "birthday",
    "company_id", "job_title", "industry", "country", "province", "city", "district", "street",
    "postcode", "channel", "owner_id", "lifecycle_stage_override", "notes", "marketing_opt_out",
)  # fmt: skip


def _filters(request: Request) -> tuple[CustomerFilters, FieldErrors]:
    """The list's filters from the query string; what is wrong, by field."""
    query = request.query_params
    values: dict[str, Any] = {}
    for name in CustomerFilters.model_fields:
        if is_list_field(CustomerFilters, name):
            items = [v for v in query.getlist(name) if v.strip()]
            if items:
                values[name] = items
        elif query.get(name, "").strip():
            values[name] = query[name].strip()
    try:
        return CustomerFilters.model_validate(values), {}
    except ValidationError as exc:
        return CustomerFilters(), validation_errors(request, exc)


def _query_without(request: Request, *names: str) -> str:
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in names and v]
    return urlencode(kept)


@router.get("/customers", response_class=HTMLResponse)
def customer_list(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    sort: Annotated[str, Query()] = "-created_at",
    cursor: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """Customers the user may see: searched, filtered, sorted, a page at a time."""
    filters, errors = _filters(request)
    order = sort if sort in SORTS else "-created_at"

    def listed(chosen: CustomerFilters) -> Page[Customer]:
        return service.list_page(session=session, actor=actor, filters=chosen, sort=order,
                                 cursor=cursor, limit=PAGE_SIZE)  # fmt: skip

    try:
        page = listed(filters)
    except Invalid as exc:  # a custom field condition that names no field, say
        errors |= invalid_errors(request, exc)
        filters = filters.model_copy(update={"cf": []})
        page = listed(filters)
    customers = list(page.items)
    context = {
        "customers": customers,
        "scores": score_service.latest_for(session=session, customer_ids=[c.id for c in customers]),
        "filters": filters,
        "errors": errors,
        "sort": order,
        "sorts": SORTS,
        "next_cursor": page.next_cursor,
        "first_page": cursor is None,
        "query_without_cursor": _query_without(request, "cursor"),
        "query_without_sort": _query_without(request, "sort", "cursor"),
        "owners": choices.users(session),
        "owner_names": choices.user_names(session),
        "channels": choices.channels(session),
        "tags": choices.tags(session),
        "stages": list(LifecycleStage),
        "kinds": list(CustomerKind),
        "can_write": actor.writes,
        "currency": get_settings().default_currency,
        "field_keys": sorted(definitions(session=session, entity="customer")),
        "views": view_service.list_for(session=session, actor=actor, page="customers"),
        "current_query": view_service.clean(request.url.query),
    }
    partial = request.headers.get("HX-Target") == "customer-results"
    name = "customers/_results.html" if partial else "customers/list.html"
    return render(request, name, context)


@router.post("/customers/views")
async def save_view(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """Keep the list's current search, filters and sort under a name."""
    form = await request.form()
    data, errors = parse(request, SavedViewCreate, form)
    if data is None:
        raise Invalid.field(
            ("body", "name"), errors.get("name", gettext_for(request)("Give the view a name."))
        )
    view = view_service.create(session=session, actor=actor, data=data)
    return RedirectResponse(f"/customers?{view.query}" if view.query else "/customers", 303)


@router.post("/customers/views/{view_id}/delete")
def delete_view(session: SessionDep, actor: PageActor, view_id: int) -> RedirectResponse:
    """Remove one of one's saved views (an admin: any)."""
    view_service.delete(session=session, actor=actor, record_id=view_id)
    return RedirectResponse("/customers", status_code=303)


@router.post("/customers/bulk")
async def bulk_action(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """Assign an owner to, or tag, the ticked customers; export goes through the API."""
    _ = gettext_for(request)
    form = await request.form()
    ids = [int(v) for v in form.getlist("ids") if isinstance(v, str) and v.isdigit()]
    action = form.get("action")
    back = form.get("back")
    target = back if isinstance(back, str) and back.startswith("/customers") else "/customers"
    if not ids:
        return RedirectResponse(target, status_code=303)
    if action == "assign":
        owner = form.get("owner_id")
        owner_id = int(owner) if isinstance(owner, str) and owner.isdigit() else None
        for customer_id in ids:
            service.update(session=session, actor=actor, record_id=customer_id,
                           data=CustomerUpdate(owner_id=owner_id))  # fmt: skip
    elif action == "tag":
        name = form.get("tag")
        if not isinstance(name, str) or not name.strip():
            raise Invalid.field(("body", "tag"), _("Give the tag a name."))
        tag_service.add(session=session, actor=actor, customer_ids=ids, name=name)
    else:
        raise Invalid.field(("body", "action"), _("Choose what to do with the customers."))
    return RedirectResponse(target, status_code=303)


def _form_context(
    session: Session, actor: Actor, values: Any, errors: FieldErrors
) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "owners": choices.users(session),
        "stages": list(LifecycleStage),
        "kinds": list(CustomerKind),
        "currency": get_settings().default_currency,
    }


@router.get("/customers/new", response_class=HTMLResponse)
def new_customer(request: Request, session: SessionDep, actor: PageActor) -> HTMLResponse:
    """The form for a new customer."""
    values = {"kind": "person", "owner_id": actor.user_id}
    context = {**_form_context(session, actor, values, {}), "customer": None}
    return render(request, "customers/form.html", context)


@router.post("/customers/new", response_class=HTMLResponse)
async def create_customer(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """Create the customer and open its page; the form again, with what is wrong."""
    form = await request.form()
    data, errors = parse(request, CustomerCreate, form)
    if data is not None:
        try:
            customer = service.create(session=session, actor=actor, data=data)
            return RedirectResponse(f"/customers/{customer.id}", status_code=303)
        except (Invalid, Conflict) as exc:
            session.rollback()
            errors = _errors_of(request, exc)
    context = {**_form_context(session, actor, dict(form), errors), "customer": None}
    return render(request, "customers/form.html", context, status_code=422)


def _errors_of(request: Request, exc: Invalid | Conflict) -> FieldErrors:
    if isinstance(exc, Invalid):
        return invalid_errors(request, exc)
    field = "email" if "email" in exc.params else "__all__"
    return {field: refusal(request, exc)}


@router.get("/customers/{customer_id}/edit", response_class=HTMLResponse)
def edit_customer(
    request: Request, session: SessionDep, actor: PageActor, customer_id: int
) -> HTMLResponse:
    """The form to change a customer (Forbidden if the user may only see it)."""
    customer = records.get_for_change(
        session=session, actor=actor, kind=service.RECORD, record_id=customer_id
    )
    values = {name: getattr(customer, name) for name in FORM_FIELDS}
    context = {**_form_context(session, actor, values, {}), "customer": customer}
    return render(request, "customers/form.html", context)


@router.post("/customers/{customer_id}/edit", response_class=HTMLResponse)
async def update_customer(
    request: Request, session: SessionDep, actor: PageActor, customer_id: int
) -> Response:
    """Save the changes and go back to the customer; the form again, with what is wrong."""
    customer = records.get_for_change(
        session=session, actor=actor, kind=service.RECORD, record_id=customer_id
    )
    form = await request.form()
    data, errors = parse(request, CustomerUpdate, form, blank_is_null=True)
    if data is not None:
        try:
            service.update(session=session, actor=actor, record_id=customer_id, data=data)
            return RedirectResponse(f"/customers/{customer_id}", status_code=303)
        except (Invalid, Conflict) as exc:
            session.rollback()
            errors = _errors_of(request, exc)
    context = {**_form_context(session, actor, dict(form), errors), "customer": customer}
    return render(request, "customers/form.html", context, status_code=422)


@router.post("/customers/{customer_id}/delete")
def delete_customer(session: SessionDep, actor: PageActor, customer_id: int) -> RedirectResponse:
    """Move the customer to the recycle bin."""
    customer = records.get_for_change(
        session=session, actor=actor, kind=service.RECORD, record_id=customer_id
    )
    records.delete(session=session, actor=actor, kind=service.RECORD, record=customer)
    return RedirectResponse("/customers/bin", status_code=303)


@router.get("/customers/bin", response_class=HTMLResponse)
def recycle_bin(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    cursor: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """Customers in the recycle bin that the user may see, newest deletions first."""
    page = records.list_page(session=session, actor=actor, kind=service.RECORD, sort="-id",
                             cursor=cursor, limit=PAGE_SIZE, deleted=True)  # fmt: skip
    context = {
        "customers": list(page.items),
        "next_cursor": page.next_cursor,
        "keep_days": get_settings().recycle_bin_days,
    }
    return render(request, "customers/bin.html", context)


@router.post("/customers/{customer_id}/restore")
def restore_customer(session: SessionDep, actor: PageActor, customer_id: int) -> RedirectResponse:
    """Bring the customer back from the recycle bin and open its page."""
    found = records.get_for_change(
        session=session, actor=actor, kind=service.RECORD, record_id=customer_id, deleted=True
    )
    days = get_settings().recycle_bin_days
    records.restore(session=session, actor=actor, kind=service.RECORD, record=found, keep_days=days)
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)


@router.get("/customers/{customer_id}/merge", response_class=HTMLResponse)
def merge_form(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    customer_id: int,
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    """Find the duplicate to merge into this customer (by default: same name or contacts)."""
    customer = records.get_for_change(
        session=session, actor=actor, kind=service.RECORD, record_id=customer_id
    )
    text = q or customer.name
    page = service.list_page(session=session, actor=actor, filters=CustomerFilters(q=text),
                             limit=20)  # fmt: skip
    candidates = [c for c in page.items if c.id != customer_id]
    context = {"customer": customer, "candidates": candidates, "q": text}
    return render(request, "customers/merge.html", context)


@router.post("/customers/{customer_id}/merge")
async def merge(
    request: Request, session: SessionDep, actor: PageActor, customer_id: int
) -> Response:
    """Merge the chosen duplicate into this customer; it goes to the recycle bin."""
    form = await request.form()
    duplicate = form.get("duplicate_id")
    if not isinstance(duplicate, str) or not duplicate.isdigit():
        raise Invalid.field(("body", "duplicate_id"), gettext_for(request)("Choose the duplicate."))
    merge_service.merge(session=session, actor=actor, survivor_id=customer_id,
                        duplicate_id=int(duplicate))  # fmt: skip
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)
