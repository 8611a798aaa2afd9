r"""Which stored formulas are the most telling: conjectures grouped by constant, the
simplest formula first, then the fastest converging.

The *height* of a formula is the sum of the absolute values of every integer it is
written with: the coefficients of $a(n)$ and $b(n)$ and those of the integer relation
that gives the constant. Brouncker's $4/\pi = \mathrm{PCF}(2n+1, n^2)$ has height
$2 + 1 + 1 + 4 + 1 = 9$; the other formulas for $\pi$ a search meets are taller. Among
formulas of one height, the one with more digits per term comes first.

Groups follow the constant bank's order (π, π², e, e², ln 2, …: the classical constants
first, the algebraic numbers after them); formulas over several constants come after those
over one, and values that no bank constant explains (candidates) come last.

>>> from brouncker.store.rows import ConjectureRow
>>> from brouncker.records import ConjectureKind, ConjectureStatus
>>> row = ConjectureRow(1, ConjectureKind.PCF, "2n + 1", "n^2", "4/pi", 50, -0.2, ConjectureStatus.CONJECTURED,
...                     None, 1, "k", None, False)
>>> height(row, (0, -4, 0, 1))
9
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..constants import BANK
from ..errors import BrounckerError
from ..pcf.polynomial import parse

if TYPE_CHECKING:
    from ..store.rows import ConjectureDetail, ConjectureRow

CANDIDATES = "candidates"
"""The name of the group of values that no bank constant explains."""

RATIONAL = "rational"
"""The name of the group of formulas that use no constant (their value is rational)."""


def _coefficient_sum(text: str | None) -> int:
    if not text:
        return 0
    try:
        return sum(abs(c) for c in parse(text))
    except BrounckerError:
        return 0


def height(row: ConjectureRow, relation: Sequence[int]) -> int:
    """The sum of the absolute values of the coefficients of a(n), b(n) and the relation."""
    return _coefficient_sum(row.a) + _coefficient_sum(row.b) + sum(abs(int(c)) for c in relation)


def digits_per_term(detail: ConjectureDetail) -> float | None:
    """Digits per term of the deepest dynamics record of the conjecture's PCF, if any."""
    for record in reversed(detail.metrics):
        value = record.dynamics.get("digits_per_term")
        if isinstance(value, (int, float)) and math.isfinite(value):
            return float(value)
    return None


def rank_key(detail: ConjectureDetail) -> tuple[int, float, int]:
    """Lowest height first, then most digits per term (none last), then oldest."""
    speed = digits_per_term(detail)
    return height(detail.conjecture, detail.relation), -speed if speed is not None else math.inf, detail.conjecture.id


def group_name(detail: ConjectureDetail) -> str:
    """The constants of a formula (``pi``; ``pi, e``), ``rational`` or ``candidates``."""
    if detail.conjecture.candidate or detail.conjecture.expression is None:
        return CANDIDATES
    return ", ".join(detail.constants) if detail.constants else RATIONAL


def _group_order(name: str) -> tuple[int, tuple[int, ...], str]:
    if name == CANDIDATES:
        return 3, (), name
    if name == RATIONAL:
        return 2, (), name
    bank = list(BANK)
    names = name.split(", ")
    position = tuple(bank.index(n) if n in bank else len(bank) for n in names)
    return (0 if len(names) == 1 else 1), position, name


@dataclass(frozen=True, slots=True)
class ConstantGroup:
    """The formulas of one constant (or set of constants), most telling first, and a
    summary of them."""

    name: str  # "pi", "pi, e", "rational" or "candidates"
    description: str  # "Archimedes' constant π"; empty when there is none
    rows: tuple[ConjectureDetail, ...]
    verified: int
    refuted: int
    delta_range: tuple[float, float] | None  # lowest and highest δ, when any is known
    fastest: float | None  # most digits per term

    @property
    def best(self) -> ConjectureDetail:
        return self.rows[0]

    def summary(self) -> str:
        """One line: how many formulas, how many verified, the range of δ, the fastest.

        The numbers are of every formula of the group, not only of those shown.
        """
        n = len(self.rows)
        parts = [f"{n} formula{'s' if n != 1 else ''}" if self.name != CANDIDATES else f"{n} value{'s' if n != 1 else ''}"]
        checked = [f"{self.verified} verified" if self.verified else "", f"{self.refuted} refuted" if self.refuted else ""]
        parts.append(", ".join(c for c in checked if c) or "none verified yet")
        if self.delta_range is not None:
            low, high = self.delta_range
            parts.append(f"δ {low:.3g}" if f"{low:.3g}" == f"{high:.3g}" else f"δ from {low:.3g} to {high:.3g}")
        if self.fastest is not None:
            parts.append(f"up to {self.fastest:.3g} digits per term")
        head = self.name if not self.description else f"{self.name} ({self.description})"
        return f"{head}: " + "; ".join(parts)


def group_by_constant(details: Sequence[ConjectureDetail]) -> list[ConstantGroup]:
    """The conjectures grouped by their constants, groups and formulas most telling first."""
    from ..records import ConjectureStatus

    grouped: dict[str, list[ConjectureDetail]] = {}
    for d in details:
        grouped.setdefault(group_name(d), []).append(d)
    out = []
    for name in sorted(grouped, key=_group_order):
        rows = sorted(grouped[name], key=rank_key)
        deltas = [r.conjecture.delta for r in rows if r.conjecture.delta is not None and math.isfinite(r.conjecture.delta)]
        speeds = [s for s in (digits_per_term(r) for r in rows) if s is not None]
        constant = BANK.get(name)
        out.append(ConstantGroup(
            name=name,
            description=constant.description if constant is not None else "",
            rows=tuple(rows),
            verified=sum(1 for r in rows if r.conjecture.status is ConjectureStatus.VERIFIED),
            refuted=sum(1 for r in rows if r.conjecture.status is ConjectureStatus.REFUTED),
            delta_range=(min(deltas), max(deltas)) if deltas else None,
            fastest=max(speeds) if speeds else None,
        ))
    return out
