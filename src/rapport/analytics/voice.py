"""Voice of the customer: the words and phrases of survey comments and ticket texts, per
group (score band, survey kind, channel, a customer field …), with how distinctive each
is of its group, and the answers and tickets that use it.

Definitions (docs/metrics.md, "Voice of the customer"): a term's *count* in a group is
the number of the group's texts holding it (a text counts once however often it repeats
a term); its *share* is that count over the group's texts. Distinctiveness is the
log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi & Quinn (2008),
the group against all other groups (``log_odds``). Terms are cut by
``rapport.analytics.text``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Final, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from rapport.analytics.common import BadParameter
from rapport.analytics.source import Source
from rapport.analytics.text import Incidence, incidence, segmenter
from rapport.analytics.voice_texts import GROUPINGS, VoiceTexts, voice_texts

Texts = Literal["surveys", "tickets", "both"]
KINDS: Final = ("nps", "csat", "ces")


@dataclass(frozen=True)
class VoiceParams:
    """Which texts, grouped how, and how many terms to list."""

    since: date | None = None  # texts from this day on (answered, or ticket opened)
    until: date | None = None  # up to and including this day
    kinds: tuple[str, ...] = KINDS  # survey kinds whose answers' comments count
    texts: Texts = "surveys"  # survey comments, ticket subjects and descriptions, or both
    by: str = "score_band"  # see voice_texts.GROUPINGS, or a customer field (common.BREAKDOWNS)
    top: int = 20  # terms listed per group and list
    min_count: int = 3  # a term is listed for a group holding it in at least this many texts
    links: int = 20  # ids of answers (and of tickets) listed per term, most recent first
    prior: float = 1.0  # Dirichlet prior: this many times the pooled counts (see log_odds)
    words: tuple[str, ...] = ()  # words to add to jieba's dictionary (product names …)


@dataclass(frozen=True)
class Term:
    """A word or phrase of a group's texts, how often and how distinctively it is used."""

    term: str
    count: int  # the group's texts holding it
    share: float  # count / the group's texts
    other_count: int  # the other groups' texts holding it
    other_share: float  # other_count / the other groups' texts (0 with no other group)
    log_odds: float  # δ: log-odds ratio of the group against the others
    z: float  # δ / σ: above 0, used more in this group than in the others (ranks terms)
    response_ids: list[int]  # answers of the group holding it, most recent first (capped)
    ticket_ids: list[int]  # tickets of the group holding it, most recent first (capped)


@dataclass(frozen=True)
class ThemeGroup:
    """One group's texts and their terms: the most used, and the most distinctive."""

    group: str
    texts: int  # texts in the group (non-blank comments; tickets)
    top: list[Term]  # by count, most first
    distinctive: list[Term]  # terms with z > 0, highest z first


@dataclass(frozen=True)
class VoiceResult:
    """Themes per group, and what they rest on."""

    groups: list[ThemeGroup]
    texts: int  # texts read
    distinct_texts: int  # different texts among them (each is cut once)
    vocabulary: int  # different terms found
    params: dict[str, Any] = field(default_factory=dict)  # the VoiceParams, as JSON values

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready values."""
        return asdict(self)


def themes(source: Source, params: VoiceParams) -> VoiceResult:
    """The top and the most distinctive terms of each group's texts, groups by name."""
    _check(params)
    rows = voice_texts(source, params.texts, params.kinds, params.by, params.since, params.until)
    distinct = pc.dictionary_encode(rows.text)  # each different text is cut once
    found = incidence(distinct.dictionary.to_pylist(), segmenter(tuple(params.words)))
    text_of_row = np.asarray(distinct.indices, dtype=np.int64)
    names, group_of_row = np.unique(rows.group, return_inverse=True)
    counts = _Counts.of(found, text_of_row, group_of_row, len(names))
    picks = [_pick(counts, g, found.terms, params) for g in range(len(names))]
    chosen = np.unique(np.concatenate([np.zeros(0, np.int64), *(p.terms for p in picks)]))
    links = _Links(found.matrix, chosen, text_of_row, group_of_row, rows)
    groups = [
        ThemeGroup(str(names[g]), int(counts.texts[g]),
                   [_term(found.terms[w], p, w, g, links, params.links) for w in p.top],
                   [_term(found.terms[w], p, w, g, links, params.links) for w in p.distinctive])
        for g, p in enumerate(picks)
    ]  # fmt: skip
    return VoiceResult(groups, len(rows.text), len(distinct.dictionary), len(found.terms),
                       _plain(asdict(params)))  # fmt: skip


