r"""Unification: which formulas are trajectories of a known conservative matrix field.

A formula's PCF is explained by a field when it is, up to shift $n \to n + s$ and
equivalence transformations, the PCF of one of the field's trajectories: the two share a
shift class key (:func:`brouncker.pcf.canonical.shift_class`). The fields' trajectories are
enumerated within bounded ranges (:data:`DEFAULT_GRIDS`: trajectories, starts, and the
parameters of the f, f̄ family and of the pFq fields), each one's class key computed once
(:func:`field_index`); every formula is then one dictionary lookup per field.

A formula is also matched through its **contractions**: the even and the odd part of a PCF
(the convergents $p_{2k}/q_{2k}$, or $p_{2k+1}/q_{2k+1}$) are PCFs again, its folds by 2
(:mod:`brouncker.pcf.fold`: the companion forms of the two-step products
$M(2k+1) M(2k+2)$ and $M(2k+2) M(2k+3)$).
Brouncker's PCF$(2n+1, n^2) = 4/\pi$ is such a case: its odd part is the π field's diagonal
from $(1, 1)$, its even part the diagonal from $(1/2, 1/2)$.

A link records the field, its parameters, the trajectory, the start, and the Möbius map
$m$ with value(formula) $= m(L)$, $L$ the trajectory's limit (ramanujantools' projection):
composed from the trajectory's own map $L = m_t(V)$ (:mod:`brouncker.cmf.companion`), the
shift relation between the two PCFs, and the contraction's map when there is one.

PCFs with $\deg a \le 1$, $\deg b \le 2$ (or whose even or odd part has those degrees, as
for a constant $a$ and a linear $b$) are further tried against the ${}_2F_1$,
${}_1F_1$ and ${}_0F_1$ fields with parameters solved from their coefficients
(:mod:`brouncker.cmf.closed_form`): this gives closed forms, as ratios of hypergeometric
values, for values that no constant of the bank explains.

>>> from brouncker.pcf.fraction import PCF
>>> apery = Target(PCF.parse("34n^3+51n^2+27n+5", "-n^6"), label="Apéry")
>>> grid = FieldGrid.of("zeta3", max_norm=1, start_values=[(1, 2), (1, 2)])
>>> (link,) = explain([apery], [grid], closed_forms=False).links
>>> link.field, link.trajectory, link.start, link.to_limit.text("L")
('zeta3', (1, 1), (Fraction(1, 1), Fraction(1, 1)), '6L + 6')
>>> brouncker = Target(PCF.parse("2n+1", "n^2"), label="4/pi")
>>> (link,) = explain([brouncker], [FieldGrid.of("pi", max_norm=1)], closed_forms=False).links
>>> link.contraction, link.trajectory, link.start, link.to_limit.text("L")
('odd', (1, 1), (Fraction(1, 1), Fraction(1, 1)), '(2L - 4)/(2L - 3)')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..errors import FieldError, FoldError, InconclusiveError
from ..pcf.canonical import shift_class, shift_relation
from ..pcf.fold import fold
from ..pcf.fraction import PCF
from ..pcf.mobius import Mobius
from .closed_form import DEFAULT_DIGITS, ClosedForm, closed_form, mapped_closed_form
from .companion import TrajectoryPCF, trajectory_pcf
from .field import CMF
from .known import field_shape, known_field
from .space import Item, TrajectorySpace, rational_text
from .trajectory import trajectory_matrix

HALVES = ("1/2", 1, "3/2", 2)  # start values of the pFq fields: half-integers give π and ln-type values


@dataclass(frozen=True, slots=True)
class GridDefaults:
    """What ``explain`` enumerates of one field unless told otherwise."""

    max_norm: int
    start_values: tuple[Any, ...]  # the same values on every axis
    parameter_values: tuple[Any, ...] = ()  # the same values for every parameter


DEFAULT_GRIDS: dict[str, GridDefaults] = {
    "e": GridDefaults(2, (0, 1, 2)),
    "pi": GridDefaults(2, (0, 1, 2)),
    "zeta3": GridDefaults(2, (0, 1, 2)),
    "cmf1": GridDefaults(1, (0, 1, 2), tuple(range(-2, 3))),
    "cmf2": GridDefaults(1, (0, 1, 2), (-1, 0, 1)),
    "cmf3_1": GridDefaults(1, (0, 1, 2), tuple(range(-2, 3))),
    "cmf3_2": GridDefaults(1, (0, 1, 2), tuple(range(-2, 3))),
    "cmf3_3": GridDefaults(1, (0, 1, 2), tuple(range(-2, 3))),
    "1F1": GridDefaults(1, HALVES, (-2, -1, "-1/2", "1/2", 1, 2)),
    "2F1": GridDefaults(1, HALVES, (-1, "-1/2", "1/2", 2)),
}
"""Bounded ranges per field: trajectories with entries up to ``max_norm`` (all >= 0), starts
with every coordinate in ``start_values``, parameters in ``parameter_values``. Rank-3 fields
(3F2) have no PCFs and are left out."""


@dataclass(frozen=True, slots=True)
class FieldGrid:
    """The trajectories of one field that ``explain`` enumerates."""

    field: str
    space: TrajectorySpace

    @classmethod
    def of(
        cls,
        name: str,
        max_norm: int | None = None,
        start_values: Sequence[Sequence[Any]] | None = None,
        parameter_values: Mapping[str, Sequence[Any]] | None = None,
        orthant: str | Sequence[int] = "positive",
    ) -> FieldGrid:
        """The grid of field ``name``: :data:`DEFAULT_GRIDS`, with any of its parts replaced."""
        axes, parameters = field_shape(name)
        defaults = DEFAULT_GRIDS.get(name, GridDefaults(1, (1, 2), (1,)))
        norm = defaults.max_norm if max_norm is None else max_norm
        starts = start_values if start_values is not None else [defaults.start_values] * len(axes)
        given = dict(parameter_values or {})
        unknown = [p for p in given if p not in parameters]
        if unknown:
            raise FieldError(f"field {name} has no parameter '{unknown[0]}' (parameters: {', '.join(parameters) or 'none'})")
        params = [(p, given.get(p, defaults.parameter_values)) for p in parameters]
        return cls(name, TrajectorySpace.of(len(axes), norm, starts, orthant, params))

    def __len__(self) -> int:
        return len(self.space)


@dataclass(frozen=True, slots=True)
class Hit:
    """One trajectory of a field: where it is, its PCF, and the PCF's shift class key."""

    field: str
    item: Item
    pcf: TrajectoryPCF
    class_key: str


