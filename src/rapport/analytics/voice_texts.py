"""The texts the voice of the customer reads (survey comments, ticket texts), each with its
group: its score band, survey kind, channel, category, priority, or a customer field.

Score bands (docs/metrics.md "Satisfaction"; CES is "the company made it easy", so high
is good): NPS 0–6 detractor, 7–8 passive, 9–10 promoter; CSAT 1–2 unsatisfied, 3
neutral, 4–5 satisfied; CES 1–3 low, 4 mid, 5–7 high. Sentiment folds them: detractor,
unsatisfied and low are negative; passive, neutral and mid neutral; promoter, satisfied
and high positive. A ticket has no score: its band is that of its customer's latest NPS
answer given at or before the ticket was opened ("(none)" without one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rapport.analytics.common import BREAKDOWNS, as_of_timestamp, start_timestamp, with_breakdown
from rapport.analytics.source import Source

NONE: Final = "(none)"  # the group of a text without the value grouped by
# By the text's own fields; "customer_channel" is the customer's acquisition channel.
OWN: Final = ("score_band", "sentiment", "survey_kind", "channel", "category", "priority")
CUSTOMER: Final = ("customer_channel", *(b for b in BREAKDOWNS if b != "channel"))
GROUPINGS: Final = (*OWN, *CUSTOMER)
SENTIMENT: Final = {
    "detractor": "negative", "unsatisfied": "negative", "low": "negative",
    "passive": "neutral", "neutral": "neutral", "mid": "neutral",
    "promoter": "positive", "satisfied": "positive", "high": "positive",
}  # fmt: skip


@dataclass(frozen=True)
class VoiceTexts:
    """Texts, most recent first (then highest id), each with its id and group."""

    ids: np.ndarray  # int64: the answer's or the ticket's id
    is_ticket: np.ndarray  # bool: the id is a ticket's (else an answer's)
    text: pa.Array  # string
    group: np.ndarray  # str (numpy's fixed-width text)


def score_band(kind: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Each answer's band (see the module's docstring) from its survey kind and score."""
    kind, score = np.asarray(kind, dtype=str), np.asarray(score)
    nps, csat, ces = kind == "nps", kind == "csat", kind == "ces"
    conditions = [nps & (score <= 6), nps & (score <= 8), nps,
                  csat & (score <= 2), csat & (score == 3), csat,
                  ces & (score <= 3), ces & (score == 4), ces]  # fmt: skip
    names = ["detractor", "passive", "promoter", "unsatisfied", "neutral", "satisfied",
             "low", "mid", "high"]  # fmt: skip
    return np.select(conditions, names, default=NONE)


def survey_query(source: Source, kinds: tuple[str, ...], by: str, since: date | None,
                 until: date | None) -> Any:  # fmt: skip
    """Answers of surveys of ``kinds`` with a non-blank comment in the dates, as (id,
    customer_id, text, at) and what grouping ``by`` needs (kind, score, channel or a
    customer field as ``group``)."""
    answers = source.table("survey_responses")
    surveys = source.table("surveys")
    surveys = surveys.filter(surveys.kind.isin(list(kinds))).select(survey_id="id", kind="kind")
    answers = answers.inner_join(surveys, "survey_id")
    answers = answers.filter(answers.comment.notnull() & (answers.comment.strip().length() > 0))
    answers = _within(answers, answers.responded_at, since, until)
    needs = {"score_band": ["kind", "score"], "sentiment": ["kind", "score"],
             "survey_kind": ["kind"], "channel": ["channel"]}.get(by, [])  # fmt: skip
    answers = answers.select("id", "customer_id", *needs, text="comment", at="responded_at")
    return _with_field(source, answers, by)


def ticket_query(source: Source, by: str, since: date | None, until: date | None) -> Any:
    """Tickets opened in the dates, as (id, customer_id, subject, description, at) and what
    grouping ``by`` needs (category, priority, channel or a customer field as ``group``)."""
    tickets = source.table("tickets")
    tickets = _within(tickets, tickets.opened_at, since, until)
    needs = [by] if by in ("category", "priority", "channel") else []
    tickets = tickets.select("id", "customer_id", "subject", "description", *needs,
                             at="opened_at")  # fmt: skip
    return _with_field(source, tickets, by)


def nps_query(source: Source) -> Any:
    """Every NPS answer as (customer_id, at, score): for tickets' bands."""
    answers = source.table("survey_responses")
    surveys = source.table("surveys").filter(lambda s: s.kind == "nps").select(survey_id="id")
    answers = answers.semi_join(surveys, "survey_id")
    return answers.select("customer_id", "score", at="responded_at")


