"""The languages Rapport speaks: gettext catalogs, and which language each request gets.

Catalogs are the ``.po`` files under ``locale/``. They are compiled in memory the first time
a language is used, so neither a build step nor binary ``.mo`` files are needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Final, get_args

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import Request

from rapport.config import Locale, Settings

LOCALE_DIR: Final = Path(__file__).parent / "locale"
GETTEXT_DOMAIN: Final = "messages"
LOCALE_COOKIE: Final = "rapport_locale"
SUPPORTED_LOCALES: Final[tuple[Locale, ...]] = get_args(Locale)


@dataclass(frozen=True)
class Language:
    """A language the interface is offered in."""

    locale: Locale
    tag: str
    """The BCP 47 tag, for ``lang`` attributes and the ``Content-Language`` header."""
    name: str
    """The language's name in itself, so readers find theirs whatever the page's language."""


LANGUAGES: Final[dict[Locale, Language]] = {
    "en": Language(locale="en", tag="en", name="English"),
    "zh_CN": Language(locale="zh_CN", tag="zh-CN", name="简体中文"),
}

# Accept-Language primary subtags and the locale that serves them. Every Chinese variant
# (zh-TW, zh-Hant …) gets Simplified Chinese: closer for its readers than English.
_LOCALE_BY_LANGUAGE: Final[dict[str, Locale]] = {"en": "en", "zh": "zh_CN"}


def catalog_path(locale: Locale) -> Path:
    """The path of the ``.po`` catalog that translates the interface into ``locale``."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{GETTEXT_DOMAIN}.po"


@cache
def translations(locale: Locale) -> Translations:
    """The translations for ``locale``, compiled from its ``.po`` catalog once per process."""
    with catalog_path(locale).open("rb") as po_file:
        catalog = read_po(po_file, locale=locale, domain=GETTEXT_DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=GETTEXT_DOMAIN)


def as_locale(value: str | None) -> Locale | None:
    """``value`` as a supported locale, or None when it names none (or nothing)."""
    for locale in SUPPORTED_LOCALES:
        if value == locale:
            return locale
    return None


def parse_accept_language(header: str) -> list[str]:
    """The language ranges of an ``Accept-Language`` header, most wanted first.

    Ranges with ``q=0`` (refused) or a malformed weight are dropped; ranges of equal weight
    keep the header's order.
    """
    weighted: list[tuple[float, str]] = []
    for item in header.split(","):
        language_range, *params = (part.strip() for part in item.split(";"))
        if not language_range:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if 0.0 < quality <= 1.0:
            weighted.append((quality, language_range))
    weighted.sort(key=lambda pair: pair[0], reverse=True)
    return [language_range for _, language_range in weighted]


def locale_from_accept_language(header: str | None) -> Locale | None:
    """The supported locale that best matches an ``Accept-Language`` header, if any does."""
    for language_range in parse_accept_language(header or ""):
        primary = language_range.replace("_", "-").split("-", 1)[0].lower()
        locale = _LOCALE_BY_LANGUAGE.get(primary)
        if locale is not None:
            return locale
    return None


def select_locale(request: Request, settings: Settings) -> Locale:
    """The locale to answer ``request`` in.

    In order: the signed-in user's language (kept in the session at sign-in and when they
    switch), the language chosen with the switcher (a cookie), the browser's preference,
    and the configured default.
    """
    session = request.scope.get("session") or {}
    return (
        as_locale(session.get("locale"))
        or as_locale(request.cookies.get(LOCALE_COOKIE))
        or locale_from_accept_language(request.headers.get("accept-language"))
        or settings.default_locale
    )


def gettext_for(request: Request) -> Callable[[str], str]:
    """The ``gettext`` of the language chosen for ``request``, for text made in Python."""
    return translations(select_locale(request, request.app.state.settings)).gettext


def N_(message: str) -> str:
    """``message`` unchanged: marks text for translation that is translated later."""
    return message
