"""Item-to-item collaborative filtering on co-purchases (Sarwar, Karypis, Konstan &
Riedl 2001; Linden, Smith & York 2003; Deshpande & Karypis 2004), on sparse arrays.

Products are alike when the same customers bought both: sim(i, j) is the cosine of
their columns in the binary customer × product matrix, shrunk towards 0 when few
customers bought both, and each product keeps only its most similar ``neighbours``. A
customer's score for product j is the sum, over the products i they bought, of their
weight for i times sim(i, j), with sim(j, j) a chosen weight (1: what was bought before
may be bought again); the top k allowed products by score are recommended, and slots
the scores cannot fill go to the most popular products. Formulas in
docs/metrics.md ("Recommendations").

Written on SciPy's sparse products rather than taken from a library: scikit-learn's
``cosine_similarity`` gives neither co-purchase counts (for shrinkage) nor pruned
neighbours, and the ``implicit`` package (not a dependency) scores without the
exclusions and popularity fill-up needed here; the rest is two sparse products and a
partial sort per chunk of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
NO_PRODUCT: Final = -1  # pads a row of recommendations when too few products are left
# Dense co-purchase counts worked on at once (rows of products × products), 8 bytes each.
_CELLS: Final = 1 << 21
_ROWS: Final = 8_192  # customers scored at once (their non-zero scores are held)
_TIE: Final = 1e-9  # equal item scores are ordered by popularity


@dataclass(frozen=True)
class ItemSimilarity:
    """Products × products similarities (row i: product i's neighbours) and popularity."""

    matrix: Any  # scipy.sparse.csr_array: sim(i, j) ≥ 0, zero diagonal, pruned rows
    popularity: Floats  # per product: customers who bought it

    @property
    def pairs(self) -> int:
        """Stored (product, neighbour) similarities."""
        return int(self.matrix.nnz)


@dataclass(frozen=True)
class TopK:
    """Per row of customers: the k chosen product columns, best first."""

    index: Ints  # (customers, k) product column, ``NO_PRODUCT`` where none is left
    score: Floats  # (customers, k) item–item score; 0 for popularity fills and padding
    popular: NDArray[np.bool_]  # (customers, k) the slot was filled by popularity


def item_similarity(
    baskets: Any,
    *,
    shrinkage: float = 10.0,
    neighbours: int = 20,
    targets: NDArray[np.bool_] | None = None,
    cells: int = _CELLS,
) -> ItemSimilarity:
    """Co-purchase similarities of ``baskets`` (a customers × products sparse matrix;
    any stored non-zero counts as bought).

    sim(i, j) = c_ij / √(n_i n_j) · c_ij / (c_ij + shrinkage) for i ≠ j, with n_i the
    customers who bought i and c_ij those who bought both; only products j in
    ``targets`` (all when None) are kept as neighbours, at most ``neighbours`` per
    product i (the largest). Rows of the co-purchase matrix are computed ``cells``
    dense values at a time, so memory stays flat whatever the number of customers."""
    bought = sparse.csr_array(baskets, dtype=np.float64)
    bought.sum_duplicates()
    bought.eliminate_zeros()
    bought.data[:] = 1.0
    products = bought.shape[1]
    counts = np.asarray(bought.sum(axis=0), dtype=np.float64).ravel()
    keep = np.ones(products, dtype=bool) if targets is None else np.asarray(targets, dtype=bool)
    by_product = bought.T.tocsr()
    step = max(1, cells // max(products, 1))
    rows, cols, values = [], [], []
    for first in range(0, products, step):
        last = min(first + step, products)
        both = (by_product[first:last] @ bought).toarray()  # c_ij
        scale = np.sqrt(np.outer(counts[first:last], counts))
        sim = np.divide(both, scale, out=np.zeros_like(both), where=scale > 0)
        if shrinkage > 0:
            sim *= both / (both + shrinkage)
        sim[np.arange(last - first), np.arange(first, last)] = 0.0
        sim[:, ~keep] = 0.0
        if products > neighbours:  # the ``neighbours`` largest of each row, unordered
            best = np.argpartition(sim, products - neighbours, axis=1)[:, products - neighbours :]
        else:
            best = np.broadcast_to(np.arange(products), sim.shape)
        kept = np.take_along_axis(sim, best, axis=1)
        row, slot = np.nonzero(kept > 0)
        rows.append(row + first)
        cols.append(best[row, slot])
        values.append(kept[row, slot])
    matrix = sparse.csr_array(
        (_joined(values, np.float64), (_joined(rows, np.int64), _joined(cols, np.int64))),
        shape=(products, products),
    )
    return ItemSimilarity(matrix, counts)


def top_k(
    similarity: ItemSimilarity,
    weights: Any,
    excluded: Any,
    k: int,
    *,
    allowed: NDArray[np.bool_] | None = None,
    self_similarity: float = 1.0,
    rows: int = _ROWS,
) -> TopK:
    """The ``k`` best products for each row of ``weights`` (customers × products sparse:
    each bought product's weight), never one that is not zero in the same row of
    ``excluded`` (same shape) nor one outside ``allowed`` (all when None).

    Products with a positive score s_j = Σ_i w_i sim(i, j) come first, by score (equal
    scores by popularity), where sim(j, j) = ``self_similarity``: a product bought
    before and not excluded counts towards buying it again (the cosine of a product
    with itself is 1; 0 scores only other products). The slots left go to the most
    popular products (customers who bought them; equally popular ones by lower
    column); a row with fewer than k products left is padded with ``NO_PRODUCT``.
    Only the scores that are not zero are held, ``rows`` customers at a time: the work
    grows with the products near what each customer bought, not with the catalogue."""
    weights = sparse.csr_array(weights, dtype=np.float64)
    customers, products = weights.shape
    columns = np.flatnonzero(np.ones(products, dtype=bool) if allowed is None else allowed)
    width = len(columns)
    gone = sparse.csr_array(excluded, dtype=np.float64)[:, columns].tocsr()
    gone.eliminate_zeros()
    gone.data[:] = 1.0
    # Scores and exclusions in one sparse product: [W | −big·E] @ [S + d·I; I] =
    # W (S + d·I) − big·E, so an excluded product's score is negative (big exceeds any
    # score: similarities are at most 1, and d).
    big = float(np.abs(weights).sum(axis=1).max(initial=0.0)) * max(1.0, self_similarity) + 1
    itself = sparse.csr_array((np.full(width, self_similarity), (columns, np.arange(width))),
                              shape=(products, width))  # fmt: skip
    spread = sparse.vstack([similarity.matrix[:, columns] + itself, sparse.eye_array(width)],
                           format="csr")  # fmt: skip
    scoring = sparse.hstack([weights, -big * gone], format="csr")
    # Popularity as a rank score in (0, 1): distinct, so ties are broken exactly.
    by_popularity = np.lexsort((columns, -similarity.popularity[columns]))
    popular = np.empty(width)
    popular[by_popularity] = (width - np.arange(width)) / (width + 1)
    out = TopK(np.full((customers, k), NO_PRODUCT, dtype=np.int64),
               np.zeros((customers, k)), np.zeros((customers, k), dtype=bool))  # fmt: skip
    if width == 0:
        return out
    for first in range(0, customers, rows):
        last = min(first + rows, customers)
        scores = scoring[first:last] @ spread
        ranked = np.where(scores.data > 0, scores.data + _TIE * popular[scores.indices], -np.inf)
        best = _row_top(scores.indptr, ranked, k)
        chosen = _pick(scores.indices.astype(np.int64), best, NO_PRODUCT)
        out.index[first:last] = _pick(columns, chosen, NO_PRODUCT)
        out.score[first:last] = _pick(scores.data, best, 0.0)
        _fill(out, first, (best >= 0).sum(axis=1), chosen, gone[first:last], by_popularity,
              columns)  # fmt: skip
    return out


def _row_top(indptr: Ints, values: Floats, k: int) -> Ints:
    """Per row of a CSR matrix (``indptr``, ``values``): the positions in ``values`` of
    its ``k`` largest above −∞, largest first (−1 where there are fewer).

    Rows are taken in groups of similar length (up to k, 2k, 4k …), each group as a
    dense block padded with −∞: a partial sort per group, about 2 cells per value."""
    lengths = np.diff(indptr)
    best = np.full((len(lengths), k), -1, dtype=np.int64)
    lower, width = 0, k
    while len(values) and lower < lengths.max():
        members = np.flatnonzero((lengths > lower) & (lengths <= width))
        slot = np.arange(width)
        at = indptr[members, None] + slot
        valid = slot < lengths[members, None]
        at = np.where(valid, at, 0)
        value = np.where(valid, values[at], -np.inf)
        if width > k:  # the k largest of each row, unordered
            pick = np.argpartition(value, width - k, axis=1)[:, width - k :]
            value, at = np.take_along_axis(value, pick, 1), np.take_along_axis(at, pick, 1)
        order = np.argsort(-value, axis=1, kind="stable")[:, :k]
        value, at = np.take_along_axis(value, order, 1), np.take_along_axis(at, order, 1)
        best[members, : at.shape[1]] = np.where(value > -np.inf, at, -1)
        lower, width = width, 2 * width
    return best


def _fill(out: TopK, first: int, found: Ints, chosen: Ints, gone: Any,
          by_popularity: Ints, columns: Ints) -> None:  # fmt: skip
    """Fill the slots after each row's ``found`` item-scored products (``chosen``:
    allowed-column numbers, rows from ``first``) with the most popular allowed
    products neither excluded (``gone``) nor chosen already."""
    k = out.index.shape[1]
    short = np.flatnonzero(found < k)
    if not len(short):
        return
    blocked_most = int(np.diff(gone.indptr)[short].max(initial=0))
    candidates = by_popularity[: min(len(columns), 2 * k + blocked_most)]
    blocked = gone[short][:, candidates].toarray() > 0
    place = np.full(len(columns), -1, dtype=np.int64)
    place[candidates] = np.arange(len(candidates))
    taken = np.where(chosen[short] >= 0, place[np.maximum(chosen[short], 0)], -1)
    row, slot = np.nonzero(taken >= 0)
    blocked[row, taken[row, slot]] = True
    open_slot = np.cumsum(~blocked, axis=1) - 1 + found[short, None]  # slot it would fill
    row, at = np.nonzero(~blocked & (open_slot < k))
    target = first + short[row]
    out.index[target, open_slot[row, at]] = columns[candidates[at]]
    out.popular[target, open_slot[row, at]] = True


def _pick(values: Any, at: Ints, missing: float) -> Any:
    """``values[at]``, ``missing`` where ``at`` is −1."""
    if not len(values):
        return np.full(at.shape, missing, dtype=values.dtype)
    return np.where(at >= 0, values[np.maximum(at, 0)], missing)


def _joined(parts: list[Any], kind: type) -> Any:
    return np.concatenate(parts).astype(kind) if parts else np.zeros(0, dtype=kind)
