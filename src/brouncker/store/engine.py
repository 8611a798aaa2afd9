"""Database engines and schema migrations for the conjecture store.

The URL comes from ``--db``, else ``$BROUNCKER_DB``, else the SQLite file
``./brouncker.db``. SQLite runs with WAL, a busy timeout and foreign keys on; PostgreSQL
through psycopg 3. Every failure a user can cause (a malformed URL, an unknown dialect,
an unreachable server, a schema older than the code) is a one-line :class:`StoreError`.

The Alembic migrations ship inside the package (``brouncker/store/migrations``), so
``brouncker db upgrade`` works from any directory and from a plain ``pip install``.

>>> resolve_url("sqlite:///x.db")
'sqlite:///x.db'
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SAWarning, SQLAlchemyError

from ..errors import StoreError
from .models import SCHEMA_REVISION, TABLES

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_URL = "sqlite:///brouncker.db"
ENV_VAR = "BROUNCKER_DB"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
SQLITE_BUSY_TIMEOUT_MS = 30_000  # a second writer waits this long for the lock, then fails
SQLITE_CACHE_KIB = 65_536  # page cache per connection (64 MiB): the key index of ~1M PCFs stays in memory
PG_CONNECT_TIMEOUT_S = 10  # an unreachable server fails after this long, not the OS default
URL_HINT = "use sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DATABASE"
MIGRATION_LOCK = 0x62726F756E636B  # PostgreSQL advisory lock key held while migrating
WRITE_OPTION = "brouncker_write"  # execution option of connections that write
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def resolve_url(url: str | None = None) -> str:
    """The database URL: ``url`` if given, else ``$BROUNCKER_DB``, else ``./brouncker.db``.

    An empty URL is refused rather than taken for "the default": ``--db ""`` (or an empty
    ``$BROUNCKER_DB``) is a mistake, not a request for ``./brouncker.db``.

    >>> resolve_url("")
    Traceback (most recent call last):
    ...
    brouncker.errors.StoreError: the database URL is empty: use sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DATABASE
    """
    if url is None:
        url = os.environ.get(ENV_VAR)
        if url is None:
            return DEFAULT_URL
        if not url.strip():
            raise StoreError(f"${ENV_VAR} is set but empty: {URL_HINT}")
    if not url.strip():
        raise StoreError(f"the database URL is empty: {URL_HINT}")
    return url


def display_url(url: URL | str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return (url if isinstance(url, URL) else make_url(url)).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return _masked(str(url))


def _masked(text: str) -> str:
    """A URL that does not parse, with anything between ``user:`` and ``@`` masked.

    >>> _masked("postgresql://me:s3cret@db:abc/x")
    'postgresql://me:***@db:abc/x'
    """
    return re.sub(r"(//[^/:@]*:)[^/@]*@", r"\1***@", text)


def parse_url(url: str | None) -> URL:
    """Check and parse a URL; ``postgresql://`` means psycopg 3.

    >>> parse_url("postgresql://me@db/x").drivername
    'postgresql+psycopg'
    """
    text = resolve_url(url)
    try:
        parsed = make_url(text)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        reason = "" if isinstance(exc, ArgumentError) else f" ({' '.join(str(exc).split())})"
        raise StoreError(f"cannot parse database URL {_masked(text)!r}{reason}: {URL_HINT}") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise StoreError(f"unsupported database {backend!r} in {display_url(parsed)!r}: {URL_HINT}")
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | None = None, *, foreign_keys: bool = True, read_only: bool = False, must_exist: bool = False) -> Engine:
    """An engine for ``url`` (not yet connected). Foreign keys are turned off only to
    migrate SQLite, where a table rebuild must not cascade. A ``read_only`` engine's
    connections refuse to write (SQLite ``query_only``; PostgreSQL read-only
    transactions). With ``must_exist`` (implied by ``read_only``) a SQLite file that does
    not exist is refused rather than created by the first connection."""
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    connect_args: dict[str, Any] = {}
    if backend == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    if backend == "sqlite":
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_MS / 1000
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", SAWarning)  # e.g. query arguments the driver would ignore
            engine = sa.create_engine(parsed, connect_args=connect_args)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"cannot use database URL {display_url(parsed)!r}: {exc}") from None
    except (ArgumentError, TypeError, ValueError, SAWarning) as exc:
        detail = " ".join(str(exc).split("(Background on")[0].split())
        raise StoreError(f"bad database URL {display_url(parsed)!r}: {detail}") from None
    if (read_only or must_exist) and backend == "sqlite":
        _require_sqlite_file(parsed)
    if backend == "sqlite":
        _configure_sqlite(engine, foreign_keys, read_only)
    elif read_only:
        _configure_postgresql_read_only(engine)
    return engine


def _require_sqlite_file(parsed: URL) -> None:
    """Refuse to open a SQLite file that does not exist (connecting would create it)."""
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    if not Path(database).is_file():
        raise StoreError(no_database_message(display_url(parsed)))


def sqlite_file(url: URL | str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL and for in-memory or ``file:`` URI databases.

    >>> sqlite_file("sqlite:////tmp/x.db"), sqlite_file("sqlite://"), sqlite_file("postgresql://me@db/x")
    (PosixPath('/tmp/x.db'), None, None)
    """
    parsed = url if isinstance(url, URL) else make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``, or None when there is none: a file deleted
    or replaced (a new one written in its place, or moved there) has another identity."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def no_database_message(where: str) -> str:
    """What a reading command says where there is no brouncker database."""
    return f"there is no brouncker database at {where!r}: create one with `brouncker db upgrade --db {where}`"


