r"""Exact walks along a trajectory, their limits, and δ.

The walk to depth $N$ is $W_N = N(0) N(1) \cdots N(N-1)$ over gmpy2 integers, where $N(n)$
is the integer part of the trajectory matrix (see :mod:`brouncker.cmf.trajectory`; the
scalar dropped from it cancels in every ratio below). The product is split in halves
recursively (binary splitting), so the big multiplications are balanced; the entries of
$N(n)$ for a run of $n$ are evaluated at once by numpy. Checkpoints at several depths come
from one walk, chained left to right.

**Projection** (ramanujantools' choice): the approximant at depth $N$ is
$p_N / q_N = W_N[0, r-1] / W_N[1, r-1]$, the first two entries of the last column.
Its trustworthy digits are $\lfloor -\log_{10} |p_N/q_N - p_{N-1}/q_{N-1}| \rfloor$, the
rule the project uses for PCF convergents.

**Limits to D digits.** For rank 2 a trajectory is a PCF (:mod:`brouncker.cmf.companion`):
the limit is the Möbius image of that PCF's value, which
:func:`brouncker.pcf.value.pcf_limit` computes; the digits of the value are carried
through the derivative of the map. For rank $> 2$ the walk doubles its depth until the
approximant has $D$ trustworthy digits by the rule above; that rule is an estimate, not
a bound, for these walks (a monotone tail can hide more error than its last step).

The walk returns :class:`~brouncker.pcf.convergent.Convergent`, the type PCF walks return:
its trustworthy digits, its value and δ are defined there once. **δ**:
$|p_N/q_N - L| = \tilde q_N^{-(1+\delta)}$ with $\tilde q_N = q_N / \gcd(p_N, q_N)$;
blind δ takes $L$ from depth $2N$ (``None`` when undefined).

>>> from brouncker.cmf.known import known_field
>>> result = approximate(known_field("e"), (1, 1), (0, 0), 40)
>>> result.digits > 30, mpmath.nstr(result.limit, 15)
(True, '-0.581976706869326')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
from gmpy2 import mpz
from mpmath import mp, mpf

from ..errors import FieldError, InconclusiveError
from ..pcf.convergent import Convergent
from ..pcf.mobius import Mobius
from ..pcf.value import MAX_DEPTH, START_DEPTH, pcf_limit  # one set of walk budgets for PCFs and fields
from ..precision import LIMIT_GUARD_DIGITS
from .companion import TrajectoryPCF, trajectory_pcf
from .field import CMF, Rational
from .product import IntMatrix, multiply, segment
from .trajectory import TrajectoryMatrix, trajectory_matrix


def walk(tm: TrajectoryMatrix, depths: Iterable[int]) -> list[Convergent]:
    """The projection $p_N/q_N$ (with $p_{N-1}/q_{N-1}$) at each of ``depths`` (any order,
    repeats allowed, each at least 1), from one walk.

    >>> from brouncker.cmf.known import known_field
    >>> from brouncker.cmf.trajectory import trajectory_matrix
    >>> tm = trajectory_matrix(known_field("zeta3"), (1, 1), (1, 1))
    >>> [(a.p, a.q) for a in walk(tm, [1, 2])]
    [(mpz(-21), mpz(125)), (mpz(-11042), mpz(65690))]
    """
    asked = [int(d) for d in depths]
    wanted = sorted(set(asked))
    if not wanted:
        return []
    if wanted[0] < 1:
        raise FieldError(f"a walk's depth must be at least 1, not {wanted[0]}")
    state = segment(tm, 0, 0)
    done = 0
    out: dict[int, Convergent] = {}
    for d in wanted:
        if d - 1 > done:
            state = segment(tm, 0, d - 1) if done == 0 else multiply(state, segment(tm, done, d - 1))
        previous = state
        state = multiply(previous, [[mpz(v) for v in row] for row in tm.at(d - 1)])
        done = d
        out[d] = Convergent(d, state[0][-1], state[1][-1], previous[0][-1], previous[1][-1])
    return [out[d] for d in asked]


def walk_sequential(tm: TrajectoryMatrix, depth: int) -> IntMatrix:
    """$W_N$ one matrix at a time: the reference the product tree is tested against."""
    acc = segment(tm, 0, 0)
    for n in range(depth):
        acc = multiply(acc, [[mpz(v) for v in row] for row in tm.at(n)])
    return acc


# --- limits and δ --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrajectoryLimit:
    """The limit of a trajectory to the digits it can be trusted to, and how it was found."""

    value: mpf
    digits: int
    depth: int
    method: str  # "pcf" (rank 2: a PCF's value through a Möbius map) or "walk"

    def text(self) -> str:
        """The value to its trustworthy digits, as decimal text."""
        return mpmath.nstr(self.value, max(1, self.digits + _integer_digits(self.value)), strip_zeros=False)

    def as_dict(self) -> dict[str, Any]:
        return {"limit": self.text(), "digits": self.digits, "depth": self.depth, "method": self.method}


def _integer_digits(x: mpf) -> int:
    return max(0, int(mpmath.floor(mpmath.log10(abs(x)))) + 1) if x != 0 else 0


def trajectory_limit(
    field: CMF, trajectory: Sequence[int], start: Sequence[Rational | str], digits: int, max_depth: int = MAX_DEPTH
) -> TrajectoryLimit:
    r"""The limit $\lim p_N/q_N$ of a trajectory to ``digits`` trustworthy digits.

    Rank 2: the equivalent PCF's value from :func:`~brouncker.pcf.value.pcf_limit`,
    mapped by the Möbius map of :func:`~brouncker.cmf.companion.trajectory_pcf`; a map
    with derivative $m'$ at the value costs $\log_{10}|m'|$ digits, which are asked of
    the PCF in advance. Rank $> 2$, or a rank-2 walk whose map is degenerate: the walk
    itself, doubling its depth.
    """
    return matrix_limit(trajectory_matrix(field, trajectory, start), digits, max_depth)


def matrix_limit(tm: TrajectoryMatrix, digits: int, max_depth: int = MAX_DEPTH, pcf: TrajectoryPCF | None = None) -> TrajectoryLimit:
    r"""The limit of a trajectory matrix's walk to ``digits`` digits (see
    :func:`trajectory_limit`); ``pcf`` reuses its :func:`~brouncker.cmf.companion.trajectory_pcf`."""
    if tm.rank == 2:
        if pcf is None:
            pcf = trajectory_pcf(tm)
        if pcf.mobius is not None:
            return _limit_through_pcf(pcf.pcf.a, pcf.pcf.b, pcf.mobius, digits, max_depth)
    return _limit_by_walk(tm, digits, max_depth)


def _limit_through_pcf(a: Sequence[int], b: Sequence[int], mobius: Mobius, digits: int, max_depth: int) -> TrajectoryLimit:
    asked = digits + LIMIT_GUARD_DIGITS
    for _ in range(3):
        lim = pcf_limit(a, b, asked, max_depth)
        with mp.workdps(lim.digits + 20):
            if mobius.c2 + mobius.c3 * lim.value == 0:
                raise InconclusiveError(
                    f"the trajectory's limit is infinite to {lim.digits} digits (its PCF's value is the pole of {mobius.text('V')})"
                )
            cost = mobius.log10_derivative(lim.value)
            value = mobius.apply(lim.value)
        if int(math.floor(lim.digits - cost)) >= digits:
            with mp.workdps(digits + 20):
                return TrajectoryLimit(+value, digits, lim.depth, "pcf")
        asked = max(asked + 1, digits + LIMIT_GUARD_DIGITS + int(math.ceil(cost)))
    raise InconclusiveError(f"the trajectory's PCF {a}, {b} does not give {digits} digits through its Möbius map")


def _limit_by_walk(tm: TrajectoryMatrix, digits: int, max_depth: int) -> TrajectoryLimit:
    depth = START_DEPTH
    while True:
        (convergent,) = walk(tm, [depth])
        trusted = convergent.trustworthy_digits
        if trusted >= digits and convergent.q != 0:
            value = convergent.value(digits + 20)
            return TrajectoryLimit(value, digits, depth, "walk")
        if depth >= max_depth:
            shown = "no" if trusted == -math.inf else f"only {int(trusted)}"
            raise InconclusiveError(
                f"trajectory {tm.trajectory} from {tuple(map(str, tm.start))} gives {shown} trustworthy digits at depth {depth}; "
                f"{digits} are needed"
            )
        depth = min(max_depth, 2 * depth)


@dataclass(frozen=True, slots=True)
class WalkResult:
    """One walk to a fixed depth: the projection to its digits, and δ (blind unless a limit was given)."""

    limit: mpf
    digits: float
    depth: int
    delta: float | None  # None when undefined (see brouncker.pcf.convergent)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the limit as decimal text to its digits (50 for an exact rational), and
        ``None`` for digits that are not finite or an undefined δ."""
        shown = min(self.digits, 10_000) if math.isfinite(self.digits) else 50
        text = mpmath.nstr(self.limit, max(1, int(shown) + _integer_digits(self.limit)), strip_zeros=False) if shown >= 0 else None
        digits = int(self.digits) if math.isfinite(self.digits) else None
        return {"limit": text, "digits": digits, "depth": self.depth, "delta": self.delta}


def approximate(field: CMF, trajectory: Sequence[int], start: Sequence[Rational | str], depth: int, limit: mpf | None = None) -> WalkResult:
    r"""Walk ``depth`` steps: the projection, its trustworthy digits and δ.

    δ is blind (the limit from depth $2N$) unless ``limit`` is given.
    """
    tm = trajectory_matrix(field, trajectory, start)
    depths = [depth] if limit is not None else [depth, 2 * depth]
    points = walk(tm, depths)
    convergent = points[0]
    if convergent.q == 0:
        raise FieldError(f"the walk's projection is undefined at depth {depth} (q = 0)")
    digits = convergent.trustworthy_digits
    dps = int(min(digits, 10_000)) + 20 if math.isfinite(digits) and digits > 0 else 30
    value = convergent.value(dps)
    d = convergent.delta(limit) if limit is not None else convergent.blind_delta(points[1])
    return WalkResult(value, digits, depth, d)
