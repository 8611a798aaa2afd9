"""The search engine: spec -> shards -> tasks -> records -> database.

``spec`` validates TOML specifications, ``space`` enumerates the PCFs of a spec by index,
``pipeline`` runs one shard (pure: no database, no Ray), ``executor`` runs shards serially
or on Ray, and ``runner`` drives a whole search and writes its records to the store.
Ray is imported only when a :class:`RayExecutor` is made.
"""

from .space import PolynomialBox, Shard, Space
from .spec import SearchSpec, load_spec, parse_spec

__all__ = ["PolynomialBox", "SearchSpec", "Shard", "Space", "load_spec", "parse_spec"]
