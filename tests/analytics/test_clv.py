"""The CLV analysis on a fixture small enough to follow by hand, and on the demo data,
whose purchases come from BG/NBD and Gamma-Gamma with known parameters (docs/demo.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest

from rapport import migrate
from rapport.analytics.clv import ClvParams, clv
from rapport.analytics.common import BadParameter
from rapport.analytics.models.clv import discounted_purchases
from rapport.analytics.source import Source
from rapport.db import make_engine
from rapport.demo import service as demo_service
from rapport.demo.params import DemoParams
from tests.analytics.conftest import (
    answer_row,
    at,
    customer_row,
    interaction_row,
    order_row,
    source_fixture,
    survey_rows,
    ticket_row,
)

AS_OF = date(2026, 6, 30)


def _tables() -> dict[str, list[dict[str, Any]]]:
    """Customers 1–8, created 1 January 2026; amounts in fen. Holding out the 60 days
    after 1 May (the calibration ends on 1 May, inclusive):

    1: 10 Jan, 10 Feb, 10 Mar (x = 2 by 1 May), then 20 May, 20 Jun: 2 held out
    2: two orders on 15 Jan (one purchase day), 15 Apr: x = 1, none held out
    3: 1 Feb only: x = 0
    4: 1, 15, 29 Mar: x = 2, none held out
    5: 5 Jan (x = 0 by 1 May), 1 Jun: 1 held out
    6: first buys on 10 May, after the calibration: not evaluated
    7: never buys; its only order is cancelled
    8: the 20th of every month Jan–Jun: x = 3 by 1 May, 2 held out; plus a USD order
    (7 also has a call, a ticket and an NPS answer, which the CLV does not read.)
    So 6 customers are evaluated, with 5 purchase days held out.
    """
    orders = [
        (1, "2026-01-10", 10000), (1, "2026-02-10", 20000), (1, "2026-03-10", 30000),
        (1, "2026-05-20", 40000), (1, "2026-06-20", 50000),
        (2, "2026-01-15", 5000), (2, "2026-01-15", 5000), (2, "2026-04-15", 8000),
        (3, "2026-02-01", 12000),
        (4, "2026-03-01", 7000), (4, "2026-03-15", 9000), (4, "2026-03-29", 11000),
        (5, "2026-01-05", 3000), (5, "2026-06-01", 6000),
        (6, "2026-05-10", 15000),
    ] + [(8, f"2026-0{month}-20", 4000) for month in range(1, 7)]  # fmt: skip
    rows = [order_row(i, c, day, total) for i, (c, day, total) in enumerate(orders, 1)]
    rows += [order_row(90, 7, "2026-02-02", 999, status="cancelled"),
             order_row(91, 8, "2026-02-21", 777, currency="USD")]  # fmt: skip
    return {"customers": [customer_row(c, "wechat") for c in range(1, 9)], "orders": rows,
            # the summary reads these too; they do not enter the CLV
            "interactions": [interaction_row(1, 7, "2026-02-01")],
            "tickets": [ticket_row(1, 7, "2026-02-01", resolved_at=at("2026-02-02"))],
            "surveys": survey_rows(),
            "survey_responses": [answer_row(1, 7, 9, "2026-02-01")]}  # fmt: skip


source = source_fixture(_tables)


def test_every_buyer_gets_aligned_figures(source: Source) -> None:
    """Buyers 1–6 and 8, in id order. Customer 3 never bought again: under BG/NBD surely
    alive, and its expected spend is the spend model's population mean pγ/(q−1) (fen →
    yuan). At a 0 % rate the CLV is expected spend × expected purchases."""
    result = clv(source, ClvParams(as_of=AS_OF, annual_discount_rate=0.0))
    assert result.customer_id.tolist() == [1, 2, 3, 4, 5, 6, 8]
    columns = (result.p_alive, result.expected_purchases, result.expected_spend, result.clv)
    assert all(len(c) == 7 and np.all(np.isfinite(c)) for c in columns)
    third = 2
    assert result.p_alive[third] == 1.0
    assert result.expected_spend[third] == pytest.approx(result.spend_model.mean_spend / 100)
    assert result.clv == pytest.approx(result.expected_spend * result.expected_purchases)
    assert np.all((result.p_alive > 0) & (result.p_alive <= 1))
    json.dumps(result.parameters()), json.dumps(result.distribution())
    assert result.parameters()["purchase"]["customers"] == 7
    assert result.parameters()["spend"]["customers"] == 5  # 1, 2, 4, 5, 8 bought again


def test_discounting_over_the_horizon(source: Source) -> None:
    """At 10 % a year the CLV is the expected spend × the purchases of each month,
    discounted at the month's end, and below the undiscounted value."""
    params = ClvParams(as_of=AS_OF, horizon_days=90, model="pareto_nbd")
    result = clv(source, params)
    plain = clv(source, ClvParams(as_of=AS_OF, horizon_days=90, model="pareto_nbd",
                                  annual_discount_rate=0.0))  # fmt: skip
    assert np.all(result.clv < plain.clv)
    model, x = result.purchase_model, np.array([2.0])  # customer 1: x 4, t_x 161, T 171
    monthly = discounted_purchases(
        lambda h: model.expected_purchases([4.0], [161.0], [171.0], h), 90, 0.10
    )
    assert result.clv[0] == pytest.approx(result.expected_spend[0] * monthly[0], rel=1e-12)
    assert x.size == 1 and result.parameters()["model"] == "pareto_nbd"


