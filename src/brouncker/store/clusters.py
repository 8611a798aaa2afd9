"""Reading a search for clustering, and writing a clustering back: the one place where the
store meets :mod:`brouncker.clustering`.

Everything goes through the :class:`~brouncker.store.Store`'s typed API (its
transactions and one-line errors); the conjecture records of a clustering are built by
:mod:`brouncker.clustering.conjectures`.

>>> from brouncker.store import open_store
>>> store = open_store("sqlite://")
>>> clustering_points(store, 1)
[]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..clustering.cluster import Clustering
from ..clustering.conjectures import CLUSTER_SOURCE, clustering_conjectures, family_key
from ..clustering.points import Point
from ..plain import Plain
from .repository import Store
from .rows import NewCluster, PCFConjecture

CLUSTER_RELATIONS_KEPT = 50  # member relations kept in a stored cluster's description (the rest: brouncker cluster --json)


@dataclass(frozen=True, slots=True)
class SavedClustering(Plain):
    """What :func:`save_clustering` wrote: the new cluster ids (in the clustering's
    order), the conjectures it added, and how many conjectures and PCFs got a cluster."""

    clusters: int
    cluster_ids: tuple[int, ...]
    conjectures_added: int
    conjectures_assigned: int
    pcfs_assigned: int


def _best(identified: Sequence[PCFConjecture]) -> PCFConjecture | None:
    """The identification a point carries: the one with the fewest constants (a formula for
    a constant before a rational), then the shortest expression, then the oldest."""
    return min(identified, key=lambda r: (len(r.constants) == 0, len(r.constants), len(r.expression or ""), r.id), default=None)


def clustering_points(store: Store, search_id: int) -> list[Point]:
    """Every PCF of a search that has a dynamics record, as a :class:`Point` carrying its
    identification when it has one (conjectures a clustering added are left out, so that
    a second clustering sees the same anchors as the first)."""
    known: dict[int, list[PCFConjecture]] = {}
    for c in store.pcf_conjectures():
        if c.expression is None or (isinstance(c.data, dict) and c.data.get("source") == CLUSTER_SOURCE):
            continue
        known.setdefault(c.pcf_id, []).append(c)
    points: list[Point] = []
    for row in store.pcf_dynamics(search_id):
        dyn = dict(row.dynamics)
        if dyn.get("digits_per_term") is None and dyn.get("digits") is not None and row.depth:
            dyn["digits_per_term"] = float(dyn["digits"]) / float(row.depth)
        ids = known.get(row.pcf_id, [])
        best = _best(ids)
        points.append(
            Point.from_metrics(
                row.canonical_key, row.a, row.b, dyn,
                expression=None if best is None else best.expression,
                constants=() if best is None else best.constants,
                pcf_id=row.pcf_id, conjecture_ids=tuple(r.id for r in ids),
            )
        )
    return points


def save_clustering(store: Store, search_id: int, clustering: Clustering, points: Sequence[Point]) -> SavedClustering:
    """Write what a clustering found: its new conjectures, then the clusters with every
    PCF's and conjecture's cluster (earlier clusters of the search are replaced)."""
    records = clustering_conjectures(clustering, points, search_id)
    added = store.write_records(conjectures=records, search_id=search_id).conjectures if records else 0
    position = clustering.assignments()
    clustered = {p.key for p in points}
    pcf_assignments = {p.pcf_id: position.get(p.key) for p in points if p.pcf_id is not None}
    families = {family_key(f): f.cluster for f in clustering.families}
    assignments: dict[int, int | None] = {}
    for cid, key in store.conjecture_keys():
        if key in clustered:
            assignments[cid] = position.get(key)
        elif key in families:
            assignments[cid] = families[key]
    clusters = []
    for c in clustering.clusters:
        description = {k: v for k, v in c.as_dict().items() if k not in ("members", "relations")}
        description["relations"] = [r.as_dict() for r in c.relations[:CLUSTER_RELATIONS_KEPT]]
        description["families"] = [f.as_dict() for f in clustering.families if f.cluster == c.index]
        clusters.append(NewCluster(plane=c.plane, label=c.label, size=c.size, anchor=c.anchor, is_candidate=c.is_candidate,
                                   description=description))
    ids = store.save_clusters(search_id, clusters, assignments, pcf_assignments)
    return SavedClustering(
        clusters=len(ids), cluster_ids=tuple(ids), conjectures_added=added,
        conjectures_assigned=sum(1 for v in assignments.values() if v is not None),
        pcfs_assigned=sum(1 for v in pcf_assignments.values() if v is not None),
    )