@dataclass(frozen=True)
class _Counts:
    """Texts per group and term, and the sums the scores need."""

    by_group: sparse.csr_matrix  # groups × terms: the group's texts holding the term
    texts: np.ndarray  # texts per group
    pooled: np.ndarray  # y: texts holding each term, all groups together
    size: np.ndarray  # n_i: term incidences per group
    order: np.ndarray  # each term's rank, longest first, then alphabetical (breaks ties)

    @classmethod
    def of(cls, found: Incidence, text_of_row: np.ndarray, group_of_row: np.ndarray,
           groups: int) -> _Counts:  # fmt: skip
        # groups × distinct texts (rows of each), times the distinct texts' incidence
        rows = sparse.csr_matrix(
            (np.ones(len(text_of_row), np.int64), (group_of_row, text_of_row)),
            shape=(groups, found.matrix.shape[0]),
        )
        by_group = (rows @ found.matrix).tocsr()
        by_group.sort_indices()  # a group's figures are found by bisection
        terms = pa.table({"length": pc.utf8_length(pa.array(found.terms, pa.string())),
                          "term": pa.array(found.terms, pa.string())})  # fmt: skip
        sort = np.asarray(pc.sort_indices(terms, sort_keys=[("length", "descending"),
                                                            ("term", "ascending")]))  # fmt: skip
        order = np.empty(len(sort), np.int64)
        order[sort] = np.arange(len(sort))
        return cls(by_group, np.bincount(group_of_row, minlength=groups),
                   np.asarray(by_group.sum(axis=0)).ravel(),
                   np.asarray(by_group.sum(axis=1)).ravel(), order)  # fmt: skip


@dataclass(frozen=True)
class _Pick:
    """One group's listed terms (term indices) and the figures of all it holds often enough."""

    top: np.ndarray
    distinctive: np.ndarray
    figures: dict[str, np.ndarray]  # by position in figures["term"] (sorted term indices)

    @property
    def terms(self) -> np.ndarray:
        return np.concatenate([self.top, self.distinctive])


def log_odds(
    count: np.ndarray, size: np.ndarray, pooled: np.ndarray, total: float, prior: float
) -> tuple[np.ndarray, np.ndarray]:
    """δ and z of terms in a group against the rest (Monroe, Colaresi & Quinn, "Fightin'
    words", Political Analysis 16(4), 2008, 372–403): ``count`` y_i, the group's texts holding each
    term; ``size`` n_i, the group's term incidences (its counts summed over all terms);
    ``pooled`` y, the counts over all groups; ``total`` n = Σ y. The informative Dirichlet
    prior takes the pooled texts as the background corpus (as Jurafsky & Martin's
    *Speech and Language Processing*, ch. "Lexicons for Sentiment, Affect, and
    Connotation", does with a background corpus), scaled by ``prior``: α_w = prior · y_w,
    α₀ = prior · n. The rest has y_j = y − y_i and n_j = n − n_i:

        δ = ln((y_i + α_w) / (n_i + α₀ − y_i − α_w)) − ln((y_j + α_w) / (n_j + α₀ − y_j − α_w))
        σ² = 1 / (y_i + α_w) + 1 / (y_j + α_w),   z = δ / σ

    Where a denominator is not positive (a vocabulary of one term) δ and z are NaN.
    """
    alpha, alpha0 = prior * pooled, prior * total
    rest, rest_size = pooled - count, total - size
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = np.log((count + alpha) / (size + alpha0 - count - alpha))
        outside = np.log((rest + alpha) / (rest_size + alpha0 - rest - alpha))
        delta = inside - outside
        z = delta / np.sqrt(1 / (count + alpha) + 1 / (rest + alpha))
    bad = (size + alpha0 - count - alpha <= 0) | (rest_size + alpha0 - rest - alpha <= 0)
    return np.where(bad, np.nan, delta), np.where(bad, np.nan, z)


def _pick(counts: _Counts, g: int, terms: list[str], params: VoiceParams) -> _Pick:
    """Group ``g``'s top and distinctive terms among those it holds ``min_count`` times."""
    start, end = counts.by_group.indptr[g], counts.by_group.indptr[g + 1]
    held = counts.by_group.indices[start:end].astype(np.int64)
    count = counts.by_group.data[start:end].astype(np.float64)
    held, count = held[count >= params.min_count], count[count >= params.min_count]
    pooled, total = counts.pooled[held], float(counts.size.sum())
    delta, z = log_odds(count, counts.size[g], pooled, total, params.prior)
    other_texts = int(counts.texts.sum() - counts.texts[g])
    others = pooled - count
    figures = {"term": held, "count": count, "others": others, "delta": delta, "z": z,
               "share": count / counts.texts[g],
               "other_share": others / other_texts if other_texts else 0 * count}  # fmt: skip
    z_or_least = np.nan_to_num(z, nan=-np.inf)
    # Ties go to the longer term: 扩展坞 says more than 扩展 found in the same texts.
    longest = counts.order[held]
    by_count = np.lexsort((longest, -z_or_least, -count))
    above = np.flatnonzero(z_or_least > 0)
    by_z = above[np.lexsort((longest[above], -count[above], -z_or_least[above]))]
    top = _first_unsubsumed(by_count, held, count, terms, params.top)
    distinctive = _first_unsubsumed(by_z, held, count, terms, params.top)
    return _Pick(held[top], held[distinctive], figures)


