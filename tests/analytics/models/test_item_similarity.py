"""Item–item similarity and top-k on arrays: cosines worked out by hand, shrinkage,
pruning, exclusions, popularity fill-up, chunking, and groups of products bought
together found again in generated baskets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import sparse

from rapport.analytics.models.item_similarity import NO_PRODUCT, item_similarity, top_k

# Customers × products 0–4: c0 {0, 1}, c1 {0, 1, 2}, c2 {1, 2}, c3 {3}, c4 {3, 4}.
BASKETS = sparse.csr_array(np.array([
    [1, 1, 0, 0, 0],
    [1, 1, 1, 0, 0],
    [0, 1, 1, 0, 0],
    [0, 0, 0, 1, 0],
    [0, 0, 0, 1, 1],
]))  # fmt: skip


def test_cosines_by_hand() -> None:
    """Buyers n = (2, 3, 2, 2, 1). Co-buyers: c01 = 2, c02 = 1, c12 = 2, c34 = 1.
    sim01 = 2/√6, sim02 = 1/√4 = ½, sim12 = 2/√6, sim34 = 1/√2; the rest 0, diagonal
    0. A count above 1 (bought twice) counts once."""
    twice = BASKETS.copy()
    twice[1, 0] = 3
    found = item_similarity(twice, shrinkage=0)
    r6 = 2 / math.sqrt(6)
    expected = np.array([
        [0, r6, 0.5, 0, 0],
        [r6, 0, r6, 0, 0],
        [0.5, r6, 0, 0, 0],
        [0, 0, 0, 0, 1 / math.sqrt(2)],
        [0, 0, 0, 1 / math.sqrt(2), 0],
    ])  # fmt: skip
    assert found.matrix.toarray() == pytest.approx(expected, abs=1e-12)
    assert found.popularity.tolist() == [2, 3, 2, 2, 1]
    assert found.pairs == 8


def test_shrinkage_scales_by_co_buyers() -> None:
    """With shrinkage 2: sim01 = 2/√6 · 2/4, sim02 = ½ · 1/3, sim34 = 1/√2 · 1/3."""
    found = item_similarity(BASKETS, shrinkage=2).matrix.toarray()
    assert found[0, 1] == pytest.approx(2 / math.sqrt(6) / 2, rel=1e-12)
    assert found[0, 2] == pytest.approx(0.5 / 3, rel=1e-12)
    assert found[3, 4] == pytest.approx(1 / math.sqrt(2) / 3, rel=1e-12)


def test_neighbours_and_targets_prune_columns() -> None:
    """One neighbour each: 0 keeps 1 (2/√6 > ½), 1 keeps 0 or 2 (equal), 2 keeps 1.
    Without product 1 as a target, 0 and 2 keep each other (½)."""
    one = item_similarity(BASKETS, shrinkage=0, neighbours=1).matrix.toarray()
    assert (one > 0).sum(axis=1).tolist() == [1, 1, 1, 1, 1]
    assert one[0, 1] > 0 and one[2, 1] > 0 and one[3, 4] > 0
    targets = np.array([True, False, True, True, True])
    without = item_similarity(BASKETS, shrinkage=0, targets=targets).matrix.toarray()
    assert (without[:, 1] == 0).all()
    assert without[0, 2] == without[2, 0] == 0.5
    assert without[1, 0] > 0  # a product no longer offered still points to others


def test_top_k_scores_excludes_and_fills_with_popularity() -> None:
    """Without self-similarity. Row 1: weights 1 for product 0 and ½ for 1, product 0
    excluded: s1 = 1·2/√6 = 0.8165 (sim11 = 0), s2 = 1·½ + ½·2/√6 = 0.9082, s3 = s4 = 0;
    so [2, 1] by score, then the most popular left: 3 (n 2, before 4 with n 1).
    Row 2: bought only 3 (excluded): s4 = 1/√2, then popularity: 1 (n 3), then 0 (n 2,
    before 2, also n 2, by lower column). Row 3: no purchases, everything excluded but
    0: [0] and padding. With only 0, 3 and 4 allowed, row 1 has no score left: [3, 4]
    by popularity, padded. With self-similarity 1 (the default), row 1's s1 gains its
    own weight ½: 1.3165, ahead of s2."""
    similarity = item_similarity(BASKETS, shrinkage=0)
    weights = sparse.csr_array(np.array([
        [1, 0.5, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0],
    ]))  # fmt: skip
    excluded = sparse.csr_array(np.array([
        [1, 0, 0, 0, 0], [0, 0, 0, 1, 0], [0, 1, 1, 1, 1],
    ]))  # fmt: skip
    chosen = top_k(similarity, weights, excluded, 3, self_similarity=0)
    assert chosen.index.tolist() == [[2, 1, 3], [4, 1, 0], [0, NO_PRODUCT, NO_PRODUCT]]
    r6 = 2 / math.sqrt(6)
    assert chosen.score[0] == pytest.approx([0.5 + 0.5 * r6, r6, 0], abs=1e-12)
    assert chosen.popular.tolist() == [[False, False, True], [False, True, True],
                                       [True, False, False]]  # fmt: skip
    allowed = np.array([True, False, False, True, True])
    narrow = top_k(similarity, weights, excluded, 3, allowed=allowed, self_similarity=0)
    assert narrow.index.tolist() == [[3, 4, NO_PRODUCT], [4, 0, NO_PRODUCT],
                                     [0, NO_PRODUCT, NO_PRODUCT]]  # fmt: skip
    again = top_k(similarity, weights, excluded, 3)
    assert again.index.tolist() == [[1, 2, 3], [4, 1, 0], [0, NO_PRODUCT, NO_PRODUCT]]
    assert again.score[0] == pytest.approx([r6 + 0.5, 0.5 + 0.5 * r6, 0], abs=1e-12)


def test_top_k_equals_a_plain_loop_in_any_chunks() -> None:
    """Random baskets: each row's products, sorted as the definition says (positive
    scores with sim(j, j) = 1 first, largest first; then by popularity, then by lower
    column), equal
    ``top_k``'s for chunks of any size; rows of up to 8 · 8 candidates exercise
    several lengths of rows (k, 2k, 4k, 8k)."""
    rng = np.random.default_rng(5)
    baskets = sparse.random_array((400, 60), density=0.1, rng=rng, format="csr")
    weights = baskets.copy()
    weights.data = rng.random(weights.nnz)
    excluded = baskets.multiply(rng.random(baskets.shape) < 0.5).tocsr()
    allowed = rng.random(60) < 0.9
    whole = item_similarity(baskets, neighbours=8)
    tiny = item_similarity(baskets, neighbours=8, cells=70)
    assert (whole.matrix != tiny.matrix).nnz == 0
    scores = weights.toarray() @ (whole.matrix.toarray() + np.eye(60))
    pop = whole.popularity
    expected = []
    for row in range(400):
        left = [j for j in range(60) if allowed[j] and excluded[row, j] == 0]
        left.sort(key=lambda j, r=row: (-scores[r, j], -pop[j], j))  # type: ignore[misc]
        expected.append(left[:5])
    assert max(len(np.flatnonzero(scores[row] > 0)) for row in range(400)) > 40
    for rows in (400, 7, 1):
        found = top_k(whole, weights, excluded, 5, allowed=allowed, rows=rows)
        assert found.index.tolist() == expected
        positive = np.take_along_axis(scores, found.index, axis=1) > 0
        assert (found.popular == ~positive).all()


def test_groups_bought_together_are_found() -> None:
    """20 groups of 8 products; each customer buys 2–5 products, each from their own
    group with probability 0.8 (else anywhere). Every product's 5 nearest neighbours
    lie in its own group."""
    rng = np.random.default_rng(7)
    groups, size, customers = 20, 8, 5000
    group = rng.integers(groups, size=customers)
    per = rng.integers(2, 6, size=customers)
    row = np.repeat(np.arange(customers), per)
    own = rng.random(len(row)) < 0.8
    col = np.where(own, group[row] * size + rng.integers(size, size=len(row)),
                   rng.integers(groups * size, size=len(row)))  # fmt: skip
    baskets = sparse.csr_array((np.ones(len(row)), (row, col)), shape=(customers, groups * size))
    found = item_similarity(baskets, neighbours=5).matrix.tocoo()
    assert found.nnz == groups * size * 5
    assert (found.row // size == found.col // size).all()
