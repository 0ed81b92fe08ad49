"""HTML forms into the services' Pydantic schemas, with a message per field in words.

A form sends every field as text, and an empty box means "not given". ``parse`` drops
empty values, keeps repeated names as lists for list fields, and validates with the same
schema the API uses, so a page and the API accept exactly the same input. What is wrong
comes back as ``{field: message}`` in the reader's language, to show beside each input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar, get_origin
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request

from rapport.config import get_settings
from rapport.errors import Conflict, Invalid, ServiceError
from rapport.i18n import gettext_for
from rapport.validation import worded
from rapport.web.csrf import CSRF_FIELD
from rapport.web.messages import error_message, problem_message, translate

M = TypeVar("M", bound=BaseModel)
FieldErrors = dict[str, str]


def is_list_field(model: type[BaseModel], name: str) -> bool:
    """Whether ``model``'s field ``name`` holds a list (a form or query repeats its name)."""
    field = model.model_fields.get(name)
    return field is not None and get_origin(field.annotation) is list


def form_values(
    model: type[BaseModel], form: FormData | Mapping[str, Any], *, blank_is_null: bool = False
) -> dict[str, Any]:
    """The values of ``form`` for ``model``'s fields (lists where it has lists).

    An empty box is left out, as not given; with ``blank_is_null`` (an edit form, where
    emptying a box clears the field) it is None. A checkbox sends its value last, after a
    hidden ``false`` of the same name, so the last value is the one that counts.
    """
    values: dict[str, Any] = {}
    for name in model.model_fields:
        if name not in form:
            continue
        if isinstance(form, FormData) and is_list_field(model, name):
            values[name] = [v for v in form.getlist(name) if isinstance(v, str) and v.strip()]
            continue
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            values[name] = value
        elif blank_is_null:
            values[name] = None
    return values


def field_of(location: tuple[int | str, ...]) -> str:
    """The form field an error location names (``("body", "email")`` is ``email``)."""
    parts = [str(part) for part in location if part != "body"]
    return parts[0] if parts else "__all__"


def message_of(request: Request, error: Mapping[str, Any]) -> str:
    """The error in words for the form, in the reader's language."""
    _ = gettext_for(request)
    found = worded(error)
    if found is not None:
        return translate(_, *found)
    text = str(error.get("msg", "")).removeprefix("Value error, ")
    return _sentence(text) if text else _("This value is not valid.")


def validation_errors(request: Request, exc: ValidationError) -> FieldErrors:
    """The first problem of each field of a failed validation."""
    found: FieldErrors = {}
    for error in exc.errors():
        found.setdefault(field_of(error["loc"]), message_of(request, error))
    return found


def invalid_errors(request: Request, exc: Invalid) -> FieldErrors:
    """The fields a service named as wrong, with its messages in the reader's language."""
    found: FieldErrors = {}
    for problem in exc.problems:
        found.setdefault(field_of(problem.path), _sentence(problem_message(request, problem)))
    return found


def refusal(request: Request, exc: ServiceError) -> str:
    """Why a service refused, as a sentence in the reader's language (for a whole form)."""
    return _sentence(error_message(request, exc))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def local_times(form: FormData | Mapping[str, Any], *names: str) -> dict[str, Any]:
    """``form`` as a plain dict, the times in ``names`` read on the configured clock.

    A ``datetime-local`` box sends ``2026-11-24T14:05`` with no zone; the person means
    their own clock (``RAPPORT_TIME_ZONE``), so the zone is added before validation.
    """
    values: dict[str, Any] = dict(form.items()) if isinstance(form, FormData) else dict(form)
    for name in names:
        value = values.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            continue  # validation names the field
        if moment.tzinfo is None:
            values[name] = moment.replace(tzinfo=ZoneInfo(get_settings().time_zone)).isoformat()
    return values


def parse(
    request: Request,
    model: type[M],
    form: FormData | Mapping[str, Any],
    *,
    blank_is_null: bool = False,
    **fixed: Any,
) -> tuple[M | None, FieldErrors]:
    """``form`` validated as ``model`` (``fixed`` values added), or the errors by field."""
    values = form_values(model, form, blank_is_null=blank_is_null)
    values.pop(CSRF_FIELD, None)
    try:
        return model.model_validate({**values, **fixed}), {}
    except ValidationError as exc:
        return None, validation_errors(request, exc)


def attempt(request: Request, session: Session, action: Callable[[], object]) -> FieldErrors:
    """Run a service call; when it refuses (Invalid, Conflict), roll back and give its
    reasons by field (a conflict belongs to the whole form, ``__all__``)."""
    try:
        action()
    except Invalid as exc:
        session.rollback()
        return invalid_errors(request, exc)
    except Conflict as exc:
        session.rollback()
        return {"__all__": refusal(request, exc)}
    return {}
