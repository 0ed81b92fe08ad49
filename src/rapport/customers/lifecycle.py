"""A customer's lifecycle stage from their contact and purchase history.

The rules (and their thresholds, which are settings) are defined in docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapport.customers.models import LifecycleStage


@dataclass(frozen=True)
class LifecycleThresholds:
    """Days without a purchase that make a customer at risk, then churned; orders for loyal."""

    at_risk_days: float = 90
    churned_days: float = 180
    loyal_orders: int = 5


def stage_at(
    *,
    contacted: bool,
    purchase_days: Sequence[float],
    as_of: float,
    thresholds: LifecycleThresholds,
) -> LifecycleStage:
    """The stage on day ``as_of`` given the (sorted) days of paid orders up to then."""
    past = [d for d in purchase_days if d <= as_of]
    if not past:
        return LifecycleStage.PROSPECT if contacted else LifecycleStage.LEAD
    idle = as_of - past[-1]
    if idle >= thresholds.churned_days:
        return LifecycleStage.CHURNED
    if idle >= thresholds.at_risk_days:
        return LifecycleStage.AT_RISK
    if len(past) >= 2 and past[-1] - past[-2] >= thresholds.churned_days:
        return LifecycleStage.WON_BACK
    if len(past) >= thresholds.loyal_orders:
        return LifecycleStage.LOYAL
    if len(past) >= 2:
        return LifecycleStage.REPEAT
    return LifecycleStage.FIRST_TIME