def _first_unsubsumed(ranked: np.ndarray, held: np.ndarray, count: np.ndarray,
                      terms: list[str], wanted: int) -> np.ndarray:  # fmt: skip
    """The first ``wanted`` of ``ranked`` (positions in ``held``), leaving out a term held
    by as many texts as a longer term listed before it that contains it: it is that
    phrase's part (工单 of 工单提交, "dock" of "dock broken"), and says nothing more."""
    kept: list[int] = []
    for at in ranked:
        term = terms[held[at]]
        if not any(count[k] == count[at] and _part_of(term, terms[held[k]]) for k in kept):
            kept.append(int(at))
            if len(kept) == wanted:
                break
    return np.asarray(kept, dtype=np.int64)


def _part_of(term: str, longer: str) -> bool:
    if " " in longer:
        return term in longer.split(" ")
    return term != longer and term in longer


class _Links:
    """The rows (most recent first) of each chosen term, to list their ids."""

    def __init__(self, matrix: sparse.csr_matrix, chosen: np.ndarray, text_of_row: np.ndarray,
                 group_of_row: np.ndarray, rows: VoiceTexts) -> None:  # fmt: skip
        self.column = {int(w): i for i, w in enumerate(chosen)}
        # rows × chosen terms; rows come most recent first, so row order is recency
        self.holding = matrix[:, chosen].tocsr()[text_of_row].tocsc()
        self.holding.sort_indices()
        self.group_of_row = group_of_row
        self.ids, self.is_ticket = rows.ids, rows.is_ticket

    def ids_of(self, w: int, g: int, cap: int) -> tuple[list[int], list[int]]:
        """Ids of group ``g``'s answers and tickets holding term ``w``, ``cap`` of each."""
        c = self.column[w]
        found = self.holding.indices[self.holding.indptr[c] : self.holding.indptr[c + 1]]
        found = found[self.group_of_row[found] == g]
        tickets = self.is_ticket[found]
        answers = self.ids[found[~tickets][:cap]]
        return answers.tolist(), self.ids[found[tickets][:cap]].tolist()


def _term(text: str, pick: _Pick, w: int, g: int, links: _Links, cap: int) -> Term:
    figures = pick.figures
    at = int(np.searchsorted(figures["term"], w))
    responses, tickets = links.ids_of(w, g, cap)
    return Term(
        term=text,
        count=int(figures["count"][at]),
        share=float(figures["share"][at]),
        other_count=int(figures["others"][at]),
        other_share=float(figures["other_share"][at]),
        log_odds=float(figures["delta"][at]),
        z=float(figures["z"][at]),
        response_ids=responses,
        ticket_ids=tickets,
    )


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` as JSON values: days as ISO text, tuples as lists."""
    return {k: v.isoformat() if isinstance(v, date) else list(v) if isinstance(v, tuple) else v
            for k, v in params.items()}  # fmt: skip


def _check(params: VoiceParams) -> None:
    if params.texts not in ("surveys", "tickets", "both"):
        raise BadParameter("texts", "choose surveys, tickets or both")
    if not params.kinds or any(k not in KINDS for k in params.kinds):
        raise BadParameter("kinds", f"choose one or more of {', '.join(KINDS)}")
    if params.since and params.until and params.since > params.until:
        raise BadParameter("until", "must not be before since")
    for name in ("top", "min_count"):
        if getattr(params, name) < 1:
            raise BadParameter(name, "must be at least 1")
    if params.links < 0:
        raise BadParameter("links", "must not be negative")
    if not params.prior > 0:
        raise BadParameter("prior", "must be positive")
    if params.by in ("category", "priority") and params.texts != "tickets":
        raise BadParameter("by", f"{params.by} is a ticket's: use texts='tickets'")
    if params.by not in GROUPINGS:
        raise BadParameter("by", f"choose one of {', '.join(GROUPINGS)} or a customer field")
