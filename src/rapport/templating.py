"""Jinja2 templates, rendered in the language of each request.

Each locale has its own Jinja2 environment with that locale's translations installed, built
once and then only read. Requests in different languages never share mutable state, so
rendering is safe from any number of threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final, cast

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from rapport import __version__
from rapport.config import Locale, Settings
from rapport.i18n import LANGUAGES, select_locale, translations

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
    environment.globals["version"] = __version__
    environment.globals["languages"] = list(LANGUAGES.values())
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
        **(context or {}),
    }
    # The language depends on these request headers, so shared caches must key on them.
    headers = {"Content-Language": language.tag, "Vary": "Accept-Language, Cookie"}
    return templates_for(locale).TemplateResponse(
        request, name, page_context, status_code=status_code, headers=headers
    )
