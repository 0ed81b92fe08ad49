"""A calibrated binary classifier on a table of per-customer features, with each case's
reasons: what the churn risk and the lead scores are fitted with.

Two kinds, both scikit-learn: ``logistic`` (logistic regression on standardised
features, counts taken as log(1 + x)) and ``boosting`` (histogram gradient-boosted
trees). Missing numbers are filled with the training median and flagged by an
indicator column; categories are one-hot, rare ones (fewer than ``MIN_CATEGORY`` cases)
pooled, unseen ones ignored. The probability is Platt-scaled on a later slice of data
than the model was fitted on (a one-variable logistic regression on the model's
log-odds), so it is calibrated for the time it is used in, not the time it learnt from.

A case's reasons are the change in calibrated log-odds when a group of its features is
set to the reference (the training median, or most common category): the same
question, "how much lower would the risk be if this were typical?", put to either kind
of model. For the logistic model it is exactly Σ coefficient × (value − reference) over
the group. Definitions in docs/metrics.md ("Churn risk", "Reasons").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

ModelKind = Literal["logistic", "boosting"]
KINDS: Final = ("logistic", "boosting")
MIN_CATEGORY: Final = 20  # rarer categories are pooled into one column
_SEED: Final = 0
Floats = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class Columns:
    """The feature columns a model reads: numbers (``logged`` ones as log(1 + x) for the
    logistic model: counts, days and money are skewed) and categories (text)."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...] = ()
    logged: frozenset[str] = field(default_factory=frozenset)

    @property
    def all(self) -> tuple[str, ...]:
        return (*self.numeric, *self.categorical)


@dataclass
class Classifier:
    """A fitted model and its calibration; ``probability`` and ``reasons`` for new cases."""

    kind: ModelKind
    columns: Columns
    pipeline: Pipeline
    slope: float  # Platt scaling: calibrated log-odds = slope × model log-odds + intercept
    intercept: float
    reference: dict[str, Any]  # per column, the typical training value
    rows: int  # training cases (after sampling)
    positives: int
    calibration_rows: int

    def log_odds(self, frame: pd.DataFrame) -> Floats:
        """The calibrated log-odds of each case."""
        with _one_thread():
            raw = self.pipeline.decision_function(frame[list(self.columns.all)])
        return np.asarray(self.slope * raw + self.intercept, dtype=np.float64)

    def probability(self, frame: pd.DataFrame) -> Floats:
        """Each case's calibrated probability of the positive class."""
        return np.asarray(1 / (1 + np.exp(-self.log_odds(frame))), dtype=np.float64)

    def contributions(self, frame: pd.DataFrame,
                      groups: Mapping[str, Sequence[str]]) -> Floats:  # fmt: skip
        """Cases × groups: each case's log-odds minus its log-odds with that group's
        columns set to the reference (positive: the group raises the risk)."""
        full = self.log_odds(frame)
        out = np.empty((len(frame), len(groups)))
        for j, names in enumerate(groups.values()):
            typical = frame.copy()
            for name in names:
                typical[name] = self.reference[name]
            out[:, j] = full - self.log_odds(typical)
        return out

    def parameters(self) -> dict[str, Any]:
        """What was fitted, as plain JSON values: the kind, the columns and their
        references, the calibration, and the logistic model's coefficients (per
        standardised column) or the boosting model's size."""
        model = self.pipeline[-1]
        out: dict[str, Any] = {
            "kind": self.kind,
            "numeric": list(self.columns.numeric),
            "categorical": list(self.columns.categorical),
            "logged": sorted(self.columns.logged),
            "reference": {k: _plain(v) for k, v in self.reference.items()},
            "calibration": {
                "slope": self.slope,
                "intercept": self.intercept,
                "rows": self.calibration_rows,
            },
            "training_rows": self.rows,
            "training_positives": self.positives,
        }
        if self.kind == "logistic":
            names = self.pipeline[0].get_feature_names_out()
            out["coefficients"] = dict(zip(names, map(float, model.coef_[0]), strict=True))
            out["intercept"] = float(model.intercept_[0])
        else:
            out["iterations"] = int(model.n_iter_)
            out["max_leaf_nodes"] = model.max_leaf_nodes
            out["learning_rate"] = model.learning_rate
        return out


