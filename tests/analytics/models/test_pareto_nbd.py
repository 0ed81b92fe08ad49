"""Pareto/NBD: recovered from customers simulated with known parameters; its likelihood
equal to the published formula evaluated directly; stable for large histories and for
α far from β; its predictions against the same simulation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import gammaln, hyp2f1

from rapport.analytics.models.pareto_nbd import ParetoNbd, fit, hyp2f1_one, log_likelihood

# The CDNOW estimates in weeks (Fader, Hardie & Lee 2005, "Counting your customers the
# easy way", table 1): r 0.55, α 10.58, s 0.61, β 11.67.
TRUE = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}


def simulate(n: int, seed: int, t_end: float = 260.0, extra: float = 0.0
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """(x, t_x, T, purchases in (T, T + extra]) of ``n`` customers drawn from the
    Pareto/NBD with ``TRUE``: λ ~ Gamma(r, rate α), μ ~ Gamma(s, rate β), lifetime
    τ ~ Exponential(μ); Poisson(λ) purchases while alive; T uniform on [t_end/4, t_end].
    Given x purchases in (0, min(τ, T)], the last is the maximum of x uniforms."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUE["r"], 1 / TRUE["alpha"], n)
    mu = rng.gamma(TRUE["s"], 1 / TRUE["beta"], n)
    life = rng.exponential(1.0, n) / mu
    t = rng.uniform(t_end / 4, t_end, n)
    seen = np.minimum(life, t)
    x = rng.poisson(lam * seen).astype(np.float64)
    t_x = np.where(x > 0, seen * rng.random(n) ** (1 / np.maximum(x, 1)), 0.0)
    later = rng.poisson(lam * np.clip(np.minimum(life, t + extra) - t, 0, None))
    return x, t_x, t, later.astype(np.float64)


def direct(model: ParetoNbd, x: float, t_x: float, t: float) -> float:
    """ln L by eqs. 22–23 of Fader & Hardie's note, as printed, in plain floating point
    with SciPy's hyp2f1 (fine for small x and T; overflows for large ones)."""
    r, al, s, be = model.r, model.alpha, model.s, model.beta
    b_, top = (s + 1, al) if al >= be else (r + x, be)

    def f(y: float) -> float:
        z = abs(al - be) / (top + y)
        return float(hyp2f1(r + s + x, b_, r + s + x + 1, z) / (top + y) ** (r + s + x))

    a0 = f(t_x) - f(t)
    head = np.exp(gammaln(r + x) - gammaln(r)) * al**r * be**s
    return float(np.log(head * (1 / ((al + t) ** (r + x) * (be + t) ** s) + s / (r + s + x) * a0)))


def by_integral(model: ParetoNbd, x: float, t_x: float, t: float) -> float:
    """ln L from its derivation: alive at T, or died at y in (t_x, T] (numerical quadrature)."""
    r, al, s, be = model.r, model.alpha, model.s, model.beta
    died = quad(lambda y: (al + y) ** -(r + x) * (be + y) ** -(s + 1), t_x, t,
                epsabs=0, epsrel=1e-13, limit=200)[0]  # fmt: skip
    head = gammaln(r + x) - gammaln(r) + r * np.log(al) + s * np.log(be)
    return float(head + np.log((al + t) ** -(r + x) * (be + t) ** -s + s * died))


def test_parameters_are_recovered_within_five_percent() -> None:
    """Seeds 1–5 checked by hand: every parameter within 3.8 % (β the loosest)."""
    x, t_x, t, _ = simulate(100_000, seed=1)
    model = fit(x, t_x, t)
    for name, value in TRUE.items():
        assert getattr(model, name) == pytest.approx(value, rel=0.05), name


def test_holdout_purchases_are_predicted_within_five_percent() -> None:
    """Seeds 1–5: the predicted total within 1.5 % of the simulated one."""
    x, t_x, t, later = simulate(100_000, seed=2, extra=39.0)
    model = fit(x, t_x, t)
    predicted = model.expected_purchases(x, t_x, t, 39.0).sum()
    assert predicted == pytest.approx(later.sum(), rel=0.05)


