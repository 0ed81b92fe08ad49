"""Errors the services raise; the API answers each with its status and one JSON shape.

Messages are English, for the API, the CLI and the logs. A message made from a template
marked with ``N_`` and its params, ``Conflict(N_("order %(number)s is taken"), number=n)``,
is also in the translation catalogs, and the pages say it in the reader's language
(``rapport.web.messages``). The English text is ``template % params``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rapport.i18n import N_

FieldPath = tuple[str | int, ...]


def fill(template: str, params: Mapping[str, object]) -> str:
    """``template`` with its ``%(name)s`` placeholders filled from ``params``; as is without."""
    return template % params if params else template


class FieldProblem:
    """What is wrong with one field: its path (``("body", "email")``) and a message.

    ``FieldProblem(path, N_("no team %(id)s"), id=4)``: the message is the template and its
    params, so a page can translate it; plain text (a library's message) stays as it is.
    """

    __slots__ = ("params", "path", "template")

    def __init__(self, path: FieldPath, template: str, /, **params: object) -> None:
        self.path = path
        self.template = template
        self.params: Mapping[str, object] = params

    @property
    def message(self) -> str:
        """The message in English."""
        return fill(self.template, self.params)

    def __repr__(self) -> str:
        return f"FieldProblem({self.path!r}, {self.message!r})"


class ServiceError(Exception):
    """A request the services refuse; ``status`` is the HTTP status it maps to.

    Raised with a template and its params, like FieldProblem; ``message`` is the English.
    """

    status = 400
    code = "bad_request"

    def __init__(self, template: str, /, **params: object) -> None:
        self.template = template
        self.params: Mapping[str, object] = params
        self.message = fill(template, params)
        super().__init__(self.message)


class NotFound(ServiceError):
    """The record does not exist, is deleted, or the user may not see it."""

    status = 404
    code = "not_found"

    def __init__(self, entity: str, record_id: int | str) -> None:
        super().__init__(N_("%(entity)s %(id)s not found"), entity=entity, id=record_id)


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
    def field(cls, path: FieldPath, template: str, /, **params: object) -> Invalid:
        """An error about one field: ``Invalid.field(path, N_("no team %(id)s"), id=4)``."""
        return cls([FieldProblem(path, template, **params)])


class TooManyRequests(ServiceError):
    """A rate limit was reached; retry after ``retry_after`` seconds."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)
