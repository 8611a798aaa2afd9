r"""The float screen's walk of PCFs of order at most 2, :data:`LANES` at a time in SIMD lanes.

A walk step is a chain of a multiply and an add per PCF: walked one PCF at a time, its
latency, not the arithmetic, bounds it. Here :data:`LANES` PCFs step in lockstep, their
state ($p, q$ at $n-1$ and $n-2$, and $a(n), b(n)$ with their first and second forward
differences) held in one small array, so that the loop over the lanes compiles to vector
instructions. A lane whose PCF has settled (the kernel's rule,
:data:`~brouncker.screening.kernel.SETTLE_WINDOW`) or reached the depth is refilled with
the next PCF of the range, so settled PCFs cost nothing more.

Every lane is at a step $n \equiv 0 \pmod{16}$ at the end of each round of 16 steps, since
it was loaded at such an end: the settle checks fall there for every lane; the rescalings
too, since the screen's rescale interval is a multiple of 16 or divides it
(:func:`brouncker.screening.screen._rescale_interval`); and the depths $N - g$ and $N$ fall
at the same offset of a round for every lane. So each lane does the operations of
:func:`brouncker.screening.kernel._walk_one` on its PCF, in the same order, and gets the
same floats; the lanes never mix.

PCFs come from coefficient rows, or from a box of coefficients by index, enumerated here
as :class:`brouncker.search.space.Space` enumerates it (mixed radix, the last position
fastest, the zero polynomial stepped over) so that a shard never holds its coefficients.
The exact test "$b(n) = 0$ for some $1 \le n \le$ ``finite_top``" is done when a PCF is
loaded, by forward differences in int64 (the caller has bounded the values).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .floatbits import normal_factor
from .status import FREEZE_CHANGE, FREEZE_EVERY

LANES = 16  # PCFs stepped together: four AVX2 vectors of float64, enough independent chains to hide the latency
ROUND = FREEZE_EVERY  # steps between the lanes' checks (the settle window)
_P1, _Q1, _P2, _Q2, _A0, _A1, _A2, _B0, _B1, _B2 = (k * LANES for k in range(10))  # rows of the state array


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False)
def _steps(state: np.ndarray, count: int) -> None:  # pragma: no cover
    """``count`` steps of every lane: $p(n) = b(n) p(n-2) + a(n) p(n-1)$, the same for $q$,
    then the forward differences advance. The row offsets are constants and the array is
    contiguous, so the loop over the lanes vectorises."""
    for _ in range(count):
        for k in range(LANES):
            pn = state[_P2 + k] * state[_B0 + k] + state[_P1 + k] * state[_A0 + k]
            qn = state[_Q2 + k] * state[_B0 + k] + state[_Q1 + k] * state[_A0 + k]
            state[_P2 + k] = state[_P1 + k]
            state[_Q2 + k] = state[_Q1 + k]
            state[_P1 + k] = pn
            state[_Q1 + k] = qn
            state[_A0 + k] += state[_A1 + k]
            state[_B0 + k] += state[_B1 + k]
            state[_A1 + k] += state[_A2 + k]
            state[_B1 + k] += state[_B2 + k]


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False)
def _rescale(state: np.ndarray, k: int) -> None:  # pragma: no cover
    r"""Divide lane ``k``'s $p, q$ by $2^e$, $e$ the exponent :func:`math.frexp` gives their
    largest entry (exact). The factor is built from the exponent's bits; outside the normal
    range, where those bits would not make a normal float, it is :func:`math.ldexp`'s, as in
    :func:`brouncker.screening.kernel._walk_one`."""
    top = max(max(abs(state[_P1 + k]), abs(state[_Q1 + k])), max(abs(state[_P2 + k]), abs(state[_Q2 + k])))
    factor, normal = normal_factor(top)
    if not normal:
        _, exponent = math.frexp(top)
        factor = math.ldexp(1.0, -exponent)
    state[_P1 + k] *= factor
    state[_Q1 + k] *= factor
    state[_P2 + k] *= factor
    state[_Q2 + k] *= factor


@numba.njit(cache=True, nogil=True)
def _start(digits: np.ndarray, radices: np.ndarray, raw: int) -> None:  # pragma: no cover
    """The mixed-radix digits of ``raw`` (last position fastest)."""
    for pos in range(radices.shape[0] - 1, -1, -1):
        digits[pos] = raw % radices[pos]
        raw //= radices[pos]


@numba.njit(cache=True, nogil=True)
def _advance(digits: np.ndarray, radices: np.ndarray) -> bool:  # pragma: no cover
    """Add one to the digits; whether they wrapped round to all zeros."""
    for pos in range(radices.shape[0] - 1, -1, -1):
        digits[pos] += 1
        if digits[pos] < radices[pos]:
            return False
        digits[pos] = 0
    return True


@numba.njit(cache=True, nogil=True)
def _next_polynomial(digits: np.ndarray, radices: np.ndarray, zero: int, raw: int) -> tuple[int, bool]:  # pragma: no cover
    """Step the digits (raw index ``raw``) to the next polynomial of the box, over the zero
    polynomial (raw index ``zero``, -1 for none): the new raw index, and whether they wrapped."""
    wrapped = _advance(digits, radices)
    raw = 0 if wrapped else raw + 1
    if raw == zero:
        again = _advance(digits, radices)
        raw = 0 if again else raw + 1
        wrapped |= again
    return raw, wrapped


@numba.njit(cache=True, nogil=True, inline="always")
def _row(x: np.ndarray, i: int, width: int) -> tuple[int, int, int]:  # pragma: no cover
    """Row ``i`` of ``x`` (highest degree first, ``width`` <= 3) as $c_2, c_1, c_0$."""
    if width == 3:
        return x[i, 0], x[i, 1], x[i, 2]
    if width == 2:
        return 0, x[i, 0], x[i, 1]
    return 0, 0, x[i, 0]


@numba.njit(cache=True, nogil=True, inline="always")
def _box_row(values: np.ndarray, digits: np.ndarray, width: int) -> tuple[int, int, int]:  # pragma: no cover
    """The box polynomial at ``digits`` as $c_2, c_1, c_0$."""
    if width == 3:
        return values[0, digits[0]], values[1, digits[1]], values[2, digits[2]]
    if width == 2:
        return 0, values[0, digits[0]], values[1, digits[1]]
    return 0, 0, values[0, digits[0]]


@numba.njit(cache=True, nogil=True)
def _vanishes(v: int, d1: int, d2: int, top: int) -> bool:  # pragma: no cover
    r"""Whether $b(n) = 0$ for some $1 \le n \le$ ``top``, from $b(1), \Delta b(1), \Delta^2 b(1)$."""
    for _ in range(top):
        if v == 0:
            return True
        v += d1
        d1 += d2
    return False


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False)
def walk_lanes(a: np.ndarray, b: np.ndarray, values_a: np.ndarray, radices_a: np.ndarray, zero_a: int,
               values_b: np.ndarray, radices_b: np.ndarray, zero_b: int, size_b: int, start: int, stop: int,
               depth: int, gap: int, interval: int, finite_top: int, offset: int, limit: np.ndarray,
               before: np.ndarray, early: np.ndarray, steps: np.ndarray, stops: np.ndarray) -> None:  # pragma: no cover
    r"""Walk PCFs ``start`` to ``stop`` and write, at their position less ``offset``, their
    limits at depths $N$, $N - 1$ and $N - g$ (or where each settled), the depth each stopped
    at, and whether $b$ vanishes at some $1 \le n \le$ ``finite_top``.

    The PCFs are rows ``i`` of ``a, b`` (int64, highest degree first, at most 3 wide) when
    ``a`` has rows; otherwise the box given by the value tables ``values_a[pos, digit]``
    with ``radices_a`` (the zero polynomial at raw index ``zero_a``, or -1), the same for
    $b$, and ``size_b`` polynomials $b$: PCF $i = i_a$ ``size_b`` $+ i_b$. ``interval``
    is a multiple of :data:`ROUND` or divides it."""
    rows = a.shape[0] > 0
    width_a = a.shape[1] if rows else radices_a.shape[0]
    width_b = b.shape[1] if rows else radices_b.shape[0]
    digits_a = np.zeros(max(1, radices_a.shape[0]), dtype=np.int64)
    digits_b = np.zeros(max(1, radices_b.shape[0]), dtype=np.int64)
    raw_a = raw_b = 0
    if not rows:
        index_a, index_b = start // size_b, start % size_b
        raw_a = index_a + (1 if 0 <= zero_a <= index_a else 0)
        raw_b = index_b + (1 if 0 <= zero_b <= index_b else 0)
        _start(digits_a, radices_a, raw_a)
        _start(digits_b, radices_b, raw_b)
    state = np.zeros(10 * LANES)
    pcf = np.full(LANES, -1, dtype=np.int64)  # the PCF in each lane, -1 for none
    at = np.zeros(LANES, dtype=np.int64)  # the lane's step n
    last = np.full(LANES, np.nan)  # its ratio at the previous check
    early_at = np.full(LANES, np.nan)  # its ratio at N - g
    ratio, previous = np.zeros(LANES), np.zeros(LANES)  # p/q at the lane's n and n - 1
    settled = np.zeros(LANES, dtype=np.bool_)
    odd = np.zeros(LANES, dtype=np.bool_)  # lanes whose rescaling factor is not a normal float
    event = np.zeros(LANES, dtype=np.bool_)  # settled, at N - g or N, or no PCF: the lane needs a look
    check = depth - gap
    small = interval < ROUND  # then it divides ROUND: the rescalings fall at the same offsets in every lane
    busy = 0
    following = start
    refill = np.arange(LANES)  # the lanes to load: all at first, then each round those that are done
    count = LANES
    while True:
        for r in range(count):
            k = refill[r]
            if following >= stop:
                pcf[k] = -1
                for j in range(10):
                    state[j * LANES + k] = 0.0  # an idle lane steps zeros: no subnormal, no overflow
                continue
            i = following
            following += 1
            if rows:
                a2, a1, a0 = _row(a, i, width_a)
                b2, b1, b0 = _row(b, i, width_b)
            else:
                a2, a1, a0 = _box_row(values_a, digits_a, width_a)
                b2, b1, b0 = _box_row(values_b, digits_b, width_b)
                raw_b, wrapped = _next_polynomial(digits_b, radices_b, zero_b, raw_b)
                if wrapped:
                    raw_a, _ = _next_polynomial(digits_a, radices_a, zero_a, raw_a)
            # f(1), Δf(1), Δ²f(1) of c2 n^2 + c1 n + c0, in int64 (exact: the caller bounded them)
            state[_A0 + k], state[_A1 + k], state[_A2 + k] = float(a2 + a1 + a0), float(3 * a2 + a1), float(2 * a2)
            state[_B0 + k], state[_B1 + k], state[_B2 + k] = float(b2 + b1 + b0), float(3 * b2 + b1), float(2 * b2)
            if finite_top:
                stops[i - offset] = _vanishes(b2 + b1 + b0, 3 * b2 + b1, 2 * b2, finite_top)
            state[_P1 + k] = float(a0)  # p(0) = a(0)
            state[_Q1 + k] = 1.0
            state[_P2 + k] = 1.0
            state[_Q2 + k] = 0.0
            pcf[k] = i
            at[k] = 0
            last[k] = np.nan
            early_at[k] = np.nan
            busy += 1
        if busy == 0:
            return
        # one round of ROUND steps; inside it, the events that fall at the same offset in every lane
        capture = finish = False
        for k in range(LANES):
            capture |= (pcf[k] >= 0) & (at[k] < check) & (check < at[k] + ROUND)
            finish |= (pcf[k] >= 0) & (depth < at[k] + ROUND)
        done = 0
        if small or capture or finish:
            for e in range(1, ROUND):
                rescale = small and e % interval == 0
                captured = capture and (check - e) % ROUND == 0
                finished = finish and (depth - e) % ROUND == 0
                if not (rescale or captured or finished):
                    continue
                _steps(state, e - done)
                done = e
                for k in range(LANES):
                    if pcf[k] < 0:
                        continue
                    n = at[k] + e
                    if rescale:
                        _rescale(state, k)
                    if captured and n == check:
                        early_at[k] = state[_P1 + k] / state[_Q1 + k]
                    if finished and n == depth:
                        i = pcf[k] - offset
                        limit[i] = state[_P1 + k] / state[_Q1 + k]
                        before[i] = state[_P2 + k] / state[_Q2 + k]
                        early[i] = early_at[k]
                        steps[i] = depth
                        pcf[k] = -2  # done in this round: refilled at its end
                        for j in range(10):
                            state[j * LANES + k] = 0.0
        _steps(state, ROUND - done)
        for k in range(LANES):  # vectorised: each lane's step, and its rescaling if due there (a factor of 1 if not)
            at[k] += ROUND
            top = max(max(abs(state[_P1 + k]), abs(state[_Q1 + k])), max(abs(state[_P2 + k]), abs(state[_Q2 + k])))
            normal_at, normal = normal_factor(top)
            due = (pcf[k] >= 0) & (small | (at[k] % interval == 0))
            odd[k] = due & (not normal)  # beyond a normal factor: math.ldexp's, below
            factor = normal_at if due else 1.0
            state[_P1 + k] *= factor
            state[_Q1 + k] *= factor
            state[_P2 + k] *= factor
            state[_Q2 + k] *= factor
        for k in range(LANES):
            if odd[k]:
                _rescale(state, k)
        for k in range(LANES):  # vectorised: the ratios, and the lanes with something to do
            ratio[k] = state[_P1 + k] / state[_Q1 + k]
            previous[k] = state[_P2 + k] / state[_Q2 + k]
            bound = FREEZE_CHANGE * abs(ratio[k])
            settled[k] = (at[k] > ROUND) & (abs(ratio[k]) < np.inf) & (abs(ratio[k] - last[k]) <= bound) & (
                abs(ratio[k] - previous[k]) <= bound)
            event[k] = settled[k] | (at[k] == check) | (at[k] == depth) | (pcf[k] < 0)
            last[k] = last[k] if event[k] else ratio[k]
        count = 0
        for k in range(LANES):
            if not event[k] or pcf[k] == -1:
                continue
            if pcf[k] >= 0:
                n = at[k]
                i = pcf[k] - offset
                if n == check:
                    early_at[k] = ratio[k]
                if n == depth:
                    limit[i], before[i], early[i], steps[i] = ratio[k], previous[k], early_at[k], depth
                elif settled[k]:
                    limit[i], before[i], steps[i] = ratio[k], previous[k], n
                    early[i] = last[k] if n < check else early_at[k]
                else:
                    last[k] = ratio[k]
                    continue
            refill[count] = k
            count += 1
            busy -= 1


@numba.njit(cache=True, nogil=True)
def bound_rows(values: np.ndarray, radices: np.ndarray, zero: int, first: int, count: int, rows: np.ndarray,
               low: np.ndarray, high: np.ndarray, exact_sum: np.ndarray, float_sum: np.ndarray) -> None:  # pragma: no cover
    r"""Fold into ``low, high`` (per position) the least and largest coefficient, and the
    largest $\sum |c|$ of a row into ``exact_sum[0]`` (int64 arithmetic) and
    ``float_sum[0]`` (float64, position by position), over ``count`` polynomials: rows
    ``first`` on of ``rows`` when it has rows, else the box's polynomials from index
    ``first`` on."""
    width = rows.shape[1] if rows.shape[0] else radices.shape[0]
    digits = np.zeros(max(1, radices.shape[0]), dtype=np.int64)
    raw = first + (1 if 0 <= zero <= first else 0)
    if not rows.shape[0]:
        _start(digits, radices, raw)
    for r in range(count):
        exact = 0
        total = 0.0
        for m in range(width):
            c = rows[first + r, m] if rows.shape[0] else values[m, digits[m]]
            low[m] = min(low[m], c)
            high[m] = max(high[m], c)
            exact += abs(c)
            total += abs(float(c))
        exact_sum[0] = max(exact_sum[0], exact)
        float_sum[0] = max(float_sum[0], total)
        if not rows.shape[0]:
            raw, _ = _next_polynomial(digits, radices, zero, raw)
