r"""Clustering of PCFs by their convergence dynamics, and labelling of the clusters.

This is the second half of the Blind-Delta method ("Unsupervised Discovery of Formulas for
Mathematical Constants", arXiv 2412.16818): PCFs whose approximations behave alike are
grouped, and each group is named after the known formulas inside it.

**Features.** From each dynamics record (:mod:`brouncker.convergence.dynamics`): ``delta_fr``, ``c``,
``d``, ``gamma``, ``eta``. Only converging PCFs (every feature defined) take part.

**Planes.** The points are clustered in one plane of two features at a time, in the order
:data:`PLANES`: (δ_FR, d), (δ_FR, c), (δ_FR, η), (δ_FR, γ). On a plane:

1. down-sample on a grid of cells of :data:`GRID_CELL`, keeping the first point (in key
   order) of each cell;
2. cluster the sample with scikit-learn's HDBSCAN (``min_cluster_size`` :data:`MIN_CLUSTER_SIZE`);
3. give every point the label of its nearest sampled point within :data:`ASSIGN_RADIUS`,
   else noise;
4. a plane with more than :data:`MAX_CLUSTERS` clusters is given up for the next one (when
   all are, the plane with the fewest clusters is kept).

The coordinates are used as they are (no rescaling), as in the paper. Everything is
deterministic: points are sorted by key first and HDBSCAN has no random state.

**Labels.** A cluster's *anchors* are its PCFs that are already identified (they carry an
expression). Anchors agree when their values are related by a Möbius map
$y = (c_0 + c_1 x)/(c_2 + c_3 x)$ — an integer relation among $[1, x, y, xy]$ — which is
free for anchors over the same single bank constant, and found by LLL otherwise. Anchors
that fall into several classes (union-find) split the cluster: it is clustered again on the
next plane, recursively. Then up to :data:`CHECK_SAMPLE` members are related to the
cluster's *reference* (the bank constant of the anchors, or the anchor's expression) by the
same relation, found with python-flint's LLL at :data:`RELATION_DIGITS` digits and
re-checked at :data:`RECHECK_DIGITS` digits on deeper convergents. A cluster with no
anchor tries to identify its :data:`IDENTIFY_SAMPLE` most precise members against the bank
(:func:`brouncker.identification.identify.identify`); failing that its members are related to each other
(up to :data:`MEMBER_REPRESENTATIVES` representatives); failing that too it still gets a
label of its own. Clusters with no constant are labelled ``unknown-N``; unknown clusters
whose representatives are related share one label (union-find again). Such a cluster is a
*candidate discovery* when most of its checked members (:data:`CANDIDATE_FRACTION`) are
related to each other (they share one unknown value); otherwise it is only unlabelled
(deviation: the issue marks every unknown cluster, but a group of unrelated numbers, with
a few shifted copies of one PCF among them, conjectures nothing).
Members that converge only polynomially, or too slowly to give :data:`RELATION_DIGITS`
digits within :data:`MAX_VALUE_DEPTH` terms, are not checked.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> blob = lambda x, y: np.c_[x + 0.02 * rng.random(40), y + 0.02 * rng.random(40)]
>>> labels = cluster_plane(np.vstack([blob(0.0, 0.0), blob(0.5, 0.5)]))
>>> sorted(set(labels[:40].tolist())), sorted(set(labels[40:].tolist()))
([0], [1])
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import flint
import mpmath
import numpy as np
from mpmath import mp, mpf
from sklearn.cluster import HDBSCAN
from sklearn.neighbors import NearestNeighbors

from ..constants import BANK, parse_constant
from ..errors import BrounckerError
from ..pcf.polynomial import Coefficients, format_polynomial, normalize

FEATURES = ("delta_fr", "c", "d", "gamma", "eta")  # arXiv 2412.16818 §3 (issue 7)
PLANES: tuple[tuple[str, str], ...] = (("delta_fr", "d"), ("delta_fr", "c"), ("delta_fr", "eta"), ("delta_fr", "gamma"))
GRID_CELL = 0.001  # down-sampling grid (issue 7)
MIN_CLUSTER_SIZE = 5  # HDBSCAN min_cluster_size (issue 7)
ASSIGN_RADIUS = 0.01  # a point joins its nearest sampled neighbour's cluster within this (issue 7)
MAX_CLUSTERS = 500  # more clusters than this on a plane: move to the next plane (issue 7)
EXACT_HDBSCAN_LIMIT = 40_000  # sampled points beyond which HDBSCAN runs on a k-NN graph (chosen here: ~20 s exact)
KNN_NEIGHBOURS = 16  # neighbours per point of that graph (>= MIN_CLUSTER_SIZE; chosen here)
CHECK_SAMPLE = 400  # members checked against a cluster's reference (issue 7)
RELATION_DIGITS = 50  # digits at which a relation is found (issue 7)
RECHECK_DIGITS = 150  # digits at which it is re-checked, on deeper convergents (issue 7)
MARGIN = 12  # digits beyond the coefficients' cost (DESIGN.md: identification)
IDENTIFY_SAMPLE = 5  # members of an unanchored cluster identified against the bank (chosen here)
MEMBER_REPRESENTATIVES = 3  # representatives of an unknown cluster the others are related to (chosen here)
MAX_VALUE_DEPTH = 1 << 15  # deepest walk spent on one member's value (chosen here)
CANDIDATE_FRACTION = 0.5  # an unknown cluster is a candidate when this share of checked members relate (chosen here)
MAX_UNKNOWN_PAIRS = 20_000  # unknown clusters related pairwise up to this many pairs (chosen here)
GUARD = 10  # working digits beyond those compared

Relation = tuple[int, int, int, int]


# --- points and features ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    """One canonical PCF with its dynamics features and, if identified, its formula."""

    key: str
    a: Coefficients
    b: Coefficients
    features: tuple[float | None, ...]  # in FEATURES order
    digits_per_term: float | None = None
    expression: str | None = None  # the identification (an anchor), e.g. "4/pi"
    constants: tuple[str, ...] = ()
    pcf_id: int | None = None
    conjecture_ids: tuple[int, ...] = ()
    convergence: str | None = None  # the dynamics record's type: exponential, factorial, polynomial

    @classmethod
    def from_metrics(cls, key: str, a: Sequence[int] | str, b: Sequence[int] | str, metrics: Mapping[str, Any], **extra: Any) -> "Point":
        """Build from a dynamics dict (``Dynamics.as_dict()``), keeping only what clustering needs."""
        from ..pcf.polynomial import parse

        def number(name: str) -> float | None:
            v = metrics.get(name)
            if v is None or isinstance(v, str) or isinstance(v, bool):
                return None
            v = float(v)
            return v if math.isfinite(v) else None

        if metrics.get("convergence") in ("divergent", "rational"):
            features: tuple[float | None, ...] = (None,) * len(FEATURES)
        else:
            features = tuple(number(f) for f in FEATURES)
        ca = parse(a) if isinstance(a, str) else normalize(a)
        cb = parse(b) if isinstance(b, str) else normalize(b)
        extra["constants"] = tuple(extra.get("constants") or ())
        extra["conjecture_ids"] = tuple(extra.get("conjecture_ids") or ())
        extra.setdefault("convergence", metrics.get("convergence"))
        return cls(key, ca, cb, features, number("digits_per_term"), **extra)

    @property
    def clusterable(self) -> bool:
        return all(f is not None for f in self.features)

    def feature(self, name: str) -> float | None:
        return self.features[FEATURES.index(name)]

    @property
    def text(self) -> str:
        return f"PCF({format_polynomial(self.a)}, {format_polynomial(self.b)})"


def feature_matrix(points: Sequence[Point], names: Sequence[str] = FEATURES) -> np.ndarray:
    """The features as a float array, NaN where undefined.

    >>> p = Point("k", (2, 1), (1, 0, 0), (-0.2, 1.0, 0.0, -1.7, 0.0))
    >>> feature_matrix([p], ("delta_fr", "gamma")).tolist()
    [[-0.2, -1.7]]
    """
    idx = [FEATURES.index(n) for n in names]
    out = np.full((len(points), len(idx)), np.nan)
    for i, p in enumerate(points):
        for j, k in enumerate(idx):
            if p.features[k] is not None:
                out[i, j] = p.features[k]
    return out


def plane_name(plane: Sequence[str]) -> str:
    """``"delta_fr/d"``."""
    return "/".join(plane)


# --- one plane -------------------------------------------------------------------------


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
    ``radius`` (see the module docstring). Labels are numbered by first appearance.
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
    to k-NN edges, plus the shortest edges that join its components (deviation from an
    exact HDBSCAN, documented; the clusters agree on test data, see the tests).
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
class PlaneSummary:
    """What one plane gave: clusters, sampled points and noise."""

    plane: str
    points: int
    sampled: int
    clusters: int
    noise: int
    kept: bool

    def as_dict(self) -> dict[str, Any]:
        return {"plane": self.plane, "points": self.points, "sampled": self.sampled, "clusters": self.clusters,
                "noise": self.noise, "kept": self.kept}


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
        labels, sampled = _plane_labels(points, plane, **options)
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


def _plane_labels(points: Sequence[Point], plane: Sequence[str], **options: Any) -> tuple[np.ndarray, int]:
    x = feature_matrix(points, plane)
    ok = np.isfinite(x).all(axis=1)
    labels = np.full(len(points), -1, dtype=np.int64)
    if ok.any():
        labels[ok] = cluster_plane(x[ok], **options)
        sampled = len(grid_sample(x[ok], options.get("cell", GRID_CELL)))
    else:
        sampled = 0
    return labels, sampled


# --- relations -------------------------------------------------------------------------


def coefficient_cost(relation: Sequence[int]) -> int:
    """Total decimal digits of the non-zero coefficients (DESIGN.md's acceptance cost).

    >>> coefficient_cost((-4, 0, 0, 1))
    2
    """
    return sum(len(str(abs(int(c)))) for c in relation if c)


def degree2_relation(x: mpf, y: mpf, digits: int = RELATION_DIGITS, margin: int = MARGIN) -> Relation | None:
    r"""An integer relation $r_0 + r_1 x + r_2 y + r_3 xy = 0$, i.e.
    $y = -(r_0 + r_1 x)/(r_2 + r_3 x)$, found by LLL at ``digits`` digits; or None.

    Accepted when it is a genuine Möbius map ($r_0 r_3 \ne r_1 r_2$), its coefficients cost
    at most ``digits - margin`` digits, and it vanishes to the precision used. The result
    is primitive, with the first non-zero coefficient positive.

    >>> with mp.workdps(60):
    ...     degree2_relation(+mp.pi, 4 / mp.pi)
    (4, 0, 0, -1)
    """
    with mp.workdps(digits + GUARD):
        x, y = mpf(x), mpf(y)
        values = [mpf(1), x, y, x * y]
        scale = mpf(10) ** digits
        column = [int(mpmath.nint(v * scale)) for v in values]
    rows = [[1 if i == j else 0 for j in range(4)] + [column[i]] for i in range(4)]
    reduced = flint.fmpz_mat(rows).lll()
    best: Relation | None = None
    for i in range(4):
        r = tuple(int(reduced[i, j]) for j in range(4))
        if not any(r) or r[0] * r[3] == r[1] * r[2]:
            continue
        if coefficient_cost(r) + margin > digits:
            continue
        if abs(sum(c * v for c, v in zip(r, column))) > 10 * sum(abs(c) for c in r) + 10:
            continue
        if best is None or coefficient_cost(r) < coefficient_cost(best):
            best = r  # type: ignore[assignment]
    return None if best is None else _primitive(best)


def relation_holds(relation: Sequence[int], x: mpf, y: mpf, digits: int) -> bool:
    """Whether $r_0 + r_1 x + r_2 y + r_3 xy$ vanishes to ``digits`` digits (less the cost)."""
    with mp.workdps(digits + GUARD):
        r0, r1, r2, r3 = (mpf(int(c)) for c in relation)
        residual = abs(r0 + r1 * x + r2 * y + r3 * x * y)
        size = max(abs(r0), abs(r1 * x), abs(r2 * y), abs(r3 * x * y), mpf(1))
    return bool(residual <= size * mpf(10) ** (-(digits - coefficient_cost(relation) // 2 - 2)))


def _primitive(r: Sequence[int]) -> Relation:
    g = math.gcd(*r)
    r = [c // g for c in r]
    if next(c for c in r if c) < 0:
        r = [-c for c in r]
    return tuple(r)  # type: ignore[return-value]


def mobius_expression(relation: Sequence[int], x_text: str) -> str:
    r"""The value $y = -(r_0 + r_1 x)/(r_2 + r_3 x)$ as constant-expression text.

    >>> mobius_expression((4, 0, 0, -1), "pi")
    '4/pi'
    >>> mobius_expression((1, -1, 2, 0), "4/pi")
    '(-1 + (4/pi))/2'
    """
    r0, r1, r2, r3 = (int(c) for c in relation)
    n0, n1, d0, d1 = -r0, -r1, r2, r3
    if (d1 < 0) or (d1 == 0 and d0 < 0):
        n0, n1, d0, d1 = -n0, -n1, -d0, -d1
    g = math.gcd(n0, n1, d0, d1) or 1
    n0, n1, d0, d1 = n0 // g, n1 // g, d0 // g, d1 // g
    x = x_text if x_text.replace("_", "").isalnum() else f"({x_text})"
    num, num_terms = _linear(n0, n1, x)
    den, den_terms = _linear(d0, d1, x)
    if den == "1":
        return num
    if num_terms > 1:
        num = f"({num})"
    if den_terms > 1 or (d1 and d1 != 1):
        den = f"({den})"
    return f"{num}/{den}"


def _linear(c0: int, c1: int, x: str) -> tuple[str, int]:
    parts: list[str] = []
    if c0:
        parts.append(str(c0))
    if c1:
        term = x if abs(c1) == 1 else f"{abs(c1)}*{x}"
        parts.append(("-" if c1 < 0 else "+") + " " + term if parts else ("-" if c1 < 0 else "") + term)
    if not parts:
        return "0", 1
    return " ".join(parts), len(parts)


class UnionFind:
    """Disjoint sets over hashable items, for transitive relations.

    >>> u = UnionFind(); u.union("a", "b"); u.union("b", "c")
    >>> u.find("c") == u.find("a"), u.find("d") == u.find("a")
    (True, False)
    """

    def __init__(self) -> None:
        self._parent: dict[Any, Any] = {}

    def find(self, item: Any) -> Any:
        parent = self._parent.setdefault(item, item)
        if parent != item:
            root = self.find(parent)
            self._parent[item] = root
            return root
        return item

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the smaller representative wins, so the result does not depend on the order
            small, big = (ra, rb) if str(ra) <= str(rb) else (rb, ra)
            self._parent[big] = small

    def groups(self, items: Iterable[Any]) -> list[list[Any]]:
        """The items grouped by class, each group and the list in first-seen order."""
        out: dict[Any, list[Any]] = {}
        for item in items:
            out.setdefault(self.find(item), []).append(item)
        return list(out.values())


class Values:
    """High-precision values of PCF limits and of constant expressions, computed once.

    A PCF is walked (doubling the depth) until :data:`RECHECK_DIGITS` digits are trusted,
    or to ``max_depth``; slowly converging PCFs then have fewer digits, and relations on
    them cannot be confirmed.
    """

    def __init__(self, digits: int = RECHECK_DIGITS, max_depth: int = MAX_VALUE_DEPTH) -> None:
        self.digits = digits
        self.max_depth = max_depth
        self._pcf: dict[str, tuple[mpf | None, int]] = {}
        self._expr: dict[str, mpf] = {}
        self.walks = 0

    def pcf(self, point: Point) -> tuple[mpf | None, int]:
        """(value, trusted digits) of a PCF's limit; (None, 0) when it has no limit in reach."""
        if point.key not in self._pcf:
            self._pcf[point.key] = self._walk(point)
        return self._pcf[point.key]

    def _walk(self, point: Point) -> tuple[mpf | None, int]:
        from ..pcf.walk import walk

        want = self.digits + GUARD
        rate = point.digits_per_term
        if point.convergence == "polynomial" or (rate is not None and rate * self.max_depth < RELATION_DIGITS + GUARD):
            return None, 0  # too slow to give the digits a relation needs: not worth the walks
        depth = 64 if not rate or rate <= 0 else max(64, int(1.15 * want / rate) + 16)
        depth = min(depth, self.max_depth)
        while True:
            self.walks += 1
            conv = walk(point.a, point.b, depth)
            trusted = conv.trustworthy_digits
            if conv.q != 0 and trusted >= want:
                break
            if depth >= self.max_depth:
                if conv.q == 0 or not math.isfinite(trusted) or trusted < RELATION_DIGITS + GUARD:
                    return None, max(0, int(trusted)) if math.isfinite(trusted) else 0
                break
            depth = min(self.max_depth, 2 * depth)
        digits = int(min(trusted, self.digits))
        with mp.workdps(digits + GUARD):
            return mpf(int(conv.p)) / mpf(int(conv.q)), digits

    def expression(self, text: str) -> mpf:
        """The value of a constant expression (such as ``4/pi``) to :attr:`digits` digits."""
        if text not in self._expr:
            self._expr[text] = parse_constant(text).value(self.digits + 2 * GUARD)
        return self._expr[text]


def relate(x: mpf, x_digits: int, y: mpf, y_digits: int,
           digits: int = RELATION_DIGITS, recheck: int = RECHECK_DIGITS) -> tuple[Relation | None, bool]:
    """``(relation, confirmed)``: a Möbius relation found at ``digits`` digits, and whether it
    still holds at ``recheck`` digits (on the more precise values given)."""
    if min(x_digits, y_digits) < digits:
        return None, False
    relation = degree2_relation(x, y, digits)
    if relation is None:
        return None, False
    depth = min(recheck, x_digits, y_digits)
    return relation, depth >= recheck and relation_holds(relation, x, y, depth)


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberRelation:
    """A member's limit as a Möbius map of its cluster's reference, confirmed or not."""

    key: str
    relation: Relation  # r0 + r1 x + r2 y + r3 x y = 0, x the reference, y the member
    expression: str  # the member's limit in the reference's terms, e.g. "4/pi"
    confirmed: bool  # held again at RECHECK_DIGITS digits
    new: bool  # the member had no identification before
    constants: tuple[str, ...] = ()  # bank constants of the expression (a minority anchor's, when it is one)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "relation": list(self.relation), "expression": self.expression,
                "confirmed": self.confirmed, "new": self.new, "constants": list(self.constants)}


