"""The kinds of search, by name: a plain mapping, one line per kind.

Each kind is one module of this package that holds its spec model, its plan and its
pipeline, and ends with its :class:`~brouncker.search.kind.Kind` record, ``KIND``. Adding a
kind is adding such a module and its line below; :func:`brouncker.search.spec.parse_spec`
validates a spec against the union of the registered models, tagged by ``kind``.

>>> sorted(KINDS)
['cmf', 'esma', 'import', 'pcf', 'relate']
>>> KINDS["esma"].unit
'pairs'
"""

from __future__ import annotations

from typing import Any

from ...errors import SpecError
from ..kind import Kind, SearchSpec
from ..shards import Plan
from . import cmf, esma, imports, pcf, relate

KINDS: dict[str, Kind[Any, Any]] = {
    pcf.KIND.name: pcf.KIND,
    esma.KIND.name: esma.KIND,
    cmf.KIND.name: cmf.KIND,
    imports.KIND.name: imports.KIND,
    relate.KIND.name: relate.KIND,
}


def kind_of(spec: SearchSpec) -> Kind[Any, Any]:
    """The kind of a validated spec."""
    try:
        return KINDS[spec.kind]
    except KeyError:
        raise SpecError(f"{spec.name}: {spec.kind!r} is not a kind of search; known: {', '.join(KINDS)}") from None


def plan_search(spec: SearchSpec) -> Plan:
    """The size and shards of a search, before the store is touched."""
    return kind_of(spec).plan(spec)
