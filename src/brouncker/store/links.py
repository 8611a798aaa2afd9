"""Links from stored formulas to the conservative matrix fields that explain them (the
``cmf_link`` table; ``brouncker cmf explain`` writes them, the report reads them).

Writes are insert-or-ignore on ``(search_id, link_key)``, the key a digest of the
explained PCF, the field, its parameters, the trajectory, the start and the method, so
running ``explain`` twice stores each link once.

>>> from brouncker.store import open_store
>>> from brouncker.records import CMFLinkRecord
>>> store = open_store("sqlite://")
>>> search = store.create_search("s", {"kind": "pcf"}, "h", shards=[(0, 0, 1)])
>>> link = CMFLinkRecord(search, "a=2,1|b=1,0,0", "a=2,1|b=1,0,0", "pi", {}, (1, 1), ("1", "0"), "shift", (0, 1, 1, 0))
>>> store.write_cmf_links([link, link]), store.write_cmf_links([link])
(1, 0)
>>> [(r.field, r.trajectory, r.start) for r in store.cmf_links(search)]
[('pi', (1, 1), ('1', '0'))]
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from ..errors import StoreError
from ..records import CMFLinkRecord, LinkMethod, json_safe
from .base import StoreBase, choice, cmf_link_t, db_errors, in_range
from .models import utcnow
from .rows import CMFLinkRow


def link_key(record: CMFLinkRecord) -> str:
    """The identity of a link within its search: a digest of the explained PCF (its key, and
    the conjecture or cluster it stands for), the field, parameters, trajectory, start and method."""
    core = {
        "canonical_key": record.canonical_key, "conjecture_id": record.conjecture_id, "cluster_id": record.cluster_id,
        "field": record.field, "parameters": dict(sorted(record.parameters.items())), "trajectory": list(record.trajectory),
        "start": list(record.start), "method": str(record.method),
    }
    text = json.dumps(core, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _link_row(record: CMFLinkRecord) -> dict[str, Any]:
    method = choice(LinkMethod, record.method, "link method")
    if not record.field or not record.trajectory:
        raise StoreError(f"{record.canonical_key}: a link needs a field and a trajectory")
    return {
        "search_id": record.search_id,
        "conjecture_id": record.conjecture_id,
        "cluster_id": record.cluster_id,
        "link_key": link_key(record),
        "canonical_key": record.canonical_key,
        "class_key": record.class_key,
        "field": record.field,
        "parameters": {str(k): str(v) for k, v in record.parameters.items()},
        "trajectory": [int(v) for v in record.trajectory],
        "start": [str(v) for v in record.start],
        "method": method.value,
        "mobius": None if record.mobius is None else [int(c) for c in record.mobius],
        "closed_form": record.closed_form,
        "digits": record.digits,
        "data": None if record.data is None else json_safe(record.data),
        "created_at": utcnow(),
    }


def link_row(r: Row[Any]) -> CMFLinkRow:
    """The typed row of a ``cmf_link`` table row."""
    return CMFLinkRow(
        id=r.id, search_id=r.search_id, conjecture_id=r.conjecture_id, cluster_id=r.cluster_id,
        canonical_key=r.canonical_key, class_key=r.class_key, field=r.field,
        parameters={str(k): str(v) for k, v in (r.parameters or {}).items()},
        trajectory=tuple(int(v) for v in r.trajectory or ()), start=tuple(str(v) for v in r.start or ()),
        method=LinkMethod(r.method), mobius=None if r.mobius is None else tuple(int(c) for c in r.mobius),
        closed_form=r.closed_form, digits=r.digits, data=r.data, created_at=r.created_at,
    )


class CMFLinks(StoreBase):
    """Write and read the links of stored formulas to known fields."""

    @db_errors
    def write_cmf_links(self, links: Sequence[CMFLinkRecord]) -> int:
        """Store links in one transaction, ignoring those already stored; returns how many
        were new. A link to a search or conjecture that does not exist is a :class:`StoreError`."""
        rows = [_link_row(r) for r in links]
        if not rows:
            return 0
        for r in rows:
            for column in ("search_id", "conjecture_id", "cluster_id"):
                if r[column] is not None and not in_range(r[column]):
                    raise StoreError(f"no {column.removesuffix('_id')} with id {r[column]}")
        with self._write() as conn:
            try:
                return self._insert_many(conn, cmf_link_t, rows)
            except IntegrityError as exc:
                detail = " ".join(str(getattr(exc, "orig", exc)).split())
                raise StoreError(
                    f"a link names a search, conjecture or cluster that is not stored; nothing was written ({detail[:200]})"
                ) from None

    @db_errors
    def cmf_links(self, search_id: int | None = None, field: str | None = None, conjecture_id: int | None = None) -> list[CMFLinkRow]:
        """Stored links, in id order: of one search, one field, or one conjecture, when given."""
        stmt = sa.select(cmf_link_t).order_by(cmf_link_t.c.id)
        for value, column in ((search_id, cmf_link_t.c.search_id), (conjecture_id, cmf_link_t.c.conjecture_id)):
            if value is not None:
                if not in_range(value):
                    return []
                stmt = stmt.where(column == value)
        if field is not None:
            stmt = stmt.where(cmf_link_t.c.field == field)
        with self._read() as conn:
            return [link_row(r) for r in conn.execute(stmt)]
