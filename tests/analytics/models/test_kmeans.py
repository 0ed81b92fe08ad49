"""k-means with k chosen by the silhouette, on points drawn from known groups."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from rapport.analytics.models.kmeans import Scaler, fit

# Three groups in four features of very different units (yuan, counts, days, a score):
# means, and a standard deviation per feature shared by the groups.
MEANS = np.array([[5_000.0, 10.0, 30.0, 8.0],
                  [500.0, 2.0, 30.0, 2.0],
                  [500.0, 2.0, 300.0, 8.0]])  # fmt: skip
SD = np.array([400.0, 0.8, 12.0, 0.6])


def _groups(per_group: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(m, SD, (per_group, 4)) for m in MEANS])
    truth = np.repeat(np.arange(3), per_group)
    order = rng.permutation(len(x))  # groups not in blocks
    return x[order], truth[order]


def _matching(centres: np.ndarray) -> np.ndarray:
    """Each true group's nearest fitted centre, in standard deviations."""
    return np.array([np.abs((centres - m) / SD).sum(axis=1).argmin() for m in MEANS])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_three_groups_recovered(seed: int) -> None:
    """k = 3 chosen out of 2–8; adjusted Rand index ≥ 0.99 (measured 1.0); each centre
    within 0.15 SD of its group's mean per feature (the standard error of a mean of
    1,000 points is 0.03 SD)."""
    x, truth = _groups(1_000, seed)
    model, labels = fit(x, k_min=2, k_max=8, seed=seed)
    assert model.k == 3 and set(model.silhouettes) == set(range(2, 9))
    assert max(model.silhouettes.values()) == model.silhouettes[3]
    assert adjusted_rand_score(truth, labels) >= 0.99
    centres = model.centres_in_units()
    matched = _matching(centres)
    assert sorted(matched) == [0, 1, 2]
    assert np.abs((centres[matched] - MEANS) / SD).max() < 0.15


def test_samples_at_scale() -> None:
    """30,000 points: each k fitted on 2,000, refined on all; the silhouette on 1,000."""
    x, truth = _groups(10_000, seed=7)
    model, labels = fit(x, seed=7, silhouette_rows=1_000, fit_rows=2_000)
    assert (model.k, model.rows, model.fit_rows, model.silhouette_rows) == (3, 30_000, 2_000, 1_000)
    assert adjusted_rand_score(truth, labels) >= 0.99
    # the refined centres are the means of their clusters (a converged Lloyd step)
    z = model.scaler.transform(x)
    for c in range(3):
        assert model.centres[c] == pytest.approx(z[labels == c].mean(axis=0), abs=1e-6)
    assert model.inertia == pytest.approx(((z - model.centres[labels]) ** 2).sum(), rel=1e-6)


def test_silhouette_is_scikit_learns_on_all_rows_when_the_sample_holds_them() -> None:
    x, _ = _groups(100, seed=3)
    model, labels = fit(x, k_min=3, k_max=3, seed=3)
    expected = silhouette_score(model.scaler.transform(x), labels)
    assert model.silhouettes == {3: pytest.approx(expected, abs=1e-12)}


def test_assign_gives_the_fitted_clusters() -> None:
    x, _ = _groups(200, seed=4)
    model, labels = fit(x, seed=4)
    assert np.array_equal(model.assign(x), labels)
    order = np.array([2, 0, 1])
    again = model.reordered(order)
    rank = np.empty(3, dtype=np.int64)
    rank[order] = np.arange(3)
    assert np.array_equal(again.assign(x), rank[labels])


def test_the_same_seed_gives_the_same_clusters() -> None:
    x, _ = _groups(300, seed=5)
    (one, a), (two, b) = fit(x, seed=9, fit_rows=500), fit(x, seed=9, fit_rows=500)
    assert np.array_equal(a, b) and one.silhouettes == two.silhouettes
    assert np.array_equal(one.centres, two.centres)


def test_few_rows() -> None:
    """Four rows: k up to 3 (n − 1). Two rows: no k of 2 has a silhouette: one cluster."""
    x = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    model, labels = fit(x)
    assert set(model.silhouettes) == {2, 3} and model.k == 2
    assert labels[0] == labels[1] != labels[2] == labels[3]
    model, labels = fit(x[:2])
    assert (model.k, model.silhouettes, labels.tolist()) == (1, {}, [0, 0])


def test_distinct_rows_bound_k() -> None:
    """Ten rows of two distinct values: only k = 2 is tried, even when k_min is 3."""
    x = np.array([[1.0, 2.0]] * 6 + [[3.0, 1.0]] * 4)
    model, labels = fit(x, k_min=3)
    assert (model.k, set(model.silhouettes)) == (2, {2})
    assert model.silhouettes[2] == 1.0  # every point sits on its centre
    assert labels.tolist() == [labels[0]] * 6 + [labels[6]] * 4


def test_identical_rows_make_one_cluster() -> None:
    x = np.full((50, 3), 7.0)
    model, labels = fit(x)
    assert (model.k, model.silhouettes, model.inertia) == (1, {}, 0.0)
    assert set(labels.tolist()) == {0}
    assert model.centres_in_units().tolist() == [[7.0, 7.0, 7.0]]
    assert model.scaler.scales.tolist() == [1.0, 1.0, 1.0]  # no variation: left unscaled


def test_scaler() -> None:
    x = np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]])
    scaler = Scaler.of(x)
    assert scaler.means.tolist() == [3.0, 5.0]
    assert scaler.scales.tolist() == [pytest.approx(np.sqrt(8 / 3)), 1.0]  # population SD
    assert scaler.inverse(scaler.transform(x)) == pytest.approx(x)


def test_parameters_are_json() -> None:
    x, _ = _groups(100, seed=6)
    model, _ = fit(x, k_max=4, seed=6)
    stored = json.loads(json.dumps(model.parameters()))
    assert stored["k"] == 3 and set(stored["silhouettes"]) == {"2", "3", "4"}
    assert np.array(stored["centres"]) == pytest.approx(model.centres)
    assert (stored["means"], stored["scales"]) == (model.scaler.means.tolist(),
                                                   model.scaler.scales.tolist())  # fmt: skip


@pytest.mark.parametrize(
    ("x", "options", "field"),
    [
        (np.array([1.0, 2.0]), {}, "x"),
        (np.zeros((0, 2)), {}, "x"),
        (np.array([[1.0], [np.nan]]), {}, "x"),
        (np.zeros((5, 2)), {"k_min": 1}, "k_min"),
        (np.zeros((5, 2)), {"k_min": 4, "k_max": 3}, "k_min"),
        (np.zeros((5, 2)), {"silhouette_rows": 1}, "silhouette_rows"),
    ],
)
def test_bad_input(x: np.ndarray, options: dict[str, int], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        fit(x, **options)
