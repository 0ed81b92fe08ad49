"""Terms of Chinese, English and mixed texts (rapport.analytics.text): jieba's cuts as
its 0.42 dictionary gives them, stop words dropped, phrases of neighbouring tokens."""

from __future__ import annotations

import logging
import socket

import numpy as np
import pytest

from rapport.analytics.stopwords import CHINESE, ENGLISH, NEGATIONS
from rapport.analytics.text import Segmenter, incidence, segmenter


def test_english_words_and_phrases() -> None:
    """Stop words (the, was, at) and punctuation end phrases; a space does not."""
    terms = segmenter().terms("The docking station broke, twice! Support was slow at best.")
    assert terms == ["docking", "station", "broke", "twice", "support", "slow", "best",
                     "docking station", "station broke"]  # fmt: skip


def test_chinese_segmentation_drops_stop_words() -> None:
    """jieba: 物流/太慢/了/，/催/了/好/几次/。 → 了 is a stop word, 催 and 好 are single
    characters (no word alone, 好 + 几次 a phrase)."""
    cutter = segmenter()
    assert cutter.tokens("物流太慢了，催了好几次。") == [
        "物流", "太慢", None, None, "催", None, "好", "几次", None,
    ]  # fmt: skip
    assert cutter.terms("物流太慢了，催了好几次。") == [
        "物流",
        "太慢",
        "几次",
        "物流太慢",
        "好几次",
    ]


def test_single_characters_and_negations_live_in_phrases() -> None:
    """扩展/坞 (坞 is not in jieba's dictionary): 坞 is no word but makes 扩展坞; 不 is no
    word and starts 不稳定, but a phrase does not end on it (no 质量不)."""
    cutter = segmenter()
    assert cutter.terms("扩展坞用了两周就发热断连") == [
        "扩展", "两周", "发热", "扩展坞", "坞用", "发热断", "断连",
    ]  # fmt: skip
    assert cutter.terms("质量不稳定") == ["质量", "稳定", "不稳定"]
    assert cutter.terms("Support never answered") == ["support", "answered", "never answered"]


def test_mixed_text_full_width_and_numbers() -> None:
    """NFKC makes ＵＳＢ３ usb3; a number (3) is dropped and ends a phrase; Latin and
    Chinese neighbours make a phrase joined by a space; hyphenated words stay whole."""
    terms = segmenter().terms("ＵＳＢ３接口坏了 after 3 days, Wi-Fi 连不上")
    assert terms == ["usb3", "接口", "days", "wi-fi", "连不上", "usb3 接口", "接口坏",
                     "wi-fi 连不上"]  # fmt: skip


def test_added_words_join_the_dictionary() -> None:
    """With 扩展坞 in the dictionary it is one word, and no 扩展 alone."""
    assert Segmenter(words=("扩展坞",)).terms("扩展坞坏了") == ["扩展坞", "扩展坞坏"]


def test_stop_lists_are_lower_case_and_apart() -> None:
    assert all(w == w.lower() for w in ENGLISH)
    assert not (ENGLISH | CHINESE) & NEGATIONS
    assert {"the", "and", "was"} <= ENGLISH and {"的", "了", "就"} <= CHINESE


def test_incidence_counts_each_term_once_per_text() -> None:
    """Texts: "late late delivery" → late, delivery, "late delivery" (late once); "late"
    → late; "" → nothing. Columns in order of first sight."""
    found = incidence(["late late delivery", "late", ""], segmenter())
    assert found.terms == ["late", "delivery", "late late", "late delivery"]
    assert found.matrix.toarray().tolist() == [[1, 1, 1, 1], [1, 0, 0, 0], [0, 0, 0, 0]]
    assert found.matrix.dtype == np.int32


def test_jieba_loads_quietly_and_offline(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh dictionary loads with no network and writes nothing to stderr (jieba logs
    its loading there at DEBUG level unless told not to)."""

    def refuse(*args: object) -> None:
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    logging.getLogger("jieba").setLevel(logging.DEBUG)
    assert Segmenter().terms("售后推来推去") == ["售后", "推来推去", "售后推来推去"]
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
