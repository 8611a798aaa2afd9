"""Working precision: every margin, guard and re-check factor of the code base, named once.

Each constant says what it protects against. Modules import them from here; none defines
its own copy.
"""

from __future__ import annotations

# --- integer relations ------------------------------------------------------------------

MARGIN = 12
"""Digits of evidence a relation needs beyond what its coefficients cost, when one relation
is tried: D digits of a random number satisfy a given relation of cost D - MARGIN with a
chance of about 10^-MARGIN. Each further relation tried on the same value is one more
chance, so N relations need MARGIN + log10(N) (``relations.required_margin``)."""

RESIDUAL_SLACK = 2
"""A relation must vanish to within 10^RESIDUAL_SLACK units of the values' last digit (per
unit of coefficient): the rounding of each value, and of products such as x*K, adds up."""

RECHECK_FACTOR = 2
"""A relation found with D digits must hold again on a value with about RECHECK_FACTOR * D
digits: fresh digits that took no part in finding it."""

MAX_COEFFICIENT = 10**9
"""Largest coefficient of an acceptable relation: 12-digit coefficients can pass the margin at
45 digits, but they are not a formula."""

SEARCH_MARGIN = 15
"""Digits beyond the largest acceptable cost that the lattice is given: LLL finds every
relation under the coefficient cap from that many digits; the rest only check it."""

RELATION_GUARD_DIGITS = 10
"""Working digits beyond those compared, so that sums and products of values (x*y, x*K)
lose nothing in the last compared digit."""

# --- limits of PCFs -----------------------------------------------------------------------

# --- constants of the bank ----------------------------------------------------------------

# --- ESMA ---------------------------------------------------------------------------------
