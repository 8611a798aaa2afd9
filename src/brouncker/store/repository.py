"""The store's small API: write records idempotently in batches, query, verify, cluster.

Every statement is built with SQLAlchemy Core and bound parameters (nothing a user types
is pasted into SQL). Writes are insert-or-ignore on natural keys (each dialect's
``ON CONFLICT DO NOTHING``), executed as one ``executemany`` per table, and a call to
:meth:`Store.write_records` is one transaction: it all lands or nothing does.

>>> store = open_store("sqlite://")      # an in-memory database, for the example
>>> from brouncker.records import PCFRecord, ConjectureRecord
>>> pcf = PCFRecord("k1", (2, 1), (1, 0, 0))
>>> c = ConjectureRecord("pcf", "4/pi", ("pi",), (1, 0, 0, -4), 50, "k1", (2, 1), (1, 0, 0))
>>> store.write_records(pcfs=[pcf], conjectures=[c]).as_dict()
{'pcfs': 1, 'metrics': 0, 'conjectures': 1}
>>> store.write_records(pcfs=[pcf], conjectures=[c]).as_dict()   # again: nothing new
{'pcfs': 0, 'metrics': 0, 'conjectures': 0}
>>> [(r["a"], r["b"], r["expression"]) for r in store.query(constant="pi")]
[('2n + 1', 'n^2', '4/pi')]
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from ..errors import BrounckerError, StoreError
from ..pcf.polynomial import degree as poly_degree
from ..printing import format_polynomial
from ..records import (
    CONJECTURE_KINDS,
    CONJECTURE_STATUSES,
    ConjectureRecord,
    MetricsRecord,
    PCFRecord,
    json_safe,
)
from .engine import (
    WRITE_OPTION,
    check_connection,
    connect_error,
    display_url,
    ensure_schema,
    make_engine,
)
from .models import (
    PCF,
    Cluster,
    Conjecture,
    ConjectureConstant,
    Constant,
    Metrics,
    Search,
    Shard,
    Verification,
    utcnow,
)

CONTRACT_FIELDS = ("id", "kind", "a", "b", "expression", "digits", "delta", "status", "cluster", "search_id", "canonical_key")
"""The fields of a ``brouncker query`` row (DESIGN.md)."""

SHARD_STATUSES = ("pending", "running", "done", "failed")
VERDICTS = ("verified", "refuted", "inconclusive")
LOOKUP_CHUNK = 500  # keys per IN (...) lookup; far below every backend's parameter limit
METRIC_COLUMNS = ("delta_fr", "delta_naive", "c", "d", "gamma", "eta")

pcf_t, metrics_t, conj_t, link_t = PCF.__table__, Metrics.__table__, Conjecture.__table__, ConjectureConstant.__table__
constant_t, search_t, shard_t = Constant.__table__, Search.__table__, Shard.__table__
verification_t, cluster_t = Verification.__table__, Cluster.__table__

SORT_COLUMNS = {
    "id": conj_t.c.id,
    "kind": conj_t.c.kind,
    "expression": conj_t.c.expression,
    "digits": conj_t.c.digits,
    "delta": conj_t.c.delta,
    "status": conj_t.c.status,
    "cluster": conj_t.c.cluster_id,
    "search": conj_t.c.search_id,
    "search_id": conj_t.c.search_id,
    "degree": conj_t.c.degree,
    "canonical_key": conj_t.c.canonical_key,
    "created": conj_t.c.created_at,
}
"""Fields ``query`` sorts on; prefix ``-`` for descending order (``-delta``)."""

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class WriteCounts:
    """Rows a :meth:`Store.write_records` call added (records already stored count 0)."""

    pcfs: int
    metrics: int
    conjectures: int

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ShardRow:
    """One shard of a search: the index range ``[start, stop)`` and its progress."""

    search_id: int
    shard_index: int
    start: int
    stop: int
    status: str
    attempts: int
    counts: dict | None
    error: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def _db_errors(method: F) -> F:
    """Turn a database failure into a one-line StoreError (after the rollback)."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except SQLAlchemyError as exc:
            raise connect_error(exc, self.engine.url) from None

    return wrapper  # type: ignore[return-value]