@dataclass(frozen=True, slots=True)
class FieldIndex:
    """The class keys of a field's enumerated trajectories, each with its first (simplest) hit."""

    field: str
    hits: dict[str, Hit]
    counts: dict[str, int]  # trajectories that were singular, gave no PCF, collapsed, or were indexed
    alternatives: dict[str, int]  # further trajectories in the same class


def _field(name: str, parameters: tuple[tuple[str, Fraction], ...], cache: dict[Any, CMF]) -> CMF:
    key = (name, parameters)
    if key not in cache:
        cache[key] = known_field(name, **dict(parameters))
    return cache[key]


def field_index(grid: FieldGrid) -> FieldIndex:
    """Every enumerated trajectory's PCF and class key; the first in the space's order wins a class."""
    hits: dict[str, Hit] = {}
    alternatives: dict[str, int] = {}
    counts = dict.fromkeys(("trajectories", "singular", "no_pcf", "collapsed", "indexed"), 0)
    cache: dict[Any, CMF] = {}
    for item in grid.space.items():
        counts["trajectories"] += 1
        try:
            cmf = _field(grid.field, item.parameters, cache)
            if cmf.rank != 2:
                counts["no_pcf"] += 1
                continue
            tp = trajectory_pcf(trajectory_matrix(cmf, item.trajectory, item.start))
        except FieldError:
            counts["singular"] += 1
            continue
        if tp.mobius is None:  # a walk that collapses onto a rational
            counts["collapsed"] += 1
            continue
        key = shift_class(tp.pcf).class_key
        counts["indexed"] += 1
        if key in hits:
            alternatives[key] = alternatives.get(key, 0) + 1
        else:
            hits[key] = Hit(grid.field, item, tp, key)
    return FieldIndex(grid.field, hits, counts, alternatives)