def _configure_sqlite(engine: Engine, foreign_keys: bool, read_only: bool) -> None:
    """WAL, busy timeout, foreign keys; and real BEGIN statements, so that a batch is one
    transaction (the sqlite3 module's own transaction handling is turned off)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if read_only:  # a reader leaves the journal mode as it is, and cannot write
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: no corruption, fewer fsyncs
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the lock up front (BEGIN IMMEDIATE) and waits for it under the busy
        # timeout, instead of failing when a read transaction later tries to write.
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _configure_postgresql_read_only(engine: Engine) -> None:
    """Every transaction of the engine's connections is READ ONLY."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_connection.commit()


def connect_error(exc: SQLAlchemyError, url: URL | str) -> StoreError:
    """One line for a failed connection or statement."""
    orig = getattr(exc, "orig", None) or exc
    detail = " ".join(str(orig).split()) or type(orig).__name__
    return StoreError(f"database {display_url(url)!r}: {detail}")


def check_connection(engine: Engine) -> None:
    """Connect once, so that a bad URL or an unreachable server fails now, in one line."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except (DBAPIError, SQLAlchemyError) as exc:
        raise connect_error(exc, engine.url) from None


UNVERSIONED = "unversioned"


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision of the database: None when it has none of the store's
    tables, ``"base"`` when its revision table is empty, :data:`UNVERSIONED` when it has
    store tables but no revision table (not made by brouncker)."""
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        if "alembic_version" not in tables:
            return UNVERSIONED if tables & set(TABLES) else None
        rev = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        return rev or "base"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic :class:`Config` for the packaged migrations (no ini file needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def known_revisions() -> list[str]:
    """Every revision of the packaged migrations, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def check_revision(revision: str) -> str:
    """``revision`` if the packaged migrations know it (or it is ``head``), else a
    one-line :class:`StoreError` naming the ones they know."""
    known = known_revisions()
    if revision != "head" and revision not in known:
        raise StoreError(f"unknown schema revision {revision!r}: choose head or one of {', '.join(known)}")
    return revision


def upgrade(url: str | None = None, revision: str = "head") -> str:
    """Create or upgrade the schema at ``url`` to ``revision``; returns the revision reached.

    An unknown revision, or one older than the database's (this is no downgrade), is a
    one-line :class:`StoreError`, and the database is left as it was.
    """
    check_revision(revision)
    engine = make_engine(url)
    try:
        check_connection(engine)
        return migrate(engine, revision)
    finally:
        engine.dispose()


def migrate(engine: Engine, revision: str = "head") -> str:
    """Run the migrations up to ``revision`` on ``engine``; returns the revision reached.

    The whole upgrade is one transaction (SQLite and PostgreSQL both have transactional
    DDL), so a failed migration leaves the database as it was. On SQLite foreign keys are
    off while tables are rebuilt (batch mode), then checked.
    """
    from alembic import command
    from alembic.util import CommandError

    _refuse_downgrade(engine, revision)
    try:
        with engine.connect() as conn:
            sqlite = engine.dialect.name == "sqlite"
            dbapi: Any = conn.connection.dbapi_connection
            if sqlite:  # outside any transaction, where SQLite honours this pragma
                dbapi.execute("PRAGMA foreign_keys = OFF")
            conn.execution_options(**{WRITE_OPTION: True})  # SQLite: BEGIN IMMEDIATE, one migrator at a time
            try:
                with conn.begin():
                    if engine.dialect.name == "postgresql":  # one migrator at a time
                        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                    config = alembic_config()
                    config.attributes["connection"] = conn
                    command.upgrade(config, revision)
                    if sqlite:
                        bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if bad:
                            raise StoreError(f"the migration would break {len(bad)} foreign keys; nothing was changed")
            finally:
                if sqlite:
                    dbapi.execute("PRAGMA foreign_keys = ON")
        return current_revision(engine) or "base"
    except SQLAlchemyError as exc:
        raise connect_error(exc, engine.url) from None
    except CommandError as exc:
        detail = " ".join(str(exc).split())
        raise StoreError(f"cannot upgrade {display_url(engine.url)!r} to revision {revision!r}: {detail}; nothing was changed") from None


def _refuse_downgrade(engine: Engine, revision: str) -> None:
    """A target older than the database's revision is refused (Alembic would do nothing)."""
    if revision == "head":
        return
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        raise connect_error(exc, engine.url) from None
    known = known_revisions()
    if current in known and revision in known and known.index(revision) < known.index(current):
        raise StoreError(f"database {display_url(engine.url)!r} is at schema revision {current}, newer than {revision}: "
                         "brouncker does not downgrade; nothing was changed")


def ensure_schema(engine: Engine, create: bool = True) -> None:
    """Check that the schema is the one this code expects, creating it in an empty
    database; otherwise say what to run."""
    try:
        rev = current_revision(engine)
    except SQLAlchemyError as exc:
        raise connect_error(exc, engine.url) from None
    if rev == SCHEMA_REVISION:
        return
    where = display_url(engine.url)
    if rev is None:
        if not create:
            raise StoreError(no_database_message(where))
        migrate(engine)
        return
    if rev == UNVERSIONED:
        raise StoreError(f"database {where!r} has tables named like brouncker's but no schema revision: use a new database")
    if rev == "base" or rev in known_revisions():
        raise StoreError(
            f"database {where!r} has schema revision {rev}, older than this brouncker ({SCHEMA_REVISION}): "
            f"run `brouncker db upgrade --db {where}`"
        )
    raise StoreError(
        f"database {where!r} has schema revision {rev}, which this brouncker does not know "
        f"(it expects {SCHEMA_REVISION}): upgrade brouncker"
    )
