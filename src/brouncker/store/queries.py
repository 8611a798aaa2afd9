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
from ..printing import polynomial_text
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
    edge_t,
    in_range,
    link_t,
    metrics_t,
    pcf_t,
    search_t,
    shard_t,
    source_t,
    verification_t,
)
from .rows import ClusterRow, ConjectureDetail, ConjectureFilter, ConjectureRow, MetricsRow, PCFRow, SourceRow, VerificationRow

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

FAMILY_KEY_PREFIX = "family:"
"""How the canonical key of a family conjecture begins (the key of its PCFs is ``a=…|b=…``)."""


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
        a=polynomial_text(r.a),
        b=polynomial_text(r.b),
        expression=r.expression,
        digits=r.digits,
        delta=r.delta,
        status=ConjectureStatus(r.status),
        cluster=r.cluster_id,
        search_id=r.search_id,
        canonical_key=r.canonical_key,
        delta_kind=None if r.delta_kind is None else DeltaKind(r.delta_kind),
        candidate=bool(r.candidate),
        limit=r.limit,
    )


def source_row(r: Any) -> SourceRow:
    """The typed row of a ``conjecture_source`` table row."""
    return SourceRow(
        conjecture_id=r.conjecture_id, search_id=r.search_id, line=r.line, a=r.a, b=r.b, value=r.value, source=r.source,
        verdict=None if r.verdict is None else Verdict(r.verdict), digits_agreed=r.digits_agreed,
    )


def cluster_row(c: Row[Any]) -> ClusterRow:
    """The typed row of a ``cluster`` table row."""
    return ClusterRow(id=c.id, search_id=c.search_id, plane=c.plane, label=c.label, size=c.size, anchor=c.anchor,
                      is_candidate=bool(c.is_candidate), description=c.description)


def family_members(data: Any) -> list[str] | None:
    """The member keys stored in a family conjecture's data, or None when it holds no family.

    >>> family_members({"family": {"members": ["a=1|b=1", "a=2|b=1"]}}), family_members({"source": "search"})
    (['a=1|b=1', 'a=2|b=1'], None)
    """
    family = data.get("family") if isinstance(data, dict) else None
    members = family.get("members") if isinstance(family, dict) else None
    return [str(m) for m in members] if isinstance(members, list) else None