def _json_text(value: Any) -> str | None:
    """JSON text for a JSON column on SQLite (a list of ints, the common case, directly).

    >>> _json_text([3, -1, 0]), _json_text([True, 2.5]), _json_text({"x": 1}), _json_text(None)
    ('[3,-1,0]', '[true, 2.5]', '{"x": 1}', None)
    """
    if value is None:
        return None
    if type(value) is list:
        try:  # int.__repr__ accepts ints only (True gives '1'); anything else takes json.dumps
            return "[" + ",".join(map(int.__repr__, value)) + "]"
        except TypeError:
            pass
    return json.dumps(value)


def _float(value: Any) -> float | None:
    """A float for an indexed column; NaN and non-numbers become NULL."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def esma_value_key(data: Mapping[str, Any] | None) -> str:
    """The identity of an ESMA (or CMF) conjecture: a digest of its defining data
    (``lhs`` and ``signs`` when present, else all of it).

    >>> esma_value_key({"lhs": [1, 2], "signs": [1, -1], "digits": 30}) == esma_value_key({"signs": [1, -1], "lhs": [1, 2]})
    True
    """
    data = dict(data or {})
    core = {k: data[k] for k in ("lhs", "signs") if k in data} or data
    text = json.dumps(json_safe(core), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _degrees(a: Sequence[int], b: Sequence[int]) -> tuple[int, int, int]:
    """``(deg a, deg b, max)``; the degree of a PCF is the larger of the two.

    >>> _degrees((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0))
    (3, 6, 6)
    """
    da = len(a) - 1 if len(a) > 1 and a[0] else poly_degree(tuple(a))
    db = len(b) - 1 if len(b) > 1 and b[0] else poly_degree(tuple(b))
    return da, db, max(da, db)


def _poly_text(coeffs: Any) -> str | None:
    return None if coeffs is None else format_polynomial(tuple(int(c) for c in coeffs))


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _chunks(items: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _constant_names(text: str) -> tuple[str, ...]:
    """Bank names in a ``--constant`` filter: ``zeta(3)`` means ``zeta3``; text that does
    not parse is matched literally (and so matches nothing)."""
    from ..constants import parse_constant

    try:
        names = parse_constant(text).names
    except BrounckerError:
        return (text,)
    return names or (text,)


class Store:
    """The conjecture store over one database. Use :func:`open_store` to get one."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._plans: dict[tuple[str, tuple[str, ...]], tuple[str, list[str] | None, list[tuple[str, Any]]]] = {}

    # --- plumbing ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The database URL, password masked."""
        return display_url(self.engine.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction: committed at the end, rolled back on any error."""
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def _insert_ignore(self, table: sa.Table) -> Any:
        """``INSERT ... ON CONFLICT DO NOTHING`` in this database's dialect."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table).on_conflict_do_nothing()

    def _insert_many(self, conn: Connection, table: sa.Table, rows: list[dict]) -> int:
        """Insert-or-ignore ``rows`` (dicts with the same keys) in one executemany;
        returns how many were new.

        This is the hot path of a search, so the statement is compiled once per table and
        column set, JSON is turned into text directly, and the rows go straight to the
        driver's ``executemany``, still as bound parameters. Both drivers report the rows
        actually inserted (ON CONFLICT DO NOTHING skips the others).
        """
        if not rows:
            return 0
        sql, order, processors = self._plan(table, tuple(rows[0]))
        params: list[Any] = []
        if order is None:  # named parameters (psycopg)
            for row in rows:
                row = dict(row)
                for name, process in processors:
                    row[name] = process(row[name])
                params.append(row)
        else:  # positional parameters (sqlite3)
            getter = operator.itemgetter(*order) if len(order) > 1 else (lambda row: (row[order[0]],))
            index = {name: i for i, name in enumerate(order)}
            for row in rows:
                values = list(getter(row))
                for name, process in processors:
                    values[index[name]] = process(values[index[name]])
                params.append(tuple(values))
        return max(conn.exec_driver_sql(sql, params).rowcount, 0)

    def _plan(self, table: sa.Table, columns: tuple[str, ...]) -> tuple[str, list[str] | None, list[tuple[str, Any]]]:
        """SQL text, the positional parameter order (None for named parameters) and the
        bind processors of an insert-or-ignore of ``columns`` into ``table``."""
        key = (table.name, columns)
        plan = self._plans.get(key)
        if plan is None:
            stmt = self._insert_ignore(table).inline()  # inline: no RETURNING of the new keys
            compiled = stmt.compile(dialect=self.engine.dialect, column_keys=list(columns))
            processors = []
            for name in columns:
                column_type = table.c[name].type
                process = _json_text if isinstance(column_type, sa.JSON) else column_type.bind_processor(self.engine.dialect)
                if process is not None:
                    processors.append((name, process))
            order = list(compiled.positiontup) if compiled.positiontup else None
            plan = self._plans[key] = (compiled.string, order, processors)
        return plan

    def _seed_constants(self) -> None:
        """Make sure every bank constant has a row (new bank names arrive with new code)."""
        from ..constants import BANK

        with self._read() as conn:
            have = set(conn.scalars(sa.select(constant_t.c.name)))
        missing = [{"name": n, "description": c.description} for n, c in BANK.items() if n not in have]
        if missing:
            with self._write() as conn:
                self._insert_many(conn, constant_t, missing)

    @_db_errors
    def counts(self) -> dict[str, int]:
        """Rows per table."""
        tables = [constant_t, search_t, shard_t, pcf_t, metrics_t, conj_t, link_t, verification_t, cluster_t]
        with self._read() as conn:
            return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in tables}

    # --- searches and shards -------------------------------------------------------------

    @_db_errors
    def create_search(self, name: str, spec: dict, spec_hash: str) -> int:
        """A new search in state ``pending``; returns its id."""
        now = utcnow()
        with self._write() as conn:
            result = conn.execute(
                sa.insert(search_t).values(
                    name=name, spec=json_safe(spec), spec_hash=spec_hash, status="pending", counters={}, created_at=now, updated_at=now
                )
            )
            return int(result.inserted_primary_key[0])

    @_db_errors
    def find_search_by_hash(self, spec_hash: str) -> int | None:
        """The latest search with this spec hash, if any."""
        with self._read() as conn:
            return conn.scalar(sa.select(sa.func.max(search_t.c.id)).where(search_t.c.spec_hash == spec_hash))

    @_db_errors
    def add_shards(self, search_id: int, shards: Iterable[tuple[int, int, int]]) -> int:
        """Add shards ``(index, start, stop)``; shards already there are kept as they are.
        Returns how many were new."""
        now = utcnow()
        rows = [
            {"search_id": search_id, "shard_index": int(i), "start": int(lo), "stop": int(hi), "status": "pending",
             "attempts": 0, "counts": None, "error": None, "updated_at": now}
            for i, lo, hi in shards
        ]
        if not rows:
            return 0
        with self._write() as conn:
            return self._insert_many(conn, shard_t, rows)

    @_db_errors
    def shards(self, search_id: int, status: str | None = None) -> list[ShardRow]:
        """The shards of a search in index order, optionally only those in ``status``."""
        stmt = sa.select(shard_t).where(shard_t.c.search_id == search_id).order_by(shard_t.c.shard_index)
        if status is not None:
            stmt = stmt.where(shard_t.c.status == status)
        with self._read() as conn:
            return [
                ShardRow(r.search_id, r.shard_index, r.start, r.stop, r.status, r.attempts, r.counts, r.error)
                for r in conn.execute(stmt)
            ]

    @_db_errors
    def set_shard_status(
        self, search_id: int, shard_index: int, status: str, counts: dict | None = None, error: str | None = None
    ) -> None:
        """Move a shard to ``status``; ``running`` counts an attempt. ``counts`` replaces
        the shard's counts when given; ``error`` is stored as given (None clears it)."""
        if status not in SHARD_STATUSES:
            raise StoreError(f"unknown shard status {status!r}: choose one of {', '.join(SHARD_STATUSES)}")
        values: dict[str, Any] = {"status": status, "error": error, "updated_at": utcnow()}
        if counts is not None:
            values["counts"] = json_safe(counts)
        if status == "running":
            values["attempts"] = shard_t.c.attempts + 1
        stmt = sa.update(shard_t).where(shard_t.c.search_id == search_id, shard_t.c.shard_index == shard_index).values(**values)
        with self._write() as conn:
            if conn.execute(stmt).rowcount == 0:
                raise StoreError(f"search {search_id} has no shard {shard_index}")

    @_db_errors
    def set_search_status(self, search_id: int, status: str, counters: dict | None = None) -> None:
        """Set a search's status; ``counters`` are merged into the stored counters."""
        with self._write() as conn:
            old = conn.execute(sa.select(search_t.c.counters).where(search_t.c.id == search_id)).first()
            if old is None:
                raise StoreError(f"no search with id {search_id}")
            merged = dict(old.counters or {})
            merged.update(json_safe(counters or {}))
            conn.execute(
                sa.update(search_t).where(search_t.c.id == search_id).values(status=status, counters=merged, updated_at=utcnow())
            )

    def _search_dict(self, row: Any, shard_counts: dict[str, int], with_spec: bool) -> dict:
        out = {
            "id": row.id,
            "name": row.name,
            "status": row.status,
            "spec_hash": row.spec_hash,
            "counters": row.counters or {},
            "shards": shard_counts,
            "created_at": _when(row.created_at),
            "updated_at": _when(row.updated_at),
        }
        if with_spec:
            out["spec"] = row.spec
        return out

    def _shard_counts(self, conn: Connection, search_id: int | None = None) -> dict[int, dict[str, int]]:
        stmt = sa.select(shard_t.c.search_id, shard_t.c.status, sa.func.count()).group_by(shard_t.c.search_id, shard_t.c.status)
        if search_id is not None:
            stmt = stmt.where(shard_t.c.search_id == search_id)
        out: dict[int, dict[str, int]] = {}
        for sid, status, n in conn.execute(stmt):
            out.setdefault(sid, {})[status] = n
        return out

    @_db_errors
    def searches(self) -> list[dict]:
        """Every search, newest first, with shard counts by status (no spec)."""
        with self._read() as conn:
            counts = self._shard_counts(conn)
            rows = conn.execute(sa.select(search_t).order_by(search_t.c.id.desc())).all()
            return [self._search_dict(r, counts.get(r.id, {}), with_spec=False) for r in rows]

    @_db_errors
    def search(self, search_id: int) -> dict | None:
        """One search with its spec and shard counts, or None."""
        with self._read() as conn:
            row = conn.execute(sa.select(search_t).where(search_t.c.id == search_id)).first()
            if row is None:
                return None
            return self._search_dict(row, self._shard_counts(conn, search_id).get(search_id, {}), with_spec=True)

    # --- writing records ------------------------------------------------------------------

    def _pcf_ids(self, conn: Connection, keys: Iterable[str]) -> dict[str, int]:
        keys = sorted(set(keys))
        out: dict[str, int] = {}
        for chunk in _chunks(keys):
            stmt = sa.select(pcf_t.c.canonical_key, pcf_t.c.id).where(pcf_t.c.canonical_key.in_(chunk))
            out.update({k: i for k, i in conn.execute(stmt)})
        return out

    def _constant_ids(self, conn: Connection, names: Iterable[str]) -> dict[str, int]:
        names = sorted(set(names))
        if not names:
            return {}
        self._insert_many(conn, constant_t, [{"name": n, "description": None} for n in names])
        out: dict[str, int] = {}
        for chunk in _chunks(names):
            out.update({n: i for n, i in conn.execute(sa.select(constant_t.c.name, constant_t.c.id).where(constant_t.c.name.in_(chunk)))})
        return out

    @staticmethod
    def _pcf_row(record: PCFRecord, search_id: int | None) -> dict:
        da, db, deg = _degrees(record.a, record.b)
        return {
            "canonical_key": record.canonical_key,
            "a": list(record.a),  # ints, as the record promises
            "b": list(record.b),
            "deg_a": da,
            "deg_b": db,
            "degree": deg,
            "first_search_id": record.search_id if record.search_id is not None else search_id,
        }

    @staticmethod
    def _metrics_row(record: MetricsRecord, pcf_id: int) -> dict:
        dyn = dict(record.dynamics)
        fr = dyn.get("fr")
        limit = dyn.get("limit")
        row = {
            "pcf_id": pcf_id,
            "depth": int(record.depth),
            "dynamics": json_safe(dyn),
            "limit": None if limit is None else str(limit),
            "convergence": None if dyn.get("convergence") is None else str(dyn["convergence"]),
            "fr": None if fr is None else bool(fr),
        }
        row.update({name: _float(dyn.get(name)) for name in METRIC_COLUMNS})
        return row

    @staticmethod
    def _conjecture_row(record: ConjectureRecord, pcf_id: int | None, search_id: int | None) -> dict:
        if record.kind not in CONJECTURE_KINDS:
            raise StoreError(f"unknown conjecture kind {record.kind!r}: choose one of {', '.join(CONJECTURE_KINDS)}")
        if record.status not in CONJECTURE_STATUSES:
            raise StoreError(f"unknown conjecture status {record.status!r}: choose one of {', '.join(CONJECTURE_STATUSES)}")
        if record.kind == "pcf":
            if not record.canonical_key:
                raise StoreError(f"a pcf conjecture needs a canonical key ({record.expression})")
            value_key = record.canonical_key
        else:
            value_key = esma_value_key(record.data)
        deg = _degrees(record.a, record.b)[2] if record.a is not None and record.b is not None else None
        return {
            "kind": record.kind,
            "value_key": value_key,
            "canonical_key": record.canonical_key,
            "pcf_id": pcf_id,
            "a": None if record.a is None else [int(c) for c in record.a],
            "b": None if record.b is None else [int(c) for c in record.b],
            "degree": deg,
            "expression": record.expression,
            "constants": list(record.constants),
            "relation": [int(c) for c in record.relation],
            "digits": record.digits,
            "delta": None if record.delta is None else _float(record.delta),
            "limit": record.limit,
            "data": None if record.data is None else json_safe(record.data),
            "status": record.status,
            "search_id": record.search_id if record.search_id is not None else search_id,
            "created_at": utcnow(),
        }

    def write_records(
        self,
        pcfs: Sequence[PCFRecord] = (),
        metrics: Sequence[MetricsRecord] = (),
        conjectures: Sequence[ConjectureRecord] = (),
        search_id: int | None = None,
    ) -> WriteCounts:
        """Write a batch of records in one transaction, ignoring those already stored.

        PCFs are unique by canonical key, metrics by (PCF, depth), conjectures by (kind,
        value key, expression). Metrics need their PCF in the database or in this batch.
        Any failure rolls the whole batch back and raises :class:`StoreError`.
        ``search_id`` fills in records that have none.
        """
        try:
            return self._write_records(pcfs, metrics, conjectures, search_id)
        except SQLAlchemyError as exc:
            orig = getattr(exc, "orig", None) or exc
            detail = " ".join(str(orig).split())
            raise StoreError(f"could not write the batch, nothing of it was written: {detail}") from None

    def _write_records(
        self,
        pcfs: Sequence[PCFRecord],
        metrics: Sequence[MetricsRecord],
        conjectures: Sequence[ConjectureRecord],
        search_id: int | None,
    ) -> WriteCounts:
        n_pcf = n_metrics = n_conj = 0
        pcf_rows = [self._pcf_row(r, search_id) for r in pcfs]
        with self._write() as conn:
            n_pcf = self._insert_many(conn, pcf_t, pcf_rows)
            keys = {m.canonical_key for m in metrics} | {c.canonical_key for c in conjectures if c.canonical_key}
            ids = self._pcf_ids(conn, keys) if keys else {}
            if metrics:
                missing = sorted({m.canonical_key for m in metrics} - ids.keys())
                if missing:
                    raise StoreError(f"metrics for a PCF that is not stored: {missing[0]!r} (write its PCFRecord in the same batch)")
                rows = [self._metrics_row(m, ids[m.canonical_key]) for m in metrics]
                n_metrics = self._insert_many(conn, metrics_t, rows)
            if conjectures:
                rows = [self._conjecture_row(c, ids.get(c.canonical_key or ""), search_id) for c in conjectures]
                n_conj = self._insert_many(conn, conj_t, rows)
                self._link_constants(conn, rows)
        return WriteCounts(n_pcf, n_metrics, n_conj)

    def _link_constants(self, conn: Connection, rows: list[dict]) -> None:
        """Rows of ``conjecture_constant`` for the conjectures just written (or already there)."""
        constant_ids = self._constant_ids(conn, (n for r in rows for n in r["constants"]))
        wanted = {(r["kind"], r["value_key"], r["expression"]): r["constants"] for r in rows}
        links = []
        value_keys = sorted({r["value_key"] for r in rows})
        for chunk in _chunks(value_keys):
            stmt = sa.select(conj_t.c.id, conj_t.c.kind, conj_t.c.value_key, conj_t.c.expression).where(conj_t.c.value_key.in_(chunk))
            for cid, kind, value_key, expression in conn.execute(stmt):
                for name in wanted.get((kind, value_key, expression), ()):
                    links.append({"conjecture_id": cid, "constant_id": constant_ids[name]})
        self._insert_many(conn, link_t, links)

    # --- reading ---------------------------------------------------------------------------

    @staticmethod
    def _contract_row(r: Any) -> dict:
        return {
            "id": r.id,
            "kind": r.kind,
            "a": _poly_text(r.a),
            "b": _poly_text(r.b),
            "expression": r.expression,
            "digits": r.digits,
            "delta": r.delta,
            "status": r.status,
            "cluster": r.cluster_id,
            "search_id": r.search_id,
            "canonical_key": r.canonical_key,
        }

    @_db_errors
    def query(
        self,
        constant: str | None = None,
        search: int | None = None,
        kind: str | None = None,
        status: str | None = None,
        cluster: int | str | None = None,
        min_delta: float | None = None,
        max_delta: float | None = None,
        degree: int | None = None,
        sort: str | None = None,
        limit: int | None = None,
    ) -> list[dict]:
        """Conjectures that pass every filter given, as rows with the contract fields.

        ``constant`` is a bank name (``zeta3`` or ``zeta(3)``; an expression means all of
        its constants); ``cluster`` a cluster id, or a cluster label; ``degree`` the PCF's
        degree, max(deg a, deg b); ``sort`` a field of :data:`SORT_COLUMNS`, ``-field`` for
        descending order (missing values last); the default is by id.
        """
        stmt = sa.select(conj_t)
        if constant is not None:
            for name in _constant_names(constant):
                users = (
                    sa.select(link_t.c.conjecture_id)
                    .join(constant_t, constant_t.c.id == link_t.c.constant_id)
                    .where(constant_t.c.name == name)
                )
                stmt = stmt.where(conj_t.c.id.in_(users))
        if search is not None:
            stmt = stmt.where(conj_t.c.search_id == int(search))
        if kind is not None:
            stmt = stmt.where(conj_t.c.kind == kind)
        if status is not None:
            stmt = stmt.where(conj_t.c.status == status)
        if cluster is not None:
            text = str(cluster).strip()
            if text.isdigit():
                stmt = stmt.where(conj_t.c.cluster_id == int(text))
            else:
                labelled = sa.select(cluster_t.c.id).where(cluster_t.c.label == text)
                stmt = stmt.where(conj_t.c.cluster_id.in_(labelled))
        if min_delta is not None:
            stmt = stmt.where(conj_t.c.delta >= float(min_delta))
        if max_delta is not None:
            stmt = stmt.where(conj_t.c.delta <= float(max_delta))
        if degree is not None:
            stmt = stmt.where(conj_t.c.degree == int(degree))
        stmt = stmt.order_by(*self._ordering(sort))
        if limit is not None:
            if int(limit) < 0:
                raise StoreError(f"--limit must be 0 or more, not {limit}")
            stmt = stmt.limit(int(limit))
        with self._read() as conn:
            return [self._contract_row(r) for r in conn.execute(stmt)]

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

    @_db_errors
    def get_conjecture(self, conjecture_id: int) -> dict | None:
        """One conjecture with everything known about it: the contract fields, its
        constants and relation, limit, data, the canonical PCF, every metrics record,
        every verification, and its cluster; None when there is no such id."""
        with self._read() as conn:
            r = conn.execute(sa.select(conj_t).where(conj_t.c.id == int(conjecture_id))).first()
            if r is None:
                return None
            out = self._contract_row(r)
            out.update(
                {
                    "value_key": r.value_key,
                    "degree": r.degree,
                    "constants": r.constants,
                    "relation": r.relation,
                    "limit": r.limit,
                    "data": r.data,
                    "created_at": _when(r.created_at),
                    "pcf": None,
                    "metrics": [],
                    "verifications": [],
                    "cluster_info": None,
                }
            )
            if r.pcf_id is not None:
                p = conn.execute(sa.select(pcf_t).where(pcf_t.c.id == r.pcf_id)).first()
                if p is not None:
                    out["pcf"] = {"id": p.id, "canonical_key": p.canonical_key, "a": _poly_text(p.a), "b": _poly_text(p.b),
                                  "deg_a": p.deg_a, "deg_b": p.deg_b, "first_search_id": p.first_search_id}
                m_rows = conn.execute(sa.select(metrics_t).where(metrics_t.c.pcf_id == r.pcf_id).order_by(metrics_t.c.depth))
                out["metrics"] = [{"depth": m.depth, **(m.dynamics or {})} for m in m_rows]
            v_rows = conn.execute(
                sa.select(verification_t).where(verification_t.c.conjecture_id == r.id).order_by(verification_t.c.id)
            )
            out["verifications"] = [
                {"id": v.id, "digits_requested": v.digits_requested, "digits_agreed": v.digits_agreed, "depth": v.depth,
                 "seconds": v.seconds, "verdict": v.verdict, "created_at": _when(v.created_at)}
                for v in v_rows
            ]
            if r.cluster_id is not None:
                c = conn.execute(sa.select(cluster_t).where(cluster_t.c.id == r.cluster_id)).first()
                if c is not None:
                    out["cluster_info"] = {"id": c.id, "plane": c.plane, "label": c.label, "size": c.size, "anchor": c.anchor,
                                           "is_candidate": c.is_candidate}
            return out

    @_db_errors
    def record_verification(
        self,
        conjecture_id: int,
        digits_requested: int,
        digits_agreed: int | None,
        depth: int | None,
        seconds: float | None,
        verdict: str,
    ) -> int:
        """Store a verification run and move the conjecture to ``verified`` or ``refuted``
        (an ``inconclusive`` run leaves its status alone). Returns the verification's id."""
        if verdict not in VERDICTS:
            raise StoreError(f"unknown verdict {verdict!r}: choose one of {', '.join(VERDICTS)}")
        with self._write() as conn:
            exists = conn.scalar(sa.select(conj_t.c.id).where(conj_t.c.id == int(conjecture_id)))
            if exists is None:
                raise StoreError(f"no conjecture with id {conjecture_id}")
            result = conn.execute(
                sa.insert(verification_t).values(
                    conjecture_id=int(conjecture_id),
                    digits_requested=int(digits_requested),
                    digits_agreed=None if digits_agreed is None else int(digits_agreed),
                    depth=None if depth is None else int(depth),
                    seconds=None if seconds is None else float(seconds),
                    verdict=verdict,
                    created_at=utcnow(),
                )
            )
            if verdict in ("verified", "refuted"):
                conn.execute(sa.update(conj_t).where(conj_t.c.id == int(conjecture_id)).values(status=verdict))
            return int(result.inserted_primary_key[0])

    # --- clustering ------------------------------------------------------------------------

    def _deepest_metrics(self, conn: Connection, pcf_ids: Sequence[int]) -> dict[int, tuple[int, dict]]:
        out: dict[int, tuple[int, dict]] = {}
        for chunk in _chunks(sorted(set(pcf_ids))):
            stmt = sa.select(metrics_t.c.pcf_id, metrics_t.c.depth, metrics_t.c.dynamics).where(metrics_t.c.pcf_id.in_(chunk))
            for pid, depth, dyn in conn.execute(stmt):
                if pid not in out or depth > out[pid][0]:
                    out[pid] = (depth, dyn)
        return out

    @_db_errors
    def conjectures_with_metrics(self, search_id: int) -> list[dict]:
        """The conjectures of a search with the deepest metrics record of their PCF:
        contract fields plus ``pcf_id``, ``constants``, ``limit``, ``depth`` and ``metrics``
        (the dynamics dict, or None when none is stored)."""
        with self._read() as conn:
            rows = conn.execute(sa.select(conj_t).where(conj_t.c.search_id == search_id).order_by(conj_t.c.id)).all()
            deepest = self._deepest_metrics(conn, [r.pcf_id for r in rows if r.pcf_id is not None])
        out = []
        for r in rows:
            row = self._contract_row(r)
            depth, dyn = deepest.get(r.pcf_id, (None, None)) if r.pcf_id is not None else (None, None)
            row.update({"pcf_id": r.pcf_id, "constants": r.constants, "limit": r.limit, "depth": depth, "metrics": dyn})
            out.append(row)
        return out

    @_db_errors
    def pcfs_with_metrics(self, search_id: int) -> list[dict]:
        """Every PCF first found by a search that has a metrics record (identified or
        not): ``pcf_id, canonical_key, a, b, depth, metrics, conjecture_ids``."""
        with self._read() as conn:
            pcfs = conn.execute(sa.select(pcf_t).where(pcf_t.c.first_search_id == search_id).order_by(pcf_t.c.id)).all()
            deepest = self._deepest_metrics(conn, [p.id for p in pcfs])
            conj: dict[int, list[int]] = {}
            for chunk in _chunks([p.id for p in pcfs]):
                for cid, pid in conn.execute(sa.select(conj_t.c.id, conj_t.c.pcf_id).where(conj_t.c.pcf_id.in_(chunk))):
                    conj.setdefault(pid, []).append(cid)
        return [
            {"pcf_id": p.id, "canonical_key": p.canonical_key, "a": _poly_text(p.a), "b": _poly_text(p.b),
             "depth": deepest[p.id][0], "metrics": deepest[p.id][1], "conjecture_ids": sorted(conj.get(p.id, []))}
            for p in pcfs
            if p.id in deepest
        ]

    @_db_errors
    def save_clusters(
        self,
        search_id: int,
        clusters: Sequence[Mapping[str, Any]],
        assignments: Mapping[int, int | None],
        pcf_assignments: Mapping[int, int | None] | None = None,
    ) -> list[int]:
        """Replace the clusters of a search.

        ``clusters`` are dicts with ``plane`` and ``label`` and optionally ``size``,
        ``anchor``, ``is_candidate`` and ``description`` (JSON). ``assignments`` maps a
        conjecture id to the position of its cluster in ``clusters`` (None: noise);
        ``pcf_assignments`` does the same for PCF ids. Returns the new cluster ids, in
        the order of ``clusters``. Earlier clusters of the search are deleted.
        """
        sizes: dict[int, int] = {}
        for pos in list(assignments.values()) + list((pcf_assignments or {}).values()):
            if pos is not None:
                if not 0 <= pos < len(clusters):
                    raise StoreError(f"cluster position {pos} is out of range (there are {len(clusters)} clusters)")
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
                        plane=str(c["plane"]),
                        label=str(c["label"]),
                        size=int(c.get("size", sizes.get(pos, 0))),
                        anchor=None if c.get("anchor") is None else str(c["anchor"]),
                        is_candidate=bool(c.get("is_candidate", False)),
                        description=None if c.get("description") is None else json_safe(c["description"]),
                    )
                )
                ids.append(int(result.inserted_primary_key[0]))
            for table, mapping in ((conj_t, assignments), (pcf_t, pcf_assignments or {})):
                rows = [{"row_id": int(k), "cid": ids[v]} for k, v in mapping.items() if v is not None]
                if rows:
                    stmt = sa.update(table).where(table.c.id == sa.bindparam("row_id")).values(cluster_id=sa.bindparam("cid"))
                    conn.execute(stmt, rows)
            return ids

    @_db_errors
    def clusters(self, search_id: int) -> list[dict]:
        """The clusters of a search, in id order."""
        with self._read() as conn:
            rows = conn.execute(sa.select(cluster_t).where(cluster_t.c.search_id == search_id).order_by(cluster_t.c.id))
            return [
                {"id": c.id, "search_id": c.search_id, "plane": c.plane, "label": c.label, "size": c.size, "anchor": c.anchor,
                 "is_candidate": c.is_candidate, "description": c.description}
                for c in rows
            ]


def open_store(url: str | None = None, create: bool = True) -> Store:
    """Open the store at ``url`` (else ``$BROUNCKER_DB``, else ``./brouncker.db``).

    An empty database gets the schema (when ``create``); a database at an older schema
    revision raises :class:`StoreError` telling to run ``brouncker db upgrade``; so do a
    bad URL and an unreachable server.
    """
    engine = make_engine(url)
    try:
        check_connection(engine)
        ensure_schema(engine, create=create)
        store = Store(engine)
        store._seed_constants()
    except SQLAlchemyError as exc:
        engine.dispose()
        raise connect_error(exc, engine.url) from None
    except BaseException:
        engine.dispose()
        raise
    return store
