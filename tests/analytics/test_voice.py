"""Voice of the customer (docs/metrics.md): terms of survey comments and ticket texts per
group, worked out by hand on a few comments read from SQLite, PostgreSQL, CSV and
Parquet; a planted theme found in a generated corpus; the demo's unhappy themes."""

from __future__ import annotations

import json
import math
import random
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rapport.analytics.common import BadParameter
from rapport.analytics.source import Source
from rapport.analytics.text import segmenter
from rapport.analytics.voice import Term, ThemeGroup, VoiceParams, log_odds, themes
from rapport.analytics.voice_texts import score_band
from tests.analytics.conftest import (
    answer_row,
    customer_row,
    source_fixture,
    survey_rows,
    tables_source,
    ticket_row,
)

JANUARY = VoiceParams(since=date(2026, 1, 1), min_count=1)

# (id, survey 1 NPS / 2 CSAT / 3 CES, customer, score, day, comment, channel)
ANSWERS = [
    (1, 1, 1, 2, "2026-01-10", "Delivery was late, very late.", "sms"),  # detractor
    (2, 1, 2, 3, "2026-01-20", "物流太慢了", "wechat"),  # detractor
    (3, 1, 3, 10, "2026-01-12", "Fast delivery, great support", "wechat"),  # promoter
    (4, 1, 4, 9, "2026-01-14", "物流很快", None),  # promoter
    (5, 1, 4, 8, "2026-01-15", None, "sms"),  # no comment: no text
    (6, 1, 3, 7, "2026-01-16", "  ", "sms"),  # blank: no text
    (7, 2, 1, 1, "2026-01-11", "Late delivery", "email"),  # CSAT unsatisfied
    (8, 3, 2, 6, "2026-01-21", "Easy", "email"),  # CES high
    (9, 1, 3, 0, "2025-12-01", "Old comment: late again", "sms"),  # detractor, December
]
# (id, customer, opened, subject, description, category, priority)
TICKETS = [
    (1, 1, "2026-01-15", "Dock broken", "The docking station broke.", "quality", "high"),
    (2, 2, "2026-01-05", "物流信息不更新", None, "delivery", "normal"),
    (3, 3, "2026-01-13", "Invoice problem", "Charged twice", "billing", "low"),
    (4, 3, "2025-12-01", "Dock broken", "扩展坞坏了", "quality", "high"),
]


def _tables() -> dict[str, list[dict[str, Any]]]:
    channels = {1: "wechat", 2: "wechat", 3: "email", 4: "email"}
    answers = [answer_row(survey, cid, score, day, id=rid, comment=comment, channel=channel)
               for rid, survey, cid, score, day, comment, channel in ANSWERS]  # fmt: skip
    tickets = [ticket_row(tid, cid, day, subject=subject, description=text, category=category,
                          priority=priority)
               for tid, cid, day, subject, text, category, priority in TICKETS]  # fmt: skip
    return {"customers": [customer_row(c, ch) for c, ch in channels.items()],
            "surveys": survey_rows(), "tickets": tickets, "survey_responses": answers}  # fmt: skip


source = source_fixture(_tables)


def _group(groups: list[ThemeGroup], name: str) -> ThemeGroup:
    (found,) = [g for g in groups if g.group == name]
    return found


def _term(terms: list[Term], name: str) -> Term:
    (found,) = [t for t in terms if t.term == name]
    return found


