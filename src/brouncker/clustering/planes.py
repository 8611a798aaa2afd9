"""Clustering on one plane of two dynamics features at a time: grid down-sampling, HDBSCAN,
nearest-neighbour assignment, and the choice of plane.

The planes are tried in the order :data:`PLANES`; a plane with more than
:data:`MAX_CLUSTERS` clusters is given up for the next (the mathematics and the choices are
in ``docs/clustering.md``). Everything is deterministic: HDBSCAN has no random state and
labels are numbered by first appearance.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> blob = lambda x, y: np.c_[x + 0.02 * rng.random(40), y + 0.02 * rng.random(40)]
>>> labels = cluster_plane(np.vstack([blob(0.0, 0.0), blob(0.5, 0.5)]))
>>> sorted(set(labels[:40].tolist())), sorted(set(labels[40:].tolist()))
([0], [1])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.cluster import HDBSCAN
from sklearn.neighbors import NearestNeighbors

from ..plain import Plain
from .points import Point, feature_matrix

PLANES: tuple[tuple[str, str], ...] = (("delta_fr", "d"), ("delta_fr", "c"), ("delta_fr", "eta"), ("delta_fr", "gamma"))
GRID_CELL = 0.001  # side of the down-sampling grid's cells
MIN_CLUSTER_SIZE = 5  # HDBSCAN's min_cluster_size
ASSIGN_RADIUS = 0.01  # a point joins its nearest sampled neighbour's cluster within this distance
MAX_CLUSTERS = 500  # more clusters than this on a plane: move to the next plane
EXACT_HDBSCAN_LIMIT = 40_000  # sampled points beyond which HDBSCAN runs on a k-NN graph (~20 s exact)
KNN_NEIGHBOURS = 16  # neighbours per point of that graph (>= MIN_CLUSTER_SIZE)


def plane_name(plane: Sequence[str]) -> str:
    """``"delta_fr/d"``."""
    return "/".join(plane)


def grid_sample(x: np.ndarray, cell: float = GRID_CELL) -> np.ndarray:
    """Indices of the first point in each grid cell of side ``cell``, in increasing order.

    >>> grid_sample(np.array([[0.0, 0.0], [0.0004, 0.0], [0.002, 0.0]])).tolist()
    [0, 2]
    """
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    cells = np.floor(x / cell).astype(np.int64)
    _, first = np.unique(cells, axis=0, return_index=True)
    return np.sort(first)


def cluster_plane(
    x: np.ndarray,
    cell: float = GRID_CELL,
    min_cluster_size: int = MIN_CLUSTER_SIZE,
    radius: float = ASSIGN_RADIUS,
) -> np.ndarray:
    """Cluster labels (``-1`` for noise) of the points ``x`` (shape ``(n, 2)``, finite).

    Grid down-sampling, HDBSCAN on the sample, then nearest sampled neighbour within
    ``radius``. Labels are numbered by first appearance.
    """
    n = len(x)
    labels = np.full(n, -1, dtype=np.int64)
    sample = grid_sample(x, cell)
    if len(sample) < max(min_cluster_size, 2):
        return labels
    sample_labels = hdbscan_labels(x[sample], min_cluster_size)
    if (sample_labels < 0).all():
        return labels
    nn = NearestNeighbors(n_neighbors=1).fit(x[sample])
    dist, nearest = nn.kneighbors(x)
    assigned = np.where(dist[:, 0] <= radius, sample_labels[nearest[:, 0]], -1)
    # renumber by first appearance, so the numbering does not depend on HDBSCAN's internals
    renumber: dict[int, int] = {}
    for i, lab in enumerate(assigned.tolist()):
        if lab >= 0:
            labels[i] = renumber.setdefault(lab, len(renumber))
    return labels


def hdbscan_labels(x: np.ndarray, min_cluster_size: int = MIN_CLUSTER_SIZE, exact_limit: int | None = None) -> np.ndarray:
    """HDBSCAN labels of ``x``; beyond ``exact_limit`` points, on a sparse k-NN graph.

    scikit-learn's HDBSCAN builds the minimum spanning tree of mutual reachability with
    Prim's algorithm over all pairs: $O(n^2)$ time, about 20 s for 40,000 points and an hour
    for 500,000. Beyond :data:`EXACT_HDBSCAN_LIMIT` sampled points the same HDBSCAN runs on
    the symmetric :data:`KNN_NEIGHBOURS`-nearest-neighbour distance graph (``metric=
    "precomputed"``, sparse): core distances are exact (they need only ``min_samples``
    neighbours), and the tree is the minimum spanning tree of mutual reachability restricted
    to k-NN edges, plus the shortest edges that join its components: not an exact HDBSCAN,
    but the clusters agree on test data (see the tests).
    """
    limit = EXACT_HDBSCAN_LIMIT if exact_limit is None else exact_limit
    if len(x) <= limit:
        return HDBSCAN(min_cluster_size=min_cluster_size, copy=True).fit_predict(x)
    graph = knn_graph(x, KNN_NEIGHBOURS)
    # the sparse rows hold no point itself, which the exact path counts among its min_samples
    min_samples = max(1, min_cluster_size - 1)
    return HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples, metric="precomputed",
                   copy=True).fit_predict(graph)


def knn_graph(x: np.ndarray, k: int = 16) -> Any:
    """Symmetric sparse distance graph of the ``k`` nearest neighbours, made connected by
    the minimum spanning tree of one representative point per component."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

    n = len(x)
    graph = NearestNeighbors(n_neighbors=min(k, n - 1)).fit(x).kneighbors_graph(mode="distance")
    graph = graph.maximum(graph.T).tocsr()
    count, component = connected_components(graph, directed=False)
    if count > 1:
        reps = np.unique(component, return_index=True)[1]
        pts = x[reps]
        if count <= 4000:
            diff = pts[:, None, :] - pts[None, :, :]
            dense = np.sqrt((diff**2).sum(axis=2))
            tree = minimum_spanning_tree(dense).tocoo()
            rows, cols, dist = reps[tree.row], reps[tree.col], tree.data
        else:  # chain the representatives in their order along the first coordinate
            order = reps[np.argsort(pts[:, 0], kind="stable")]
            rows, cols = order[:-1], order[1:]
            dist = np.sqrt(((x[rows] - x[cols]) ** 2).sum(axis=1))
        dist = np.maximum(dist, 1e-12)
        links = coo_matrix((np.r_[dist, dist], (np.r_[rows, cols], np.r_[cols, rows])), shape=(n, n)).tocsr()
        graph = graph.maximum(links).tocsr()
    return graph


