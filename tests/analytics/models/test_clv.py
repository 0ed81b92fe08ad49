"""Discounted CLV: worked by hand on a purchase curve simple enough for paper, and
against a fitted model's own expected purchases."""

from __future__ import annotations

import numpy as np
import pytest

from rapport.analytics.models.bgnbd import BgNbd
from rapport.analytics.models.clv import discounted_purchases, discounted_value


def test_monthly_steps_discounted_at_their_end_by_hand() -> None:
    """Customers expecting 0.01 and 0.02 purchases a day; 60 days in 30-day steps at 10 %
    a year: 0.3 purchases in each step for the first, discounted by 1.1^(−30/365) =
    0.9921969 and 1.1^(−60/365) = 0.9844547, 0.5929955 in all; twice that for the
    second. A 45-day horizon ends with a 15-day step: 0.3 · 0.9921969 + 0.15 · 0.9883182
    = 0.4459068."""
    rates = np.array([0.01, 0.02])
    value = discounted_purchases(lambda h: rates * h, 60, 0.10, step_days=30)
    assert value == pytest.approx([0.5929955, 1.1859909], abs=1e-7)
    short = discounted_purchases(lambda h: rates * h, 45, 0.10, step_days=30)
    assert short[0] == pytest.approx(0.4459068, abs=1e-7)


def test_undiscounted_value_is_spend_times_expected_purchases() -> None:
    """At a 0 % rate the steps add up to the purchases expected over the whole horizon;
    at 10 % a year the value is lower, but by less than a year's discount."""
    model = BgNbd(r=0.24, alpha=4.41, a=0.79, b=2.43, log_likelihood=0.0, customers=1.0)
    x, t_x, t = np.array([0.0, 2, 7]), np.array([0.0, 30.4, 35.0]), np.array([38.9] * 3)
    spend = np.array([10.0, 20.0, 30.0])
    plain = discounted_value(model, x, t_x, t, spend, 365, 0.0)
    assert plain == pytest.approx(spend * model.expected_purchases(x, t_x, t, 365), rel=1e-12)
    discounted = discounted_value(model, x, t_x, t, spend, 365, 0.10)
    assert np.all(discounted < plain) and np.all(discounted > plain / 1.1)


def test_bad_settings_are_named() -> None:
    with pytest.raises(ValueError, match="horizon_days"):
        discounted_purchases(lambda h: np.array([h]), 0, 0.1)
