"""The classifier on data drawn from a known logistic relation: it recovers the
coefficients and comes near the best possible ROC AUC; Platt scaling recovers a known
miscalibration; the reasons are the coefficients times the distance from the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from rapport.analytics.models.classifier import Columns, fit

BETA = np.array([1.5, -1.0, 0.0])
INTERCEPT = -0.5
COLUMNS = Columns(numeric=("x0", "x1", "x2"))


def draw(n: int, seed: int, scale: float = 1.0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """``n`` cases with x ~ N(0, 1)³ and P(y) = logistic(scale · (−0.5 + x · BETA));
    also the true probabilities."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    p = 1 / (1 + np.exp(-scale * (INTERCEPT + x @ BETA)))
    return pd.DataFrame(x, columns=["x0", "x1", "x2"]), rng.random(n) < p, p


def test_the_logistic_model_recovers_the_coefficients() -> None:
    """20,000 cases: the standard errors are about 0.02, so 0.1 is five of them (the
    features are N(0, 1), so standardising leaves the coefficients as they are, up to
    the sample's spread, and C = 1 shrinks them by well under 1 %)."""
    data, y, _ = draw(20_000, seed=1)
    model = fit("logistic", COLUMNS, data, y)
    coefficients = model.parameters()["coefficients"]
    found = np.array([coefficients[c] for c in ("x0", "x1", "x2")])
    assert np.abs(found - BETA).max() < 0.1
    assert model.parameters()["intercept"] == pytest.approx(INTERCEPT, abs=0.1)


@pytest.mark.parametrize(("kind", "tolerance"), [("logistic", 0.005), ("boosting", 0.02)])
def test_the_auc_comes_near_the_best_possible(kind: str, tolerance: float) -> None:
    """On 20,000 fresh cases the true probabilities give the best ROC AUC there is (about
    0.82 here); the logistic model (the true form) comes within 0.005 of it, the trees
    (which must learn the form) within 0.02."""
    data, y, _ = draw(20_000, seed=2)
    test, outcome, truth = draw(20_000, seed=3)
    model = fit(kind, COLUMNS, data, y)  # type: ignore[arg-type]
    best = roc_auc_score(outcome, truth)
    found = roc_auc_score(outcome, model.probability(test))
    assert best - tolerance < found <= best + 0.005


def test_platt_scaling_recovers_a_known_miscalibration() -> None:
    """Fitted where the log-odds are −0.5 + x · β, calibrated on a later slice where they
    are twice that: the slope comes out near 2 (standard error about 0.04), the
    intercept near 0, and the Brier score on that later time drops."""
    data, y, _ = draw(20_000, seed=4)
    later, outcome, _ = draw(20_000, seed=5, scale=2.0)
    test, truth, _ = draw(20_000, seed=6, scale=2.0)
    plain = fit("logistic", COLUMNS, data, y)
    scaled = fit("logistic", COLUMNS, data, y, calibrate=(later, outcome))
    assert scaled.slope == pytest.approx(2.0, abs=0.15)
    assert scaled.intercept == pytest.approx(0.0, abs=0.1)  # 2·(−0.5 + x·β) = 2 × the model's
    assert brier_score_loss(truth, scaled.probability(test)) < brier_score_loss(
        truth, plain.probability(test)
    )


def test_logistic_reasons_are_coefficient_times_distance() -> None:
    """For the logistic model a group's weight is Σ coefficient × (value − median) /
    scale over its columns, times the calibration slope: exactly, not roughly."""
    data, y, _ = draw(5_000, seed=7)
    later, outcome, _ = draw(5_000, seed=8)
    model = fit("logistic", COLUMNS, data, y, calibrate=(later, outcome))
    cases = data.head(5)
    weights = model.contributions(cases, {"first": ["x0"], "rest": ["x1", "x2"]})
    scaler = model.pipeline[0].named_transformers_["num"][-1]
    coef = model.pipeline[-1].coef_[0]
    median = data.median().to_numpy()
    distance = (cases.to_numpy() - median) / scaler.scale_
    expected_first = model.slope * coef[0] * distance[:, 0]
    expected_rest = model.slope * (coef[1:] * distance[:, 1:]).sum(axis=1)
    assert weights[:, 0] == pytest.approx(expected_first, abs=1e-9)
    assert weights[:, 1] == pytest.approx(expected_rest, abs=1e-9)


def test_missing_values_and_categories() -> None:
    """Missing numbers are filled and flagged (the flag carries the effect when missing
    means something); a category seen in training has its own column, an unseen one
    scores as the pooled rare ones."""
    rng = np.random.default_rng(9)
    n = 4_000
    score = rng.normal(size=n)
    missing = rng.random(n) < 0.3
    colour = rng.choice(["red", "blue"], n)
    logit = np.where(missing, 1.5, score) + np.where(colour == "red", 1.0, -1.0)
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    data = pd.DataFrame({"score": np.where(missing, np.nan, score), "colour": colour})
    columns = Columns(numeric=("score",), categorical=("colour",))
    model = fit("logistic", columns, data, y)
    coefficients = model.parameters()["coefficients"]
    assert coefficients["missingindicator_score"] > 0.5  # missing raises the odds
    assert coefficients["colour_red"] - coefficients["colour_blue"] == pytest.approx(2.0, abs=0.4)
    unseen = pd.DataFrame({"score": [np.nan, 0.0], "colour": ["green", "red"]})
    assert np.isfinite(model.probability(unseen)).all()
    for kind in ("logistic", "boosting"):
        assert np.isfinite(fit(kind, columns, data, y).probability(unseen)).all()  # type: ignore[arg-type]


def test_sampling_and_bad_input() -> None:
    data, y, _ = draw(1_000, seed=10)
    assert fit("logistic", COLUMNS, data, y, max_rows=300).rows == 300
    with pytest.raises(ValueError, match="labels"):
        fit("logistic", COLUMNS, data, np.zeros(1_000, dtype=bool))
    with pytest.raises(ValueError, match="kind"):
        fit("forest", COLUMNS, data, y)  # type: ignore[arg-type]
