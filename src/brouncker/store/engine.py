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
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from ..errors import StoreError
from .models import SCHEMA_REVISION, TABLES

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
    """The database URL: ``url`` if given, else ``$BROUNCKER_DB``, else ``./brouncker.db``."""
    return url or os.environ.get(ENV_VAR) or DEFAULT_URL


def display_url(url: URL | str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return (url if isinstance(url, URL) else make_url(url)).render_as_string(hide_password=True)
    except ArgumentError:
        return str(url)


def parse_url(url: str | None) -> URL:
    """Check and parse a URL; ``postgresql://`` means psycopg 3.

    >>> parse_url("postgresql://me@db/x").drivername
    'postgresql+psycopg'
    """
    text = resolve_url(url)
    try:
        parsed = make_url(text)
    except ArgumentError:
        raise StoreError(f"cannot parse database URL {text!r}: {URL_HINT}") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise StoreError(f"unsupported database {backend!r} in {display_url(parsed)!r}: {URL_HINT}")
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | None = None, *, foreign_keys: bool = True) -> Engine:
    """An engine for ``url`` (not yet connected). Foreign keys are turned off only to
    migrate SQLite, where a table rebuild must not cascade."""
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    connect_args: dict = {}
    if backend == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    if backend == "sqlite":
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_MS / 1000
    try:
        engine = sa.create_engine(parsed, connect_args=connect_args)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"cannot use database URL {display_url(parsed)!r}: {exc}") from None
    except (ArgumentError, TypeError) as exc:
        raise StoreError(f"bad database URL {display_url(parsed)!r}: {exc}") from None
    if backend == "sqlite":
        _configure_sqlite(engine, foreign_keys)
    return engine


def _configure_sqlite(engine: Engine, foreign_keys: bool) -> None:
    """WAL, busy timeout, foreign keys; and real BEGIN statements, so that a batch is one
    transaction (the sqlite3 module's own transaction handling is turned off)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: no corruption, fewer fsyncs
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        # A writer takes the lock up front (BEGIN IMMEDIATE) and waits for it under the busy
        # timeout, instead of failing when a read transaction later tries to write.
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


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


def alembic_config(url: str | None = None):  # type: ignore[no-untyped-def]
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


def upgrade(url: str | None = None, revision: str = "head") -> str:
    """Create or upgrade the schema at ``url`` to ``revision``; returns the revision reached."""
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

    try:
        with engine.connect() as conn:
            sqlite = engine.dialect.name == "sqlite"
            if sqlite:  # outside any transaction, where SQLite honours this pragma
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = OFF")
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
                    conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = ON")
        return current_revision(engine) or "base"
    except SQLAlchemyError as exc:
        raise connect_error(exc, engine.url) from None


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
            raise StoreError(f"database {where!r} has no brouncker schema: run `brouncker db upgrade --db URL`")
        migrate(engine)
        return
    if rev == UNVERSIONED:
        raise StoreError(f"database {where!r} has tables named like brouncker's but no schema revision: use a new database")
    if rev == "base" or rev in known_revisions():
        raise StoreError(
            f"database {where!r} has schema revision {rev}, older than this brouncker ({SCHEMA_REVISION}): "
            "run `brouncker db upgrade --db URL`"
        )
    raise StoreError(
        f"database {where!r} has schema revision {rev}, which this brouncker does not know "
        f"(it expects {SCHEMA_REVISION}): upgrade brouncker"
    )
