"""Settings for admins: the custom fields of customers and deals."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport import records
from rapport.api.deps import SessionDep
from rapport.customfields import service
from rapport.customfields.models import CustomFieldDefinition, FieldType
from rapport.customfields.schemas import CustomFieldCreate, CustomFieldUpdate
from rapport.templating import render
from rapport.web.deps import AdminUser, PageActor, check_csrf
from rapport.web.forms import FieldErrors, attempt, parse

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def _choices(text: object) -> list[str]:
    """Choices typed one a line (or separated by commas)."""
    raw = str(text or "").replace("，", ",").replace("\n", ",")
    return [c.strip() for c in raw.split(",") if c.strip()]


def _page(
    request: Request, session: Session, errors: FieldErrors | None = None, status: int = 200
) -> HTMLResponse:
    stmt = select(CustomFieldDefinition).order_by(
        CustomFieldDefinition.entity, CustomFieldDefinition.position, CustomFieldDefinition.id
    )
    fields = session.scalars(stmt)
    context = {
        "fields": list(fields),
        "types": [t.value for t in FieldType],
        "errors": errors or {},
    }
    return render(request, "settings/fields.html", context, status_code=status)


@router.get("/settings/fields", response_class=HTMLResponse)
def fields_page(request: Request, session: SessionDep, admin: AdminUser) -> HTMLResponse:
    """The custom fields of customers and deals."""
    return _page(request, session)


@router.post("/settings/fields", response_class=HTMLResponse)
async def create_field(
    request: Request, session: SessionDep, admin: AdminUser, actor: PageActor
) -> Response:
    """A new custom field."""
    form = await request.form()
    data, errors = parse(request, CustomFieldCreate, form, choices=_choices(form.get("choices")))
    if data is not None:
        errors = attempt(
            request, session, lambda: service.create(session=session, actor=actor, data=data)
        )
        if not errors:
            return RedirectResponse("/settings/fields", status_code=303)
    return _page(request, session, errors, status=422)


@router.post("/settings/fields/{field_id}", response_class=HTMLResponse)
async def update_field(
    request: Request, session: SessionDep, admin: AdminUser, actor: PageActor, field_id: int
) -> Response:
    """New labels, choices or requiredness for a field."""
    form = await request.form()
    extra: dict[str, Any] = {"choices": _choices(form.get("choices"))} if "choices" in form else {}
    data, errors = parse(request, CustomFieldUpdate, form, **extra)
    if data is not None:
        errors = attempt(
            request,
            session,
            lambda: service.update(session=session, actor=actor, record_id=field_id, data=data),
        )
        if not errors:
            return RedirectResponse("/settings/fields", status_code=303)
    return _page(request, session, {f"{field_id}-{k}": v for k, v in errors.items()}, 422)


@router.post("/settings/fields/{field_id}/delete", response_class=HTMLResponse)
def delete_field(
    request: Request, session: SessionDep, admin: AdminUser, actor: PageActor, field_id: int
) -> Response:
    """Remove a field definition (stored values stay in the records' data)."""
    found = records.get_for_change(
        session=session, actor=actor, kind=service.RECORD, record_id=field_id
    )
    records.delete(session=session, actor=actor, kind=service.RECORD, record=found)
    return RedirectResponse("/settings/fields", status_code=303)
