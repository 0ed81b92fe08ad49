"""k-means clustering of standardised features, the number of clusters k chosen by the
mean silhouette (Rousseeuw 1987) within a range.

Scikit-learn does the work (``KMeans`` with k-means++ starts, ``silhouette_score``);
this module adds what a million customers need. The silhouette compares every pair of
points, so it is computed on one fixed random sample (the same rows for every k, so the
k are compared on equal terms). Each k is fitted on a random sample of rows as well;
the chosen k is then refined on every row, starting from the sample's centres (a few
Lloyd passes), so every row is assigned by a fit that saw it. Definitions in
docs/metrics.md ("Clusters and personas").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
_N_INIT: Final = 3  # k-means++ starts per k: the best (least inertia) is kept


@dataclass(frozen=True)
class Scaler:
    """Standardisation: ``z = (x − mean) / scale``, the scale a feature's standard
    deviation, or 1 where the feature does not vary (it stays 0 after scaling)."""

    means: Floats
    scales: Floats

    @classmethod
    def of(cls, x: Floats) -> Scaler:
        """The scaler of the rows ``x`` (population standard deviation, as scikit-learn's
        ``StandardScaler``)."""
        scales = x.std(axis=0)
        return cls(x.mean(axis=0), np.where(scales > 0, scales, 1.0))

    def transform(self, x: ArrayLike) -> Floats:
        """``x`` in standard units."""
        return (np.asarray(x, dtype=np.float64) - self.means) / self.scales

    def inverse(self, z: ArrayLike) -> Floats:
        """Standard units ``z`` back in the features' own units."""
        return np.asarray(z, dtype=np.float64) * self.scales + self.means


@dataclass(frozen=True)
class KMeansFit:
    """Clusters found in standardised features; ``k`` is 1 when the rows allow no split
    (fewer than two distinct rows, or fewer than three rows)."""

    k: int
    centres: Floats  # (k, features), standard units: the mean of each cluster's rows
    scaler: Scaler
    silhouettes: dict[int, float] = field(default_factory=dict)  # k tried → silhouette
    inertia: float = 0.0  # sum of squared distances to the own centre, standard units
    rows: int = 0
    silhouette_rows: int = 0  # the sample the silhouettes were computed on
    fit_rows: int = 0  # the sample each k was first fitted on
    seed: int = 0

    def assign(self, x: ArrayLike) -> Ints:
        """The nearest centre of each row of ``x`` (features in their own units)."""
        z = self.scaler.transform(x)
        # |z − c|² = |z|² − 2 z·c + |c|²: rows × k numbers, never rows × k × features
        distances = (self.centres**2).sum(axis=1) - 2 * z @ self.centres.T
        return np.asarray(distances.argmin(axis=1), dtype=np.int64)

    def centres_in_units(self) -> Floats:
        """The centres in the features' own units."""
        return self.scaler.inverse(self.centres)

    def reordered(self, order: ArrayLike) -> KMeansFit:
        """The same clusters numbered anew: the new cluster i is the old ``order[i]``."""
        return replace(self, centres=self.centres[np.asarray(order, dtype=np.int64)])

    def parameters(self) -> dict[str, Any]:
        """Everything needed to assign new rows, and how k was chosen, as JSON values."""
        return {
            "k": self.k,
            "means": self.scaler.means.tolist(),
            "scales": self.scaler.scales.tolist(),
            "centres": self.centres.tolist(),
            "silhouettes": {str(k): s for k, s in self.silhouettes.items()},
            "inertia": self.inertia,
            "rows": self.rows,
            "silhouette_rows": self.silhouette_rows,
            "fit_rows": self.fit_rows,
            "seed": self.seed,
        }