def test_counts_shares_and_scores_by_hand(source: Source) -> None:
    """January's six texts (answers 5 and 6 have none, 9 is December's) and their terms:
    1 detractor: delivery, late ("was", "very" end phrases; late once);
    2 detractor: 物流, 太慢, 物流太慢;  3 promoter: fast, delivery, great, support,
    fast delivery, great support;  4 promoter: 物流, 很快, 物流很快;
    7 unsatisfied: late, delivery, late delivery;  8 high: easy.
    Fourteen terms; incidences n_i: detractor 5, promoter 9, unsatisfied 3, high 1; n = 18.
    The prior is the pooled counts: α_w = y_w, α₀ = n = 18.

    "late" of the detractors: y_i = 1, y = 2 (answers 1, 7), α = 2; the rest y_j = 1,
    n_j = 13: δ = ln(3 / (5 + 18 − 1 − 2)) − ln(3 / (13 + 18 − 1 − 2)) = ln(28/20) =
    0.336472, σ² = 1/3 + 1/3, z = 0.336472 / 0.816497 = 0.412093. "物流" is held by
    as many detractors' texts as 物流太慢, which contains it: it is left out.
    "delivery" of the detractors: y_i = 1, y = 3 (answers 1, 3, 7), α = 3, y_j = 2:
    δ = ln(4 / (5 + 18 − 1 − 3)) − ln(5 / (13 + 18 − 2 − 3)) = ln(104/95) = 0.090514,
    σ² = 1/4 + 1/5, z = 0.134930. The promoters' "delivery" is part of "fast delivery"
    (the same text): left out.
    """
    result = themes(source, JANUARY)
    assert (result.texts, result.distinct_texts, result.vocabulary) == (6, 6, 14)
    assert [(g.group, g.texts) for g in result.groups] == [
        ("detractor", 2), ("high", 1), ("promoter", 2), ("unsatisfied", 1)]  # fmt: skip
    detractors = _group(result.groups, "detractor")
    assert sorted(t.term for t in detractors.top) == sorted(["delivery", "late", "物流太慢"])
    late = _term(detractors.top, "late")
    assert (late.count, late.share, late.other_count, late.other_share) == (1, 0.5, 1, 0.25)
    assert late.log_odds == pytest.approx(math.log(1.4), abs=1e-9)
    assert late.z == pytest.approx(0.412093, abs=1e-6)
    assert (late.response_ids, late.ticket_ids) == ([1], [])
    delivery = _term(detractors.top, "delivery")
    assert (delivery.count, delivery.other_count, delivery.other_share) == (1, 2, 0.5)
    assert delivery.log_odds == pytest.approx(math.log(104 / 95), abs=1e-9)
    assert delivery.z == pytest.approx(0.134930, abs=1e-6)
    assert [t.term for t in detractors.distinctive] == ["物流太慢", "late", "delivery"]
    promoters = _group(result.groups, "promoter")
    assert "delivery" not in [t.term for t in promoters.top + promoters.distinctive]
    assert all(t.z > 0 for g in result.groups for t in g.distinctive)


def test_dates_and_links_most_recent_first(source: Source) -> None:
    """Without dates December's answer 9 (a detractor's "late") counts too: the detractors'
    "late" is in answers 1 (January 10) and 9 (December 1), most recent first; a cap of one
    link keeps answer 1, the count stays 2."""
    groups = themes(source, VoiceParams(min_count=1)).groups
    late = _term(_group(groups, "detractor").top, "late")
    assert (late.count, late.response_ids) == (2, [1, 9])
    capped = themes(source, VoiceParams(min_count=1, links=1)).groups
    assert _term(_group(capped, "detractor").top, "late").response_ids == [1]
    only_december = themes(source, VoiceParams(until=date(2025, 12, 31), min_count=1))
    assert [(g.group, g.texts) for g in only_december.groups] == [("detractor", 1)]
    nothing = themes(source, VoiceParams(since=date(2027, 1, 1)))
    assert (nothing.groups, nothing.texts, nothing.vocabulary) == ([], 0, 0)
    plain = json.loads(json.dumps(only_december.to_dict()))
    assert plain["params"]["until"] == "2025-12-31"
    assert plain["groups"][0]["top"][0]["response_ids"] == [9]


