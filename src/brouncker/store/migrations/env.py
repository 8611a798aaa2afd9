"""Alembic environment of the brouncker store.

``brouncker db upgrade`` passes an open connection in ``config.attributes``; the
``alembic -c db/alembic.ini`` command line instead uses ``sqlalchemy.url`` from the ini
file, else ``$BROUNCKER_DB``, else ``./brouncker.db``. SQLite migrations run in batch
mode (tables are rebuilt where SQLite cannot alter them).
"""

from alembic import context
from sqlalchemy.engine import Connection

from brouncker.store.engine import make_engine, resolve_url
from brouncker.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    if config.config_file_name:  # the alembic command line with db/alembic.ini
        from logging.config import fileConfig

        fileConfig(config.config_file_name)
    url = resolve_url(config.get_main_option("sqlalchemy.url") or None)
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url, foreign_keys=False)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


try:
    context.config  # noqa: B018 (a NameError outside Alembic is the test)
except (NameError, AttributeError):  # imported outside Alembic (pytest --doctest-modules): nothing to run
    pass
else:
    _main()
