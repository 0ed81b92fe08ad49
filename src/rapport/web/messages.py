"""The services' refusals in the reader's language.

A service says what it refuses in English (``rapport.errors``). When it made the message
from a template marked with ``N_``, the template is in the catalogs: a page translates it
and fills in the params, and the params that are Rapport's own words (a kind of record, an
order's status) are translated with it. Any other message is shown in English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from starlette.requests import Request

from rapport.errors import FieldProblem, Invalid, ServiceError, fill
from rapport.i18n import N_, gettext_for

Gettext = Callable[[str], str]

# The params that name one of Rapport's own words: a kind of record (as the records, the
# audit log and NotFound name it), of customer, an order's or a stage's state. Only these
# are translated, and only to a word below: other params (a name, an email, what someone
# typed) are shown as they are, even when they happen to be one of these words.
WORD_PARAMS: Final = frozenset({"entity", "kind", "other_kind", "status", "new_status", "outcome"})
WORDS: Final = frozenset({
    N_("customer"), N_("deal"), N_("ticket"), N_("order"), N_("interaction"), N_("task"),
    N_("event"), N_("consent"), N_("campaign"), N_("pipeline"), N_("stage"), N_("product"),
    N_("product_category"), N_("product category"), N_("survey"), N_("survey_response"),
    N_("segment"), N_("quota"), N_("user"), N_("team"), N_("custom_field"),
    N_("saved_view"), N_("saved view"), N_("api_token"), N_("API token"), N_("import job"),
    N_("upload"), N_("scoring run"), N_("analytics page"), N_("figure"),
    N_("pending"), N_("paid"), N_("refunded"), N_("cancelled"),
    N_("person"), N_("company"),
    N_("open"), N_("won"), N_("lost"),
})  # fmt: skip


def translate(gettext: Gettext, template: str, params: Mapping[str, object]) -> str:
    """``template`` filled with ``params``, in the language of ``gettext``.

    The English, ``template % params``, when the translation does not fit the params.
    """
    words = {name: _word(gettext, name, value) for name, value in params.items()}
    try:
        return fill(gettext(template) if template else template, words)
    except (KeyError, TypeError, ValueError):
        return fill(template, params)


def _word(gettext: Gettext, name: str, value: object) -> object:
    """A param in the language of ``gettext`` if it names one of the words, else as it is."""
    if name in WORD_PARAMS and isinstance(value, str) and value in WORDS:
        return gettext(value)
    return value


def problem_message(request: Request, problem: FieldProblem) -> str:
    """What is wrong with one field, in the reader's language."""
    return translate(gettext_for(request), problem.template, problem.params)


def error_message(request: Request, error: ServiceError) -> str:
    """Why a service refused, in the reader's language; an Invalid names each field."""
    if isinstance(error, Invalid) and error.problems:
        return "; ".join(_named(request, problem) for problem in error.problems)
    return translate(gettext_for(request), error.template, error.params)


def _named(request: Request, problem: FieldProblem) -> str:
    """``field: message``, the field named without the request's part (``body``, ``query``)."""
    path = problem.path
    field = ".".join(map(str, path[1:] if path[:1] in (("body",), ("query",)) else path))
    message = problem_message(request, problem)
    return f"{field}: {message}" if field else message
