"""Sizes a user may ask for, each with a named limit checked before any work starts.

Every :class:`Limit` has a ``default`` bound, which keeps one request within seconds to
minutes, and a ``large`` bound that applies once large requests are allowed on purpose:
``--allow-large`` on the command line, or :func:`allow_large` from Python (which the
executors carry to their workers). Memory is different: a request whose estimate exceeds
:data:`MEMORY_SHARE` of this machine's memory is refused whatever the flag says
(:func:`check_memory`), with the estimate in the message.

>>> DIGITS.check(50)
50
>>> DIGITS.check(10**9)
Traceback (most recent call last):
...
brouncker.errors.LimitError: --digits is 1,000,000,000, over the limit of 100,000; --allow-large raises it to 10,000,000
>>> with allow_large():
...     DIGITS.check(10**6)
1000000
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from .errors import LimitError

ALLOW_LARGE_FLAG = "--allow-large"  # the command-line flag that raises every limit to `large`

Size = TypeVar("Size", int, float)

_large: ContextVar[bool] = ContextVar("brouncker_allow_large", default=False)


def large_allowed() -> bool:
    """Whether large requests are allowed here (see :func:`allow_large`)."""
    return _large.get()


@contextmanager
def allow_large(on: bool = True) -> Iterator[None]:
    """Within the block, every limit is its ``large`` bound (when ``on``)."""
    token = _large.set(on or _large.get())
    try:
        yield
    finally:
        _large.reset(token)


def _shown(value: float) -> str:
    """A size as a reader wants it: ``1,000,000`` or, for astronomical ones, ``about 10^5000``."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"about 10^{math.floor(value.bit_length() * math.log10(2)):,}"
    if isinstance(value, float) and not (math.isfinite(value) and abs(value) < 1e18):
        return f"about 10^{math.floor(math.log10(abs(value))):,}" if math.isfinite(value) else "astronomical"
    return f"{value:,}" if float(value).is_integer() else f"{value:,.3g}"


@dataclass(frozen=True, slots=True)
class Limit:
    """A size a user may ask for: between ``minimum`` and ``default``, or up to ``large``
    when large requests are allowed on purpose. ``large == default``: it cannot be raised."""

    name: str  # what is limited, in words: "digits of a value or a verification"
    option: str  # how a user asks for it, named in messages: "--digits"
    default: int
    large: int
    minimum: int = 1

    @property
    def bound(self) -> int:
        """The bound in force here."""
        return self.large if large_allowed() else self.default

    def check(self, value: Size, subject: str | None = None) -> Size:
        """``value`` if it is within the limit; otherwise a :class:`LimitError` naming
        ``subject`` (default: the option), the value, the bound and how to raise it."""
        subject = subject or self.option
        if value < self.minimum:
            raise LimitError(f"{subject} must be at least {self.minimum:,}, got {_shown(value)}")
        bound = self.bound
        if value <= bound:
            return value
        message = f"{subject} is {_shown(value)}, over the limit of {bound:,}"
        if self.large > bound:
            message += f"; {ALLOW_LARGE_FLAG} raises it to {self.large:,}"
        elif self.large > self.default:
            message += f" (with {ALLOW_LARGE_FLAG})"
        raise LimitError(message)

    @property
    def help(self) -> str:
        """For an option's ``--help``: ``at most 100,000, or 10,000,000 with --allow-large``."""
        if self.large > self.default:
            return f"at most {self.default:,}, or {self.large:,} with {ALLOW_LARGE_FLAG}"
        return f"at most {self.default:,}"


# --- memory --------------------------------------------------------------------------

MEMORY_SHARE = 0.5  # a request estimated above this share of the machine's memory is refused


def machine_memory() -> int | None:
    """Bytes of physical memory of this machine (None where the OS does not say).

    >>> (machine_memory() or 1) > 0
    True
    """
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):
        return None


def check_memory(estimate: float, what: str, hint: str = "") -> None:
    """Refuse ``what`` up front when its ``estimate`` in bytes exceeds :data:`MEMORY_SHARE`
    of this machine's memory (``--allow-large`` does not lift it): the one memory check.

    >>> check_memory(1e40, "a shard of 10^38 PCFs", "use a smaller shard_size")
    Traceback (most recent call last):
    ...
    brouncker.errors.LimitError: a shard of 10^38 PCFs needs about 1.00e31 GB of memory, more than 50% of this machine's ...
    """
    total = machine_memory()
    if total is None or estimate <= MEMORY_SHARE * total:
        return
    message = f"{what} needs about {size(estimate)} of memory, more than {MEMORY_SHARE:.0%} of this machine's {size(total)}"
    raise LimitError(message + (f": {hint}" if hint else ""))


