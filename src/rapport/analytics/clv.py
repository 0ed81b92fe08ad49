"""Predicted customer lifetime value: a purchase model (BG/NBD or Pareto/NBD) and the
Gamma-Gamma spend model fitted on the per-customer summary, each buyer's P(alive),
expected purchases, expected spend and discounted CLV over a horizon, and on request
a calibration/holdout check on the CRM's own data (docs/metrics.md, "CLV analysis")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final, Literal

import numpy as np
import pyarrow as pa
from babel.numbers import get_currency_precision
from numpy.typing import NDArray

from rapport.analytics.common import BadParameter
from rapport.analytics.models import bgnbd, gamma_gamma, pareto_nbd
from rapport.analytics.models.clv import PurchaseModel, discounted_value
from rapport.analytics.source import Source
from rapport.analytics.summary import SummaryParams, customer_summary

Floats = NDArray[np.float64]
ModelName = Literal["bgnbd", "pareto_nbd"]
_FITTERS: Final[dict[str, Callable[..., PurchaseModel]]] = {
    "bgnbd": bgnbd.fit,
    "pareto_nbd": pareto_nbd.fit,
}
QUANTILES: Final = (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
_BY_FREQUENCY: Final = 7  # calibration frequencies 0 … 6, then "7 or more" in one group


@dataclass(frozen=True)
class ClvParams:
    """Purchases up to ``as_of`` (today when None) in ``currency``; value over the next
    ``horizon_days``, discounted at ``annual_discount_rate`` a year; with ``holdout_days``,
    also fit on the data up to that many days before ``as_of`` and compare the predicted
    purchases of those days with the actual ones."""

    as_of: date | None = None
    currency: str = "CNY"
    horizon_days: int = 365
    annual_discount_rate: float = 0.10
    model: ModelName = "bgnbd"
    holdout_days: int | None = None


@dataclass(frozen=True)
class ClvResult:
    """Per buying customer (aligned arrays, in customer id order) and the fitted models."""

    as_of: date
    params: ClvParams
    customer_id: NDArray[np.int64]
    p_alive: Floats
    expected_purchases: Floats  # repeat purchases (purchase days) over the horizon
    expected_spend: Floats  # per purchase, major units of the currency (yuan)
    clv: Floats  # discounted, major units
    purchase_model: PurchaseModel
    spend_model: gamma_gamma.GammaGamma
    evaluation: dict[str, Any] = field(default_factory=dict)  # holdout figures, if asked

    def parameters(self) -> dict[str, Any]:
        """Both models' fitted parameters and the settings, JSON-ready."""
        return {
            "as_of": self.as_of.isoformat(), "currency": self.params.currency,
            "model": self.params.model, "horizon_days": self.params.horizon_days,
            "annual_discount_rate": self.params.annual_discount_rate,
            "purchase": self.purchase_model.parameters(),
            "spend": self.spend_model.parameters(),
        }  # fmt: skip

    def distribution(self) -> dict[str, Any]:
        """Totals, means and quantiles (``QUANTILES``) of the per-customer figures."""
        if not len(self.clv):
            return {"customers": 0}
        return {
            "customers": len(self.clv),
            "clv_total": float(self.clv.sum()),
            "clv_mean": float(self.clv.mean()),
            "clv_quantiles": {f"p{round(q * 100)}": float(v)
                              for q, v in zip(QUANTILES, np.quantile(self.clv, QUANTILES),
                                              strict=True)},
            "expected_purchases_total": float(self.expected_purchases.sum()),
            "p_alive_mean": float(self.p_alive.mean()),
            "expected_spend_mean": float(self.expected_spend.mean()),
        }  # fmt: skip


def clv(source: Source, params: ClvParams) -> ClvResult:
    """Every customer who bought in ``params.currency`` by ``as_of``, in id order, with
    their predicted value; both models fitted on those customers."""
    _check(params)
    as_of = params.as_of or date.today()
    table = _buyers(source, as_of, params.currency)
    purchase, spend = _fit(table, params.model)
    x, t_x, t, m = _histories(table)
    unit = 10.0 ** get_currency_precision(params.currency)
    spend_major = spend.expected_spend(x, np.nan_to_num(m)) / unit
    value = discounted_value(purchase, x, t_x, t, spend_major, params.horizon_days,
                             params.annual_discount_rate)  # fmt: skip
    evaluation = {} if params.holdout_days is None else holdout(source, params, as_of, table)
    evaluation["frequency_spend_correlation"] = _spend_correlation(x, m)
    return ClvResult(
        as_of=as_of, params=params,
        customer_id=table.column("customer_id").to_numpy().astype(np.int64),
        p_alive=purchase.p_alive(x, t_x, t),
        expected_purchases=purchase.expected_purchases(x, t_x, t, params.horizon_days),
        expected_spend=spend_major, clv=value, purchase_model=purchase, spend_model=spend,
        evaluation=evaluation,
    )  # fmt: skip


