"""Romanised names: pinyin for Chinese names, so they can be found and sorted in Latin."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import lazy_pinyin

# Two-character surnames, so 欧阳娜娜 is Ouyang Nana, not Ou Yangnana.
_COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
        "端木",
        "轩辕",
        "澹台",
        "西门",
        "南宫",
    ]
)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def has_han(text: str) -> bool:
    """Whether ``text`` holds Chinese characters."""
    return _HAN.search(text) is not None


@lru_cache(maxsize=65536)  # names repeat a lot; imports convert millions of them
def latin(name: str, *, person: bool) -> str | None:
    """The pinyin of a Chinese name (``王小明`` → ``Wang Xiaoming``); None for other names.

    A person's first character is taken as the surname; a company's syllables are
    written word by word (``阿里巴巴`` → ``A Li Ba Ba``).
    """
    if not has_han(name):
        return None
    name = name.strip()
    syllables = [s for s in lazy_pinyin(name) if s.strip()]
    if person and len(syllables) > 1:
        cut = 2 if name[:2] in _COMPOUND_SURNAMES and len(syllables) > 2 else 1
        surname, given = "".join(syllables[:cut]), "".join(syllables[cut:])
        return f"{surname.capitalize()} {given.capitalize()}"
    return " ".join(s.capitalize() for s in syllables)
