"""Lead scores and lookalikes: a lead built like the top customers ranks above one that
is not; on the demo data the backtested lead score beats the channel's past
conversion rate and is calibrated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rapport.analytics.common import BadParameter
from rapport.analytics.leads import CHANNEL_RATE, LeadScoreParams, LeadScores, lead_scores
from rapport.analytics.lookalikes import LookalikeParams, lookalikes
from rapport.analytics.source import Source
from rapport.db import make_engine
from tests.analytics.conftest import (
    DEMO_END,
    at,
    customer_row,
    interaction_row,
    order_row,
    tables_source,
)

END = DEMO_END
LAST_DAY = END - timedelta(days=1)


def _alike_tables() -> dict[str, list[dict[str, Any]]]:
    """200 buyers (one order on 1 Feb): 1–20 spent 10,000 and came as companies through
    referrals; 21–30 are referred people who spent 100; 31–200 WeChat people who spent
    100. 201–300 never bought (email people; 250 had a call, a web visit and a deal in
    March, so that every table is there). Two leads created 25 Jun: 301 a referred
    company, 302 an email person. The top 10 % of buyers by revenue are 1–20."""
    customers, orders = [], []
    for c in range(1, 301):
        if c <= 20:
            customers.append(customer_row(c, "referral", kind="company"))
        else:
            customers.append(customer_row(c, "referral" if c <= 30 else "wechat" if c <= 200
                                          else "email"))  # fmt: skip
        if c <= 200:
            orders.append(order_row(c, c, "2026-02-01", 10_000 if c <= 20 else 100))
    customers[0] |= {
        "language": None,
        "country": None,
        "province": None,
        "company_id": None,
        "referred_by_id": None,
    }  # every column once, for the files
    customers.append(customer_row(301, "referral", kind="company", created_at=at("2026-06-25")))
    customers.append(customer_row(302, "email", created_at=at("2026-06-25")))
    stamp = {"created_at": at("2026-03-01"), "updated_at": at("2026-03-01")}
    return {
        "customers": customers, "orders": orders,
        "interactions": [interaction_row(1, 250, "2026-03-01")],
        "events": [{"id": 1, "customer_id": 250, "session_id": "s", "name": "page_view",
                    "properties": {}, "occurred_at": at("2026-03-01")}],
        "pipelines": [{"id": 1, "name": "Sales", "is_default": True} | stamp],
        "stages": [{"id": 1, "pipeline_id": 1, "name": "S", "position": 1, "probability": 10,
                    "outcome": "open"} | stamp],
        "deals": [{"id": 1, "name": "D", "pipeline_id": 1, "stage_id": 1, "customer_id": 250,
                   "status": "open", "amount_minor": 1, "currency": "CNY",
                   "custom_fields": {}} | stamp],
    }  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "parquet"])
def alike(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:  # fmt: skip
    folder = tmp_path_factory.mktemp(f"alike-{request.param}")
    with tables_source(request.param, _alike_tables(), folder) as source:
        yield source


def test_a_lead_like_the_top_customers_ranks_first(alike: Source) -> None:
    result = lookalikes(alike, date(2026, 6, 30), LookalikeParams(top_share=0.1))
    assert np.flatnonzero(result.top).tolist() == list(range(20))  # customers 1–20
    score = dict(zip(result.customer_id.tolist(), result.score.tolist(), strict=True))
    assert score[301] > 3 * score[302]
    assert score[301] > max(score[c] for c in range(31, 301))
    assert result.parameters["top_customers"] == 20
    json.dumps(result.parameters)


def test_bad_lookalike_parameters() -> None:
    with pytest.raises(BadParameter) as error:
        LookalikeParams(top_share=1.5)
    assert error.value.field == "top_share"
    with pytest.raises(BadParameter) as error:
        LeadScoreParams(cutoffs=1)
    assert error.value.field == "cutoffs"


@pytest.fixture(scope="module")
def scores(demo_folder: Path) -> Iterator[LeadScores]:
    """The demo of 6,000 customers (seed 11), its leads scored on its last day."""
    engine = make_engine(f"sqlite:///{demo_folder / 'demo.db'}")
    yield lead_scores(Source.from_database(engine), LeadScoreParams(as_of=LAST_DAY))
    engine.dispose()


def test_the_lead_score_beats_the_channel_rate(scores: LeadScores) -> None:
    """The backtest judges the model fitted as on 2 August 2026 on the leads open then
    (their 90 days end on the demo's last day). Measured (seed 11): ROC AUC 0.982
    (boosting; logistic 0.982) against 0.566 for the channel's past rate; PR AUC 0.548
    against 0.035; Brier 0.0167 against 0.0271 for the base rate."""
    evaluation = scores.evaluation
    model = evaluation["models"][evaluation["chosen"]]
    baseline = evaluation["baselines"][CHANNEL_RATE]
    print(
        json.dumps(
            {
                k: {m: v[m] for m in ("roc_auc", "pr_auc", "brier")}
                for k, v in {**evaluation["models"], **evaluation["baselines"]}.items()
            }
        )
    )
    assert model["roc_auc"] > baseline["roc_auc"] + 0.1
    assert model["pr_auc"] > baseline["pr_auc"]
    assert model["brier"] < model["base_rate_brier"]
    assert model["brier"] < baseline["brier"]
    assert evaluation["test_day"] == "2026-08-02"


def test_every_open_lead_has_a_score_and_a_rank(scores: LeadScores) -> None:
    n = len(scores.customer_id)
    assert n > 1000 and np.all(np.diff(scores.customer_id) > 0)
    assert np.all((scores.probability > 0) & (scores.probability < 1))
    assert sorted(scores.lookalike_rank.tolist()) == list(range(1, n + 1))
    best = scores.lookalike[scores.lookalike_rank == 1][0]
    assert best == scores.lookalike.max()
    json.dumps(scores.model())
