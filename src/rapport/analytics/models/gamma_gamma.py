"""The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value
curves for customer base analysis"; Fader & Hardie 2013, "The Gamma-Gamma model of
monetary value"): each purchase of a customer is worth z ~ Gamma(p, ν), ν ~ Gamma(q, γ)
across customers, independently of when and how often they buy.

Fitted by maximum likelihood on customers with repeat purchases, from their number x
and mean value m (the first purchase left out, as the model's sources do), with
identical (x, m) rows grouped and weighted; analytic gradient (digamma). Formulas and
sources in docs/metrics.md ("Gamma-Gamma spend model"). lifetimes is the only library
that fits it and is unmaintained (see "BG/NBD").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import digamma, gammaln
from threadpoolctl import threadpool_limits

Floats = NDArray[np.float64]
_STARTS: Final = ((0.0, 0.0, 0.0), (1.0, 1.0, 0.0))  # ln p, ln q, ln γ (spend scaled to mean 1)


@dataclass(frozen=True)
class GammaGamma:
    """Fitted parameters; γ is in the unit of the spend given (minor units in Rapport)."""

    p: float
    q: float
    gamma: float
    log_likelihood: float  # at the optimum, summed over customers (weights applied)
    customers: float  # the total weight fitted (customers with repeat purchases)

    def parameters(self) -> dict[str, float]:
        """The fitted parameters and fit figures, JSON-ready."""
        return {"p": self.p, "q": self.q, "gamma": self.gamma,
                "log_likelihood": self.log_likelihood, "customers": self.customers}  # fmt: skip

    @property
    def mean_spend(self) -> float:
        """E[Z] = pγ/(q−1) across customers (infinite when q ≤ 1)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("inf")

    def expected_spend(self, x: ArrayLike, m: ArrayLike) -> Floats:
        """E[Z | x, m] = p(γ + m·x)/(p·x + q − 1), a weighted mean of the population mean
        pγ/(q−1) and the customer's own m (weight px/(px+q−1)); the population mean for
        customers without repeat purchases (x = 0, m ignored)."""
        x_, m_ = np.broadcast_arrays(np.asarray(x, dtype=np.float64),
                                     np.asarray(m, dtype=np.float64))  # fmt: skip
        m_ = np.where(x_ > 0, m_, 0.0)
        below = self.p * x_ + self.q - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            spend = self.p * (self.gamma + m_ * x_) / below
        return np.asarray(np.where(below > 0, spend, np.inf), dtype=np.float64)


def fit(x: ArrayLike, m: ArrayLike, weights: ArrayLike | None = None) -> GammaGamma:
    """The maximum-likelihood Gamma-Gamma of customers with x ≥ 1 repeat purchases of
    mean value m > 0, each with a weight (1 when none given). Raises ValueError naming
    the field and row of an impossible input."""
    x_, m_ = (np.asarray(v, dtype=np.float64).ravel() for v in (x, m))
    w = np.ones_like(x_) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    _check(x_, m_, w)
    x_, m_, w = _distinct(x_, m_, w)
    scale = float(np.average(m_, weights=w))  # spend in units of its mean while fitting
    objective = _Objective(x_, m_ / scale, w / w.sum())
    with threadpool_limits(limits=1, user_api="blas"):
        tries = [minimize(objective, np.array(start), jac=True, method="L-BFGS-B",
                          bounds=[(-12.0, 12.0)] * 3,
                          options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9})
                 for start in _STARTS]  # fmt: skip
    best = min(tries, key=lambda found: float(found.fun))
    p, q, gamma = (float(v) for v in np.exp(best.x))
    total = float(w.sum())
    # Spend divided by c makes each density c times larger: undone for the figure.
    summed = -float(best.fun) * total - float(np.log(scale)) * total
    return GammaGamma(p=p, q=q, gamma=gamma * scale, log_likelihood=summed, customers=total)


def log_likelihood(model: GammaGamma, x: ArrayLike, m: ArrayLike) -> Floats:
    """Each customer's log-density of their mean spend m given x (eq. 3 of Fader &
    Hardie's note)."""
    x_, m_ = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64))
    p, q, g = model.p, model.q, model.gamma
    px = p * x_
    return np.asarray(gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g)
                      + (px - 1) * np.log(m_) + px * np.log(x_)
                      - (px + q) * np.log(g + m_ * x_))  # fmt: skip


class _Objective:
    """−(mean log-likelihood) and its gradient in (ln p, ln q, ln γ):
    ∂/∂p = x[ψ(px+q) − ψ(px) + ln(m x) − ln(γ+m x)], ∂/∂q = ψ(px+q) − ψ(q) + ln γ −
    ln(γ+m x), ∂/∂γ = q/γ − (px+q)/(γ+m x); log-gamma and digamma once per distinct x."""

    def __init__(self, x: Floats, m: Floats, w: Floats) -> None:
        self.xs, self.ix = np.unique(x, return_inverse=True)
        self.ix = self.ix.ravel()
        self.x, self.mx, self.w = x, m * x, w
        self.log_m, self.log_mx = np.log(m), np.log(m * x)
        self.w_x = np.bincount(self.ix, weights=w, minlength=len(self.xs))
        self.wx_x = self.w_x * self.xs
        self.constant = _dot(w, self.log_m)  # (px − 1) ln m + px ln x = px ln(m x) − ln m

    def __call__(self, log_params: Floats) -> tuple[float, Floats]:
        p, q, g = (float(v) for v in np.exp(log_params))
        px = p * self.xs
        log_g_mx = np.log(g + self.mx)
        value = (_dot(self.w_x, gammaln(px + q) - gammaln(px)) - gammaln(q) + q * np.log(g)
                 + p * _dot(self.w * self.x, self.log_mx) - self.constant
                 - _dot(self.w * (p * self.x + q), log_g_mx))  # fmt: skip
        d_p = (_dot(self.wx_x, digamma(px + q) - digamma(px))
               + _dot(self.w * self.x, self.log_mx - log_g_mx))  # fmt: skip
        d_q = _dot(self.w_x, digamma(px + q)) - digamma(q) + np.log(g) - _dot(self.w, log_g_mx)
        d_g = q / g - _dot(self.w * (p * self.x + q), 1 / (g + self.mx))
        return -value, -np.array([d_p * p, d_q * q, d_g * g])


def _dot(u: NDArray[Any], v: NDArray[Any]) -> float:
    return float(np.einsum("i,i->", u, v))


def _check(x: Floats, m: Floats, w: Floats) -> None:
    if not (x.shape == m.shape == w.shape):
        raise ValueError("weights: one per customer")
    problems = {
        "frequency": ~np.isfinite(x) | (x < 1) | (x != np.floor(x)),
        "monetary": ~np.isfinite(m) | (m <= 0),
        "weights": ~np.isfinite(w) | (w < 0),
    }
    for field, bad in problems.items():
        if np.any(bad):
            raise ValueError(f"{field}: impossible value in row {int(np.argmax(bad))}")
    if not len(x) or w.sum() <= 0:
        raise ValueError("frequency: no customers with repeat purchases to fit")


def _distinct(x: Floats, m: Floats, w: Floats) -> tuple[Floats, Floats, Floats]:
    """Identical (x, m) rows as one, their weights summed (weight-0 rows dropped)."""
    order = np.lexsort((m, x))
    xo, mo = x[order], m[order]
    starts = np.flatnonzero(np.r_[True, (xo[1:] != xo[:-1]) | (mo[1:] != mo[:-1])])
    weights = np.add.reduceat(w[order], starts)
    keep = weights > 0
    return xo[starts][keep], mo[starts][keep], weights[keep].astype(np.float64)
