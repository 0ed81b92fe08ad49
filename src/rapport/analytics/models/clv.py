"""Discounted customer lifetime value over a horizon, from a purchase model's expected
purchases and a spend model's expected value per purchase.

The horizon (T, T+H] is cut into steps of a month (365/12 days; the last step may be
shorter); the purchases expected in step k, E(h_k) − E(h_(k−1)), are valued at the step's
end, discounted at the yearly rate D:

    CLV = spend · Σ_k [E(h_k) − E(h_(k−1))] · (1 + D)^(−h_k / 365),   h_k = min(k·step, H)

This is the discrete approximation lifetimes uses (monthly steps, the step's purchases
at its end), with the rate given per year. Discounting at each step's end undervalues
slightly against continuous discounting: by less than a month of discount (under 0.8 %
at 10 % a year). Docs: docs/metrics.md ("Discounted CLV").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

Floats = NDArray[np.float64]
MONTH_DAYS: Final = 365 / 12


class PurchaseModel(Protocol):
    """What the CLV needs of a purchase model (BG/NBD, Pareto/NBD)."""

    def p_alive(self, x: ArrayLike, t_x: ArrayLike, t: ArrayLike) -> Floats: ...

    def expected_purchases(self, x: ArrayLike, t_x: ArrayLike, t: ArrayLike,
                           horizon: float) -> Floats: ...  # fmt: skip

    def parameters(self) -> dict[str, float]: ...


def discounted_purchases(expected: Callable[[float], Floats], horizon_days: float,
                         annual_rate: float, step_days: float = MONTH_DAYS) -> Floats:  # fmt: skip
    """Σ_k [E(h_k) − E(h_(k−1))] · (1 + D)^(−h_k/365) over the steps of ``horizon_days``,
    where ``expected(h)`` gives each customer's expected purchases in (T, T+h]."""
    if horizon_days <= 0:
        raise ValueError("horizon_days: must be above 0")
    if annual_rate <= -1:
        raise ValueError("annual_rate: must be above −100 %")
    steps = math.ceil(horizon_days / step_days - 1e-9)
    before = expected(0.0)
    total = np.zeros_like(before)
    for k in range(1, steps + 1):
        end = min(k * step_days, horizon_days)
        now = expected(end)
        total += (now - before) * (1 + annual_rate) ** (-end / 365)
        before = now
    return total


def discounted_value(model: PurchaseModel, x: ArrayLike, t_x: ArrayLike, t: ArrayLike,
                     spend: ArrayLike, horizon_days: float, annual_rate: float,
                     step_days: float = MONTH_DAYS) -> Floats:  # fmt: skip
    """Each customer's CLV: expected spend per purchase × discounted expected purchases
    of ``model`` over ``horizon_days`` at ``annual_rate`` a year."""
    purchases = discounted_purchases(
        lambda h: model.expected_purchases(x, t_x, t, h), horizon_days, annual_rate, step_days
    )
    return np.asarray(np.asarray(spend, dtype=np.float64) * purchases, dtype=np.float64)
