"""ROC AUC, PR AUC, Brier and the calibration table on cases worked out by hand."""

from __future__ import annotations

import pytest

from rapport.analytics.models.evaluation import CalibrationBin, evaluate


def test_four_cases_by_hand() -> None:
    """Labels 0, 0, 1, 1 with scores 0.1, 0.4, 0.35, 0.8.

    ROC AUC: of the 4 (positive, negative) pairs, 3 are ordered right (0.35 < 0.4 is
    not): 0.75. PR AUC (average precision): by score, 0.8 (hit, precision 1 at recall
    1/2), 0.4 (miss), 0.35 (hit, precision 2/3 at recall 1): 1/2 · 1 + 1/2 · 2/3 = 5/6.
    Brier: (0.01 + 0.16 + 0.4225 + 0.04) / 4 = 0.158125; the base rate 1/2 scores 1/4.
    Two calibration bins: (0.1, 0.35) mean 0.225 with one positive of two; (0.4, 0.8)
    mean 0.6, one of two."""
    result = evaluate([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], bins=2)
    assert (result.cases, result.positives) == (4, 2)
    assert result.roc_auc == pytest.approx(0.75)
    assert result.pr_auc == pytest.approx(5 / 6)
    assert result.brier == pytest.approx(0.158125)
    assert result.base_rate_brier == pytest.approx(0.25)
    assert result.calibration == [CalibrationBin(2, pytest.approx(0.225), 0.5),
                                  CalibrationBin(2, pytest.approx(0.6), 0.5)]  # fmt: skip
    assert result.to_dict()["calibration"][0]["cases"] == 2


def test_a_score_that_is_no_probability_has_no_brier() -> None:
    result = evaluate([0, 1, 1], [10.0, 30.0, 20.0], probability=False)
    assert result.roc_auc == 1.0 and result.brier is None and result.calibration is None


def test_one_class_has_no_auc() -> None:
    result = evaluate([1, 1], [0.2, 0.9])
    assert result.roc_auc is None and result.pr_auc is None
    assert result.brier == pytest.approx((0.64 + 0.01) / 2)


def test_bad_scores_are_refused() -> None:
    with pytest.raises(ValueError, match="scores"):
        evaluate([0, 1], [0.5])
    with pytest.raises(ValueError, match="scores"):
        evaluate([0, 1], [0.5, float("nan")])
