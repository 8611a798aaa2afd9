r"""The equivalence graph of a collection of formulas: which pairs to try, and the classes.

Nodes are formulas (stored conjectures) and the PCFs of known fields' trajectories. Trying
every pair would cost $O(N^2)$ certificate searches; instead:

1. **Groups.** A certificate relates two values by a Möbius map, so only formulas whose
   limits are Möbius images of one value $X$ can be equivalent. Each node is *placed* in a
   group with the map ``to_group``: value(node) $=$ ``to_group``$(X)$. A formula identified
   as a Möbius form of one bank constant $K$ is placed by its relation ($X = K$, no limit
   needed, re-checked against the stored digits when there are any); any other node by
   relating its limit to each group's value (:func:`brouncker.identification.relations.relate`,
   re-checked at twice the digits). A formula related to no group starts one; a field's
   trajectory related to no group is left out.
2. **Pairs.** Within a group the map between two nodes is known,
   value(from) $=$ ``to_group_from`` $\circ$ ``to_group_to``$^{-1}$(value(to)), and only pairs
   whose growths agree after folding (:func:`brouncker.equivalence.find.fold_pairs`) can have
   a certificate. They are tried cheapest first: the fewest folds, then the closest δ.
3. **Skipping.** A block of pairs is tried in order with a disjoint-set forest: a pair whose
   nodes are already in one class is skipped, as is a pair between two classes that
   :data:`TRIES_BETWEEN_CLASSES` pairs already failed to join, and a pair of a class and a
   field that already holds a trajectory of that field (or was tried :data:`TRIES_PER_FIELD`
   times). The classes found are the same; most of the pairs are never tried.

The connected components of the certified edges are the **equivalence classes**; a formula
whose class holds a field's trajectory is *unified* with that field.

>>> f = [Node(formula_key(1), PCF.parse("2n+1", "n^2"), 1), Node(formula_key(2), PCF.parse("4n+2", "4n^2"), 2)]
>>> placed = [Placed(f[0], 0, Mobius.of(4, 0, 0, 1)), Placed(f[1], 0, Mobius.of(8, 0, 0, 1))]
>>> [(p.i, p.j, p.folds) for p in candidate_pairs(placed)]
[(0, 1, 2)]
>>> result = relate_block(placed, candidate_pairs(placed))
>>> result.tried, [(e.from_key, e.to_key, e.certificate.c) for e in result.edges]
(1, [('conjecture:1', 'conjecture:2', '1/2')])
>>> equivalence_classes(["conjecture:1", "conjecture:2", "conjecture:3"], [(e.from_key, e.to_key) for e in result.edges])
[['conjecture:1', 'conjecture:2'], ['conjecture:3']]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol

from mpmath import mp, mpf
from scipy.cluster.hierarchy import DisjointSet

from ..errors import FoldError
from ..identification.relations import relate
from ..pcf.fold import check_finite_terms
from ..pcf.fraction import PCF
from ..pcf.mobius import Mobius
from ..pcf.value import Limit
from ..precision import RECHECK_FACTOR, RELATION_GUARD_DIGITS
from .certificate import Certificate
from .find import Growth, find_certificate, fold_pairs, growth, mobius_through_constant

TRIES_BETWEEN_CLASSES = 3  # failed pairs after which two classes are taken to be different
TRIES_PER_FIELD = 8  # failed pairs after which a class is not tried against a field's trajectories again
STORED_LIMIT_CHECK_DIGITS = 15  # a relation's map must reproduce this many of a stored limit's digits


# --- nodes ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldPoint:
    """A trajectory of a known field: the field, its parameters, the trajectory and the start
    (rationals as text, such as ``"1/2"``)."""

    field: str
    parameters: tuple[tuple[str, str], ...]
    trajectory: tuple[int, ...]
    start: tuple[str, ...]

    @property
    def key(self) -> str:
        """The node key of this trajectory: ``field:pi|1,1|1,1`` (parameters between)."""
        params = ",".join(f"{k}={v}" for k, v in self.parameters)
        return f"field:{self.field}|{params}|{','.join(map(str, self.trajectory))}|{','.join(self.start)}"

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "parameters": dict(self.parameters), "trajectory": list(self.trajectory), "start": list(self.start)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FieldPoint:
        return cls(str(data["field"]), tuple((str(k), str(v)) for k, v in dict(data.get("parameters") or {}).items()),
                   tuple(int(v) for v in data["trajectory"]), tuple(str(v) for v in data["start"]))

    @classmethod
    def of(cls, field_name: str, parameters: Iterable[tuple[str, Fraction]], trajectory: Iterable[int],
           start: Iterable[Fraction]) -> FieldPoint:
        return cls(field_name, tuple((k, str(Fraction(v))) for k, v in parameters), tuple(int(t) for t in trajectory),
                   tuple(str(Fraction(s)) for s in start))


def formula_key(conjecture_id: int) -> str:
    """The node key of a stored formula."""
    return f"conjecture:{conjecture_id}"


@dataclass(frozen=True, slots=True)
class Node:
    """A formula (``conjecture_id``) or a field's trajectory (``point``), by its PCF."""

    key: str
    pcf: PCF
    conjecture_id: int | None = None
    point: FieldPoint | None = None
    delta: float | None = None

    @property
    def is_field(self) -> bool:
        return self.point is not None


