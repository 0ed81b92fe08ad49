"""The data written matches the ground truth it was generated from.

These checks read the database the way an analysis would and compare with the truth
file, so a unit slip (days, cents) or a broken process shows up. Tolerances are stated
per check; with 3,000 customers each holds with a wide margin for any seed.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

import pytest
from sqlalchemy import Engine, text

from rapport import migrate
from rapport.db import make_engine
from rapport.demo import service
from rapport.demo.params import DemoParams

PARAMS = DemoParams(customers=3000, seed=23, end=date(2026, 3, 31), faulty_extra_dropout=0.0)


@dataclass
class Loaded:
    engine: Engine
    truth: dict[int, dict[str, str]]
    meta: dict[str, object]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    folder = tmp_path_factory.mktemp("truth")
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    migrate.upgrade(engine)
    service.load(engine=engine, params=PARAMS, truth_dir=folder / "truth")
    with (folder / "truth" / "customers.csv").open(encoding="utf-8") as handle:
        truth = {int(row["customer_id"]): row for row in csv.DictReader(handle)}
    meta = json.loads((folder / "truth" / "truth.json").read_text(encoding="utf-8"))
    yield Loaded(engine, truth, meta)
    engine.dispose()


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_truth_files_describe_every_customer(loaded: Loaded) -> None:
    assert len(loaded.truth) == PARAMS.customers
    assert loaded.meta["channel_conversion_rates"] == {
        c.name: c.conversion_rate for c in PARAMS.channels
    }


def test_purchases_in_the_database_match_the_truth(loaded: Loaded) -> None:
    paid = dict(
        _rows(
            loaded.engine,
            "SELECT customer_id, COUNT(*) FROM orders WHERE status = 'paid' GROUP BY customer_id",
        )
    )
    for cid, row in loaded.truth.items():
        assert paid.get(cid, 0) == int(row["purchases"]), cid


def test_channel_conversion_matches_the_true_rates(loaded: Loaded) -> None:
    """Among leads old enough to have converted, the share with a paid order per channel
    is within four standard errors (plus 3 points for late converters) of the true rate."""
    rows = _rows(
        loaded.engine,
        """SELECT c.channel, COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM orders o
               WHERE o.customer_id = c.id AND o.status = 'paid') THEN 1 ELSE 0 END)
           FROM customers c WHERE c.company_id IS NULL AND c.created_at < '2025-10-01'
           GROUP BY c.channel""",
    )
    for channel, leads, converted in rows:
        rate = {c.name: c.conversion_rate for c in PARAMS.channels}[str(channel)]
        n = int(str(leads))
        observed = int(str(converted)) / n
        se = (rate * (1 - rate) / n) ** 0.5
        assert abs(observed - rate) < 4 * se + 0.03, (channel, observed, rate)


def test_purchase_rate_and_spend_are_recovered_per_customer(loaded: Loaded) -> None:
    """For customers with 15+ purchases, λ̂ = (n − 1) / (last − first) days and the mean
    order value estimate the true λ and spend_p / ν: the median ratio is within 10 % of 1
    (both estimates are noisy per customer, their median is not)."""
    rows = _rows(
        loaded.engine,
        """SELECT customer_id, COUNT(*), MIN(ordered_at), MAX(ordered_at), AVG(total_minor)
           FROM orders WHERE status = 'paid' GROUP BY customer_id HAVING COUNT(*) >= 15""",
    )
    assert len(rows) > 100
    rate_ratios, spend_ratios = [], []
    for cid, n, first, last, mean_minor in rows:
        truth = loaded.truth[int(str(cid))]
        if truth["kind"] == "company":
            continue  # a company's first order is its won deal, not a Gamma-Gamma draw
        span = (date.fromisoformat(str(last)[:10]) - date.fromisoformat(str(first)[:10])).days
        if span < 30:
            continue
        rate_ratios.append((int(str(n)) - 1) / span / float(truth["lambda"]))
        spend_ratios.append(
            float(str(mean_minor)) / 100 / (PARAMS.purchase.spend_p / float(truth["nu"]))
        )
    assert abs(statistics.median(rate_ratios) - 1) < 0.10
    assert abs(statistics.median(spend_ratios) - 1) < 0.10


def test_customers_who_leave_answer_worse(loaded: Loaded) -> None:
    """Mean NPS of customers who dropped out is at least 1.5 points below the others'."""
    scores = _rows(
        loaded.engine,
        "SELECT customer_id, score FROM survey_responses WHERE survey_id = 1",
    )
    left = [int(str(s)) for c, s in scores if loaded.truth[int(str(c))]["alive_at_end"] == "False"]
    stayed = [int(str(s)) for c, s in scores if loaded.truth[int(str(c))]["alive_at_end"] == "True"]
    assert statistics.mean(stayed) - statistics.mean(left) > 1.5


def test_web_funnel_step_rates_hold(loaded: Loaded) -> None:
    """Session-level step rates are within 3 points of the generator's rates."""
    rows = _rows(
        loaded.engine,
        """SELECT SUM(v), SUM(c), SUM(k), SUM(p), SUM(f) FROM (
             SELECT session_id,
               MAX(CASE WHEN name = 'product_view' THEN 1 ELSE 0 END) AS v,
               MAX(CASE WHEN name = 'add_to_cart' THEN 1 ELSE 0 END) AS c,
               MAX(CASE WHEN name = 'checkout' THEN 1 ELSE 0 END) AS k,
               MAX(CASE WHEN name = 'payment' THEN 1 ELSE 0 END) AS p,
               MAX(CASE WHEN name = 'payment_failed' THEN 1 ELSE 0 END) AS f
             FROM events GROUP BY session_id) s""",
    )
    views, carts, checkouts, paid, failed = (int(str(x)) for x in rows[0])
    web = PARAMS.web
    assert abs(carts / views - web.view_to_cart) < 0.03
    assert abs(checkouts / carts - web.cart_to_checkout) < 0.03
    assert abs(paid / (paid + failed) - web.payment_success) < 0.03


def test_params_are_validated() -> None:
    with pytest.raises(ValueError, match="customers"):
        DemoParams(customers=0)
    with pytest.raises(ValueError, match="shares"):
        replace(PARAMS, channels=PARAMS.channels[:2])
