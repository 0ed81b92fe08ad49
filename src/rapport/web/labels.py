"""The words a page shows for stored codes (roles, stages, statuses, reasons …).

Records and analyses keep stable codes; these tables give each code its text, marked
for translation, so a page reads in the reader's language. A code with no entry is
shown as it is stored, so a new code is visible rather than blank.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from rapport.i18n import N_

LABELS: Final[dict[str, dict[str, str]]] = {
    "role": {
        "admin": N_("Admin"), "manager": N_("Manager"), "rep": N_("Sales rep"),
        "agent": N_("Service agent"), "analyst": N_("Analyst"),
    },
    "customer_kind": {"person": N_("Person"), "company": N_("Company")},
    "gender": {"female": N_("Female"), "male": N_("Male"), "other": N_("Other")},
    "stage": {
        "lead": N_("Lead"), "prospect": N_("Prospect"), "first_time": N_("First-time buyer"),
        "repeat": N_("Repeat buyer"), "loyal": N_("Loyal"), "at_risk": N_("At risk"),
        "churned": N_("Churned"), "won_back": N_("Won back"),
    },
    "interaction_kind": {
        "call": N_("Call"), "email": N_("Email"), "meeting": N_("Meeting"), "visit": N_("Visit"),
        "chat": N_("Chat"), "sms": N_("SMS"), "wechat": N_("WeChat"), "note": N_("Note"),
    },
    "direction": {"inbound": N_("Inbound"), "outbound": N_("Outbound")},
    "deal_status": {"open": N_("Open"), "won": N_("Won"), "lost": N_("Lost")},
    "task_status": {"open": N_("Open"), "done": N_("Done"), "cancelled": N_("Cancelled")},
    "order_status": {
        "pending": N_("Pending"), "paid": N_("Paid"), "refunded": N_("Refunded"),
        "cancelled": N_("Cancelled"),
    },
    "ticket_status": {
        "open": N_("Open"), "pending": N_("Pending"), "resolved": N_("Resolved"),
        "closed": N_("Closed"),
    },
    "priority": {"low": N_("Low"), "normal": N_("Normal"), "high": N_("High"),
                 "urgent": N_("Urgent")},
    "survey_kind": {"nps": N_("NPS"), "csat": N_("CSAT"), "ces": N_("CES"),
                    "custom": N_("Custom")},
    "rfm_segment": {
        "champions": N_("Champions"), "loyal": N_("Loyal"),
        "potential_loyalists": N_("Potential loyalists"), "new": N_("New"),
        "promising": N_("Promising"), "need_attention": N_("Need attention"),
        "about_to_sleep": N_("About to sleep"), "cant_lose": N_("Can't lose them"),
        "at_risk": N_("At risk"), "hibernating": N_("Hibernating"), "lost": N_("Lost"),
    },
    "level": {"high": N_("high"), "mid": N_("mid"), "low": N_("low")},
    "import_entity": {
        "customer": N_("Customers"), "order": N_("Orders"), "deal": N_("Deals"),
        "interaction": N_("Interactions"), "ticket": N_("Tickets"),
        "survey_response": N_("Survey answers"), "event": N_("Web events"),
    },
    "import_status": {
        "pending": N_("Waiting"), "running": N_("Running"), "done": N_("Finished"),
        "failed": N_("Failed"), "cancelled": N_("Cancelled"),
    },
    "import_policy": {
        "skip": N_("Leave it as it is"), "fill": N_("Fill in only its empty fields"),
        "overwrite": N_("Overwrite its fields with the file's"),
    },
    "preset": {
        "generic": N_("Generic"), "zoho": "Zoho CRM", "hubspot": "HubSpot",
        "salesforce": "Salesforce", "fxiaoke": "纷享销客 FxiaoKe",
    },
    "field_type": {
        "text": N_("Text"), "number": N_("Number"), "date": N_("Date"), "choice": N_("Choice"),
        "multi_choice": N_("Several choices"), "boolean": N_("Yes or no"),
    },
    "quota_metric": {"revenue": N_("Revenue"), "deals_won": N_("Deals won")},
    "bottleneck": {"time": N_("time"), "losses": N_("losses"), "both": N_("time and losses")},
    "model": {
        "simple": N_("simple smoothing"), "trend": N_("trend"), "damped_trend": N_("damped trend"),
        "holt_winters_additive": N_("Holt-Winters (additive)"),
        "holt_winters_multiplicative": N_("Holt-Winters (multiplicative)"),
        "naive": N_("last value"), "none": N_("none"),
    },
    "event": {
        "page_view": N_("Page view"), "product_view": N_("Product view"),
        "add_to_cart": N_("Added to cart"), "checkout": N_("Checkout"),
        "payment": N_("Payment"), "login": N_("Login"), "download": N_("Download"),
        "signup": N_("Sign-up"), "search": N_("Search"),
    },
}  # fmt: skip

# A churn reason's sentence per code: (when a figure is missing, otherwise). The figures
# come from the reason's params; the missing case is chosen by the param named first.
_REASONS: Final[dict[str, tuple[str | None, str | None, str]]] = {
    "no_purchase_since": ("usual_gap_days",
        N_("No purchase for %(days)s days; bought on one day only"),
        N_("No purchase for %(days)s days; usually buys every %(usual_gap_days)s days")),
    "purchase_trend": (None, None,
        N_("%(recent)s purchase days in the last %(window_days)s days, %(previous)s in the "
           "%(window_days)s days before")),
    "purchase_count": (None, None,
        N_("%(purchase_days)s purchase days in all (typical: %(typical)s)")),
    "order_value": ("order_value", N_("No order in %(currency)s"),
        N_("Spends %(order_value).2f %(currency)s per order (typical: %(typical).2f)")),
    "customer_since": (None, None,
        N_("First purchase %(days)s days ago (typical: %(typical)s)")),
    "p_alive": ("percent", N_("No purchase in %(currency)s to judge the purchase pattern by"),
        N_("The purchase pattern gives a %(percent)s %% chance of still buying")),
    "contacts": ("last_contact_days", N_("Never contacted"),
        N_("Last contact %(last_contact_days)s days ago, %(recent)s in the last "
           "%(window_days)s days")),
    "tickets": (None, None,
        N_("%(tickets)s tickets, %(recent)s in the last %(window_days)s days, %(open)s still "
           "open")),
    "ticket_resolution": ("mean_days", N_("No ticket resolved yet"),
        N_("Tickets took %(mean_days)s days to resolve on average, the last %(last_days)s "
           "(typical: %(typical_days)s)")),
    "nps": ("score", N_("Never answered the NPS survey"), N_("Last NPS answer: %(score)s of 10")),
    "csat": ("score", N_("Never answered the CSAT survey"), N_("Last CSAT answer: %(score)s of 5")),
    "web_activity": (None, None, N_("%(sessions)s web sessions in the last %(window_days)s days")),
}  # fmt: skip


def label(gettext: Callable[[str], str], group: str, code: object) -> str:
    """The text of ``code`` in ``group`` (``label(_, "stage", "at_risk")``), translated."""
    if code is None:
        return ""
    value = getattr(code, "value", code)
    text = LABELS.get(group, {}).get(str(value))
    return gettext(text) if text is not None else str(value)


def reason(gettext: Callable[[str], str], found: Mapping[str, Any]) -> str:
    """A churn reason (``{"code", "params", "text"}``) as a sentence, translated."""
    sentences = _REASONS.get(str(found.get("code")))
    if sentences is None:
        return str(found.get("text", found.get("code", "")))
    needed, missing, usual = sentences
    params = found.get("params") or {}
    template = missing if needed is not None and params.get(needed) is None else usual
    try:
        return gettext(template or usual) % params
    except (KeyError, TypeError, ValueError):  # params of an older run: its English text
        return str(found.get("text", ""))


def persona(gettext: Callable[[str], str], levels: Mapping[str, str]) -> str:
    """A cluster's label (``{"value": "high", "engagement": "low"}``) in words."""
    value = label(gettext, "level", levels.get("value"))
    engagement = label(gettext, "level", levels.get("engagement"))
    return gettext("%(value)s value, %(engagement)s engagement") % {
        "value": value,
        "engagement": engagement,
    }
