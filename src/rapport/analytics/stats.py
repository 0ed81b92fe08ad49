"""Confidence intervals shared by the analyses (formulas in docs/metrics.md)."""

from __future__ import annotations

import math

from scipy.stats import norm, t


def z_value(confidence: float) -> float:
    """The two-sided standard normal quantile for ``confidence`` (1.96 for 0.95)."""
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie between 0 and 1, such as 0.95")
    return float(norm.ppf(0.5 + confidence / 2))


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion, as percentages (0–100)."""
    if trials == 0:
        return (math.nan, math.nan)
    z = z_value(confidence)
    p = successes / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    scale = 1 + z * z / trials
    return (100 * (centre - spread) / scale, 100 * (centre + spread) / scale)


def nps_interval(
    promoters: int, detractors: int, responses: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Normal-approximation interval for NPS, treating each answer as +1, 0 or −1."""
    if responses == 0:
        return (math.nan, math.nan)
    p, d = promoters / responses, detractors / responses
    score = p - d
    spread = z_value(confidence) * math.sqrt(max(p + d - score * score, 0) / responses)
    return (100 * max(score - spread, -1), 100 * min(score + spread, 1))


def mean_interval(
    total: float, squares: float, count: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Student-t interval for a mean from the sum and sum of squares of ``count`` values."""
    if count < 2:
        return (math.nan, math.nan)
    mean = total / count
    variance = max(squares - count * mean * mean, 0) / (count - 1)
    spread = float(t.ppf(0.5 + confidence / 2, count - 1)) * math.sqrt(variance / count)
    return (mean - spread, mean + spread)
