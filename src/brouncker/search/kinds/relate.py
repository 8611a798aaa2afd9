r"""A search of kind ``relate``: the equivalence graph of stored searches (``brouncker relate SEARCH_ID …``).

The driver first reads the formulas of the given searches (every stored conjecture with a
PCF) and the trajectories of the known fields (one per shift class, the index that ``cmf
explain`` uses: :func:`brouncker.cmf.explain.field_index`), and places them in groups by the
Möbius map of their limits (:class:`brouncker.equivalence.graph.Grouping`): a formula
identified against one constant by its stored relation, any other node by its limit. A
trajectory goes in only when its growth matches a formula's after folding and its limit is
related to a group. The candidate pairs of each group (:func:`~brouncker.equivalence.graph.candidate_pairs`)
are cut into blocks, and all of it is kept in the spec, so that the same store related again
is the same search (found by the spec's hash) and ``search resume`` needs nothing else.

The items of the search are the pairs; a shard is a block of one group, tried in order by
:func:`~brouncker.equivalence.graph.relate_block` (which skips the pairs that cannot change
the classes). Workers return the certified edges; the driver stores them
(``equivalence_edge``) with the shard. The classes are the connected components of the
edges (:func:`graph_report`); ``relate --check`` checks every stored certificate again
(:func:`check_edges`).

:data:`KIND` is this kind's entry in the registry of :mod:`brouncker.search.kinds`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from mpmath import mp, mpf
from pydantic import Field

from ...errors import BrounckerError, FieldError, InconclusiveError, StoreError
from ...limits import CERTIFICATE_DEGREE, FOLD, RELATE_FORMULAS, RELATE_PAIRS
from ...pcf.fraction import PCF
from ...pcf.mobius import Mobius
from ...plain import Plain
from ...precision import LIMIT_GUARD_DIGITS, RECHECK_FACTOR, RELATE_DIGITS
from ...records import ConjectureKind, EdgeRecord
from ..kind import Kind, SearchSpec, SpecModel, validate
from ..shards import Plan, Shard, ShardResult

if TYPE_CHECKING:

    from ...equivalence.graph import GraphClass, Grouping, Node, Placed
    from ...store import EdgeRow, Store

COUNT_KEYS = ("pairs", "tried", "skipped", "edges")
SUMMARY = (("pairs", "candidate pairs"), ("tried", "pairs tried"), ("skipped", "pairs skipped"), ("edges", "certified edges"))
BLOCK_PAIRS = 400  # pairs per shard at most: a group's pairs share one forest only within a block


class RelateNode(SpecModel):
    """A node of the graph as the spec keeps it: its PCF, what it is (a conjecture or a
    field's trajectory), its δ, its group and the map ``to_group`` [c0, c1, c2, c3] with
    value(node) = to_group(X), X the group's value (group -1: placed in none)."""

    key: str = Field(min_length=1, max_length=512)
    a: list[int]
    b: list[int]
    conjecture_id: int | None = None
    point: dict[str, Any] | None = None
    delta: float | None = None
    group: int = -1
    to_group: list[int] = Field(default_factory=lambda: [0, 1, 1, 0], min_length=4, max_length=4)


class RelateSpec(SearchSpec):
    """A relate search::

        kind = "relate"
        name = "relate 1, 2"
        searches = [1, 2]           # the searches whose formulas are related
        fields = ["pi", "zeta3"]    # the known fields whose trajectories are nodes too
        max_fold = 4
        max_degree = 12
        digits = 40                 # digits of the relations that place nodes in groups
        groups = ["pi", "zeta3"]    # what each group's value X is
        nodes = [...]               # RelateNode
        pairs = [[0, 1], ...]       # candidate pairs (node indices), block after block
        blocks = [[0, 1], ...]      # [start, stop) ranges of pairs: the shards

    :func:`relate_spec` writes it from the store.
    """

    kind: Literal["relate"] = "relate"
    searches: list[int] = Field(min_length=1)
    fields: list[str] = Field(default_factory=list)
    max_fold: int = Field(default=FOLD.default, ge=1, le=FOLD.large)
    max_degree: int = Field(default=CERTIFICATE_DEGREE.default, ge=0, le=CERTIFICATE_DEGREE.large)
    digits: int = Field(default=RELATE_DIGITS, ge=20, le=10_000)
    groups: list[str] = Field(default_factory=list)
    nodes: list[RelateNode] = Field(default_factory=list)
    pairs: list[tuple[int, int]] = Field(default_factory=list)
    blocks: list[tuple[int, int]] = Field(default_factory=list)
    unsettled: int = 0  # formulas whose limit did not settle: they stay alone


def plan_relate(spec: RelateSpec) -> Plan:
    """The pairs, in blocks."""
    return Plan("relate", len(spec.pairs), 1, tuple(Shard(i, start, stop) for i, (start, stop) in enumerate(spec.blocks)))


@dataclass(frozen=True, slots=True)
class RelateTask:
    """One block: its nodes (as the spec keeps them), its pairs in local indices, the bounds."""

    nodes: tuple[RelateNode, ...]
    pairs: tuple[tuple[int, int], ...]
    max_fold: int
    max_degree: int
    shard: Shard
    search_id: int | None = None


def relate_tasks(spec: RelateSpec, shards: Sequence[Shard], search_id: int | None) -> list[RelateTask]:
    tasks = []
    for s in shards:
        pairs = spec.pairs[s.start : s.stop]
        used = sorted({i for pair in pairs for i in pair})
        local = {g: k for k, g in enumerate(used)}
        tasks.append(RelateTask(tuple(spec.nodes[g] for g in used), tuple((local[i], local[j]) for i, j in pairs),
                                spec.max_fold, spec.max_degree, s, search_id))
    return tasks


def _node(n: RelateNode) -> Node:
    from ...equivalence.graph import FieldPoint, Node

    return Node(n.key, PCF(tuple(n.a), tuple(n.b)), n.conjecture_id, None if n.point is None else FieldPoint.from_dict(n.point), n.delta)


def run_relate_shard(task: RelateTask) -> ShardResult:
    """The executor's entry point: the pairs of one block, in order; the certified edges."""
    from ...equivalence.find import fold_pairs
    from ...equivalence.graph import Pair, Placed, relate_block

    started, cpu = time.perf_counter(), time.process_time()
    placed = [Placed(_node(n), n.group, Mobius.of(*n.to_group)) for n in task.nodes]
    pairs = []
    for i, j in task.pairs:
        folds = fold_pairs(placed[i].growth, placed[j].growth, task.max_fold)
        pairs.append(Pair(i, j, sum(folds[0]) if folds else 0))
    result = relate_block(placed, pairs, max_fold=task.max_fold, max_degree=task.max_degree)
    edges = []
    by_key = {p.node.key: p.node for p in placed}
    for e in result.edges:
        frm, to = by_key[e.from_key], by_key[e.to_key]
        edges.append(EdgeRecord(task.search_id or 0, e.from_key, e.to_key, frm.conjecture_id, to.conjecture_id,
                                None if to.point is None else to.point.as_dict(), e.certificate.as_dict()))
    counts: dict[str, float] = {"pairs": len(pairs), "tried": result.tried, "skipped": result.skipped, "edges": len(edges),
                                "seconds": round(time.perf_counter() - started, 4), "cpu_seconds": round(time.process_time() - cpu, 4)}
    return ShardResult(task.shard, (), (), (), counts, tuple(edges))


# --- the spec, from the store -----------------------------------------------------------------


def _stored_limit(text: str | None) -> mpf | None:
    """A stored limit with enough digits to check a relation's map against, else None."""
    from ...equivalence.graph import STORED_LIMIT_CHECK_DIGITS

    if not text or sum(ch.isdigit() for ch in text) < STORED_LIMIT_CHECK_DIGITS + 3:
        return None
    try:
        with mp.workdps(len(text) + 5):
            return mpf(text)
    except (ValueError, TypeError):
        return None


def _formulas(store: Store, search_ids: Sequence[int]) -> list[tuple[Node, Any]]:
    """The formulas of the searches: (node, detail) for each stored conjecture with a usable PCF."""
    from ...equivalence.graph import Node, formula_key, usable

    out: list[tuple[Node, Any]] = []
    seen: set[int] = set()
    details: list[Any] = []
    for search_id in search_ids:
        found_search = store.search(search_id)
        if found_search is None:
            raise StoreError(f"no search with id {search_id}")
        if (found_search.spec or {}).get("kind") == "relate":
            raise BrounckerError(f"search {search_id} is a relate search: give the searches whose formulas it relates")
        found = store.conjecture_details(search_id)
        RELATE_FORMULAS.check(len(details) + len(found), "formulas of the searches")
        details.extend(found)
    for detail in details:
        row = detail.conjecture
        if row.id in seen or row.kind not in (ConjectureKind.PCF, ConjectureKind.CMF) or not row.a or not row.b:
            continue
        seen.add(row.id)
        try:
            pcf = PCF.parse(row.a, row.b)
        except BrounckerError:
            continue
        if usable(pcf):
            delta = row.delta if row.delta is not None and math.isfinite(row.delta) else None
            out.append((Node(formula_key(row.id), pcf, row.id, None, delta), detail))
    return out


def _field_nodes(fields: Sequence[str], say: Callable[[str], None]) -> list[Node]:
    """The PCF of the first trajectory of each shift class of each field's grid (``cmf explain``'s index)."""
    from ...cmf.explain import FieldGrid, field_index
    from ...equivalence.graph import FieldPoint, Node, usable

    nodes = []
    for name in fields:
        started = time.perf_counter()
        try:
            index = field_index(FieldGrid.of(name))
        except FieldError as exc:
            raise BrounckerError(f"field {name}: {exc}") from None
        say(f"field {name}: {len(index.hits):,} trajectories (one per shift class), {time.perf_counter() - started:.1f} s")
        for hit in index.hits.values():
            point = FieldPoint.of(name, hit.item.parameters, hit.item.trajectory, hit.item.start)
            if usable(hit.pcf.pcf):
                nodes.append(Node(point.key, hit.pcf.pcf, None, point))
    return nodes


def _limit(pcf: PCF, digits: int) -> Any:
    from ...equivalence.find import relation_limit

    try:
        return relation_limit(pcf, digits)
    except (InconclusiveError, BrounckerError):
        return None


def place_formulas(grouping: Grouping, formulas: Sequence[tuple[Node, Any]]) -> int:
    """Place the formulas: identified ones by their relation first, then the others by their
    limits (a new group when none relates); returns how many had no limit to place them by."""
    from ...constants import constant_value

    digits = RECHECK_FACTOR * grouping.digits + LIMIT_GUARD_DIGITS
    values: dict[str, mpf] = {}
    rest = []
    for node, detail in formulas:
        constants, relation = detail.constants, detail.relation
        placed = None
        row = detail.conjecture  # a CMF conjecture's relation is of its trajectory's limit, not of its PCF's value
        if len(constants) == 1 and len(relation) == 4 and row.expression and not row.candidate and row.kind is ConjectureKind.PCF:
            name = constants[0]
            try:
                if name not in values:
                    values[name] = constant_value(name, digits)
                placed = grouping.by_constant(node, name, relation, values[name], _stored_limit(detail.limit))
            except BrounckerError:
                placed = None
        if placed is None:
            rest.append(node)
    unsettled = 0
    for node in rest:
        limit = _limit(node.pcf, grouping.digits)
        if limit is None or grouping.by_value(node, limit, create=True) is None:
            unsettled += 1
    return unsettled


def place_fields(grouping: Grouping, nodes: Sequence[Node], max_fold: int) -> int:
    """Place the fields' trajectories whose growth matches a formula's after folding and whose
    limit is related to a group; returns how many were placed."""
    from ...equivalence.find import Growth, fold_pairs, growth

    known = [Growth(kind, rate) for kind, rate in {(g.kind, g.rate) for group in grouping.groups for g in group.growths}]
    placed = 0
    for node in nodes:
        g = growth(node.pcf)
        if not any(fold_pairs(g, other, max_fold) for other in known):
            continue
        limit = _limit(node.pcf, grouping.digits)
        if limit is not None and grouping.by_value(node, limit, create=False) is not None:
            placed += 1
    return placed


def relate_spec(
    store: Store,
    search_ids: Sequence[int],
    *,
    fields: Sequence[str] | None = None,
    max_fold: int | None = None,
    max_degree: int | None = None,
    digits: int = RELATE_DIGITS,
    progress: Callable[[str], None] | None = None,
) -> RelateSpec:
    """The spec of relating the formulas of ``search_ids`` (and the trajectories of ``fields``,
    default every field ``cmf explain`` indexes): nodes placed in groups, candidate pairs in
    blocks (see the module docstring). Reads the store; writes nothing."""
    from ...cmf.explain import DEFAULT_GRIDS
    from ...equivalence.graph import Grouping, candidate_pairs

    say = progress or (lambda _m: None)
    max_fold = FOLD.check(FOLD.default if max_fold is None else max_fold, "--max-fold")
    max_degree = CERTIFICATE_DEGREE.check(CERTIFICATE_DEGREE.default if max_degree is None else max_degree, "--max-degree")
    names = list(DEFAULT_GRIDS) if fields is None else list(dict.fromkeys(fields))
    unknown = [f for f in names if f not in DEFAULT_GRIDS]
    if unknown:
        raise BrounckerError(f"unknown field '{unknown[0]}' for relate (fields with PCFs: {', '.join(DEFAULT_GRIDS)})")
    started = time.perf_counter()
    formulas = _formulas(store, list(dict.fromkeys(search_ids)))
    grouping = Grouping(digits, max_fold)
    unsettled = place_formulas(grouping, formulas)
    say(f"{len(formulas):,} formulas in {len(grouping.groups):,} groups ({time.perf_counter() - started:.1f} s)")
    placed_fields = place_fields(grouping, _field_nodes(names, say), max_fold)
    say(f"{placed_fields:,} field trajectories related to a group ({time.perf_counter() - started:.1f} s)")
    by_group: dict[int, list[Placed]] = {}
    for p in grouping.placed:
        by_group.setdefault(p.group, []).append(p)
    nodes: list[RelateNode] = []
    index: dict[str, int] = {}

    def add(p: Placed | None, node: Node) -> int:
        if node.key not in index:
            m = Mobius.identity() if p is None else p.to_group
            index[node.key] = len(nodes)
            nodes.append(RelateNode(key=node.key, a=list(node.pcf.a), b=list(node.pcf.b), conjecture_id=node.conjecture_id,
                                    point=None if node.point is None else node.point.as_dict(), delta=node.delta,
                                    group=-1 if p is None else p.group, to_group=[m.c0, m.c1, m.c2, m.c3]))
        return index[node.key]

    where = {p.node.key: p for p in grouping.placed}
    for node, _ in formulas:
        add(where.get(node.key), node)
    pairs: list[tuple[int, int]] = []
    blocks: list[tuple[int, int]] = []
    for group in sorted(by_group):
        members = by_group[group]
        found = candidate_pairs(members, max_fold)
        RELATE_PAIRS.check(len(pairs) + len(found), "candidate pairs")
        for start in range(0, len(found), BLOCK_PAIRS):
            chunk = found[start : start + BLOCK_PAIRS]
            blocks.append((len(pairs), len(pairs) + len(chunk)))
            pairs.extend((add(members[pr.i], members[pr.i].node), add(members[pr.j], members[pr.j].node)) for pr in chunk)
    say(f"{len(pairs):,} candidate pairs in {len(blocks):,} blocks ({time.perf_counter() - started:.1f} s)")
    data = {
        "kind": "relate", "name": "relate " + ", ".join(map(str, dict.fromkeys(search_ids))), "searches": list(dict.fromkeys(search_ids)),
        "fields": names, "max_fold": max_fold, "max_degree": max_degree, "digits": digits,
        "groups": [g.label for g in grouping.groups], "nodes": [n.model_dump() for n in nodes], "pairs": pairs, "blocks": blocks,
        "unsettled": unsettled,
    }
    return validate(RelateSpec, data, "relate")


# --- the graph, from the store ------------------------------------------------------------------


def edge_json(edge: EdgeRow) -> dict[str, Any]:
    """An edge as ``relate --json`` prints it: the node ids, the certificate, and a field's
    trajectory when the ``to`` node is one."""
    out: dict[str, Any] = {"from_id": edge.from_id, "to_id": edge.to_id, **edge.certificate}
    if edge.to_field:
        out.update({k: edge.to_field.get(k) for k in ("field", "trajectory", "start", "parameters")})
    return out


@dataclass(frozen=True, slots=True)
class GraphReport(Plain):
    """What ``relate SEARCH_ID --json`` prints (its first six fields are the command line's contract)."""

    formulas: int
    pairs_tried: int
    edges: list[dict[str, Any]]
    classes: list[GraphClass]
    related: int
    unified: int
    search_id: int = 0
    pairs: int = 0
    groups: int = 0
    field_nodes: int = 0
    status: str = "done"
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def graph_report(store: Store, search_id: int, spec: RelateSpec, *, status: str = "done", seconds: float = 0.0,
                 errors: Sequence[str] = ()) -> GraphReport:
    """The graph a relate search stored: edges, classes, and how many formulas are related or unified."""
    from ...equivalence.graph import graph_classes

    edges = store.edges(search_id=search_id)
    keys = [n.key for n in spec.nodes if n.conjecture_id is not None]
    classes = graph_classes(keys, edges)
    row = store.search(search_id)
    counters = (row.counters if row is not None else {}) or {}
    related = sum(len(c.members) for c in classes if len(c.members) > 1 or c.fields)
    unified = sum(len(c.members) for c in classes if c.fields)
    return GraphReport(
        formulas=len(keys), pairs_tried=int(counters.get("tried", 0)), edges=[edge_json(e) for e in edges], classes=classes,
        related=related, unified=unified, search_id=search_id, pairs=len(spec.pairs), groups=len(spec.groups),
        field_nodes=sum(1 for n in spec.nodes if n.point is not None), status=status, seconds=seconds, errors=list(errors),
    )


# --- re-checking -----------------------------------------------------------------------------------


def _node_failure(store: Store, conjecture_id: int | None, field_point: dict[str, Any] | None, pcf: PCF, side: str) -> str | None:
    """Why a certificate's ``side`` PCF is not the node the edge names, or None."""
    if conjecture_id is not None:
        detail = store.get_conjecture(conjecture_id)
        if detail is None or not detail.conjecture.a or not detail.conjecture.b:
            return f"{side}: conjecture {conjecture_id} is not stored with a PCF"
        if PCF.parse(detail.conjecture.a, detail.conjecture.b) != pcf:
            return f"{side}: the certificate's PCF {pcf} is not conjecture {conjecture_id}'s"
        return None
    if field_point:
        from fractions import Fraction

        from ...cmf.companion import trajectory_pcf
        from ...cmf.known import known_field
        from ...cmf.trajectory import trajectory_matrix

        try:
            params = {k: Fraction(v) for k, v in dict(field_point.get("parameters") or {}).items()}
            cmf = known_field(str(field_point["field"]), **params)
            tp = trajectory_pcf(trajectory_matrix(cmf, tuple(int(t) for t in field_point["trajectory"]),
                                                  tuple(Fraction(s) for s in field_point["start"])))
        except (BrounckerError, KeyError, ValueError, TypeError) as exc:
            return f"{side}: the field's trajectory cannot be rebuilt ({exc})"
        if tp.pcf != pcf:
            return f"{side}: the certificate's PCF {pcf} is not the trajectory's PCF {tp.pcf}"
        return None
    return f"{side}: the edge names no node"


def edge_failure(store: Store, edge: EdgeRow) -> str | None:
    """Why a stored edge's certificate does not hold, or None: the certificate read and checked
    exactly (:meth:`~brouncker.equivalence.certificate.Certificate.failure`), and its two PCFs
    those of the nodes the edge names."""
    from ...equivalence.certificate import Certificate
    from ...errors import CertificateError

    try:
        cert = Certificate.from_dict(edge.certificate)
    except CertificateError as exc:
        return str(exc)
    why = cert.failure()
    if why is not None:
        return why
    return (_node_failure(store, edge.from_id, None, cert.from_pcf, "from")
            or _node_failure(store, edge.to_id, edge.to_field, cert.to_pcf, "to"))


def check_edges(store: Store, search_id: int) -> tuple[int, tuple[EdgeRow, str] | None]:
    """Re-check the stored edges of relate search ``search_id`` (or, for any other search, the
    edges touching its conjectures): how many were checked, and the first that fails with why."""
    row = store.search(search_id)
    if row is None:
        raise StoreError(f"no search with id {search_id}")
    edges = store.edges(search_id=search_id) if (row.spec or {}).get("kind") == "relate" else store.edges_of_search(search_id)
    for count, edge in enumerate(edges, 1):
        why = edge_failure(store, edge)
        if why is not None:
            return count, (edge, why)
    return len(edges), None


KIND: Kind[RelateSpec, RelateTask] = Kind(
    name="relate",
    spec_model=RelateSpec,
    unit="pairs",
    count_keys=COUNT_KEYS,
    summary=SUMMARY,
    plan=plan_relate,
    tasks=relate_tasks,
    work=run_relate_shard,
)
