"""Satisfaction: NPS, CSAT and CES over time and by segment, with confidence intervals.

Definitions (docs/metrics.md): NPS on 0–10 answers, % promoters (9–10) − % detractors
(0–6), from −100 to 100; CSAT on 1–5 answers, % of 4 and 5 (top-2-box); CES on 1–7
answers, their mean. Only answers to surveys of that kind count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import ibis

from rapport.analytics.common import (
    BadParameter,
    Period,
    as_of_timestamp,
    start_timestamp,
    truncate,
    with_breakdown,
)
from rapport.analytics.source import Source
from rapport.analytics.stats import mean_interval, nps_interval, wilson

Metric = Literal["nps", "csat", "ces"]


@dataclass(frozen=True)
class SatisfactionParams:
    """Which score, over which answers, cut how."""

    metric: Metric = "nps"
    start: date | None = None  # answers from this day on
    end: date | None = None  # up to and including this day
    period: Period | None = None  # one row per period, or one for the whole span
    by: str | None = None  # a customer field (see common.BREAKDOWNS)
    confidence: float = 0.95


@dataclass(frozen=True)
class SatisfactionRow:
    """The score of one period and group, its interval and what it rests on."""

    period: date | None
    group: str
    responses: int
    score: float  # NPS −100…100, CSAT 0…100 (%), CES 1…7
    low: float
    high: float
    promoters: int | None = None  # NPS: answers 9–10
    passives: int | None = None  # NPS: answers 7–8
    detractors: int | None = None  # NPS: answers 0–6
    satisfied: int | None = None  # CSAT: answers 4–5


def satisfaction(source: Source, params: SatisfactionParams) -> list[SatisfactionRow]:
    """The ``params.metric`` score per period and group, oldest period first."""
    if params.metric not in ("nps", "csat", "ces"):
        raise BadParameter("metric", "choose nps, csat or ces")
    answers = source.table("survey_responses")
    surveys = source.table("surveys").filter(lambda s: s.kind == params.metric)
    answers = answers.semi_join(surveys.select(survey_id="id"), "survey_id")
    if params.start:
        answers = answers.filter(answers.responded_at >= start_timestamp(params.start))
    if params.end:
        answers = answers.filter(answers.responded_at < as_of_timestamp(params.end))
    answers = with_breakdown(source, answers, params.by)
    period = truncate(answers.responded_at, params.period) if params.period else ibis.null("date")
    answers = answers.mutate(period=period)
    score = answers.score
    counts = answers.group_by(["period", "group"]).aggregate(
        responses=answers.count(),
        high_box=(score >= (9 if params.metric == "nps" else 4)).sum(),
        low_box=(score <= 6).sum(),
        total=score.sum().cast("float64"),
        squares=(score * score).sum().cast("float64"),
    )
    rows = source.to_arrow(counts.order_by(["period", "group"])).to_pylist()
    return [_row(params, r) for r in rows]


def _row(params: SatisfactionParams, r: dict[str, object]) -> SatisfactionRow:
    n, high_box, low_box = int(r["responses"]), int(r["high_box"]), int(r["low_box"])  # type: ignore[call-overload]
    where: dict[str, object] = {"period": r["period"], "group": str(r["group"]), "responses": n}
    if params.metric == "nps":
        low, high = nps_interval(high_box, low_box, n, params.confidence)
        return SatisfactionRow(**where, score=100 * (high_box - low_box) / n, low=low,  # type: ignore[arg-type]
                               high=high, promoters=high_box, passives=n - high_box - low_box,
                               detractors=low_box)  # fmt: skip
    if params.metric == "csat":
        low, high = wilson(high_box, n, params.confidence)
        return SatisfactionRow(**where, score=100 * high_box / n, low=low, high=high,  # type: ignore[arg-type]
                               satisfied=high_box)  # fmt: skip
    total, squares = float(r["total"]), float(r["squares"])  # type: ignore[arg-type]
    low, high = mean_interval(total, squares, n, params.confidence)
    return SatisfactionRow(**where, score=total / n, low=low, high=high)  # type: ignore[arg-type]
