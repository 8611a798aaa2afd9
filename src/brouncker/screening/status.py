"""The float screen's statuses and settling rules, shared by the numpy walk
(:mod:`brouncker.screening.screen`) and the compiled kernel (:mod:`brouncker.screening.kernel`),
so that the two decide alike and neither imports the other.
"""

from __future__ import annotations

CONVERGED, DIVERGENT, RATIONAL, NOT_CONVERGED = 0, 1, 2, 3
STATUS_NAMES = ("converged", "divergent", "rational", "not_converged")
FREEZE_EVERY = 16  # steps between checks for columns that have stopped moving
FREEZE_CHANGE = 4e-16  # relative change (two ulps) below which a column has settled in float64


def rational_tolerance(tolerance: float) -> float:
    """The relative distance to a small rational below which a settled limit counts as rational.

    >>> rational_tolerance(1e-12)
    1e-11
    """
    return max(tolerance * 10, 1e-14)
