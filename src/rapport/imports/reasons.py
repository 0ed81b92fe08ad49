"""Why an import refuses a row: in English, and in words the wizard says in any language.

The English ``text`` is what the API, the CLI and the error CSV of the API give, as
before. A reason made from a gettext template (marked with ``N_``) also keeps the
template and its params, stored beside the text (``import_row_errors.reason_template``
and ``reason_params``), so the import wizard translates it for its reader, the way the
pages translate the services' refusals (``rapport.web.messages``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rapport.errors import FieldProblem, ServiceError, fill
from rapport.validation import worded

JsonScalar = str | int | float | bool | None


class CellError(ValueError):
    """A cell that cannot be read: its English message, made from a template and params."""

    def __init__(self, template: str, /, **params: object) -> None:
        super().__init__(fill(template, params))
        self.template = template
        self.params: Mapping[str, object] = params

    @classmethod
    def said(cls, english: str, template: str, /, **params: object) -> CellError:
        """An error whose English is ``english`` (a library's words), and which the wizard
        says with ``template``."""
        error = cls(template, **params)
        error.args = (english,)
        return error


@dataclass(frozen=True)
class Reason:
    """Why a row (or one of its cells) was refused."""

    text: str
    template: str | None = None
    params: Mapping[str, JsonScalar] = field(default_factory=dict)

    @classmethod
    def of(cls, template: str, /, **params: object) -> Reason:
        """A reason made from a template marked with ``N_``."""
        return cls(fill(template, params), template, _stored(params))

    @classmethod
    def of_error(cls, error: Exception) -> Reason:
        """What a cell reader or a service said; any other error as its English text."""
        if isinstance(error, CellError | ServiceError):
            return cls(str(error), error.template, _stored(error.params))
        return cls(str(error))

    @classmethod
    def of_problem(cls, problem: FieldProblem) -> Reason:
        """What a service said about one field."""
        return cls(problem.message, problem.template, _stored(problem.params))

    @classmethod
    def of_validation(cls, error: Mapping[str, Any]) -> Reason:
        """A pydantic error: its own English text, and the forms' words for it if any."""
        text = str(error["msg"]).removeprefix("Value error, ")
        found = worded(error)
        if found is None:
            return cls(text)
        template, params = found
        return cls(text, template, _stored(params))

    def columns(self) -> dict[str, Any]:
        """The reason as ``import_row_errors`` keeps it; a template that is its text is the
        text's own msgid, so it is left out."""
        kept = None if self.template == self.text and not self.params else self.template
        return {"reason": self.text, "reason_template": kept, "reason_params": self.params or None}


def _stored(params: Mapping[str, object]) -> dict[str, JsonScalar]:
    """``params`` as JSON keeps them: plain values as they are, others (dates …) as text."""
    return {
        name: value if value is None or isinstance(value, str | int | float | bool) else str(value)
        for name, value in params.items()
    }
