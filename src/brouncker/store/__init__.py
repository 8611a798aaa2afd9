"""The conjecture store: SQLAlchemy models, engines and migrations, and a small API.

>>> from brouncker.store import open_store
>>> store = open_store("sqlite://")
>>> store.query()
[]
"""

from .engine import DEFAULT_URL, ENV_VAR, resolve_url, upgrade
from .models import SCHEMA_REVISION
from .repository import (
    CONTRACT_FIELDS,
    SORT_COLUMNS,
    ShardRow,
    Store,
    WriteCounts,
    open_store,
)

__all__ = [
    "CONTRACT_FIELDS",
    "DEFAULT_URL",
    "ENV_VAR",
    "SCHEMA_REVISION",
    "SORT_COLUMNS",
    "ShardRow",
    "Store",
    "WriteCounts",
    "open_store",
    "resolve_url",
    "upgrade",
]
