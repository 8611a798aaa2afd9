r"""Finding a certificate of equivalence between two PCFs (see :mod:`.certificate`).

Three steps, cheapest first (the derivation is in ``docs/equivalence.md``):

1. **Growth.** A coboundary with rational $U$ and $c$ keeps the exponential rate at which
   the two solutions of a recurrence separate, and a $k$-fold multiplies it by $k$
   (:func:`growth`). Pairs of folds whose rates differ are never tried; when no pair is
   left there is no certificate within the fold bound, and no limit is computed.
2. **The map between the limits.** Both limits to about twice ``digits`` digits
   (:func:`brouncker.pcf.value.pcf_limit`), related by the one relation finder
   (:func:`brouncker.identification.relations.relate`: a Möbius relation with small
   coefficients, found at ``digits`` digits and re-checked at twice as many); or a map the
   caller already has (both formulas identified against one constant:
   :func:`mobius_through_constant`). Without one the answer is inconclusive.
3. **U from the convergents.** If $M_1(n) U(n+1) = c(n) U(n) M_2(n)$ then
   $U(N+1) \propto W_1(N)^{-1}\, T\, W_2(N)$, with $T$ the map between the folds' values
   as a matrix and $W_i(N)$ their exact convergent matrices. These integer matrices, made
   primitive, are $P(N+1)$ up to a scalar; the entries of $P$ are fitted as polynomials of
   the least degree by exact linear algebra (a rank modulo a prime first: a cheap "no"),
   $c$ is read off, and the identity is checked exactly. Only a certificate that passes
   :meth:`Certificate.check` is returned.

>>> cert = find_certificate(PCF.parse("2n+1", "n^2"), PCF.parse("2n+3", "(n+1)^2"))
>>> cert.U, cert.c, cert.mobius.text("V")
((('0', 'n^2'), ('1', '2n + 1')), '1', '(V + 1)/V')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import flint
import mpmath
from mpmath import mp

from ..errors import FoldError, InconclusiveError
from ..identification.relations import relate
from ..limits import CERTIFICATE_DEGREE, FOLD
from ..pcf.fold import Fold, check_finite_terms, fold
from ..pcf.fraction import PCF
from ..pcf.mobius import Mobius
from ..pcf.polynomial import degree
from ..pcf.value import Limit, pcf_limit
from ..precision import LIMIT_GUARD_DIGITS, RECHECK_FACTOR, RELATE_DIGITS
from .certificate import (
    Certificate,
    PolyMatrix,
    Rational,
    adjugate,
    identity_holds,
    lowest_terms,
    multiply,
    polynomial_text,
    rational_text,
    shifted,
    start_matrix,
    step,
)

RATE_TOLERANCE = 1e-9  # relative difference below which two exponential rates are one
GROWTH_DPS = 30  # working digits of a rate: coefficients of thousands of digits, and no cancellation
SAMPLE_START = 8  # the first convergent matrix sampled: zeros of c(n) or det U(n) are rarely later
SAMPLE_EXTRA = 6  # samples beyond those that determine U: a fit through noise fails on them
PRIME = (1 << 61) - 1  # the rank test modulo this prime (a rank drop by chance: about 1 in 10^18)


# --- 1. growth ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Growth:
    r"""How fast the two solutions of a PCF's recurrence separate, per step.

    ``factorial``: $\deg b < 2 \deg a$, the ratio of the solutions grows like $(n!)^e$ with
    ``rate`` $e = 2\deg a - \deg b$; ``exponential``: $\deg b = 2 \deg a$ and the roots of
    $x^2 - \alpha x - \beta$ (the leading coefficients of $a$ and $b$) have different moduli,
    ``rate`` $= |\ln|x_+/x_-||$; ``slow``: anything else (the solutions separate more slowly
    than any exponential). A $k$-fold multiplies the rate by $k$.
    """

    kind: str
    rate: float

    def folded(self, k: int) -> Growth:
        return Growth(self.kind, self.rate * k)

    def matches(self, other: Growth) -> bool:
        """Whether a certificate can relate PCFs of these growths."""
        if self.kind != other.kind:
            return False
        if self.kind == "slow":
            return True
        return abs(self.rate - other.rate) <= RATE_TOLERANCE * max(self.rate, other.rate)


def growth(pcf: PCF) -> Growth:
    """The growth of ``pcf`` (see :class:`Growth`).

    >>> g = growth(PCF.parse("2n+1", "n^2"))     # roots 1 ± sqrt 2: the rate is 2 ln(1 + sqrt 2)
    >>> g.kind, round(g.rate, 12), growth(PCF.parse("n", "n")), growth(PCF.parse("1", "n^2")).kind
    ('exponential', 1.762747174039, Growth(kind='factorial', rate=1.0), 'slow')
    """
    da, db = degree(pcf.a), degree(pcf.b)
    if da < 0 or db > 2 * da:
        return Growth("slow", 0.0)
    if db < 2 * da:
        return Growth("factorial", float(2 * da - db))
    alpha, beta = pcf.a[0], pcf.b[0]
    disc = alpha * alpha + 4 * beta
    if disc <= 0 or alpha == 0:
        return Growth("slow", 0.0)
    with mp.workdps(GROWTH_DPS):  # x+ x- = -beta: |x+/x-| = x+^2/|beta|, with no cancellation in x-
        larger = (abs(alpha) + mpmath.sqrt(disc)) / 2
        return Growth("exponential", float(abs(2 * mpmath.log(larger) - mpmath.log(abs(beta)))))


def fold_pairs(g_from: Growth, g_to: Growth, max_fold: int) -> list[tuple[int, int]]:
    """The pairs $(k_1, k_2)$, $k_i \\le$ ``max_fold``, whose folds grow alike: smallest first.

    >>> fold_pairs(growth(PCF.parse("2n+1", "n^2")), growth(PCF.parse("34n^3+51n^2+27n+5", "-n^6")), 4)
    [(4, 1)]
    """
    pairs = [(k1, k2) for k1 in range(1, max_fold + 1) for k2 in range(1, max_fold + 1)
             if g_from.folded(k1).matches(g_to.folded(k2))]
    return sorted(pairs, key=lambda p: (p[0] + p[1], max(p), p))


# --- 2. the map between the limits ----------------------------------------------------------------


def relation_limit(pcf: PCF, digits: int = RELATE_DIGITS) -> Limit:
    """The limit of ``pcf`` with the digits :func:`relate_limits` needs (twice ``digits``)."""
    return pcf_limit(pcf.a, pcf.b, RECHECK_FACTOR * digits + LIMIT_GUARD_DIGITS)


def relate_limits(pcf_from: PCF, pcf_to: PCF, digits: int = RELATE_DIGITS,
                  limit_from: Limit | None = None, limit_to: Limit | None = None) -> Mobius:
    """The Möbius map with value(from) = m(value(to)), found at ``digits`` digits and
    re-checked at twice as many; :class:`InconclusiveError` when there is none with small
    coefficients (or a limit does not settle)."""
    need = RECHECK_FACTOR * digits
    if limit_from is None or limit_from.digits < need:
        limit_from = relation_limit(pcf_from, digits)
    if limit_to is None or limit_to.digits < need:
        limit_to = relation_limit(pcf_to, digits)
    relation, confirmed = relate(limit_to.value, limit_to.digits, limit_from.value, limit_from.digits, digits)
    if relation is None or not confirmed:
        raise InconclusiveError(f"the limits of {pcf_from} and {pcf_to} are not related by a Möbius map with small coefficients "
                                f"at {digits} digits (more --digits may find one)")
    r0, r1, r2, r3 = relation  # r0 + r1 x + r2 y + r3 x y = 0 with x = value(to), y = value(from)
    return Mobius.of(-r0, -r1, r2, r3)


def mobius_through_constant(relation_from: tuple[int, ...], relation_to: tuple[int, ...]) -> Mobius | None:
    r"""value(from) $= m($value(to)$)$ from two identifications against one constant $K$, each a
    relation over $[x, 1, K, xK]$ (:class:`~brouncker.identification.identify.Identification`);
    None unless both are Möbius forms.

    >>> mobius_through_constant((0, -4, 0, 1), (4, 0, -1, 0)).text("V")   # 4/pi and pi/4
    '1/V'
    """
    maps = []
    for r in (relation_from, relation_to):
        if len(r) != 4:
            return None
        m = Mobius.of(-r[1], -r[2], r[0], r[3])
        if m.determinant == 0:
            return None
        maps.append(m)
    return maps[0].compose(maps[1].inverse())


# --- 3. U from the convergents ---------------------------------------------------------------------


@lru_cache(maxsize=4096)
def cached_fold(pcf: PCF, k: int, r: int) -> Fold | None:
    """:func:`brouncker.pcf.fold.fold`, kept per process (None when there is no such fold)."""
    try:
        return fold(pcf, k, r)
    except FoldError:
        return None


@lru_cache(maxsize=4096)
def convergent_matrices(pcf: PCF, first: int, count: int) -> tuple[tuple[int, int, int, int], ...]:
    r"""$W(N)$ for $N$ = ``first`` … ``first + count - 1``, row-major, exactly."""
    w = start_matrix(pcf, first)
    out = [(w[0][0], w[0][1], w[1][0], w[1][1])]
    p0, p1, q0, q1 = out[0]
    for n in range(first + 1, first + count):
        a, b = pcf.a_at(n), pcf.b_at(n)
        p0, p1, q0, q1 = p1, a * p1 + b * p0, q1, a * q1 + b * q0
        out.append((p0, p1, q0, q1))
    return tuple(out)


def samples(max_degree: int) -> int:
    """Convergent matrices sampled for entries of degree up to ``max_degree``: three equations
    each for the $4(D + 1)$ coefficients, and :data:`SAMPLE_EXTRA` more."""
    return math.ceil(4 * (max_degree + 1) / 3) + SAMPLE_EXTRA


def directions(f_from: PCF, f_to: PCF, t: Mobius, count: int) -> list[tuple[int, list[int]]] | None:
    r"""$(N, Z(N))$ with $Z(N)$ the primitive integer matrix $\propto W_1(N)^{-1} T W_2(N)$
    (row-major); None when a walk is singular there."""
    tm = t.matrix()
    out = []
    for n, (w1, w2) in enumerate(zip(convergent_matrices(f_from, SAMPLE_START, count), convergent_matrices(f_to, SAMPLE_START, count))):
        v = multiply(multiply(adjugate(((w1[0], w1[1]), (w1[2], w1[3]))), tm), ((w2[0], w2[1]), (w2[2], w2[3])))
        flat = [v[0][0], v[0][1], v[1][0], v[1][1]]
        g = math.gcd(*flat)
        if g == 0:
            return None
        out.append((SAMPLE_START + n, [x // g for x in flat]))
    return out


def _equations(points: list[tuple[int, list[int]]], d: int) -> list[list[int]]:
    """Rows of $Q_e(N) Z_{ref}(N) - Q_{ref}(N) Z_e(N) = 0$ over the coefficients of the four
    entries of $Q$ (degree ``d`` each, constant term first): $Q(N) \\parallel Z(N)$."""
    rows = []
    width = d + 1
    for n, z in points:
        ref = next(i for i, v in enumerate(z) if v)
        powers = [n**j for j in range(width)]
        for e in range(4):
            if e == ref:
                continue
            row = [0] * (4 * width)
            for j, pw in enumerate(powers):
                row[e * width + j] = pw * z[ref]
                row[ref * width + j] = -pw * z[e]
            rows.append(row)
    return rows


def _nullity_mod_p(points: list[tuple[int, list[int]]], d: int) -> int:
    rows = _equations(points, d)
    m = flint.nmod_mat(len(rows), len(rows[0]), [x % PRIME for row in rows for x in row], PRIME)
    return len(rows[0]) - int(m.rank())


def _fit(points: list[tuple[int, list[int]]], d: int) -> PolyMatrix | None:
    """$P$ of degree ``d`` with $P(N+1) \\parallel Z(N)$ at every point, when it is unique up to a
    scalar; primitive, its first non-zero entry's leading coefficient positive."""
    rows = _equations(points, d)
    basis, nullity = flint.fmpz_mat(len(rows), len(rows[0]), [x for row in rows for x in row]).nullspace()
    if int(nullity) != 1:
        return None
    width = d + 1
    vector = [int(basis[i, 0]) for i in range(4 * width)]
    g = math.gcd(*vector)
    q = [flint.fmpz_poly([c // g for c in vector[e * width:(e + 1) * width]]) for e in range(4)]
    lead = next(f for f in q if f != 0).coeffs()[-1]
    q = [-f if lead < 0 else f for f in q]
    return [[shifted(q[0], -1), shifted(q[1], -1)], [shifted(q[2], -1), shifted(q[3], -1)]]  # P(n) = Q(n - 1)


def ratio(m1: PolyMatrix, m2: PolyMatrix, p: PolyMatrix) -> Rational | None:
    r"""$c(n)$ with $M_1(n) P(n+1) = c(n) P(n) M_2(n)$ read off one entry; None when zero."""
    left = multiply(m1, [[shifted(f, 1) for f in row] for row in p])
    right = multiply(p, m2)
    for i in range(2):
        for j in range(2):
            if right[i][j] != 0:
                return None if left[i][j] == 0 else lowest_terms(left[i][j], right[i][j])
    return None


def coboundary(f_from: PCF, f_to: PCF, t: Mobius, max_degree: int) -> tuple[PolyMatrix, Rational] | None:
    r"""A polynomial $P(n)$ of the least degree (at most ``max_degree``) and $c(n)$ with
    $M_1(n) P(n+1) = c(n) P(n) M_2(n)$ exactly, given the map $T$ with
    value(``f_from``) $= T($value(``f_to``)$)$; None when there is none."""
    points = directions(f_from, f_to, t, samples(max_degree))
    if points is None:
        return None
    nullity = _nullity_mod_p(points, max_degree)
    if nullity == 0:  # not even modulo a prime: no U of this degree (a nullity over Q is at most this)
        return None
    m1, m2 = step(f_from), step(f_to)
    for d in range(max(0, max_degree + 1 - nullity), max_degree + 1):  # nullity D - d + 1 at the least degree d
        p = _fit(points, d)
        if p is None:
            continue
        c = ratio(m1, m2, p)
        if c is not None and identity_holds(m1, m2, p, c):
            return p, c
    return None


def find_certificate(
    pcf_from: PCF,
    pcf_to: PCF,
    *,
    max_fold: int | None = None,
    max_degree: int | None = None,
    digits: int = RELATE_DIGITS,
    mobius: Mobius | None = None,
    limit_from: Limit | None = None,
    limit_to: Limit | None = None,
) -> Certificate | None:
    """A certificate that ``pcf_from`` and ``pcf_to`` are equivalent, through folds of each
    with $k \\le$ ``max_fold`` and $U$ of degree at most ``max_degree``; None when there is
    none within these bounds (see the module docstring).

    ``mobius`` (value(from) = m(value(to))) skips the relation of the limits; ``limit_from``
    and ``limit_to`` reuse limits computed to twice ``digits`` digits. Raises
    :class:`InconclusiveError` when the limits are not Möbius-related at ``digits`` digits,
    and :class:`~brouncker.errors.FoldError` for a finite fraction.
    """
    max_fold = FOLD.check(FOLD.default if max_fold is None else max_fold, "--max-fold")
    max_degree = CERTIFICATE_DEGREE.check(CERTIFICATE_DEGREE.default if max_degree is None else max_degree, "--max-degree")
    check_finite_terms(pcf_from)
    check_finite_terms(pcf_to)
    pairs = fold_pairs(growth(pcf_from), growth(pcf_to), max_fold)
    if not pairs:
        return None
    m = mobius if mobius is not None else relate_limits(pcf_from, pcf_to, digits, limit_from, limit_to)
    for k1, k2 in pairs:
        for r1 in range(k1):
            f1 = cached_fold(pcf_from, k1, r1)
            if f1 is None:
                continue
            for r2 in range(k2):
                f2 = cached_fold(pcf_to, k2, r2)
                if f2 is None:
                    continue
                t = f1.mobius.inverse().compose(m).compose(f2.mobius)  # value(F1) = t(value(F2))
                found = coboundary(f1.pcf, f2.pcf, t, max_degree)
                if found is None:
                    continue
                p, c = found
                u = tuple(tuple(polynomial_text(f) for f in row) for row in p)
                cert = Certificate(pcf_from, pcf_to, f1, f2, u, rational_text(*c), m)  # type: ignore[arg-type]
                if cert.check():
                    return cert
    return None