@dataclass(frozen=True, slots=True)
class PlaneSummary(Plain):
    """What one plane gave: clusters, sampled points and noise."""

    plane: str
    points: int
    sampled: int
    clusters: int
    noise: int
    kept: bool


def choose_plane(
    points: Sequence[Point],
    planes: Sequence[Sequence[str]] = PLANES,
    max_clusters: int = MAX_CLUSTERS,
    **options: Any,
) -> tuple[int, np.ndarray, list[PlaneSummary]]:
    """The first plane with at most ``max_clusters`` clusters (else the one with fewest):
    its index, the labels of ``points`` on it (-1 for noise or undefined features), and a
    summary of every plane tried."""
    tried: list[tuple[int, np.ndarray, int, int]] = []
    for i, plane in enumerate(planes):
        labels, sampled = plane_labels(points, plane, **options)
        count = int(labels.max()) + 1 if len(labels) else 0
        tried.append((i, labels, count, sampled))
        if count <= max_clusters:
            break
    best = min(tried, key=lambda t: (t[2] > max_clusters, t[2] if t[2] > max_clusters else 0, t[0]))
    summaries = [
        PlaneSummary(plane_name(planes[i]), len(points), sampled, count, int((labels < 0).sum()), i == best[0])
        for i, labels, count, sampled in tried
    ]
    return best[0], best[1], summaries


def plane_labels(points: Sequence[Point], plane: Sequence[str], **options: Any) -> tuple[np.ndarray, int]:
    """Labels of ``points`` on one plane (-1 where a feature is undefined), and how many were sampled."""
    x = feature_matrix(points, plane)
    ok = np.isfinite(x).all(axis=1)
    labels = np.full(len(points), -1, dtype=np.int64)
    if ok.any():
        labels[ok] = cluster_plane(x[ok], **options)
        sampled = len(grid_sample(x[ok], options.get("cell", GRID_CELL)))
    else:
        sampled = 0
    return labels, sampled