def voice_texts(source: Source, texts: str, kinds: tuple[str, ...], by: str,
                since: date | None, until: date | None) -> VoiceTexts:  # fmt: skip
    """The texts asked for, grouped ``by``, most recent first."""
    parts = []
    if texts in ("surveys", "both"):
        answers = source.to_arrow(survey_query(source, kinds, by, since, until))
        parts.append((answers, answers["text"], _survey_groups(answers, by), False))
    if texts in ("tickets", "both"):
        tickets = source.to_arrow(ticket_query(source, by, since, until))
        text = pc.binary_join_element_wise(
            tickets["subject"].cast(pa.string()),
            pc.fill_null(tickets["description"].cast(pa.string()), ""), "\n")  # fmt: skip
        nps = source.to_arrow(nps_query(source)) if by in ("score_band", "sentiment") else None
        parts.append((tickets, text, _ticket_groups(tickets, by, nps), True))
    ids = np.concatenate([np.asarray(t["id"], np.int64) for t, *_ in parts])
    at = np.concatenate([_micros(t["at"]) for t, *_ in parts])
    order = np.lexsort((-ids, -at))
    chunks = [c for _, text, *_ in parts for c in pa.chunked_array(text).cast(pa.string()).chunks]
    return VoiceTexts(
        ids=ids[order],
        is_ticket=np.concatenate([np.full(len(t), ticket) for t, _, _, ticket in parts])[order],
        text=pa.concat_arrays(chunks or [pa.array([], pa.string())]).take(pa.array(order)),
        group=np.concatenate([groups for _, _, groups, _ in parts])[order],
    )


def _survey_groups(answers: pa.Table, by: str) -> np.ndarray:
    if by in CUSTOMER:
        return _labels(answers["group"])
    if by in ("score_band", "sentiment"):
        bands = score_band(_labels(answers["kind"]), np.asarray(answers["score"], np.int64))
        return bands if by == "score_band" else _sentiment(bands)
    return _labels(answers["kind" if by == "survey_kind" else "channel"])


def _ticket_groups(tickets: pa.Table, by: str, nps: pa.Table | None) -> np.ndarray:
    if by in CUSTOMER:
        return _labels(tickets["group"])
    if by == "survey_kind":
        return np.full(len(tickets), "ticket")
    if nps is not None:
        scores = _latest_before(
            np.asarray(nps["customer_id"], np.int64), _micros(nps["at"]),
            np.asarray(nps["score"], np.int64), np.asarray(tickets["customer_id"], np.int64),
            _micros(tickets["at"]))  # fmt: skip
        kinds = np.where(scores >= 0, "nps", "")
        bands = score_band(kinds, scores)
        return bands if by == "score_band" else _sentiment(bands)
    return _labels(tickets[by])


def _latest_before(customer: np.ndarray, at: np.ndarray, score: np.ndarray,
                   asking: np.ndarray, asked_at: np.ndarray) -> np.ndarray:  # fmt: skip
    """For each (``asking``, ``asked_at``), the ``score`` of that customer's latest answer
    at or before then, −1 with none: answers and questions sorted together by customer
    and time (answers first on ties), each question takes the last answer before it if
    that answer is the same customer's."""
    keys = np.concatenate([customer, asking])
    is_question = np.concatenate([np.zeros(len(customer), bool), np.ones(len(asking), bool)])
    scores = np.concatenate([score, np.full(len(asking), -1, np.int64)])
    order = np.lexsort((is_question, np.concatenate([at, asked_at]), keys))
    place = np.where(is_question[order], -1, np.arange(len(order)))
    last = np.maximum.accumulate(place) if len(place) else place
    same = (last >= 0) & (keys[order][np.maximum(last, 0)] == keys[order])
    found = np.empty(len(order), np.int64)
    found[order] = np.where(same, scores[order[np.maximum(last, 0)]], -1)
    return found[len(customer) :]


def _sentiment(bands: np.ndarray) -> np.ndarray:
    names, index = np.unique(bands, return_inverse=True)
    return np.array([SENTIMENT.get(str(b), NONE) for b in names], dtype=str)[index]


def _labels(values: Any) -> np.ndarray:
    """A column's values as text, ``NONE`` where missing."""
    text = pc.fill_null(pa.chunked_array(values).cast(pa.string()), NONE)
    return np.asarray(text.to_numpy(zero_copy_only=False), dtype=str)


def _micros(values: Any) -> np.ndarray:
    return np.asarray(pa.chunked_array(values).cast(pa.timestamp("us")).cast(pa.int64()))


def _within(table: Any, at: Any, since: date | None, until: date | None) -> Any:
    if since:
        table = table.filter(at >= start_timestamp(since))
    if until:
        table = table.filter(at < as_of_timestamp(until))
    return table


def _with_field(source: Source, table: Any, by: str) -> Any:
    """``table`` with the customer's field ``by`` as ``group``, when ``by`` is one."""
    if by not in CUSTOMER:
        return table
    return with_breakdown(source, table, "channel" if by == "customer_channel" else by)
