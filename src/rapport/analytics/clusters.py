"""Clusters of buying customers by value and engagement, each described as a persona:
its size, value, engagement, typical channel and top product categories, with a label
made of stable codes ("high value, low engagement").

Features come from the per-customer summary (and web sessions from the events), each
``log1p``-transformed (counts and amounts are skewed to the right) and standardised;
k-means with k chosen by the silhouette does the grouping (``models.kmeans``).
Definitions in docs/metrics.md ("Clusters and personas").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Final, Literal

import numpy as np

from rapport.analytics.common import BadParameter, as_of_timestamp, positions
from rapport.analytics.models import kmeans
from rapport.analytics.models.kmeans import Floats, Ints, KMeansFit
from rapport.analytics.personas import Members, Persona, as_floats, as_ids, top_categories
from rapport.analytics.source import MissingTable, Source
from rapport.analytics.summary import SummaryParams, summary_expr

Side = Literal["value", "engagement"]


@dataclass(frozen=True)
class Feature:
    """A clustering feature: ``log1p`` of a per-customer count or amount. ``direction``
    says how it moves its side's level: +1 more is higher, −1 less is higher, 0 it
    shapes the clusters but not the level."""

    name: str
    side: Side
    direction: int


FEATURES: Final = (
    Feature("revenue", "value", 1),  # paid revenue, minor units
    Feature("orders", "value", 1),  # paid orders
    Feature("interactions", "engagement", 1),  # contacts logged
    Feature("days_since_purchase", "engagement", -1),  # recent buyers are engaged
    Feature("tickets", "engagement", 0),  # service need: neither more nor less engaged
    Feature("web_sessions", "engagement", 1),  # only where the source has events
)
_BY_NAME: Final = {f.name: f for f in FEATURES}
_MAX_K: Final = 20


@dataclass(frozen=True)
class ClusterParams:
    """Buyers (customers with a paid order in ``currency`` by ``as_of``, today when
    None) in ``k_min``–``k_max`` clusters."""

    as_of: date | None = None
    currency: str = "CNY"
    k_min: int = 2
    k_max: int = 8
    seed: int = 0
    sample: int = 5_000  # customers the silhouette of each k is computed on
    fit_sample: int = 50_000  # customers each k is first fitted on
    features: tuple[str, ...] | None = None  # names in FEATURES; all of them when None
    top_categories: int = 3
    mid_band: float = 0.25  # |score| up to this (in SDs of the index) is "mid"


@dataclass(frozen=True)
class ClusterResult:
    """Each clustered customer's cluster (aligned arrays, customer id order), the
    personas (cluster 0 the highest value), and how k was chosen."""

    as_of: date
    currency: str
    customer_id: Ints
    cluster: Ints
    k: int  # 0 when no customer bought
    features: tuple[str, ...]
    silhouettes: dict[int, float]  # k tried → mean silhouette on the sample
    personas: list[Persona]
    model: KMeansFit | None

    def parameters(self) -> dict[str, Any]:
        """The fitted model as JSON values: features, scaler, centres, k, silhouettes."""
        fitted = self.model.parameters() if self.model else {}
        return {
            "as_of": self.as_of.isoformat(), "currency": self.currency,
            "customers": "buyers", "transform": "log1p, then standardised",
            "features": list(self.features), **fitted,
            "centres_in_units": [p.centre for p in self.personas],
        }  # fmt: skip

    def evaluation(self) -> dict[str, Any]:
        """How well the clusters separate, and their sizes, as JSON values."""
        return {
            "k": self.k,
            "silhouette": self.silhouettes.get(self.k),
            "silhouettes": {str(k): s for k, s in self.silhouettes.items()},
            "silhouette_customers": self.model.silhouette_rows if self.model else 0,
            "inertia": self.model.inertia if self.model else None,
            "customers": len(self.customer_id),
            "sizes": [p.customers for p in self.personas],
        }

    def personas_json(self) -> list[dict[str, Any]]:
        """The personas as JSON values."""
        return [asdict(p) for p in self.personas]


def clusters(source: Source, params: ClusterParams) -> ClusterResult:
    """The buyers' clusters and personas at ``as_of`` (see ``ClusterResult``)."""
    names = _check(params)
    as_of = params.as_of or date.today()
    cut = as_of_timestamp(as_of)
    table = source.to_arrow(_customers_expr(source, as_of, params.currency))
    ids = as_ids(table["customer_id"])
    empty = np.zeros(0, dtype=np.int64)
    if len(ids) == 0:
        return ClusterResult(as_of, params.currency, empty, empty, 0, names, {}, [], None)
    raw = {
        "revenue": as_floats(table["revenue_minor"]),
        "orders": as_floats(table["orders"]),
        "interactions": as_floats(table["interactions"]),
        "days_since_purchase": as_floats(table["t_days"]) - as_floats(table["recency_days"]),
        "tickets": as_floats(table["tickets"]),
    }
    sessions = _web_sessions(source, cut, ids)
    if sessions is not None:
        raw["web_sessions"] = sessions
    used = tuple(n for n in names if n in raw)
    if not used:
        raise BadParameter("features", "web_sessions needs events, and the source has none")
    varying = tuple(n for n in used if np.ptp(raw[n]) > 0)
    used = varying or used  # nothing varies: one cluster (the model finds no split)
    # A negative amount (a credit entered as a paid order) counts as nothing, not as a
    # logarithm that does not exist.
    x = np.log1p(np.maximum(np.column_stack([raw[n] for n in used]), 0))
    model, labels = kmeans.fit(
        x, k_min=params.k_min, k_max=params.k_max, seed=params.seed,
        silhouette_rows=params.sample, fit_rows=params.fit_sample,
    )  # fmt: skip
    z = model.scaler.transform(x)
    index = {side: _index(z, used, side) for side in ("value", "engagement")}
    model, labels = _numbered(model, labels, used)
    members = Members(
        labels, raw["revenue"], raw["orders"], raw["interactions"],
        raw["days_since_purchase"], raw["tickets"], as_floats(table["tenure_days"]),
        as_floats(table["last_nps"]), sessions, table["channel"], index,
    )  # fmt: skip
    categories = top_categories(source, cut, params.currency, ids, labels, model.k,
                                params.top_categories)  # fmt: skip
    centres = np.expm1(model.centres_in_units())
    personas = [
        members.persona(c, categories[c], _named(used, centres[c]), params.mid_band)
        for c in range(model.k)
    ]
    return ClusterResult(as_of, params.currency, ids, labels, model.k, used,
                         model.silhouettes, personas, model)  # fmt: skip


