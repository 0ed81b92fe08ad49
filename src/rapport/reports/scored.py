"""Pages drawn from the stored scores of the newest scoring run: CLV and the clusters.

These figures come from the models ``rapport score`` fits (docs/scoring.md), not from a
new fit per page view: the page reads the newest run's scores of the customers the user
may see and the filters keep.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor
from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.i18n import N_
from rapport.reports import charts
from rapport.reports.figures import Figure, Gettext, Table, pct
from rapport.reports.filters import ReportFilters
from rapport.scores.models import CustomerScore, ScoringRun
from rapport.web.labels import label, persona

SCORED = {"clv": N_("Customer lifetime value"), "clusters": N_("Clusters and personas")}
SUMMARIES = {
    "clv": N_("Predicted lifetime value: how it is spread, and by segment."),
    "clusters": N_("Groups of buyers alike in value and engagement, described as personas."),
}


def newest_run(session: Session) -> ScoringRun | None:
    """The newest scoring run, if any."""
    return session.scalars(select(ScoringRun).order_by(ScoringRun.id.desc()).limit(1)).first()


def _scores(
    session: Session,
    actor: Actor,
    run: ScoringRun,
    filters: ReportFilters,
    members: list[int] | None,
) -> list[Any]:
    visible = records.select_visible(customer_service.RECORD, actor)
    if filters.owner_id:
        visible = visible.where(Customer.owner_id == filters.owner_id)
    if filters.channel:
        visible = visible.where(Customer.channel == filters.channel)
    if filters.segment:
        visible = visible.where(Customer.id.in_(members or [-1]))
    ids = visible.with_only_columns(Customer.id).scalar_subquery()
    stmt = select(CustomerScore.clv, CustomerScore.rfm_segment, CustomerScore.cluster).where(
        CustomerScore.run_id == run.id, CustomerScore.customer_id.in_(ids)
    )
    return list(session.execute(stmt))


def clv_figures(
    session: Session,
    actor: Actor,
    run: ScoringRun | None,
    filters: ReportFilters,
    members: list[int] | None,
    _: Gettext,
) -> list[Figure]:
    """The distribution of predicted CLV, and CLV by RFM segment, in ``run``."""
    if run is None:
        return []
    rows = [r for r in _scores(session, actor, run, filters, members) if r.clv is not None]
    if not rows:
        return []
    values = np.array([r.clv for r in rows], dtype=float)
    edges = np.unique(np.quantile(values, np.linspace(0, 1, 11)).round(2))
    counts, edges = np.histogram(values, bins=edges if len(edges) > 1 else 10)
    ranges = [f"{lo:,.0f}–{hi:,.0f}" for lo, hi in itertools.pairwise(edges)]
    top_tenth = np.sort(values)[-max(1, len(values) // 10) :]
    head = [
        (_("Customers with a CLV"), f"{len(values):,}"),
        (_("Total predicted value"), f"{values.sum():,.0f}"),
        (_("Median CLV"), f"{np.median(values):,.2f}"),
        (
            _("Top 10 % hold"),
            f"{100 * top_tenth.sum() / max(values.sum(), 1e-9):.0f} %",
        ),
    ]
    dist = Figure(
        "distribution",
        _("Customers by predicted lifetime value (deciles)"),
        charts.bars(ranges, {_("Customers"): counts.tolist()}),
        Table(
            [_("CLV from–to"), _("Customers")],
            [[r, int(c)] for r, c in zip(ranges, counts, strict=True)],
        ),
        _("Predicted over the scoring horizon, discounted (docs/metrics.md)."),
        headline=head,
    )
    by: dict[str, list[float]] = {}
    for r in rows:
        by.setdefault(r.rfm_segment or "", []).append(float(r.clv))
    order = sorted(by, key=lambda k: -float(np.mean(by[k])))
    names = [label(_, "rfm_segment", k) if k else _("Not segmented") for k in order]
    seg = Figure(
        "by-segment",
        _("Mean predicted lifetime value by RFM segment"),
        charts.bars(names, {_("Mean CLV"): [round(float(np.mean(by[k])), 2) for k in order]}),
        Table(
            [_("Segment"), _("Customers"), _("Mean CLV"), _("Median CLV"), _("Total CLV")],
            [
                [
                    n,
                    len(by[k]),
                    round(float(np.mean(by[k])), 2),
                    round(float(np.median(by[k])), 2),
                    round(sum(by[k]), 2),
                ]
                for n, k in zip(names, order, strict=True)
            ],
        ),
    )
    return [dist, seg]


def cluster_figures(
    session: Session,
    actor: Actor,
    run: ScoringRun | None,
    filters: ReportFilters,
    members: list[int] | None,
    _: Gettext,
) -> list[Figure]:
    """The clusters of ``run`` as bubbles by value and engagement, with their personas."""
    personas = (
        (run.models or {}).get("clusters", {}).get("evaluation", {}).get("personas", [])
        if run is not None
        else []
    )
    if run is None or not personas:
        return []
    counts: dict[str, int] = {}
    for r in _scores(session, actor, run, filters, members):
        if r.cluster is not None:
            counts[r.cluster] = counts.get(r.cluster, 0) + 1
    points = [
        {
            "name": f"{p['cluster']}: " + persona(_, p.get("label", {})).capitalize(),
            "x": round(p.get("engagement_score") or 0, 2),
            "y": round(p.get("value_score") or 0, 2),
            "size": counts.get(str(p["cluster"]), 0),
        }
        for p in personas
    ]
    table = Table(
        [
            _("Cluster"),
            _("Persona"),
            _("Customers (filtered)"),
            _("Share of buyers (%)"),
            _("Revenue share (%)"),
            _("Mean revenue"),
            _("Mean orders"),
            _("Top categories"),
        ],
        [
            [
                p["cluster"],
                persona(_, p.get("label", {})).capitalize(),
                counts.get(str(p["cluster"]), 0),
                pct(100 * p.get("share", 0)),
                pct(100 * p.get("revenue_share", 0)),
                round(p.get("revenue_mean_minor", 0) / 100, 2),
                round(p.get("orders_mean", 0), 1),
                ", ".join(
                    str(c.get("name", c)) if isinstance(c, dict) else str(c)
                    for c in p.get("top_categories", [])[:3]
                ),
            ]
            for p in personas
        ],
    )
    return [
        Figure(
            "map",
            _("Cluster map: value against engagement"),
            charts.bubbles(points, _("Engagement"), _("Value")),
            table,
            _(
                "Each bubble is a cluster; its area is the number of customers in it. Scores are "
                "in standard deviations from the mean buyer."
            ),
            height=460,
        )
    ]
