"""The reasons behind a churn risk, in a fixed vocabulary: each names a group of the
churn features (``CHURN_REASONS``), carries the customer's figures as ``params`` and
its ``weight`` (how much the group raises the risk, in log-odds), so a page can say
it in any language; ``text`` says it in English. The codes and their params are listed
in docs/metrics.md ("Reasons"); a code is never renamed, only added.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import numpy as np
import pandas as pd

# code → the features whose contribution it sums (rapport.analytics.features.FEATURES)
CHURN_REASONS: Final[Mapping[str, tuple[str, ...]]] = {
    "no_purchase_since": ("days_since_purchase", "usual_gap_days"),
    "purchase_trend": ("purchases_recent", "purchases_previous"),
    "purchase_count": ("purchase_days",),
    "order_value": ("order_value_minor", "revenue_minor"),
    "customer_since": ("customer_days", "tenure_days"),
    "p_alive": ("p_alive",),
    "contacts": ("interactions", "interactions_recent", "days_since_interaction"),
    "tickets": ("tickets", "tickets_recent", "open_tickets"),
    "ticket_resolution": ("mean_resolution_days", "last_resolution_days"),
    "nps": ("last_nps",),
    "csat": ("last_csat",),
    "web_activity": ("sessions_recent", "events_recent"),
}
Row = Mapping[str, Any]
Typical = Mapping[str, Any]


def churn_reasons(contributions: np.ndarray[Any, np.dtype[np.float64]], frame: pd.DataFrame,
                  typical: Typical, settings: Mapping[str, Any],
                  top: int = 3) -> list[list[dict[str, Any]]]:  # fmt: skip
    """Per row of ``frame``, up to ``top`` reasons raising its risk (positive
    contribution, the largest first): ``code``, ``params``, ``weight``, ``text``.
    ``contributions`` has one column per code of ``CHURN_REASONS``, in order;
    ``typical`` gives the reference values, ``settings`` the windows and currency."""
    codes = list(CHURN_REASONS)
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :top]
    rows = frame.to_dict("records")
    out = []
    for i, row in enumerate(rows):
        reasons = []
        for j in order[i]:
            weight = float(contributions[i, j])
            if weight <= 0:
                break
            params = _PARAMS[codes[j]](row, typical, settings)
            reasons.append({"code": codes[j], "params": params, "weight": round(weight, 4),
                            "text": reason_text(codes[j], params)})  # fmt: skip
        out.append(reasons)
    return out


def reason_text(code: str, params: Mapping[str, Any]) -> str:
    """The reason in English, from its code and params."""
    p = params
    if code == "no_purchase_since":
        if p["usual_gap_days"] is None:
            return f"no purchase for {p['days']} days, bought on one day only"
        return f"no purchase for {p['days']} days, usually buys every {p['usual_gap_days']}"
    if code == "purchase_trend":
        return (f"{p['recent']} purchase days in the last {p['window_days']} days, "
                f"{p['previous']} in the {p['window_days']} before")  # fmt: skip
    if code == "purchase_count":
        return f"{p['purchase_days']} purchase days in all (typical: {p['typical']})"
    if code == "order_value":
        if p["order_value"] is None:
            return f"no order in {p['currency']}"
        return (f"spends {p['order_value']:.2f} {p['currency']} per order "
                f"(typical: {p['typical']:.2f})")  # fmt: skip
    if code == "customer_since":
        return f"first purchase {p['days']} days ago (typical: {p['typical']})"
    if code == "p_alive":
        if p["percent"] is None:
            return f"no purchase in {p['currency']} to judge the purchase pattern by"
        return f"purchase pattern gives a {p['percent']} % chance of still buying"
    if code == "contacts":
        if p["last_contact_days"] is None:
            return "never contacted"
        return (f"last contact {p['last_contact_days']} days ago, {p['recent']} in the last "
                f"{p['window_days']} days")  # fmt: skip
    if code == "tickets":
        noun = "ticket" if p["tickets"] == 1 else "tickets"
        return (f"{p['tickets']} {noun}, {p['recent']} in the last {p['window_days']} days, "
                f"{p['open']} still open")  # fmt: skip
    if code == "ticket_resolution":
        if p["mean_days"] is None:
            return "no ticket resolved yet"
        return (f"tickets took {p['mean_days']} days to resolve on average, the last "
                f"{p['last_days']} (typical: {p['typical_days']})")  # fmt: skip
    if code in ("nps", "csat"):
        name, scale = ("NPS", 10) if code == "nps" else ("CSAT", 5)
        if p["score"] is None:
            return f"never answered the {name} survey"
        return f"last {name} answer {p['score']} of {scale}"
    if code == "web_activity":
        return f"{p['sessions']} web sessions in the last {p['window_days']} days"
    raise ValueError(f"code: unknown reason {code!r}")


def _number(value: Any, digits: int | None = 0) -> Any:
    """A figure for params: None when missing, an int (``digits`` 0) or a rounded float."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return round(float(value)) if digits == 0 else round(float(value), digits)


def _money(value: Any) -> float | None:
    minor = _number(value, 2)
    return None if minor is None else round(minor / 100, 2)


_PARAMS: Final[dict[str, Callable[[Row, Typical, Mapping[str, Any]], dict[str, Any]]]] = {
    "no_purchase_since": lambda r, t, s: {
        "days": _number(r["days_since_purchase"]), "usual_gap_days": _number(r["usual_gap_days"])},
    "purchase_trend": lambda r, t, s: {
        "recent": _number(r["purchases_recent"]), "previous": _number(r["purchases_previous"]),
        "window_days": s["trend_days"]},
    "purchase_count": lambda r, t, s: {
        "purchase_days": _number(r["purchase_days"]), "typical": _number(t["purchase_days"])},
    "order_value": lambda r, t, s: {
        "order_value": _money(r["order_value_minor"]),
        "typical": _money(t["order_value_minor"]), "currency": s["currency"]},
    "customer_since": lambda r, t, s: {
        "days": _number(r["customer_days"]), "typical": _number(t["customer_days"])},
    "p_alive": lambda r, t, s: {
        "percent": _number(None if r["p_alive"] is None else 100 * r["p_alive"]),
        "currency": s["currency"]},
    "contacts": lambda r, t, s: {
        "last_contact_days": _number(r["days_since_interaction"]),
        "recent": _number(r["interactions_recent"]), "window_days": s["recent_days"]},
    "tickets": lambda r, t, s: {
        "tickets": _number(r["tickets"]), "recent": _number(r["tickets_recent"]),
        "open": _number(r["open_tickets"]), "window_days": s["recent_days"]},
    "ticket_resolution": lambda r, t, s: {
        "mean_days": _number(r["mean_resolution_days"], 1),
        "last_days": _number(r["last_resolution_days"], 1),
        "typical_days": _number(t["mean_resolution_days"], 1)},
    "nps": lambda r, t, s: {"score": _number(r["last_nps"])},
    "csat": lambda r, t, s: {"score": _number(r["last_csat"])},
    "web_activity": lambda r, t, s: {
        "sessions": _number(r["sessions_recent"]), "events": _number(r["events_recent"]),
        "window_days": s["recent_days"]},
}  # fmt: skip
