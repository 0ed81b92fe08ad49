"""Apache ECharts options for the analytics pages, built from plain figures.

Each function returns the option object ``echarts.setOption`` takes, as JSON-ready
dicts: the page embeds it and ``static/js/charts.js`` draws it. Labels arrive already
translated; colours come from one palette so a stage or a series keeps its colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

PALETTE = ["#1d5fbf", "#2e9e5b", "#e8a33d", "#c4453c", "#7b5ea7", "#3aa6b9", "#9c6b3d",
           "#d46a9f", "#6c7a89", "#98b83b"]  # fmt: skip


def _base(**extra: Any) -> dict[str, Any]:
    return {"color": PALETTE, "animation": False, "tooltip": {"trigger": "axis"},
            "grid": {"left": 56, "right": 24, "top": 40, "bottom": 48, "containLabel": True},
            **extra}  # fmt: skip


def lines(
    x: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    y_name: str = "",
    percent: bool = False,
    stacked_area: bool = False,
) -> dict[str, Any]:
    """One line per series over the categories ``x`` (periods, days)."""
    return _base(
        legend={"top": 0, "type": "scroll"},
        xAxis={"type": "category", "data": list(x), "boundaryGap": False},
        yAxis={"type": "value", "name": y_name,
               **({"axisLabel": {"formatter": "{value} %"}} if percent else {})},
        series=[{"name": name, "type": "line", "data": list(values), "showSymbol": len(x) < 40,
                 **({"stack": "all", "areaStyle": {}} if stacked_area else {})}
                for name, values in series.items()],
    )  # fmt: skip


def bars(
    x: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    y_name: str = "",
    horizontal: bool = False,
) -> dict[str, Any]:
    """Grouped bars: one bar per series at each category."""
    category = {"type": "category", "data": list(x)}
    value = {"type": "value", "name": y_name}
    return _base(
        legend={"top": 0, "type": "scroll"} if len(series) > 1 else {"show": False},
        xAxis=value if horizontal else category,
        yAxis=category if horizontal else value,
        series=[{"name": name, "type": "bar", "data": list(values)}
                for name, values in series.items()],
    )  # fmt: skip


def band(
    x: Sequence[str],
    actual: Sequence[float | None],
    forecast: Sequence[float | None],
    lower: Sequence[float | None],
    upper: Sequence[float | None],
    names: tuple[str, str, str],
) -> dict[str, Any]:
    """History and forecast with a shaded prediction band (lower + the band's width)."""
    width = [
        None if lo is None or hi is None else hi - lo for lo, hi in zip(lower, upper, strict=True)
    ]
    actual_name, forecast_name, band_name = names
    return _base(
        legend={"top": 0, "data": [actual_name, forecast_name, band_name]},
        xAxis={"type": "category", "data": list(x), "boundaryGap": False},
        yAxis={"type": "value"},
        series=[
            {"name": band_name, "type": "line", "data": list(lower), "stack": "band",
             "lineStyle": {"opacity": 0}, "symbol": "none", "tooltip": {"show": False}},
            {"name": band_name, "type": "line", "data": width, "stack": "band",
             "lineStyle": {"opacity": 0}, "symbol": "none",
             "areaStyle": {"color": "rgba(29, 95, 191, 0.18)"}},
            {"name": actual_name, "type": "line", "data": list(actual), "color": PALETTE[0]},
            {"name": forecast_name, "type": "line", "data": list(forecast),
             "lineStyle": {"type": "dashed"}, "color": PALETTE[3]},
        ],
    )  # fmt: skip


def funnel(steps: Sequence[tuple[str, int, float | None]]) -> dict[str, Any]:
    """A funnel: (step, count, % of the previous step) from the top down."""
    top = max((count for _, count, _ in steps), default=0) or 1
    return {
        "color": PALETTE, "animation": False,
        "tooltip": {"trigger": "item"},
        "series": [{
            "type": "funnel", "sort": "none", "left": "10%", "width": "80%", "min": 0, "max": top,
            "minSize": "4%", "gap": 2,
            "label": {"show": True, "position": "inside", "formatter": "{b}: {c}"},
            "data": [{"name": name, "value": count} for name, count, _ in steps],
        }],
    }  # fmt: skip


def sankey(nodes: Sequence[str], links: Sequence[tuple[str, str, int]]) -> dict[str, Any]:
    """Flows between named nodes: (source, target, customers)."""
    return {
        "color": PALETTE, "animation": False,
        "tooltip": {"trigger": "item"},
        "series": [{
            "type": "sankey", "left": 8, "right": 140, "top": 16, "bottom": 16,
            "emphasis": {"focus": "adjacency"}, "nodeAlign": "justify",
            "data": [{"name": name} for name in nodes],
            "links": [{"source": s, "target": t, "value": v} for s, t, v in links if v > 0],
            "lineStyle": {"color": "gradient", "curveness": 0.5},
        }],
    }  # fmt: skip


def heatmap(
    x: Sequence[str],
    y: Sequence[str],
    cells: Sequence[tuple[int, int, float | None]],
    *,
    top: float = 100,
    percent: bool = True,
) -> dict[str, Any]:
    """A grid of values (x index, y index, value), coloured from low to high."""
    return {
        "animation": False,
        "tooltip": {"position": "top"},
        "grid": {"left": 90, "right": 24, "top": 16, "bottom": 80, "containLabel": True},
        "xAxis": {"type": "category", "data": list(x), "splitArea": {"show": True}},
        "yAxis": {"type": "category", "data": list(y), "splitArea": {"show": True}},
        "visualMap": {"min": 0, "max": top, "calculable": True, "orient": "horizontal",
                      "left": "center", "bottom": 0,
                      "inRange": {"color": ["#f5f7fa", "#9cc3f5", "#1d5fbf"]}},
        "series": [{"type": "heatmap", "data": [list(c) for c in cells],
                    "label": {"show": len(cells) <= 400,
                              "formatter": "{@[2]}" + (" %" if percent else "")}}],
    }  # fmt: skip


def bubbles(points: Sequence[dict[str, Any]], x_name: str, y_name: str) -> dict[str, Any]:
    """Named bubbles: ``{"name", "x", "y", "size"}``, the area showing the size."""
    largest = max((p["size"] for p in points), default=1) or 1
    return {
        "color": PALETTE, "animation": False,
        "tooltip": {"trigger": "item"},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 56, "right": 24, "top": 48, "bottom": 48, "containLabel": True},
        "xAxis": {"type": "value", "name": x_name, "nameLocation": "middle", "nameGap": 28},
        "yAxis": {"type": "value", "name": y_name},
        "series": [{"name": p["name"], "type": "scatter",
                    "symbolSize": 12 + 60 * (p["size"] / largest) ** 0.5,
                    "data": [[p["x"], p["y"], p["size"]]]} for p in points],
    }  # fmt: skip
