"""The BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting your customers the
easy way"): while alive, a customer buys at Poisson rate λ ~ Gamma(r, α); after each
purchase they drop out with probability p ~ Beta(a, b).

Fitted by maximum likelihood on per-customer (frequency x, recency t_x, age T), with
identical rows grouped and weighted, so fitting costs grow with distinct rows. Every
term is in log space (log-gamma, log-beta; ``logaddexp`` for the sum of the two cases),
so large x or T neither overflow nor lose the smaller case. Formulas and sources in
docs/metrics.md ("BG/NBD"). No maintained library fits here: see that section.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import expit, gammaln

Floats = NDArray[np.float64]
_SERIES_TERMS: Final = 20_000  # most terms of the hypergeometric series (z near 1)


@dataclass(frozen=True)
class BgNbd:
    """Fitted parameters, times in the unit of the data (days in Rapport)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float  # at the optimum, summed over customers (weights applied)
    customers: float  # the total weight fitted

    def p_alive(self, x: ArrayLike, t_x: ArrayLike, t: ArrayLike) -> Floats:
        """P(alive at T | x, t_x, T): 1 for customers who never bought again (x = 0)."""
        x, t_x, t = _arrays(x, t_x, t)
        return np.asarray(expit(-_log_dropout_odds(self, x, t_x, t)), dtype=np.float64)

    def expected_purchases(self, x: ArrayLike, t_x: ArrayLike, t: ArrayLike,
                           horizon: float) -> Floats:  # fmt: skip
        """E[purchases in (T, T + horizon] | x, t_x, T] (eq. 10 of the paper).

        The Gaussian hypergeometric 2F1(r+x, b+x; a+b+x-1; z) is taken through Euler's
        transformation to 2F1(a+b-1-r, a-1; a+b+x-1; z) (1-z)^(a-1-r-x): its series has
        small numerator parameters whatever x is, so it converges in few terms and
        the power of (1-z) combines with the model's own ((α+T)/(α+T+h))^(r+x)."""
        x, t_x, t = _arrays(x, t_x, t)
        if horizon <= 0:
            return np.zeros_like(x)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = horizon / (alpha + t + horizon)
        series = _hyp2f1_series(a + b - 1 - r, a - 1, a + b + x - 1, z)
        stay = (1 - z) ** (a - 1) * series  # ((α+T)/(α+T+h))^(r+x) · 2F1(…)
        bought = (a + b + x - 1) / (a - 1) * (1 - stay)
        return np.asarray(bought * expit(-_log_dropout_odds(self, x, t_x, t)), dtype=np.float64)


def fit(x: ArrayLike, t_x: ArrayLike, t: ArrayLike, weights: ArrayLike | None = None) -> BgNbd:
    """The maximum-likelihood BG/NBD of customers (x, t_x, T), each with a weight (how
    many customers share the row; 1 when none given). Raises ValueError naming the
    field when an input is impossible (negative, t_x > T, x > 0 with t_x = 0 …)."""
    x, t_x, t = _arrays(x, t_x, t)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    _check(x, t_x, t, w)
    rows, counts = _distinct(x, t_x, t, w)
    x, t_x, t = rows
    scale = 10.0 / float(t.max()) if t.max() > 0 else 1.0  # α near 1: a better-shaped search
    sx, st = t_x * scale, t * scale

    def negative(log_params: Floats) -> float:
        r, alpha, a, b = np.exp(log_params)
        return -float(np.dot(counts, _log_likelihood(r, alpha, a, b, x, sx, st)))

    best = None
    for start in ((0.0, 0.0, 0.0, 0.0), (-1.0, 1.0, -0.5, 0.5)):
        found = minimize(negative, np.array(start), method="L-BFGS-B",
                         bounds=[(-12.0, 12.0)] * 4, options={"maxiter": 2000})  # fmt: skip
        if best is None or found.fun < best.fun:
            best = found
    assert best is not None
    r, alpha, a, b = np.exp(best.x)
    return BgNbd(r=float(r), alpha=float(alpha / scale), a=float(a), b=float(b),
                 log_likelihood=-float(best.fun), customers=float(counts.sum()))  # fmt: skip