@dataclass(frozen=True, slots=True)
class Cluster:
    """One labelled cluster of PCFs."""

    index: int
    plane: str
    label: str  # a bank constant ("pi"), a relation's constants ("pi,e"), or "unknown-N"
    constants: tuple[str, ...]
    reference: str | None  # what members are related to: a constant expression, or a member's key
    source: str  # "anchor", "bank", "members" or "none"
    anchor: str | None  # "PCF(...) = 4/pi" for the anchor (or identified member) used
    is_candidate: bool  # no known constant: a candidate discovery
    members: tuple[str, ...]
    center: tuple[float, float]
    checked: int  # members whose value was tried against the reference
    related: int  # of those, confirmed relations
    anchors: int = 0  # identified members that agree with the label (not checked again)
    relations: tuple[MemberRelation, ...] = ()
    disagreeing: tuple[str, ...] = ()  # anchors left out of the label (no plane left to split on)

    @property
    def size(self) -> int:
        return len(self.members)

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "plane": self.plane, "label": self.label, "constants": list(self.constants),
            "reference": self.reference, "source": self.source, "anchor": self.anchor,
            "is_candidate": self.is_candidate, "size": self.size, "center": list(self.center),
            "checked": self.checked, "related": self.related, "anchors": self.anchors,
            "relations": [r.as_dict() for r in self.relations], "disagreeing": list(self.disagreeing),
            "members": list(self.members),
        }


