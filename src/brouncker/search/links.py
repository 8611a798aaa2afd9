"""Stored formulas explained by known fields (``brouncker cmf explain``): what to explain, and the links to store.

:func:`brouncker.cmf.explain.explain` is pure: it takes targets and returns links. This
module connects it to the store: :func:`explain_targets` chooses the formulas of a stored
search (its conjectures with a PCF, or its unexplained values: candidate conjectures and the
PCFs that candidate clusters name in their descriptions), and :func:`link_records` turns an
explanation into the records the store keeps (``cmf_link``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..cmf.explain import Explanation, Target
from ..cmf.space import rational_text
from ..pcf.canonical import canonical, pcf_of_key
from ..pcf.fraction import PCF
from ..pcf.polynomial import parse
from ..records import CMFLinkRecord, LinkMethod

if TYPE_CHECKING:
    from ..store import ClusterRow, Store


def cluster_keys(cluster: ClusterRow) -> list[str]:
    """The canonical keys a candidate cluster's description names: its reference, then the
    members of its confirmed relations, each once."""
    description = cluster.description or {}
    keys = [description.get("reference")] + [r.get("key") for r in description.get("relations") or [] if r.get("confirmed")]
    return list(dict.fromkeys(k for k in keys if isinstance(k, str)))


def explain_targets(store: Store, search_id: int, candidates: bool = False) -> list[Target]:
    """The formulas of a search to explain: its conjectures with a PCF; with ``candidates``
    its candidate values and the representative PCFs of its candidate clusters instead."""
    rows = store.query(search=search_id, candidate=True if candidates else None)
    targets = [Target(PCF(parse(r.a), parse(r.b)), label=f"#{r.id}", conjecture_id=r.id, expression=r.expression)
               for r in rows if r.a and r.b]
    if candidates:
        for cluster in store.clusters(search_id):
            if not cluster.is_candidate:
                continue
            for key in cluster_keys(cluster):
                try:
                    targets.append(Target(pcf_of_key(key), label=f"cluster {cluster.label}", cluster_id=cluster.id))
                except ValueError:
                    continue  # a reference that is an expression, not a member's key
    return targets


def link_records(explanation: Explanation, search_id: int) -> list[CMFLinkRecord]:
    """One record per link of ``explanation``: the field, parameters, trajectory and start, the
    Möbius map to the formula's value, and the hypergeometric closed form when one was found."""
    records = []
    for link in explanation.links:
        form = link.closed_form
        data: dict[str, Any] = {"trajectory_pcf": {"a": list(link.pcf.a), "b": list(link.pcf.b)}, "alternatives": link.alternatives,
                                "expression": link.target.expression, "contraction": link.contraction}
        if form is not None:
            data.update({"solution": form.solution, "ratio": form.ratio,
                         "ratio_mobius": list(form.mobius.coefficients)})
        m = link.to_limit
        records.append(CMFLinkRecord(
            search_id=search_id, canonical_key=canonical(link.target.pcf).key, class_key=link.class_key, field=link.field,
            parameters={k: rational_text(v) for k, v in link.parameters}, trajectory=link.trajectory,
            start=tuple(rational_text(v) for v in link.start), method=LinkMethod(link.method),
            mobius=None if m is None else m.coefficients, closed_form=None if form is None else form.expression,
            digits=None if form is None else form.digits, conjecture_id=link.target.conjecture_id,
            cluster_id=link.target.cluster_id, data=data,
        ))
    return records