# --- sizes in messages ----------------------------------------------------------------


def number(n: float) -> str:
    """A count for a message: digits grouped, or a power of ten when it is long.

    >>> number(1768900), number(192_699_928_990_721), number(10**40)
    ('1,768,900', '1.93e14', '1.00e40')
    """
    n = int(n)
    if abs(n) < 10**12:
        return f"{n:,}"
    digits = str(abs(n))
    mantissa = round(int(digits[:4]) / 1000, 2)
    exponent = len(digits) - 1
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{'-' if n < 0 else ''}{mantissa:.2f}e{exponent}"


def duration(seconds: float) -> str:
    """A duration for a message.

    >>> duration(42), duration(5400), duration(9000), duration(3e7), duration(1e40)
    ('42 s', '90 min', '2.5 hours', '347 days', '3.17e32 years')
    """
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} hours"
    if seconds < 3 * 365 * 86400:
        return f"{seconds / 86400:.0f} days"
    years = seconds / (365.25 * 86400)
    return f"{years:.0f} years" if years < 10**6 else f"{number(years)} years"


def size(nbytes: float) -> str:
    """Bytes for a message: the one byte formatter.

    >>> size(3.2e8), size(2.5e12), size(1e40), size(512)
    ('320 MB', '2.5 TB', '1.00e31 GB', '1 kB')
    """
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if nbytes >= scale:
            if unit == "TB" and nbytes >= 1e15:
                return f"{number(nbytes / 1e9)} GB"
            value = nbytes / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{nbytes / 1e3:.0f} kB"


WALK_BYTES_PER_STEP = 100  # the term lists a(n), b(n) of a walk: two Python ints and two list slots per step
WALK_LIVE_COPIES = 24  # integers of the size of p(N) alive at once in a product tree (measured: about 16)


def walk_bytes(a: Sequence[int], b: Sequence[int], depth: int) -> float:
    r"""Bytes a walk of PCF(a, b) to ``depth`` needs, from above.

    $|p(N)|$ grows by about $\max(|a(n)|, \sqrt{|b(n)|})$ per step, which is at most
    $\sum_i |c_i| N^i$ of the larger polynomial at $N$; the product tree keeps
    :data:`WALK_LIVE_COPIES` numbers of that size alive at the top.

    >>> 0.2e9 < walk_bytes((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0), 10**6) < 0.5e9    # measured: 0.2 GB
    True
    """
    if depth <= 0:
        return 0.0
    log2_n = math.log2(max(depth, 2))

    def log2_bound(coefficients: Sequence[int]) -> float:
        top = len(coefficients) - 1
        terms = [abs(int(c)).bit_length() + (top - i) * log2_n for i, c in enumerate(coefficients) if c]
        return max(terms, default=0.0) + math.log2(len(coefficients))

    bits_per_step = max(log2_bound(a), log2_bound(b) / 2, 1.0) + 1
    return depth * (WALK_BYTES_PER_STEP + WALK_LIVE_COPIES * bits_per_step / 8)


# --- formulas: verify, identify, metrics, canonical -----------------------------------

DIGITS = Limit("digits of a value, a verification or an identification", "--digits", 100_000, 10_000_000)
# `identify --a --b` without --digits looks with 50 digits, then twice as many while nothing is found
# and the PCF converges fast enough, up to this (its limit to twice as many: well under a second)
IDENTIFY_RAISE_DIGITS = 2_000
DEPTH = Limit("depth of a walk (metrics --depth, verify --max-depth)", "--depth", 1_000_000, 100_000_000)
POLYNOMIAL_DEGREE = Limit("degree of a polynomial", "--a/--b", 64, 1_024, 0)
# the canonical form factors the content of a and b: 50 digits factor within a second (60 take seconds,
# 100 hours); 4,000 stays below Python's 4,300-digit limit on int <-> str, so every coefficient prints
COEFFICIENT_DIGITS = Limit("digits of a polynomial's coefficient (and of each integer in its text)", "--a/--b", 50, 4_000)
NUMBER_DIGITS = Limit("digits of a number in a constant expression (Python reads its integers)", "--constant", 4_000, 4_000)
TEXT_LENGTH = Limit("characters of a polynomial or a constant expression", "--a/--b/--constant", 10_000, 1_000_000)
CONSTANT_EXPONENT = Limit("|log10| of each part of a constant expression", "--constant", 10_000, 1_000_000, 0)
FUNCTION_ARGUMENT = Limit("size of an argument of a function in a constant expression", "--constant", 10_000, 1_000_000, 0)

