"""High-precision values for labelling clusters: PCF limits and constant expressions, each
computed once, and the Möbius relation between two of them.

A member is related to its cluster's reference at :data:`RELATION_DIGITS` digits and
re-checked at :data:`RECHECK_DIGITS` on deeper values (fresh digits that took no part in
finding the relation).

>>> from .points import Point
>>> values = Values()
>>> x, digits = values.pcf(Point("k", (2, 1), (1, 0, 0), (0.0,) * 5, digits_per_term=0.8))
>>> relate(values.expression("pi"), values.digits, x, digits)
((4, 0, 0, -1), True)
"""

from __future__ import annotations

from mpmath import mpf

from ..constants import parse_constant
from ..errors import InconclusiveError
from ..identification import relations
from ..pcf.value import pcf_limit
from ..precision import RELATION_GUARD_DIGITS
from .points import Point

RELATION_DIGITS = 50  # digits at which a relation between two values is found
RECHECK_DIGITS = 150  # digits at which it is re-checked, on deeper values
MAX_VALUE_DEPTH = 1 << 15  # deepest walk spent on one member's value


class Values:
    """High-precision values of PCF limits and of constant expressions, computed once.

    A PCF's limit is asked of :func:`brouncker.pcf.value.pcf_limit` to ``digits`` digits
    within ``max_depth`` terms; a PCF that converges too slowly for that gets the
    :data:`RELATION_DIGITS` a relation needs, or no value. PCFs that converge only
    polynomially, or whose measured rate cannot give those digits within the budget, are
    not walked at all.
    """

    def __init__(self, digits: int = RECHECK_DIGITS, max_depth: int = MAX_VALUE_DEPTH) -> None:
        self.digits = digits
        self.max_depth = max_depth
        self._pcf: dict[str, tuple[mpf | None, int]] = {}
        self._expr: dict[str, mpf] = {}
        self.walks = 0  # limits computed (each one walk or a few, doubling the depth)

    def pcf(self, point: Point) -> tuple[mpf | None, int]:
        """(value, trusted digits) of a PCF's limit; (None, 0) when it has no limit in reach."""
        if point.key not in self._pcf:
            self._pcf[point.key] = self._limit(point)
        return self._pcf[point.key]

    def _limit(self, point: Point) -> tuple[mpf | None, int]:
        least = RELATION_DIGITS + RELATION_GUARD_DIGITS
        want = self.digits + RELATION_GUARD_DIGITS
        rate = point.digits_per_term
        if point.convergence == "polynomial" or (rate is not None and rate * self.max_depth < least):
            return None, 0  # too slow to give the digits a relation needs: not worth the walks
        targets = [want, least] if not rate or rate * self.max_depth >= want else [least]
        for target in targets:
            self.walks += 1
            try:
                limit = pcf_limit(point.a, point.b, target, self.max_depth)
            except InconclusiveError:
                continue
            return limit.value, min(limit.digits, self.digits)
        return None, 0

    def expression(self, text: str) -> mpf:
        """The value of a constant expression (such as ``4/pi``) to :attr:`digits` digits."""
        if text not in self._expr:
            self._expr[text] = parse_constant(text).value(self.digits + 2 * RELATION_GUARD_DIGITS)
        return self._expr[text]


def relate(x: mpf, x_digits: int, y: mpf, y_digits: int) -> tuple[relations.Relation | None, bool]:
    """``(relation, confirmed)`` of two values at the clustering's precision: a Möbius map
    found at :data:`RELATION_DIGITS` digits, confirmed at :data:`RECHECK_DIGITS`."""
    return relations.relate(x, x_digits, y, y_digits, RELATION_DIGITS, RECHECK_DIGITS)
