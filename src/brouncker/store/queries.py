"""Reading conjectures: filtered and sorted lists of rows (``brouncker query``), and the
detail of one conjecture or of every conjecture of a search (``show``, the report).

An id or number beyond the database's 64-bit integers names no row: a lookup of one
finds nothing rather than failing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..errors import BrounckerError, StoreError
from ..pcf.polynomial import format_polynomial
from ..records import ConjectureKind, ConjectureStatus, DeltaKind, Verdict
from .base import (
    DB_INT_MAX,
    StoreBase,
    choice,
    chunks,
    cluster_t,
    cmf_link_t,
    conj_t,
    constant_t,
    db_errors,
    in_range,
    link_t,
    metrics_t,
    pcf_t,
    search_t,
    shard_t,
    verification_t,
)
from .rows import ClusterRow, ConjectureDetail, ConjectureRow, MetricsRow, PCFRow, VerificationRow

SORT_COLUMNS = {
    "id": conj_t.c.id,
    "kind": conj_t.c.kind,
    "expression": conj_t.c.expression,
    "digits": conj_t.c.digits,
    "delta": conj_t.c.delta,
    "delta_kind": conj_t.c.delta_kind,
    "status": conj_t.c.status,
    "cluster": conj_t.c.cluster_id,
    "search": conj_t.c.search_id,
    "search_id": conj_t.c.search_id,
    "degree": conj_t.c.degree,
    "canonical_key": conj_t.c.canonical_key,
    "created": conj_t.c.created_at,
}
"""Fields ``query`` sorts on; prefix ``-`` for descending order (``-delta``)."""


def poly_text(coeffs: Sequence[int] | None) -> str | None:
    """Stored coefficients as polynomial text, as the command line prints them.

    >>> poly_text([2, 1]), poly_text(None)
    ('2n + 1', None)
    """
    return None if coeffs is None else format_polynomial(tuple(int(c) for c in coeffs))


def constant_names(text: str) -> tuple[str, ...]:
    """Bank names in a ``--constant`` filter: ``zeta(3)`` means ``zeta3``; text that does
    not parse is matched literally (and so matches nothing).

    >>> constant_names("6/zeta(3)"), constant_names("no such thing")
    (('zeta3',), ('no such thing',))
    """
    from ..constants import parse_constant

    try:
        names = parse_constant(text).names
    except BrounckerError:
        return (text,)
    return names or (text,)


def conjecture_row(r: Row[Any]) -> ConjectureRow:
    """The typed row of a ``conjecture`` table row."""
    return ConjectureRow(
        id=r.id,
        kind=ConjectureKind(r.kind),
        a=poly_text(r.a),
        b=poly_text(r.b),
        expression=r.expression,
        digits=r.digits,
        delta=r.delta,
        status=ConjectureStatus(r.status),
        cluster=r.cluster_id,
        search_id=r.search_id,
        canonical_key=r.canonical_key,
        delta_kind=None if r.delta_kind is None else DeltaKind(r.delta_kind),
        candidate=bool(r.candidate),
    )


def cluster_row(c: Row[Any]) -> ClusterRow:
    """The typed row of a ``cluster`` table row."""
    return ClusterRow(id=c.id, search_id=c.search_id, plane=c.plane, label=c.label, size=c.size, anchor=c.anchor,
                      is_candidate=bool(c.is_candidate), description=c.description)


def _delta_bound(value: float | None, what: str) -> float | None:
    if value is None:
        return None
    x = float(value)
    if math.isnan(x):
        raise StoreError(f"{what} must be a number, not {value}")
    return x


class ConjectureQueries(StoreBase):
    """Filter, sort and read conjectures, with everything stored about them."""

    @db_errors
    def counts(self) -> dict[str, int]:
        """Rows per table."""
        tables = [constant_t, search_t, shard_t, pcf_t, metrics_t, conj_t, link_t, verification_t, cluster_t, cmf_link_t]
        with self._read() as conn:
            return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in tables}

    @db_errors
    def query(
        self,
        constant: str | None = None,
        search: int | None = None,
        kind: ConjectureKind | str | None = None,
        status: ConjectureStatus | str | None = None,
        cluster: int | str | None = None,
        min_delta: float | None = None,
        max_delta: float | None = None,
        degree: int | None = None,
        sort: str | None = None,
        limit: int | None = None,
        candidate: bool | None = None,
    ) -> list[ConjectureRow]:
        """Conjectures that pass every filter given.

        ``constant`` is a bank name (``zeta3`` or ``zeta(3)``; an expression means all of
        its constants); ``cluster`` a cluster id, or a cluster label; ``degree`` the PCF's
        degree, max(deg a, deg b); ``candidate`` True for values no bank constant explains
        only, False for the others; ``sort`` a field of :data:`SORT_COLUMNS`, ``-field``
        for descending order (missing values last); the default is by id. An unknown
        kind, status or sort field, a NaN bound, and a limit outside 0 … 2⁶³−1 are
        refused with a :class:`StoreError`.
        """
        stmt = sa.select(conj_t)
        if constant is not None:
            for name in constant_names(constant):
                users = (
                    sa.select(link_t.c.conjecture_id)
                    .join(constant_t, constant_t.c.id == link_t.c.constant_id)
                    .where(constant_t.c.name == name)
                )
                stmt = stmt.where(conj_t.c.id.in_(users))
        nothing = False  # a filter on a number no row can hold
        if search is not None:
            nothing |= not in_range(search)
            stmt = stmt.where(conj_t.c.search_id == search)
        if kind is not None:
            stmt = stmt.where(conj_t.c.kind == choice(ConjectureKind, kind, "conjecture kind").value)
        if status is not None:
            stmt = stmt.where(conj_t.c.status == self._status_filter(status).value)
        if candidate is not None:
            stmt = stmt.where(conj_t.c.candidate.is_(sa.true() if candidate else sa.false()))
        if cluster is not None:
            text = str(cluster).strip()
            if text.isascii() and text.isdigit():
                nothing |= not in_range(int(text))
                stmt = stmt.where(conj_t.c.cluster_id == int(text))
            else:
                labelled = sa.select(cluster_t.c.id).where(cluster_t.c.label == text)
                stmt = stmt.where(conj_t.c.cluster_id.in_(labelled))
        low, high = _delta_bound(min_delta, "the lowest delta"), _delta_bound(max_delta, "the highest delta")
        if low is not None:
            stmt = stmt.where(conj_t.c.delta >= low)
        if high is not None:
            stmt = stmt.where(conj_t.c.delta <= high)
        if degree is not None:
            nothing |= not in_range(degree)
            stmt = stmt.where(conj_t.c.degree == degree)
        stmt = stmt.order_by(*self._ordering(sort))
        if limit is not None:
            if not 0 <= limit <= DB_INT_MAX:
                raise StoreError(f"the query limit must be between 0 and {DB_INT_MAX}, not {limit}")
            stmt = stmt.limit(limit)
        if nothing:
            return []
        with self._read() as conn:
            return [conjecture_row(r) for r in conn.execute(stmt)]

    @staticmethod
    def _status_filter(status: ConjectureStatus | str) -> ConjectureStatus:
        if str(status) == "candidate":
            raise StoreError("'candidate' is not a conjecture status (conjectured, verified, refuted): "
                             "values no bank constant explains are candidates; ask for them with --candidates")
        return choice(ConjectureStatus, status, "conjecture status")

    @staticmethod
    def _ordering(sort: str | None) -> list[Any]:
        if not sort:
            return [conj_t.c.id]
        field = sort.strip()
        descending = field.startswith("-")
        field = field.lstrip("-+")
        if field not in SORT_COLUMNS:
            raise StoreError(f"cannot sort on {sort!r}: choose one of {', '.join(SORT_COLUMNS)} (prefix - for descending)")
        column = SORT_COLUMNS[field]
        primary = (column.desc() if descending else column.asc()).nulls_last()
        return [primary, conj_t.c.id]

    @db_errors
    def get_conjecture(self, conjecture_id: int) -> ConjectureDetail | None:
        """One conjecture with everything known about it, or None when there is no such id."""
        if not in_range(conjecture_id):
            return None
        with self._read() as conn:
            rows = conn.execute(sa.select(conj_t).where(conj_t.c.id == conjecture_id)).all()
            details = self._details(conn, rows)
        return details[0] if details else None

    @db_errors
    def conjecture_details(self, search_id: int) -> list[ConjectureDetail]:
        """Every conjecture of a search, in id order, with everything known about it."""
        if not in_range(search_id):
            return []
        with self._read() as conn:
            rows = conn.execute(sa.select(conj_t).where(conj_t.c.search_id == search_id).order_by(conj_t.c.id)).all()
            return self._details(conn, rows)

    def _details(self, conn: Connection, rows: Sequence[Row[Any]]) -> list[ConjectureDetail]:
        """The details of ``rows`` of the conjecture table: their PCFs, metrics,
        verifications and clusters, read in a few batched lookups."""
        pcf_ids = sorted({r.pcf_id for r in rows if r.pcf_id is not None})
        pcfs: dict[int, PCFRow] = {}
        metrics: dict[int, list[MetricsRow]] = {}
        for chunk in chunks(pcf_ids):
            for p in conn.execute(sa.select(pcf_t).where(pcf_t.c.id.in_(chunk))):
                pcfs[p.id] = PCFRow(p.id, p.canonical_key, poly_text(p.a) or "", poly_text(p.b) or "", p.deg_a, p.deg_b, p.first_search_id)
            stmt = sa.select(metrics_t.c.pcf_id, metrics_t.c.depth, metrics_t.c.dynamics).where(metrics_t.c.pcf_id.in_(chunk))
            for pid, depth, dyn in conn.execute(stmt.order_by(metrics_t.c.pcf_id, metrics_t.c.depth)):
                metrics.setdefault(pid, []).append(MetricsRow(depth, dict(dyn or {})))
        verifications: dict[int, list[VerificationRow]] = {}
        for chunk in chunks([r.id for r in rows]):
            stmt = sa.select(verification_t).where(verification_t.c.conjecture_id.in_(chunk)).order_by(verification_t.c.id)
            for v in conn.execute(stmt):
                verifications.setdefault(v.conjecture_id, []).append(
                    VerificationRow(v.id, v.digits_requested, v.digits_agreed, v.depth, v.seconds, Verdict(v.verdict), v.created_at)
                )
        clusters = self._clusters_by_id(conn, {r.cluster_id for r in rows if r.cluster_id is not None})
        return [
            ConjectureDetail(
                conjecture=conjecture_row(r),
                value_key=r.value_key,
                degree=r.degree,
                constants=tuple(r.constants or ()),
                relation=tuple(int(c) for c in r.relation or ()),
                limit=r.limit,
                data=r.data,
                created_at=r.created_at,
                pcf=pcfs.get(r.pcf_id) if r.pcf_id is not None else None,
                metrics=tuple(metrics.get(r.pcf_id, ())) if r.pcf_id is not None else (),
                verifications=tuple(verifications.get(r.id, ())),
                cluster=clusters.get(r.cluster_id) if r.cluster_id is not None else None,
            )
            for r in rows
        ]

    @staticmethod
    def _clusters_by_id(conn: Connection, ids: Iterable[int]) -> dict[int, ClusterRow]:
        out: dict[int, ClusterRow] = {}
        for chunk in chunks(sorted(ids)):
            out.update({c.id: cluster_row(c) for c in conn.execute(sa.select(cluster_t).where(cluster_t.c.id.in_(chunk)))})
        return out
