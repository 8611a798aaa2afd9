"""Sizes a user may ask for, each with a named limit checked before any work starts.

A limit can be raised on purpose (a command-line flag or a spec key says so); the
default keeps one request within seconds to minutes and within this machine's memory.
"""

from __future__ import annotations

# --- formulas: verify, identify, metrics, canonical -----------------------------------

# --- searches: spaces, shards, spec files, ESMA ------------------------------------------

# A spec file is a few hundred bytes of TOML: anything larger, or anything that is not a
# regular file (/dev/zero, a named pipe), is refused before it is read.
MAX_SPEC_BYTES = 1 << 20

# PCF spaces. The limits of a spec's [limits] table default to these; a spec raises them
# on purpose. Each is checked before any row is written.
MAX_PCF_DEGREE = 12  # degree of a(n) and b(n) in a search space
MAX_PCF_COEFFICIENT = 10**6  # float64 screening needs a(n), b(n) exact (below 2^53) at the depths used
MAX_SPACE = 10**10  # PCFs in one search: about 14 hours of one core screening at depth 1000
MAX_SHARDS = 100_000  # shards of one search: rows of the shard table, tasks held by the driver
MAX_TASK_SIZE = 1_000_000  # PCFs per shard: about 250 MB of screening arrays in one worker
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
SCREEN_BYTES_PER_PCF = 256  # peak memory of a shard's screening, per PCF
ESMA_SECONDS_PER_PAIR = 4e-4  # one (LHS, sign period) pair at depth 100
ESMA_BYTES_PER_LHS = 512  # peak memory of the LHS enumeration, per LHS kept
ESMA_BYTES_PER_PERIOD = 64  # a sign period's tuple, plus 8 bytes per sign
MEMORY_SHARE = 0.5  # a request estimated above this share of the machine's memory is refused


def machine_memory() -> int | None:
    """Bytes of physical memory of this machine (None where the OS does not say).

    >>> (machine_memory() or 1) > 0
    True
    """
    import os

    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):
        return None

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
