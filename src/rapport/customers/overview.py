"""The customer 360 page and its quick actions: log a call or note, add a task or deal, tag.

The page gathers what Rapport knows of one customer: the profile, the newest scores with
churn reasons in words, the lifecycle stage with its history, recommended products, and
one timeline. Quick actions answer HTMX with the part of the page they change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor
from rapport.analytics.lifecycle import LifecycleParams
from rapport.analytics.lifecycle import timeline as stage_timeline
from rapport.analytics.source import Source
from rapport.api.deps import SessionDep
from rapport.appsettings.service import effective
from rapport.config import get_settings
from rapport.customers import service, tags
from rapport.customers.models import Customer
from rapport.customers.timeline import timeline
from rapport.deals import service as deal_service
from rapport.deals.schemas import DealCreate
from rapport.errors import Conflict, Invalid
from rapport.i18n import gettext_for
from rapport.interactions import service as interaction_service
from rapport.interactions.models import Direction, InteractionKind
from rapport.interactions.schemas import InteractionCreate
from rapport.products.models import Product
from rapport.scores import service as score_service
from rapport.scores.models import CustomerScore
from rapport.tasks import service as task_service
from rapport.tasks.schemas import TaskCreate
from rapport.templating import render
from rapport.web import choices
from rapport.web.deps import PageActor, check_csrf
from rapport.web.forms import (
    FieldErrors,
    attempt,
    invalid_errors,
    local_times,
    parse,
    refusal,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def stage_history(
    request: Request, session: Session, actor: Actor, customer_id: int
) -> list[dict[str, Any]]:
    """The customer's lifecycle stages with the day each began, oldest first (the rules of
    docs/metrics.md, computed by the lifecycle analysis on this customer's records alone)."""
    settings = effective(session)
    source = Source.from_database(
        request.app.state.engine,
        actor=actor,
        time_zone=settings.time_zone,
        customer_ids=[customer_id],
    )
    params = LifecycleParams(thresholds=settings.lifecycle_thresholds())
    changes = source.to_arrow(stage_timeline(source, params, date.today()))
    rows = sorted(changes.to_pylist(), key=lambda row: (row["at"], row["rank"], row["seq"]))
    history: list[dict[str, Any]] = []
    for row in rows:  # each purchase is a point; only a new stage is a change
        if not history or history[-1]["stage"] != row["stage"]:
            history.append({"at": row["at"], "stage": row["stage"]})
    return history


def _personas(session: Session, score: CustomerScore | None) -> dict[str, Any]:
    if score is None or score.run_id is None or score.cluster is None:
        return {}
    run = score_service.get_run(session=session, run_id=score.run_id)
    clusters = (run.models or {}).get("clusters", {}) if run is not None else {}
    found = clusters.get("evaluation", {}).get("personas", [])
    return next((p for p in found if str(p.get("cluster")) == score.cluster), {})


def _products(session: Session, ids: list[int] | None) -> list[Product]:
    if not ids:
        return []
    found = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _timeline_context(session: Session, actor: Actor, customer: Customer) -> dict[str, Any]:
    return {
        "customer": customer,
        "entries": timeline(session=session, actor=actor, customer_id=customer.id),
        "user_names": choices.user_names(session),
    }


def _context(
    request: Request, session: Session, actor: Actor, customer: Customer
) -> dict[str, Any]:
    score = score_service.latest(session=session, customer_id=customer.id)
    company = session.get(Customer, customer.company_id) if customer.company_id else None
    may_change = records.changeable(
        session=session, actor=actor, kind=service.RECORD, record_id=customer.id
    )
    timeline_context = _timeline_context(session, actor, customer)
    return {
        **timeline_context,
        "company": company,
        "owner_name": timeline_context["user_names"].get(customer.owner_id or 0),
        "tags": tags.of_customer(session=session, customer_id=customer.id),
        "score": score,
        "cluster_persona": _personas(session, score),
        "next_products": _products(session, score.next_products if score else None),
        "history": stage_history(request, session, actor, customer.id),
        "may_change": may_change,
        "kinds": list(InteractionKind),
        "directions": list(Direction),
        "now": datetime.now(UTC),
        "errors": {},
        "form": None,
        "currency": get_settings().default_currency,
    }


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    request: Request, session: SessionDep, actor: PageActor, customer_id: int
) -> HTMLResponse:
    """Everything about one customer on one page."""
    customer = records.get(session=session, actor=actor, kind=service.RECORD, record_id=customer_id)
    return render(request, "customers/view.html", _context(request, session, actor, customer))


