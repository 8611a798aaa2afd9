r"""Parametric families of PCFs inside a labelled cluster.

A *family* is a set of members whose coefficient vectors lie on a line $v_0 + k\,s$ for
consecutive integers $k$, and whose limits follow one Möbius recurrence with coefficients
polynomial in $k$, $R_0 + R_1\, y(k) + R_2\, y(k+1) + R_3\, y(k)\, y(k+1) = 0$. The
recurrence then predicts the limit at new $k$, and each prediction is checked by an exact
walk to :data:`VERIFY_DIGITS` digits (derivation in ``docs/clustering.md``).

>>> fit_form([1, 2, 3, 4], [(0, 1, 2, -1), (0, 1, 3, -1), (0, 1, 4, -1), (0, 1, 5, -1)])
((0,), (1,), (1, 1), (-1,))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import flint
from mpmath import mp, mpf

from ..errors import InconclusiveError
from ..identification.relations import relate
from ..pcf.canonical import canonical
from ..pcf.fraction import PCF
from ..pcf.polynomial import Coefficients, evaluate, normalize, primitive
from ..pcf.value import pcf_limit
from ..precision import RELATION_GUARD_DIGITS
from ..printing import polynomial_in, polynomial_ratio_form
from .labels import Cluster, MemberRelation
from .points import Point
from .values import RECHECK_DIGITS, RELATION_DIGITS, Values

MIN_FAMILY_PAIRS = 3  # consecutive members related, at least (so 4 members or more)
MAX_FORM_DEGREE = 2  # degree in k of the Möbius recurrence
FAMILY_CHECKS = 3  # new values of k checked by exact walks
VERIFY_DIGITS = 50  # digits that must agree at a new k
MAX_VERIFY_DEPTH = 1 << 14  # walk budget for one new k


@dataclass(frozen=True, slots=True)
class Family:
    """A one-parameter family of PCFs with a shared Möbius recurrence for its limits."""

    cluster: int
    label: str
    base: tuple[int, ...]  # coefficients at k = 0: a (length a_length) then b
    step: tuple[int, ...]
    a_length: int
    k_values: tuple[int, ...]  # members of the cluster on the line
    members: tuple[str, ...]  # their canonical keys, in k order
    recurrence: tuple[Coefficients, ...]  # R_0..R_3 as polynomials in k, highest degree first
    form_degree: int
    anchor_k: int
    anchor_expression: str  # y(anchor_k) in terms of the cluster's reference
    checked_k: tuple[int, ...]
    verified_k: tuple[int, ...]
    status: str  # verified | refuted | inconclusive

    def pcf(self, k: int) -> tuple[Coefficients, Coefficients]:
        """The member at parameter ``k``: (a, b)."""
        v = [x + k * s for x, s in zip(self.base, self.step)]
        return normalize(v[: self.a_length]), normalize(v[self.a_length:])

    @property
    def a_text(self) -> str:
        return polynomial_in_k(self.base, self.step, self.a_length)[0]

    @property
    def b_text(self) -> str:
        return polynomial_in_k(self.base, self.step, self.a_length)[1]

    @property
    def recurrence_text(self) -> str:
        """The recurrence solved for $y(k+1)$, e.g. ``y(k+1) = y(k)/(y(k) - k - 1)``."""
        r0, r1, r2, r3 = self.recurrence
        negated = [tuple(-c for c in r) for r in (r0, r1)]
        return "y(k+1) = " + polynomial_ratio_form(negated, [r2, r3], ["y(k)"])

    @property
    def text(self) -> str:
        """The whole conjecture in one line."""
        return (f"PCF({self.a_text}, {self.b_text}) for integer k: {self.recurrence_text}, "
                f"y({self.anchor_k}) = {self.anchor_expression}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "cluster_index": self.cluster, "label": self.label, "parameter": "k",
            "a": self.a_text, "b": self.b_text,
            "base": list(self.base), "step": list(self.step), "a_length": self.a_length,
            "k_values": list(self.k_values), "members": list(self.members),
            "recurrence": [list(c) for c in self.recurrence], "recurrence_text": self.recurrence_text,
            "form_degree": self.form_degree, "anchor_k": self.anchor_k, "anchor_expression": self.anchor_expression,
            "checked_k": list(self.checked_k), "verified_k": list(self.verified_k), "status": self.status,
        }


def polynomial_in_k(base: Sequence[int], step: Sequence[int], a_length: int) -> tuple[str, str]:
    """The family's a(n) and b(n) as text, coefficients linear in k.

    >>> polynomial_in_k((1, 3, -1, 0), (0, 1, 0, 0), 2)
    ('n + k + 3', '-n')
    """
    pairs = [(int(s), int(c)) for c, s in zip(base, step)]  # each coefficient s k + c
    return polynomial_in(pairs[:a_length]), polynomial_in(pairs[a_length:])


def _vector(point: Point, a_length: int, b_length: int) -> tuple[int, ...]:
    a = (0,) * (a_length - len(point.a)) + tuple(point.a)
    b = (0,) * (b_length - len(point.b)) + tuple(point.b)
    return a + b


def lines(vectors: Mapping[str, tuple[int, ...]]) -> dict[tuple[tuple[int, ...], tuple[int, ...]], dict[int, str]]:
    r"""Every line through two or more of the integer ``vectors``: (origin, primitive step)
    -> {k: key} with vector = origin + k·step, the step's first non-zero entry positive and
    the origin's entry there in $[0, \text{step})$.

    >>> sorted(lines({"x": (0, 1), "y": (1, 1), "z": (3, 1)}).values(), key=len)[-1]
    {0: 'x', 1: 'y', 3: 'z'}
    """
    keys = sorted(vectors)
    out: dict[tuple[tuple[int, ...], tuple[int, ...]], dict[int, str]] = {}
    for i, ki in enumerate(keys):
        vi = vectors[ki]
        for kj in keys[i + 1:]:
            vj = vectors[kj]
            d = primitive([y - x for x, y in zip(vi, vj)])
            if not any(d):
                continue
            p = next(i for i, c in enumerate(d) if c)
            t = vi[p] // d[p]
            origin = tuple(x - t * s for x, s in zip(vi, d))
            line = out.setdefault((origin, tuple(d)), {})
            for key, v in ((ki, vi), (kj, vj)):
                line[(v[p] - origin[p]) // d[p]] = key
    return out


def fit_form(ks: Sequence[int], relations: Sequence[Sequence[int]], max_degree: int = MAX_FORM_DEGREE) -> tuple[Coefficients, ...] | None:
    r"""Polynomials $R_0..R_3$ in $k$ of the lowest degree with $R(k) \parallel r_k$ for every
    given $k$, when they are unique up to scale and over-determined; else None.

    >>> fit_form([1, 2, 3, 4], [(0, 1, 2, -1), (0, 1, 3, -1), (0, 1, 4, -1), (0, 1, 5, -1)])
    ((0,), (1,), (1, 1), (-1,))
    """
    for degree in range(max_degree + 1):
        width = 4 * (degree + 1)
        if 3 * len(ks) < width:  # each k gives three independent equations; one to spare
            break
        rows = []
        for k, r in zip(ks, relations):
            for i in range(4):
                for j in range(i + 1, 4):
                    row = [0] * width
                    for p in range(degree + 1):
                        row[i * (degree + 1) + p] += k**p * int(r[j])
                        row[j * (degree + 1) + p] -= k**p * int(r[i])
                    rows.append(row)
        basis, nullity = flint.fmpz_mat(rows).nullspace()
        if nullity != 1:
            continue
        u = [int(basis[i, 0]) for i in range(width)]  # R_i's coefficients, lowest degree first
        blocks = [list(reversed(u[i * (degree + 1):(i + 1) * (degree + 1)])) for i in range(4)]
        flat = primitive([c for block in blocks for c in block])  # highest degree first, R_0 to R_3
        polys = tuple(normalize(flat[i * (degree + 1):(i + 1) * (degree + 1)]) for i in range(4))
        if all(_nondegenerate(polys, k) for k in ks):
            return polys
    return None


def _at(polys: Sequence[Coefficients], k: int) -> tuple[int, ...]:
    return tuple(evaluate(p, k) for p in polys)


def _nondegenerate(polys: Sequence[Coefficients], k: int) -> bool:
    r = _at(polys, k)
    return r[0] * r[3] != r[1] * r[2]


def _step(polys: Sequence[Coefficients], k: int, y: mpf, forward: bool) -> mpf | None:
    r0, r1, r2, r3 = (mpf(c) for c in _at(polys, k))
    if forward:  # y(k+1) from y(k)
        den = r2 + r3 * y
        return None if den == 0 else -(r0 + r1 * y) / den
    den = r1 + r3 * y  # y(k) from y(k+1)
    return None if den == 0 else -(r0 + r2 * y) / den


def find_families(cluster: Cluster, points: Mapping[str, Point], values: Values) -> list[Family]:
    """The families among the members of ``cluster`` related to its constant."""
    if not cluster.constants or cluster.reference is None:
        return []
    related = {r.key: r for r in cluster.relations if r.confirmed}
    anchors = {k for k in cluster.members if k in points and tuple(points[k].constants) == cluster.constants and k not in related}
    keys = sorted(set(related) | anchors)
    if len(keys) < MIN_FAMILY_PAIRS + 1:
        return []
    a_length = max(len(points[k].a) for k in keys)
    b_length = max(len(points[k].b) for k in keys)
    vectors = {k: _vector(points[k], a_length, b_length) for k in keys}
    found: list[Family] = []
    used: set[frozenset[str]] = set()
    for (origin, step), members in sorted(lines(vectors).items(), key=lambda item: (-len(item[1]), item[0])):
        if len(members) < MIN_FAMILY_PAIRS + 1 or frozenset(members.values()) in used:
            continue
        family = _family(cluster, origin, step, a_length, members, points, related, values)
        if family is not None:
            used.add(frozenset(members.values()))
            found.append(family)
    return found


def _family(cluster: Cluster, origin: tuple[int, ...], step: tuple[int, ...], a_length: int, members: Mapping[int, str],
            points: Mapping[str, Point], related: Mapping[str, MemberRelation], values: Values) -> Family | None:
    ks = sorted(members)
    pair_ks, pair_relations = [], []
    for k in ks:
        if k + 1 not in members:
            continue
        x, xd = values.pcf(points[members[k]])
        y, yd = values.pcf(points[members[k + 1]])
        if x is None or y is None or min(xd, yd) < RELATION_DIGITS:
            continue
        relation, confirmed = relate(x, xd, y, yd, RELATION_DIGITS, min(xd, yd, RECHECK_DIGITS))
        if relation is None or not confirmed:
            continue
        pair_ks.append(k)
        pair_relations.append(relation)
    if len(pair_ks) < MIN_FAMILY_PAIRS:
        return None
    form = fit_form(pair_ks, pair_relations)
    if form is None:
        return None
    # the anchor: the last member whose relation to the cluster's constant is known
    anchor_k = max(k for k in ks if members[k] in related or points[members[k]].constants)
    anchor_key = members[anchor_k]
    anchor_expression = related[anchor_key].expression if anchor_key in related else points[anchor_key].expression or ""
    checked, verified, refuted = _verify(cluster, origin, step, a_length, form, anchor_k, anchor_expression, ks, values)
    status = "refuted" if refuted else ("verified" if len(verified) >= 2 else "inconclusive")
    return Family(
        cluster=cluster.index, label=cluster.label, base=origin, step=step, a_length=a_length,
        k_values=tuple(ks), members=tuple(members[k] for k in ks), recurrence=form,
        form_degree=max(len(p) for p in form) - 1, anchor_k=anchor_k, anchor_expression=anchor_expression,
        checked_k=tuple(checked), verified_k=tuple(verified), status=status,
    )


def predicted_limit(form: Sequence[Coefficients], anchor_k: int, anchor_value: mpf, k: int) -> mpf | None:
    """$y(k)$ from $y(\\text{anchor\\_k})$ by the recurrence, forward or backward."""
    y = anchor_value
    if k >= anchor_k:
        for j in range(anchor_k, k):
            y = _step(form, j, y, forward=True)
            if y is None:
                return None
    else:
        for j in range(anchor_k - 1, k - 1, -1):
            y = _step(form, j, y, forward=False)
            if y is None:
                return None
    return y


def _verify(cluster: Cluster, origin: tuple[int, ...], step: tuple[int, ...], a_length: int, form: Sequence[Coefficients],
            anchor_k: int, anchor_expression: str, ks: Sequence[int], values: Values) -> tuple[list[int], list[int], list[int]]:
    """Check the family at new values of k (beyond the members, outside the cluster)."""
    in_cluster = set(cluster.members)
    anchor_value = values.expression(anchor_expression)
    candidates = [ks[-1] + i for i in range(1, 2 * FAMILY_CHECKS + 1)] + [ks[0] - i for i in range(1, FAMILY_CHECKS + 1)]
    checked: list[int] = []
    verified: list[int] = []
    refuted: list[int] = []
    for k in candidates:
        if len(checked) >= FAMILY_CHECKS:
            break
        v = [x + k * s for x, s in zip(origin, step)]
        a, b = normalize(v[:a_length]), normalize(v[a_length:])
        if all(c == 0 for c in a) or canonical(PCF(a, b)).key in in_cluster:
            continue
        with mp.workdps(values.digits + RELATION_GUARD_DIGITS):
            predicted = predicted_limit(form, anchor_k, anchor_value, k)
        if predicted is None:
            continue
        try:
            limit = pcf_limit(a, b, VERIFY_DIGITS + RELATION_GUARD_DIGITS, MAX_VERIFY_DEPTH)
        except InconclusiveError:
            continue
        checked.append(k)
        with mp.workdps(VERIFY_DIGITS + RELATION_GUARD_DIGITS):
            scale = max(abs(limit.value), mpf(1))
            agree = abs(limit.value - predicted) <= scale * mpf(10) ** (-VERIFY_DIGITS)
        (verified if agree else refuted).append(k)
    return checked, verified, refuted