def _paged(stmt: Any, limit: int | None, offset: int | None) -> Any:
    """``stmt`` with LIMIT and OFFSET, each checked to lie in 0 … 2⁶³−1."""
    for value, what in ((limit, "limit"), (offset, "offset")):
        if value is not None and not 0 <= value <= DB_INT_MAX:
            raise StoreError(f"the query {what} must be between 0 and {DB_INT_MAX}, not {value}")
    if limit is not None:
        stmt = stmt.limit(limit)
    if offset:
        stmt = stmt.offset(offset)
    return stmt


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
        tables = [constant_t, search_t, shard_t, pcf_t, metrics_t, conj_t, link_t, verification_t, cluster_t, cmf_link_t, source_t,
                  edge_t]
        with self._read() as conn:
            return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in tables}

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
        convergence: str | None = None,
        family: int | None = None,
        offset: int | None = None,
    ) -> list[ConjectureRow]:
        """Conjectures that pass every filter given (see :class:`ConjectureFilter`).

        ``sort`` is a field of :data:`SORT_COLUMNS`, ``-field`` for descending order
        (missing values last); the default is by id. ``offset`` skips that many rows
        first (a page of a list). An unknown kind, status, convergence type or sort
        field, a NaN bound, a family id that names no family, and a limit or offset
        outside 0 … 2⁶³−1 are refused with a :class:`StoreError`.
        """
        where = ConjectureFilter(constant=constant, search=search, kind=kind, status=status, cluster=cluster,
                                 min_delta=min_delta, max_delta=max_delta, degree=degree, candidate=candidate,
                                 convergence=convergence, family=family)
        return self.rows(where, sort=sort, limit=limit, offset=offset)

    @db_errors
    def rows(self, where: ConjectureFilter, sort: str | None = None, limit: int | None = None,
             offset: int | None = None) -> list[ConjectureRow]:
        """The conjecture rows that pass ``where``, sorted, a page of them when ``limit``
        and ``offset`` are given (see :meth:`query`)."""
        ordering = self._ordering(sort)
        with self._read() as conn:
            conditions = self._conditions(conn, where)
            if conditions is None:
                return []
            stmt = _paged(sa.select(conj_t).where(*conditions).order_by(*ordering), limit, offset)
            return [conjecture_row(r) for r in conn.execute(stmt)]

    @db_errors
    def count(self, where: ConjectureFilter) -> int:
        """How many conjectures pass ``where``."""
        with self._read() as conn:
            conditions = self._conditions(conn, where)
            if conditions is None:
                return 0
            return int(conn.execute(sa.select(sa.func.count()).select_from(conj_t).where(*conditions)).scalar_one())

    @db_errors
    def details(self, where: ConjectureFilter, sort: str | None = None, limit: int | None = None) -> list[ConjectureDetail]:
        """Everything known about the conjectures that pass ``where`` (read in batches)."""
        ordering = self._ordering(sort)
        with self._read() as conn:
            conditions = self._conditions(conn, where)
            if conditions is None:
                return []
            rows = conn.execute(_paged(sa.select(conj_t).where(*conditions).order_by(*ordering), limit, None)).all()
            return self._details(conn, rows)

    def _conditions(self, conn: Connection, where: ConjectureFilter) -> list[Any] | None:
        """The WHERE clauses of a filter (bound parameters only); None when no row can pass."""
        out: list[Any] = []
        nothing = False  # a filter on a number no row can hold
        if where.constant is not None:
            for name in constant_names(where.constant):
                users = (
                    sa.select(link_t.c.conjecture_id)
                    .join(constant_t, constant_t.c.id == link_t.c.constant_id)
                    .where(constant_t.c.name == name)
                )
                out.append(conj_t.c.id.in_(users))
        if where.search is not None:
            nothing |= not in_range(where.search)
            out.append(conj_t.c.search_id == where.search)
        if where.kind is not None:
            out.append(conj_t.c.kind == choice(ConjectureKind, where.kind, "conjecture kind").value)
        if where.status is not None:
            out.append(conj_t.c.status == self._status_filter(where.status).value)
        if where.candidate is not None:
            out.append(conj_t.c.candidate.is_(sa.true() if where.candidate else sa.false()))
        if where.cluster is not None:
            text = str(where.cluster).strip()
            if text.isascii() and text.isdigit():
                nothing |= not in_range(int(text))
                out.append(conj_t.c.cluster_id == int(text))
            else:
                labelled = sa.select(cluster_t.c.id).where(cluster_t.c.label == text)
                out.append(conj_t.c.cluster_id.in_(labelled))
        low, high = _delta_bound(where.min_delta, "the lowest delta"), _delta_bound(where.max_delta, "the highest delta")
        if low is not None:
            out.append(conj_t.c.delta >= low)
        if high is not None:
            out.append(conj_t.c.delta <= high)
        if where.degree is not None:
            nothing |= not in_range(where.degree)
            out.append(conj_t.c.degree == where.degree)
        if where.convergence is not None:
            from ..convergence.dynamics import CONVERGENCE_TYPES

            if where.convergence not in CONVERGENCE_TYPES:
                raise StoreError(f"unknown convergence type {where.convergence!r}: choose one of {', '.join(CONVERGENCE_TYPES)}")
            classified = sa.select(metrics_t.c.pcf_id).where(metrics_t.c.convergence == where.convergence)
            out.append(conj_t.c.pcf_id.in_(classified))
        if where.family is not None:
            members = self._family_members(conn, where.family)
            out.append(conj_t.c.canonical_key.in_(members))
        return None if nothing else out

    def _family_members(self, conn: Connection, family_id: int) -> list[str]:
        """The canonical keys of the PCFs of a family conjecture (a StoreError when the id
        names no family)."""
        row = None
        if in_range(family_id):
            stmt = sa.select(conj_t.c.canonical_key, conj_t.c.data).where(conj_t.c.id == family_id)
            row = conn.execute(stmt).first()
        members = family_members(row.data) if row is not None and str(row.canonical_key or "").startswith(FAMILY_KEY_PREFIX) else None
        if members is None:
            raise StoreError(f"no family with id {family_id}")
        return members

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
    def get_conjectures(self, ids: Sequence[int]) -> list[ConjectureDetail]:
        """The details of the conjectures with these ids, in the order given (ids that
        name no conjecture are left out)."""
        wanted = [i for i in dict.fromkeys(ids) if in_range(i)]
        found: dict[int, ConjectureDetail] = {}
        with self._read() as conn:
            for chunk in chunks(wanted):
                rows = conn.execute(sa.select(conj_t).where(conj_t.c.id.in_(chunk))).all()
                found.update((d.conjecture.id, d) for d in self._details(conn, rows))
        return [found[i] for i in wanted if i in found]

    @db_errors
    def with_keys(self, keys: Iterable[str], limit: int | None = None) -> list[ConjectureRow]:
        """Conjectures whose canonical key is one of ``keys``, in id order (at most
        ``limit``): the conjectures of given PCFs."""
        ordered = sorted(set(keys))
        out: list[ConjectureRow] = []
        with self._read() as conn:
            for chunk in chunks(ordered):
                stmt = sa.select(conj_t).where(conj_t.c.canonical_key.in_(chunk)).order_by(conj_t.c.id)
                out.extend(conjecture_row(r) for r in conn.execute(_paged(stmt, limit, None)))
        out.sort(key=lambda r: r.id)
        return out if limit is None else out[:limit]

    @db_errors
    def families_of(self, conjecture_id: int) -> list[ConjectureRow]:
        """The family conjectures of a conjecture's cluster that have its PCF as a member."""
        if not in_range(conjecture_id):
            return []
        with self._read() as conn:
            own = conn.execute(sa.select(conj_t.c.canonical_key, conj_t.c.cluster_id).where(conj_t.c.id == conjecture_id)).first()
            if own is None or own.cluster_id is None or own.canonical_key is None:
                return []
            stmt = (
                sa.select(conj_t)
                .where(conj_t.c.cluster_id == own.cluster_id, conj_t.c.canonical_key.startswith(FAMILY_KEY_PREFIX, autoescape=True))
                .order_by(conj_t.c.id)
            )
            return [conjecture_row(r) for r in conn.execute(stmt) if own.canonical_key in (family_members(r.data) or ())]

    @db_errors
    def constant_counts(self, search: int | None = None) -> dict[str, int]:
        """How many conjectures use each bank constant (of one search when given), by name."""
        stmt = (
            sa.select(constant_t.c.name, sa.func.count())
            .select_from(link_t)
            .join(constant_t, constant_t.c.id == link_t.c.constant_id)
            .group_by(constant_t.c.name)
            .order_by(constant_t.c.name)
        )
        if search is not None:
            if not in_range(search):
                return {}
            stmt = stmt.join(conj_t, conj_t.c.id == link_t.c.conjecture_id).where(conj_t.c.search_id == search)
        with self._read() as conn:
            return {str(name): int(n) for name, n in conn.execute(stmt)}

    @db_errors
    def status_counts(self) -> dict[int | None, dict[str, int]]:
        """Conjectures per search (None: of no search) and status, with ``candidate``
        counting the values no bank constant explains."""
        stmt = sa.select(conj_t.c.search_id, conj_t.c.status, conj_t.c.candidate, sa.func.count()).group_by(
            conj_t.c.search_id, conj_t.c.status, conj_t.c.candidate
        )
        out: dict[int | None, dict[str, int]] = {}
        with self._read() as conn:
            for search_id, status, candidate, n in conn.execute(stmt):
                counts = out.setdefault(search_id, {})
                counts[status] = counts.get(status, 0) + int(n)
                if candidate:
                    counts["candidate"] = counts.get("candidate", 0) + int(n)
        return out

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
                pcfs[p.id] = PCFRow(p.id, p.canonical_key, polynomial_text(p.a) or "", polynomial_text(p.b) or "", p.deg_a, p.deg_b,
                                    p.first_search_id)
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
        sources: dict[int, list[SourceRow]] = {}
        for chunk in chunks([r.id for r in rows]):
            stmt = sa.select(source_t).where(source_t.c.conjecture_id.in_(chunk)).order_by(source_t.c.search_id, source_t.c.line)
            for s in conn.execute(stmt):
                sources.setdefault(s.conjecture_id, []).append(source_row(s))
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
                sources=tuple(sources.get(r.id, ())),
            )
            for r in rows
        ]

    @staticmethod
    def _clusters_by_id(conn: Connection, ids: Iterable[int]) -> dict[int, ClusterRow]:
        out: dict[int, ClusterRow] = {}
        for chunk in chunks(sorted(ids)):
            out.update({c.id: cluster_row(c) for c in conn.execute(sa.select(cluster_t).where(cluster_t.c.id.in_(chunk)))})
        return out
