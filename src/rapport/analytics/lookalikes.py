"""Lookalikes: how much each customer's profile as a lead resembles what the most valuable
customers looked like as leads (docs/metrics.md, "Lookalikes").

The most valuable customers are the top ``top_share`` of buyers by paid revenue to date.
A customer's profile is what was known of them in their first ``early_days``: kind,
channel, country, province, language, whether a contact or referred, and the
interactions, web sessions and deals of those days. A logistic regression learns
P(top | profile) against every customer whose first ``early_days`` have passed; by
Bayes, that probability over the base rate is the ratio of the profile's frequency
among the top customers to its frequency among all, which is what "looks like a top
customer" means here (a profile common everywhere scores no higher for being common,
unlike a mean distance to the top group). The same model scores every customer's
profile, open leads' included (for a lead younger than ``early_days``, its days so far).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import numpy as np

from rapport.analytics.common import BadParameter
from rapport.analytics.lead_features import PROFILE_CATEGORIES, PROFILE_NUMBERS, profile_expr
from rapport.analytics.models import classifier
from rapport.analytics.models.classifier import Columns
from rapport.analytics.source import Source

COLUMNS: Final = Columns(
    numeric=PROFILE_NUMBERS,
    categorical=PROFILE_CATEGORIES,
    logged=frozenset({"interactions_early", "sessions_early", "deals_early"}),
)


@dataclass(frozen=True)
class LookalikeParams:
    """The top ``top_share`` of buyers by revenue in ``currency`` are the ones to
    resemble; a profile is a customer's first ``early_days``."""

    top_share: float = 0.10
    early_days: int = 14
    currency: str = "CNY"
    max_training_rows: int = 100_000

    def __post_init__(self) -> None:
        if not 0 < self.top_share < 1:
            raise BadParameter("top_share", "must lie between 0 and 1")
        if self.early_days < 1:
            raise BadParameter("early_days", "must be at least 1")


@dataclass(frozen=True)
class Lookalikes:
    """Per customer created by the day (aligned arrays, by customer id): P(top | profile)."""

    customer_id: np.ndarray[Any, np.dtype[np.int64]]
    score: np.ndarray[Any, np.dtype[np.float64]]
    top: np.ndarray[Any, np.dtype[np.bool_]]  # among the most valuable customers
    parameters: dict[str, Any]


def lookalikes(source: Source, as_of: date, params: LookalikeParams) -> Lookalikes:
    """Every customer's lookalike score at the end of ``as_of``."""
    table = source.to_arrow(profile_expr(source, as_of, params.early_days, params.currency))
    data = table.to_pandas()
    ids = data["customer_id"].to_numpy().astype(np.int64)
    revenue = data["revenue_minor"].to_numpy(dtype=np.float64)
    buyers = data["buyer"].to_numpy(dtype=bool) & (revenue > 0)
    if buyers.sum() < 2:
        raise BadParameter("as_of", "too few buyers to find the most valuable ones")
    threshold = float(np.quantile(revenue[buyers], 1 - params.top_share))
    top = buyers & (revenue >= threshold)
    complete = data["complete"].to_numpy(dtype=bool)
    if not 0 < top[complete].sum() < complete.sum():
        raise BadParameter("as_of", "too little history to compare leads with top customers")
    model = classifier.fit("logistic", COLUMNS, data[complete].reset_index(drop=True),
                           top[complete], None, params.max_training_rows)  # fmt: skip
    score = model.probability(data)
    parameters = model.parameters() | {
        "top_share": params.top_share, "early_days": params.early_days,
        "threshold_revenue_minor": threshold, "top_customers": int(top.sum()),
        "currency": params.currency,
    }  # fmt: skip
    return Lookalikes(ids, score, top, parameters)
