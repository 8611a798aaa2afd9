"""Labelling of clusters: anchors and their agreement, identification against the bank,
relations of members to a reference, and names for clusters of unknown value.

A cluster's *anchors* are its identified members. Anchors agree when their values are
related by a Möbius map (free for anchors over one bank constant); disagreeing anchors
split the cluster on the next plane. Up to :data:`CHECK_SAMPLE` members are then related
to the cluster's reference; a cluster with no anchor is identified against the bank, or
related to its own members, and named ``unknown-N`` (``docs/clustering.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from mpmath import mpf
from scipy.cluster.hierarchy import DisjointSet

from ..constants import BANK
from ..identification.identify import identify
from ..identification.relations import Relation
from ..pcf.mobius import Mobius
from ..plain import Plain
from .planes import cluster_plane, plane_name
from .points import Point, feature_matrix
from .values import RELATION_DIGITS, Values, relate

CHECK_SAMPLE = 400  # members of each cluster checked against its reference
IDENTIFY_SAMPLE = 5  # members of an unanchored cluster identified against the bank
MEMBER_REPRESENTATIVES = 3  # representatives of an unknown cluster the others are related to
CANDIDATE_FRACTION = 0.5  # an unknown cluster is a candidate when this share of checked members relate
MAX_UNKNOWN_PAIRS = 20_000  # unknown clusters related pairwise up to this many pairs


def member_expression(relation: Sequence[int], reference: str) -> str:
    r"""The value $y$ of a relation $r_0 + r_1 x + r_2 y + r_3 xy = 0$ as an expression in
    the reference $x$: $y = -(r_0 + r_1 x)/(r_2 + r_3 x)$.

    >>> member_expression((4, 0, 0, -1), "pi"), member_expression((1, -1, 2, 0), "4/pi")
    ('4/pi', '((4/pi) - 1)/2')
    """
    return Mobius.from_relation(relation, "1,x,y,xy").expression(reference)


def classes(sets: DisjointSet) -> list[list[int]]:
    """The classes of disjoint sets over ``0, 1, …``: each class and the list in index order.

    >>> sets = DisjointSet(range(4)); _ = sets.merge(3, 1)
    >>> classes(sets)
    [[0], [1, 3], [2]]
    """
    return [sorted(subset) for subset in sorted(sets.subsets(), key=min)]


@dataclass(frozen=True, slots=True)
class MemberRelation(Plain):
    """A member's limit as a Möbius map of its cluster's reference, confirmed or not."""

    key: str
    relation: Relation  # r0 + r1 x + r2 y + r3 x y = 0, x the reference, y the member
    expression: str  # the member's limit in the reference's terms, e.g. "4/pi"
    confirmed: bool  # held again at RECHECK_DIGITS digits
    new: bool  # the member had no identification before
    constants: tuple[str, ...] = ()  # bank constants of the expression (a minority anchor's, when it is one)


@dataclass(frozen=True, slots=True)
class Cluster:
    """One labelled cluster of PCFs."""

    index: int
    plane: str
    label: str  # a bank constant ("pi"), a relation's constants ("pi,e"), or "unknown-N"
    constants: tuple[str, ...]
    reference: str | None  # what members are related to: a constant expression, or a member's key
    source: str  # "anchor", "bank", "members" or "none"
    anchor: str | None  # "PCF(...) = 4/pi" for the anchor (or identified member) used
    is_candidate: bool  # no known constant: a candidate discovery
    members: tuple[str, ...]
    center: tuple[float, float]
    checked: int  # members whose value was tried against the reference
    related: int  # of those, confirmed relations
    anchors: int = 0  # identified members that agree with the label (not checked again)
    relations: tuple[MemberRelation, ...] = ()
    disagreeing: tuple[str, ...] = ()  # anchors left out of the label (no plane left to split on)

    @property
    def size(self) -> int:
        return len(self.members)

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "plane": self.plane, "label": self.label, "constants": list(self.constants),
            "reference": self.reference, "source": self.source, "anchor": self.anchor,
            "is_candidate": self.is_candidate, "size": self.size, "center": list(self.center),
            "checked": self.checked, "related": self.related, "anchors": self.anchors,
            "relations": [r.as_dict() for r in self.relations], "disagreeing": list(self.disagreeing),
            "members": list(self.members),
        }


@dataclass
class Draft:
    """A cluster being labelled (mutable while the labelling runs)."""

    plane: str
    members: list[Point]
    center: tuple[float, float]
    label: str = ""
    constants: tuple[str, ...] = ()
    reference: str | None = None
    reference_value: tuple[mpf | None, int] = (None, 0)
    source: str = "none"
    anchor: str | None = None
    relations: list[MemberRelation] = field(default_factory=list)
    checked: int = 0
    disagreeing: tuple[str, ...] = ()
    anchors: int = 0
    others: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # minority anchors' references
    representative: Point | None = None
    rational: bool = False


def is_candidate(draft: Draft) -> bool:
    """No constant of the bank, and most checked members share one unknown value."""
    related = sum(1 for r in draft.relations if r.confirmed)
    return not draft.constants and not draft.rational and related >= 2 and related >= CANDIDATE_FRACTION * draft.checked


def clusters_of(points: Sequence[Point], labels: np.ndarray) -> list[list[Point]]:
    """The points grouped by label, in label order; noise (-1) left out."""
    out: dict[int, list[Point]] = {}
    for p, lab in zip(points, labels.tolist()):
        if lab >= 0:
            out.setdefault(lab, []).append(p)
    return [out[k] for k in sorted(out)]


def _center(members: Sequence[Point], plane: Sequence[str]) -> tuple[float, float]:
    x = feature_matrix(members, plane)
    return float(np.median(x[:, 0])), float(np.median(x[:, 1]))


def _reference_of(point: Point) -> tuple[str, tuple[str, ...]]:
    """What an anchor relates members to: its bank constant when it has one, else its expression."""
    if len(point.constants) == 1 and point.constants[0] in BANK:
        return point.constants[0], point.constants
    return point.expression or "", point.constants


def label_cluster(
    members: list[Point], plane_index: int, planes: Sequence[Sequence[str]], values: Values,
    check_sample: int, identify_constants: Sequence[str] | None, plane_options: Mapping[str, Any],
) -> list[Draft]:
    """Label one geometric cluster; split it on the next plane when its anchors disagree."""
    plane = planes[plane_index]
    draft = Draft(plane_name(plane), members, _center(members, plane))
    anchors = [p for p in members if p.anchor]
    if anchors:
        classes = _anchor_classes(anchors, values)
        if len(classes) > 1 and plane_index + 1 < len(planes):
            split = _split(members, plane_index + 1, planes, plane_options)
            if len(split) > 1 or (split and len(split[0]) < len(members)):
                out: list[Draft] = []
                for sub in split:
                    out.extend(label_cluster(sub, plane_index + 1, planes, values, check_sample, identify_constants, plane_options))
                return out
        main = sorted(classes, key=lambda c: (-len(c), min(p.key for p in c)))[0]
        first = main[0]
        draft.reference, draft.constants = _reference_of(first)
        draft.label = ",".join(draft.constants) if draft.constants else (first.expression or "")
        draft.source, draft.anchor = "anchor", f"{first.text} = {first.expression}"
        draft.disagreeing = tuple(sorted({p.expression for c in classes if c is not main for p in c if p.expression}))
        draft.others = [_reference_of(c[0]) for c in classes if c is not main]
        draft.reference_value = (values.expression(draft.reference), values.digits)
    else:
        _identify_or_relate(draft, values, identify_constants)
    _check_members(draft, values, check_sample)
    return [draft]


def _anchor_classes(anchors: list[Point], values: Values) -> list[list[Point]]:
    """Anchors grouped by Möbius equivalence of their values (union-find).

    Anchors over the same constants form one group without computation (a Möbius map of
    one constant relates to any other); groups are related pairwise through their first
    anchor, so the cost grows with the number of distinct constant sets, not of anchors.
    """
    groups: dict[tuple[str, ...], list[Point]] = {}
    for p in anchors:
        groups.setdefault(tuple(p.constants), []).append(p)
    keys = list(groups)
    sets = DisjointSet(range(len(keys)))
    for i, key in enumerate(keys):
        for j in range(i):
            if sets.connected(i, j):
                continue
            x = values.expression(_reference_of(groups[keys[j]][0])[0])
            y = values.expression(_reference_of(groups[key][0])[0])
            relation, confirmed = relate(x, values.digits, y, values.digits)
            if relation is not None and confirmed:
                sets.merge(i, j)
    return [[p for i in g for p in groups[keys[i]]] for g in classes(sets)]


def _split(members: list[Point], plane_index: int, planes: Sequence[Sequence[str]], options: Mapping[str, Any]) -> list[list[Point]]:
    x = feature_matrix(members, planes[plane_index])
    labels = cluster_plane(x, **options)
    return clusters_of(members, labels)


def _by_precision(members: Sequence[Point]) -> list[Point]:
    """Members with the fastest convergence first (ties by key): the cheapest precise values."""
    return sorted(members, key=lambda p: (-(p.digits_per_term or 0.0), p.key))


def _identify_or_relate(draft: Draft, values: Values, constants: Sequence[str] | None) -> None:
    """Label a cluster with no anchor: identify a few members against the bank, else pick a
    representative member to relate the others to."""
    candidates = _by_precision(draft.members)[:IDENTIFY_SAMPLE]
    for p in candidates:
        value, digits = values.pcf(p)
        if value is None or digits < RELATION_DIGITS:
            continue
        found = identify(value, RELATION_DIGITS, constants, deeper=value, deeper_digits=digits)
        if found is not None and not found.constants:
            draft.label, draft.source, draft.rational = "rational", "bank", True
            draft.anchor = f"{p.text} = {found.expression}"
            return
        if found is not None and found.constants:
            draft.constants = tuple(found.constants)
            if len(found.constants) == 1:
                draft.reference = found.constants[0]
            else:
                draft.reference = found.expression
            draft.label = ",".join(found.constants)
            draft.source, draft.anchor = "bank", f"{p.text} = {found.expression}"
            draft.reference_value = (values.expression(draft.reference), values.digits)
            return
    for p in candidates:
        value, digits = values.pcf(p)
        if value is not None and digits >= RELATION_DIGITS:
            draft.representative = p
            draft.reference, draft.source = p.key, "members"
            draft.reference_value = (value, digits)
            return
    draft.source = "none"


def _check_members(draft: Draft, values: Values, check_sample: int) -> None:
    """Relate up to ``check_sample`` members to the cluster's reference (module docstring)."""
    members = _sample(draft.members, check_sample)
    x, x_digits = draft.reference_value
    if x is None:
        return
    x_text = draft.reference if draft.source != "members" else "x"
    unrelated: list[Point] = []
    for p in members:
        if draft.representative is not None and p.key == draft.representative.key:
            continue
        if draft.source == "anchor" and p.anchor and _reference_of(p)[0] == draft.reference:
            draft.anchors += 1
            continue  # an agreeing anchor needs no check
        if p.anchor and any(_reference_of(p)[0] == ref for ref, _ in draft.others):
            continue  # a minority anchor: known already, and unrelated to the label
        y, y_digits = values.pcf(p)
        if y is None:
            continue
        draft.checked += 1
        relation, confirmed = relate(x, x_digits, y, y_digits)
        if relation is None:
            found = _relate_to_others(draft, y, y_digits, values)
            if found is None:
                unrelated.append(p)
            else:
                relation, confirmed, ref, constants = found
                text = member_expression(relation, ref)
                draft.relations.append(MemberRelation(p.key, relation, text, confirmed, p.expression is None, constants))
            continue
        text = member_expression(relation, x_text or "x")
        draft.relations.append(MemberRelation(p.key, relation, text, confirmed, p.expression is None, draft.constants))
    if draft.source == "members":
        _more_representatives(draft, unrelated, values)