def _check(params: ClusterParams) -> tuple[str, ...]:
    """The feature names to use; raises BadParameter on a parameter that cannot be."""
    if params.k_min < 2:
        raise BadParameter("k_min", "give at least 2 clusters")
    if not params.k_min <= params.k_max <= _MAX_K:
        raise BadParameter("k_max", f"give a number from k_min to {_MAX_K}")
    if params.sample < 10:
        raise BadParameter("sample", "give at least 10 customers")
    if params.fit_sample < 100:
        raise BadParameter("fit_sample", "give at least 100 customers")
    if params.seed < 0:
        raise BadParameter("seed", "give a number of at least 0")
    if params.top_categories < 0:
        raise BadParameter("top_categories", "give a number of at least 0")
    if params.mid_band < 0:
        raise BadParameter("mid_band", "give a number of at least 0")
    names = params.features if params.features is not None else tuple(_BY_NAME)
    unknown = [n for n in names if n not in _BY_NAME]
    if unknown or not names or len(set(names)) != len(names):
        raise BadParameter("features", f"choose distinct names among {', '.join(_BY_NAME)}")
    return tuple(names)


def _customers_expr(source: Source, as_of: date, currency: str) -> Any:
    """The buyers' summary with their acquisition channel, in customer id order."""
    summary = summary_expr(source, SummaryParams(as_of, currency, buyers_only=True))
    customers = source.table("customers")
    channels = customers.select(customer_id=customers.id, channel=customers.channel)
    joined = summary.left_join(channels, "customer_id").drop("customer_id_right")
    return joined.order_by("customer_id")


def _web_sessions(source: Source, cut: Any, ids: Ints) -> Floats | None:
    """Sessions with an event naming each customer before ``cut``, aligned with ``ids``;
    None when the source has no events, or none of them names these customers."""
    try:
        events = source.table("events")
        seen = events.filter(events.customer_id.notnull() & (events.occurred_at < cut))
        per = seen.group_by("customer_id").aggregate(sessions=seen.session_id.nunique())
        rows = source.to_arrow(per)
    except MissingTable:
        return None
    where, found = positions(ids, as_ids(rows["customer_id"]))
    if not found.any():
        return None
    sessions = np.zeros(len(ids))
    sessions[where[found]] = as_floats(rows["sessions"])[found]
    return sessions


def _index(z: Floats, used: tuple[str, ...], side: Side) -> Floats | None:
    """Each customer's ``side`` index: the mean of its features in standard units, signed
    by their direction (None when no feature of ``used`` moves that side)."""
    signs = np.array([_BY_NAME[n].direction if _BY_NAME[n].side == side else 0 for n in used])
    if not signs.any():
        return None
    return np.asarray(z @ signs / np.count_nonzero(signs), dtype=np.float64)


def _numbered(model: KMeansFit, labels: Ints, used: tuple[str, ...]) -> tuple[KMeansFit, Ints]:
    """Clusters numbered by their centre's value index, highest first (then engagement):
    the same data gives the same numbers whatever order k-means found them in."""
    value = _index(model.centres, used, "value")
    engagement = _index(model.centres, used, "engagement")
    zeros = np.zeros(model.k)
    order = np.lexsort((-(engagement if engagement is not None else zeros),
                        -(value if value is not None else zeros)))  # fmt: skip
    rank = np.empty(model.k, dtype=np.int64)
    rank[order] = np.arange(model.k)
    return model.reordered(order), rank[labels]


def _named(used: tuple[str, ...], values: Floats) -> dict[str, float]:
    return {name: float(v) for name, v in zip(used, values, strict=True)}