def holdout(source: Source, params: ClvParams, as_of: date,
            table: pa.Table | None = None) -> dict[str, Any]:  # fmt: skip
    """Fit on the purchases up to ``as_of − holdout_days`` and predict, for the customers
    who had bought by then, their purchase days in the rest of the time up to ``as_of``:
    totals, their relative error, the mean absolute error per customer, and mean predicted
    and actual purchases by calibration frequency (0 … 6, 7 or more)."""
    days = params.holdout_days
    if days is None:
        raise BadParameter("holdout_days", "give the days to hold out")
    cut = as_of - timedelta(days=days)
    calibration = _buyers(source, cut, params.currency)
    purchase, _ = _fit(calibration, params.model)
    x, t_x, t, _m = _histories(calibration)
    now = table if table is not None else _buyers(source, as_of, params.currency)
    ids, ids_now = (np.asarray(t.column("customer_id").to_numpy()) for t in (calibration, now))
    # Both in id order, and every calibration buyer is still a buyer at as_of.
    later = _histories(now)[0][np.searchsorted(ids_now, ids)]
    actual = later - x  # purchase days after the calibration end
    predicted = purchase.expected_purchases(x, t_x, t, float(days))
    groups = np.minimum(x, _BY_FREQUENCY).astype(np.int64)
    by_frequency = [
        {"frequency": int(g), "or_more": bool(g == _BY_FREQUENCY), "customers": int(n),
         "predicted_mean": float(predicted[groups == g].mean()),
         "actual_mean": float(actual[groups == g].mean())}
        for g, n in zip(*np.unique(groups, return_counts=True), strict=True)
    ]  # fmt: skip
    total_actual, total_predicted = float(actual.sum()), float(predicted.sum())
    return {
        "calibration_end": cut.isoformat(), "holdout_days": days, "customers": len(ids),
        "predicted_total": total_predicted, "actual_total": total_actual,
        "relative_error": (total_predicted - total_actual) / total_actual if total_actual else None,
        "mae": float(np.abs(predicted - actual).mean()),
        "calibration_parameters": purchase.parameters(), "by_frequency": by_frequency,
    }  # fmt: skip


def _check(params: ClvParams) -> None:
    if params.model not in _FITTERS:
        raise BadParameter("model", f"choose one of {', '.join(_FITTERS)}")
    if params.horizon_days < 1:
        raise BadParameter("horizon_days", "give a horizon of at least 1 day")
    if not 0 <= params.annual_discount_rate < 10:
        raise BadParameter("annual_discount_rate", "give a yearly rate from 0 (0 %) below 10")
    if params.holdout_days is not None and params.holdout_days < 1:
        raise BadParameter("holdout_days", "give at least 1 day to hold out")


def _buyers(source: Source, as_of: date, currency: str) -> pa.Table:
    """The summary of the customers who bought in ``currency`` by ``as_of``."""
    table = customer_summary(source, SummaryParams(as_of=as_of, currency=currency,
                                                   buyers_only=True))  # fmt: skip
    if not table.num_rows:
        raise BadParameter("as_of", f"no paid order in {currency} by {as_of.isoformat()}")
    return table


def _histories(table: pa.Table) -> tuple[Floats, Floats, Floats, Floats]:
    """(x, t_x, T, m) of the summary: m is NaN where there is no repeat purchase."""
    columns = ("frequency", "recency_days", "t_days", "monetary_minor")
    x, t_x, t, m = (np.asarray(table.column(c).to_numpy(zero_copy_only=False), dtype=np.float64)
                    for c in columns)  # fmt: skip
    return x, t_x, t, m


def _fit(table: pa.Table, model: str) -> tuple[PurchaseModel, gamma_gamma.GammaGamma]:
    x, t_x, t, m = _histories(table)
    purchase: PurchaseModel = _FITTERS[model](x, t_x, t)
    spenders = (x > 0) & (m > 0)  # NaN compares False: no repeat purchase
    if not spenders.any():
        raise BadParameter("as_of", "no customer has a repeat purchase yet: spend cannot be fitted")
    return purchase, gamma_gamma.fit(x[spenders], m[spenders])


def _spend_correlation(x: Floats, m: Floats) -> float | None:
    """Pearson correlation of frequency and mean spend among repeat buyers: Gamma-Gamma
    assumes none (Fader, Hardie & Lee 2005), so a large one warns against the CLV."""
    spenders = (x > 0) & (m > 0)
    if spenders.sum() < 3 or np.ptp(x[spenders]) == 0 or np.ptp(m[spenders]) == 0:
        return None
    return float(np.corrcoef(x[spenders], m[spenders])[0, 1])
