r"""Safe parsing and exact arithmetic of integer polynomials in $n$.

A polynomial is a tuple of integer coefficients, **highest degree first** (like
``numpy.polyval``): $34n^3+51n^2+27n+5$ is ``(34, 51, 27, 5)``. The zero polynomial is
``(0,)``. Text is parsed by a small recursive-descent parser over a whitelist of tokens;
nothing is ever passed to ``eval``. Printing is :mod:`brouncker.printing`'s
(``format_polynomial``).

>>> parse("(2n+1)(3n^2+3n+1)")
(6, 9, 5, 1)
>>> evaluate((34, 51, 27, 5), 2)
535
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeAlias

from ..errors import ParseError

Coefficients: TypeAlias = tuple[int, ...]
"""Integer coefficients, highest degree first."""

MAX_EXPONENT = 64  # a guard against text such as n^99999999 that would exhaust memory

_TOKEN = re.compile(r"\s*(?:(\d+)|(n)|(\*\*|[-+*^()])|(\S))")


def normalize(coefficients: Sequence[int]) -> Coefficients:
    """Strip leading zeros; the zero polynomial is ``(0,)``.

    >>> normalize([0, 0, 1, 2])
    (1, 2)
    """
    coeffs = [int(c) for c in coefficients]
    while len(coeffs) > 1 and coeffs[0] == 0:
        coeffs.pop(0)
    return tuple(coeffs) if coeffs else (0,)


def degree(coefficients: Coefficients) -> int:
    """Degree of the polynomial; the zero polynomial has degree $-1$ by convention here."""
    coeffs = normalize(coefficients)
    return -1 if coeffs == (0,) else len(coeffs) - 1


def evaluate(coefficients: Coefficients, n: int) -> int:
    """Evaluate at an integer by Horner's rule, exactly."""
    value = 0
    for c in coefficients:
        value = value * n + c
    return value


def add(f: Coefficients, g: Coefficients) -> Coefficients:
    """$f + g$."""
    width = max(len(f), len(g))
    f = (0,) * (width - len(f)) + tuple(f)
    g = (0,) * (width - len(g)) + tuple(g)
    return normalize([x + y for x, y in zip(f, g)])


def multiply(f: Coefficients, g: Coefficients) -> Coefficients:
    """$f \\cdot g$."""
    out = [0] * (len(f) + len(g) - 1)
    for i, x in enumerate(f):
        if x:
            for j, y in enumerate(g):
                out[i + j] += x * y
    return normalize(out)


def scale(f: Coefficients, c: int) -> Coefficients:
    """$c \\cdot f$."""
    return normalize([c * x for x in f])


def power(f: Coefficients, k: int) -> Coefficients:
    """$f^k$ for $k \\ge 0$."""
    out: Coefficients = (1,)
    for _ in range(k):
        out = multiply(out, f)
    return out


def shift(f: Coefficients, s: int) -> Coefficients:
    """$f(n + s)$, exactly (Horner in polynomial arithmetic).

    >>> shift((1, 0, 0), -1)
    (1, -2, 1)
    """
    out: Coefficients = (0,)
    for c in f:
        out = add(multiply(out, (1, s)), (c,))
    return out


def content(f: Coefficients) -> int:
    """The gcd of the coefficients (0 for the zero polynomial)."""
    from math import gcd

    g = 0
    for c in f:
        g = gcd(g, c)
    return g


# --- parsing -------------------------------------------------------------------------


