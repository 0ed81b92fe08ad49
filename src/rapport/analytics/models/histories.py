"""Per-customer purchase histories (frequency x, recency t_x, age T) as the purchase models
read them: checked, and grouped into distinct rows weighted by how many customers share
each, so that fitting costs grow with distinct histories, not customers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
_PACKED: Final = 2**62  # codes of the three columns packed into one int64 below this


@dataclass(frozen=True)
class Column:
    """One column of the distinct rows as ``levels[index]``: what depends on the column
    alone is computed once per level and gathered (a few hundred values of x, a few
    thousand days, against up to a million rows)."""

    levels: Floats
    index: Ints

    @property
    def values(self) -> Floats:
        """The column, row by row."""
        return np.asarray(self.levels[self.index], dtype=np.float64)


@dataclass(frozen=True)
class Histories:
    """Distinct (x, t_x, T) rows, sorted, each with the total weight of its customers."""

    x: Column
    t_x: Column
    t: Column
    weight: Floats

    def sample(self, rows: int, seed: int = 0) -> Histories:
        """About ``rows`` rows drawn with probability proportional to their weight (capped
        at 1) and reweighted by its inverse: an unbiased, smaller version of the data
        whose maximum-likelihood estimate lies near the full one."""
        chance = np.minimum(1.0, rows * self.weight / self.weight.sum())
        keep = np.random.default_rng(seed).random(len(chance)) < chance
        x, t_x, t = (Column(c.levels, c.index[keep]) for c in (self.x, self.t_x, self.t))
        return Histories(x, t_x, t, self.weight[keep] / chance[keep])


def arrays(x: ArrayLike, t_x: ArrayLike, t: ArrayLike) -> tuple[Floats, Floats, Floats]:
    """``x``, ``t_x`` and ``T`` as float arrays of one shape (scalars broadcast)."""
    out = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, t)))
    return out[0], out[1], out[2]


def check(x: Floats, t_x: Floats, t: Floats, w: Floats) -> None:
    """Raise ValueError naming the field and the first row that no purchase history can
    have (negative or fractional x, t_x outside 0…T, x > 0 with t_x = 0, …)."""
    if w.shape != x.shape:
        raise ValueError("weights: one per customer")
    problems = {
        "frequency": ~np.isfinite(x) | (x < 0) | (x != np.floor(x)),
        "recency": ~np.isfinite(t_x) | (t_x < 0) | (t_x > t) | ((x > 0) & (t_x == 0)),
        "T": ~np.isfinite(t) | (t < 0),
        "weights": ~np.isfinite(w) | (w < 0),
    }
    for field, bad in problems.items():
        if np.any(bad):
            raise ValueError(f"{field}: impossible value in row {int(np.argmax(bad))}")
    if not len(x) or w.sum() <= 0:
        raise ValueError("frequency: no customers to fit")


def distinct(x: Floats, t_x: Floats, t: Floats, w: Floats) -> Histories:
    """Identical (x, t_x, T) rows as one, their weights summed (rows of weight 0 dropped).

    Each column becomes integer codes (whole-day values are their own codes; others are
    ranked), the three codes are packed into one int64 and sorted: a million rows take a
    tenth of a second, where ``np.unique(axis=0)`` takes seconds."""
    codes = [_codes(v) for v in (x, t_x, t)]
    sizes = [size for _, size, _ in codes]
    if sizes[0] * sizes[1] * sizes[2] >= _PACKED:  # too many levels to pack: sort by columns
        order = np.lexsort((t, t_x, x))
        rows = np.stack([x[order], t_x[order], t[order]], axis=1)
        starts = np.flatnonzero(np.r_[True, np.any(rows[1:] != rows[:-1], axis=1)])
        weights = np.add.reduceat(w[order], starts)
        keep = weights > 0
        first = order[starts[keep]]
        x_, t_x_, t_ = (Column(levels, index[first]) for index, _, levels in codes)
        return Histories(x_, t_x_, t_, weights[keep].astype(np.float64))
    key = (codes[0][0] * sizes[1] + codes[1][0]) * sizes[2] + codes[2][0]
    if np.all(w == 1.0):  # the usual case: counting needs no permutation
        ordered = np.sort(key)
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        weights = np.diff(np.r_[starts, len(ordered)]).astype(np.float64)
    else:
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        weights = np.add.reduceat(w[order], starts)
    keep = weights > 0
    unique = ordered[starts[keep]]
    columns = (unique // (sizes[1] * sizes[2]), unique // sizes[2] % sizes[1], unique % sizes[2])
    x_, t_x_, t_ = (Column(levels, c) for (_, _, levels), c in zip(codes, columns, strict=True))
    return Histories(x_, t_x_, t_, weights[keep].astype(np.float64))


def pairs(x: Floats, y: Floats) -> tuple[Floats, Floats, Ints]:
    """(x, y) of each distinct pair of ``x`` and ``y`` (as flat arrays), and each entry's
    pair: a term that depends on x and one day only (a hypergeometric series) is then
    computed once per pair and gathered."""
    (cx, nx, lx), (cy, ny, ly) = _codes(x.ravel()), _codes(y.ravel())
    if nx * ny >= _PACKED:  # cannot happen below 2^31 levels each; kept for safety
        stacked, at = np.unique(np.stack([x.ravel(), y.ravel()]), axis=1, return_inverse=True)
        return stacked[0], stacked[1], at.astype(np.int64).ravel()
    unique, at = np.unique(cx * ny + cy, return_inverse=True)
    return lx[unique // ny], ly[unique % ny], at.astype(np.int64).ravel()


def _codes(values: Floats) -> tuple[Ints, int, Floats]:
    """(each value's code, the number of codes, the value of each code)."""
    if (
        len(values)
        and values.min() >= 0
        and values.max() < 2**20
        and np.all(values == np.floor(values))
    ):
        top = int(values.max()) + 1
        return values.astype(np.int64), top, np.arange(top, dtype=np.float64)
    levels, index = np.unique(values, return_inverse=True)
    return index.astype(np.int64).ravel(), max(len(levels), 1), levels.astype(np.float64)
