"""BG/NBD: recovered from customers simulated with known parameters; stable for large
histories; its predictions against the same simulation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import hyp2f1

from rapport.analytics.models.bgnbd import BgNbd, fit, log_likelihood

TRUE = {"r": 0.24, "alpha": 4.41, "a": 0.79, "b": 2.43}  # the paper's CDNOW estimates (weeks)


def simulate(n: int, seed: int, t_end: float = 260.0, extra: float = 0.0
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """(x, t_x, T, purchases in (T, T + extra]) of ``n`` customers drawn from the BG/NBD
    process with ``TRUE``: λ ~ Gamma(r, rate α), p ~ Beta(a, b), first purchase at 0,
    each observed for T uniform on [t_end / 4, t_end]."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUE["r"], 1 / TRUE["alpha"], n)
    p = rng.beta(TRUE["a"], TRUE["b"], n)
    t = rng.uniform(t_end / 4, t_end, n)
    x, t_x, later = np.zeros(n), np.zeros(n), np.zeros(n)
    now, alive = np.zeros(n), np.ones(n, dtype=bool)
    while alive.any():
        now = now + rng.exponential(1.0, n) / lam
        seen = alive & (now <= t)
        after = alive & (now > t) & (now <= t + extra)
        x[seen] += 1
        t_x[seen] = now[seen]
        later[after] += 1
        alive &= now <= t + extra
        alive &= rng.random(n) >= p  # drops out after this purchase
    return x, t_x, t, later


def test_parameters_are_recovered_within_five_percent() -> None:
    x, t_x, t, _ = simulate(100_000, seed=3)
    model = fit(x, t_x, t)
    for name, value in TRUE.items():
        assert getattr(model, name) == pytest.approx(value, rel=0.05), name


def test_holdout_purchases_are_predicted_within_five_percent() -> None:
    x, t_x, t, later = simulate(100_000, seed=4, extra=39.0)
    model = fit(x, t_x, t)
    predicted = model.expected_purchases(x, t_x, t, 39.0).sum()
    assert predicted == pytest.approx(later.sum(), rel=0.05)


def test_expected_purchases_equal_the_paper_formula_with_scipy() -> None:
    model = BgNbd(r=0.24, alpha=4.41, a=0.79, b=2.43, log_likelihood=0.0, customers=1.0)
    x, t_x, t, h = np.array([0.0, 2, 7]), np.array([0.0, 30.4, 35.0]), np.array([38.9] * 3), 39.0
    r, al, a, b = 0.24, 4.41, 0.79, 2.43
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, h / (al + t + h))
    first = (a + b + x - 1) / (a - 1) * (1 - ((al + t) / (al + t + h)) ** (r + x) * hyp)
    second = 1 + (x > 0) * a / (b + x - 1) * ((al + t) / (al + t_x)) ** (r + x)
    assert model.expected_purchases(x, t_x, t, h) == pytest.approx(first / second, rel=1e-9)
    assert model.p_alive(x, t_x, t) == pytest.approx(1 / second, rel=1e-12)


def test_large_histories_neither_overflow_nor_vanish() -> None:
    model = BgNbd(r=0.24, alpha=4.41, a=0.79, b=2.43, log_likelihood=0.0, customers=1.0)
    x, t_x, t = np.array([5000.0, 5000.0]), np.array([2999.0, 100.0]), np.array([3000.0] * 2)
    assert np.all(np.isfinite(log_likelihood(model, x, t_x, t)))
    alive = model.p_alive(x, t_x, t)
    assert alive[0] > 0.99 and alive[1] == pytest.approx(0.0, abs=1e-12)
    expected = model.expected_purchases(x, t_x, t, 365.0)
    assert np.all(np.isfinite(expected)) and expected[0] > expected[1] >= 0


def test_weights_are_customers() -> None:
    x, t_x, t, _ = simulate(2_000, seed=5)
    doubled = fit(np.tile(x, 2), np.tile(t_x, 2), np.tile(t, 2))
    weighted = fit(x, t_x, t, weights=np.full_like(x, 2.0))
    assert weighted.r == pytest.approx(doubled.r, rel=1e-4)
    assert weighted.customers == doubled.customers == 4_000


def test_impossible_input_is_named() -> None:
    with pytest.raises(ValueError, match="recency: impossible value in row 1"):
        fit([0, 2], [0, 50], [40, 40])
    with pytest.raises(ValueError, match="frequency"):
        fit([-1], [0], [10])