@dataclass(frozen=True, slots=True)
class Target:
    """A formula to explain: its PCF, and what it stands for (a conjecture, a cluster's member)."""

    pcf: PCF
    label: str = ""
    conjecture_id: int | None = None
    cluster_id: int | None = None
    expression: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    r"""A formula explained by a field: value(formula) $=$ ``to_limit``$(L)$, $L$ the limit of
    ``trajectory`` from ``start`` in ``field`` with ``parameters`` (``to_limit`` None when a
    fraction stops between the two PCFs, so that their values are not related)."""

    target: Target
    field: str
    parameters: tuple[tuple[str, Fraction], ...]
    trajectory: tuple[int, ...]
    start: tuple[Fraction, ...]
    class_key: str
    method: str  # "shift" or "hypergeometric"
    pcf: PCF  # the trajectory's PCF
    to_limit: Mobius | None
    closed_form: ClosedForm | None = None
    alternatives: int = 0
    contraction: str | None = None  # "even" or "odd" when the formula's contraction is the trajectory's PCF

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.target.label,
            "conjecture_id": self.target.conjecture_id,
            "cluster_id": self.target.cluster_id,
            "a": self.target.pcf.a_text,
            "b": self.target.pcf.b_text,
            "expression": self.target.expression,
            "field": self.field,
            "parameters": {k: rational_text(v) for k, v in self.parameters},
            "trajectory": list(self.trajectory),
            "start": [rational_text(v) for v in self.start],
            "method": self.method,
            "contraction": self.contraction,
            "trajectory_pcf": {"a": self.pcf.a_text, "b": self.pcf.b_text},
            "mobius": None if self.to_limit is None else list(self.to_limit.coefficients),
            "value_map": None if self.to_limit is None else f"value = {self.to_limit.text('L')}",
            "closed_form": None if self.closed_form is None else self.closed_form.expression,
            "closed_form_digits": None if self.closed_form is None else self.closed_form.digits,
            "alternatives": self.alternatives,
        }


@dataclass(frozen=True, slots=True)
class Explanation:
    """What ``explain`` found: the links, and per field how much it enumerated."""

    targets: int
    links: tuple[Link, ...]
    indexes: tuple[FieldIndex, ...]
    closed_forms_tried: int
    inconclusive: int
    unexplained: tuple[Target, ...] = field(default=())

    @property
    def explained(self) -> int:
        """How many targets some field explains."""
        return self.targets - len(self.unexplained)

    def as_dict(self) -> dict[str, Any]:
        return {
            "targets": self.targets,
            "explained": self.explained,
            "closed_forms": sum(1 for link in self.links if link.closed_form is not None),
            "closed_forms_tried": self.closed_forms_tried,
            "inconclusive": self.inconclusive,
            "fields": {i.field: {**i.counts, "classes": len(i.hits),
                                 "links": sum(1 for link in self.links if link.field == i.field)} for i in self.indexes},
            "links": [link.as_dict() for link in self.links],
        }


@dataclass(frozen=True, slots=True)
class _Form:
    """A PCF that stands for a target in the lookup: the target itself or one of its
    contractions, with the map from that PCF's value to the target's value."""

    pcf: PCF
    class_key: str
    to_target: Mobius
    contraction: str | None


PARTS = {(2, 0): "even", (2, 1): "odd"}  # the names of the folds by 2 (pcf.fold: the convergents p(2n + r)/q(2n + r))


def forms_of(target: PCF) -> list[_Form]:
    """The target, and its even and odd parts (:func:`brouncker.pcf.fold.fold` with k = 2)
    whose walk does not collapse."""
    out = [_Form(target, shift_class(target).class_key, Mobius.identity(), None)]
    for (k, r), name in PARTS.items():
        try:
            part = fold(target, k, r)
        except FoldError:  # a finite fraction, or a two-step matrix with no companion form
            continue
        out.append(_Form(part.pcf, shift_class(part.pcf).class_key, part.mobius, name))
    return out


