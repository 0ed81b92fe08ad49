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
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, expit, gammaln

from rapport.analytics.models.histories import Histories, arrays, check, distinct, pairs
from rapport.analytics.models.mle import maximise

Floats = NDArray[np.float64]
_SERIES_TERMS: Final = 20_000  # most terms of the hypergeometric series (z near 1)
_STARTS: Final = ((0.0, 0.0, 0.0, 0.0), (-1.0, 1.0, -0.5, 0.5))  # ln r, ln α, ln a, ln b


@dataclass(frozen=True)
class BgNbd:
    """Fitted parameters, times in the unit of the data (days in Rapport)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float  # at the optimum, summed over customers (weights applied)
    customers: float  # the total weight fitted

    def parameters(self) -> dict[str, float]:
        """The fitted parameters and fit figures, JSON-ready."""
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b,
                "log_likelihood": self.log_likelihood, "customers": self.customers}  # fmt: skip

    def p_alive(self, x: ArrayLike, t_x: ArrayLike, t: ArrayLike) -> Floats:
        """P(alive at T | x, t_x, T): 1 for customers who never bought again (x = 0)."""
        x, t_x, t = arrays(x, t_x, t)
        return np.asarray(expit(-_log_dropout_odds(self, x, t_x, t)), dtype=np.float64)

    def expected_purchases(self, x: ArrayLike, t_x: ArrayLike, t: ArrayLike,
                           horizon: float) -> Floats:  # fmt: skip
        """E[purchases in (T, T + horizon] | x, t_x, T] (eq. 10 of the paper).

        The Gaussian hypergeometric 2F1(r+x, b+x; a+b+x-1; z) is taken through Euler's
        transformation to 2F1(a+b-1-r, a-1; a+b+x-1; z) (1-z)^(a-1-r-x): its series has
        small numerator parameters whatever x is, so it converges in few terms and
        the power of (1-z) combines with the model's own ((α+T)/(α+T+h))^(r+x)."""
        x, t_x, t = arrays(x, t_x, t)
        if horizon <= 0:
            return np.zeros_like(x)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        # The series depends on x and T only: once per distinct (x, T), then gathered.
        x_pair, t_pair, at = pairs(x, t)
        z = horizon / (alpha + t_pair + horizon)
        series = _hyp2f1_series(a + b - 1 - r, a - 1, a + b + x_pair - 1, z)
        stay = ((1 - z) ** (a - 1) * series)[at].reshape(x.shape)  # ((α+T)/(α+T+h))^(r+x) · 2F1
        bought = (a + b + x - 1) / (a - 1) * (1 - stay)
        return np.asarray(bought * expit(-_log_dropout_odds(self, x, t_x, t)), dtype=np.float64)


def fit(x: ArrayLike, t_x: ArrayLike, t: ArrayLike, weights: ArrayLike | None = None) -> BgNbd:
    """The maximum-likelihood BG/NBD of customers (x, t_x, T), each with a weight (how
    many customers share the row; 1 when none given). Raises ValueError naming the
    field when an input is impossible (negative, t_x > T, x > 0 with t_x = 0 …)."""
    x, t_x, t = arrays(x, t_x, t)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    check(x, t_x, t, w)
    rows = distinct(x, t_x, t, w)
    scale = 10.0 / float(t.max()) if t.max() > 0 else 1.0  # α near 1: a better-shaped search
    found, objective = maximise(lambda part: _Objective(part, scale), rows, _STARTS)
    r, alpha, a, b = (float(v) for v in np.exp(found))
    total = float(rows.weight.sum())
    # Scaling times by s adds −x ln s to each customer's ln L: undone for the days' figure.
    unscaled = -objective * total + np.log(scale) * _dot(rows.weight, rows.x.values)
    return BgNbd(
        r=r, alpha=alpha / scale, a=a, b=b, log_likelihood=float(unscaled), customers=total
    )


