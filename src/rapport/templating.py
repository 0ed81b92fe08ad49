"""Jinja2 templates, rendered in the language of each request.

Each locale has its own Jinja2 environment with that locale's translations installed, built
once and then only read. Requests in different languages never share mutable state, so
rendering is safe from any number of threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, partial
from pathlib import Path
from typing import Any, Final, cast

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from rapport import __version__
from rapport.config import Locale, Settings
from rapport.i18n import LANGUAGES, select_locale, translations
from rapport.web import labels
from rapport.web.csrf import LazyToken
from rapport.web.format import FILTERS

TEMPLATES_DIR: Final = Path(__file__).parent / "templates"


@cache
def templates_for(locale: Locale) -> Jinja2Templates:
    """The templates with ``locale``'s translations installed, built once per process."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    # The i18n extension adds this method when it loads, so the type checker cannot see it.
    cast(Any, environment).install_gettext_translations(translations(locale), newstyle=True)
    gettext = translations(locale).gettext
    environment.globals["version"] = __version__
    environment.globals["languages"] = list(LANGUAGES.values())
    environment.globals["language_options"] = [(x.locale, x.name) for x in LANGUAGES.values()]
    environment.globals["label"] = partial(labels.label, gettext)
    environment.globals["reason"] = partial(labels.reason, gettext)
    environment.globals["persona"] = partial(labels.persona, gettext)
    environment.filters.update(FILTERS)
    environment.filters["zip_labels"] = lambda codes, group: [
        (code, labels.label(gettext, group, code)) for code in codes
    ]
    return Jinja2Templates(env=environment)


def settings_of(request: Request) -> Settings:
    """The settings of the app that received ``request``."""
    settings: Settings = request.app.state.settings
    return settings


def current_path(request: Request) -> str:
    """The path and query of ``request``, to come back to after switching language."""
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """The page made from template ``name``, in the language chosen for ``request``."""
    locale = select_locale(request, settings_of(request))
    language = LANGUAGES[locale]
    page_context = {
        "locale": locale,
        "html_lang": language.tag,
        "current_path": current_path(request),
        "user": getattr(request.state, "user", None),
        "csrf_token": LazyToken(request) if "session" in request.scope else "",
        **(context or {}),
    }
    # The language depends on these request headers, so shared caches must key on them.
    headers = {"Content-Language": language.tag, "Vary": "Accept-Language, Cookie"}
    if page_context["user"] is not None:  # one person's records: never kept in a cache
        headers["Cache-Control"] = "no-store"
    return templates_for(locale).TemplateResponse(
        request, name, page_context, status_code=status_code, headers=headers
    )
