"""The Pareto/NBD purchase model (Schmittlein, Morrison & Colombo 1987): while alive, a
customer buys at Poisson rate λ ~ Gamma(r, α); their lifetime is exponential with rate
μ ~ Gamma(s, β), independent of λ.

Likelihood, P(alive) and conditional expectation as in Fader & Hardie (2005), "A note
on deriving the Pareto/NBD model and related expressions" (eqs. 22–23 for the
likelihood). Everything is in log space. The hypergeometric terms are brought, through
Euler's transformation, to 2F1(1, m; n; z) with n > m, which lies between 1 and
1/(1−z) for every x, and are evaluated by Gauss's continued fraction, which converges in
tens of steps where the power series needs thousands (z near 1, α and β far apart).
Formulas and sources in docs/metrics.md ("Pareto/NBD"). Fitted on distinct histories
with weights (``histories``), in two stages (``mle``), with a finite-difference gradient:
the 2F1 terms have no convenient derivative in their parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, exprel, gammaln

from rapport.analytics.models.histories import Histories, arrays, check, distinct, pairs
from rapport.analytics.models.mle import maximise

Floats = NDArray[np.float64]
_STARTS: Final = ((0.0, 0.0, 0.0, 0.0), (-1.0, 1.0, -0.5, 1.0))  # ln r, ln α, ln s, ln β
_FRACTION_STEPS: Final = 20_000  # most steps of the continued fraction (z very near 1)
_TINY: Final = 1e-300
_DIFFERENCE: Final = 1e-6  # forward-difference step in the log parameters


@dataclass(frozen=True)
class ParetoNbd:
    """Fitted parameters, times in the unit of the data (days in Rapport)."""

    r: float
    alpha: float
    s: float
    beta: float
    log_likelihood: float  # at the optimum, summed over customers (weights applied)
    customers: float  # the total weight fitted

    def parameters(self) -> dict[str, float]:
        """The fitted parameters and fit figures, JSON-ready."""
        return {"r": self.r, "alpha": self.alpha, "s": self.s, "beta": self.beta,
                "log_likelihood": self.log_likelihood, "customers": self.customers}  # fmt: skip

    def p_alive(self, x: ArrayLike, t_x: ArrayLike, t: ArrayLike) -> Floats:
        """P(alive at T | x, t_x, T): the share of the likelihood in which the customer
        outlives T."""
        x, t_x, t = arrays(x, t_x, t)
        alive, dead = _log_cases(self.r, self.alpha, self.s, self.beta, x, t_x, t)
        return np.asarray(expit(alive - dead), dtype=np.float64)

    def expected_purchases(self, x: ArrayLike, t_x: ArrayLike, t: ArrayLike,
                           horizon: float) -> Floats:  # fmt: skip
        """E[purchases in (T, T + horizon] | x, t_x, T] =
        (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+h))^(s−1)] · P(alive),
        with [1 − q^(s−1)]/(s−1) taken as −ln q · exprel((s−1) ln q), which stays exact
        at s = 1 (where it is −ln q)."""
        x, t_x, t = arrays(x, t_x, t)
        if horizon <= 0:
            return np.zeros_like(x)
        log_q = np.log(self.beta + t) - np.log(self.beta + t + horizon)
        per_alive = (self.r + x) * (self.beta + t) / (self.alpha + t)
        per_alive = per_alive * -log_q * exprel((self.s - 1) * log_q)
        return np.asarray(per_alive * self.p_alive(x, t_x, t), dtype=np.float64)


def fit(x: ArrayLike, t_x: ArrayLike, t: ArrayLike, weights: ArrayLike | None = None) -> ParetoNbd:
    """The maximum-likelihood Pareto/NBD of customers (x, t_x, T), each with a weight
    (1 when none given). Raises ValueError naming the field and row of an impossible
    input."""
    x, t_x, t = arrays(x, t_x, t)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    check(x, t_x, t, w)
    rows = distinct(x, t_x, t, w)
    scale = 10.0 / float(t.max()) if t.max() > 0 else 1.0  # α, β near 1 while searching
    found, objective = maximise(lambda part: _Objective(part, scale), rows, _STARTS, gtol=1e-5)
    r, alpha, s, beta = (float(v) for v in np.exp(found))
    total = float(rows.weight.sum())
    # Scaling times by c adds −x ln c to each customer's ln L: undone for the days' figure.
    unscaled = -objective * total + np.log(scale) * float(rows.weight @ rows.x.values)
    return ParetoNbd(r=r, alpha=alpha / scale, s=s, beta=beta / scale,
                     log_likelihood=float(unscaled), customers=total)  # fmt: skip


def log_likelihood(model: ParetoNbd, x: ArrayLike, t_x: ArrayLike, t: ArrayLike) -> Floats:
    """Each customer's log-likelihood under ``model``."""
    x, t_x, t = arrays(x, t_x, t)
    r, alpha, s, beta = model.r, model.alpha, model.s, model.beta
    alive, dead = _log_cases(r, alpha, s, beta, x, t_x, t)
    return np.asarray(_log_common(r, alpha, s, beta, x) + np.logaddexp(alive, dead))


