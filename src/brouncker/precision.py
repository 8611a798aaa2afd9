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

COEFFICIENT_SHARE = 0.5
"""Share of the evidence beyond the margin that a relation's coefficients may take: found with
D digits and checked on E >= D, its cost may be at most min(D - m, COEFFICIENT_SHARE * (E - m))
(``relations.allowed_cost``). Without a deeper value (E = D) a relation must leave the margin
plus half of the rest unexplained, so few digits allow only small coefficients (12-digit ones
fit 45 digits of 0.123456789101112... with 22 digits to spare, and are not a formula), while
many digits allow large ones (a tail of Brouncker's fraction at 300 digits). A re-check at
RECHECK_FACTOR * D fresh digits is evidence enough for any cost the margin leaves."""

SEARCH_MARGIN = 15
"""Digits beyond the largest acceptable cost that the lattice is given when a caller caps the
coefficients: LLL finds every relation under that cap from that many digits; the rest only
check it."""

RELATION_GUARD_DIGITS = 10
"""Working digits beyond those compared, so that sums and products of values (x*y, x*K)
lose nothing in the last compared digit."""

# --- limits of PCFs -----------------------------------------------------------------------

# A limit's ``digits`` are honest: |value - L| <= 10^-digits. These keep them so.
LIMIT_GUARD_DIGITS = 5  # digits a caller asks of a limit beyond those it will use
VALUE_GUARD_DIGITS = 10  # working digits of a limit's value beyond the digits asked for
EXTRAPOLATION_GUARD_DIGITS = 2  # taken off the agreement of the two extrapolations at N/2 and N
EXTRAPOLATION_GUARD_BITS = 64  # working bits of an extrapolation beyond what its divided differences lose
TEXT_ROUNDING = 0.30103  # log10(2): a limit printed to d places is within 10^-d only if its error is below 10^-d / 2

# Verification against a constant expression.
VERIFY_EXTRA_DIGITS = 30  # the constant carries this many digits more than requested
CONSTANT_NOISE_DIGITS = 5  # agreement within the last 5 digits of the constant cannot be told apart from noise
DELTA_RESOLUTION_DIGITS = 10  # delta is measured only on an error the constant resolves by 10 digits
REFUTE_MARGIN = 2.0  # digits by which the settled step must undercut the distance to the constant to refute
SETTLE_SLACK = 2  # digits by which the settled digits may fall short of the request when the constant agrees
DEPTH_SAFETY = 1.1  # predicted depths are stretched by 10% to land past the target

# Plots of convergence against a known constant.
SERIES_EXTRA_DIGITS = 40  # the constant carries this many digits beyond the deepest convergent's

# --- certificates of equivalence -----------------------------------------------------------

RELATE_DIGITS = 40
"""Digits at which the limits of two formulas are related by a Möbius map before a certificate
is sought (re-checked at RECHECK_FACTOR times as many): maps with coefficients up to about
10^6 each pass the margin."""

# --- machine integers ---------------------------------------------------------------------

INT64_SAFE = 2**62
"""An integer evaluation runs in int64 only when a bound on every intermediate |value|,
computed up front, lies below this: int64 wraps silently at 2^63 (1024 n^12 is 0 at n = 32),
and a bound computed in float64 is off by far less than the factor 2 kept in hand."""

# --- constants of the bank ----------------------------------------------------------------

CONSTANT_GUARD_DIGITS = 15  # working digits beyond those asked of a constant expression, so its last digit is right

# --- ESMA ---------------------------------------------------------------------------------

# A signed continued fraction of x = P(c)/Q(c) is read off an integer interval around x; each
# partial quotient uses up about ESMA_DIGITS_PER_TERM digits of x.
ESMA_DIGITS_PER_TERM = 5  # working digits per extracted term: 500 digits at depth 100, as the reference
ESMA_MIN_DPS = 100  # working digits of an expansion however shallow
ESMA_GUARD_DIGITS = 40  # digits of c beyond the working precision: P(c)/Q(c) loses up to deg * log10(L) of them
ESMA_ENUMERATION_DPS = 60  # digits at which LHS values are compared when the enumeration dedupes them
ESMA_VALUE_KEY_DIGITS = 50  # results whose values agree to this many digits are one result
ESMA_VERIFY_MAX_DPS = 3000  # the digits a rebuilt fraction agrees to are measured up to this precision
