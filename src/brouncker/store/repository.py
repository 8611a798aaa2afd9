"""The store: one class over one database, made of its parts, and :func:`open_store`.

=====================  =========================================================
part                   responsibility
=====================  =========================================================
:mod:`.base`           engine, transactions, error wrapper, insert-or-ignore
:mod:`.writes`         records in batches, verification runs
:mod:`.queries`        ``query``, ``show``: conjecture rows and details
:mod:`.searches`       searches and their shards
:mod:`.cluster_tables` clusters, and the PCF rows that clustering reads
:mod:`.links`          links of stored formulas to known matrix fields (``cmf explain``)
:mod:`.sources`        the file rows that imported formulas come from (``import``)
:mod:`.edges`          certified edges of the equivalence graph (``relate``)
:mod:`.rows`           the typed rows every read returns
=====================  =========================================================

>>> store = open_store("sqlite://")      # an in-memory database, for the example
>>> from brouncker.records import PCFRecord, ConjectureRecord
>>> pcf = PCFRecord("k1", (2, 1), (1, 0, 0))
>>> c = ConjectureRecord("pcf", "4/pi", ("pi",), (1, 0, 0, -4), 50, "k1", (2, 1), (1, 0, 0))
>>> store.write_records(pcfs=[pcf], conjectures=[c]).as_dict()
{'pcfs': 1, 'metrics': 0, 'conjectures': 1}
>>> store.write_records(pcfs=[pcf], conjectures=[c]).as_dict()   # again: nothing new
{'pcfs': 0, 'metrics': 0, 'conjectures': 0}
>>> [(r.a, r.b, r.expression, r.status) for r in store.query(constant="pi")]
[('2n + 1', 'n^2', '4/pi', <ConjectureStatus.CONJECTURED: 'conjectured'>)]
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from .cluster_tables import ClusterTables
from .edges import EquivalenceEdges
from .engine import check_connection, connect_error, ensure_schema, make_engine
from .links import CMFLinks
from .queries import ConjectureQueries
from .searches import SearchTables
from .sources import ConjectureSources
from .writes import RecordWrites


class Store(RecordWrites, ConjectureQueries, SearchTables, ClusterTables, CMFLinks, ConjectureSources, EquivalenceEdges):
    """The conjecture store over one database. Use :func:`open_store` to get one."""


def open_store(url: str | None = None, *, create: bool = True, read_only: bool = False) -> Store:
    """Open the store at ``url`` (else ``$BROUNCKER_DB``, else ``./brouncker.db``).

    ``create`` gives an empty database the schema; without it, and always when
    ``read_only``, a database with no brouncker schema raises :class:`StoreError`
    naming ``brouncker db upgrade``, and nothing is created (not even a SQLite file). A
    ``read_only`` store cannot write at all: its connections refuse. A database at an
    older schema revision, a bad URL and an unreachable server raise
    :class:`StoreError` too.
    """
    engine = make_engine(url, read_only=read_only, must_exist=not create)
    try:
        check_connection(engine)
        ensure_schema(engine, create=create and not read_only)
        store = Store(engine, read_only=read_only)
        if not read_only:
            store._seed_constants()
    except SQLAlchemyError as exc:
        engine.dispose()
        raise connect_error(exc, engine.url) from None
    except BaseException:
        engine.dispose()
        raise
    return store
