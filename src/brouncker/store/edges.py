"""Certified edges of the equivalence graph (the ``equivalence_edge`` table; ``brouncker
relate SEARCH_ID`` writes them, ``show``, ``query --class``, the web app and the report read
them). The store does no mathematics: the certificates were checked before they got here,
and ``relate --check`` checks them again.

Writes are insert-or-ignore on ``(search_id, from_key, to_key)``: a relate search resumed
after a crash stores each edge once.

>>> from brouncker.store import open_store
>>> from brouncker.records import ConjectureRecord, EdgeRecord
>>> store = open_store("sqlite://")
>>> search = store.create_search("relate", {"kind": "relate"}, "h", shards=[(0, 0, 1)])
>>> _ = store.write_records(conjectures=[ConjectureRecord("pcf", "4/pi", ("pi",), (), 30, "k", (2, 1), (1, 0, 0))])
>>> edge = EdgeRecord(search, "conjecture:1", "field:pi||1,1|1,1", 1, None, {"field": "pi"}, {"c": "1"})
>>> store.write_edges([edge, edge]), store.write_edges([edge])
(1, 0)
>>> [(e.from_id, e.to_key) for e in store.edges(conjecture_id=1)]
[(1, 'field:pi||1,1|1,1')]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from ..errors import StoreError
from ..records import EdgeRecord, json_safe
from .base import StoreBase, conj_t, db_errors, edge_t, in_range
from .models import utcnow
from .rows import EdgeRow


def edge_row(r: Row[Any]) -> EdgeRow:
    """The typed row of an ``equivalence_edge`` table row."""
    return EdgeRow(id=r.id, search_id=r.search_id, from_key=r.from_key, to_key=r.to_key, from_id=r.from_id, to_id=r.to_id,
                   to_field=r.to_field, certificate=dict(r.certificate or {}), created_at=r.created_at)


class EquivalenceEdges(StoreBase):
    """Write and read the certified edges of the equivalence graph."""

    @db_errors
    def write_edges(self, edges: Sequence[EdgeRecord]) -> int:
        """Store edges in one transaction, ignoring those already stored; returns how many
        were new. An edge naming a search or conjecture that does not exist is a :class:`StoreError`."""
        rows = []
        for e in edges:
            for what, value in (("search", e.search_id), ("conjecture", e.from_id), ("conjecture", e.to_id)):
                if value is not None and not in_range(value):
                    raise StoreError(f"no {what} with id {value}")
            rows.append({
                "search_id": e.search_id, "from_key": e.from_key, "to_key": e.to_key, "from_id": e.from_id, "to_id": e.to_id,
                "to_field": None if e.to_field is None else json_safe(e.to_field), "certificate": json_safe(e.certificate),
                "created_at": utcnow(),
            })
        if not rows:
            return 0
        with self._write() as conn:
            try:
                return self._insert_many(conn, edge_t, rows)
            except IntegrityError as exc:
                detail = " ".join(str(getattr(exc, "orig", exc)).split())
                raise StoreError(f"an edge names a search or conjecture that is not stored; nothing was written ({detail[:200]})") from None

    @db_errors
    def edges(self, search_id: int | None = None, conjecture_id: int | None = None) -> list[EdgeRow]:
        """Stored edges in id order: of one relate search, or touching one conjecture, when given."""
        stmt = sa.select(edge_t).order_by(edge_t.c.id)
        if search_id is not None:
            if not in_range(search_id):
                return []
            stmt = stmt.where(edge_t.c.search_id == search_id)
        if conjecture_id is not None:
            if not in_range(conjecture_id):
                return []
            stmt = stmt.where(sa.or_(edge_t.c.from_id == conjecture_id, edge_t.c.to_id == conjecture_id))
        with self._read() as conn:
            return [edge_row(r) for r in conn.execute(stmt)]

    @db_errors
    def edges_of_search(self, search_id: int) -> list[EdgeRow]:
        """The edges that touch a conjecture of search ``search_id`` (any relate search found them)."""
        if not in_range(search_id):
            return []
        members = sa.select(conj_t.c.id).where(conj_t.c.search_id == search_id)
        stmt = sa.select(edge_t).where(sa.or_(edge_t.c.from_id.in_(members), edge_t.c.to_id.in_(members))).order_by(edge_t.c.id)
        with self._read() as conn:
            return [edge_row(r) for r in conn.execute(stmt)]
