"""Personas: each cluster of customers in figures (size, value, engagement, typical
channel, top product categories) and in a label of stable codes ("high value, low
engagement") that pages translate. Definitions in docs/metrics.md ("Clusters and
personas")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rapport.analytics.common import paid_orders
from rapport.analytics.models.kmeans import Floats, Ints
from rapport.analytics.source import MissingTable, Source

Level = Literal["low", "mid", "high"]
Bools = np.ndarray[Any, np.dtype[np.bool_]]
_YEAR_DAYS: Final = 365.25


@dataclass(frozen=True)
class CategoryShare:
    """One product category in a cluster's paid order lines."""

    category_id: int | None  # None: products without a category (or no longer listed)
    name: str | None
    lines: int
    share: float  # of the cluster's paid order lines
    revenue_minor: int
    revenue_share: float  # of those lines' total


@dataclass(frozen=True)
class Persona:
    """One cluster in words and figures; ``label`` holds a level code per side."""

    cluster: int
    customers: int
    share: float  # of the clustered customers
    label: dict[str, str]  # {"value": "high", "engagement": "low"}
    text: str  # the label in English ("High value, low engagement")
    value_score: float | None  # the cluster's value index − the mean's, in SDs of the index
    engagement_score: float | None
    revenue_minor: int
    revenue_share: float  # of all clustered customers' revenue
    revenue_mean_minor: float
    revenue_median_minor: float
    orders_mean: float
    aov_minor: float  # revenue / orders
    revenue_per_year_minor: float  # revenue / years of tenure, summed over the cluster
    interactions_mean: float
    days_since_purchase_median: float
    tickets_mean: float
    nps_mean: float | None  # the latest NPS answer, of those who gave one
    nps_answered: int
    web_sessions_mean: float | None  # None without events
    channel: str | None  # the most common acquisition channel (None: not recorded)
    channel_share: float
    categories: list[CategoryShare]
    centre: dict[str, float]  # feature → the centre in the feature's own units


@dataclass(frozen=True)
class Members:
    """The clustered customers' figures (arrays aligned with their ids) and clusters."""

    labels: Ints
    revenue: Floats
    orders: Floats
    interactions: Floats
    days_since_purchase: Floats
    tickets: Floats
    tenure_days: Floats
    nps: Floats  # NaN where no answer
    sessions: Floats | None  # None without events
    channel: Any  # Arrow strings
    index: dict[str, Floats | None]  # side → each customer's index (None: no feature)

    def persona(self, c: int, categories: list[CategoryShare], centre: dict[str, float],
                band: float) -> Persona:  # fmt: skip
        """Cluster ``c``'s persona; a side's level is "mid" within ``band`` SDs."""
        mine = self.labels == c
        n = int(mine.sum())
        revenue, orders = self.revenue[mine], self.orders[mine]
        scores = {side: _score(index, mine) for side, index in self.index.items()}
        label: dict[str, str] = {
            side: _level(s, band) for side, s in scores.items() if s is not None
        }
        nps = self.nps[mine]
        answered = ~np.isnan(nps)
        channel, channel_share = self._channel(mine)
        years = np.maximum(self.tenure_days[mine], 1).sum() / _YEAR_DAYS  # a day at least
        return Persona(
            c, n, n / len(self.labels), label, _text(label),
            scores.get("value"), scores.get("engagement"),
            int(revenue.sum()), _ratio(revenue.sum(), self.revenue.sum()),
            float(revenue.mean()), float(np.median(revenue)), float(orders.mean()),
            _ratio(revenue.sum(), orders.sum()), float(revenue.sum() / years),
            float(self.interactions[mine].mean()),
            float(np.median(self.days_since_purchase[mine])), float(self.tickets[mine].mean()),
            float(nps[answered].mean()) if answered.any() else None, int(answered.sum()),
            None if self.sessions is None else float(self.sessions[mine].mean()),
            channel, channel_share, categories, centre,
        )  # fmt: skip

    def _channel(self, mine: Bools) -> tuple[str | None, float]:
        """The most common channel in ``mine`` (ties: the first by name, None last) and
        its share."""
        column = self.channel
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        encoded = pc.dictionary_encode(column)
        names = encoded.dictionary.to_pylist()
        codes = as_ids(pc.fill_null(encoded.indices, len(names)))[mine]  # None: the last code
        counts = np.bincount(codes, minlength=len(names) + 1)
        keys = [*names, None]
        best = min(range(len(keys)), key=lambda i: (-counts[i], keys[i] is None, keys[i] or ""))
        return keys[best], _ratio(counts[best], len(codes))


