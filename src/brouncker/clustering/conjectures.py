"""The conjectures a clustering finds, as records to store: members newly related (and
confirmed) to their cluster's bank constant, and parametric families.

Pure: it reads a :class:`~brouncker.clustering.cluster.Clustering` and its points and
returns :class:`~brouncker.records.ConjectureRecord` values; the caller stores them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..records import ConjectureKind, ConjectureRecord, DeltaKind
from .cluster import Clustering
from .families import Family
from .points import Point
from .values import RECHECK_DIGITS

CLUSTER_SOURCE = "cluster"
"""``data.source`` of the conjectures a clustering adds (a later clustering leaves them out
of its anchors, so that it sees the same anchors as the first)."""


def family_key(family: Family) -> str:
    """The key that stores a family once: base, step and the length of ``a``.

    >>> from types import SimpleNamespace
    >>> family_key(SimpleNamespace(base=(3, 1, -2, 1, 0), step=(1, 0, 0, 0, 0), a_length=2))
    'family:3,1,-2,1,0|1,0,0,0,0|2'
    """
    return "family:" + ",".join(map(str, family.base)) + "|" + ",".join(map(str, family.step)) + f"|{family.a_length}"


def clustering_conjectures(clustering: Clustering, points: Sequence[Point], search_id: int | None = None) -> list[ConjectureRecord]:
    """The records of what ``clustering`` found: each confirmed new relation of a member
    to its labelled cluster's constant (δ_FR of the member), then each family."""
    by_key = {p.key: p for p in points}
    out: list[ConjectureRecord] = []
    for c in clustering.clusters:
        if not c.constants or c.reference is None:
            continue
        for r in c.relations:
            p = by_key.get(r.key)
            if p is None or not r.confirmed or not r.new:
                continue
            delta = p.feature("delta_fr")
            out.append(
                ConjectureRecord(
                    kind=ConjectureKind.PCF, expression=r.expression, constants=r.constants or c.constants, relation=r.relation,
                    digits=RECHECK_DIGITS, canonical_key=p.key, a=p.a, b=p.b, delta=delta,
                    delta_kind=None if delta is None else DeltaKind.FR,
                    data={"source": CLUSTER_SOURCE, "cluster_label": c.label, "reference": c.reference,
                          "basis": ["1", "x", "y", "x*y"], "x": c.reference, "y": "limit"},
                    search_id=search_id,
                )
            )
    for f in clustering.families:
        cluster = clustering.clusters[f.cluster]
        out.append(
            ConjectureRecord(
                kind=ConjectureKind.PCF, expression=f.text, constants=cluster.constants,
                relation=tuple(c for p in f.recurrence for c in p), digits=RECHECK_DIGITS, canonical_key=family_key(f),
                data={"source": CLUSTER_SOURCE, "family": f.as_dict()}, search_id=search_id,
            )
        )
    return out