@pytest.mark.parametrize(
    "params",
    [(0.55, 10.58, 0.61, 11.67), (0.55, 20.0, 0.61, 3.0), (0.55, 3.0, 0.61, 40.0),
     (0.9, 5.0, 1.0, 5.0 + 1e-7), (0.3, 1.0, 2.5, 300.0), (2.0, 400.0, 0.4, 0.5)],
)  # fmt: skip
def test_the_likelihood_equals_the_published_formula(params: tuple[float, ...]) -> None:
    """α ≈ β, α > β, α < β, α/β = 800 and 1/300: within 1e-11 of eqs. 22–23 and of the
    integral they come from."""
    model = ParetoNbd(*params, log_likelihood=0.0, customers=1.0)
    x, t_x, t = [0.0, 1, 2, 7, 20], [0.0, 5, 30.4, 35, 38], [38.9, 38.9, 38.9, 50, 38.9]
    ours = log_likelihood(model, x, t_x, t)
    assert ours == pytest.approx([direct(model, *row) for row in zip(x, t_x, t, strict=True)],
                                 abs=1e-11)  # fmt: skip
    assert ours == pytest.approx([by_integral(model, *row) for row in zip(x, t_x, t, strict=True)],
                                 abs=1e-11)  # fmt: skip


def test_p_alive_and_expected_purchases_equal_the_formulas() -> None:
    """P(alive) = the alive term over L; E[Y(h)] = (r+x)(β+T)/((α+T)(s−1)) ·
    [1 − ((β+T)/(β+T+h))^(s−1)] · P(alive), here with plain floating point."""
    r, al, s, be = 0.55, 10.58, 0.61, 11.67
    model = ParetoNbd(r, al, s, be, log_likelihood=0.0, customers=1.0)
    x, t_x, t, h = np.array([0.0, 2, 7]), np.array([0.0, 30.4, 35.0]), np.array([38.9] * 3), 39.0
    total = np.exp(log_likelihood(model, x, t_x, t))
    head = np.exp(gammaln(r + x) - gammaln(r)) * al**r * be**s
    alive = head / ((al + t) ** (r + x) * (be + t) ** s)
    assert model.p_alive(x, t_x, t) == pytest.approx(alive / total, rel=1e-10)
    ratio = (be + t) / (be + t + h)
    expected = (r + x) * (be + t) / ((al + t) * (s - 1)) * (1 - ratio ** (s - 1))
    assert model.expected_purchases(x, t_x, t, h) == pytest.approx(expected * alive / total,
                                                                  rel=1e-10)  # fmt: skip
    at_one = ParetoNbd(r, al, 1.0, be, log_likelihood=0.0, customers=1.0)  # s = 1: the limit
    near = ParetoNbd(r, al, 1.0 + 1e-7, be, log_likelihood=0.0, customers=1.0)
    assert at_one.expected_purchases(x, t_x, t, h) == pytest.approx(
        near.expected_purchases(x, t_x, t, h), rel=1e-6
    )


def test_the_continued_fraction_near_one() -> None:
    """2F1(1, m; n; z) where the power series needs thousands of terms (z = 0.999)."""
    m, n = np.array([0.5, 1.6, 100.5, 1.6]), np.array([2.1, 2.1, 102.1, 5002.1])
    assert hyp2f1_one(m, n, 0.999) == pytest.approx(hyp2f1(1.0, m, n, 0.999), rel=1e-12)
    assert hyp2f1_one(m, n, 0.0) == pytest.approx(1.0)


def test_large_histories_neither_overflow_nor_vanish() -> None:
    """x = 5,000 purchases over 3,000 days, α ≠ β both ways: finite, and the customer who
    stopped 2,900 days ago is surely gone."""
    x, t_x, t = np.array([5000.0, 5000.0]), np.array([2999.0, 100.0]), np.array([3000.0] * 2)
    for params in ((0.55, 10.58, 0.61, 300.0), (0.55, 300.0, 0.61, 10.58)):
        model = ParetoNbd(*params, log_likelihood=0.0, customers=1.0)
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
    assert weighted.log_likelihood == pytest.approx(
        log_likelihood(weighted, x, t_x, t).sum() * 2, rel=1e-9
    )


def test_impossible_input_is_named() -> None:
    with pytest.raises(ValueError, match="recency: impossible value in row 1"):
        fit([0, 2], [0, 50], [40, 40])
    with pytest.raises(ValueError, match="frequency: impossible value in row 0"):
        fit([1.5], [3], [10])
    with pytest.raises(ValueError, match="T: impossible value in row 2"):
        fit([0, 0, 0], [0, 0, 0], [1, 2, np.nan])