class _Objective:
    """−(mean log-likelihood) and its forward-difference gradient in the log parameters,
    on distinct rows; the 2F1 terms are computed once per distinct (x, t_x) and (x, T)
    pair (a few hundred thousand at a million customers) and gathered."""

    def __init__(self, rows: Histories, scale: float) -> None:
        self.w = rows.weight / rows.weight.sum()
        self.x = rows.x.values
        self.pairs = [_pairs(rows.x.index, day.index, rows.x.levels, day.levels * scale)
                      for day in (rows.t_x, rows.t)]  # fmt: skip

    def value(self, log_params: Floats) -> float:
        r, alpha, s, beta = (float(v) for v in np.exp(log_params))
        (x_tx, tx, at_tx), (x_t, t, at_t) = self.pairs
        log_f_tx = _log_tail(r, alpha, s, beta, x_tx, tx)[at_tx]
        log_f_t = _log_tail(r, alpha, s, beta, x_t, t)[at_t]
        alive = -(r + self.x) * np.log(alpha + t[at_t]) - s * np.log(beta + t[at_t])
        dead = np.log(s) - np.log(r + s + self.x) + _log_difference(log_f_tx, log_f_t)
        rows = _log_common(r, alpha, s, beta, self.x) + np.logaddexp(alive, dead)
        return -float(np.einsum("i,i->", self.w, rows))

    def __call__(self, log_params: Floats) -> tuple[float, Floats]:
        here = self.value(log_params)
        steps = [self.value(log_params + _DIFFERENCE * e) for e in np.eye(len(log_params))]
        return here, (np.array(steps) - here) / _DIFFERENCE


def _pairs(x_index: NDArray[np.int64], day_index: NDArray[np.int64], x_levels: Floats,
           day_levels: Floats) -> tuple[Floats, Floats, NDArray[np.int64]]:  # fmt: skip
    """(x, day) of each distinct pair, and each row's pair."""
    key = x_index * len(day_levels) + day_index
    unique, at = np.unique(key, return_inverse=True)
    return x_levels[unique // len(day_levels)], day_levels[unique % len(day_levels)], at.ravel()


def _log_common(r: float, alpha: float, s: float, beta: float, x: Floats) -> Floats:
    """ln[Γ(r+x) α^r β^s / Γ(r)]."""
    return np.asarray(gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta))


def _log_cases(r: float, alpha: float, s: float, beta: float, x: Floats, t_x: Floats,
               t: Floats) -> tuple[Floats, Floats]:  # fmt: skip
    """(ln of the alive-at-T term, ln of the died-in-(t_x, T] term) of eq. 22, without
    the common factor: −(r+x) ln(α+T) − s ln(β+T), and ln[s/(r+s+x) · A0] with A0 of
    eq. 23 as F(t_x) − F(T)."""
    alive = -(r + x) * np.log(alpha + t) - s * np.log(beta + t)
    tails = []
    for y in (t_x, t):  # the 2F1 terms once per distinct (x, day), then gathered
        x_pair, y_pair, at = pairs(x, y)
        tails.append(_log_tail(r, alpha, s, beta, x_pair, y_pair)[at].reshape(x.shape))
    return alive, np.log(s) - np.log(r + s + x) + _log_difference(tails[0], tails[1])


