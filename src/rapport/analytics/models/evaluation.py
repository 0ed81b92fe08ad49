"""How good a probability is against what happened: ROC AUC, PR AUC, the Brier score and a
calibration table (definitions in docs/metrics.md, "Evaluating a classifier")."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


@dataclass(frozen=True)
class CalibrationBin:
    """Cases whose predicted probability fell in one decile of the predictions."""

    cases: int
    mean_predicted: float
    observed: float  # share of positives


@dataclass(frozen=True)
class Evaluation:
    """A score's figures on labelled cases. ``brier`` and the calibration table are only
    meaningful for a probability; for any other score (a recency) they are None."""

    cases: int
    positives: int
    roc_auc: float | None  # None when only one class is present
    pr_auc: float | None  # average precision (step-wise area under precision–recall)
    brier: float | None  # mean (p − y)²
    base_rate_brier: float  # the Brier of predicting the base rate for everyone
    calibration: list[CalibrationBin] | None

    def to_dict(self) -> dict[str, Any]:
        """The figures as plain JSON values."""
        return asdict(self)


def evaluate(labels: ArrayLike, scores: ArrayLike, *, probability: bool = True,
             bins: int = 10) -> Evaluation:  # fmt: skip
    """``scores`` (higher means more likely positive) against the 0/1 ``labels``; with
    ``probability``, also the Brier score and a calibration table of ``bins`` bins of
    equal size by predicted probability."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError("scores: one per label")
    if np.isnan(s).any():
        raise ValueError("scores: no missing values")
    rate = float(y.mean()) if len(y) else 0.0
    both = 0 < y.sum() < len(y)
    return Evaluation(
        cases=len(y),
        positives=int(y.sum()),
        roc_auc=float(roc_auc_score(y, s)) if both else None,
        pr_auc=float(average_precision_score(y, s)) if both else None,
        brier=float(brier_score_loss(y, s)) if probability and len(y) else None,
        base_rate_brier=rate * (1 - rate),
        calibration=calibration_table(y, s, bins) if probability and len(y) else None,
    )


def calibration_table(labels: ArrayLike, probabilities: ArrayLike,
                      bins: int = 10) -> list[CalibrationBin]:  # fmt: skip
    """Cases sorted by predicted probability and cut into ``bins`` groups of (nearly)
    equal size; per group the mean prediction and the share of positives. Ties are
    broken by position, so equal predictions may straddle two groups."""
    y = np.asarray(labels, dtype=np.float64)
    p = np.asarray(probabilities, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    out = []
    for part in np.array_split(order, min(bins, len(order))):
        out.append(CalibrationBin(len(part), float(p[part].mean()), float(y[part].mean())))
    return out
