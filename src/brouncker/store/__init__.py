"""The conjecture store: SQLAlchemy models, engines and migrations, and a typed API.

>>> from brouncker.store import open_store
>>> store = open_store("sqlite://")
>>> store.query()
[]
"""

from .drivers import HEARTBEAT_SECONDS, Driver
from .engine import DEFAULT_URL, ENV_VAR, resolve_url, upgrade
from .models import SCHEMA_REVISION
from .queries import SORT_COLUMNS
from .repository import Store, open_store
from .rows import (
    CONTRACT_FIELDS,
    ROW_FIELDS,
    ClusterMember,
    ClusterRow,
    CMFLinkRow,
    ConjectureDetail,
    ConjectureFilter,
    ConjectureRow,
    EdgeRow,
    MetricsRow,
    NewCluster,
    PCFConjecture,
    PCFDynamics,
    PCFFeatures,
    PCFRow,
    SearchRow,
    ShardRow,
    SourceRow,
    VerificationRow,
    WriteCounts,
    rows_frame,
)

__all__ = [
    "CONTRACT_FIELDS",
    "DEFAULT_URL",
    "ENV_VAR",
    "HEARTBEAT_SECONDS",
    "ROW_FIELDS",
    "SCHEMA_REVISION",
    "SORT_COLUMNS",
    "CMFLinkRow",
    "ClusterMember",
    "ClusterRow",
    "ConjectureDetail",
    "ConjectureFilter",
    "ConjectureRow",
    "Driver",
    "EdgeRow",
    "MetricsRow",
    "NewCluster",
    "PCFConjecture",
    "PCFDynamics",
    "PCFFeatures",
    "PCFRow",
    "SearchRow",
    "ShardRow",
    "SourceRow",
    "Store",
    "VerificationRow",
    "WriteCounts",
    "open_store",
    "resolve_url",
    "rows_frame",
    "upgrade",
]