class _Parser:
    """Recursive descent over: sum := ['+'|'-'] term (('+'|'-') term)*;
    term := factor (['*'] factor)*; factor := atom (('^'|'**') integer)*;
    atom := integer | 'n' | '(' sum ')'."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        stripped = text.rstrip()
        while pos < len(stripped):
            m = _TOKEN.match(stripped, pos)
            assert m is not None
            number, var, op, bad = m.groups()
            if bad is not None:
                word = re.match(r"[A-Za-z_]\w*", stripped[m.start(4):])
                shown = word.group(0) if word else bad
                if bad == "/":
                    raise ParseError(f"cannot parse '{text}': division is not allowed in a polynomial")
                raise ParseError(f"cannot parse '{text}': unexpected '{shown}' (use integers, n, + - * ^ and parentheses)")
            if number is not None:
                self.tokens.append(("int", number, m.start(1)))
            elif var is not None:
                self.tokens.append(("n", var, m.start(2)))
            else:
                self.tokens.append(("op", "^" if op == "**" else op, m.start(3)))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def error(self, message: str) -> ParseError:
        return ParseError(f"cannot parse '{self.text}': {message}")

    def take(self) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            last = self.tokens[-1][1] if self.tokens else ""
            raise self.error(f"expression ends after '{last}'" if last else "empty expression")
        self.i += 1
        return tok

    def parse(self) -> Coefficients:
        if not self.tokens:
            raise self.error("empty expression")
        result = self.sum()
        tok = self.peek()
        if tok is not None:
            raise self.error(f"unexpected '{tok[1]}' at position {tok[2] + 1}")
        return result

    def sum(self) -> Coefficients:
        sign = 1
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] in "+-":
            self.take()
            sign = -1 if tok[1] == "-" else 1
        total = scale(self.term(), sign)
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] in "+-":
            self.take()
            term = self.term()
            total = add(total, scale(term, -1) if tok[1] == "-" else term)
        return total

    def term(self) -> Coefficients:
        product = self.factor()
        while (tok := self.peek()) is not None:
            if tok[0] == "op" and tok[1] == "*":
                self.take()
            elif not (tok[0] in ("int", "n") or tok[1] == "("):
                break
            product = multiply(product, self.factor())
        return product

    def factor(self) -> Coefficients:
        base = self.atom()
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] == "^":
            self.take()
            exp_tok = self.take()
            if exp_tok[1] == "-":
                raise self.error("negative exponents are not allowed in a polynomial")
            if exp_tok[1] == "(":
                raise self.error("an exponent must be a plain non-negative integer")
            if exp_tok[0] != "int":
                raise self.error(f"an exponent must be a non-negative integer, not '{exp_tok[1]}'")
            k = int(exp_tok[1])
            if k > MAX_EXPONENT:
                raise self.error(f"exponent {k} is larger than {MAX_EXPONENT}")
            base = power(base, k)
        return base

    def atom(self) -> Coefficients:
        tok = self.take()
        if tok[0] == "int":
            return normalize([int(tok[1])])
        if tok[0] == "n":
            return (1, 0)
        if tok[1] == "(":
            inner = self.sum()
            close = self.take()
            if close[1] != ")":
                raise self.error(f"expected ')' but found '{close[1]}'")
            return inner
        raise self.error(f"unexpected '{tok[1]}' at position {tok[2] + 1}")


def parse(text: str | Sequence[int]) -> Coefficients:
    """Parse a polynomial in $n$ with integer coefficients.

    Accepts ``^`` and ``**``, implicit multiplication (``2n``, ``(n+1)(n+2)``) and
    unary signs. A sequence of integers is taken as coefficients, highest degree first.

    >>> parse("n*(2*n-1)")
    (2, -1, 0)
    >>> parse("-n^6")
    (-1, 0, 0, 0, 0, 0, 0)
    >>> parse("2n+")
    Traceback (most recent call last):
    ...
    brouncker.errors.ParseError: cannot parse '2n+': expression ends after '+'
    """
    if not isinstance(text, str):
        try:
            return normalize([int(c) for c in text])
        except (TypeError, ValueError) as exc:
            raise ParseError(f"cannot use {text!r} as polynomial coefficients: {exc}") from None
    if not text.strip():
        raise ParseError("cannot parse '': empty polynomial")
    return _Parser(text).parse()