def fit(kind: ModelKind, columns: Columns, train: pd.DataFrame, labels: Sequence[bool] | Any,
        calibrate: tuple[pd.DataFrame, Any] | None = None,
        max_rows: int = 100_000) -> Classifier:  # fmt: skip
    """The ``kind`` model of ``labels`` on ``train``'s ``columns`` (at most ``max_rows``
    cases, drawn at random beyond that), Platt-scaled on ``calibrate`` (cases and labels
    from later than ``train``; none or a one-class slice: no scaling)."""
    if kind not in KINDS:
        raise ValueError(f"kind: one of {', '.join(KINDS)}")
    y = np.asarray(labels, dtype=bool)
    if len(y) != len(train):
        raise ValueError("labels: one per row")
    if not 0 < y.sum() < len(y):
        raise ValueError("labels: need cases of both classes to learn from")
    if len(y) > max_rows:
        keep = np.sort(np.random.default_rng(_SEED).choice(len(y), max_rows, replace=False))
        train, y = train.iloc[keep], y[keep]
    data = train[list(columns.all)]
    pipeline = _pipeline(kind, columns)
    with _one_thread():
        pipeline.fit(data, y)
    reference = {name: _typical(data[name], name in columns.categorical) for name in columns.all}
    model = Classifier(kind, columns, pipeline, 1.0, 0.0, reference, len(y), int(y.sum()), 0)
    if calibrate is not None:
        later, outcome = calibrate[0], np.asarray(calibrate[1], dtype=bool)
        if 0 < outcome.sum() < len(outcome):
            platt = LogisticRegression(C=1e6).fit(model.log_odds(later).reshape(-1, 1), outcome)
            model.slope = float(platt.coef_[0, 0])
            model.intercept = float(platt.intercept_[0])
            model.calibration_rows = len(outcome)
    return model


def _pipeline(kind: ModelKind, columns: Columns) -> Pipeline:
    categories = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=MIN_CATEGORY,
                               sparse_output=False)  # fmt: skip
    logged = [c for c in columns.numeric if c in columns.logged]
    plain = [c for c in columns.numeric if c not in columns.logged]
    if kind == "boosting":  # trees need neither logs nor scales, and take missing values as such
        parts = ColumnTransformer(
            [("num", "passthrough", list(columns.numeric)),
             ("cat", categories, list(columns.categorical))],
            verbose_feature_names_out=False,
        )  # fmt: skip
        trees = HistGradientBoostingClassifier(
            learning_rate=0.05, max_iter=200, max_leaf_nodes=15, min_samples_leaf=40,
            l2_regularization=1.0, random_state=_SEED,
        )  # fmt: skip
        return make_pipeline(parts, trees)
    numbers = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
    parts = ColumnTransformer(
        [("log", make_pipeline(FunctionTransformer(_log1p, feature_names_out="one-to-one"),
                               numbers), logged),
         ("num", numbers, plain),
         ("cat", categories, list(columns.categorical))],
        verbose_feature_names_out=False,
    )  # fmt: skip
    return make_pipeline(parts, LogisticRegression(C=1.0, max_iter=2000))


def _one_thread() -> Any:
    """One OpenMP thread for the trees: on a busy machine their threads wait on each
    other (measured here: 51 s to fit 2,000 cases with 2 threads under load, 1.8 s
    with 1). threadpoolctl is scikit-learn's own dependency for this."""
    return threadpool_limits(limits=1, user_api="openmp")


def _log1p(values: Any) -> Any:
    """log(1 + x) of values clipped at 0 (missing stay missing)."""
    return np.log1p(np.clip(np.asarray(values, dtype=np.float64), 0, None))


def _typical(values: pd.Series, categorical: bool) -> Any:
    """The median of a number column (missing if all are), the most common category."""
    if categorical:
        common = values.mode(dropna=True)
        return common.iloc[0] if len(common) else None
    numbers = pd.to_numeric(values, errors="coerce").astype(np.float64)
    return float(numbers.median()) if numbers.notna().any() else np.nan


def _plain(value: Any) -> Any:
    if isinstance(value, float) and np.isnan(value):
        return None
    return value.item() if isinstance(value, np.generic) else value
