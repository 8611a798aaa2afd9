"""Reading a search for clustering, and writing a clustering back (clusters, labels,
new conjectures, families). Kept apart from the repository: it is the one place where
the store meets :mod:`brouncker.clustering.cluster`.

>>> from brouncker.store import open_store
>>> store = open_store("sqlite://")
>>> clustering_points(store, 1)
[]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from ..clustering.cluster import Clustering
from ..clustering.points import Point
from ..clustering.values import RECHECK_DIGITS
from ..records import ConjectureRecord
from .repository import Store, cluster_t, conj_t, metrics_t, pcf_t

CLUSTER_SOURCE = "cluster"  # data.source of the conjectures a clustering adds


def _deepest(store: Store, search_id: int) -> Iterator[tuple[Any, ...]]:
    """(pcf id, key, a, b, dynamics) of every PCF first found by the search, deepest record."""
    stmt = (
        sa.select(pcf_t.c.id, pcf_t.c.canonical_key, pcf_t.c.a, pcf_t.c.b, metrics_t.c.depth, metrics_t.c.dynamics)
        .join(metrics_t, metrics_t.c.pcf_id == pcf_t.c.id)
        .where(pcf_t.c.first_search_id == int(search_id))
        .order_by(pcf_t.c.id, metrics_t.c.depth)
    )
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=5000).execute(stmt)
        last: tuple[Any, ...] | None = None
        for row in result:
            if last is not None and last[0] != row[0]:
                yield last
            last = tuple(row)
        if last is not None:
            yield last


def identifications(store: Store, pcf_ids: Sequence[int] | None = None) -> dict[int, list[dict[str, Any]]]:
    """PCF id -> its PCF conjectures (id, expression, constants), leaving out those a
    clustering added (so a second clustering sees the same anchors as the first)."""
    stmt = sa.select(conj_t.c.id, conj_t.c.pcf_id, conj_t.c.expression, conj_t.c.constants, conj_t.c.data).where(
        conj_t.c.kind == "pcf", conj_t.c.pcf_id.is_not(None)
    )
    out: dict[int, list[dict[str, Any]]] = {}
    with store.engine.connect() as conn:
        for cid, pid, expression, constants, data in conn.execute(stmt.order_by(conj_t.c.id)):
            if isinstance(data, dict) and data.get("source") == CLUSTER_SOURCE:
                continue
            out.setdefault(int(pid), []).append({"id": int(cid), "expression": expression, "constants": tuple(constants or ())})
    if pcf_ids is not None:
        wanted = set(pcf_ids)
        out = {k: v for k, v in out.items() if k in wanted}
    return out


def clustering_points(store: Store, search_id: int) -> list[Point]:
    """Every PCF of a search that has a dynamics record, as a :class:`~brouncker.clustering.cluster.Point`
    carrying its identification (the one with the fewest constants) when it has one."""
    known = identifications(store)
    points: list[Point] = []
    for pid, key, a, b, depth, dynamics in _deepest(store, search_id):
        dyn = dict(dynamics or {})
        if dyn.get("digits_per_term") is None and dyn.get("digits") is not None and depth:
            dyn["digits_per_term"] = float(dyn["digits"]) / float(depth)
        ids = known.get(int(pid), [])
        best = min(ids, key=lambda r: (len(r["constants"]) == 0, len(r["constants"]), len(r["expression"]), r["id"])) if ids else None
        points.append(
            Point.from_metrics(
                key, tuple(a), tuple(b), dyn,
                expression=None if best is None else best["expression"],
                constants=() if best is None else best["constants"],
                pcf_id=int(pid), conjecture_ids=tuple(r["id"] for r in ids),
            )
        )
    return points


def new_conjectures(clustering: Clustering, points: Sequence[Point], search_id: int) -> list[ConjectureRecord]:
    """Conjectures the clustering found: members newly related (and confirmed) to a bank
    constant, and families. Their ``data.source`` is ``"cluster"``."""
    by_key = {p.key: p for p in points}
    out: list[ConjectureRecord] = []
    for c in clustering.clusters:
        if not c.constants or c.reference is None:
            continue
        for r in c.relations:
            p = by_key.get(r.key)
            if p is None or not r.confirmed or not r.new:
                continue
            out.append(
                ConjectureRecord(
                    kind="pcf", expression=r.expression, constants=r.constants or c.constants, relation=r.relation,
                    digits=RECHECK_DIGITS, canonical_key=p.key, a=p.a, b=p.b, delta=p.feature("delta_fr"),
                    data={"source": CLUSTER_SOURCE, "cluster_label": c.label, "reference": c.reference,
                          "basis": ["1", "x", "y", "x*y"], "x": c.reference, "y": "limit"},
                    search_id=search_id,
                )
            )
    for f in clustering.families:
        cluster = clustering.clusters[f.cluster]
        key = "family:" + ",".join(map(str, f.base)) + "|" + ",".join(map(str, f.step)) + f"|{f.a_length}"
        out.append(
            ConjectureRecord(
                kind="pcf", expression=f.text, constants=cluster.constants,
                relation=tuple(c for p in f.recurrence for c in p), digits=RECHECK_DIGITS, canonical_key=key,
                data={"source": CLUSTER_SOURCE, "family": f.as_dict()}, search_id=search_id,
            )
        )
    return out


def save_clustering(store: Store, search_id: int, clustering: Clustering, points: Sequence[Point]) -> dict[str, Any]:
    """Write what a clustering found: its new conjectures, then the clusters with every
    PCF's and conjecture's cluster (earlier clusters of the search are replaced).
    Returns counts and the new cluster ids, in the order of ``clustering.clusters``."""
    records = new_conjectures(clustering, points, search_id)
    written = store.write_records(conjectures=records, search_id=search_id) if records else None
    position = clustering.assignments()
    by_key = {p.key: p for p in points}
    pcf_assignments = {p.pcf_id: position.get(p.key) for p in points if p.pcf_id is not None}
    family_keys = {
        "family:" + ",".join(map(str, f.base)) + "|" + ",".join(map(str, f.step)) + f"|{f.a_length}": f.cluster
        for f in clustering.families
    }
    assignments: dict[int, int | None] = {}
    with store.engine.connect() as conn:
        # conjectures are few next to PCFs: read them all and keep those of clustered PCFs
        stmt = sa.select(conj_t.c.id, conj_t.c.canonical_key).where(conj_t.c.canonical_key.is_not(None))
        for cid, key in conn.execute(stmt):
            if key in by_key:
                assignments[int(cid)] = position.get(key)
        if family_keys:
            stmt = sa.select(conj_t.c.id, conj_t.c.canonical_key).where(conj_t.c.canonical_key.in_(sorted(family_keys)))
            for cid, key in conn.execute(stmt):
                assignments[int(cid)] = family_keys[key]
    rows = []
    for c in clustering.clusters:
        description = {k: v for k, v in c.as_dict().items() if k not in ("members", "relations")}
        description["relations"] = [r.as_dict() for r in c.relations[:50]]
        description["families"] = [f.as_dict() for f in clustering.families if f.cluster == c.index]
        rows.append({"plane": c.plane, "label": c.label, "size": c.size, "anchor": c.anchor,
                     "is_candidate": c.is_candidate, "description": description})
    ids = store.save_clusters(search_id, rows, assignments, pcf_assignments)
    return {
        "clusters": len(ids), "cluster_ids": ids, "conjectures_added": 0 if written is None else written.conjectures,
        "conjectures_assigned": sum(1 for v in assignments.values() if v is not None),
        "pcfs_assigned": sum(1 for v in pcf_assignments.values() if v is not None),
    }


def plot_points(store: Store, search_id: int) -> list[dict[str, Any]]:
    """Every PCF of a search with a dynamics record: its features and its cluster id
    (deepest record; what the report's scatter plots draw)."""
    stmt = (
        sa.select(pcf_t.c.id, pcf_t.c.cluster_id, metrics_t.c.depth, metrics_t.c.delta_fr, metrics_t.c.c,
                  metrics_t.c.d, metrics_t.c.gamma, metrics_t.c.eta)
        .join(metrics_t, metrics_t.c.pcf_id == pcf_t.c.id)
        .where(pcf_t.c.first_search_id == int(search_id))
        .order_by(pcf_t.c.id, metrics_t.c.depth)
    )
    out: dict[int, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for pid, cid, _depth, delta_fr, c, d, gamma, eta in conn.execution_options(stream_results=True, yield_per=5000).execute(stmt):
            out[int(pid)] = {"pcf_id": int(pid), "cluster": cid, "delta_fr": delta_fr, "c": c, "d": d, "gamma": gamma, "eta": eta}
    return list(out.values())


def cluster_labels(store: Store, search_id: int) -> dict[int, str]:
    """Cluster id -> label, for a search."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(cluster_t.c.id, cluster_t.c.label).where(cluster_t.c.search_id == int(search_id)))
        return {int(i): str(label) for i, label in rows}


def conjecture_data(store: Store, search_id: int) -> dict[int, Any]:
    """Conjecture id -> its ``data`` JSON, for the conjectures of a search."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(conj_t.c.id, conj_t.c.data).where(conj_t.c.search_id == int(search_id)))
        return {int(i): data for i, data in rows}
