"""The predictive analyses on the command line: each command runs on a small demo and
prints what its analysis gives; bad options are named with exit code 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rapport import migrate
from rapport.analytics.clv import ClvParams, clv
from rapport.analytics.source import Source
from rapport.cli import app
from rapport.db import make_engine
from rapport.demo import service as demo_service
from rapport.demo.params import DemoParams

AS_OF = "2026-10-31"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'demo.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    demo_service.load(engine=engine, params=DemoParams(customers=1200, seed=3,
                                                       end=date(2026, 11, 1)))  # fmt: skip
    engine.dispose()
    yield url


def _json(database: str, *args: str) -> Any:
    result = CliRunner().invoke(app, ["analyze", *args, "--source", database, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_clv_lists_the_highest_values_first_as_the_analysis_computes_them(database: str) -> None:
    rows = _json(database, "clv", "--as-of", AS_OF, "--top", "5")
    found = clv(Source.from_database(make_engine(database)),
                ClvParams(as_of=date.fromisoformat(AS_OF)))  # fmt: skip
    best = sorted(zip(found.clv, found.customer_id, strict=True), reverse=True)[:5]
    assert [r["customer_id"] for r in rows] == [int(c) for _, c in best]
    assert [r["clv"] for r in rows] == pytest.approx([float(v) for v, _ in best])
    fitted = {r["name"]: r["value"] for r in _json(database, "clv", "--as-of", AS_OF, "--fitted")}
    assert set(fitted["purchase"]) >= {"r", "alpha", "a", "b"} and fitted["customers"] > 0


def test_forecast_clusters_recommend_and_voice_answer(database: str) -> None:
    rows = _json(database, "forecast", "--as-of", AS_OF, "--horizon", "3")
    assert [r["kind"] for r in rows].count("forecast") == 3
    personas = _json(database, "clusters", "--as-of", AS_OF, "--k-max", "4")
    assert sum(p["customers"] for p in personas) > 0 and 2 <= len(personas) <= 4
    evaluation = {r["name"]: r["value"] for r in _json(database, "recommend", "--evaluate")}
    assert evaluation["customers"] > 0 and 0 <= evaluation["item_hit_rate"] <= 100
    one = _json(database, "recommend", "--customer", "12", "--k", "4")
    assert len(one) <= 1 and all(len(r["products"]) <= 4 for r in one)
    themes = _json(database, "voice", "--by", "sentiment", "--top", "3")
    assert themes and {r["group"] for r in themes} <= {"negative", "neutral", "positive"}


def test_a_bad_option_is_named(database: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["analyze", "clv", "--model", "nope", "--source", database])
    assert result.exit_code == 2 and "model" in result.output
    result = CliRunner().invoke(app, ["analyze", "forecast", "--level", "shop",
                                      "--source", database])  # fmt: skip
    assert result.exit_code == 2 and "level" in result.output
