"""The search engine, one driver for every kind: spec -> plan -> shards -> tasks -> records -> database.

``spec`` validates TOML specifications (one model per kind, and their limits), ``kinds`` is
the registry of kinds (what each enumerates, how it is sharded, what a worker runs),
``space`` enumerates the PCFs of a box by index, ``pipeline`` and ``esma_pipeline`` run one
shard of each kind (pure: no database, no Ray), ``executor`` runs shards serially or on
Ray, ``runner`` drives a whole search and writes its records to the store, and
``estimate`` times a sample of a search for ``search plan``. Ray is imported only when a
:class:`RayExecutor` is made.
"""

from .shards import Plan, Shard
from .space import PolynomialBox, Space
from .spec import ESMASpec, PCFSpec, SearchSpec, load_spec, parse_spec

__all__ = ["ESMASpec", "PCFSpec", "Plan", "PolynomialBox", "SearchSpec", "Shard", "Space", "load_spec", "parse_spec"]
