"""The points that clustering works on: one canonical PCF, its dynamics features, and its
identification when it has one.

>>> p = Point.from_metrics("k", "2n+1", "n^2", {"convergence": "exponential", "delta_fr": -0.2, "c": 1.0,
...                        "d": 0.0, "gamma": -1.7, "eta": 0.0}, expression="4/pi", constants=("pi",))
>>> p.text, p.clusterable, feature_matrix([p], ("delta_fr", "gamma")).tolist()
('PCF(2n + 1, n^2)', True, [[-0.2, -1.7]])
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..convergence.dynamics import CONVERGENT_TYPES
from ..pcf.polynomial import Coefficients, normalize, parse
from ..printing import format_pcf

FEATURES = ("delta_fr", "c", "d", "gamma", "eta")  # the dynamics features of arXiv 2412.16818 §3


@dataclass(frozen=True, slots=True)
class Point:
    """One canonical PCF with its dynamics features and, if identified, its formula."""

    key: str
    a: Coefficients
    b: Coefficients
    features: tuple[float | None, ...]  # in FEATURES order
    digits_per_term: float | None = None
    expression: str | None = None  # the identification (an anchor), e.g. "4/pi"
    constants: tuple[str, ...] = ()
    pcf_id: int | None = None
    conjecture_ids: tuple[int, ...] = ()
    convergence: str | None = None  # the dynamics record's type: exponential, factorial, polynomial, ...

    @classmethod
    def from_metrics(cls, key: str, a: Sequence[int] | str, b: Sequence[int] | str, metrics: Mapping[str, Any], **extra: Any) -> Point:
        """Build from a dynamics dict (``Dynamics.as_dict()``), keeping only what clustering needs."""

        def number(name: str) -> float | None:
            v = metrics.get(name)
            if v is None or isinstance(v, str) or isinstance(v, bool):
                return None
            v = float(v)
            return v if math.isfinite(v) else None

        if metrics.get("convergence") not in (*CONVERGENT_TYPES, None):  # divergent, rational, unknown: no dynamics
            features: tuple[float | None, ...] = (None,) * len(FEATURES)
        else:
            features = tuple(number(f) for f in FEATURES)
        ca = parse(a) if isinstance(a, str) else normalize(a)
        cb = parse(b) if isinstance(b, str) else normalize(b)
        extra["constants"] = tuple(extra.get("constants") or ())
        extra["conjecture_ids"] = tuple(extra.get("conjecture_ids") or ())
        extra.setdefault("convergence", metrics.get("convergence"))
        return cls(key, ca, cb, features, number("digits_per_term"), **extra)

    @property
    def clusterable(self) -> bool:
        """Every feature is defined: the PCF converges and its dynamics were measured."""
        return all(f is not None for f in self.features)

    @property
    def anchor(self) -> bool:
        """Identified with a bank constant (a rational limit anchors nothing)."""
        return bool(self.expression and self.constants)

    def feature(self, name: str) -> float | None:
        return self.features[FEATURES.index(name)]

    @property
    def text(self) -> str:
        return format_pcf(self.a, self.b)


def feature_matrix(points: Sequence[Point], names: Sequence[str] = FEATURES) -> np.ndarray:
    """The features as a float array, NaN where undefined.

    >>> p = Point("k", (2, 1), (1, 0, 0), (-0.2, 1.0, 0.0, -1.7, 0.0))
    >>> feature_matrix([p], ("delta_fr", "gamma")).tolist()
    [[-0.2, -1.7]]
    """
    idx = [FEATURES.index(n) for n in names]
    out = np.full((len(points), len(idx)), np.nan)
    for i, p in enumerate(points):
        for j, k in enumerate(idx):
            value = p.features[k]
            if value is not None:
                out[i, j] = value
    return out
