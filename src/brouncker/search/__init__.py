"""The search engine, one driver for every kind: spec -> plan -> shards -> tasks -> records -> database.

``kind`` says what a kind of search is (the base of its spec model, and the record the
driver reads), ``kinds`` holds the kinds, one module each (its spec model, its plan, its
pipeline: pure, no database, no Ray) and the registry that names them, ``spec`` reads TOML
specifications and validates them against the model of their kind, ``space`` enumerates the
PCFs of a box by index, ``executor`` runs shards serially or on Ray, ``runner`` drives a
whole search and writes its records to the store, and ``estimate`` times a sample of a
search for ``search plan``. Ray is imported only when a :class:`RayExecutor` is made.
"""

from .kinds.esma import ESMASpec
from .kinds.pcf import PCFSpec
from .shards import Plan, Shard
from .space import PolynomialBox, Space
from .spec import SearchSpec, load_spec, parse_spec

__all__ = ["ESMASpec", "PCFSpec", "Plan", "PolynomialBox", "SearchSpec", "Shard", "Space", "load_spec", "parse_spec"]
