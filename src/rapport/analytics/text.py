"""Terms of short texts (survey comments, ticket texts) in Chinese, English or both: their
words and two-word phrases, and which texts hold which terms.

Chinese runs are cut into words by jieba (its own dictionary, shipped with the package:
nothing is fetched); Latin letters and digits are cut at non-letters. A text is NFKC
normalised (full-width letters and punctuation become their ASCII forms) and lower-cased
first. Stop words (``stopwords``), numbers and punctuation are dropped.

A *term* is either a word or a phrase. Words: an English word of two letters or more, or
a Chinese word of two characters or more (single characters such as 用, 坞, 慢 say
little alone, as in ``jieba.analyse``); negations (不, never) are no words. Phrases: two
neighbouring kept tokens, single characters included, a negation only first (扩展 + 坞
→ 扩展坞, 不 + 稳定 → 不稳定, docking + station → "docking station"), with nothing
dropped between them: a stop word, a number or punctuation ends a phrase, a space does
not. Chinese halves are joined without a space, others with one.

Cutting is nearly all the cost of theme extraction (jieba is pure Python): each
different text should be cut once, and runs of Chinese already cut are remembered.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any, Final

import numpy as np
from scipy import sparse

from rapport.analytics.stopwords import CHINESE, ENGLISH, NEGATIONS

# CJK ideographs: Extension A, the unified block, compatibility ideographs.
_HAN: Final = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LETTERS: Final = rf"[^\W_{_HAN}]+"  # letters and digits of any other script
_PIECES: Final = re.compile(
    rf"(?P<han>[{_HAN}]+)|(?P<word>{_LETTERS}(?:['-]{_LETTERS})*)|(?P<space>[ \t]+)|.", re.S
)
_IS_HAN: Final = re.compile(rf"[{_HAN}]")
_STOP: Final = ENGLISH | CHINESE
_BREAK: Final = None  # in a token list: phrases do not span it
_RUNS_KEPT: Final = 200_000


class Segmenter:
    """Cuts texts into terms with one jieba dictionary (``words`` added to it), loaded on
    first use. ``hmm``: let jieba's hidden Markov model join characters its dictionary
    lacks into words (slower; finds new words)."""

    def __init__(self, words: tuple[str, ...] = (), hmm: bool = True) -> None:
        self.words, self.hmm = words, hmm
        self._jieba: Any = None
        self._loading = threading.Lock()
        # Runs of Chinese already cut: the same clauses recur across comments.
        self._runs: dict[str, tuple[str | None, ...]] = {}

    def terms(self, text: str) -> list[str]:
        """The distinct words and phrases of ``text``, words first, in reading order."""
        tokens = self.tokens(text)
        words = [t for t in tokens if t is not None and _is_word(t)]
        phrases = [_join(a, b) for a, b in pairwise(tokens)
                   if a is not None and b is not None and b not in NEGATIONS]  # fmt: skip
        return list(dict.fromkeys(words + phrases))

    def tokens(self, text: str) -> list[str | None]:
        """The kept tokens of ``text`` in order, ``None`` where something was dropped."""
        out: list[str | None] = []
        normal = unicodedata.normalize("NFKC", text).replace("\u2019", "'").lower()
        for piece in _PIECES.finditer(normal):
            kind = piece.lastgroup
            if kind == "han":
                out.extend(self._cut(piece.group()))
            elif kind == "word":
                token = piece.group()
                keep = token not in _STOP and not token.isdigit() and len(token) > 1
                out.append(token if keep or token in NEGATIONS else _BREAK)
            elif kind != "space":
                out.append(_BREAK)
        return out

    def _cut(self, run: str) -> tuple[str | None, ...]:
        """jieba's words of a run of Chinese characters, stop words as breaks."""
        cut = self._runs.get(run)
        if cut is None:
            if len(self._runs) >= _RUNS_KEPT:
                self._runs.clear()
            words = self.jieba().lcut(run, HMM=self.hmm)
            cut = self._runs[run] = tuple(_BREAK if w in _STOP else w for w in words)
        return cut

    def jieba(self) -> Any:
        """The jieba tokenizer, its dictionary loaded (once: about a second)."""
        with self._loading:
            if self._jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)  # it logs its loading to stderr
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in self.words:
                    tokenizer.add_word(word)
                self._jieba = tokenizer
        return self._jieba


@lru_cache(maxsize=4)  # a dictionary holds ~100 MB
def segmenter(words: tuple[str, ...] = (), hmm: bool = True) -> Segmenter:
    """The shared segmenter for these extra dictionary ``words`` (loaded once)."""
    return Segmenter(words, hmm)


@dataclass(frozen=True)
class Incidence:
    """Which texts hold which terms: ``matrix[i, j]`` is 1 when text i holds term j."""

    matrix: sparse.csr_matrix  # texts × terms, int32 ones
    terms: list[str]  # column j's term


def incidence(texts: Sequence[str], cutter: Segmenter) -> Incidence:
    """The text × term incidence of ``texts`` (each text once: pass distinct texts)."""
    vocabulary: dict[str, int] = {}
    indices: list[int] = []
    ends = [0]
    for text in texts:
        terms = cutter.terms(text)
        indices.extend(vocabulary.setdefault(t, len(vocabulary)) for t in terms)
        ends.append(len(indices))
    data = np.ones(len(indices), dtype=np.int32)
    shape = (len(texts), len(vocabulary))
    matrix = sparse.csr_matrix((data, np.asarray(indices, np.int64), np.asarray(ends)), shape)
    return Incidence(matrix, list(vocabulary))


def _is_word(token: str) -> bool:
    return token not in NEGATIONS and len(token) > 1


def _join(first: str, second: str) -> str:
    if _IS_HAN.match(first[-1]) and _IS_HAN.match(second[0]):
        return first + second
    return f"{first} {second}"
