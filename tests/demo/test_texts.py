"""The demo's texts: each belongs to one theme, so a text's true theme can be looked up."""

from __future__ import annotations

from collections import Counter

from rapport.demo.texts import HAPPY_COMMENTS, TICKETS, UNHAPPY_COMMENTS


def test_every_comment_belongs_to_exactly_one_theme() -> None:
    owners: Counter[str] = Counter()
    for table in (HAPPY_COMMENTS, UNHAPPY_COMMENTS):
        for chinese, english in table.values():
            assert chinese and english
            owners.update(chinese + english)
    assert [text for text, n in owners.items() if n > 1] == []
    assert not set(HAPPY_COMMENTS) & set(UNHAPPY_COMMENTS)


def test_every_ticket_text_belongs_to_exactly_one_theme() -> None:
    owners: Counter[tuple[str, str]] = Counter()
    for chinese, english in TICKETS.values():
        assert chinese and english
        owners.update(chinese + english)
    assert [text for text, n in owners.items() if n > 1] == []
