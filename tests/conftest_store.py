"""Database fixtures for the store tests (a pytest plugin: ``pytest_plugins``).

``db_url`` is parametrised over both backends: a fresh SQLite file, and a throwaway
schema on the PostgreSQL server of ``$BROUNCKER_TEST_PG`` (default: the local server,
database ``test``, trust authentication). Each PostgreSQL test gets its own schema,
named ``brouncker_test_<session>_<n>`` and dropped afterwards; whatever a crashed test
left behind is dropped at the end of the session. The PostgreSQL tests skip, with the
reason shown, only when no server answers; with ``BROUNCKER_TEST_PG_REQUIRED=1`` (CI)
they fail instead.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

PG_ENV = "BROUNCKER_TEST_PG"
PG_REQUIRED_ENV = "BROUNCKER_TEST_PG_REQUIRED"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_FALLBACK_ROLES = ("postgres", "root")  # whichever role the local trust authentication accepts


def _answers(url: str) -> str | None:
    """None when the server accepts a connection at ``url``, else why not."""
    engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return None
    except Exception as exc:  # any failure means: no usable server here
        return " ".join(str(getattr(exc, "orig", exc)).split())[:200]
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The base URL of a PostgreSQL server that answers (skip or fail when none does)."""
    explicit = os.environ.get(PG_ENV)
    default = make_url(PG_DEFAULT)
    candidates = [explicit] if explicit else [default.set(username=r).render_as_string(hide_password=False) for r in PG_FALLBACK_ROLES]
    reasons = []
    for url in candidates:
        why = _answers(url)
        if why is None:
            break
        reasons.append(f"{make_url(url).render_as_string()}: {why}")
    else:
        message = "no PostgreSQL server answers (" + "; ".join(reasons) + f"); set {PG_ENV}"
        if os.environ.get(PG_REQUIRED_ENV):
            pytest.fail(message)
        pytest.skip(message)
    prefix = f"brouncker_test_{secrets.token_hex(4)}"
    engine = sa.create_engine(url)
    _PG[url] = (engine, prefix, itertools.count())
    try:
        yield url
    finally:
        with engine.begin() as conn:
            left = conn.execute(
                sa.text("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE :p"), {"p": prefix + "%"}
            ).scalars().all()
            for schema in left:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()


_PG: dict[str, tuple[sa.Engine, str, itertools.count]] = {}


def pg_schema_url(base: str) -> Iterator[str]:
    """A new schema on the server at ``base``; yields a URL whose search_path is that
    schema, and drops the schema afterwards."""
    engine, prefix, counter = _PG[base]
    schema = f"{prefix}_{next(counter)}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A URL of an empty database, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    base = request.getfixturevalue("pg_server")
    yield from pg_schema_url(base)


@pytest.fixture
def store(db_url: str):  # type: ignore[no-untyped-def]
    """An open store on a new database of each backend."""
    from brouncker.store import open_store

    s = open_store(db_url)
    try:
        yield s
    finally:
        s.close()