def fit(
    x: ArrayLike,
    *,
    k_min: int = 2,
    k_max: int = 8,
    seed: int = 0,
    silhouette_rows: int = 5_000,
    fit_rows: int = 50_000,
) -> tuple[KMeansFit, Ints]:
    """The k-means clusters of the rows ``x`` (features in their own units, standardised
    here) with the k in ``k_min``–``k_max`` of the highest silhouette (the smaller k on a
    tie), and each row's cluster.

    k is tried only up to the number of distinct rows and the number of rows − 1 (the
    silhouette needs a point outside every cluster); when that leaves no k of at least
    2, every row is one cluster (k = 1, no silhouettes). When ``k_min`` exceeds that
    bound, only the bound is tried. Raises ValueError naming the argument when an input
    cannot be used."""
    from threadpoolctl import threadpool_limits

    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(x) == 0 or x.shape[1] == 0:
        raise ValueError("x: give a two-dimensional array with at least one row and column")
    if not np.isfinite(x).all():
        raise ValueError("x: every value must be finite")
    if k_min < 2 or k_max < k_min:
        raise ValueError("k_min: give 2 ≤ k_min ≤ k_max")
    if silhouette_rows < 2 or fit_rows < 2:
        raise ValueError("silhouette_rows: give samples of at least 2 rows")
    # One thread: on a busy machine scikit-learn's OpenMP threads wait on each other
    # (measured on 2 shared cores: 100,000 rows, k = 8 took 7.4 s on two threads, 1.9 s
    # on one; 3,000 rows 1.6 s against 0.05 s). The limit reaches only libraries
    # already loaded, hence the imports first.
    import sklearn.cluster
    import sklearn.metrics  # noqa: F401

    with threadpool_limits(limits=1):
        return _fit(x, k_min, k_max, seed, silhouette_rows, fit_rows)


def _fit(x: Floats, k_min: int, k_max: int, seed: int, silhouette_rows: int,
         fit_rows: int) -> tuple[KMeansFit, Ints]:  # fmt: skip
    scaler = Scaler.of(x)
    z = scaler.transform(x)
    rng = np.random.default_rng(seed)
    fitted = _sample(rng, len(z), fit_rows)
    # Distinct rows of the fitting sample: k-means cannot make more clusters than that.
    upper = min(k_max, len(np.unique(z[fitted], axis=0)), len(z) - 1)
    base = KMeansFit(1, z.mean(axis=0, keepdims=True), scaler, rows=len(z), seed=seed)
    if upper < 2:
        return replace(base, inertia=float(((z - base.centres) ** 2).sum())), np.zeros(
            len(z), dtype=np.int64
        )
    judged = _sample(rng, len(z), silhouette_rows)
    silhouettes: dict[int, float] = {}
    best: tuple[float, Any] | None = None
    for k in range(min(k_min, upper), upper + 1):
        model = _kmeans(k, seed).fit(z[fitted])
        score = _silhouette(z[judged], model.predict(z[judged]))
        if score is None:
            continue
        silhouettes[k] = score
        if best is None or score > best[0]:
            best = (score, model)
    if best is None:  # no k gave two clusters inside the sample: nothing to split
        return replace(base, inertia=float(((z - base.centres) ** 2).sum())), np.zeros(
            len(z), dtype=np.int64
        )
    model = best[1]
    if len(fitted) < len(z):  # refine on every row from the sample's centres
        model = _kmeans(model.n_clusters, seed, init=model.cluster_centers_).fit(z)
    labels = np.asarray(model.labels_, dtype=np.int64)
    result = KMeansFit(
        int(model.n_clusters), np.asarray(model.cluster_centers_, dtype=np.float64), scaler,
        silhouettes, float(model.inertia_), len(z), len(judged), len(fitted), seed,
    )  # fmt: skip
    return result, labels


def _sample(rng: np.random.Generator, n: int, size: int) -> Ints:
    """``size`` distinct row numbers out of ``n`` in increasing order (all when fewer)."""
    if size >= n:
        return np.arange(n, dtype=np.int64)
    return np.sort(rng.choice(n, size=size, replace=False)).astype(np.int64)


def _kmeans(k: int, seed: int, init: Floats | None = None) -> Any:
    from sklearn.cluster import KMeans

    if init is None:
        return KMeans(n_clusters=k, n_init=_N_INIT, random_state=seed)
    return KMeans(n_clusters=k, init=init, n_init=1, random_state=seed)


def _silhouette(z: Floats, labels: Ints) -> float | None:
    """The mean silhouette of the rows ``z`` in clusters ``labels``; None when it is not
    defined (one cluster only, or every row alone in its own)."""
    from sklearn.metrics import silhouette_score

    found = len(np.unique(labels))
    if found < 2 or found > len(z) - 1:
        return None
    return float(silhouette_score(z, labels))
