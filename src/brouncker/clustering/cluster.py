"""Clustering of PCFs by their convergence dynamics, and labelling of the clusters: the
driver of :mod:`~brouncker.clustering.points`, :mod:`~brouncker.clustering.planes`,
:mod:`~brouncker.clustering.labels` and :mod:`~brouncker.clustering.families`.

This is the second half of the Blind-Delta method ("Unsupervised Discovery of Formulas for
Mathematical Constants", arXiv 2412.16818): PCFs whose approximations behave alike are
grouped, and each group is named after the known formulas inside it. The mathematics and
the choices made are in ``docs/clustering.md``.

>>> from brouncker.convergence.dynamics import dynamics
>>> pcfs = [((1, k), (-1, 0)) for k in range(3, 10)] + [((2, 1), (1, 0, 0))]
>>> points = [Point.from_metrics(f"k{i}", a, b, dynamics(a, b, 400).as_dict()) for i, (a, b) in enumerate(pcfs)]
>>> result = cluster_points(points, planes=[("delta_fr", "d")], families=False)
>>> result.clusterable, result.walks >= 0
(8, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import BrounckerError
from .families import Family, find_families
from .labels import CHECK_SAMPLE, Cluster, Draft, clusters_of, is_candidate, label_cluster, name_unknowns
from .planes import MAX_CLUSTERS, PLANES, PlaneSummary, choose_plane
from .points import Point
from .values import Values


@dataclass(frozen=True, slots=True)
class Clustering:
    """Every cluster of a set of PCFs, the planes tried, the noise, and the families."""

    points: int  # PCFs given
    clusterable: int  # PCFs with every feature defined
    planes: tuple[PlaneSummary, ...]
    clusters: tuple[Cluster, ...]
    noise: tuple[str, ...]
    families: tuple[Family, ...] = ()
    check_sample: int = CHECK_SAMPLE  # members of each cluster checked against its reference
    walks: int = 0

    def assignments(self) -> dict[str, int | None]:
        """Canonical key -> cluster index (None for noise)."""
        out: dict[str, int | None] = {k: None for k in self.noise}
        for c in self.clusters:
            for k in c.members:
                out[k] = c.index
        return out

    def labelled(self) -> dict[str, int]:
        """Clusters per constant label (candidates under their ``unknown-N`` label)."""
        out: dict[str, int] = {}
        for c in self.clusters:
            out[c.label] = out.get(c.label, 0) + 1
        return dict(sorted(out.items()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "points": self.points, "clusterable": self.clusterable,
            "planes": [p.as_dict() for p in self.planes],
            "clusters": [c.as_dict() for c in self.clusters], "noise": len(self.noise),
            "labels": self.labelled(),
            "candidates": [c.index for c in self.clusters if c.is_candidate],
            "families": [f.as_dict() for f in self.families],
            "check_sample": self.check_sample, "walks": self.walks,
        }


def cluster_points(
    points: Sequence[Point],
    *,
    planes: Sequence[Sequence[str]] = PLANES,
    max_clusters: int = MAX_CLUSTERS,
    check_sample: int = CHECK_SAMPLE,
    identify_constants: Sequence[str] | None = None,
    families: bool = True,
    values: Values | None = None,
    progress: Callable[[str], None] | None = None,
    **plane_options: Any,
) -> Clustering:
    """Cluster ``points`` by dynamics, label the clusters, and look for families.

    ``check_sample`` members of each cluster (at most) are related to its reference.
    ``identify_constants`` limits the bank used for clusters with no anchor (default: the
    whole bank). ``families`` turns the family search (:mod:`brouncker.clustering.families`) on.
    """
    if isinstance(check_sample, bool) or not isinstance(check_sample, int) or check_sample < 0:
        raise BrounckerError(f"check_sample must be a count of members (0 or more), got {check_sample!r}")
    say = progress or (lambda _msg: None)
    ordered = sorted(points, key=lambda p: p.key)
    if len({p.key for p in ordered}) != len(ordered):
        raise BrounckerError("cluster_points: two points share a canonical key")
    usable = [p for p in ordered if p.clusterable]
    values = values or Values()
    plane_index, labels, summaries = choose_plane(usable, planes, max_clusters, **plane_options)
    for summary in summaries:
        say(f"plane {summary.plane}: {summary.sampled} sampled of {summary.points}, {summary.clusters} clusters"
            f"{' (kept)' if summary.kept else ''}")
    drafts: list[Draft] = []
    groups = clusters_of(usable, labels)
    for i, members in enumerate(groups, start=1):
        drafts.extend(label_cluster(members, plane_index, planes, values, check_sample, identify_constants, plane_options))
        if i % 25 == 0 or i == len(groups):
            say(f"labelled {i}/{len(groups)} clusters ({values.walks} walks)")
    name_unknowns(drafts, values)
    clusters = tuple(
        Cluster(
            index=i, plane=d.plane, label=d.label, constants=d.constants, reference=d.reference, source=d.source,
            anchor=d.anchor, is_candidate=is_candidate(d), members=tuple(p.key for p in d.members), center=d.center,
            checked=d.checked, related=sum(1 for r in d.relations if r.confirmed), relations=tuple(d.relations),
            anchors=d.anchors,
            disagreeing=d.disagreeing,
        )
        for i, d in enumerate(drafts)
    )
    clustered = {k for c in clusters for k in c.members}
    noise = tuple(p.key for p in ordered if p.key not in clustered)
    found: tuple[Family, ...] = ()
    if families:
        by_key = {p.key: p for p in usable}
        found = tuple(f for c in clusters for f in find_families(c, by_key, values))
        say(f"{len(found)} families")
    return Clustering(
        points=len(ordered), clusterable=len(usable), planes=tuple(summaries), clusters=clusters, noise=noise,
        families=found, check_sample=check_sample, walks=values.walks,
    )
