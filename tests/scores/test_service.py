"""Scoring runs on a demo database (SQLite and PostgreSQL): every customer scored once per
run, the scores agree with the analyses, old runs pruned, a failed run changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from rapport import migrate
from rapport.analytics.common import BadParameter, NotEnoughData
from rapport.analytics.source import Source
from rapport.customers.models import Customer
from rapport.db import make_engine
from rapport.demo import service as demo_service
from rapport.demo.params import DemoParams
from rapport.scores import scoring, service
from rapport.scores.models import CustomerScore, ScoringRun
from rapport.scores.scoring import ScoringParams, Step
from tests.conftest import BACKENDS, empty_database

END = date(2026, 11, 1)
AS_OF = date(2026, 10, 31)


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Engine]:  # fmt: skip
    """A demo of 1,500 customers, on each backend."""
    with empty_database(request.param, tmp_path_factory.mktemp("scores")) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        demo_service.load(engine=engine, params=DemoParams(customers=1500, seed=5, end=END))
        yield engine
        engine.dispose()


@pytest.fixture
def light(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the quick steps, for tests about storing rather than about the models."""
    for name in list(scoring.STEPS)[2:]:
        monkeypatch.delitem(scoring.STEPS, name)


def _scores(engine: Engine, run_id: int) -> list[CustomerScore]:
    with Session(engine) as session:
        stmt = select(CustomerScore).where(CustomerScore.run_id == run_id)
        return list(session.scalars(stmt.order_by(CustomerScore.customer_id)))


def test_a_run_scores_every_customer_once_as_the_analyses_do(engine: Engine) -> None:
    run = service.run(engine=engine, params=ScoringParams(as_of=AS_OF))
    rows = _scores(engine, run.id)
    with Session(engine) as session:
        customers = dict(session.execute(select(Customer.id, Customer.lifecycle_stage)).all())
    assert [r.customer_id for r in rows] == sorted(customers) and run.customers == len(rows)
    assert {r.model_version for r in rows} == {run.version}
    # The demo stores each customer's stage at its end: the scores' stages are the same.
    same = sum(r.lifecycle_stage == customers[r.customer_id] for r in rows)
    assert same / len(rows) >= 0.99
    buyers = [r for r in rows if r.rfm_segment is not None]
    assert buyers and all(r.p_alive is not None and 0 < r.p_alive <= 1 for r in buyers)
    assert all(r.p_alive is None and r.rfm_recency is None for r in rows
               if r.lifecycle_stage in ("lead", "prospect"))  # fmt: skip
    assert all(1 <= r.rfm_recency <= 5 for r in buyers if r.rfm_recency is not None)
    assert all((r.clv or 0) > 0 and (r.expected_spend or 0) > 0 for r in buyers)
    clv = run.models["clv"]
    assert set(clv["parameters"]["purchase"]) >= {"r", "alpha", "a", "b"}
    holdout = clv["evaluation"]["holdout"]
    assert holdout["holdout_days"] == 180 and holdout["actual_total"] > 0
    assert all(r.next_products and len(r.next_products) <= 10 for r in buyers)
    checked = run.models["recommendations"]["evaluation"]
    assert checked["customers"] > 0 and checked["item_hit_rate"] is not None
    # Churn risk for the customers not yet churned; reasons in the fixed vocabulary.
    at_risk = [r for r in rows if r.lifecycle_stage == "at_risk"]
    assert at_risk and all(r.churn_risk is not None and 0 <= r.churn_risk <= 1 for r in at_risk)
    assert all(r.churn_risk is None for r in rows if r.lifecycle_stage == "churned")
    reasons = [reason for r in at_risk for reason in r.churn_reasons or []]
    assert reasons and {"code", "params", "weight", "text"} == set(reasons[0])
    assert run.models["churn"]["evaluation"]["chosen"] in ("logistic", "boosting")
    leads = [r for r in rows if r.lifecycle_stage in ("lead", "prospect")]
    assert leads and all(r.lead_score is not None and r.lookalike_score is not None
                         for r in leads)  # fmt: skip
    assert all(r.lead_score is None for r in buyers)
    personas = run.models["clusters"]["evaluation"]["personas"]
    assert {r.cluster for r in buyers} == {str(c) for c in range(len(personas))}
    assert set(run.timings) == set(scoring.STEPS) | {"write"}


