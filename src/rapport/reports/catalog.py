"""Every analytics page: what it computes (from the cached snapshot) and how it is drawn.

``compute`` gets the filtered source and returns plain results, which are cached per
snapshot; ``present`` turns them into figures in the reader's language. A page reads a
chart at a glance; its table holds the exact figures, and both can be downloaded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from rapport.analytics import funnels, lifecycle, retention, satisfaction, survival
from rapport.analytics.common import NotEnoughData
from rapport.analytics.forecast import ForecastParams, demand_forecast
from rapport.analytics.lifecycle import LifecycleParams
from rapport.analytics.rfm import SEGMENTS, RfmParams, rfm
from rapport.analytics.sales_cycle import SalesCycleParams, sales_cycle
from rapport.analytics.sales_performance import SalesPerformanceParams, sales_performance
from rapport.analytics.source import Source
from rapport.config import Settings
from rapport.i18n import N_
from rapport.reports import charts
from rapport.reports.figures import Figure, Gettext, Table, pct
from rapport.reports.filters import ReportFilters
from rapport.web.labels import label


@dataclass(frozen=True)
class Inputs:
    """What a report computes from: the filtered source, the filters and the settings."""

    source: Source
    filters: ReportFilters
    settings: Settings


@dataclass(frozen=True)
class Report:
    """One analytics page."""

    slug: str
    title: str  # marked for translation
    summary: str
    compute: Callable[[Inputs], Any]
    present: Callable[[Any, Gettext, ReportFilters], list[Figure]]


def _month(day: date) -> str:
    return day.strftime("%Y-%m")


# Lifecycle: where customers moved between the period's first and last day, and the
# stage counts at each month end.
def _lifecycle(i: Inputs) -> dict[str, Any]:
    params = LifecycleParams(thresholds=i.settings.lifecycle_thresholds())
    first = i.filters.start - timedelta(days=1)
    flows = lifecycle.transitions(i.source, params, first, i.filters.end)
    days = lifecycle.month_ends(i.filters.start, i.filters.end) or [i.filters.end]
    counts = lifecycle.stage_counts(i.source, params, days)
    return {"flows": flows, "counts": counts, "first": first}


def _lifecycle_present(data: dict[str, Any], _: Gettext, f: ReportFilters) -> list[Figure]:
    def stage(code: str) -> str:
        return label(_, "stage", code) if code != "new" else _("Not yet a customer")

    def before(code: str) -> str:
        return f"{stage(code)} · {data['first']:%Y-%m-%d}"

    def after(code: str) -> str:
        return f"{stage(code)} · {f.end:%Y-%m-%d}"

    links = [(before(t.before), after(t.after), t.customers) for t in data["flows"]]
    nodes = sorted({n for a, b, _n in links for n in (a, b)})
    flow = Figure(
        "flow",
        _("Stage flow over the period"),
        charts.sankey(nodes, links),
        Table(
            [
                _("Stage at the start"),
                _("Stage at the end"),
                _("Customers"),
                _("Share of the start stage (%)"),
            ],
            [[stage(t.before), stage(t.after), t.customers, pct(t.percent)] for t in data["flows"]],
        ),
        _(
            "Each band is the customers who were in one stage on the first day and in another "
            "(or the same) on the last."
        ),
        height=520,
    )
    days = sorted({c.day for c in data["counts"]})
    codes = [s for s in lifecycle_order() if any(c.stage == s for c in data["counts"])]
    by_stage = {
        s: [
            next((c.customers for c in data["counts"] if c.day == d and c.stage == s), 0)
            for d in days
        ]
        for s in codes
    }
    counts = Figure(
        "stages",
        _("Customers in each stage at month end"),
        charts.lines(
            [d.isoformat() for d in days],
            {stage(s): v for s, v in by_stage.items()},
            stacked_area=True,
        ),
        Table(
            [_("Day"), _("Stage"), _("Customers"), _("Share (%)")],
            [
                [c.day.isoformat(), stage(c.stage), c.customers, pct(c.percent)]
                for c in data["counts"]
            ],
        ),
    )
    return [flow, counts]


def lifecycle_order() -> list[str]:
    """The stages in lifecycle order."""
    return ["lead", "prospect", "first_time", "repeat", "loyal", "at_risk", "churned", "won_back"]


# Funnels: lifecycle, pipeline and web shop, each with the conversion between steps.
def _funnels(i: Inputs) -> dict[str, Any]:
    params = funnels.FunnelParams(
        start=i.filters.start,
        end=i.filters.end,
        as_of=i.filters.end,
        loyal_orders=i.settings.loyal_min_orders,
    )
    found: dict[str, Any] = {}
    for name, run in (
        ("lifecycle", funnels.lifecycle_funnel),
        ("pipeline", funnels.pipeline_funnel),
        ("web", funnels.web_funnel),
    ):
        try:
            found[name] = run(i.source, params)
        except NotEnoughData:
            found[name] = []
    return found


_STEP_NAMES = {
    "lead": N_("Lead"),
    "contacted": N_("Contacted"),
    "first_purchase": N_("First purchase"),
    "repeat": N_("Repeat purchase"),
    "loyal": N_("Loyal"),
    "view": N_("Viewed"),
    "cart": N_("Added to cart"),
    "checkout": N_("Checkout"),
    "payment": N_("Paid"),
}


def _funnels_present(data: dict[str, Any], _: Gettext, f: ReportFilters) -> list[Figure]:
    titles = {
        "lifecycle": _("Lifecycle funnel: customers created in the period"),
        "pipeline": _("Pipeline funnel: deals created in the period"),
        "web": _("Web shop funnel: sessions in the period"),
    }
    figures = []
    for key, steps in data.items():
        if not steps:
            continue

        def name(code: str) -> str:
            return _(_STEP_NAMES[code]) if code in _STEP_NAMES else code

        rows = [(name(s.step), s.reached, s.conversion) for s in steps]
        figures.append(
            Figure(
                key,
                titles[key],
                charts.funnel(rows),
                Table(
                    [
                        _("Step"),
                        _("Reached"),
                        _("Of the step before (%)"),
                        _("Low (%)"),
                        _("High (%)"),
                        _("Of the first step (%)"),
                    ],
                    [
                        [
                            name(s.step),
                            s.reached,
                            pct(s.conversion),
                            pct(s.low),
                            pct(s.high),
                            pct(s.of_first),
                        ]
                        for s in steps
                    ],
                ),
                _("Conversion between steps, with its 95 % interval in the table."),
            )
        )
    return figures


# Retention: the cohort heatmap and the monthly churn rate.
def _retention(i: Inputs) -> dict[str, Any]:
    rows = retention.cohorts(i.source, start=i.filters.start, end=i.filters.end)
    churn = retention.churn(
        i.source,
        retention.ChurnParams(
            start=i.filters.start,
            end=i.filters.end,
            period="month",
            inactive_days=i.settings.churn_inactive_days,
        ),
    )
    return {"cohorts": rows, "churn": churn}


def _retention_present(data: dict[str, Any], _: Gettext, f: ReportFilters) -> list[Figure]:
    cohorts = data["cohorts"]
    width = max((len(c.percent) for c in cohorts), default=0)
    cells = [(m, y, round(p, 1)) for y, c in enumerate(cohorts) for m, p in enumerate(c.percent)]
    heat = Figure(
        "cohorts",
        _("Cohort retention: share of each month's new buyers buying again"),
        charts.heatmap([str(m) for m in range(width)], [_month(c.cohort) for c in cohorts], cells),
        Table(
            [
                _("Cohort"),
                _("Customers"),
                *[_("Month %(n)d (%%)") % {"n": m} for m in range(width)],
            ],
            [[_month(c.cohort), c.customers, *[round(p, 1) for p in c.percent]] for c in cohorts],
        ),
        _("Rows are the months of first purchase; columns the months since."),
        height=max(320, 26 * len(cohorts) + 120),
    )
    churn = data["churn"]
    rate = Figure(
        "churn",
        _("Churn rate per month"),
        charts.lines(
            [_month(r.period) for r in churn],
            {_("Churn rate"): [pct(r.rate) for r in churn]},
            percent=True,
        ),
        Table(
            [
                _("Month"),
                _("Active at the start"),
                _("Churned"),
                _("Churn rate (%)"),
                _("Low (%)"),
                _("High (%)"),
            ],
            [
                [
                    _month(r.period),
                    r.active_at_start,
                    r.churned,
                    pct(r.rate),
                    pct(r.low),
                    pct(r.high),
                ]
                for r in churn
            ],
        ),
    )
    return [heat, rate]


# Survival: how long customers stay, as a Kaplan–Meier curve.
def _survival(i: Inputs) -> Any:
    return survival.survival(
        i.source,
        survival.SurvivalParams(
            as_of=i.filters.end, inactive_days=i.settings.churn_inactive_days, every=30
        ),
    )


def _survival_present(curves: Any, _: Gettext, f: ReportFilters) -> list[Figure]:
    if not curves:
        return []
    days = sorted({p.day for c in curves for p in c.points})
    series: dict[str, Sequence[float | None]] = {
        (_("All customers") if c.group in ("", "all") else str(c.group)): [
            next((pct(p.survival) for p in c.points if p.day == d), None) for d in days
        ]
        for c in curves
    }
    head = [
        (
            _("Median lifetime"),
            _("%(days)s days") % {"days": c.median_days}
            if c.median_days
            else _("over half still active"),
        )
        for c in curves[:1]
    ]
    return [
        Figure(
            "survival",
            _("Share of customers still active, by days since their first purchase"),
            charts.lines([str(d) for d in days], series, percent=True),
            Table(
                [
                    _("Group"),
                    _("Day"),
                    _("Still active (%)"),
                    _("Low (%)"),
                    _("High (%)"),
                    _("At risk"),
                ],
                [
                    [c.group, p.day, pct(p.survival), pct(p.low), pct(p.high), p.at_risk]
                    for c in curves
                    for p in c.points
                ],
            ),
            _(
                "A customer counts as gone once they go the churn threshold's days without a "
                "purchase."
            ),
            headline=head,
        )
    ]


# Satisfaction: NPS, CSAT and CES per month.
def _satisfaction(i: Inputs) -> dict[str, Any]:
    out: dict[str, Any] = {}
    metrics: tuple[satisfaction.Metric, ...] = ("nps", "csat", "ces")
    for metric in metrics:
        out[metric] = satisfaction.satisfaction(
            i.source,
            satisfaction.SatisfactionParams(
                metric=metric, start=i.filters.start, end=i.filters.end, period="month"
            ),
        )
    return out


def _satisfaction_present(data: dict[str, Any], _: Gettext, f: ReportFilters) -> list[Figure]:
    titles = {
        "nps": _("NPS per month (−100 to 100)"),
        "csat": _("CSAT per month (% satisfied)"),
        "ces": _("CES per month (1 to 7, higher is easier)"),
    }
    figures = []
    for metric, rows in data.items():
        if not rows:
            continue
        x = [_month(r.period) for r in rows if r.period]
        figures.append(
            Figure(
                metric,
                titles[metric],
                charts.lines(
                    x,
                    {
                        metric.upper(): [round(r.score, 1) for r in rows],
                        _("Low"): [round(r.low, 1) for r in rows],
                        _("High"): [round(r.high, 1) for r in rows],
                    },
                ),
                Table(
                    [_("Month"), _("Answers"), _("Score"), _("Low"), _("High")],
                    [
                        [
                            _month(r.period) if r.period else "",
                            r.responses,
                            round(r.score, 1),
                            round(r.low, 1),
                            round(r.high, 1),
                        ]
                        for r in rows
                    ],
                ),
                height=300,
            )
        )
    return figures


# Sales cycle: how long deals stay in each stage and where they stall.
def _cycle(i: Inputs) -> Any:
    return sales_cycle(i.source, SalesCycleParams(start=i.filters.start, end=i.filters.end))


def _cycle_present(result: Any, _: Gettext, f: ReportFilters) -> list[Figure]:
    stages = result.stages
    if not stages:
        return []
    names = [s.stage for s in stages]
    head = [
        (
            _("Bottleneck"),
            ", ".join(
                f"{s.stage} ({label(_, 'bottleneck', s.bottleneck)})"
                for s in stages
                if s.bottleneck
            )
            or "—",
        )
    ]
    head += [
        (_("Win rate"), f"{c.win_rate:.1f} %" if c.win_rate is not None else "—")
        for c in result.cycle[:1]
    ]
    head += [
        (_("Median days to win"), f"{c.median_days:.0f}" if c.median_days is not None else "—")
        for c in result.cycle[:1]
    ]
    return [
        Figure(
            "stage-days",
            _("Median days in each stage (completed stays)"),
            charts.bars(
                names,
                {
                    _("Median days"): [s.median_days for s in stages],
                    _("90th percentile"): [s.p90_days for s in stages],
                },
            ),
            Table(
                [
                    _("Stage"),
                    _("Entered"),
                    _("Advanced"),
                    _("Conversion (%)"),
                    _("Lost"),
                    _("Median days"),
                    _("90th percentile days"),
                    _("Share of time (%)"),
                    _("Share of losses (%)"),
                    _("Open now"),
                    _("Bottleneck"),
                ],
                [
                    [
                        s.stage,
                        s.entered,
                        s.advanced,
                        pct(s.conversion),
                        s.lost,
                        s.median_days,
                        s.p90_days,
                        pct(s.time_share),
                        pct(s.loss_share),
                        s.current,
                        label(_, "bottleneck", s.bottleneck),
                    ]
                    for s in stages
                ],
            ),
            _(
                "The bottleneck is the stage that takes the largest share of the time deals spend "
                "in the pipeline, or of the deals lost."
            ),
            headline=head,
        ),
        Figure(
            "stage-conversion",
            _("Conversion to the next stage (%)"),
            charts.bars(
                names,
                {
                    _("Conversion (%)"): [pct(s.conversion) for s in stages],
                    _("Lost (%)"): [pct(s.loss_rate) for s in stages],
                },
            ),
            Table(
                [_("Stage"), _("Conversion (%)"), _("Low (%)"), _("High (%)"), _("Lost (%)")],
                [
                    [s.stage, pct(s.conversion), pct(s.low), pct(s.high), pct(s.loss_rate)]
                    for s in stages
                ],
            ),
            height=300,
        ),
    ]


# Team: each rep's results, for the leaderboard.
def _team(i: Inputs) -> Any:
    return sales_performance(
        i.source,
        SalesPerformanceParams(
            start=i.filters.start,
            end=i.filters.end,
            currency=i.settings.default_currency,
            by="owner",
        ),
    )


def _team_present(rows: Any, _: Gettext, f: ReportFilters) -> list[Figure]:
    ranked = sorted(rows, key=lambda r: r.revenue_minor, reverse=True)
    names = [r.group for r in ranked]

    def money(minor: float | None) -> float | None:
        return None if minor is None else round(minor / 100, 2)

    return [
        Figure(
            "leaderboard",
            _("Leaderboard: revenue from won deals"),
            charts.bars(
                names[::-1],
                {
                    _("Revenue"): [money(r.revenue_minor) for r in ranked][::-1],
                    _("Quota"): [money(r.quota_minor) for r in ranked][::-1],
                },
                horizontal=True,
            ),
            Table(
                [
                    _("Owner"),
                    _("Revenue"),
                    _("Won"),
                    _("Lost"),
                    _("Win rate (%)"),
                    _("Average deal"),
                    _("Median days to win"),
                    _("Activities"),
                    _("Quota"),
                    _("Attainment (%)"),
                ],
                [
                    [
                        r.group,
                        money(r.revenue_minor),
                        r.won,
                        r.lost,
                        pct(r.win_rate),
                        money(r.average_deal_minor),
                        r.median_cycle_days,
                        r.activities,
                        money(r.quota_minor),
                        pct(r.attainment),
                    ]
                    for r in ranked
                ],
            ),
            height=max(300, 28 * len(ranked) + 80),
        )
    ]


# RFM: customers on the recency × frequency-and-monetary grid, and per segment.
def _rfm(i: Inputs) -> Any:
    rows = rfm(i.source, RfmParams(as_of=i.filters.end, currency=i.settings.default_currency))
    grid: dict[tuple[int, int], int] = {}
    segments: dict[str, list[float]] = {}
    for row in rows:
        fm = int((row.f + row.m) / 2 + 0.5)
        grid[(row.r, fm)] = grid.get((row.r, fm), 0) + 1
        segments.setdefault(row.segment, []).append(row.monetary_minor)
    return {
        "grid": grid,
        "segments": {k: (len(v), sum(v)) for k, v in segments.items()},
        "customers": len(rows),
    }


def _rfm_present(data: dict[str, Any], _: Gettext, f: ReportFilters) -> list[Figure]:
    cells = [(r - 1, fm - 1, n) for (r, fm), n in data["grid"].items()]
    top = max((n for *_x, n in cells), default=1)
    grid = Figure(
        "grid",
        _("Customers by recency (R) and frequency × monetary (FM) score"),
        charts.heatmap(
            [f"R{r}" for r in range(1, 6)],
            [f"FM{m}" for m in range(1, 6)],
            cells,
            top=top,
            percent=False,
        ),
        Table(
            [_("R score"), _("FM score"), _("Customers")],
            [[r + 1, fm + 1, n] for r, fm, n in sorted(cells)],
        ),
        _("5 is best: bought most recently, most often, for the most."),
        height=420,
    )
    order = [name for name, _r, _fm in SEGMENTS if name in data["segments"]]
    counts = [data["segments"][s][0] for s in order]
    seg = Figure(
        "segments",
        _("Customers per RFM segment"),
        charts.bars([label(_, "rfm_segment", s) for s in order], {_("Customers"): counts}),
        Table(
            [_("Segment"), _("Customers"), _("Revenue")],
            [
                [
                    label(_, "rfm_segment", s),
                    data["segments"][s][0],
                    round(data["segments"][s][1] / 100, 2),
                ]
                for s in order
            ],
        ),
    )
    return [grid, seg]


# Demand forecast: revenue per month with its prediction band.
def _forecast(i: Inputs) -> Any:
    return demand_forecast(
        i.source,
        ForecastParams(
            level="total",
            measure="revenue",
            period="month",
            horizon=6,
            as_of=i.filters.end,
            currency=i.settings.default_currency,
        ),
    )


def _forecast_present(result: Any, _: Gettext, f: ReportFilters) -> list[Figure]:
    if not result.series:
        return []
    s = result.series[0]
    past = [_month(d) for d in s.history.periods]
    ahead = [_month(d) for d in s.periods]
    n, m = len(past), len(ahead)

    def yuan(values: Any) -> list[float | None]:  # the analysis counts minor units
        return [round(float(v) / 100, 2) for v in values]

    actual: list[float | None] = [*yuan(s.history.values), *([None] * m)]
    forecast: list[float | None] = [*([None] * (n - 1)), actual[n - 1], *yuan(s.forecast)]
    lower: list[float | None] = [*([None] * n), *yuan(s.lower)]
    upper: list[float | None] = [*([None] * n), *yuan(s.upper)]
    head = [(_("Model"), label(_, "model", s.model))]
    if s.backtest is not None:
        head.append(
            (
                _("Backtest error (MAPE)"),
                f"{s.backtest.mape:.1f} %" if s.backtest.mape is not None else "—",
            )
        )
    return [
        Figure(
            "forecast",
            _("Revenue per month, with the forecast and its 80 % band"),
            charts.band(
                past + ahead,
                actual,
                forecast,
                lower,
                upper,
                (_("Revenue"), _("Forecast"), _("80 % band")),
            ),
            Table(
                [_("Month"), _("Revenue"), _("Forecast"), _("Low"), _("High")],
                [
                    [p, actual[k], forecast[k] if k >= n else None, lower[k], upper[k]]
                    for k, p in enumerate(past + ahead)
                ],
            ),
            _(
                "Exponential smoothing chosen by AICc; the band holds the month's revenue with "
                "80 % probability."
            ),
            headline=head,
        )
    ]


REPORTS: dict[str, Report] = {
    r.slug: r
    for r in [
        Report(
            "lifecycle",
            N_("Lifecycle"),
            N_("How customers move between lifecycle stages, and how many are in each."),
            _lifecycle,
            _lifecycle_present,
        ),
        Report(
            "funnels",
            N_("Funnels"),
            N_("How many reach each step of the lifecycle, the pipeline and the web shop."),
            _funnels,
            _funnels_present,
        ),
        Report(
            "retention",
            N_("Retention and churn"),
            N_("Cohort retention and the monthly churn rate."),
            _retention,
            _retention_present,
        ),
        Report(
            "survival",
            N_("Customer lifetime"),
            N_("How long customers stay active after their first purchase."),
            _survival,
            _survival_present,
        ),
        Report(
            "satisfaction",
            N_("Satisfaction"),
            N_("NPS, CSAT and CES month by month."),
            _satisfaction,
            _satisfaction_present,
        ),
        Report(
            "sales-cycle",
            N_("Sales cycle"),
            N_("How long deals spend in each stage, and where they stall."),
            _cycle,
            _cycle_present,
        ),
        Report(
            "team",
            N_("Team results"),
            N_("Each rep's revenue, win rate and quota attainment."),
            _team,
            _team_present,
        ),
        Report(
            "rfm",
            N_("RFM"),
            N_("Customers by recency, frequency and monetary value."),
            _rfm,
            _rfm_present,
        ),
        Report(
            "forecast",
            N_("Demand forecast"),
            N_("Revenue per month and the forecast for the next six."),
            _forecast,
            _forecast_present,
        ),
    ]
}