# --- imports: a collection of formulas from a file (`brouncker import FILE`) ------------------

# A row costs a limit, an identification, the verification of its claim and a dynamics record:
# about 30 ms for degrees (6, 12) on one core, so the default is minutes of work. The file is
# read whole (and its rows kept in the search's spec), so its size is bounded before it is read.
IMPORT_ROWS = Limit("rows of an imported file", "FILE", 10_000, 1_000_000)
IMPORT_FILE_BYTES = Limit("bytes of an imported file", "FILE", 10_000_000, 1_000_000_000)
IMPORT_SOURCE_LENGTH = Limit("characters of a row's source text", "FILE", 10_000, 1_000_000)
IMPORT_MAX_DEPTH = 1 << 17  # deepest walk of an import's limits and verifications (`--depth`)
IMPORT_MAX_DIGITS = 10_000  # digits of an import's identification and verification (`--digits`)

# --- folds and certificates of equivalence ------------------------------------------------

# A k-fold multiplies k matrices: its PCF has about k times the degrees of the original, and a
# certificate tries every fold of both sides up to k (k(k+1)/2 folds a side).
FOLD = Limit("k of a fold of a PCF (every k-th convergent)", "--max-fold", 4, 12)
# U(n) of a certificate is fitted from about 4(D + 1)/3 exact convergent matrices and solved
# exactly: degree 12 covers a shift by two steps of a degree-(3, 6) PCF.
CERTIFICATE_DEGREE = Limit("degree of the entries of U(n) in a certificate", "--max-degree", 12, 48, 0)

# The equivalence graph of a store (`relate SEARCH_ID`): its formulas are placed in groups one by
# one (a limit and a relation each, about 10 ms), and the pairs of a group are tried in blocks
# (about 10 ms a pair that has a certificate, up to a second one that has none).
RELATE_FORMULAS = Limit("formulas of the searches related at once", "SEARCH_ID", 20_000, 1_000_000)
RELATE_PAIRS = Limit("candidate pairs of a relate search", "SEARCH_ID", 500_000, 50_000_000)

# --- searches: spaces, shards, spec files, ESMA ------------------------------------------

# A spec file is a few hundred bytes of TOML: anything larger, or anything that is not a
# regular file (/dev/zero, a named pipe), is refused before it is read.
MAX_SPEC_BYTES = 1 << 20

# PCF spaces. The limits of a spec's [limits] table default to these; a spec raises them
# on purpose. Each is checked before any row is written.
MAX_PCF_DEGREE = 12  # degree of a(n) and b(n) in a search space
MAX_PCF_COEFFICIENT = 10**6  # float64 screening needs a(n), b(n) exact (below 2^53) at the depths used
FR_MAX_DEPTH = 100_000  # [fr] depth: the FR test of every PCF of a space walks this deep
FR_MAX_RECHECK_DEPTH = 1_000_000  # [fr] recheck_depth: the dynamics record of each class that passes
MAX_TEMPLATE_TEXT = 1_000  # characters of a template a(n) or b(n) in a spec
MAX_SPACE = 10**10  # PCFs in one search: about an hour of one core screening a degree-2 box at depth 1000
MAX_SHARDS = 100_000  # shards of one search: rows of the shard table, tasks held by the driver
MAX_TASK_SIZE = 50_000_000  # PCFs per shard: seconds of one core; identify mode screens it by blocks, a box's made in the kernel
HARD_MAX_SPACE = 2**62  # a PCF's index is an int64: no [limits] key goes beyond this
HARD_MAX_SHARDS = 10**7
HARD_MAX_TASK_SIZE = 10**8

