"""The services' refusals in the reader's language, their words included."""

from __future__ import annotations

import re
import sys

from babel.messages.pofile import read_po

import rapport.app  # noqa: F401  (loads every domain, and so every record type)
from rapport.i18n import N_, catalog_path, translations
from rapport.records import RecordType
from rapport.web.messages import WORDS, translate

_PLACEHOLDER = re.compile(r"%\((\w+)\)")


def _zh(message: str) -> str:
    return translations("zh_CN").gettext(message)


def test_a_template_and_its_words_are_translated() -> None:
    params = {"entity": "customer", "id": 5}
    assert translate(_zh, N_("no %(entity)s %(id)s"), params) == "客户 5 不存在"
    english = translations("en").gettext
    assert translate(english, N_("no %(entity)s %(id)s"), params) == "no customer 5"


def test_an_order_status_is_a_word_but_a_name_is_not() -> None:
    status = {"status": "paid", "new_status": "pending"}
    assert translate(_zh, N_("a %(status)s order cannot become %(new_status)s"), status) == (
        "已支付的订单不能改为待处理"
    )
    named = {"id": 3, "name": "open"}  # a team someone called "open"
    assert translate(_zh, N_("team %(id)s is already called %(name)s"), named) == (
        "团队 3 已在使用名称 open"
    )


def test_text_that_is_not_in_the_catalogs_stays_english() -> None:
    assert translate(_zh, "a library's own message", {}) == "a library's own message"
    assert translate(_zh, "", {}) == ""


def test_a_translation_that_does_not_fit_its_params_gives_the_english() -> None:
    def broken(message: str) -> str:
        return "%(nothing)s" if message else message

    assert translate(broken, N_("no active user %(id)s"), {"id": 4}) == "no active user 4"


def test_every_translation_uses_only_its_messages_placeholders() -> None:
    with catalog_path("zh_CN").open("rb") as po_file:
        catalog = read_po(po_file)
    wrong = [
        message.id
        for message in catalog
        if isinstance(message.id, str)
        and isinstance(message.string, str)
        and not set(_PLACEHOLDER.findall(message.string)) <= set(_PLACEHOLDER.findall(message.id))
    ]
    assert wrong == []


def test_every_kind_of_record_is_a_word_pages_translate() -> None:
    """A record type's name goes into messages ("no customer 5"): each needs its word."""
    kinds = {
        value.entity
        for name, module in list(sys.modules.items())
        if name.startswith("rapport.")
        for value in vars(module).values()
        if isinstance(value, RecordType)
    }
    assert {"customer", "deal", "product_category"} <= kinds
    assert sorted(kinds - WORDS) == []