@dataclass(frozen=True, slots=True)
class Clustering:
    """Every cluster of a set of PCFs, the planes tried, the noise, and the families."""

    points: int  # PCFs given
    clusterable: int  # PCFs with every feature defined
    planes: tuple[PlaneSummary, ...]
    clusters: tuple[Cluster, ...]
    noise: tuple[str, ...]
    families: tuple[Any, ...] = ()  # brouncker.clustering.families.Family
    seconds: float = 0.0
    walks: int = 0

    def assignments(self) -> dict[str, int | None]:
        """Canonical key -> cluster index (None for noise)."""
        out: dict[str, int | None] = {k: None for k in self.noise}
        for c in self.clusters:
            for k in c.members:
                out[k] = c.index
        return out

    def labelled(self) -> dict[str, int]:
        """Clusters per constant label (candidates under their ``unknown-N`` label)."""
        out: dict[str, int] = {}
        for c in self.clusters:
            out[c.label] = out.get(c.label, 0) + 1
        return dict(sorted(out.items()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "points": self.points, "clusterable": self.clusterable,
            "planes": [p.as_dict() for p in self.planes],
            "clusters": [c.as_dict() for c in self.clusters], "noise": len(self.noise),
            "labels": self.labelled(),
            "candidates": [c.index for c in self.clusters if c.is_candidate],
            "families": [f.as_dict() for f in self.families],
            "seconds": self.seconds, "walks": self.walks,
        }


# --- labelling -------------------------------------------------------------------------


@dataclass
class _Draft:
    """A cluster being labelled (mutable while the labelling runs)."""

    plane: str
    members: list[Point]
    center: tuple[float, float]
    label: str = ""
    constants: tuple[str, ...] = ()
    reference: str | None = None
    reference_value: tuple[mpf | None, int] = (None, 0)
    source: str = "none"
    anchor: str | None = None
    relations: list[MemberRelation] = field(default_factory=list)
    checked: int = 0
    disagreeing: tuple[str, ...] = ()
    anchors: int = 0
    others: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # minority anchors' references
    representative: Point | None = None
    rational: bool = False


def cluster_points(
    points: Sequence[Point],
    *,
    planes: Sequence[Sequence[str]] = PLANES,
    max_clusters: int = MAX_CLUSTERS,
    check_sample: int = CHECK_SAMPLE,
    identify_constants: Sequence[str] | None = None,
    families: bool = True,
    values: Values | None = None,
    progress: Callable[[str], None] | None = None,
    **plane_options: Any,
) -> Clustering:
    """Cluster ``points`` by dynamics, label the clusters, and look for families.

    ``identify_constants`` limits the bank used for clusters with no anchor (default: the
    whole bank). ``families`` turns the family search (:mod:`brouncker.clustering.families`) on.
    """
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    ordered = sorted(points, key=lambda p: p.key)
    if len({p.key for p in ordered}) != len(ordered):
        raise BrounckerError("cluster_points: two points share a canonical key")
    usable = [p for p in ordered if p.clusterable]
    values = values or Values()
    plane_index, labels, summaries = choose_plane(usable, planes, max_clusters, **plane_options)
    for summary in summaries:
        say(f"plane {summary.plane}: {summary.sampled} sampled of {summary.points}, {summary.clusters} clusters"
            f"{' (kept)' if summary.kept else ''} ({time.perf_counter() - started:.0f} s)")
    drafts: list[_Draft] = []
    groups = _groups(usable, labels)
    for i, members in enumerate(groups, start=1):
        drafts.extend(_label(members, plane_index, planes, values, check_sample, identify_constants, plane_options))
        if i % 25 == 0 or i == len(groups):
            say(f"labelled {i}/{len(groups)} clusters ({values.walks} walks, {time.perf_counter() - started:.0f} s)")
    _name_unknowns(drafts, values)
    clusters = tuple(
        Cluster(
            index=i, plane=d.plane, label=d.label, constants=d.constants, reference=d.reference, source=d.source,
            anchor=d.anchor, is_candidate=_is_candidate(d), members=tuple(p.key for p in d.members), center=d.center,
            checked=d.checked, related=sum(1 for r in d.relations if r.confirmed), relations=tuple(d.relations),
            anchors=d.anchors,
            disagreeing=d.disagreeing,
        )
        for i, d in enumerate(drafts)
    )
    clustered = {k for c in clusters for k in c.members}
    noise = tuple(p.key for p in ordered if p.key not in clustered)
    found: tuple[Any, ...] = ()
    if families:
        from .families import find_families

        by_key = {p.key: p for p in usable}
        found = tuple(f for c in clusters for f in find_families(c, by_key, values))
        say(f"{len(found)} families")
    return Clustering(
        points=len(ordered), clusterable=len(usable), planes=tuple(summaries), clusters=clusters, noise=noise,
        families=found, seconds=round(time.perf_counter() - started, 3), walks=values.walks,
    )


def _is_candidate(draft: _Draft) -> bool:
    """No constant of the bank, and most checked members share one unknown value."""
    related = sum(1 for r in draft.relations if r.confirmed)
    return not draft.constants and not draft.rational and related >= 2 and related >= CANDIDATE_FRACTION * draft.checked


def _groups(points: Sequence[Point], labels: np.ndarray) -> list[list[Point]]:
    groups: dict[int, list[Point]] = {}
    for p, lab in zip(points, labels.tolist()):
        if lab >= 0:
            groups.setdefault(lab, []).append(p)
    return [groups[k] for k in sorted(groups)]


def _center(members: Sequence[Point], plane: Sequence[str]) -> tuple[float, float]:
    x = feature_matrix(members, plane)
    return float(np.median(x[:, 0])), float(np.median(x[:, 1]))


def _reference_of(point: Point) -> tuple[str, tuple[str, ...]]:
    """What an anchor relates members to: its bank constant when it has one, else its expression."""
    if len(point.constants) == 1 and point.constants[0] in BANK:
        return point.constants[0], point.constants
    return point.expression or "", point.constants


def _label(
    members: list[Point], plane_index: int, planes: Sequence[Sequence[str]], values: Values,
    check_sample: int, identify_constants: Sequence[str] | None, plane_options: Mapping[str, Any],
) -> list[_Draft]:
    """Label one geometric cluster; split it on the next plane when its anchors disagree."""
    plane = planes[plane_index]
    draft = _Draft(plane_name(plane), members, _center(members, plane))
    anchors = [p for p in members if p.expression and p.constants]  # rational limits anchor nothing
    if anchors:
        classes = _anchor_classes(anchors, values)
        if len(classes) > 1 and plane_index + 1 < len(planes):
            split = _split(members, plane_index + 1, planes, plane_options)
            if len(split) > 1 or (split and len(split[0]) < len(members)):
                out: list[_Draft] = []
                for sub in split:
                    out.extend(_label(sub, plane_index + 1, planes, values, check_sample, identify_constants, plane_options))
                return out
        main = sorted(classes, key=lambda c: (-len(c), min(p.key for p in c)))[0]
        first = main[0]
        draft.reference, draft.constants = _reference_of(first)
        draft.label = ",".join(draft.constants) if draft.constants else (first.expression or "")
        draft.source, draft.anchor = "anchor", f"{first.text} = {first.expression}"
        draft.disagreeing = tuple(sorted({p.expression for c in classes if c is not main for p in c if p.expression}))
        draft.others = [_reference_of(c[0]) for c in classes if c is not main]
        draft.reference_value = (values.expression(draft.reference), values.digits)
    else:
        _identify_or_relate(draft, values, identify_constants)
    _check_members(draft, values, check_sample)
    return [draft]


def _anchor_classes(anchors: list[Point], values: Values) -> list[list[Point]]:
    """Anchors grouped by Möbius equivalence of their values (union-find).

    Anchors over the same constants form one group without computation (a Möbius map of
    one constant relates to any other); groups are related pairwise through their first
    anchor, so the cost grows with the number of distinct constant sets, not of anchors.
    """
    groups: dict[tuple[str, ...], list[Point]] = {}
    for p in anchors:
        groups.setdefault(tuple(p.constants), []).append(p)
    keys = list(groups)
    uf = UnionFind()
    for i, key in enumerate(keys):
        uf.find(i)
        for j in range(i):
            if uf.find(i) == uf.find(j):
                continue
            x = values.expression(_reference_of(groups[keys[j]][0])[0])
            y = values.expression(_reference_of(groups[key][0])[0])
            relation, confirmed = relate(x, values.digits, y, values.digits)
            if relation is not None and confirmed:
                uf.union(i, j)
    return [[p for i in g for p in groups[keys[i]]] for g in uf.groups(range(len(keys)))]


def _split(members: list[Point], plane_index: int, planes: Sequence[Sequence[str]], options: Mapping[str, Any]) -> list[list[Point]]:
    x = feature_matrix(members, planes[plane_index])
    labels = cluster_plane(x, **options)
    return _groups(members, labels)


def _by_precision(members: Sequence[Point]) -> list[Point]:
    """Members with the fastest convergence first (ties by key): the cheapest precise values."""
    return sorted(members, key=lambda p: (-(p.digits_per_term or 0.0), p.key))


def _identify_or_relate(draft: _Draft, values: Values, constants: Sequence[str] | None) -> None:
    """Label a cluster with no anchor: identify a few members against the bank, else pick a
    representative member to relate the others to."""
    from ..identification.identify import identify

    candidates = _by_precision(draft.members)[:IDENTIFY_SAMPLE]
    for p in candidates:
        value, digits = values.pcf(p)
        if value is None or digits < RELATION_DIGITS:
            continue
        found = identify(value, RELATION_DIGITS, constants, deeper=value, deeper_digits=digits)
        if found is not None and not found.constants:
            draft.label, draft.source, draft.rational = "rational", "bank", True
            draft.anchor = f"{p.text} = {found.expression}"
            return
        if found is not None and found.constants:
            draft.constants = tuple(found.constants)
            if len(found.constants) == 1:
                draft.reference = found.constants[0]
            else:
                draft.reference = found.expression
            draft.label = ",".join(found.constants)
            draft.source, draft.anchor = "bank", f"{p.text} = {found.expression}"
            draft.reference_value = (values.expression(draft.reference), values.digits)
            return
    for p in candidates:
        value, digits = values.pcf(p)
        if value is not None and digits >= RELATION_DIGITS:
            draft.representative = p
            draft.reference, draft.source = p.key, "members"
            draft.reference_value = (value, digits)
            return
    draft.source = "none"


def _check_members(draft: _Draft, values: Values, check_sample: int) -> None:
    """Relate up to ``check_sample`` members to the cluster's reference (module docstring)."""
    members = _sample(draft.members, check_sample)
    x, x_digits = draft.reference_value
    if x is None:
        return
    x_text = draft.reference if draft.source != "members" else "x"
    unrelated: list[Point] = []
    for p in members:
        if draft.representative is not None and p.key == draft.representative.key:
            continue
        if draft.source == "anchor" and p.expression and p.constants and _reference_of(p)[0] == draft.reference:
            draft.anchors += 1
            continue  # an agreeing anchor needs no check
        if p.expression and p.constants and any(_reference_of(p)[0] == ref for ref, _ in draft.others):
            continue  # a minority anchor: known already, and unrelated to the label
        y, y_digits = values.pcf(p)
        if y is None:
            continue
        draft.checked += 1
        relation, confirmed = relate(x, x_digits, y, y_digits)
        if relation is None:
            found = _relate_to_others(draft, y, y_digits, values)
            if found is None:
                unrelated.append(p)
            else:
                relation, confirmed, ref, constants = found
                text = mobius_expression(relation, ref)
                draft.relations.append(MemberRelation(p.key, relation, text, confirmed, p.expression is None, constants))
            continue
        text = mobius_expression(relation, x_text or "x")
        draft.relations.append(MemberRelation(p.key, relation, text, confirmed, p.expression is None, draft.constants))
    if draft.source == "members":
        _more_representatives(draft, unrelated, values)


def _relate_to_others(draft: _Draft, y: mpf, y_digits: int, values: Values) -> tuple[Relation, bool, str, tuple[str, ...]] | None:
    """A member unrelated to the label may be related to a minority anchor's constant
    (a cluster whose anchors disagree and could not be split, such as ϖ and Gauss' ϖ/π)."""
    for ref, constants in draft.others:
        relation, confirmed = relate(values.expression(ref), values.digits, y, y_digits)
        if relation is not None and confirmed:
            return relation, confirmed, ref, constants
    return None


def _more_representatives(draft: _Draft, unrelated: list[Point], values: Values) -> None:
    """Unknown clusters: members unrelated to the first representative may relate to another."""
    for _ in range(MEMBER_REPRESENTATIVES - 1):
        if len(unrelated) < 2:
            return
        rep, rest = unrelated[0], unrelated[1:]
        x, x_digits = values.pcf(rep)
        left: list[Point] = []
        for p in rest:
            y, y_digits = values.pcf(p)
            relation, confirmed = relate(x, x_digits, y, y_digits) if y is not None and x is not None else (None, False)
            if relation is not None and confirmed:
                draft.relations.append(MemberRelation(p.key, relation, mobius_expression(relation, f"x[{rep.key}]"), True, True))
            else:
                left.append(p)
        unrelated = left


def _sample(members: Sequence[Point], size: int) -> list[Point]:
    """Up to ``size`` members, evenly spread over the key order (deterministic)."""
    if len(members) <= size:
        return list(members)
    step = len(members) / size
    return [members[int(i * step)] for i in range(size)]


def _name_unknowns(drafts: list[_Draft], values: Values) -> None:
    """``unknown-N`` labels; unknown clusters whose representatives relate share one."""
    unknown = [d for d in drafts if not d.constants and not d.label]
    uf = UnionFind()
    pairs = 0
    for i, d in enumerate(unknown):
        uf.find(i)
        if d.representative is None:
            continue
        x, x_digits = d.reference_value
        for j in range(i):
            other = unknown[j]
            if other.representative is None or uf.find(i) == uf.find(j) or pairs >= MAX_UNKNOWN_PAIRS:
                continue
            pairs += 1
            y, y_digits = other.reference_value
            relation, confirmed = relate(y, y_digits, x, x_digits)
            if relation is not None and confirmed:
                uf.union(i, j)
    for n, group in enumerate(uf.groups(range(len(unknown))), start=1):
        for i in group:
            unknown[i].label = f"unknown-{n}"
