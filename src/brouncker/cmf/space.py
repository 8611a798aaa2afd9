r"""The space of a trajectory search: parameter values, primitive trajectories and start
points of one field, counted by arithmetic and indexed without being built.

A trajectory $t \in \mathbb{Z}^d$ is **primitive** when $\gcd(t_1, \dots, t_d) = 1$ (a
multiple $k t$ walks every $k$-th point of $t$'s walk). The trajectories of a search are the
primitive ones with $\max_i |t_i| \le$ ``max_norm`` whose signs lie in an orthant: every
entry $\ge 0$ (``"positive"``, the default: negative entries and starts on an axis often
meet the fields' singular lines), any sign (``"all"``), or one sign per axis. Their number
is counted with the Möbius function, $\sum_{g \ge 1} \mu(g) (\#\{t \ne 0 : |t_i| \le
\lfloor k/g \rfloor\})$, before any is listed.

An **item** of the space is one (parameters, trajectory, start) triple; item ``i`` is found
by mixed radix, parameters outermost, so the items of one parameter value are adjacent.

>>> space = TrajectorySpace.of(2, max_norm=2, start_values=[(1, 2), (1, 2)])
>>> len(space), space.trajectories
(20, ((0, 1), (1, 0), (1, 1), (1, 2), (2, 1)))
>>> space.item(7)
Item(parameters=(), trajectory=(1, 0), start=(Fraction(2, 1), Fraction(2, 1)))
>>> count_primitive(2, 4, ("+", "+"))
13
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sympy import mobius

from ..errors import FieldError

Sign = str  # "+" (entries >= 0), "-" (entries <= 0) or "±" (either)
ORTHANTS = ("positive", "all")


def rational(value: Any, what: str) -> Fraction:
    """``value`` (an int, a Fraction, or text such as ``"1/2"``) as a Fraction; a
    :class:`FieldError` naming ``what`` otherwise (floats are refused: they are not exact).

    >>> rational("-3/4", "z"), rational(2, "x")
    (Fraction(-3, 4), Fraction(2, 1))
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise FieldError(f"{what}: {value!r} is not an exact rational; write it as an integer or as text such as '1/2'")
    if isinstance(value, str):
        ascii_text(value, what)
    try:
        return Fraction(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, ZeroDivisionError):
        raise FieldError(f"{what}: {value!r} is not a rational number such as 2, -1 or '1/2'") from None


def ascii_text(text: str, what: str) -> str:
    """``text`` if it is ASCII: Python's ``int`` and ``Fraction`` read other scripts' digits
    (full-width ``１``, Arabic-Indic ``١``), which no one types on purpose.

    >>> ascii_text("1,1", "--trajectory")
    '1,1'
    >>> ascii_text("\uff11,1", "--trajectory")
    Traceback (most recent call last):
    ...
    brouncker.errors.FieldError: --trajectory '１,1': non-ASCII character '１' (U+FF11) at position 1 (use ASCII digits)
    """
    for position, char in enumerate(text):
        if not char.isascii():
            raise FieldError(
                f"{what} {text!r}: non-ASCII character {char!r} (U+{ord(char):04X}) at position {position + 1} (use ASCII digits)"
            )
    return text


def rational_text(value: Fraction) -> str:
    """``3``, ``-1/2``: the text :func:`rational` reads back."""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def signs_of(orthant: str | Sequence[int], dim: int) -> tuple[Sign, ...]:
    """The allowed sign of each axis: ``"positive"``, ``"all"``, or one of 1, -1, 0 (either) per axis.

    >>> signs_of("positive", 2), signs_of([1, 0, -1], 3)
    (('+', '+'), ('+', '±', '-'))
    """
    if isinstance(orthant, str):
        if orthant not in ORTHANTS:
            raise FieldError(f"orthant must be 'positive', 'all' or one of 1, -1, 0 per axis, not {orthant!r}")
        return ("+" if orthant == "positive" else "±",) * dim
    values = list(orthant)
    if len(values) != dim or any(v not in (-1, 0, 1) or isinstance(v, bool) for v in values):
        raise FieldError(f"orthant {values} must give one of 1, -1, 0 (either sign) for each of the {dim} axes")
    return tuple({1: "+", -1: "-", 0: "±"}[v] for v in values)


def _box_count(k: int, signs: Sequence[Sign]) -> int:
    """Non-zero integer vectors with $|t_i| \\le k$ and the allowed signs."""
    return math.prod((2 * k + 1) if s == "±" else (k + 1) for s in signs) - 1


