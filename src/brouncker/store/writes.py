"""Writing records: PCFs, metrics and conjectures in batches, idempotently, and the
verification runs of stored conjectures.

A call to :meth:`RecordWrites.write_records` is one transaction: it all lands or nothing
does. PCFs are unique by canonical key, metrics by (PCF, depth), conjectures by (kind,
value key, expression), and a value no bank constant explains by (kind, value key).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from ..errors import StoreError
from ..pcf.polynomial import degree as poly_degree
from ..records import (
    ConjectureKind,
    ConjectureRecord,
    ConjectureStatus,
    MetricsRecord,
    PCFRecord,
    Verdict,
    json_safe,
)
from .base import (
    StoreBase,
    as_float,
    choice,
    chunks,
    conj_t,
    constant_t,
    db_errors,
    in_range,
    link_t,
    metrics_t,
    new_id,
    pcf_t,
    verification_t,
)
from .models import utcnow
from .rows import WriteCounts

METRIC_COLUMNS = ("delta_fr", "delta_naive", "c", "d", "gamma", "eta")
"""Fields of a dynamics record copied into indexed float columns of ``metrics``."""


def esma_value_key(data: Mapping[str, Any] | None) -> str:
    """The identity of an ESMA conjecture: a digest of its defining data
    (``lhs`` and ``signs`` when present, else all of it).

    >>> esma_value_key({"lhs": [1, 2], "signs": [1, -1], "digits": 30}) == esma_value_key({"signs": [1, -1], "lhs": [1, 2]})
    True
    """
    data = dict(data or {})
    core = {k: data[k] for k in ("lhs", "signs") if k in data} or data
    text = json.dumps(json_safe(core), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


CMF_KEY_FIELDS = ("field", "parameters", "trajectory", "start")
"""What identifies a CMF conjecture: the field, its parameters, the trajectory and the start."""


def cmf_value_key(data: Mapping[str, Any] | None) -> str:
    """The identity of a CMF conjecture: a digest of its field, parameters, trajectory and start.

    >>> key = cmf_value_key({"field": "zeta3", "parameters": {}, "trajectory": [1, 1], "start": ["1", "1"], "digits": 60})
    >>> key == cmf_value_key({"start": ["1", "1"], "trajectory": [1, 1], "parameters": {}, "field": "zeta3"})
    True
    """
    data = dict(data or {})
    missing = [k for k in CMF_KEY_FIELDS if k not in data]
    if missing:
        raise StoreError(f"a cmf conjecture's data needs {', '.join(CMF_KEY_FIELDS)} (missing: {', '.join(missing)})")
    core = {k: data[k] for k in CMF_KEY_FIELDS}
    text = json.dumps(json_safe(core), sort_keys=True, separators=(",", ":"))
    return "cmf:sha256:" + hashlib.sha256(text.encode()).hexdigest()


def degrees(a: Sequence[int], b: Sequence[int]) -> tuple[int, int, int]:
    """``(deg a, deg b, max)``; the degree of a PCF is the larger of the two.

    >>> degrees((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0))
    (3, 6, 6)
    """
    da = len(a) - 1 if len(a) > 1 and a[0] else poly_degree(tuple(a))
    db = len(b) - 1 if len(b) > 1 and b[0] else poly_degree(tuple(b))
    return da, db, max(da, db)


def _pcf_row(record: PCFRecord, search_id: int | None) -> dict[str, Any]:
    da, db, deg = degrees(record.a, record.b)
    return {
        "canonical_key": record.canonical_key,
        "a": list(record.a),  # ints, as the record promises
        "b": list(record.b),
        "deg_a": da,
        "deg_b": db,
        "degree": deg,
        "first_search_id": record.search_id if record.search_id is not None else search_id,
    }


def _metrics_row(record: MetricsRecord, pcf_id: int) -> dict[str, Any]:
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
    row.update({name: as_float(dyn.get(name)) for name in METRIC_COLUMNS})
    return row


def _conjecture_row(record: ConjectureRecord, pcf_id: int | None, search_id: int | None) -> dict[str, Any]:
    """The ``conjecture`` row of a record, after checking what the record promises."""
    kind = choice(ConjectureKind, record.kind, "conjecture kind")
    status = choice(ConjectureStatus, record.status, "conjecture status")
    what = record.expression or record.canonical_key or "a conjecture"
    if record.expression is None and not record.candidate:
        raise StoreError(f"{what}: a conjecture with no expression must be a candidate (a value no bank constant explains)")
    if (record.delta is None) != (record.delta_kind is None):
        raise StoreError(f"{what}: delta and delta_kind come together (delta={record.delta}, delta_kind={record.delta_kind})")
    if record.value_key is not None:
        value_key = record.value_key
    elif kind is ConjectureKind.PCF:
        if not record.canonical_key:
            raise StoreError(f"{what}: a pcf conjecture needs a canonical key")
        value_key = record.canonical_key
    elif kind is ConjectureKind.CMF:
        value_key = cmf_value_key(record.data)
    else:
        value_key = esma_value_key(record.data)
    deg = degrees(record.a, record.b)[2] if record.a is not None and record.b is not None else None
    return {
        "kind": kind.value,
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
        "delta": None if record.delta is None else as_float(record.delta),
        "delta_kind": None if record.delta_kind is None else record.delta_kind.value,
        "limit": record.limit,
        "data": None if record.data is None else json_safe(record.data),
        "status": status.value,
        "candidate": bool(record.candidate),
        "search_id": record.search_id if record.search_id is not None else search_id,
        "created_at": utcnow(),
    }


class RecordWrites(StoreBase):
    """Write what searches find, and what verification runs conclude."""

    def _seed_constants(self) -> None:
        """Make sure every bank constant has a row (new bank names arrive with new code)."""
        from ..constants import BANK

        with self._read() as conn:
            have = set(conn.scalars(sa.select(constant_t.c.name)))
        missing = [{"name": n, "description": c.description} for n, c in BANK.items() if n not in have]
        if missing:
            with self._write() as conn:
                self._insert_many(conn, constant_t, missing)

    def write_records(
        self,
        pcfs: Sequence[PCFRecord] = (),
        metrics: Sequence[MetricsRecord] = (),
        conjectures: Sequence[ConjectureRecord] = (),
        search_id: int | None = None,
    ) -> WriteCounts:
        """Write a batch of records in one transaction, ignoring those already stored.

        Metrics need their PCF in the database or in this batch. Any failure rolls the
        whole batch back and raises :class:`StoreError`. ``search_id`` fills in records
        that have none.
        """
        try:
            return self._write_records(pcfs, metrics, conjectures, search_id)
        except (SQLAlchemyError, OverflowError) as exc:
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
        pcf_rows = [_pcf_row(r, search_id) for r in pcfs]
        with self._write() as conn:
            n_pcf = self._insert_many(conn, pcf_t, pcf_rows)
            keys = {m.canonical_key for m in metrics} | {c.canonical_key for c in conjectures if c.canonical_key}
            ids = self._pcf_ids(conn, keys) if keys else {}
            if metrics:
                missing = sorted({m.canonical_key for m in metrics} - ids.keys())
                if missing:
                    raise StoreError(f"metrics for a PCF that is not stored: {missing[0]!r} (write its PCFRecord in the same batch)")
                n_metrics = self._insert_many(conn, metrics_t, [_metrics_row(m, ids[m.canonical_key]) for m in metrics])
            if conjectures:
                rows = [_conjecture_row(c, ids.get(c.canonical_key or ""), search_id) for c in conjectures]
                n_conj = self._insert_many(conn, conj_t, rows)
                self._link_constants(conn, rows)
        return WriteCounts(n_pcf, n_metrics, n_conj)

    def _pcf_ids(self, conn: Connection, keys: Iterable[str]) -> dict[str, int]:
        ordered = sorted(set(keys))
        out: dict[str, int] = {}
        for chunk in chunks(ordered):
            stmt = sa.select(pcf_t.c.canonical_key, pcf_t.c.id).where(pcf_t.c.canonical_key.in_(chunk))
            out.update({k: i for k, i in conn.execute(stmt)})
        return out

    def _constant_ids(self, conn: Connection, names: Iterable[str]) -> dict[str, int]:
        ordered = sorted(set(names))
        if not ordered:
            return {}
        self._insert_many(conn, constant_t, [{"name": n, "description": None} for n in ordered])
        out: dict[str, int] = {}
        for chunk in chunks(ordered):
            out.update({n: i for n, i in conn.execute(sa.select(constant_t.c.name, constant_t.c.id).where(constant_t.c.name.in_(chunk)))})
        return out

    def _link_constants(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Rows of ``conjecture_constant`` for the conjectures just written (or already there)."""
        constant_ids = self._constant_ids(conn, (n for r in rows for n in r["constants"]))
        if not constant_ids:
            return
        wanted = {(r["kind"], r["value_key"], r["expression"]): r["constants"] for r in rows if r["constants"]}
        links = []
        value_keys = sorted({r["value_key"] for r in rows if r["constants"]})
        for chunk in chunks(value_keys):
            stmt = sa.select(conj_t.c.id, conj_t.c.kind, conj_t.c.value_key, conj_t.c.expression).where(conj_t.c.value_key.in_(chunk))
            for cid, kind, value_key, expression in conn.execute(stmt):
                for name in wanted.get((kind, value_key, expression), ()):
                    links.append({"conjecture_id": cid, "constant_id": constant_ids[name]})
        self._insert_many(conn, link_t, links)

    @db_errors
    def record_verification(
        self,
        conjecture_id: int,
        digits_requested: int,
        digits_agreed: int | None,
        depth: int | None,
        seconds: float | None,
        verdict: Verdict | str,
    ) -> int:
        """Store a verification run and move the conjecture to ``verified`` or ``refuted``
        (an ``inconclusive`` run leaves its status alone). Returns the verification's id."""
        outcome = choice(Verdict, verdict, "verdict")
        if not in_range(conjecture_id):
            raise StoreError(f"no conjecture with id {conjecture_id}")
        with self._write() as conn:
            exists = conn.scalar(sa.select(conj_t.c.id).where(conj_t.c.id == conjecture_id))
            if exists is None:
                raise StoreError(f"no conjecture with id {conjecture_id}")
            result = conn.execute(
                sa.insert(verification_t).values(
                    conjecture_id=conjecture_id,
                    digits_requested=int(digits_requested),
                    digits_agreed=None if digits_agreed is None else int(digits_agreed),
                    depth=None if depth is None else int(depth),
                    seconds=None if seconds is None else float(seconds),
                    verdict=outcome.value,
                    created_at=utcnow(),
                )
            )
            status = {Verdict.VERIFIED: ConjectureStatus.VERIFIED, Verdict.REFUTED: ConjectureStatus.REFUTED}.get(outcome)
            if status is not None:
                conn.execute(sa.update(conj_t).where(conj_t.c.id == conjecture_id).values(status=status.value))
            return new_id(result)
