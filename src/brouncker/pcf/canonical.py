r"""Canonical forms of polynomial continued fractions.

An equivalence transformation multiplies the n-th partial quotient by $c(n)$:
$a'(n) = c(n) a(n)$, $b'(n) = c(n) c(n-1) b(n)$; then every convergent, and the limit,
is multiplied by $c(0)$. The canonical form divides out the largest such $c(n)$ (a
constant, a sign and polynomial factors), so that inflated copies of one fraction share
one key.

>>> from brouncker.pcf.fraction import PCF
>>> str(canonical(PCF.parse("(2n+1)(6n^2+6n+2)", "-4n^6")).pcf)
'PCF(6n^3 + 9n^2 + 5n + 1, -n^6)'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint

from ..display import Displayed
from ..printing import format_polynomial, latex_fraction, latex_pcf, latex_polynomial
from .fraction import PCF
from .mobius import Mobius
from .polynomial import Coefficients, evaluate, from_flint, normalize, shift_flint, to_flint
from .polynomial import shift as shift_polynomial
from .walk import walk


@dataclass(frozen=True, slots=True)
class Inflation:
    r"""The factor $c(n) = \mathrm{sign} \cdot \mathrm{constant} \cdot N(n) / D(n)$ that
    turns a canonical PCF into the input: $a(n) = c(n)\, a_c(n)$ and
    $b(n) = c(n)\, c(n-1)\, b_c(n)$, hence $\mathrm{value} = c(0) \cdot \mathrm{value}_c$.

    ``denominator`` is 1 unless factors had to move along a shift orbit
    ($g(n+k) \to g(n+k+1)$), which keeps the form canonical when two deflations compete.
    """

    sign: int
    constant: int
    numerator: Coefficients = (1,)
    denominator: Coefficients = (1,)

    @property
    def value_factor(self) -> Fraction:
        r"""$c(0)$: the value of the input divided by the value of the canonical PCF."""
        return Fraction(self.sign * self.constant * evaluate(self.numerator, 0), evaluate(self.denominator, 0))

    @property
    def regular(self) -> bool:
        r"""Whether $c(n)$ is finite and non-zero at every $n \ge 0$: only then does the
        input have the value ``value_factor`` times the canonical one (a factor vanishing at
        some $n \ge 0$ makes one of the two fractions stop there)."""
        return not natural_roots(self.numerator) and not natural_roots(self.denominator)

    @property
    def trivial(self) -> bool:
        return self.sign == 1 and self.constant == 1 and self.numerator == (1,) and self.denominator == (1,)

    def apply(self, pcf: "PCF") -> "PCF":
        """Inflate ``pcf`` by this factor (the inverse of :func:`canonical`)."""
        num, den = to_flint(self.numerator), to_flint(self.denominator)
        k = self.sign * self.constant
        a = to_flint(pcf.a) * num * k
        b = to_flint(pcf.b) * num * shift_flint(num, -1) * k * k
        a_q, a_r = divmod(a, den)
        b_q, b_r = divmod(b, den * shift_flint(den, -1))
        if a_r != 0 or b_r != 0:
            raise ValueError(f"{self} does not inflate {pcf} into integer polynomials")
        return PCF(from_flint(a_q), from_flint(b_q))

    def text(self) -> str:
        """$c(n)$ as text, such as ``-2(2n + 1)``."""
        k = self.sign * self.constant
        parts = [] if self.numerator == (1,) else [f"({format_polynomial(self.numerator)})"]
        head = str(k) if not parts or abs(k) != 1 else ("-" if k < 0 else "")
        out = head + "".join(parts)
        if self.denominator != (1,):
            out += f"/({format_polynomial(self.denominator)})"
        return out

    def latex(self) -> str:
        r"""$c(n)$ in LaTeX.

        >>> Inflation(-1, 2, (2, 1)).latex(), Inflation(-1, 3, (2, 1), (1, 1)).latex()
        ('-2\\left(2n + 1\\right)', '\\frac{-3\\left(2n + 1\\right)}{n + 1}')
        """
        k = self.sign * self.constant
        numerator = "" if self.numerator == (1,) else rf"\left({latex_polynomial(self.numerator)}\right)"
        head = str(k) if not numerator or abs(k) != 1 else ("-" if k < 0 else "")
        text = head + numerator
        if self.denominator != (1,):
            text = rf"\frac{{{text}}}{{{latex_polynomial(self.denominator)}}}"
        return text

    def as_dict(self) -> dict[str, Any]:
        factor = self.value_factor
        return {
            "sign": self.sign,
            "constant": self.constant,
            "numerator": list(self.numerator),
            "denominator": list(self.denominator),
            "inflation": self.text(),
            "value_factor": str(factor),
            "relation": f"value(input) = {factor} * value(canonical)",
        }


@dataclass(frozen=True, slots=True)
class Canonical(Displayed):
    """The canonical PCF of an input, its key, and the inflation that relates them."""

    pcf: PCF
    key: str
    scale: Inflation

    def as_dict(self) -> dict[str, Any]:
        return {"a": self.pcf.a_text, "b": self.pcf.b_text, "key": self.key, "scale": self.scale.as_dict()}

    def latex(self) -> tuple[str, ...]:
        r"""The canonical PCF, and how the input relates to it: the input is the canonical PCF
        inflated by $c(n)$, and its value is $c(0)$ times the canonical one."""
        head = latex_pcf(self.pcf.a, self.pcf.b)
        if self.scale.trivial:
            return (head + r"\quad\text{(the input is canonical)}",)
        factor = latex_fraction(self.scale.value_factor)
        return head, rf"c(n) = {self.scale.latex()},\quad \text{{value}} = {factor} \cdot \text{{canonical value}}"


def canonical_key(a: Coefficients, b: Coefficients) -> str:
    """The stable text key of a PCF, e.g. ``a=3,9,5|b=-2,-9,-9,1,3``."""
    return "a=" + ",".join(map(str, a)) + "|b=" + ",".join(map(str, b))


def pcf_of_key(key: str) -> PCF:
    """The PCF a key names (the inverse of :func:`canonical_key`); ValueError if it names none.

    >>> pcf_of_key("a=2,1|b=1,0,0")
    PCF(a=(2, 1), b=(1, 0, 0))
    """
    try:
        a_part, b_part = key.split("|")
        if not (a_part.startswith("a=") and b_part.startswith("b=")):
            raise ValueError
        return PCF(tuple(int(c) for c in a_part[2:].split(",")), tuple(int(c) for c in b_part[2:].split(",")))
    except ValueError:
        raise ValueError(f"{key!r} is not a PCF key such as 'a=2,1|b=1,0,0'") from None


def inflate(pcf: PCF, f: Sequence[int] | int) -> PCF:
    r"""$\mathrm{PCF}(f(n) a(n), f(n) f(n-1) b(n))$, whose value is $f(0)$ times that of ``pcf``.

    >>> inflate(PCF.parse("2n+1", "n^2"), 3)
    PCF(a=(6, 3), b=(9, 0, 0))
    """
    f_poly = to_flint((f,) if isinstance(f, int) else normalize(f))
    return PCF(from_flint(to_flint(pcf.a) * f_poly), from_flint(to_flint(pcf.b) * f_poly * shift_flint(f_poly, -1)))


def canonical(pcf: PCF, full: bool = False) -> Canonical:
    r"""The canonical representative of the equivalence class of ``pcf``.

    Three normalisations, each an equivalence transformation $c(n)$ (see
    :class:`Inflation`):

    * **constant**: divide by the largest $c$ with $c \mid \mathrm{content}(a)$ and
      $c^2 \mid \mathrm{content}(b)$; the value is divided by $c$ (inflated copies share a
      value only up to this factor, which Möbius identification ignores);
    * **sign**: make the leading coefficient of $a$ positive ($c = -1$ negates the value
      and leaves $b$ alone);
    * **polynomial**: divide out factors $f$ of $a$ with $f(n) f(n-1) \mid b(n)$; the value
      is divided by $f(0)$. Per shift orbit $\{g(n+k)\}$ of an irreducible factor $g$ of
      $a$, the exponents $\alpha_k$ in $a$ and $\beta_k$ in $b$ have the invariant
      $\beta_k - \alpha_k - \alpha_{k+1}$; the canonical $\alpha$ is the least (in total)
      that keeps $b$ a polynomial, with ties pushed to larger $k$. This makes the form
      independent of the order of deflation. Factors $n + k$ with $k \le 0$ vanish at some
      $n \ge 0$ and are never moved (the input's fraction is then finite), unless ``full``
      asks for them to be moved too: the result is then the same for every polynomial
      inflation, but the value relation holds only when ``scale.regular``.

    Not covered: shifts $n \to n + s$ (they change the value by a Möbius map: see
    :func:`shift_class`), and $c(n) = (-1)^n$ (not polynomial).

    >>> c = canonical(PCF.parse("(2n+1)(6n^2+6n+2)", "-4n^6"))
    >>> c.key, c.scale.value_factor
    ('a=6,9,5,1|b=-1,0,0,0,0,0,0', Fraction(2, 1))
    >>> canonical(PCF.parse("9n^4+72n^3+201n^2+228n+85",
    ...     "-18n^8-225n^7-1131n^6-2904n^5-3932n^4-2400n^3+66n^2+769n+255")).pcf
    PCF(a=(3, 9, 5), b=(-2, -9, -9, 1, 3))

    A common case (no polynomial factor shared by $a(n)$ and $b(n)$ or $b(n+1)$) costs
    two contents and, for $\deg a \le 2$, a root test or a pseudo-remainder in pure Python.
    """
    a, b = pcf.a, pcf.b
    a_zero, b_zero = a == (0,), b == (0,)
    sign = -1 if a[0] < 0 else 1
    content_a, content_b = math.gcd(*a), math.gcd(*b)
    constant = 1 if math.gcd(content_a, content_b) == 1 else _constant_factor(content_a, content_b)
    numerator: Coefficients = (1,)
    denominator: Coefficients = (1,)
    if len(a) > 1 and _may_deflate(a, b):
        numerator, denominator = _polynomial_factor(to_flint(a), to_flint(b), b_zero, full)
    scale = Inflation(sign, constant, numerator, denominator)
    if scale.trivial:
        return Canonical(pcf, canonical_key(a, b), scale)
    k = sign * constant
    if numerator == (1,) and denominator == (1,):
        ca = a if a_zero else tuple(x // k for x in a)
        cb = b if b_zero else tuple(x // (k * k) for x in b)
    else:
        num, den = to_flint(numerator), to_flint(denominator)
        ca = _exact(to_flint(a) * den, num * k)
        cb = _exact(to_flint(b) * den * shift_flint(den, -1), num * shift_flint(num, -1) * (k * k))
    return Canonical(PCF(ca, cb), canonical_key(ca, cb), scale)


def _may_deflate(a: Coefficients, b: Coefficients) -> bool:
    r"""Whether $a(n)$ shares a non-constant factor with $b(n)$ or $b(n+1)$ (or $b = 0$).

    Only then can a polynomial factor be divided out. Degrees 1 and 2 of $a$ are decided
    in pure Python (a root test, a pseudo-remainder), the rest by flint's gcd.
    """
    if b == (0,):
        return True
    if len(a) == 2:  # root -v/u: u^d b(-v/u) = 0, or the same at the root of a(n-1)
        u, v = a
        return _homogeneous(b, -v, u) == 0 or _homogeneous(b, u - v, u) == 0
    if len(a) == 3:
        al, be, ga = a
        return _quadratic_shares(al, be, ga, b) or _quadratic_shares(al, be - 2 * al, al - be + ga, b)
    A, B = to_flint(a), to_flint(b)
    return A.gcd(B).degree() > 0 or A.gcd(shift_flint(B, 1)).degree() > 0


def _homogeneous(f: Coefficients, x: int, y: int) -> int:
    r"""$y^d f(x/y) = \sum_j f_j x^{d-j} y^j$, exactly (Horner with powers of $y$)."""
    acc, power = 0, 1
    for c in f:
        acc = acc * x + c * power
        power *= y
    return acc


def _quadratic_shares(al: int, be: int, ga: int, b: Coefficients) -> bool:
    r"""Whether $lpha n^2 + eta n + \gamma$ and $b(n)$ share a non-constant factor:
    by the pseudo-remainder of $b$, which is linear at most."""
    r = list(b)
    while len(r) >= 3:
        lead = r[0]
        r = [al * r[1] - lead * be, al * r[2] - lead * ga] + [al * c for c in r[3:]]
    while r and r[0] == 0:
        r.pop(0)
    if not r:
        return True
    if len(r) == 1:
        return False
    r1, r0 = r
    return al * r0 * r0 - be * r0 * r1 + ga * r1 * r1 == 0


def _exact(numerator: "flint.fmpz_poly", denominator: "flint.fmpz_poly") -> Coefficients:
    quotient, remainder = divmod(numerator, denominator)
    if remainder != 0:  # pragma: no cover - the factors were read off the input
        raise AssertionError("canonical form: inexact division")
    return from_flint(quotient)


def _constant_factor(ca: int, cb: int) -> int:
    r"""The largest $c > 0$ with $c \mid c_a$ and $c^2 \mid c_b$ (0 is divisible by all)."""
    ca, cb = abs(ca), abs(cb)
    if ca == 0 and cb == 0:
        return 1
    if cb == 0:
        return ca
    if ca == 0:
        primes = flint.fmpz(cb).factor()
        return math.prod(int(p) ** (e // 2) for p, e in primes)
    g = math.gcd(ca, cb)
    if g == 1:
        return 1
    out = 1
    for prime, _ in flint.fmpz(g).factor():
        p = int(prime)
        va = vb = 0
        x = ca
        while x % p == 0:
            x //= p
            va += 1
        x = cb
        while x % p == 0:
            x //= p
            vb += 1
        out *= p ** min(va, vb // 2)
    return out


def natural_roots(coefficients: Coefficients) -> list[int]:
    r"""The integer roots $n \ge 0$ of a polynomial (read off its linear factors), ascending.

    >>> natural_roots((1, -3, 2, 0))     # n (n - 1) (n - 2)
    [0, 1, 2]
    """
    if len(coefficients) < 2 or all(c == 0 for c in coefficients):
        return []
    roots = set()
    for factor, _ in to_flint(coefficients).factor()[1]:
        if factor.degree() == 1:
            v, u = (int(c) for c in factor.coeffs())  # u n + v
            if v % u == 0 and -v // u >= 0:
                roots.add(-v // u)
    return sorted(roots)


def _orbit_position(base: "flint.fmpz_poly", h: "flint.fmpz_poly") -> int | None:
    """The $k$ with $h(n) = base(n + k)$, if any (both primitive, positive leading)."""
    d = base.degree()
    if h.degree() != d or d < 1:
        return None
    g_c, h_c = base.coeffs(), h.coeffs()
    u = g_c[d]
    if h_c[d] != u:
        return None
    k, r = divmod(int(h_c[d - 1] - g_c[d - 1]), int(u) * d)
    if r or shift_flint(base, k) != h:
        return None
    return k



def _polynomial_factor(A: "flint.fmpz_poly", B: "flint.fmpz_poly", b_zero: bool, full: bool = False) -> tuple[Coefficients, Coefficients]:
    r"""Numerator and denominator of the polynomial part of $c(n)$ (see :func:`canonical`)."""
    n_poly = flint.fmpz_poly([0, 1])
    a_factors = [(g, int(e)) for g, e in A.factor()[1]]
    b_factors = [] if b_zero else [(h, int(e)) for h, e in B.factor()[1]]
    numerator = flint.fmpz_poly([1])
    denominator = flint.fmpz_poly([1])
    seen: list["flint.fmpz_poly"] = []
    for g, _ in a_factors:
        if any(_orbit_position(base, g) is not None for base in seen):
            continue
        monic_linear = g.degree() == 1 and g.coeffs()[1] == 1
        base = n_poly if monic_linear else g
        seen.append(base)
        alpha: dict[int, int] = {}
        beta: dict[int, int] = {}
        for h, e in a_factors:
            k = _orbit_position(base, h)
            if k is not None:
                alpha[k] = alpha.get(k, 0) + e
        for h, e in b_factors:
            k = _orbit_position(base, h)
            if k is not None:
                beta[k] = beta.get(k, 0) + e

        def fixed(k: int) -> bool:  # n + k vanishes at n = -k >= 0: never moved (unless full)
            return monic_linear and k <= 0 and not full

        positions = set(alpha) | set(beta)
        lo, hi = min(positions) - 1, max(positions) + 1
        best: dict[int, int] = {lo: alpha.get(lo, 0) if fixed(lo) else 0}
        for k in range(lo, hi + 1):
            if fixed(k + 1):
                best[k + 1] = alpha.get(k + 1, 0)
            elif b_zero:
                best[k + 1] = 0
            else:  # push right: alpha'(k+1) = max(0, L(k) - alpha'(k))
                need = alpha.get(k, 0) + alpha.get(k + 1, 0) - beta.get(k, 0)
                best[k + 1] = max(0, need - best[k])
        for k in range(lo, hi + 2):
            move = alpha.get(k, 0) - best.get(k, 0)
            if move > 0:
                numerator *= shift_flint(base, k) ** move
            elif move < 0:
                denominator *= shift_flint(base, k) ** (-move)
    return from_flint(numerator), from_flint(denominator)


# --- shift equivalence ------------------------------------------------------------------


def shift(pcf: PCF, s: int) -> PCF:
    r"""$\mathrm{PCF}(a(n + s), b(n + s))$: the same fraction entered at level $s$.

    >>> shift(PCF.parse("34n^3+51n^2+27n+5", "-n^6"), 1)
    PCF(a=(34, 153, 231, 117), b=(-1, -6, -15, -20, -15, -6, -1))
    """
    return PCF(shift_polynomial(pcf.a, s), shift_polynomial(pcf.b, s))


def shift_mobius(pcf: PCF, s: int) -> Mobius | None:
    r"""The map $m$ with $\mathrm{value}(pcf) = m(\mathrm{value}(\mathrm{shift}(pcf, s)))$.

    For $s \ge 1$ it comes from the first terms:
    $\mathrm{value} = (p_{s-1} V + b(s) p_{s-2}) / (q_{s-1} V + b(s) q_{s-2})$, with $V$ the
    value of the shifted fraction; for $s < 0$ it is the inverse of the map from the
    shifted fraction back. ``None`` when some $b(k) = 0$ between the two entry levels:
    the fraction stops there, and the two values are not related.

    >>> shift_mobius(PCF.parse("34n^3+51n^2+27n+5", "-n^6"), 1).text()
    '(5x - 1)/x'
    """
    if s == 0:
        return Mobius.identity()
    if s < 0:
        back = shift_mobius(shift(pcf, s), -s)
        return None if back is None else back.inverse()
    if any(evaluate(pcf.b, k) == 0 for k in range(1, s + 1)):
        return None
    conv = walk(pcf.a, pcf.b, s - 1)
    bs = evaluate(pcf.b, s)
    return Mobius.from_matrix(int(conv.p), bs * int(conv.p_prev), int(conv.q), bs * int(conv.q_prev))


@dataclass(frozen=True, slots=True)
class ShiftClass:
    r"""The family of a PCF under shifts $n \to n + s$ and equivalence transformations.

    ``key`` identifies the exact PCF (its canonical key); ``class_key`` is the key of the
    class's representative, ``canonical(shift(pcf, shift))``, shared by every shifted
    (and inflated) copy. ``mobius`` carries the representative's value to this PCF's
    value, or is ``None`` when the fraction stops between the two (some $b(k) = 0$).
    """

    key: str
    class_key: str
    shift: int
    representative: PCF
    mobius: Mobius | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "class_key": self.class_key,
            "shift": self.shift,
            "representative": self.representative.as_dict(),
            "mobius": self.mobius.as_dict() if self.mobius else None,
        }


def shift_class(pcf: PCF) -> ShiftClass:
    r"""The shift class of ``pcf``: its representative, the shift to it, and the value map.

    The representative's shift is read off $R(n) = a(n) a(n-1) / b(n)$, which
    equivalence transformations leave unchanged and a shift by $s$ turns into
    $R(n + s)$: the shift puts the second coefficient of $R$'s numerator (of its
    denominator if the numerator is constant) into $[0, d u)$, $d$ the degree and $u > 0$
    the leading coefficient. (When $R$ is constant, the canonical $a$, else $b$, is
    normalised the same way.) The representative is the shifted fraction put in canonical
    form with every common factor divided out (``canonical(…, full=True)``), so the class
    key is the same for every shifted or inflated copy. A fraction with $b = 0$ is its own
    class.

    >>> apery = PCF.parse("34n^3+51n^2+27n+5", "-n^6")
    >>> c = shift_class(PCF.parse("(2n+3)(17n^2+51n+39)", "-(n+1)^6"))
    >>> c.class_key == shift_class(apery).class_key == canonical(apery).key, c.shift
    (True, -1)
    """
    own = canonical(pcf)
    if pcf.b == (0,):
        return ShiftClass(own.key, own.key, 0, own.pcf, Mobius.of(0, own.scale.value_factor, 1, 0))
    s = _normalizing_shift(pcf, own.pcf)
    moved = canonical(shift(pcf, s), full=True)
    to_shifted = shift_mobius(pcf, s)
    mobius = None
    if to_shifted is not None and moved.scale.regular:
        mobius = to_shifted.compose(Mobius.of(0, moved.scale.value_factor, 1, 0))
    return ShiftClass(own.key, moved.key, s, moved.pcf, mobius)


def shift_relation(p: PCF, q: PCF) -> Mobius | None:
    r"""The map $m$ with $\mathrm{value}(p) = m(\mathrm{value}(q))$ when $p$ is a shifted (and
    inflated) copy of $q$; ``None`` when they are not, or when a fraction stops between them.

    The one behind is shifted forward onto the other (the first terms give the map, as in
    :func:`shift_mobius`), and the two are then related by their canonical forms.

    >>> shift_relation(PCF.parse("34n^3+51n^2+27n+5", "-n^6"), PCF.parse("(2n+3)(17n^2+51n+39)", "-(n+1)^6")).text()
    '(5x - 1)/x'
    """
    cp, cq = shift_class(p), shift_class(q)
    if cp.class_key != cq.class_key:
        return None
    u = cq.shift - cp.shift  # p is an inflated copy of shift(q, u)
    behind, ahead, forward = (q, p, u) if u >= 0 else (p, q, -u)
    moved = shift(behind, forward)
    step = shift_mobius(behind, forward)  # value(behind) = step(value(moved))
    own, other = canonical(ahead), canonical(moved)
    if step is None or own.key != other.key or not (own.scale.regular and other.scale.regular):
        return None
    ratio = other.scale.value_factor / own.scale.value_factor  # value(moved) = ratio * value(ahead)
    behind_from_ahead = step.compose(Mobius.of(0, ratio, 1, 0))  # value(behind) = this(value(ahead))
    return behind_from_ahead.inverse() if u >= 0 else behind_from_ahead


def _normalizing_shift(pcf: PCF, canonical_pcf: PCF) -> int:
    """The shift that puts ``pcf`` at its class's representative (see :func:`shift_class`)."""
    if pcf.a == (0,):
        candidates: list[Coefficients] = [canonical_pcf.a, canonical_pcf.b]
    else:
        a = to_flint(pcf.a)
        num, den = a * shift_flint(a, -1), to_flint(pcf.b)
        g = num.gcd(den)
        candidates = [from_flint(num // g), from_flint(den // g), canonical_pcf.a, canonical_pcf.b]
    for f in candidates:
        if len(f) >= 2:
            d, u, second = len(f) - 1, f[0], f[1]
            if u < 0:
                u, second = -u, -second
            return -(second // (d * u))
    return 0
