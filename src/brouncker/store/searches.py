"""Searches and their shards in the store: what makes a search resumable.

A search row and its shards are created in one transaction, so that no search is ever
stored without the shards that say what is left to run. A driver claims a search before
it runs it and beats while it does (:mod:`brouncker.store.drivers`): a search whose
driver went away without a word reads as interrupted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..errors import StoreError
from ..records import SearchStatus, ShardStatus, json_safe
from .base import StoreBase, choice, db_errors, in_range, new_id, search_t, shard_t
from .drivers import Driver, as_utc, no_driver_since
from .models import utcnow
from .rows import SearchRow, ShardRow

ShardRange = tuple[int, int, int]
"""A shard as ``(index, start, stop)``: the index range ``[start, stop)`` of the space."""


def _shard_rows(search_id: int, shards: Iterable[ShardRange]) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {"search_id": search_id, "shard_index": int(i), "start": int(lo), "stop": int(hi), "status": ShardStatus.PENDING.value,
         "attempts": 0, "counts": None, "error": None, "updated_at": now}
        for i, lo, hi in shards
    ]


class SearchTables(StoreBase):
    """Create, follow and list searches and their shards."""

    @db_errors
    def create_search(self, name: str, spec: Mapping[str, Any], spec_hash: str, *, shards: Iterable[ShardRange]) -> int:
        """A new search in state ``pending`` with all its shards, in one transaction;
        returns its id. A search with no shard is refused: nothing would ever run it."""
        shard_list = list(shards)
        if not shard_list:
            raise StoreError(f"search {name!r} has no shards to run (its space is empty); nothing was stored")
        now = utcnow()
        with self._write() as conn:
            result = conn.execute(
                sa.insert(search_t).values(
                    name=name, spec=json_safe(spec), spec_hash=spec_hash, status=SearchStatus.PENDING.value, counters={},
                    created_at=now, updated_at=now,
                )
            )
            search_id = new_id(result)
            self._insert_many(conn, shard_t, _shard_rows(search_id, shard_list))
            return search_id

    @db_errors
    def find_search_by_hash(self, spec_hash: str) -> int | None:
        """The latest search with this spec hash, if any."""
        with self._read() as conn:
            return conn.scalar(sa.select(sa.func.max(search_t.c.id)).where(search_t.c.spec_hash == spec_hash))

    @db_errors
    def add_shards(self, search_id: int, shards: Iterable[ShardRange]) -> int:
        """Add shards ``(index, start, stop)``; shards already there are kept as they are.
        Returns how many were new."""
        rows = _shard_rows(search_id, shards)
        if not rows:
            return 0
        with self._write() as conn:
            return self._insert_many(conn, shard_t, rows)

    @db_errors
    def shards(self, search_id: int, status: ShardStatus | str | None = None) -> list[ShardRow]:
        """The shards of a search in index order, optionally only those in ``status``."""
        if not in_range(search_id):
            return []
        stmt = sa.select(shard_t).where(shard_t.c.search_id == search_id).order_by(shard_t.c.shard_index)
        if status is not None:
            stmt = stmt.where(shard_t.c.status == choice(ShardStatus, status, "shard status").value)
        with self._read() as conn:
            return [
                ShardRow(r.search_id, r.shard_index, r.start, r.stop, ShardStatus(r.status), r.attempts, r.counts, r.error)
                for r in conn.execute(stmt)
            ]

    @db_errors
    def set_shard_status(
        self, search_id: int, shard_index: int, status: ShardStatus | str, counts: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        """Move a shard to ``status``; ``running`` counts an attempt. ``counts`` replaces
        the shard's counts when given; ``error`` is stored as given (None clears it)."""
        new = choice(ShardStatus, status, "shard status")
        values: dict[str, Any] = {"status": new.value, "error": error, "updated_at": utcnow()}
        if counts is not None:
            values["counts"] = json_safe(counts)
        if new is ShardStatus.RUNNING:
            values["attempts"] = shard_t.c.attempts + 1
        stmt = sa.update(shard_t).where(shard_t.c.search_id == search_id, shard_t.c.shard_index == shard_index).values(**values)
        with self._write() as conn:
            if conn.execute(stmt).rowcount == 0:
                raise StoreError(f"search {search_id} has no shard {shard_index}")

    @db_errors
    def set_search_status(self, search_id: int, status: SearchStatus | str, counters: Mapping[str, Any] | None = None) -> None:
        """Set a search's status; ``counters`` are merged into the stored counters."""
        new = choice(SearchStatus, status, "search status")
        with self._write() as conn:
            old = conn.execute(sa.select(search_t.c.counters).where(search_t.c.id == search_id)).first()
            if old is None:
                raise StoreError(f"no search with id {search_id}")
            merged = dict(old.counters or {})
            merged.update(json_safe(counters or {}))
            conn.execute(
                sa.update(search_t).where(search_t.c.id == search_id).values(status=new.value, counters=merged, updated_at=utcnow())
            )

    @db_errors
    def claim_search(self, search_id: int, driver: Driver) -> None:
        """Make ``driver`` the one running this search: status ``running``, with a first beat.

        Refused while another driver runs it and is still there (two drivers would run
        the same shards twice); a search whose driver is gone is taken over."""
        now = utcnow()
        with self._write() as conn:
            row = conn.execute(sa.select(search_t).where(search_t.c.id == search_id)).first()
            if row is None:
                raise StoreError(f"no search with id {search_id}")
            other = Driver(row.driver_host, row.driver_pid) if row.driver_host is not None and row.driver_pid is not None else None
            if (row.status == SearchStatus.RUNNING.value and other is not None and other != driver
                    and no_driver_since(row.driver_host, row.driver_pid, row.heartbeat_at, row.updated_at, now=now) is None):
                seconds = (now - as_utc(row.heartbeat_at)).total_seconds()
                raise StoreError(f"search {search_id} is running: its driver, process {other.pid} on {other.host}, "
                                 f"beat {seconds:.0f} s ago; let it finish, or stop it and resume")
            conn.execute(sa.update(search_t).where(search_t.c.id == search_id).values(
                status=SearchStatus.RUNNING.value, driver_host=driver.host, driver_pid=driver.pid, heartbeat_at=now, updated_at=now))

    @db_errors
    def beat(self, search_id: int, driver: Driver) -> bool:
        """Record a sign of life of ``driver``; False when the search is no longer its own."""
        stmt = (sa.update(search_t)
                .where(search_t.c.id == search_id, search_t.c.driver_host == driver.host, search_t.c.driver_pid == driver.pid)
                .values(heartbeat_at=utcnow()))
        with self._write() as conn:
            return bool(conn.execute(stmt).rowcount)

    @staticmethod
    def _search_row(row: Row[Any], shard_counts: dict[str, int], with_spec: bool) -> SearchRow:
        status = SearchStatus(row.status)
        lost = None
        if status is SearchStatus.RUNNING:
            lost = no_driver_since(row.driver_host, row.driver_pid, row.heartbeat_at, row.updated_at, now=utcnow())
            status = SearchStatus.INTERRUPTED if lost is not None else status
        return SearchRow(
            id=row.id, name=row.name, status=status, spec_hash=row.spec_hash, counters=row.counters or {},
            shards=shard_counts, created_at=row.created_at, updated_at=row.updated_at, spec=row.spec if with_spec else None,
            driver_host=row.driver_host, driver_pid=row.driver_pid, heartbeat_at=row.heartbeat_at, no_driver_since=lost,
        )

    @staticmethod
    def _shard_counts(conn: Connection, search_id: int | None = None) -> dict[int, dict[str, int]]:
        stmt = sa.select(shard_t.c.search_id, shard_t.c.status, sa.func.count()).group_by(shard_t.c.search_id, shard_t.c.status)
        if search_id is not None:
            stmt = stmt.where(shard_t.c.search_id == search_id)
        out: dict[int, dict[str, int]] = {}
        for sid, status, n in conn.execute(stmt):
            out.setdefault(sid, {})[status] = n
        return out

    @db_errors
    def searches(self) -> list[SearchRow]:
        """Every search, newest first, with shard counts by status (no spec)."""
        with self._read() as conn:
            counts = self._shard_counts(conn)
            rows = conn.execute(sa.select(search_t).order_by(search_t.c.id.desc())).all()
            return [self._search_row(r, counts.get(r.id, {}), with_spec=False) for r in rows]

    @db_errors
    def search(self, search_id: int) -> SearchRow | None:
        """One search with its spec and shard counts, or None."""
        if not in_range(search_id):
            return None
        with self._read() as conn:
            row = conn.execute(sa.select(search_t).where(search_t.c.id == search_id)).first()
            if row is None:
                return None
            return self._search_row(row, self._shard_counts(conn, search_id).get(search_id, {}), with_spec=True)