def test_other_groupings(source: Source) -> None:
    """January's texts by the answer's channel (answer 4 has none), by survey kind, by
    sentiment (detractor and unsatisfied are negative) and by the customer's acquisition
    channel (customers 1, 2 wechat: answers 1, 2, 7, 8)."""

    def sizes(by: str, **more: Any) -> list[tuple[str, int]]:
        result = themes(source, VoiceParams(since=date(2026, 1, 1), min_count=1, by=by, **more))
        return [(g.group, g.texts) for g in result.groups]

    assert sizes("channel") == [("(none)", 1), ("email", 2), ("sms", 1), ("wechat", 2)]
    assert sizes("survey_kind") == [("ces", 1), ("csat", 1), ("nps", 4)]
    assert sizes("sentiment") == [("negative", 3), ("positive", 3)]
    assert sizes("customer_channel") == [("email", 2), ("wechat", 4)]
    assert sizes("survey_kind", kinds=("csat", "ces")) == [("ces", 1), ("csat", 1)]
    negative = themes(source, VoiceParams(since=date(2026, 1, 1), min_count=2, by="sentiment"))
    (late,) = [t for t in _group(negative.groups, "negative").top if t.term == "late"]
    assert (late.count, late.response_ids) == (2, [7, 1])


def test_tickets_by_the_customers_latest_nps(source: Source) -> None:
    """A ticket's band is its customer's latest NPS answer at or before its opening:
    ticket 1 (customer 1, Jan 15): answer 1 (2) → detractor; ticket 2 (customer 2, Jan 5):
    answer 2 comes later → (none); ticket 3 (customer 3, Jan 13): answer 3 (10, Jan 12)
    → promoter; ticket 4 (customer 3, Dec 1 12:00): answer 9 at the same moment (0) →
    detractor. Text: subject and description. "dock broken" is in tickets 1 and 4."""
    result = themes(source, VoiceParams(texts="tickets", min_count=1))
    assert [(g.group, g.texts) for g in result.groups] == [
        ("(none)", 1), ("detractor", 2), ("promoter", 1)]  # fmt: skip
    dock = _term(_group(result.groups, "detractor").top, "dock broken")
    assert (dock.count, dock.ticket_ids, dock.response_ids) == (2, [1, 4], [])
    both = themes(source, VoiceParams(texts="both", min_count=1))
    detractors = _group(both.groups, "detractor")
    assert detractors.texts == 5  # answers 1, 2, 9 and tickets 1, 4
    late = _term(detractors.top, "late")
    assert (late.response_ids, late.ticket_ids) == ([1, 9], [])
    assert _term(detractors.top, "dock broken").ticket_ids == [1, 4]


def test_tickets_by_category(source: Source) -> None:
    """Quality: tickets 1 and 4 ("Dock broken" both); "dock broken" is listed, not its
    parts held by as many texts; then "docking station" and the rest (one text each)."""
    result = themes(source, VoiceParams(texts="tickets", by="category", min_count=1))
    assert [(g.group, g.texts) for g in result.groups] == [
        ("billing", 1), ("delivery", 1), ("quality", 2)]  # fmt: skip
    quality = _group(result.groups, "quality")
    assert [(t.term, t.count) for t in quality.top[:2]] == [
        ("dock broken", 2), ("docking station", 1)]  # fmt: skip
    assert _term(_group(result.groups, "delivery").top, "物流信息").ticket_ids == [2]


def test_bad_parameters(source: Source) -> None:
    for params, field in [
        (VoiceParams(texts="emails"), "texts"),  # type: ignore[arg-type]
        (VoiceParams(kinds=()), "kinds"),
        (VoiceParams(kinds=("custom",)), "kinds"),
        (VoiceParams(by="colour"), "by"),
        (VoiceParams(by="category"), "by"),  # a ticket's field, asked of answers
        (VoiceParams(top=0), "top"),
        (VoiceParams(min_count=0), "min_count"),
        (VoiceParams(links=-1), "links"),
        (VoiceParams(prior=0), "prior"),
        (VoiceParams(since=date(2026, 2, 1), until=date(2026, 1, 1)), "until"),
    ]:
        with pytest.raises(BadParameter) as raised:
            themes(source, params)
        assert raised.value.field == field


