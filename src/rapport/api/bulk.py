"""Bulk creation in the JSON API: the request and result shapes, and per-item reporting.

A bulk body's items are plain JSON objects: each is validated on its own, so one bad
item is reported with its index (paths like ``body.items.3.occurred_at``) instead of
refusing the batch, unless the request is ``atomic``. Each domain's service parses
and checks the items with these helpers and its own rules, then ``save_valid`` stores
the good ones through ``rapport.bulk_records`` and reports on every item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from rapport import bulk_records
from rapport.access import Actor
from rapport.api.errors import FieldError
from rapport.errors import FieldProblem, Forbidden, Invalid
from rapport.records import RecordType

BULK_LIMIT = 1000

S = TypeVar("S", bound=BaseModel)
R = TypeVar("R")
# What is wrong with each item that is not saved, by its index in the body.
Problems = dict[int, list[FieldProblem]]

Atomic = Annotated[
    bool,
    Query(description="All or nothing: any invalid item answers 422 and nothing is saved."),
]


class BulkRequest(BaseModel):
    """Many records to create at once, each as the single create route takes it."""

    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] = Field(
        max_length=BULK_LIMIT, description=f"Up to {BULK_LIMIT} records."
    )


class BulkCreated(BaseModel):
    """An item that was created, and the id it got."""

    index: int
    id: int


class BulkFailed(BaseModel):
    """An item that was not created, and why (paths like ``body.items.3.occurred_at``)."""

    index: int
    errors: list[FieldError]


class BulkResult(BaseModel):
    """What became of each item of a bulk request, in the order sent."""

    created: int
    failed: int
    results: list[BulkCreated | BulkFailed]


def _item_path(index: int, inner: Sequence[str | int]) -> tuple[str | int, ...]:
    """The path of ``inner`` (a field's location in one record) in item ``index``."""
    return ("body", "items", index, *inner)


def _errors(problems: Iterable[FieldProblem]) -> list[FieldError]:
    """The API's error entries for ``problems``, paths joined with dots."""
    return [FieldError(path=".".join(map(str, p.path)), message=p.message) for p in problems]


def parse_items(
    schema: type[S], items: Sequence[Mapping[str, Any]]
) -> tuple[dict[int, S], Problems]:
    """The items that are valid ``schema`` objects, and the problems of the others, by index."""
    parsed: dict[int, S] = {}
    problems: Problems = {}
    for index, item in enumerate(items):
        try:
            parsed[index] = schema.model_validate(item)
        except ValidationError as exc:
            problems[index] = [
                FieldProblem(_item_path(index, e["loc"]), e["msg"].removeprefix("Value error, "))
                for e in exc.errors()
            ]
    return parsed, problems


def check_items(
    rows: Mapping[int, R], check: Callable[[R], None], *, forbidden_field: str | None = None
) -> Problems:
    """The problems ``check`` raises for each row, as paths into the bulk body.

    ``check`` is the single-record check (its problems are ``("body", field)``); a Forbidden
    it raises is put on ``forbidden_field`` (the owner a user may not assign).
    """
    problems: Problems = {}
    for index, row in rows.items():
        try:
            check(row)
        except Invalid as exc:
            problems[index] = [
                FieldProblem(_item_path(index, p.path[1:]), p.template, **p.params)
                for p in exc.problems
            ]
        except Forbidden as exc:
            where = (forbidden_field,) if forbidden_field else ()
            problems[index] = [FieldProblem(_item_path(index, where), exc.template, **exc.params)]
    return problems


def save_valid(
    *,
    session: Session,
    actor: Actor,
    kind: RecordType[Any],
    rows: Mapping[int, Mapping[str, Any]],
    problems: Problems,
    atomic: bool,
) -> BulkResult:
    """What became of each item, once the ``rows`` of those without problems are created.

    When ``atomic``, any item with problems makes the whole batch Invalid and nothing
    is written.
    """
    if atomic and problems:
        total = len(rows.keys() | problems.keys())
        raise Invalid(
            [p for index in sorted(problems) for p in problems[index]],
            # The fields list every problem; the message stays short for a large batch.
            message=f"{len(problems)} of {total} items are not valid; nothing was saved",
        )
    valid = {index: row for index, row in rows.items() if index not in problems}
    made = bulk_records.create_many(session=session, actor=actor, kind=kind, values=valid)
    results: list[BulkCreated | BulkFailed] = [
        BulkCreated(index=index, id=record.id) for index, record in made.items()
    ]
    results += [BulkFailed(index=index, errors=_errors(found)) for index, found in problems.items()]
    results.sort(key=lambda result: result.index)
    return BulkResult(created=len(made), failed=len(problems), results=results)
