"""The store's plumbing: its engine, transactions, the wrapper that turns database
failures into one-line errors, and insert-or-ignore in batches.

Every statement is built with SQLAlchemy Core and bound parameters (nothing a user types
is pasted into SQL). Writes are insert-or-ignore on natural keys (each dialect's
``ON CONFLICT DO NOTHING``), executed as one ``executemany`` per table.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, Self, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import SQLAlchemyError

from ..errors import StoreError, StoreUnavailableError
from .engine import WRITE_OPTION, connect_error, display_url, file_identity, sqlite_file
from .models import Base

TABLE = Base.metadata.tables
pcf_t, metrics_t, conj_t, link_t = TABLE["pcf"], TABLE["metrics"], TABLE["conjecture"], TABLE["conjecture_constant"]
constant_t, search_t, shard_t = TABLE["constant"], TABLE["search"], TABLE["shard"]
verification_t, cluster_t, cmf_link_t = TABLE["verification"], TABLE["cluster"], TABLE["cmf_link"]
source_t, edge_t = TABLE["conjecture_source"], TABLE["equivalence_edge"]

LOOKUP_CHUNK = 500  # keys per IN (...) lookup; far below every backend's parameter limit
DB_INT_MAX = 2**63 - 1  # the largest BIGINT (PostgreSQL) and INTEGER (SQLite): no id, count or limit is larger

F = TypeVar("F", bound=Callable[..., Any])
E = TypeVar("E", bound=StrEnum)

Plan = tuple[str, list[str] | None, list[tuple[str, Any]]]
"""SQL text, the positional parameter order (None: named parameters), the bind processors."""


def in_range(value: int) -> bool:
    """Whether an integer fits the database's 64-bit integers (a larger id names no row).

    >>> in_range(2**63 - 1), in_range(2**63), in_range(-5)
    (True, False, True)
    """
    return -DB_INT_MAX - 1 <= value <= DB_INT_MAX


def choice(enum: type[E], value: str, what: str) -> E:
    """``value`` as a member of ``enum``, or a one-line :class:`StoreError` naming the choices.

    >>> from brouncker.records import ShardStatus
    >>> choice(ShardStatus, "done", "shard status")
    <ShardStatus.DONE: 'done'>
    >>> choice(ShardStatus, "finished", "shard status")
    Traceback (most recent call last):
    ...
    brouncker.errors.StoreError: unknown shard status 'finished': choose one of pending, running, done, failed
    """
    try:
        return enum(value)
    except ValueError:
        raise StoreError(f"unknown {what} {value!r}: choose one of {', '.join(enum)}") from None


def db_errors(method: F) -> F:
    """Turn a database failure into a one-line :class:`StoreError` (after the rollback).

    Generator methods are wrapped too: the failure can come while their rows are read.
    """

    def translate(self: StoreBase, exc: Exception) -> StoreError:
        if isinstance(exc, SQLAlchemyError):
            return connect_error(exc, self.engine.url)
        return StoreError(f"database {self.url!r}: a number is out of the database's range ({' '.join(str(exc).split())})")

    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(self: StoreBase, *args: Any, **kwargs: Any) -> Any:
            try:
                yield from method(self, *args, **kwargs)
            except (SQLAlchemyError, OverflowError) as exc:
                raise translate(self, exc) from None

        return cast(F, generator)

    @functools.wraps(method)
    def wrapper(self: StoreBase, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (SQLAlchemyError, OverflowError) as exc:
            raise translate(self, exc) from None

    return cast(F, wrapper)


def json_text(value: Any) -> str | None:
    """JSON text for a JSON column on SQLite (a list of ints, the common case, directly).

    >>> json_text([3, -1, 0]), json_text([True, 2.5]), json_text({"x": 1}), json_text(None)
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


def as_float(value: Any) -> float | None:
    """A float for an indexed column; NaN and non-numbers become NULL.

    >>> as_float("2.5"), as_float(float("nan")), as_float(None), as_float(float("inf"))
    (2.5, None, None, inf)
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def new_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just made."""
    key = result.inserted_primary_key
    if key is None:  # only for statements that are not single-row inserts
        raise StoreError("the database did not return the new row's id")
    return int(key[0])


def chunks(items: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class StoreBase:
    """An engine with transactions and insert-or-ignore; the store's parts build on it."""

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.read_only = read_only
        self._plans: dict[tuple[str, tuple[str, ...]], Plan] = {}
        file = sqlite_file(engine.url)
        self._file = None if file is None else file.absolute()  # as the first connection resolved it
        self._identity = None if self._file is None else file_identity(self._file)

    def check_same_database(self) -> None:
        """Refuse (:class:`StoreUnavailableError`) when the SQLite file was deleted or replaced
        since the store was opened: open connections would go on reading and writing the
        old file, out of everyone's sight, and new ones would create an empty file. A
        PostgreSQL store has nothing to check."""
        if self._file is None or self._identity is None:
            return
        if file_identity(self._file) != self._identity:
            gone = "deleted" if not self._file.exists() else "replaced"
            raise StoreUnavailableError(f"the database file {str(self._file)!r} was {gone} after it was opened: nothing was written; "
                                        "open the store again")

    @property
    def url(self) -> str:
        """The database URL, password masked."""
        return display_url(self.engine.url)

    @property
    def in_memory(self) -> bool:
        """Whether the database lives in one connection's memory (``sqlite://``): another
        thread or process cannot see it."""
        return self.dialect == "sqlite" and (self.engine.url.database or ":memory:") == ":memory:"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r}{', read_only=True' if self.read_only else ''})"

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction: committed at the end, rolled back on any error."""
        if self.read_only:
            raise StoreError(f"the store at {self.url!r} was opened read-only")
        self.check_same_database()
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
            from sqlalchemy.dialects import postgresql

            return postgresql.insert(table).on_conflict_do_nothing()
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table).on_conflict_do_nothing()

    def _insert_many(self, conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
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
            names = order
            getter = operator.itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
            index = {name: i for i, name in enumerate(names)}
            for row in rows:
                values = list(getter(row))
                for name, process in processors:
                    values[index[name]] = process(values[index[name]])
                params.append(tuple(values))
        return max(conn.exec_driver_sql(sql, params).rowcount, 0)

    def _plan(self, table: sa.Table, columns: tuple[str, ...]) -> Plan:
        """The compiled insert-or-ignore of ``columns`` into ``table`` (cached)."""
        key = (table.name, columns)
        plan = self._plans.get(key)
        if plan is None:
            stmt = self._insert_ignore(table).inline()  # inline: no RETURNING of the new keys
            compiled = stmt.compile(dialect=self.engine.dialect, column_keys=list(columns))
            processors = []
            for name in columns:
                column_type = table.c[name].type
                process = json_text if isinstance(column_type, sa.JSON) else column_type.bind_processor(self.engine.dialect)
                if process is not None:
                    processors.append((name, process))
            order = list(compiled.positiontup) if compiled.positiontup else None
            plan = self._plans[key] = (compiled.string, order, processors)
        return plan