# ESMA: the space is the (LHS, sign period) pairs; a task is a chunk of LHS with every period.
ESMA_MAX_SPACE = 1_000_000  # pairs: about 5 minutes of one core at depth 100 (~0.3 ms a pair)
ESMA_MAX_TASK_SIZE = 100_000  # pairs per shard; one LHS with every sign period must fit
ESMA_MAX_LHS_DEGREE = 8  # degree of P and Q in P(c)/Q(c)
ESMA_MAX_COEFF_LIMIT = 10**6  # coefficients of P and Q lie in [-L, L]
ESMA_MAX_CYCLE = 64  # longest sign period: 2^64 periods are far past any limit already
ESMA_MAX_DEPTH = 100_000  # partial quotients per (LHS, sign period)

# CMF trajectory searches: the space is the (parameters, trajectory, start) triples of a
# field; a task is a chunk of them. Each triple costs a trajectory matrix, a limit, an
# identification, a walk for δ and a dynamics record: a few ms for the diagonal of the ζ(3)
# field, about a second for trajectories with entries near 4 (PCFs of degree 20-60 with long
# coefficients); a trajectory (16, 15) of the ζ(3) field gives a PCF of degree 177.
CMF_MAX_SPACE = 100_000  # triples in one search: hours of one core at the slow end
CMF_MAX_TASK_SIZE = 1_000  # triples per shard
CMF_MAX_NORM = 16  # largest |entry| of a trajectory: a step multiplies up to d * 16 axis matrices
CMF_MAX_COORDINATE = 10**6  # largest |numerator| or denominator of a start or parameter value
CMF_MAX_DEPTH = 1 << 17  # deepest walk of a search (limits, δ) and of `cmf walk`
CMF_MAX_DIGITS = 10_000  # digits asked of a trajectory's limit
CMF_MAX_EXPLAIN_ITEMS = 200_000  # triples `cmf explain` enumerates in one run: about a minute (0.3 ms each)
CMF_SECONDS_PER_ITEM = 0.1  # estimate quoted when a search is refused (ζ(3), entries up to 4: 117 triples in 10 s)

# `search plan` runs sample tasks for about this long (its --sample-seconds), at most the maximum.
PLAN_SAMPLE_SECONDS = 3.0
MAX_PLAN_SAMPLE_SECONDS = 600.0

# Estimates quoted when a request is refused (measured on a 2-core machine of this kind).
SCREEN_SECONDS_PER_PCF_STEP = 5e-9  # float64 screening, one PCF, one step
SCREEN_BYTES_PER_PCF = 256  # peak memory of a shard's screening, per PCF (measured: 111 with the kernel, 150 with numpy)
SCREEN_BLOCK = 1 << 16  # PCFs enumerated, screened and matched at a time in identify mode: its memory is a block's
ESMA_SECONDS_PER_PAIR = 4e-4  # one (LHS, sign period) pair at depth 100
ESMA_BYTES_PER_LHS = 512  # peak memory of the LHS enumeration, per LHS kept
ESMA_BYTES_PER_PERIOD = 64  # a sign period's tuple, plus 8 bytes per sign

# --- the store and the web app -------------------------------------------------------------

# `brouncker serve`: the list of conjectures comes in pages; a page asks for at most
# SERVE_MAX_PAGE_SIZE rows. "Verify to N digits" takes N up to the cap set at start-up
# (--max-digits, SERVE_VERIFY_DIGITS unless raised), and no cap goes beyond
# SERVE_MAX_VERIFY_DIGITS: a verification of 10^5 digits takes minutes on one core.
SERVE_PAGE_SIZE = 50  # rows of a page unless the URL asks for another size
SERVE_MAX_PAGE_SIZE = 500
SERVE_VERIFY_DIGITS = 5_000  # the default cap on N of "Verify to N digits"
SERVE_MAX_VERIFY_DIGITS = 100_000  # the highest cap --max-digits may set
SERVE_MAX_WAITING_VERIFICATIONS = 8  # verifications queued behind the running one; more are refused
SERVE_MAX_EXPORT_ROWS = 200_000  # rows of one export (CSV, JSON, LaTeX); a larger filter is refused
SERVE_MAX_BODY_BYTES = 4_096  # a request body (the verify form is under 100 bytes); a larger one is refused unread

