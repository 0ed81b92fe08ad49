"""Maximum likelihood for the purchase models, in two stages, so that a million customers
cost a handful of passes over the data:

1. a rough optimum on a weighted sample of the distinct histories (about 20,000 rows,
   ``Histories.sample``), by L-BFGS-B from each starting point, and the curvature there
   (the Hessian by central differences of the gradient);
2. BFGS on all rows from that optimum with that curvature as its first inverse Hessian:
   the mean log-likelihood of the sample and of the whole have nearly the same shape, so
   its first steps are Newton steps and it stops after a few evaluations. Should that
   fail (curvature not positive, a step out of bounds), L-BFGS-B finishes on all rows.

Objectives take the logarithms of the parameters and return the negative mean
log-likelihood per customer and its gradient, so tolerances mean the same at any size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import OptimizeResult, minimize
from threadpoolctl import threadpool_limits

from rapport.analytics.models.histories import Histories

Floats = NDArray[np.float64]
Objective = Callable[[Floats], tuple[float, Floats]]
SAMPLE_ROWS: Final = 20_000
BOUND: Final = 12.0  # |log parameter| at most this while searching (e^12 ≈ 160,000)
_STEP: Final = 1e-4  # in log parameters, for the Hessian by differences


def maximise(
    make: Callable[[Histories], Objective],
    rows: Histories,
    starts: Sequence[Sequence[float]],
    gtol: float = 1e-7,
) -> tuple[Floats, float]:
    """(the log-parameters that maximise the mean log-likelihood of ``rows``, the objective
    there), where ``make(rows)`` gives the objective; ``gtol`` bounds the gradient at the
    optimum. BLAS runs on one thread meanwhile: the optimisers' vectors have four
    entries, and waking threads for them cost a third of the fit on a busy machine."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _maximise(make, rows, starts, gtol)


def _maximise(make: Callable[[Histories], Objective], rows: Histories,
              starts: Sequence[Sequence[float]], gtol: float) -> tuple[Floats, float]:  # fmt: skip
    sample = rows if len(rows.weight) <= SAMPLE_ROWS else rows.sample(SAMPLE_ROWS)
    rough = make(sample)
    bounds = [(-BOUND, BOUND)] * len(starts[0])
    tries = [minimize(rough, np.asarray(s, dtype=np.float64), jac=True, method="L-BFGS-B",
                      bounds=bounds, options={"maxiter": 2000}) for s in starts]  # fmt: skip
    best: OptimizeResult = min(tries, key=lambda found: float(found.fun))
    full = rough if sample is rows else make(rows)
    inverse = _inverse_hessian(rough, best.x)
    if inverse is not None:
        options = {"hess_inv0": inverse, "gtol": gtol, "maxiter": 200}
        polished = minimize(full, best.x, jac=True, method="BFGS", options=options)
        # BFGS only accepts steps that lower the objective; it may still run off to a
        # degenerate corner that the bounds of the rough stage kept it from.
        if np.all(np.isfinite(polished.x)) and np.all(np.abs(polished.x) <= BOUND):
            return np.asarray(polished.x, dtype=np.float64), float(polished.fun)
    finished = minimize(full, best.x, jac=True, method="L-BFGS-B", bounds=bounds,
                        options={"maxiter": 2000, "ftol": 1e-14, "gtol": gtol})  # fmt: skip
    return np.asarray(finished.x, dtype=np.float64), float(finished.fun)


def _inverse_hessian(objective: Objective, at: Floats) -> Floats | None:
    """The inverse of the objective's Hessian at ``at`` by central differences of its
    gradient, or None when it is not positive definite (not at a proper minimum)."""
    eye = np.eye(len(at))
    rows = [(objective(at + _STEP * e)[1] - objective(at - _STEP * e)[1]) / (2 * _STEP)
            for e in eye]  # fmt: skip
    hessian = np.array(rows)
    hessian = (hessian + hessian.T) / 2
    if not np.all(np.isfinite(hessian)) or np.linalg.eigvalsh(hessian).min() <= 0:
        return None
    inverse = np.linalg.inv(hessian)
    return np.asarray((inverse + inverse.T) / 2, dtype=np.float64)