def test_score_bands() -> None:
    """docs/metrics.md: NPS 0–6 / 7–8 / 9–10, CSAT 1–2 / 3 / 4–5, CES 1–3 / 4 / 5–7."""
    kinds = ["nps"] * 11 + ["csat"] * 5 + ["ces"] * 7
    scores = [*range(11), *range(1, 6), *range(1, 8)]
    assert score_band(np.array(kinds), np.array(scores)).tolist() == (
        ["detractor"] * 7 + ["passive"] * 2 + ["promoter"] * 2
        + ["unsatisfied"] * 2 + ["neutral"] + ["satisfied"] * 2
        + ["low"] * 3 + ["mid"] + ["high"] * 3
    )  # fmt: skip


def test_log_odds_formula_by_hand() -> None:
    """y_i = 10 of n_i = 100, y = 12 of n = 300, prior 0.1 → α = 1.2, α₀ = 30; y_j = 2,
    n_j = 200: δ = ln(11.2 / 118.8) − ln(3.2 / 226.8) = 1.8994, σ² = 1/11.2 + 1/3.2."""
    delta, z = log_odds(np.array([10.0]), np.array(100.0), np.array([12.0]), 300.0, 0.1)
    expected = math.log(11.2 / 118.8) - math.log(3.2 / 226.8)
    assert delta[0] == pytest.approx(expected, abs=1e-12) and expected == pytest.approx(
        1.8994, abs=1e-4
    )
    assert z[0] == pytest.approx(expected / math.sqrt(1 / 11.2 + 1 / 3.2), abs=1e-12)
    # The rest against the group: the same δ and z, negated.
    back, z_back = log_odds(np.array([2.0]), np.array(200.0), np.array([12.0]), 300.0, 0.1)
    assert (back[0], z_back[0]) == pytest.approx((-delta[0], -z[0]), abs=1e-12)
    one, _ = log_odds(np.array([5.0]), np.array(5.0), np.array([5.0]), 5.0, 1.0)
    assert math.isnan(one[0])  # a vocabulary of one term has no odds


# -- a planted theme -----------------------------------------------------------------------

FILLER = ["订单已收到", "想扩展内存", "用在办公室", "Ordered the blue model", "包装正常",
          "Used it at the office", "The charging station works", "还在使用中"]  # fmt: skip
DOCK = ["扩展坞坏了", "扩展坞发热", "扩展坞断连"]  # detractors' theme, 30 %
FAST = ["发货很快", "发货及时", "发货速度快"]  # promoters' theme, 30 %
DOCKING = ["the docking station broke", "my docking station died"]  # detractors', 15 %


def _planted(seed: int = 5) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[int]]]:
    """400 detractors (NPS 0–6), 200 passives, 400 promoters, one answer each, on days of
    2026; ids of the answers carrying each planted theme."""
    rng = random.Random(seed)
    rows, planted = [], {"dock": [], "fast": [], "docking": []}
    for rid in range(1, 1001):
        band = "detractor" if rid <= 400 else "passive" if rid <= 600 else "promoter"
        score = {"detractor": rng.randint(0, 6), "passive": rng.randint(7, 8),
                 "promoter": rng.randint(9, 10)}[band]  # fmt: skip
        parts = [rng.choice(FILLER)]
        if band == "detractor" and rng.random() < 0.30:
            parts.append(rng.choice(DOCK))
            planted["dock"].append(rid)
        if band == "detractor" and rng.random() < 0.15:
            parts.append(rng.choice(DOCKING))
            planted["docking"].append(rid)
        if band == "promoter" and rng.random() < 0.30:
            parts.append(rng.choice(FAST))
            planted["fast"].append(rid)
        rng.shuffle(parts)
        day = date(2026, 1, 1).toordinal() + rng.randrange(300)
        rows.append(answer_row(1, rid, score, date.fromordinal(day).isoformat(), id=rid,
                               comment="，".join(parts), channel="web"))  # fmt: skip
    tables = {"customers": [customer_row(c, "web") for c in range(1, 1001)],
              "surveys": survey_rows(), "survey_responses": rows}  # fmt: skip
    return tables, planted