def _relate_to_others(draft: Draft, y: mpf, y_digits: int, values: Values) -> tuple[Relation, bool, str, tuple[str, ...]] | None:
    """A member unrelated to the label may be related to a minority anchor's constant
    (a cluster whose anchors disagree and could not be split, such as ϖ and Gauss' ϖ/π)."""
    for ref, constants in draft.others:
        relation, confirmed = relate(values.expression(ref), values.digits, y, y_digits)
        if relation is not None and confirmed:
            return relation, confirmed, ref, constants
    return None


def _more_representatives(draft: Draft, unrelated: list[Point], values: Values) -> None:
    """Unknown clusters: members unrelated to the first representative may relate to another."""
    for _ in range(MEMBER_REPRESENTATIVES - 1):
        if len(unrelated) < 2:
            return
        rep, rest = unrelated[0], unrelated[1:]
        x, x_digits = values.pcf(rep)
        left: list[Point] = []
        for p in rest:
            y, y_digits = values.pcf(p)
            relation, confirmed = relate(x, x_digits, y, y_digits) if y is not None and x is not None else (None, False)
            if relation is not None and confirmed:
                draft.relations.append(MemberRelation(p.key, relation, member_expression(relation, f"x[{rep.key}]"), True, True))
            else:
                left.append(p)
        unrelated = left


def _sample(members: Sequence[Point], size: int) -> list[Point]:
    """Up to ``size`` members, evenly spread over the key order (deterministic)."""
    if len(members) <= size:
        return list(members)
    step = len(members) / size
    return [members[int(i * step)] for i in range(size)]


def name_unknowns(drafts: list[Draft], values: Values) -> None:
    """``unknown-N`` labels; unknown clusters whose representatives relate share one."""
    unknown = [d for d in drafts if not d.constants and not d.label]
    sets = DisjointSet(range(len(unknown)))
    pairs = 0
    for i, d in enumerate(unknown):
        if d.representative is None:
            continue
        x, x_digits = d.reference_value
        for j in range(i):
            other = unknown[j]
            if other.representative is None or sets.connected(i, j) or pairs >= MAX_UNKNOWN_PAIRS:
                continue
            pairs += 1
            y, y_digits = other.reference_value
            relation, confirmed = relate(y, y_digits, x, x_digits)
            if relation is not None and confirmed:
                sets.merge(i, j)
    for n, group in enumerate(classes(sets), start=1):
        for i in group:
            unknown[i].label = f"unknown-{n}"
