"""Search specifications: TOML files validated with pydantic.

A spec names the PCF family (a box of integer coefficients for $a$ and $b$), the mode,
the constants to identify against and the depths and tolerances of each stage. Every
unknown key and every bad value is refused with one line naming the file and the key::

    name = "quickstart"
    mode = "identify"                 # or "dynamics"
    constants = ["pi", "e"]
    digits = 30
    shard_size = 2000

    [family.a]
    degree = 1
    range = [-4, 4]                   # or: coefficients = [[1, 2], [0, 1, 2, 3]]

    [family.b]
    degree = 2
    range = [-4, 4]

    [screen]
    depth = 200

>>> spec = SearchSpec.model_validate({"name": "t", "family": {"a": {"degree": 1, "range": [0, 2]},
...                                   "b": {"coefficients": [[1], [0, 1]]}}})
>>> len(spec.space())                 # 3*3 - 1 polynomials a, 2 polynomials b
16
>>> spec.match.bound, spec.screen.depth
(12, 200)
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..constants import BANK
from ..errors import SpecError
from .space import PolynomialBox, Space

MAX_DEGREE = 12
MAX_COEFFICIENT = 10**6  # float64 screening needs a(n), b(n) exact below 2^53


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolynomialFamily(_Model):
    """One polynomial's box: ``degree`` and an inclusive ``range`` for every coefficient,
    or explicit ``coefficients`` lists, one per position, highest degree first."""

    degree: int | None = Field(default=None, ge=0, le=MAX_DEGREE)
    range: tuple[int, int] | None = None
    coefficients: list[list[int]] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> PolynomialFamily:
        if self.coefficients is not None:
            if self.degree is not None or self.range is not None:
                raise ValueError("give either 'coefficients' or 'degree' with 'range', not both")
            if not self.coefficients or len(self.coefficients) > MAX_DEGREE + 1:
                raise ValueError(f"'coefficients' needs 1 to {MAX_DEGREE + 1} positions")
            if any(not position for position in self.coefficients):
                raise ValueError("every position in 'coefficients' needs at least one value")
            if any(abs(c) > MAX_COEFFICIENT for position in self.coefficients for c in position):
                raise ValueError(f"coefficients must lie within ±{MAX_COEFFICIENT}")
            return self
        if self.degree is None or self.range is None:
            raise ValueError("give 'degree' and 'range', or 'coefficients'")
        lo, hi = self.range
        if lo > hi:
            raise ValueError(f"range [{lo}, {hi}] is empty")
        if max(abs(lo), abs(hi)) > MAX_COEFFICIENT:
            raise ValueError(f"range must lie within ±{MAX_COEFFICIENT}")
        return self

    def box(self) -> PolynomialBox:
        if self.coefficients is not None:
            return PolynomialBox(tuple(tuple(p) for p in self.coefficients))
        assert self.degree is not None and self.range is not None
        values = tuple(range(self.range[0], self.range[1] + 1))
        return PolynomialBox((values,) * (self.degree + 1))


class Family(_Model):
    a: PolynomialFamily
    b: PolynomialFamily


class ScreenSettings(_Model):
    """Float64 screening: depth, and the relative change allowed between depths."""

    depth: int = Field(default=200, ge=10, le=100_000)
    tolerance: float = Field(default=1e-12, gt=0, le=1e-6)
    max_denominator: int = Field(default=1000, ge=1, le=10**6)  # rational limits p/q, q <= this


class MatchSettings(_Model):
    """Meet-in-the-middle matching against Möbius tables of the constants."""

    bound: int = Field(default=12, ge=1, le=20)  # |c_i| <= bound in (c0 + c1 K)/(c2 + c3 K)
    tolerance: float = Field(default=1e-10, gt=0, le=1e-6)


class ExactSettings(_Model):
    """Exact work on survivors: walk depth of identification and of the dynamics record."""

    depth: int = Field(default=4096, ge=10, le=1_000_000)  # deepest walk for identification
    dynamics_depth: int = Field(default=2000, ge=16, le=1_000_000)


class SearchSpec(_Model):
    """A whole search: validated, hashable, and turned into a :class:`Space` on demand."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    mode: Literal["identify", "dynamics"] = "identify"
    family: Family
    constants: list[str] = Field(default_factory=lambda: list(BANK))
    digits: int = Field(default=30, ge=10, le=100_000)
    shard_size: int = Field(default=10_000, ge=1, le=10_000_000)
    screen: ScreenSettings = ScreenSettings()
    match: MatchSettings = MatchSettings()
    exact: ExactSettings = ExactSettings()

    @field_validator("constants")
    @classmethod
    def _known_constants(cls, names: list[str]) -> list[str]:
        if not names:
            raise ValueError("list at least one constant")
        unknown = [n for n in names if n not in BANK]
        if unknown:
            raise ValueError(f"unknown constant '{unknown[0]}'; known: {', '.join(BANK)}")
        return list(dict.fromkeys(names))

    def space(self) -> Space:
        return Space(self.family.a.box(), self.family.b.box())

    def as_dict(self) -> dict[str, Any]:
        """The spec with every default filled in, as plain JSON types."""
        return self.model_dump(mode="json")

    @property
    def hash(self) -> str:
        """sha256 of the canonical JSON of :meth:`as_dict` (defaults included)."""
        text = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _describe(error: dict[str, Any]) -> str:
    """One line for pydantic's first error: the key path and what is wrong with it."""
    loc = [str(part) for part in error["loc"]]
    if error["type"] == "extra_forbidden":
        where = f" in [{'.'.join(loc[:-1])}]" if len(loc) > 1 else ""
        return f"unknown key '{loc[-1]}'{where}"
    if error["type"] == "missing":
        return f"missing key '{'.'.join(loc)}'"
    message = str(error["msg"]).removeprefix("Value error, ")
    key = ".".join(loc)
    shown = repr(error.get("input"))
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"bad value for '{key}': {message} (got {shown})" if key else message


def parse_spec(data: dict[str, Any], source: str = "<spec>") -> SearchSpec:
    """Validate a spec given as a dict (as read from TOML or from the store)."""
    try:
        return SearchSpec.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        unknown = [e for e in errors if e["type"] == "extra_forbidden"]  # a typo explains the rest
        raise SpecError(f"{source}: {_describe((unknown or errors)[0])}") from None


def load_spec(path: str | Path) -> SearchSpec:
    """Read and validate a TOML spec; :class:`SpecError` names the file and the bad key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    return parse_spec(data, str(path))
