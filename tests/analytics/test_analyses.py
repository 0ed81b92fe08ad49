"""The analyses on fixtures small enough to compute by hand (docs/metrics.md), read from
SQLite, PostgreSQL and a folder of CSV files alike."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rapport.analytics.common import BadParameter
from rapport.analytics.retention import ChurnParams, churn, cohorts
from rapport.analytics.rfm import SEGMENTS, RfmParams, quintile, rfm, segment_of
from rapport.analytics.satisfaction import SatisfactionParams, satisfaction
from rapport.analytics.source import Source
from tests.analytics.conftest import (
    NOW,
    answer_row,
    at,
    customer_row,
    order_row,
    source_fixture,
    survey_rows,
    write_folder,
)

# RFM at 2026-06-30: customers 1–5 (worked out in docs/metrics.md's terms below).
RFM_ORDERS = [
    (1, "2026-06-29", 100), (1, "2026-06-01", 100), (1, "2026-05-01", 100),
    (2, "2026-06-20", 1000),
    (3, "2026-01-01", 50), (3, "2026-02-01", 50),
    (4, "2025-06-30", 10),
    (5, "2026-06-10", 200), (5, "2026-06-15", 200), (5, "2026-06-20", 200), (5, "2026-06-25", 200),
]  # fmt: skip
# Churn with 30 inactive days, January to March 2026: customers 11–16.
CHURN_ORDERS = [
    (11, "2025-12-20"), (12, "2025-12-25"), (12, "2026-01-10"), (13, "2026-01-15"),
    (14, "2025-11-01"), (15, "2025-12-15"), (15, "2026-01-12"), (15, "2026-02-05"),
    (15, "2026-03-01"), (16, "2026-03-20"),
]  # fmt: skip
NPS = [(21, 10), (21, 9), (22, 8), (22, 7), (21, 6), (22, 0), (22, 10), (21, 3)]
CSAT = [(21, 5), (21, 4), (22, 3), (22, 1)]
CES = [(21, 2), (21, 4), (22, 6)]


def _tables() -> dict[str, list[dict[str, Any]]]:
    customers = [customer_row(c, "wechat" if c % 2 else "email") for c in (1, 2, 3, 4, 5)]
    customers += [customer_row(c, "direct") for c in range(11, 17)]
    customers += [customer_row(21, "wechat"), customer_row(22, "email")]
    # Contracts: 31 ends 10 Feb, 32 at the end of the year, 33 on 31 January; 34 has none.
    ends = {31: "2026-02-10", 32: "2026-12-31", 33: "2026-01-31"}
    customers += [customer_row(c, "contract", created_at=at("2025-12-01"),
                               custom_fields={"contract_end": ends[c]} if c in ends else {})
                  for c in (31, 32, 33, 34)]  # fmt: skip
    orders = [order_row(i, c, d, t) for i, (c, d, t) in enumerate(RFM_ORDERS, 1)]
    # in euros, so that they stay out of the RFM in yuan
    orders += [
        order_row(100 + i, c, d, 500, currency="EUR") for i, (c, d) in enumerate(CHURN_ORDERS)
    ]
    orders += [
        order_row(200, 4, "2026-03-01", 999, status="refunded"),  # not a purchase
        order_row(201, 2, "2026-07-02", 999),  # after as_of
        order_row(202, 3, "2026-06-29", 999, currency="USD"),  # another currency
        order_row(203, 14, "2026-01-05", 999, status="cancelled"),
    ]
    surveys = survey_rows()
    answers = [
        answer_row(survey, cid, score, "2026-01-15" if i % 2 == 0 else "2026-02-15")
        for survey, scores in ((1, NPS), (2, CSAT), (3, CES))
        for i, (cid, score) in enumerate(scores)
    ]
    # in the recycle bin: never counted
    answers.append(answer_row(1, 21, 0, "2026-01-20", deleted_at=NOW))
    return {"customers": customers, "orders": orders, "surveys": surveys,
            "survey_responses": answers}  # fmt: skip


source = source_fixture(_tables)


def test_nps_counts_promoters_and_detractors(source: Source) -> None:
    (row,) = satisfaction(source, SatisfactionParams(metric="nps"))
    assert (row.responses, row.promoters, row.passives, row.detractors) == (8, 3, 2, 3)
    assert row.score == 0
    # p = d = 3/8: variance 3/4, half-width 1.959964 × √(0.75 / 8) × 100 = 60.01
    assert (round(row.low, 2), round(row.high, 2)) == (-60.01, 60.01)


def test_nps_by_month_and_channel(source: Source) -> None:
    rows = satisfaction(source, SatisfactionParams(metric="nps", period="month", by="channel"))
    got = {(r.period, r.group): (r.responses, r.score) for r in rows}
    # January: 10 (wechat), 8 (email), 6 (wechat), 10 (email); February: 9, 7, 0, 3
    assert got == {
        (date(2026, 1, 1), "email"): (2, 50.0), (date(2026, 1, 1), "wechat"): (2, 0.0),
        (date(2026, 2, 1), "email"): (2, -50.0), (date(2026, 2, 1), "wechat"): (2, 0.0),
    }  # fmt: skip


def test_csat_is_the_top_two_box_with_a_wilson_interval(source: Source) -> None:
    (row,) = satisfaction(source, SatisfactionParams(metric="csat"))
    assert (row.responses, row.satisfied, row.score) == (4, 2, 50.0)
    assert (round(row.low, 2), round(row.high, 2)) == (15.00, 85.00)


def test_ces_is_the_mean_with_a_t_interval(source: Source) -> None:
    (row,) = satisfaction(source, SatisfactionParams(metric="ces"))
    assert (row.responses, row.score) == (3, 4.0)
    # s = 2, t(2, 0.975) = 4.302653: 4 ± 4.302653 × 2 / √3 = 4 ± 4.968
    assert (round(row.low, 3), round(row.high, 3)) == (-0.968, 8.968)


def test_answers_outside_the_dates_are_left_out(source: Source) -> None:
    (row,) = satisfaction(source, SatisfactionParams(metric="nps", start=date(2026, 2, 1),
                                                     end=date(2026, 2, 15)))  # fmt: skip
    assert (row.responses, row.score) == (4, -25.0)  # 9, 7, 0, 3: one promoter, two detractors


def test_rfm_scores_and_segments(source: Source) -> None:
    rows = {r.customer_id: r for r in rfm(source, RfmParams(as_of=date(2026, 6, 30)))}
    assert set(rows) == {1, 2, 3, 4, 5}
    got = {c: (r.recency_days, r.frequency, r.monetary_minor, r.r, r.f, r.m, r.segment)
           for c, r in rows.items()}  # fmt: skip
    assert got == {
        1: (1, 3, 300, 5, 4, 3, "champions"),
        2: (10, 1, 1000, 3, 1, 5, "loyal"),
        3: (149, 2, 100, 2, 3, 2, "at_risk"),
        4: (365, 1, 10, 1, 1, 1, "lost"),
        5: (5, 4, 800, 4, 5, 4, "champions"),
    }


def test_quintiles_give_ties_the_same_score() -> None:
    """Ranks (lowest of a tie, 1-based) 5, 1, 1, 4, 9, 9, 3, 8, 7, 6 of ten values:
    1 + ⌊5 (rank − 1) / 10⌋."""
    import ibis

    values = ibis.memtable({"i": list(range(10)),
                            "v": [5.0, 1.0, 1.0, 3.0, 9.0, 9.0, 2.0, 8.0, 7.0, 6.0]})  # fmt: skip
    scored = values.select("i", q=quintile(values.v), d=quintile(values.v, descending=True))
    rows = ibis.duckdb.connect().to_pyarrow(scored.order_by("i")).to_pylist()
    assert [r["q"] for r in rows] == [3, 1, 1, 2, 5, 5, 2, 4, 4, 3]
    # descending: ranks 5, 9, 9, 7, 1, 1, 8, 3, 4, 6
    assert [r["d"] for r in rows] == [3, 5, 5, 4, 1, 1, 4, 2, 2, 3]


def test_every_rfm_cell_has_one_segment() -> None:
    for r in range(1, 6):
        for fm in range(1, 6):
            holding = [name for name, rs, fms in SEGMENTS if r in rs and fm in fms]
            assert segment_of(r, fm, fm) == holding[0]
    names = {segment_of(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}
    assert names == {name for name, _, _ in SEGMENTS}


def test_churn_rate_per_month(source: Source) -> None:
    params = ChurnParams(start=date(2026, 1, 1), end=date(2026, 3, 31), inactive_days=30,
                         by="channel")  # fmt: skip
    rows = [r for r in churn(source, params) if r.group == "direct"]
    got = [(r.period, r.active_at_start, r.churned, round(r.rate, 2)) for r in rows]
    assert got == [
        (date(2026, 1, 1), 3, 1, 33.33),  # 11, 12, 15 active; 11 lapses on 19 January
        (date(2026, 2, 1), 3, 2, 66.67),  # 12, 13, 15; 12 and 13 lapse
        (date(2026, 3, 1), 1, 1, 100.0),  # 15, whose 1 March order lapses on 31 March
    ]


def test_churn_by_contract_end(source: Source) -> None:
    params = ChurnParams(start=date(2026, 1, 1), end=date(2026, 3, 31), by="channel",
                         contract_field="contract_end")  # fmt: skip
    rows = [(r.period, r.active_at_start, r.churned, round(r.rate, 2))
            for r in churn(source, params) if r.group == "contract"]  # fmt: skip
    assert rows == [
        (date(2026, 1, 1), 3, 1, 33.33),  # 31, 32, 33 under contract; 33's ends 31 January
        (date(2026, 2, 1), 2, 1, 50.0),  # 31 and 32; 31's ends 10 February
        (date(2026, 3, 1), 1, 0, 0.0),  # 32
    ]
    with pytest.raises(BadParameter, match="contract_field"):
        churn(source, ChurnParams(start=date(2026, 1, 1), contract_field="end date"))


def test_churn_needs_a_complete_period(source: Source) -> None:
    with pytest.raises(BadParameter, match="start"):
        churn(source, ChurnParams(start=date(2026, 3, 5), end=date(2026, 3, 20)))


def test_cohort_retention(source: Source) -> None:
    rows = {r.cohort: r for r in cohorts(source, start=date(2025, 11, 1), end=date(2026, 3, 31))}
    churners = {c: (r.customers, r.retained) for c, r in rows.items()}
    # RFM customers (1–5) join cohorts too: 4 in June 2025 (outside), 3 in January 2026.
    assert churners == {
        date(2025, 11, 1): (1, [1, 0, 0, 0, 0]),  # 14
        date(2025, 12, 1): (3, [3, 2, 1, 1]),  # 11, 12, 15
        date(2026, 1, 1): (2, [2, 1, 0]),  # 13 and 3 (3 again in February)
        date(2026, 3, 1): (1, [1]),  # 16
    }
    assert rows[date(2025, 12, 1)].percent == pytest.approx([100, 200 / 3, 100 / 3, 100 / 3])


def test_the_cli_prints_csv_and_names_a_bad_parameter(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from rapport.cli import app

    folder = write_folder(_tables(), tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["analyze", "satisfaction", "csat", "--source", str(folder),
                                 "--format", "csv"])  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("period,group,responses,score,low,high")
    assert lines[1].split(",")[1:4] == ["all", "4", "50.00"]
    bad = runner.invoke(app, ["analyze", "satisfaction", "--by", "shoe_size",
                              "--source", str(folder)])  # fmt: skip
    assert bad.exit_code == 2
    assert "by:" in bad.output
