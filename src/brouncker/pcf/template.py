r"""PCF families given by polynomial templates in $n$ with named integer parameters.

A template such as $a(n) = (2n+1)(x n^2 + x n + y)$, $b(n) = -z n^6$ ties one parameter
to several coefficients: the coefficient of each $n^k$ is a polynomial in the parameters
($a = 2x\,n^3 + 3x\,n^2 + (x + 2y)\,n + y$). The texts are parsed by the project's own
parser (:func:`brouncker.pcf.polynomial.parse_in`), never evaluated as code; the
coefficients of a whole grid of parameter values are then computed at once, in numpy.

>>> t = Template.parse("(2n+1)*(x*n^2 + x*n + y)", "-z*n^6", ("x", "y", "z"))
>>> t.degrees
(3, 6)
>>> a, b = t.coefficients(np.array([[17, 5, 1]]))
>>> a.tolist(), b.tolist()
([[34, 51, 27, 5]], [[-1, 0, 0, 0, 0, 0, 0]])
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import LimitError, ParseError
from ..limits import MAX_PCF_DEGREE
from ..precision import INT64_SAFE
from .polynomial import parse_in

VARIABLE = "n"  # the variable of the polynomials; never a parameter
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z", re.ASCII)
_POWER_OF_N = re.compile(rf"(?<![A-Za-z0-9_]){VARIABLE}\s*(?:\^|\*\*)\s*([0-9]+)", re.ASCII)

Monomials = tuple[tuple[tuple[int, ...], int], ...]  # (exponents of the parameters, coefficient)


@dataclass(frozen=True, slots=True)
class Template:
    """$a(n)$ and $b(n)$ whose coefficients are integer polynomials in ``parameters``.

    ``a`` and ``b`` hold, per power of $n$ (highest first), the monomials of that
    coefficient in the parameters.
    """

    a_text: str
    b_text: str
    parameters: tuple[str, ...]
    a: tuple[Monomials, ...]
    b: tuple[Monomials, ...]

    @classmethod
    def parse(cls, a: str, b: str, parameters: Sequence[str]) -> Template:
        """Parse both texts over ``n`` and the parameters; a :class:`ParseError` starts with
        the key at fault (``a``, ``b`` or ``parameters.x``) and says what is wrong."""
        names = tuple(parameters)
        for name in names:
            if name == VARIABLE:
                raise ParseError(f"parameters.{VARIABLE}: '{VARIABLE}' is the variable of the polynomials, not a parameter")
            if not _NAME.match(name):
                raise ParseError(f"parameters: '{name}' is not a parameter name (letters, digits and _, not first a digit)")
        polys = []
        for key, text in (("a", a), ("b", b)):
            _check_powers_of_n(key, text)
            try:
                poly = parse_in(text, (VARIABLE, *names))
            except (ParseError, LimitError) as exc:
                raise ParseError(f"{key}: {exc}") from None
            if poly == 0:
                raise ParseError(f"{key}: '{text}' is identically zero")
            polys.append(_by_power(poly.to_dict(), len(names)))
        used = {i for poly in polys for power in poly for exps, _ in power for i, e in enumerate(exps) if e}
        unused = [name for i, name in enumerate(names) if i not in used]
        if unused:
            raise ParseError(f"parameters.{unused[0]}: the parameter is used in neither a nor b")
        return cls(a, b, names, polys[0], polys[1])

    @property
    def degrees(self) -> tuple[int, int]:
        """The degrees of $a$ and $b$ in $n$ (as written: a coefficient may vanish for some values)."""
        return len(self.a) - 1, len(self.b) - 1

    def bound(self, largest: Sequence[int]) -> int:
        """The largest $|c|$ any coefficient of $a$ or $b$ can reach when each parameter's
        absolute value is at most ``largest`` (in parameter order)."""
        return max(
            sum(abs(c) * int(np.prod([m**e for m, e in zip(largest, exps)], dtype=object)) for exps, c in power)
            for power in (*self.a, *self.b)
        )

    def coefficients(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The coefficient rows (highest degree first) of $a$ and $b$ for each row of
        parameter ``values`` (one column per parameter), as int64.

        int64 arithmetic is exact modulo $2^{64}$, so a coefficient is right when it fits;
        :meth:`bound` of the values' largest magnitudes bounds them all, and is checked
        against ``INT64_SAFE`` up front: past it a :class:`LimitError` says so, where int64
        would wrap silently.

        >>> Template.parse("x*n", "-(x^4)^4*n^2", ("x",)).coefficients(np.array([[2**4]]))
        Traceback (most recent call last):
        ...
        brouncker.errors.LimitError: template coefficients reach 18446744073709551616 over these parameter values, beyond 64-bit integers
        """
        values = np.asarray(values, dtype=np.int64).reshape(-1, len(self.parameters))
        if values.size:
            largest = [max(abs(int(v.min())), abs(int(v.max()))) for v in values.T]
            top = self.bound(largest)
            if top >= INT64_SAFE:
                raise LimitError(f"template coefficients reach {top} over these parameter values, beyond 64-bit integers")
        return _evaluate(self.a, values), _evaluate(self.b, values)


def _check_powers_of_n(key: str, text: str) -> None:
    """A power of n written over the degree cap is refused as such, with its exponent,
    before the parser's bound on the total degree of the polynomial speaks of it.

    >>> _check_powers_of_n("a", "x*n^99999999999999999999")
    Traceback (most recent call last):
    ...
    brouncker.errors.ParseError: a: degree 99999999999999999999 in n is over the cap of 12
    """
    for power in _POWER_OF_N.finditer(text):
        digits = power.group(1).lstrip("0") or "0"
        if len(digits) > len(str(MAX_PCF_DEGREE)) or int(digits) > MAX_PCF_DEGREE:
            shown = digits if len(digits) <= 40 else digits[:37] + "..."
            raise ParseError(f"{key}: degree {shown} in n is over the cap of {MAX_PCF_DEGREE}")


def _by_power(terms: Mapping[tuple[int, ...], Any], count: int) -> tuple[Monomials, ...]:
    """The monomials of $\\sum c\\, n^k x^e$ grouped by $k$, highest $k$ first."""
    top = max(exps[0] for exps in terms)
    grouped: list[list[tuple[tuple[int, ...], int]]] = [[] for _ in range(top + 1)]
    for exps, c in terms.items():
        grouped[top - exps[0]].append((tuple(int(e) for e in exps[1 : 1 + count]), int(c)))
    return tuple(tuple(sorted(g)) for g in grouped)


def _evaluate(poly: tuple[Monomials, ...], values: np.ndarray) -> np.ndarray:
    out = np.zeros((values.shape[0], len(poly)), dtype=np.int64)
    for k, power in enumerate(poly):
        for exps, c in power:
            term = np.full(values.shape[0], c, dtype=np.int64)
            for j, e in enumerate(exps):
                if e:
                    term = term * values[:, j] ** e
            out[:, k] += term
    return out
