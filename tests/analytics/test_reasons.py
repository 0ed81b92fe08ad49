"""Reasons: the top groups raising a risk, their params and their English wording."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rapport.analytics.features import FEATURES
from rapport.analytics.reasons import CHURN_REASONS, churn_reasons, reason_text

SETTINGS = {"currency": "CNY", "recent_days": 90, "trend_days": 180}


def test_every_feature_belongs_to_one_reason() -> None:
    grouped = [name for names in CHURN_REASONS.values() for name in names]
    assert sorted(grouped) == sorted(FEATURES)


@pytest.mark.parametrize(("code", "params", "text"), [
    ("no_purchase_since", {"days": 94, "usual_gap_days": 21},
     "no purchase for 94 days, usually buys every 21"),
    ("no_purchase_since", {"days": 120, "usual_gap_days": None},
     "no purchase for 120 days, bought on one day only"),
    ("purchase_trend", {"recent": 1, "previous": 4, "window_days": 180},
     "1 purchase days in the last 180 days, 4 in the 180 before"),
    ("purchase_count", {"purchase_days": 2, "typical": 5}, "2 purchase days in all (typical: 5)"),
    ("order_value", {"order_value": 120.5, "typical": 300.0, "currency": "CNY"},
     "spends 120.50 CNY per order (typical: 300.00)"),
    ("customer_since", {"days": 40, "typical": 246}, "first purchase 40 days ago (typical: 246)"),
    ("p_alive", {"percent": 35, "currency": "CNY"},
     "purchase pattern gives a 35 % chance of still buying"),
    ("contacts", {"last_contact_days": None, "recent": 0, "window_days": 90}, "never contacted"),
    ("contacts", {"last_contact_days": 200, "recent": 0, "window_days": 90},
     "last contact 200 days ago, 0 in the last 90 days"),
    ("tickets", {"tickets": 3, "recent": 2, "open": 1, "window_days": 90},
     "3 tickets, 2 in the last 90 days, 1 still open"),
    ("ticket_resolution", {"mean_days": 4.2, "last_days": 6.0, "typical_days": 1.1},
     "tickets took 4.2 days to resolve on average, the last 6.0 (typical: 1.1)"),
    ("nps", {"score": 3}, "last NPS answer 3 of 10"),
    ("csat", {"score": None}, "never answered the CSAT survey"),
    ("web_activity", {"sessions": 0, "events": 0, "window_days": 90},
     "0 web sessions in the last 90 days"),
])  # fmt: skip
def test_wording(code: str, params: dict[str, object], text: str) -> None:
    assert reason_text(code, params) == text


def test_the_largest_positive_groups_come_first() -> None:
    """Row 0: recency weighs 0.9, NPS 0.4, tickets 0.2 and P(alive) −1 (it lowers the
    risk): the top three are recency, NPS, tickets. Row 1: only the CSAT group raises
    the risk, so one reason."""
    row = dict.fromkeys(FEATURES, np.nan) | {
        "days_since_purchase": 94.0, "usual_gap_days": 21.2, "last_nps": 3.0, "tickets": 2.0,
        "tickets_recent": 1.0, "open_tickets": 0.0, "last_csat": 1.0,
    }  # fmt: skip
    frame = pd.DataFrame([row, row])
    codes = list(CHURN_REASONS)
    weights = np.zeros((2, len(codes)))
    weights[0, [codes.index("no_purchase_since"), codes.index("nps"), codes.index("tickets"),
                codes.index("p_alive")]] = [0.9, 0.4, 0.2, -1.0]  # fmt: skip
    weights[1, codes.index("csat")] = 0.3
    weights[1, codes.index("nps")] = -0.3
    found = churn_reasons(weights, frame, {"purchase_days": 5}, SETTINGS)
    assert [r["code"] for r in found[0]] == ["no_purchase_since", "nps", "tickets"]
    assert found[0][0] == {
        "code": "no_purchase_since",
        "params": {"days": 94, "usual_gap_days": 21},
        "weight": 0.9,
        "text": "no purchase for 94 days, usually buys every 21",
    }
    assert found[0][2]["params"] == {"tickets": 2, "recent": 1, "open": 0, "window_days": 90}
    assert [r["code"] for r in found[1]] == ["csat"]
    assert found[1][0]["text"] == "last CSAT answer 1 of 5"


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(ValueError, match="code"):
        reason_text("mood", {})


def test_one_ticket_is_said_in_the_singular() -> None:
    params = {"tickets": 1, "recent": 0, "open": 0, "window_days": 90}
    assert reason_text("tickets", params) == "1 ticket, 0 in the last 90 days, 0 still open"
    params["tickets"] = 2
    assert reason_text("tickets", params).startswith("2 tickets,")