def test_holdout_counts_the_purchase_days_held_out(source: Source) -> None:
    """6 customers had bought by 1 May; 5 purchase days fall after it (docstring of the
    fixture); the prediction comes from the model fitted on the calibration data."""
    result = clv(source, ClvParams(as_of=AS_OF, holdout_days=60))
    evaluation = result.evaluation
    assert evaluation["calibration_end"] == "2026-05-01"
    assert (evaluation["customers"], evaluation["actual_total"]) == (6, 5.0)
    assert evaluation["predicted_total"] > 0 and evaluation["mae"] > 0
    frequencies = {g["frequency"]: g for g in evaluation["by_frequency"]}
    assert {f: g["customers"] for f, g in frequencies.items()} == {0: 2, 1: 1, 2: 2, 3: 1}
    assert frequencies[0]["actual_mean"] == 0.5 and frequencies[3]["actual_mean"] == 2.0
    json.dumps(evaluation)


def test_bad_parameters_are_named(source: Source) -> None:
    for field, params in (
        ("model", ClvParams(as_of=AS_OF, model="pareto")),  # type: ignore[arg-type]
        ("horizon_days", ClvParams(as_of=AS_OF, horizon_days=0)),
        ("annual_discount_rate", ClvParams(as_of=AS_OF, annual_discount_rate=-0.1)),
        ("holdout_days", ClvParams(as_of=AS_OF, holdout_days=0)),
        ("as_of", ClvParams(as_of=date(2025, 12, 31))),
    ):
        with pytest.raises(BadParameter) as raised:
            clv(source, params)
        assert raised.value.field == field


# --- the demo -------------------------------------------------------------------------

END = date(2026, 11, 1)
LAST_DAY = END - timedelta(days=1)
DEMO = DemoParams(customers=20_000, seed=5, end=END, faulty_extra_dropout=0.0)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """20,000 customer records of pure BG/NBD (no faulty-product drop-out)."""
    folder = tmp_path_factory.mktemp("clv-demo")
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    migrate.upgrade(engine)
    demo_service.load(engine=engine, params=DEMO, truth_dir=folder)
    yield Source.from_database(engine)
    engine.dispose()


# Allowed relative errors on the demo (9,833 buyers of 20,000 records, seed 5). The
# summary counts purchase DAYS (two orders on one day are one purchase), the generator
# draws purchases in continuous time: on 1,000,000 customers simulated with the demo's
# parameters and counted in whole days (bench/clv_fit.py's ``simulate``) the fit is off
# by r +7.4 %, α +19 %, a −0.2 %, b −4.3 %, and on ten simulations of 10,000 customers
# by r +6.8 ± 1.9 %, α +19 ± 2.3 %, a +0.6 ± 4.6 %, b −2 ± 7.9 % (mean ± sd). Each
# tolerance is that offset plus three standard deviations. Spend: a day with k orders
# is one purchase worth Gamma(kp, ν), which the model reads as more spread within
# customers (a lower p, a higher γ); their ratio, the mean spend pγ/(q−1), and q are
# held to 10 %, p and γ to 25 %. Measured on this demo: r +5.7 %, α +17 %, a −6.6 %,
# b −17 %; p −13 %, q −0.7 %, γ +20 %, mean spend +5.3 %; holdout total −0.2 %.
TOLERANCES = {"r": 0.13, "alpha": 0.26, "a": 0.15, "b": 0.26, "p": 0.25, "q": 0.10,
              "gamma": 0.25, "mean_spend": 0.10}  # fmt: skip


@pytest.mark.slow
def test_the_demo_generators_parameters_are_recovered(demo: Source) -> None:
    """BG/NBD and Gamma-Gamma within ``TOLERANCES`` of the generator's parameters; the
    purchase days of the last 180 days predicted from the data before them within 5 %."""
    result = clv(demo, ClvParams(as_of=LAST_DAY, holdout_days=180))
    truth = DEMO.purchase
    fitted = result.parameters()
    for name, value in (("r", truth.r), ("alpha", truth.alpha), ("a", truth.a), ("b", truth.b)):
        assert fitted["purchase"][name] == pytest.approx(value, rel=TOLERANCES[name]), name
    spend = fitted["spend"]
    in_fen = {"p": truth.spend_p, "q": truth.spend_q, "gamma": truth.spend_gamma * 100}
    for name, value in in_fen.items():
        assert spend[name] == pytest.approx(value, rel=TOLERANCES[name]), name
    mean = in_fen["p"] * in_fen["gamma"] / (in_fen["q"] - 1)
    assert result.spend_model.mean_spend == pytest.approx(mean, rel=TOLERANCES["mean_spend"])
    evaluation = result.evaluation
    assert evaluation["predicted_total"] == pytest.approx(evaluation["actual_total"], rel=0.05)
    assert result.distribution()["customers"] == fitted["purchase"]["customers"]