class _Objective:
    """−(mean log-likelihood) per customer and its gradient in (ln r, ln α, ln a, ln b)
    on distinct rows (times multiplied by ``scale``).

    Of ln L = ln Γ(r+x) − ln Γ(r) + r ln α + logaddexp(A, B), everything that depends on x
    alone (log-gamma, digamma) is computed once per distinct x and gathered, and
    ln(α+T), ln(α+t_x) once per distinct day. With w_B = e^(B − logaddexp(A, B)) the
    weight of the drop-out case, the derivatives are (ψ digamma):
    ∂/∂r = ψ(r+x) − ψ(r) + ln α − (1−w_B) ln(α+T) − w_B ln(α+t_x);
    ∂/∂α = r/α − (r+x)[(1−w_B)/(α+T) + w_B/(α+t_x)];
    ∂/∂a = ψ(a+b) − ψ(a+b+x) + w_B/a;
    ∂/∂b = ψ(b+x) − ψ(b) + ψ(a+b) − ψ(a+b+x) − w_B/(b+x−1)."""

    def __init__(self, rows: Histories, scale: float) -> None:
        self.xs, self.ix = rows.x.levels, rows.x.index
        self.ts, self.it = rows.t.levels * scale, rows.t.index
        self.txs, self.itx = rows.t_x.levels * scale, rows.t_x.index
        self.w = rows.weight / rows.weight.sum()
        self.x = rows.x.values
        self.w_x = np.bincount(self.ix, weights=self.w, minlength=len(self.xs))
        self.w_t = np.bincount(self.it, weights=self.w, minlength=len(self.ts))
        self.wx_t = np.bincount(self.it, weights=self.w * self.x, minlength=len(self.ts))
        self.repeat = self.xs > 0

    def __call__(self, log_params: Floats) -> tuple[float, Floats]:
        r, alpha, a, b = (float(v) for v in np.exp(log_params))
        xs, repeat = self.xs, self.repeat
        log_beta_ab = gammaln(a) + gammaln(b) - gammaln(a + b)
        common = gammaln(r + xs) - gammaln(r) + r * np.log(alpha)
        alive = gammaln(a) + gammaln(b + xs) - gammaln(a + b + xs) - log_beta_ab
        dropped = np.full_like(xs, -np.inf)
        dropped[repeat] = (gammaln(a + 1) + gammaln(b + xs[repeat] - 1)
                           - gammaln(a + b + xs[repeat]) - log_beta_ab)  # fmt: skip
        log_t, log_tx = np.log(alpha + self.ts), np.log(alpha + self.txs)
        log_t_rows, log_tx_rows = log_t[self.it], log_tx[self.itx]
        r_x = r + self.x
        case_a = alive[self.ix] - r_x * log_t_rows
        case_b = dropped[self.ix] - r_x * log_tx_rows
        both = np.logaddexp(case_a, case_b)
        w_b = self.w * np.exp(case_b - both)  # customer weight × the drop-out case's share
        value = _dot(self.w_x, common) + _dot(self.w, both)
        inv_t, inv_tx = 1 / (alpha + self.ts), 1 / (alpha + self.txs)
        per_x = np.bincount(self.ix, weights=w_b, minlength=len(xs))
        psi_ab = digamma(a + b)
        d_r = (_dot(self.w_x, digamma(r + xs) - digamma(r) + np.log(alpha))
               - _dot(self.w_t, log_t) - _dot(w_b, log_tx_rows - log_t_rows))  # fmt: skip
        d_alpha = (r / alpha - r * _dot(self.w_t, inv_t) - _dot(self.wx_t, inv_t)
                   - _dot(w_b * r_x, inv_tx[self.itx] - inv_t[self.it]))  # fmt: skip
        d_a = _dot(self.w_x, psi_ab - digamma(a + b + xs)) + per_x.sum() / a
        d_b = (_dot(self.w_x, digamma(b + xs) - digamma(b) + psi_ab - digamma(a + b + xs))
               - _dot(per_x[repeat], 1 / (b + xs[repeat] - 1)))  # fmt: skip
        gradient = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
        return -value, -gradient


def _dot(u: NDArray[Any], v: NDArray[Any]) -> float:
    """Σ u·v without BLAS (whose threads cost more than they save on one vector)."""
    return float(np.einsum("i,i->", u, v))


def log_likelihood(model: BgNbd, x: ArrayLike, t_x: ArrayLike, t: ArrayLike) -> Floats:
    """Each customer's log-likelihood under ``model``."""
    x, t_x, t = arrays(x, t_x, t)
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
    """2F1(p, q; c; z) by its power series, for 0 ≤ z < 1: each entry adds terms until
    they no longer change its sum (entries near z = 1 take longest, and alone)."""
    total = np.ones_like(c)
    term = np.ones_like(c)
    active = np.arange(len(c))
    for k in range(_SERIES_TERMS):
        term = term * (p + k) * (q + k) / ((c[active] + k) * (k + 1)) * z[active]
        total[active] += term
        if k % 8 == 7 or len(active) < 64:  # gathering the unfinished costs a term
            going = np.abs(term) > 1e-15 * np.abs(total[active])
            active, term = active[going], term[going]
            if not len(active):
                return total
    raise ArithmeticError("the hypergeometric series did not converge (z too near 1)")