def link_to(target: Target, hit: Hit, alternatives: int = 0, form: _Form | None = None) -> Link:
    r"""The link of a target (or of one of its contractions, ``form``) to a trajectory in its
    shift class, with the map from the trajectory's limit to the target's value."""
    form = form or _Form(target.pcf, hit.class_key, Mobius.identity(), None)
    relation = shift_relation(form.pcf, hit.pcf.pcf)  # value(form) = relation(value(trajectory PCF))
    to_limit = None
    m = hit.pcf.mobius
    if relation is not None and m is not None and m.determinant != 0:
        to_limit = form.to_target.compose(relation).compose(m.inverse())
    return Link(target, hit.field, hit.item.parameters, hit.item.trajectory, hit.item.start, hit.class_key, "shift",
                hit.pcf.pcf, to_limit, None, alternatives, form.contraction)


def hypergeometric_link(target: Target, form: ClosedForm, class_key: str, contraction: str | None = None) -> Link:
    """The link of a target to the hypergeometric trajectory of its closed form (found for
    the target itself, or for its ``contraction``)."""
    return Link(target, form.field, (("z", form.z),), form.trajectory, form.start, class_key, "hypergeometric",
                form.pcf.pcf, form.to_limit, form, contraction=contraction)


def closed_form_of(target: PCF, forms: Sequence[_Form], digits: int = DEFAULT_DIGITS) -> tuple[ClosedForm, _Form] | None:
    """The closed form of ``target`` from the first of ``forms`` (the target itself, then its
    even and odd parts) that has one: a PCF with constant a(n) and linear b(n) has none itself,
    but its even part has degrees (1, 2) (parabolic-cylinder values, as ${}_1F_1$)."""
    for form in forms:
        found = closed_form(form.pcf, digits)
        if found is None:
            continue
        if form.contraction is None:
            return found, form
        mapped = mapped_closed_form(found, form.to_target, target, digits)
        if mapped is not None:
            return mapped, form
    return None


def has_hypergeometric_degrees(pcf: PCF) -> bool:
    """$\\deg a \\le 1$ and $\\deg b \\le 2$ (with $b \\ne 0$)."""
    return len(pcf.a) <= 2 and len(pcf.b) <= 3 and pcf.b != (0,)


def explain(
    targets: Sequence[Target],
    grids: Sequence[FieldGrid],
    *,
    closed_forms: bool = True,
    digits: int = DEFAULT_DIGITS,
    progress: Callable[[str], None] | None = None,
) -> Explanation:
    """Link ``targets`` to the trajectories of ``grids`` (see the module docstring); with
    ``closed_forms``, PCFs of degrees (1, 2) at most are also tried against the solved
    ${}_2F_1$ / ${}_1F_1$ trajectories, re-checked at ``2 * digits`` digits. Without
    targets nothing is enumerated: the answer is empty at once.

    >>> explain([], [FieldGrid.of("pi")]).as_dict()["targets"]
    0
    """
    if not targets:
        return Explanation(0, (), (), 0, 0)
    say = progress or (lambda _msg: None)
    indexes = []
    for grid in grids:
        index = field_index(grid)
        say(f"{grid.field}: {index.counts['trajectories']:,} trajectories, {len(index.hits):,} shift classes")
        indexes.append(index)
    links: list[Link] = []
    tried = inconclusive = 0
    explained: set[int] = set()
    cache: dict[tuple[tuple[int, ...], tuple[int, ...]], list[_Form]] = {}
    for i, target in enumerate(targets):
        forms = cache.setdefault((target.pcf.a, target.pcf.b), forms_of(target.pcf))
        key = forms[0].class_key
        for index in indexes:
            for form in forms:  # the formula itself first; a contraction only when the formula is not there
                hit = index.hits.get(form.class_key)
                if hit is not None:
                    links.append(link_to(target, hit, index.alternatives.get(form.class_key, 0), form))
                    explained.add(i)
                    break
        candidates = [form for form in forms if has_hypergeometric_degrees(form.pcf)] if closed_forms else []
        if candidates:
            tried += 1
            try:
                found = closed_form_of(target.pcf, candidates, digits)
            except InconclusiveError:
                inconclusive += 1
                found = None
            if found is not None:
                links.append(hypergeometric_link(target, found[0], key, found[1].contraction))
                explained.add(i)
    unexplained = tuple(t for i, t in enumerate(targets) if i not in explained)
    say(f"{len(explained):,} of {len(targets):,} formulas explained")
    return Explanation(len(targets), tuple(links), tuple(indexes), tried, inconclusive, unexplained)