def usable(pcf: PCF) -> bool:
    """Whether a PCF can be a node: an infinite fraction (no $b(n) = 0$ for $n \\ge 1$) with a
    non-zero $a$."""
    try:
        check_finite_terms(pcf)
    except FoldError:
        return False
    return pcf.a != (0,)


# --- 1. groups ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placed:
    """A node in its group: value(node) $=$ ``to_group``$(X)$, $X$ the group's value."""

    node: Node
    group: int
    to_group: Mobius

    @property
    def growth(self) -> Growth:
        return growth(self.node.pcf)


@dataclass
class Group:
    """Values that are Möbius images of one another: ``label`` names $X$ (a constant of the
    bank, or the first formula placed in it), ``value`` holds it to ``digits`` digits."""

    index: int
    label: str
    value: mpf
    digits: int
    growths: list[Growth] = field(default_factory=list)


class Grouping:
    """Places nodes in groups (see the module docstring), ``digits`` the digits of a relation
    (re-checked at twice as many), ``max_fold`` the folds a certificate may use."""

    def __init__(self, digits: int, max_fold: int | None = None) -> None:
        self.digits = digits
        self.max_fold = _max_fold() if max_fold is None else max_fold
        self.groups: list[Group] = []
        self.by_label: dict[str, int] = {}
        self.placed: list[Placed] = []

    def _new(self, label: str, value: mpf, digits: int) -> Group:
        group = Group(len(self.groups), label, value, digits)
        self.groups.append(group)
        self.by_label[label] = group.index
        return group

    def _place(self, node: Node, group: Group, m: Mobius) -> Placed:
        group.growths.append(growth(node.pcf))
        placed = Placed(node, group.index, m)
        self.placed.append(placed)
        return placed

    def by_constant(self, node: Node, constant: str, relation: Sequence[int], constant_value: mpf,
                    stored_limit: mpf | None = None) -> Placed | None:
        r"""Place a formula identified as a Möbius form of ``constant`` (``relation`` over
        $[x, 1, K, xK]$, ``constant_value`` $K$ to twice the digits); None when the relation
        is no Möbius form, or its map misses ``stored_limit`` (the stored digits of the limit)."""
        m = mobius_through_constant(tuple(relation), (1, 0, -1, 0))  # value(node) = m(K); (1, 0, -1, 0) is x = K
        if m is None:
            return None
        if stored_limit is not None:
            with mp.workdps(STORED_LIMIT_CHECK_DIGITS + RELATION_GUARD_DIGITS):
                try:
                    image = m.apply(mpf(constant_value))
                except ZeroDivisionError:
                    return None
                if abs(image - stored_limit) > mpf(10) ** -STORED_LIMIT_CHECK_DIGITS * (1 + abs(stored_limit)):
                    return None
        index = self.by_label.get(constant)
        group = self.groups[index] if index is not None else self._new(constant, constant_value, RECHECK_FACTOR * self.digits)
        return self._place(node, group, m)

    def by_value(self, node: Node, limit: Limit, *, create: bool) -> Placed | None:
        """Place a node by relating its limit to each group's value (only groups one of whose
        members grows like it after folding, when ``create`` is false); a new group when
        none relates and ``create``, else None."""
        g = growth(node.pcf)
        for group in self.groups:
            if not create and not any(fold_pairs(g, other, self.max_fold) for other in group.growths):
                continue
            relation, confirmed = relate(group.value, group.digits, limit.value, limit.digits, self.digits)
            if relation is not None and confirmed:
                r0, r1, r2, r3 = relation  # r0 + r1 X + r2 y + r3 X y = 0 with y = value(node)
                return self._place(node, group, Mobius.of(-r0, -r1, r2, r3))
        if not create or limit.digits < RECHECK_FACTOR * self.digits:
            return None
        return self._place(node, self._new(node.key, limit.value, limit.digits), Mobius.identity())


