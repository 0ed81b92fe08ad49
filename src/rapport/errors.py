"""Errors the services raise; the API answers each with its status and one JSON shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field: its path (``("body", "email")``) and a message."""

    path: tuple[str | int, ...]
    message: str


class ServiceError(Exception):
    """A request the services refuse; ``status`` is the HTTP status it maps to."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    """The record does not exist, is deleted, or the user may not see it."""

    status = 404
    code = "not_found"

    def __init__(self, entity: str, record_id: int | str) -> None:
        super().__init__(f"{entity} {record_id} not found")


class Forbidden(ServiceError):
    """The user may see the record but not do this to it."""

    status = 403
    code = "forbidden"


class Unauthenticated(ServiceError):
    """No valid session or API token came with the request."""

    status = 401
    code = "unauthenticated"


class Conflict(ServiceError):
    """The change clashes with stored data (a duplicate, a record still in use …)."""

    status = 409
    code = "conflict"


class Invalid(ServiceError):
    """Input that passed the schema but breaks a rule; names the fields."""

    status = 422
    code = "validation_error"

    def __init__(self, problems: Sequence[FieldProblem], message: str | None = None) -> None:
        listed = "; ".join(f"{'.'.join(map(str, p.path))}: {p.message}" for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(message or listed + more)
        self.problems = tuple(problems)

    @classmethod
    def field(cls, path: tuple[str | int, ...], message: str) -> Invalid:
        """An error about one field."""
        return cls([FieldProblem(path, message)])


class TooManyRequests(ServiceError):
    """A rate limit was reached; retry after ``retry_after`` seconds."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)
