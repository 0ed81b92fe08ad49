"""``stage_at``: a customer's lifecycle stage on a day, computed by hand.

All cases use the default thresholds unless they say otherwise: at risk after 90 idle
days, churned after 180, loyal from 5 paid orders. Days are plain numbers; "idle" is
``as_of`` minus the day of the last paid order on or before ``as_of``.
"""

from __future__ import annotations

import pytest

from rapport.customers.lifecycle import LifecycleThresholds, stage_at
from rapport.customers.models import LifecycleStage as Stage

DEFAULT = LifecycleThresholds(at_risk_days=90, churned_days=180, loyal_orders=5)

CASES = [
    # -- before the first purchase -------------------------------------------------------
    # No paid order and nobody got in touch: a lead.
    pytest.param(False, [], 100, Stage.LEAD, id="lead"),
    # No paid order, but a rep has been in contact: a prospect.
    pytest.param(True, [], 100, Stage.PROSPECT, id="prospect"),
    # -- buyers ---------------------------------------------------------------------------
    # One order on day 10; idle 50 − 10 = 40 < 90: a first-time buyer.
    pytest.param(True, [10], 50, Stage.FIRST_TIME, id="first-time"),
    # Being contacted matters only before the first order: still a first-time buyer.
    pytest.param(False, [10], 50, Stage.FIRST_TIME, id="first-time-never-contacted"),
    # Two orders, idle 60 − 40 = 20, gap 40 − 10 = 30 < 180: repeat.
    pytest.param(True, [10, 40], 60, Stage.REPEAT, id="repeat"),
    # Four orders is one short of loyal_orders = 5: still repeat.
    pytest.param(True, [10, 20, 30, 40], 50, Stage.REPEAT, id="four-orders-repeat"),
    # Exactly five orders (= loyal_orders), idle 10, gaps of 10: loyal.
    pytest.param(True, [10, 20, 30, 40, 50], 60, Stage.LOYAL, id="loyal-at-threshold"),
    # -- going quiet ----------------------------------------------------------------------
    # Last order day 20, as_of 110: idle exactly 90 = at_risk_days: at risk.
    pytest.param(True, [10, 20], 110, Stage.AT_RISK, id="at-risk-at-threshold"),
    # Half a day earlier, idle 89.5 < 90: still repeat.
    pytest.param(True, [10, 20], 109.5, Stage.REPEAT, id="just-before-at-risk"),
    # A loyal customer idle 100 ≥ 90 is at risk: idleness is checked before loyalty.
    pytest.param(True, [10, 20, 30, 40, 50], 150, Stage.AT_RISK, id="loyal-goes-at-risk"),
    # Idle 179.5: at risk but not yet churned.
    pytest.param(True, [10], 189.5, Stage.AT_RISK, id="just-before-churned"),
    # Last order day 10, as_of 190: idle exactly 180 = churned_days: churned.
    pytest.param(True, [10], 190, Stage.CHURNED, id="churned-at-threshold"),
    # Idle 400 ≥ 180, however loyal they were: churned.
    pytest.param(True, [10, 20, 30, 40, 50], 450, Stage.CHURNED, id="churned-loyal"),
    # -- won back -------------------------------------------------------------------------
    # Orders on 10 and 190: the gap is exactly 180 = churned_days, and the last order is
    # recent (idle 200 − 190 = 10 < 90): won back.
    pytest.param(True, [10, 190], 200, Stage.WON_BACK, id="won-back-at-threshold"),
    # A gap of 179.5 < 180 is no return from churn: repeat.
    pytest.param(True, [10, 189.5], 200, Stage.REPEAT, id="gap-just-short-of-won-back"),
    # Five orders, but the last gap is 300 − 40 = 260 ≥ 180 and idle is 5:
    # won back is checked before loyal.
    pytest.param(True, [10, 20, 30, 40, 300], 305, Stage.WON_BACK, id="won-back-before-loyal"),
    # Only the last gap counts: an old long gap (10 → 300) followed by a short one
    # (300 → 320) is not won back; four orders: repeat.
    pytest.param(True, [5, 10, 300, 320], 330, Stage.REPEAT, id="old-gap-not-won-back"),
    # Won back on day 300, then idle 400 − 300 = 100 ≥ 90: at risk again.
    pytest.param(True, [10, 300], 400, Stage.AT_RISK, id="won-back-then-at-risk"),
    # -- the as_of cut --------------------------------------------------------------------
    # The only order is on day 150, after as_of 100: ignored, so a lead still.
    pytest.param(False, [150], 100, Stage.LEAD, id="future-order-ignored-lead"),
    # Orders on 10…60, as_of 45: only 10, 20, 30, 40 count (four): repeat, not loyal.
    pytest.param(True, [10, 20, 30, 40, 50, 60], 45, Stage.REPEAT, id="future-orders-ignored"),
    # Orders on 10 and 200, as_of 100: only day 10 counts; idle 90: at risk, not won back.
    pytest.param(True, [10, 200], 100, Stage.AT_RISK, id="future-win-back-ignored"),
    # An order on as_of itself counts (idle 0): two orders, repeat.
    pytest.param(True, [10, 100], 100, Stage.REPEAT, id="order-on-as-of-counts"),
]


@pytest.mark.parametrize(("contacted", "purchase_days", "as_of", "expected"), CASES)
def test_stage_with_default_thresholds(
    contacted: bool, purchase_days: list[float], as_of: float, expected: Stage
) -> None:
    stage = stage_at(
        contacted=contacted, purchase_days=purchase_days, as_of=as_of, thresholds=DEFAULT
    )
    assert stage is expected


@pytest.mark.parametrize(
    ("purchase_days", "as_of", "expected"),
    [
        # Thresholds 30 / 60 / 3. Three orders, idle 5: loyal (3 = loyal_orders).
        pytest.param([0, 5, 10], 15, Stage.LOYAL, id="loyal-at-3"),
        # One order on day 0, as_of 30: idle 30 = at_risk_days: at risk.
        pytest.param([0], 30, Stage.AT_RISK, id="at-risk-at-30"),
        # One order on day 0, as_of 60: idle 60 = churned_days: churned.
        pytest.param([0], 60, Stage.CHURNED, id="churned-at-60"),
        # Gap 0 → 60 = churned_days, idle 1: won back.
        pytest.param([0, 60], 61, Stage.WON_BACK, id="won-back-at-60"),
    ],
)
def test_stage_follows_other_thresholds(
    purchase_days: list[float], as_of: float, expected: Stage
) -> None:
    thresholds = LifecycleThresholds(at_risk_days=30, churned_days=60, loyal_orders=3)
    stage = stage_at(
        contacted=True, purchase_days=purchase_days, as_of=as_of, thresholds=thresholds
    )
    assert stage is expected