@pytest.mark.usefixtures("light")
def test_only_the_newest_runs_are_kept(engine: Engine) -> None:
    params = ScoringParams(as_of=AS_OF)
    runs = [service.run(engine=engine, params=params, keep_runs=2,
                        now=datetime(2030, 1, day, tzinfo=UTC)) for day in (1, 2, 3)]  # fmt: skip
    with Session(engine) as session:
        kept = set(session.scalars(select(ScoringRun.id)))
        scored = set(session.scalars(select(CustomerScore.run_id).distinct()))
        newest = service.latest(session=session, customer_id=1)
    assert kept == scored == {runs[1].id, runs[2].id}
    assert newest is not None and newest.run_id == runs[2].id


@pytest.mark.usefixtures("light")
def test_a_failed_run_leaves_the_stored_scores_as_they_were(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.run(engine=engine, params=ScoringParams(as_of=AS_OF))

    def count() -> tuple[int, int]:
        with Session(engine) as session:
            return (session.scalar(select(func.count()).select_from(CustomerScore)) or 0,
                    session.scalar(select(func.count()).select_from(ScoringRun)) or 0)  # fmt: skip

    before = count()

    def broken(connection: object, *args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "insert_values", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        service.run(engine=engine, params=ScoringParams(as_of=AS_OF))
    assert count() == before


def test_a_step_without_enough_data_is_skipped_and_said(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def too_few(source: Source, params: ScoringParams, as_of: date) -> Step:
        raise NotEnoughData("3 buyers; the purchase model needs 30")

    for name in list(scoring.STEPS)[3:]:
        monkeypatch.delitem(scoring.STEPS, name)
    monkeypatch.setitem(scoring.STEPS, "value", too_few)
    run = service.run(engine=engine, params=ScoringParams(as_of=AS_OF))
    assert run.models["value"] == {"skipped": "3 buyers; the purchase model needs 30"}
    rows = _scores(engine, run.id)
    assert rows and all(r.p_alive is None and r.clv is None for r in rows)
    assert any(r.rfm_segment is not None for r in rows)


def test_bad_parameters_name_their_field() -> None:
    with pytest.raises(BadParameter, match="churn_horizon_days"):
        ScoringParams(churn_horizon_days=0)
    with pytest.raises(BadParameter, match="annual_discount_rate"):
        ScoringParams(annual_discount_rate=1.5)
    with pytest.raises(BadParameter, match="keep_runs"):
        service.run(engine=make_engine("sqlite://"), params=ScoringParams(), keep_runs=0)


def test_rows_are_matched_to_customers_by_id() -> None:
    """ids 1, 3, 5, 7; a step's rows hold 7, 1 and 9 (unknown): 3 and 5 get nothing."""
    rows = scoring._rows_of(np.array([1, 3, 5, 7]), np.array([7, 1, 9]))
    assert rows.to_pylist() == [1, None, None, 0]
    values = pa.array([[70], [10], [90]])
    assert values.take(rows).to_pylist() == [[10], None, None, [70]]


@pytest.mark.usefixtures("light")
def test_a_run_for_an_earlier_moment_is_kept_and_the_oldest_stored_goes(engine: Engine) -> None:
    """Runs are kept by when they were stored: a backfill (an earlier ``now``) is the
    newest run, and the run stored first of the kept ones goes."""
    params = ScoringParams(as_of=AS_OF)
    first = service.run(engine=engine, params=params, keep_runs=2,
                        now=datetime(2031, 1, 2, tzinfo=UTC))  # fmt: skip
    second = service.run(engine=engine, params=params, keep_runs=2,
                         now=datetime(2031, 1, 3, tzinfo=UTC))  # fmt: skip
    backfill = service.run(engine=engine, params=params, keep_runs=2,
                           now=datetime(2031, 1, 1, tzinfo=UTC))  # fmt: skip
    with Session(engine) as session:
        kept = set(session.scalars(select(ScoringRun.id)))
        assert [r.id for r in service.list_runs(session=session)] == [backfill.id, second.id]
    assert kept == {second.id, backfill.id} and first.id not in kept


@pytest.mark.usefixtures("light")
def test_scores_of_customers_the_database_lacks_are_left_out(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A customer purged while the run computed (here: an id no customer has) gets no
    row, and the others are stored."""
    real = scoring.STEPS["lifecycle"]

    def with_a_stranger(source: Source, params: ScoringParams, as_of: date) -> Step:
        step = real(source, params, as_of)
        stranger = pa.table({"customer_id": [10**9], "lifecycle_stage": ["lead"]})
        return Step(pa.concat_tables([step.table, stranger.cast(step.table.schema)]))

    monkeypatch.setitem(scoring.STEPS, "lifecycle", with_a_stranger)
    run = service.run(engine=engine, params=ScoringParams(as_of=AS_OF))
    rows = _scores(engine, run.id)
    assert rows and 10**9 not in {r.customer_id for r in rows}
    assert run.customers == len(rows)