def count_primitive(dim: int, max_norm: int, signs: Sequence[Sign]) -> int:
    """How many primitive trajectories :func:`primitive_trajectories` lists, by arithmetic."""
    return sum(int(mobius(g)) * _box_count(max_norm // g, signs) for g in range(1, max_norm + 1))


def primitive_trajectories(dim: int, max_norm: int, signs: Sequence[Sign]) -> tuple[tuple[int, ...], ...]:
    r"""Primitive $t$ with $\max |t_i| \le$ ``max_norm`` and the allowed signs, ordered by
    $\max |t_i|$, then $\sum |t_i|$, then lexicographically."""
    ranges = [range(0, max_norm + 1) if s == "+" else range(-max_norm, 1) if s == "-" else range(-max_norm, max_norm + 1)
              for s in signs]
    found = [t for t in itertools.product(*ranges) if any(t) and math.gcd(*t) == 1]
    return tuple(sorted(found, key=lambda t: (max(map(abs, t)), sum(map(abs, t)), t)))


@dataclass(frozen=True, slots=True)
class Item:
    """One (parameters, trajectory, start) triple of a space."""

    parameters: tuple[tuple[str, Fraction], ...]
    trajectory: tuple[int, ...]
    start: tuple[Fraction, ...]

    def parameter_values(self) -> dict[str, Fraction]:
        return dict(self.parameters)

    def as_dict(self) -> dict[str, Any]:
        return {
            "parameters": {k: rational_text(v) for k, v in self.parameters},
            "trajectory": list(self.trajectory),
            "start": [rational_text(v) for v in self.start],
        }


@dataclass(frozen=True, slots=True)
class TrajectorySpace:
    """Parameter values (one list per parameter, by name), trajectories, and start values
    (one list per axis), indexed as one product."""

    parameters: tuple[tuple[str, tuple[Fraction, ...]], ...]
    trajectories: tuple[tuple[int, ...], ...]
    start_values: tuple[tuple[Fraction, ...], ...]

    @classmethod
    def of(
        cls,
        dim: int,
        max_norm: int,
        start_values: Sequence[Sequence[Any]],
        orthant: str | Sequence[int] = "positive",
        parameters: Sequence[tuple[str, Sequence[Any]]] = (),
    ) -> TrajectorySpace:
        """The space of a field with ``dim`` axes: ``start_values`` lists the start values of
        each axis, ``parameters`` the values of each parameter (rationals, or text such as
        ``"1/2"``)."""
        if len(start_values) != dim:
            raise FieldError(f"give start values for each of the {dim} axes, not {len(start_values)}")
        if max_norm < 1:
            raise FieldError(f"the largest trajectory entry must be at least 1, not {max_norm}")
        starts = tuple(_values(vals, "start") for vals in start_values)
        trajectories = primitive_trajectories(dim, max_norm, signs_of(orthant, dim))
        params = tuple((name, _values(vals, name)) for name, vals in parameters)
        return cls(params, trajectories, starts)

    @property
    def starts(self) -> int:
        return math.prod(len(v) for v in self.start_values)

    @property
    def parameter_sets(self) -> int:
        return math.prod(len(v) for _, v in self.parameters)

    def __len__(self) -> int:
        return self.parameter_sets * len(self.trajectories) * self.starts

    def item(self, index: int) -> Item:
        """The item of ``index`` (parameters outermost, then trajectory, then start)."""
        if not 0 <= index < len(self):
            raise IndexError(f"item {index} is outside the space of {len(self)}")
        index, start = divmod(index, self.starts)
        index, trajectory = divmod(index, len(self.trajectories))
        return Item(self._parameters(index), self.trajectories[trajectory], _digits(start, self.start_values))

    def _parameters(self, index: int) -> tuple[tuple[str, Fraction], ...]:
        chosen = _digits(index, [v for _, v in self.parameters])
        return tuple((name, value) for (name, _), value in zip(self.parameters, chosen))

    def items(self, start: int = 0, stop: int | None = None) -> Iterator[Item]:
        """The items with index in ``[start, stop)``."""
        for i in range(start, len(self) if stop is None else min(stop, len(self))):
            yield self.item(i)


def _values(values: Sequence[Any], what: str) -> tuple[Fraction, ...]:
    out = tuple(dict.fromkeys(rational(v, what) for v in values))
    if not out:
        raise FieldError(f"{what}: no values given")
    return out


def _digits(index: int, radices: Sequence[Sequence[Fraction]]) -> tuple[Fraction, ...]:
    """``index`` in mixed radix over ``radices`` (the last varies fastest), as the chosen values."""
    out: list[Fraction] = []
    for values in reversed(radices):
        index, r = divmod(index, len(values))
        out.append(values[r])
    return tuple(reversed(out))
