"""What a report page shows: figures, each a chart with the table of its data."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

Gettext = Callable[[str], str]


@dataclass(frozen=True)
class Table:
    """A figure's data: translated column headings and rows of plain values."""

    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Figure:
    """One chart on a page, the data behind it, and a line that says how to read it."""

    key: str  # stable, for the download's file name
    title: str
    chart: dict[str, Any]
    table: Table
    note: str | None = None
    height: int = 380
    headline: list[tuple[str, str]] = field(default_factory=list)  # (label, value) above it


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):  # a NumPy number
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN: an unknown figure is drawn as a gap
    return value


def finite(figure: Figure) -> Figure:
    """``figure`` with NaN figures in its table as empty cells (None)."""
    rows = _plain(figure.table.rows)
    return replace(figure, table=Table(figure.table.columns, rows))


def chart_json(option: dict[str, Any]) -> str:
    """A chart's option as strict JSON (NaN and infinities become null)."""
    return json.dumps(_plain(option), ensure_ascii=False, allow_nan=False)


def pct(value: float | None, digits: int = 1) -> float | None:
    """A percentage rounded for a chart (None stays None)."""
    return None if value is None else round(value, digits)