def _answer(
    request: Request,
    session: Session,
    actor: Actor,
    customer: Customer,
    errors: FieldErrors,
    form: str,
) -> Response:
    """After a quick action: the timeline (HTMX) or the whole page, with any errors."""
    status = 422 if errors else 200
    if request.headers.get("HX-Request") == "true":
        context = {**_timeline_context(session, actor, customer), "errors": errors, "form": form}
        return render(request, "customers/_timeline.html", context, status_code=status)
    if not errors:
        return RedirectResponse(f"/customers/{customer.id}", status_code=303)
    context = {**_context(request, session, actor, customer), "errors": errors, "form": form}
    return render(request, "customers/view.html", context, status_code=status)


async def _quick(
    request: Request,
    session: Session,
    actor: Actor,
    customer_id: int,
    model: type[BaseModel],
    create: Callable[..., object],
    form_name: str,
    *times: str,
) -> Response:
    """A record about the customer from a quick-action form; the timeline again."""
    customer = records.get(session=session, actor=actor, kind=service.RECORD, record_id=customer_id)
    form = local_times(await request.form(), *times)
    if form_name == "interaction" and not str(form.get("occurred_at") or "").strip():
        form["occurred_at"] = datetime.now(UTC).isoformat()  # left empty: now
    data, errors = parse(request, model, form, customer_id=customer_id)
    if data is not None:
        errors = attempt(request, session, lambda: create(session=session, actor=actor, data=data))
    return _answer(request, session, actor, customer, errors, form_name)


@router.post("/customers/{customer_id}/interactions")
async def log_interaction(
    request: Request, session: SessionDep, actor: PageActor, customer_id: int
) -> Response:
    """Log a call, email, meeting, note … with this customer."""
    return await _quick(
        request,
        session,
        actor,
        customer_id,
        InteractionCreate,
        interaction_service.create,
        "interaction",
        "occurred_at",
    )


@router.post("/customers/{customer_id}/tasks")
async def add_task(
    request: Request, session: SessionDep, actor: PageActor, customer_id: int
) -> Response:
    """A task about this customer, for the user unless another assignee is chosen."""
    return await _quick(
        request, session, actor, customer_id, TaskCreate, task_service.create, "task", "due_at"
    )


@router.post("/customers/{customer_id}/deals")
async def add_deal(
    request: Request, session: SessionDep, actor: PageActor, customer_id: int
) -> Response:
    """A deal with this customer in the default pipeline's first stage."""
    customer = records.get(session=session, actor=actor, kind=service.RECORD, record_id=customer_id)
    form = dict(await request.form())
    amount = str(form.pop("amount", "") or "").replace(",", "").strip()
    errors: FieldErrors = {}
    if amount:
        try:
            form["amount_minor"] = str(round(float(amount) * 100))
        except ValueError:
            errors["amount"] = gettext_for(request)("Enter a number.")
    data, found = parse(request, DealCreate, form, customer_id=customer_id)
    errors |= {("amount" if k == "amount_minor" else k): v for k, v in found.items()}
    if data is not None and not errors:
        try:
            deal_service.create(session=session, actor=actor, data=data)
        except (Invalid, Conflict) as exc:
            session.rollback()
            errors = (
                invalid_errors(request, exc)
                if isinstance(exc, Invalid)
                else {"name": refusal(request, exc)}
            )
    return _answer(request, session, actor, customer, errors, "deal")


@router.post("/customers/{customer_id}/tags")
async def add_tag(
    request: Request, session: SessionDep, actor: PageActor, customer_id: int
) -> RedirectResponse:
    """Put a tag on this customer (made if new)."""
    name = (await request.form()).get("tag")
    tags.add(
        session=session,
        actor=actor,
        customer_ids=[customer_id],
        name=name if isinstance(name, str) else "",
    )
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)


@router.post("/customers/{customer_id}/tags/{tag_id}/remove")
def remove_tag(
    session: SessionDep, actor: PageActor, customer_id: int, tag_id: int
) -> RedirectResponse:
    """Take a tag off this customer."""
    tags.remove(session=session, actor=actor, customer_id=customer_id, tag_id=tag_id)
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)
