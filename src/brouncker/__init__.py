"""brouncker: a discovery engine for formulas of mathematical constants.

The public API gathers the pure mathematics (polynomials, PCFs, exact walks, the
constant bank, verification, identification, dynamics) and the entry points of the
store and the search engine.
"""

from typing import Any

from .constants import BANK, constant_value, parse_constant
from .convergence.dynamics import Dynamics, dynamics
from .convergence.verify import Verification, verify
from .errors import (
    BrounckerError,
    InconclusiveError,
    ParseError,
    SpecError,
    StoreError,
    UnknownConstantError,
)
from .esma.expansion import ESMAResult, signed_continued_fraction
from .esma.sequences import (
    LinearRecurrence,
    PRecurrence,
    berlekamp_massey,
    berlekamp_massey_mod,
    guess_p_recursive,
)
from .identification.identify import Identification, confirm, identify, identify_pcf
from .pcf.canonical import Canonical, Inflation, canonical, inflate
from .pcf.convergent import Convergent
from .pcf.fraction import PCF
from .pcf.polynomial import parse
from .pcf.walk import walk, walk_checkpoints, walk_sequential
from .printing import format_polynomial
from .records import ConjectureRecord, MetricsRecord, PCFRecord
from .screening.match import MoebiusMatch, match, moebius_tables
from .screening.screen import Screening, screen

__version__ = "0.1.0"

__all__ = [
    "Screening",
    "screen",
    "MoebiusMatch",
    "match",
    "moebius_tables",
    "SearchSpec",
    "load_spec",
    "run_search",
    "resume_search",
    "make_executor",
    "Canonical",
    "Identification",
    "InconclusiveError",
    "Inflation",
    "canonical",
    "confirm",
    "identify",
    "identify_pcf",
    "inflate",
    "ESMAConfig",
    "ESMAResult",
    "LinearRecurrence",
    "PRecurrence",
    "berlekamp_massey",
    "berlekamp_massey_mod",
    "esma_search",
    "guess_p_recursive",
    "signed_continued_fraction",
    "ConjectureRecord",
    "MetricsRecord",
    "PCFRecord",
    "Store",
    "open_store",
    "BANK",
    "Dynamics",
    "dynamics",
    "PCF",
    "Verification",
    "constant_value",
    "parse_constant",
    "verify",
    "BrounckerError",
    "Convergent",
    "ParseError",
    "SpecError",
    "StoreError",
    "UnknownConstantError",
    "format_polynomial",
    "parse",
    "walk",
    "walk_checkpoints",
    "walk_sequential",
]


_SEARCH_NAMES = ("SearchSpec", "load_spec", "run_search", "resume_search", "make_executor", "ESMAConfig", "esma_search")


def __getattr__(name: str) -> Any:
    """``open_store`` and ``Store`` load the store (and SQLAlchemy) on first use only."""
    if name in ("open_store", "Store"):
        from . import store

        return getattr(store, name)
    if name in _SEARCH_NAMES:  # the search engine loads on first use (its executor imports Ray lazily)
        from .search import executor, runner, spec
        from .search.kinds import esma

        homes = {"SearchSpec": spec, "load_spec": spec, "make_executor": executor, "ESMAConfig": esma, "esma_search": esma}
        return getattr(homes.get(name, runner), name)
    raise AttributeError(f"module 'brouncker' has no attribute {name!r}")
