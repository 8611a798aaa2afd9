r"""The search space of a spec: a box of PCFs enumerated by index, never materialised.

Each coefficient position of $a$ and of $b$ (highest degree first) ranges over a list
of integers. The polynomials are enumerated in mixed radix, the last position fastest;
the zero polynomial is skipped by construction (its raw index is stepped over), so
neither $a \equiv 0$ nor $b \equiv 0$ ever appears. A PCF's index is
$i_a \cdot N_b + i_b$. Shards are consecutive index ranges; their ids are their
positions, stable for a given space and shard size.

>>> space = Space.box(2, (-5, 5), 2, (-5, 5))     # the Blind-Delta degree-2 space
>>> len(space)
1768900
>>> space.pcf(0)
((-5, -5, -5), (-5, -5, -5))
>>> space.index_of(*space.pcf(123456))
123456
>>> [s.as_dict() for s in space.shards(800000)]
[{'index': 0, 'start': 0, 'stop': 800000}, {'index': 1, 'start': 800000, 'stop': 1600000}, {'index': 2, 'start': 1600000, 'stop': 1768900}]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..pcf.template import Template
from .shards import Shard, split

Values = tuple[tuple[int, ...], ...]  # allowed integers per coefficient position


@dataclass(frozen=True, slots=True)
class PolynomialBox:
    """The polynomials whose coefficient at each position lies in that position's list,
    the zero polynomial excluded."""

    values: Values

    def __post_init__(self) -> None:
        if not self.values or any(len(v) == 0 for v in self.values):
            raise ValueError("every coefficient position needs at least one value")
        clean = tuple(tuple(sorted(set(int(x) for x in v))) for v in self.values)
        object.__setattr__(self, "values", clean)

    @property
    def radices(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.values)

    @property
    def raw_size(self) -> int:
        return int(np.prod(self.radices, dtype=object))

    @property
    def zero_index(self) -> int | None:
        """The raw index of the zero polynomial, if the box contains it."""
        if not all(0 in v for v in self.values):
            return None
        raw = 0
        for v in self.values:
            raw = raw * len(v) + v.index(0)
        return raw

    def __len__(self) -> int:
        return self.raw_size - (self.zero_index is not None)

    def decode(self, index: np.ndarray) -> np.ndarray:
        """Coefficients (rows, highest degree first) of the polynomials at ``index``."""
        raw = np.asarray(index, dtype=np.int64)
        zero = self.zero_index
        if zero is not None:
            raw = raw + (raw >= zero)
        out = np.empty((raw.shape[0], len(self.values)), dtype=np.int64)
        for pos in range(len(self.values) - 1, -1, -1):
            table = np.asarray(self.values[pos], dtype=np.int64)
            raw, digit = np.divmod(raw, len(table))
            out[:, pos] = table[digit]
        return out

    def encode(self, coefficients: Sequence[int]) -> int:
        """The index of one polynomial (inverse of :meth:`decode`)."""
        if len(coefficients) != len(self.values):
            raise ValueError(f"expected {len(self.values)} coefficients, got {len(coefficients)}")
        raw = 0
        for c, v in zip(coefficients, self.values):
            if c not in v:
                raise ValueError(f"coefficient {c} is outside {v}")
            raw = raw * len(v) + v.index(c)
        zero = self.zero_index
        if zero is not None:
            if raw == zero:
                raise ValueError("the zero polynomial is not in the space")
            raw -= raw > zero
        return raw


@dataclass(frozen=True, slots=True)
class Space:
    """All PCF(a, b) with a from one box and b from another."""

    a: PolynomialBox
    b: PolynomialBox

    @classmethod
    def box(cls, a_degree: int, a_range: tuple[int, int], b_degree: int, b_range: tuple[int, int]) -> Space:
        """Every coefficient of $a$ in ``a_range`` and of $b$ in ``b_range`` (inclusive)."""
        a_vals = tuple(range(a_range[0], a_range[1] + 1))
        b_vals = tuple(range(b_range[0], b_range[1] + 1))
        return cls(PolynomialBox((a_vals,) * (a_degree + 1)), PolynomialBox((b_vals,) * (b_degree + 1)))

    def __len__(self) -> int:
        return len(self.a) * len(self.b)

    @property
    def widths(self) -> tuple[int, int]:
        """Coefficients per row of $a$ and of $b$."""
        return len(self.a.values), len(self.b.values)

    def coefficients(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Coefficient arrays ``(A, B)`` (rows, highest degree first) for indices
        ``start <= i < stop``, as int64."""
        if not 0 <= start <= stop <= len(self):
            raise IndexError(f"range [{start}, {stop}) is outside the space of {len(self)} PCFs")
        return self.rows_at(np.arange(start, stop, dtype=np.int64))

    def rows_at(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coefficient arrays ``(A, B)`` of the PCFs at the (int64) indices ``index``."""
        ia, ib = np.divmod(np.asarray(index, dtype=np.int64), len(self.b))
        return self.a.decode(ia), self.b.decode(ib)

    def pcf(self, index: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The coefficients ``(a, b)`` of the PCF at ``index``."""
        a, b = self.coefficients(index, index + 1)
        return tuple(int(x) for x in a[0]), tuple(int(x) for x in b[0])

    def index_of(self, a: Sequence[int], b: Sequence[int]) -> int:
        """The index of PCF(a, b), coefficients given position by position."""
        return self.a.encode(a) * len(self.b) + self.b.encode(b)

    def shards(self, size: int) -> list[Shard]:
        """Consecutive ranges of ``size`` PCFs (the last may be shorter)."""
        return split(len(self), size)


@dataclass(frozen=True, slots=True)
class TemplateSpace:
    r"""All PCFs of a :class:`~brouncker.pcf.template.Template` over a grid of parameter
    values, enumerated in mixed radix (the last parameter fastest); never materialised.

    >>> from brouncker.pcf.template import Template
    >>> t = Template.parse("(2n+1)*(x*n^2+x*n+y)", "-z*n^6", ("x", "y", "z"))
    >>> space = TemplateSpace(t, ((17, 34), (5, 10), (1, 4)))
    >>> len(space), space.pcf(0), space.parameters_of(7)
    (8, ((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0)), (34, 10, 4))
    """

    template: Template
    values: Values  # the values of each parameter, in the template's parameter order

    def __len__(self) -> int:
        return int(np.prod([len(v) for v in self.values], dtype=object))

    @property
    def widths(self) -> tuple[int, int]:
        """Coefficients per row of $a$ and of $b$."""
        da, db = self.template.degrees
        return da + 1, db + 1

    def parameter_rows(self, start: int, stop: int) -> np.ndarray:
        """The parameter values (one row per index, one column per parameter) of ``start <= i < stop``."""
        if not 0 <= start <= stop <= len(self):
            raise IndexError(f"range [{start}, {stop}) is outside the space of {len(self)} PCFs")
        return self._parameters_at(np.arange(start, stop, dtype=np.int64))

    def _parameters_at(self, index: np.ndarray) -> np.ndarray:
        raw = np.asarray(index, dtype=np.int64)
        out = np.empty((raw.shape[0], len(self.values)), dtype=np.int64)
        for pos in range(len(self.values) - 1, -1, -1):
            table = np.asarray(self.values[pos], dtype=np.int64)
            raw, digit = np.divmod(raw, len(table))
            out[:, pos] = table[digit]
        return out

    def parameters_of(self, index: int) -> tuple[int, ...]:
        return tuple(int(v) for v in self.parameter_rows(index, index + 1)[0])

    def coefficients(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Coefficient arrays ``(A, B)`` (rows, highest degree first) for ``start <= i < stop``."""
        return self.template.coefficients(self.parameter_rows(start, stop))

    def rows_at(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coefficient arrays ``(A, B)`` of the PCFs at the (int64) indices ``index``."""
        return self.template.coefficients(self._parameters_at(index))

    def pcf(self, index: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        a, b = self.coefficients(index, index + 1)
        return tuple(int(x) for x in a[0]), tuple(int(x) for x in b[0])

    def index_of(self, a: Sequence[int], b: Sequence[int]) -> int:
        """Not defined: one PCF may come from several parameter values, or none."""
        raise ValueError("a template space is indexed by its parameters, not by coefficients")

    def shards(self, size: int) -> list[Shard]:
        return split(len(self), size)