def top_categories(source: Source, cut: Any, currency: str, ids: Ints, labels: Ints, k: int,
                   top: int) -> list[list[CategoryShare]]:  # fmt: skip
    """Each cluster's ``top`` categories by paid order lines in ``currency`` before
    ``cut`` (most lines first, then lowest id); empty lists when the source has no order
    lines or products."""
    if top == 0:
        return [[] for _ in range(k)]
    try:
        paid = paid_orders(source, cut, currency)
        paid = paid.select(order_id=paid.id, customer_id=paid.customer_id)
        items = source.table("order_items")
        products = source.table("products")
        products = products.select(product_id=products.id, category_id=products.category_id)
        # The clusters go to the engine, and only (cluster, category) totals come back:
        # per customer and category, 1M customers came back as 6M rows, and the step took
        # 44 s instead of 14 (synthetic Parquet, 10M orders, 15M lines, busy 2 cores).
        members = ibis.memtable(pa.table({"member": ids, "cluster": labels}))
        lines = items.inner_join(paid, items.order_id == paid.order_id)
        lines = lines.inner_join(members, lines.customer_id == members.member)
        lines = lines.left_join(products, lines.product_id == products.product_id)
        lines = lines.mutate(category=lines.category_id.fill_null(-1))
        per = lines.group_by(["cluster", "category"]).aggregate(
            lines=lines.count(), revenue=lines.line_total_minor.sum()
        )
        rows = source.to_arrow(per)
        kinds = source.table("product_categories")
        named = source.to_arrow(kinds.select(kinds.id, kinds.name)).to_pylist()
    except MissingTable:
        return [[] for _ in range(k)]
    known, kind = np.unique(as_ids(rows["category"]), return_inverse=True)
    cell = as_ids(rows["cluster"]) * len(known) + kind
    count = np.bincount(cell, as_floats(rows["lines"]), k * len(known)).reshape(k, -1)
    money = np.bincount(cell, as_floats(rows["revenue"]), k * len(known)).reshape(k, -1)
    names = {int(r["id"]): r["name"] for r in named}
    out = []
    for c in range(k):
        order = np.lexsort((known, -count[c]))[:top]
        total, spent = count[c].sum(), money[c].sum()
        out.append([
            CategoryShare(
                None if known[i] < 0 else int(known[i]), names.get(int(known[i])),
                int(count[c, i]), _ratio(count[c, i], total),
                int(money[c, i]), _ratio(money[c, i], spent),
            )
            for i in order if count[c, i] > 0
        ])  # fmt: skip
    return out


def as_ids(column: Any) -> Ints:
    """An Arrow column of whole numbers (no empty cell) as integers."""
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.int64)


def as_floats(column: Any) -> Floats:
    """An Arrow column as floats, NaN where empty."""
    return np.asarray(column.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


def _score(index: Floats | None, mine: Bools) -> float | None:
    """The cluster's mean index less the mean customer's, in SDs of the index. The mean,
    not the median: where most customers are alike (one purchase, no contact), the
    median customer sits inside their cluster, which would be "mid" whatever it is."""
    if index is None:
        return None
    spread = float(index.std())
    if spread == 0:
        return 0.0
    return float((index[mine].mean() - index.mean()) / spread)


def _level(score: float, band: float) -> Level:
    return "high" if score > band else "low" if score < -band else "mid"


def _text(label: dict[str, str]) -> str:
    """The label in English: "High value, low engagement"."""
    return ", ".join(f"{level} {side}" for side, level in label.items()).capitalize()


def _ratio(part: float, whole: float) -> float:
    return float(part / whole) if whole else float("nan")