def test_a_planted_theme_tops_the_detractors(tmp_path: Path) -> None:
    """扩展坞 is in 30 % of the detractors' comments and in no other: it is the
    detractors' most distinctive term, counted exactly, linked to the 20 most recent of
    those answers; "docking station" (15 %) is among their top five. The promoters' own
    theme word (发货) tops theirs, and 扩展坞 is nowhere in their lists.

    jieba's dictionary lacks 扩展坞 and cuts 扩展/坞: found as a phrase, it still tops
    the list above 扩展 (also in the filler 想扩展内存 of every group); with the name
    added to the dictionary it is one word, and 扩展 alone drops out of the list."""
    tables, planted = _planted()
    with tables_source("parquet", tables, tmp_path) as parquet:
        result = themes(parquet, VoiceParams(kinds=("nps",), words=("扩展坞",)))
        plain = themes(parquet, VoiceParams(kinds=("nps",)))
    phrased = [t.term for t in _group(plain.groups, "detractor").distinctive]
    assert phrased[0] == "扩展坞" and phrased.index("扩展") > 0
    detractors = _group(result.groups, "detractor")
    dock = detractors.distinctive[0]
    assert dock.term == "扩展坞"
    assert dock.count == len(planted["dock"]) and dock.other_count == 0
    assert dock.share == pytest.approx(len(planted["dock"]) / 400)
    assert 0.25 < dock.share < 0.35
    days = {r["id"]: r["responded_at"] for r in tables["survey_responses"]}
    recent = sorted(planted["dock"], key=lambda rid: (days[rid], rid), reverse=True)[:20]
    assert dock.response_ids == recent
    assert "docking station" in [t.term for t in detractors.distinctive[:5]]
    assert "扩展" not in [t.term for t in detractors.distinctive]
    promoters = _group(result.groups, "promoter")
    assert promoters.distinctive[0].term == "发货"
    assert promoters.distinctive[0].count == len(planted["fast"])
    assert "扩展坞" not in [t.term for t in promoters.top + promoters.distinctive]


# -- the demo ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from rapport import migrate
    from rapport.db import make_engine
    from rapport.demo import service as demo_service
    from rapport.demo.params import DemoParams

    folder = tmp_path_factory.mktemp("voice-demo")
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    migrate.upgrade(engine)
    params = DemoParams(customers=3000, seed=11, end=date(2026, 11, 1))
    demo_service.load(engine=engine, params=params, truth_dir=folder)
    yield Source.from_database(engine)
    engine.dispose()


def _terms_of(texts: Any) -> set[str]:
    cutter = segmenter()
    return {term for pair in texts for sentences in pair for text in sentences
            for term in cutter.terms(text)}  # fmt: skip


@pytest.mark.slow
def test_demo_unhappy_themes(demo: Source) -> None:
    """The demo writes unhappy comments (late delivery, defect, slow support, high price,
    billing: rapport/demo/texts.py) on unhappy answers only: the negative answers' ten
    most distinctive terms are terms of unhappy sentences and of no happy one, and the
    positive answers' of happy ones. Each ticket category's most distinctive term is
    one of its own texts'."""
    from rapport.demo.texts import HAPPY_COMMENTS, TICKETS, UNHAPPY_COMMENTS

    unhappy, happy = _terms_of(UNHAPPY_COMMENTS.values()), _terms_of(HAPPY_COMMENTS.values())
    groups = themes(demo, VoiceParams(by="sentiment")).groups
    negative = [t.term for t in _group(groups, "negative").distinctive[:10]]
    assert len(negative) == 10 and all(t in unhappy - happy for t in negative), negative
    positive = [t.term for t in _group(groups, "positive").distinctive[:10]]
    assert len(positive) == 10 and all(t in happy - unhappy for t in positive), positive
    detractors = _group(themes(demo, VoiceParams(kinds=("nps",))).groups, "detractor")
    assert all(t.term in unhappy for t in detractors.distinctive[:5])
    tickets = themes(demo, VoiceParams(texts="tickets", by="category")).groups
    for category, (chinese, english) in TICKETS.items():
        own = _terms_of([(tuple(f"{s}\n{d}" for s, d in chinese + english),)])
        assert _group(tickets, category).distinctive[0].term in own, category