def log_likelihood(model: BgNbd, x: ArrayLike, t_x: ArrayLike, t: ArrayLike) -> Floats:
    """Each customer's log-likelihood under ``model``."""
    x, t_x, t = _arrays(x, t_x, t)
    return _log_likelihood(model.r, model.alpha, model.a, model.b, x, t_x, t)


def _log_likelihood(r: float, alpha: float, a: float, b: float, x: Floats, t_x: Floats,
                    t: Floats) -> Floats:  # fmt: skip
    """ln L(r, α, a, b | x, t_x, T) (eq. 6 of the paper), in log space throughout."""
    log_beta_ab = gammaln(a) + gammaln(b) - gammaln(a + b)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    alive = gammaln(a) + gammaln(b + x) - gammaln(a + b + x) - log_beta_ab
    alive = alive - (r + x) * np.log(alpha + t)
    repeat = x > 0
    dropped = np.full_like(x, -np.inf)
    xr = x[repeat]
    dropped[repeat] = (
        gammaln(a + 1) + gammaln(b + xr - 1) - gammaln(a + b + xr) - log_beta_ab
        - (r + xr) * np.log(alpha + t_x[repeat])
    )  # fmt: skip
    return np.asarray(common + np.logaddexp(alive, dropped), dtype=np.float64)


def _log_dropout_odds(model: BgNbd, x: Floats, t_x: Floats, t: Floats) -> Floats:
    """ln[a/(b+x-1) · ((α+T)/(α+t_x))^(r+x)] for x > 0 (−∞ for x = 0: surely alive)."""
    odds = np.full_like(x, -np.inf)
    repeat = x > 0
    xr = x[repeat]
    odds[repeat] = (
        np.log(model.a)
        - np.log(model.b + xr - 1)
        + (model.r + xr) * (np.log(model.alpha + t[repeat]) - np.log(model.alpha + t_x[repeat]))
    )
    return odds


def _hyp2f1_series(p: float, q: float, c: Floats, z: Floats) -> Floats:
    """2F1(p, q; c; z) by its power series, for 0 ≤ z < 1 (term by term until the terms
    no longer change the sum)."""
    total = np.ones_like(c)
    term = np.ones_like(c)
    for k in range(_SERIES_TERMS):
        term = term * (p + k) * (q + k) / ((c + k) * (k + 1)) * z
        total = total + term
        if np.all(np.abs(term) <= 1e-15 * np.abs(total)):
            return total
    raise ArithmeticError("the hypergeometric series did not converge (z too near 1)")


def _arrays(x: ArrayLike, t_x: ArrayLike, t: ArrayLike) -> tuple[Floats, Floats, Floats]:
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, t)))
    return arrays[0], arrays[1], arrays[2]


def _check(x: Floats, t_x: Floats, t: Floats, w: Floats) -> None:
    if w.shape != x.shape:
        raise ValueError("weights: one per customer")
    problems = {
        "frequency": ~np.isfinite(x) | (x < 0) | (x != np.floor(x)),
        "recency": ~np.isfinite(t_x) | (t_x < 0) | (t_x > t) | ((x > 0) & (t_x == 0)),
        "T": ~np.isfinite(t) | (t < 0),
        "weights": ~np.isfinite(w) | (w < 0),
    }
    for field, bad in problems.items():
        if np.any(bad):
            raise ValueError(f"{field}: impossible value in row {int(np.argmax(bad))}")
    if not len(x) or w.sum() <= 0:
        raise ValueError("frequency: no customers to fit")


def _distinct(
    x: Floats, t_x: Floats, t: Floats, w: Floats
) -> tuple[tuple[Floats, Floats, Floats], Floats]:
    """Identical (x, t_x, T) rows as one, their weights summed."""
    rows = np.stack([x, t_x, t], axis=1)
    unique, inverse = np.unique(rows, axis=0, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=w, minlength=len(unique))
    keep = counts > 0
    unique = unique[keep]
    return (unique[:, 0], unique[:, 1], unique[:, 2]), counts[keep].astype(np.float64)
