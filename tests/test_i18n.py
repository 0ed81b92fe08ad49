"""Translation catalogs are complete, and each browser gets the language it asks for."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from rapport.config import Locale
from rapport.i18n import (
    LANGUAGES,
    LOCALE_DIR,
    SUPPORTED_LOCALES,
    catalog_path,
    locale_from_accept_language,
    parse_accept_language,
    translations,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = REPO_ROOT / "src" / "rapport"


def _read_catalog(path: Path) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(po_file)


def _extracted_msgids() -> set[str]:
    """Every msgid in the sources, found with babel.cfg's own method map."""
    with (REPO_ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    msgids: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        PACKAGE_DIR, method_map, options_map
    ):
        # A plural message comes as (singular, plural); catalogs key it by the singular.
        msgids.add(message if isinstance(message, str) else message[0])
    return msgids


def test_sources_have_messages_to_translate() -> None:
    assert "Welcome to Rapport" in _extracted_msgids()


def test_every_extracted_message_has_a_chinese_translation() -> None:
    catalog = _read_catalog(catalog_path("zh_CN"))
    missing = sorted(
        msgid for msgid in _extracted_msgids() if msgid not in catalog or not catalog[msgid].string
    )
    assert missing == [], "run `make messages` and translate these in zh_CN"


def test_every_extracted_message_is_in_the_template() -> None:
    template = _read_catalog(LOCALE_DIR / "messages.pot")
    assert sorted(m for m in _extracted_msgids() if m not in template) == []


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_has_no_fuzzy_entries(locale: Locale) -> None:
    catalog = _read_catalog(catalog_path(locale))
    assert not catalog.fuzzy, "the catalog header is marked fuzzy"
    assert [message.id for message in catalog if message.id and message.fuzzy] == []


def test_chinese_translation_has_no_empty_entry() -> None:
    catalog = _read_catalog(catalog_path("zh_CN"))
    assert [message.id for message in catalog if message.id and not message.string] == []


def test_translations_are_compiled_from_the_po_files() -> None:
    assert translations("zh_CN").gettext("Welcome to Rapport") == "欢迎使用 Rapport"
    assert translations("en").gettext("Welcome to Rapport") == "Welcome to Rapport"


def test_every_supported_locale_is_offered_in_the_switcher() -> None:
    assert set(LANGUAGES) == set(SUPPORTED_LOCALES)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9", "zh_CN"),
        ("zh", "zh_CN"),
        ("zh-Hans", "zh_CN"),
        ("zh-Hans-CN", "zh_CN"),
        ("zh-TW,zh;q=0.8", "zh_CN"),
        ("ZH-cn", "zh_CN"),
        ("zh_CN", "zh_CN"),
        ("en-US,en;q=0.9", "en"),
        ("en-GB", "en"),
        ("fr-FR,fr;q=0.9,en;q=0.5", "en"),
        ("en;q=0.3, zh;q=0.8", "zh_CN"),
        ("zh;q=0, en", "en"),
        ("en;q=bad, zh;q=0.4", "zh_CN"),
        ("de-DE, ja;q=0.8", None),
        ("*", None),
        ("", None),
        (None, None),
    ],
)
def test_locale_from_accept_language(header: str | None, expected: Locale | None) -> None:
    assert locale_from_accept_language(header) == expected


def test_parse_accept_language_orders_by_weight_then_position() -> None:
    header = "fr;q=0.5, en-GB, de;q=0.5, zh ;q=0.9, ja;q=0"
    assert parse_accept_language(header) == ["en-GB", "zh", "fr", "de"]