def _max_fold() -> int:
    from ..limits import FOLD

    return FOLD.check(FOLD.default, "--max-fold")


# --- 2. pairs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pair:
    """Nodes ``i`` (from) and ``j`` (to) of one group; ``folds`` the least $k_1 + k_2$ of their
    fold pairs (a certificate needs one)."""

    i: int
    j: int
    folds: int


def candidate_pairs(placed: Sequence[Placed], max_fold: int | None = None) -> list[Pair]:
    """The pairs of nodes of one group that can have a certificate (at least one of them a
    formula, their growths alike after folding), the most promising first: fewest folds,
    formula pairs before field pairs, closest δ."""
    max_fold = _max_fold() if max_fold is None else max_fold
    growths = [p.growth for p in placed]
    out: list[tuple[tuple[Any, ...], Pair]] = []
    for i, p in enumerate(placed):
        for j in range(len(placed)):
            q = placed[j]
            if j == i or q.group != p.group or p.node.is_field or (not q.node.is_field and j < i):
                continue
            pairs = fold_pairs(growths[i], growths[j], max_fold)
            if not pairs:
                continue
            folds = sum(pairs[0])
            d1, d2 = p.node.delta, q.node.delta
            distance = abs(d1 - d2) if d1 is not None and d2 is not None and math.isfinite(d1) and math.isfinite(d2) else math.inf
            out.append(((folds, q.node.is_field, distance, i, j), Pair(i, j, folds)))
    return [pair for _, pair in sorted(out, key=lambda t: t[0])]


# --- 3. a block of pairs ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Edge:
    """A certified edge: value(``from_key``) $=$ ``certificate.mobius``(value(``to_key``))."""

    from_key: str
    to_key: str
    certificate: Certificate


@dataclass(frozen=True, slots=True)
class BlockResult:
    """What trying a block of pairs gave: the edges, and how many pairs were tried or skipped."""

    edges: tuple[Edge, ...]
    tried: int
    skipped: int


