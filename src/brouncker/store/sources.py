"""The sources of imported formulas (the ``conjecture_source`` table; ``brouncker import``
writes them, ``show``, the web app and the report read them).

Writes are insert-or-ignore on ``(search_id, line)``: importing a file again stores each
of its rows once.

>>> from brouncker.store import open_store
>>> from brouncker.records import ConjectureRecord, SourceRecord
>>> store = open_store("sqlite://")
>>> search = store.create_search("f.csv", {"kind": "import"}, "h", shards=[(0, 0, 1)])
>>> _ = store.write_records(conjectures=[ConjectureRecord("pcf", "4/pi", ("pi",), (), 30, "k", (2, 1), (1, 0, 0))])
>>> source = SourceRecord(1, search, 2, "2n+1", "n^2", "4/pi", "<b>Brouncker</b>", "verified", 30)
>>> store.write_sources([source, source]), store.write_sources([source])
(1, 0)
>>> [(s.line, s.source) for s in store.sources(conjecture_id=1)]
[(2, '<b>Brouncker</b>')]
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..errors import StoreError
from ..records import SourceRecord
from .base import StoreBase, db_errors, in_range, source_t
from .models import utcnow
from .queries import source_row
from .rows import SourceRow


class ConjectureSources(StoreBase):
    """Write and read the file rows that imported formulas come from."""

    @db_errors
    def write_sources(self, sources: Sequence[SourceRecord]) -> int:
        """Store sources in one transaction, ignoring rows already stored; returns how many
        were new. A source of a conjecture or search that does not exist is a :class:`StoreError`."""
        rows = []
        for s in sources:
            for what, value in (("conjecture", s.conjecture_id), ("search", s.search_id)):
                if not in_range(value):
                    raise StoreError(f"no {what} with id {value}")
            rows.append({**s.as_dict(), "created_at": utcnow()})
        if not rows:
            return 0
        with self._write() as conn:
            try:
                return self._insert_many(conn, source_t, rows)
            except IntegrityError as exc:
                detail = " ".join(str(getattr(exc, "orig", exc)).split())
                raise StoreError(
                    f"a source names a search or conjecture that is not stored; nothing was written ({detail[:200]})"
                ) from None

    @db_errors
    def sources(self, conjecture_id: int | None = None, search_id: int | None = None) -> list[SourceRow]:
        """Stored sources in line order (then search): of one conjecture, or of one search, when given."""
        stmt = sa.select(source_t).order_by(source_t.c.search_id, source_t.c.line)
        for value, column in ((conjecture_id, source_t.c.conjecture_id), (search_id, source_t.c.search_id)):
            if value is not None:
                if not in_range(value):
                    return []
                stmt = stmt.where(column == value)
        with self._read() as conn:
            return [source_row(r) for r in conn.execute(stmt)]