def _log_tail(r: float, alpha: float, s: float, beta: float, x: Floats, y: Floats) -> Floats:
    """ln F(y), F(y) = 2F1(r+s+x, s+1; r+s+x+1; z)/(α+y)^(r+s+x), z = (α−β)/(α+y), when
    α ≥ β, and 2F1(r+s+x, r+x; r+s+x+1; z)/(β+y)^(r+s+x), z = (β−α)/(β+y), otherwise
    (the two terms of A0, eq. 23). By Euler's transformation both are
    (α+y)^−(r+x) (β+y)^−s · G with G = 2F1(1, r+x; r+s+x+1; z) in the first case and
    (1−z) · 2F1(1, s+1; r+s+x+1; z) in the second."""
    base = -(r + x) * np.log(alpha + y) - s * np.log(beta + y)
    n = r + s + x + 1
    if alpha >= beta:
        z = (alpha - beta) / (alpha + y)
        return np.asarray(base + np.log(hyp2f1_one(r + x, n, z)))
    z = (beta - alpha) / (beta + y)
    return np.asarray(base + np.log1p(-z) + np.log(hyp2f1_one(np.full_like(n, s + 1), n, z)))


def _log_difference(log_big: Floats, log_small: Floats) -> Floats:
    """ln(e^big − e^small) for big ≥ small (−∞ where they are equal)."""
    d = np.minimum(log_small - log_big, 0.0)
    with np.errstate(divide="ignore"):
        tail = np.where(d > -0.693, np.log(-np.expm1(d)), np.log1p(-np.exp(d)))
    return np.asarray(log_big + tail)


def hyp2f1_one(m: ArrayLike, n: ArrayLike, z: ArrayLike) -> Floats:
    """2F1(1, m; n; z) for n > m > 0 and 0 ≤ z < 1, by Gauss's continued fraction for
    the ratio 2F1(a+1, b; c+1; z) / 2F1(a, b; c; z) at a = 0 (Abramowitz & Stegun
    15.2.x; in the incomplete-beta form of Numerical Recipes §6.4, with p = n − 1 and
    q = m − n + 1), summed by the modified Lentz method. Each step changes the value by
    a factor; an entry stops when that factor is within 1e-15 of 1."""
    m_, n_, z_ = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (m, n, z)))
    p, q, z = (n_ - 1).ravel(), (m_ - n_ + 1).ravel(), z_.ravel()
    c = np.ones_like(z)
    d = _nonzero(1.0 - (p + q) * z / (p + 1))
    d = 1.0 / d
    value = d.copy()
    active = np.arange(len(z))
    for j in range(1, _FRACTION_STEPS):
        pa, qa, za, ca, da = p[active], q[active], z[active], c[active], d[active]
        factor = np.ones_like(za)
        for numerator in (
            j * (qa - j) * za / ((pa + 2 * j - 1) * (pa + 2 * j)),
            -(pa + j) * (pa + qa + j) * za / ((pa + 2 * j) * (pa + 2 * j + 1)),
        ):
            da = 1.0 / _nonzero(1.0 + numerator * da)
            ca = _nonzero(1.0 + numerator / ca)
            factor = factor * da * ca
        value[active] *= factor
        c[active], d[active] = ca, da
        if j % 4 == 0 or len(active) < 64:  # gathering the unfinished costs a step
            active = active[np.abs(factor - 1.0) > 1e-15]
            if not len(active):
                return value.reshape(z_.shape)
    raise ArithmeticError("the hypergeometric continued fraction did not converge (z near 1)")


def _nonzero(values: Floats) -> Floats:
    """``values`` with exact zeros moved off zero (Lentz's guard)."""
    return np.where(np.abs(values) < _TINY, _TINY, values)
