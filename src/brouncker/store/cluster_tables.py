"""Clusters in the store: the ``cluster`` table, every PCF's and conjecture's cluster,
and the per-PCF rows that clustering and the report read (deepest dynamics record,
features, identifications).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from ..errors import StoreError
from ..printing import polynomial_text
from ..records import ConjectureKind, json_safe
from .base import DB_INT_MAX, StoreBase, chunks, cluster_t, conj_t, db_errors, in_range, metrics_t, new_id, pcf_t
from .queries import cluster_row
from .rows import ClusterMember, ClusterRow, NewCluster, PCFConjecture, PCFDynamics, PCFFeatures

STREAM_ROWS = 5000  # rows fetched at a time when a search's PCFs are streamed


class ClusterTables(StoreBase):
    """Save and read the clusters of a search, and the PCF rows clustering needs."""

    @db_errors
    def save_clusters(
        self,
        search_id: int,
        clusters: Sequence[NewCluster],
        assignments: Mapping[int, int | None],
        pcf_assignments: Mapping[int, int | None] | None = None,
    ) -> list[int]:
        """Replace the clusters of a search, in one transaction.

        ``assignments`` maps a conjecture id to the position of its cluster in
        ``clusters`` (None: noise); ``pcf_assignments`` does the same for PCF ids. A
        cluster's ``size`` None counts the conjectures assigned to it. Returns the new
        cluster ids, in the order of ``clusters``. Earlier clusters of the search are
        deleted.
        """
        pcf_assignments = pcf_assignments or {}
        for pos in [*assignments.values(), *pcf_assignments.values()]:
            if pos is not None and not 0 <= pos < len(clusters):
                raise StoreError(f"cluster position {pos} is out of range (there are {len(clusters)} clusters)")
        sizes: dict[int, int] = {}
        for pos in assignments.values():
            if pos is not None:
                sizes[pos] = sizes.get(pos, 0) + 1
        with self._write() as conn:
            old = sa.select(cluster_t.c.id).where(cluster_t.c.search_id == search_id)
            conn.execute(sa.update(conj_t).where(conj_t.c.cluster_id.in_(old)).values(cluster_id=None))
            conn.execute(sa.update(pcf_t).where(pcf_t.c.cluster_id.in_(old)).values(cluster_id=None))
            conn.execute(sa.delete(cluster_t).where(cluster_t.c.search_id == search_id))
            ids: list[int] = []
            for pos, c in enumerate(clusters):
                result = conn.execute(
                    sa.insert(cluster_t).values(
                        search_id=search_id,
                        plane=c.plane,
                        label=c.label,
                        size=sizes.get(pos, 0) if c.size is None else int(c.size),
                        anchor=c.anchor,
                        is_candidate=bool(c.is_candidate),
                        description=None if c.description is None else json_safe(c.description),
                    )
                )
                ids.append(new_id(result))
            for table, mapping in ((conj_t, assignments), (pcf_t, pcf_assignments)):
                rows = [{"row_id": int(k), "cid": ids[v]} for k, v in mapping.items() if v is not None]
                if rows:
                    stmt = sa.update(table).where(table.c.id == sa.bindparam("row_id")).values(cluster_id=sa.bindparam("cid"))
                    conn.execute(stmt, rows)
            return ids

    @db_errors
    def clusters(self, search_id: int) -> list[ClusterRow]:
        """The clusters of a search, in id order."""
        if not in_range(search_id):
            return []
        with self._read() as conn:
            rows = conn.execute(sa.select(cluster_t).where(cluster_t.c.search_id == search_id).order_by(cluster_t.c.id))
            return [cluster_row(c) for c in rows]

    @db_errors
    def cluster(self, cluster_id: int) -> ClusterRow | None:
        """One cluster, or None when there is no such id."""
        if not in_range(cluster_id):
            return None
        with self._read() as conn:
            row = conn.execute(sa.select(cluster_t).where(cluster_t.c.id == cluster_id)).first()
            return None if row is None else cluster_row(row)

    @db_errors
    def cluster_members(self, cluster_id: int, limit: int | None = None) -> list[ClusterMember]:
        """The PCFs assigned to a cluster, in id order (at most ``limit``), each with what
        its deepest dynamics record says."""
        if not in_range(cluster_id):
            return []
        stmt = sa.select(pcf_t).where(pcf_t.c.cluster_id == cluster_id).order_by(pcf_t.c.id)
        if limit is not None:
            stmt = stmt.limit(max(0, min(limit, DB_INT_MAX)))
        with self._read() as conn:
            pcfs = conn.execute(stmt).all()
            deepest: dict[int, Any] = {}
            ids = [p.id for p in pcfs]
            for chunk in chunks(ids):
                records = sa.select(metrics_t.c.pcf_id, metrics_t.c.limit, metrics_t.c.delta_fr, metrics_t.c.convergence).where(
                    metrics_t.c.pcf_id.in_(chunk)).order_by(metrics_t.c.pcf_id, metrics_t.c.depth)
                deepest.update((r.pcf_id, r) for r in conn.execute(records))  # the deepest record comes last
        out = []
        for p in pcfs:
            m = deepest.get(p.id)
            out.append(ClusterMember(int(p.id), str(p.canonical_key), polynomial_text(p.a) or "", polynomial_text(p.b) or "",
                                     None if m is None else m.limit, None if m is None else m.delta_fr,
                                     None if m is None else m.convergence))
        return out

    @db_errors
    def pcf_dynamics(self, search_id: int) -> Iterator[PCFDynamics]:
        """Every PCF first found by a search that has a dynamics record, with its deepest
        record, in PCF id order (streamed: a search may hold many)."""
        if not in_range(search_id):
            return
        stmt = (
            sa.select(pcf_t.c.id, pcf_t.c.canonical_key, pcf_t.c.a, pcf_t.c.b, metrics_t.c.depth, metrics_t.c.dynamics)
            .join(metrics_t, metrics_t.c.pcf_id == pcf_t.c.id)
            .where(pcf_t.c.first_search_id == search_id)
            .order_by(pcf_t.c.id, metrics_t.c.depth)
        )
        with self._read() as conn:
            last = None
            for row in conn.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(stmt):
                if last is not None and last.id != row.id:
                    yield _dynamics(last)
                last = row
            if last is not None:
                yield _dynamics(last)

    @db_errors
    def pcf_features(self, search_id: int) -> list[PCFFeatures]:
        """The features of the deepest dynamics record of every PCF first found by a
        search, with the PCF's cluster (what the report's scatter plots draw)."""
        if not in_range(search_id):
            return []
        stmt = (
            sa.select(pcf_t.c.id, pcf_t.c.cluster_id, metrics_t.c.delta_fr, metrics_t.c.c, metrics_t.c.d, metrics_t.c.gamma,
                      metrics_t.c.eta)
            .join(metrics_t, metrics_t.c.pcf_id == pcf_t.c.id)
            .where(pcf_t.c.first_search_id == search_id)
            .order_by(pcf_t.c.id, metrics_t.c.depth)
        )
        out: dict[int, PCFFeatures] = {}
        with self._read() as conn:
            for pid, cid, delta_fr, c, d, gamma, eta in conn.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(stmt):
                out[int(pid)] = PCFFeatures(int(pid), cid, delta_fr, c, d, gamma, eta)  # the deepest record comes last
        return list(out.values())

    @db_errors
    def pcf_conjectures(self) -> list[PCFConjecture]:
        """Every PCF conjecture stored with its PCF, in id order (conjectures are few next to PCFs)."""
        stmt = (
            sa.select(conj_t.c.id, conj_t.c.pcf_id, conj_t.c.expression, conj_t.c.constants, conj_t.c.data)
            .where(conj_t.c.kind == ConjectureKind.PCF.value, conj_t.c.pcf_id.is_not(None))
            .order_by(conj_t.c.id)
        )
        with self._read() as conn:
            return [PCFConjecture(int(cid), int(pid), expression, tuple(constants or ()), data)
                    for cid, pid, expression, constants, data in conn.execute(stmt)]

    @db_errors
    def conjecture_keys(self) -> list[tuple[int, str]]:
        """``(conjecture id, canonical key)`` of every conjecture that has a key."""
        with self._read() as conn:
            stmt = sa.select(conj_t.c.id, conj_t.c.canonical_key).where(conj_t.c.canonical_key.is_not(None)).order_by(conj_t.c.id)
            return [(int(cid), str(key)) for cid, key in conn.execute(stmt)]


def _dynamics(row: Any) -> PCFDynamics:
    return PCFDynamics(int(row.id), str(row.canonical_key), tuple(int(c) for c in row.a), tuple(int(c) for c in row.b),
                       int(row.depth), dict(row.dynamics or {}))