def relate_block(placed: Sequence[Placed], pairs: Sequence[Pair], *, max_fold: int | None = None,
                 max_degree: int | None = None) -> BlockResult:
    """Try ``pairs`` of ``placed`` nodes in order, skipping those that cannot change the classes
    (see the module docstring); every edge's certificate has passed its exact check."""
    forest = DisjointSet(range(len(placed)))
    fields_of: dict[int, set[str]] = {i: {p.node.point.field} for i, p in enumerate(placed) if p.node.point is not None}
    failed: dict[tuple[Any, ...], int] = {}
    edges: list[Edge] = []
    tried = skipped = 0
    for pair in pairs:
        p, q = placed[pair.i], placed[pair.j]
        ri, rj = forest[pair.i], forest[pair.j]
        if q.node.point is not None:
            key: tuple[Any, ...] = (ri, "field", q.node.point.field)
            skip = ri == rj or q.node.point.field in fields_of.get(ri, set()) or failed.get(key, 0) >= TRIES_PER_FIELD
        else:
            key = (min(ri, rj), max(ri, rj))
            skip = ri == rj or failed.get(key, 0) >= TRIES_BETWEEN_CLASSES
        if skip:
            skipped += 1
            continue
        tried += 1
        m = p.to_group.compose(q.to_group.inverse())  # value(from) = m(value(to))
        cert = find_certificate(p.node.pcf, q.node.pcf, max_fold=max_fold, max_degree=max_degree, mobius=m)
        if cert is None or not cert.check():
            failed[key] = failed.get(key, 0) + 1
            continue
        edges.append(Edge(p.node.key, q.node.key, cert))
        forest.merge(pair.i, pair.j)
        root = forest[pair.i]
        fields_of[root] = fields_of.get(ri, set()) | fields_of.get(rj, set())
    return BlockResult(tuple(edges), tried, skipped)


# --- the classes --------------------------------------------------------------------------------


def equivalence_classes(keys: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The connected components of the graph on ``keys`` with ``edges`` (a key an edge names is
    added): each sorted, the largest first, then by first key."""
    forest: DisjointSet = DisjointSet(list(dict.fromkeys(keys)))
    for a, b in edges:
        for k in (a, b):
            if k not in forest:
                forest.add(k)
        forest.merge(a, b)
    classes = [sorted(s, key=_natural) for s in forest.subsets()]
    return sorted(classes, key=lambda c: (-len(c), _natural(c[0])))


def _natural(key: str) -> tuple[str, int, str]:
    """``conjecture:9`` before ``conjecture:10``; formulas before fields."""
    kind, _, rest = key.partition(":")
    return (kind, int(rest), "") if rest.isdigit() else (kind, 0, rest)


class EdgeLike(Protocol):
    """What :func:`graph_classes` reads of a stored edge."""

    @property
    def from_key(self) -> str: ...
    @property
    def to_key(self) -> str: ...
    @property
    def to_field(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class GraphClass:
    """An equivalence class: its formulas (conjecture ids), the fields' trajectories in it
    (``field``, ``trajectory``, ``start``, ``parameters``), and its edges."""

    members: tuple[int, ...]
    fields: tuple[dict[str, Any], ...]
    keys: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"members": list(self.members), "fields": [dict(f) for f in self.fields]}

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(str(f["field"]) for f in self.fields))


def graph_classes(formula_keys: Iterable[str], edges: Sequence[EdgeLike]) -> list[GraphClass]:
    """The classes of the formulas ``formula_keys`` (and of every formula an edge names) under
    ``edges``; a class of fields alone is left out."""
    points = {e.to_key: e.to_field for e in edges if e.to_field}
    out = []
    for keys in equivalence_classes(formula_keys, [(e.from_key, e.to_key) for e in edges]):
        members = tuple(int(k.partition(":")[2]) for k in keys if k.startswith("conjecture:"))
        if members:
            fields = tuple({k: (points[key] or {}).get(k) for k in ("field", "trajectory", "start", "parameters")}
                           for key in keys if key in points)
            out.append(GraphClass(members, fields, tuple(keys)))
    return out


def class_of(conjecture_id: int, edges: Sequence[EdgeLike]) -> GraphClass:
    """The class of one formula under ``edges`` (itself alone when no edge names it)."""
    key = formula_key(conjecture_id)
    for c in graph_classes([], edges):
        if key in c.keys:
            return c
    return GraphClass((conjecture_id,), (), (key,))
