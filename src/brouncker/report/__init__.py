"""The HTML report of a search: summary, clusters per plane, formulas per constant,
convergence of the top conjectures, families, candidate discoveries, and the formulas
explained by each conservative matrix field (``brouncker cmf explain``, and the trajectories
of a CMF search).

One self-contained file (PNGs embedded as data URIs, no script, no network); run
``brouncker cluster SEARCH_ID`` first so that the clusters are there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..clustering.conjectures import CLUSTER_SOURCE
from ..errors import BrounckerError
from ..plain import Plain
from ..records import ConjectureKind
from . import html as h
from . import plots

if TYPE_CHECKING:
    from ..store import ClusterRow, CMFLinkRow, ConjectureDetail, ConjectureRow, EdgeRow, PCFFeatures, SearchRow, Store

FORMULA_IMAGES_PER_CONSTANT = 25  # rows of a constant's table typeset as images (the rest as text)
ROWS_PER_CONSTANT = 200  # rows listed per constant
SOURCE_ROWS = 5000  # rows of an imported file listed in the report


@dataclass(frozen=True, slots=True)
class Report(Plain):
    """What was written."""

    path: str
    bytes: int
    search_id: int
    clusters: int
    candidates: int
    conjectures: int
    constants: tuple[str, ...]
    families: int
    images: int
    seconds: float
    field_links: int = 0  # formulas shown as explained by a field (links, and a CMF search's own trajectories)


def write_report(store: Store, search_id: int, out: str | Path, top: int = 6) -> Report:
    """Build the report of ``search_id`` from ``store`` and write it to ``out``."""
    started = time.perf_counter()
    search = store.search(search_id)
    if search is None:
        raise BrounckerError(f"no search with id {search_id}")
    clusters = store.clusters(search_id)
    conjectures = store.conjecture_details(search_id)
    points = store.pcf_features(search_id)
    links = store.cmf_links(search_id)
    text, images = render(search, clusters, conjectures, points, top=top, links=links, edges=store.edges_of_search(search_id))
    path = Path(out)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BrounckerError(f"cannot write {out}: {exc.strerror}") from None
    families = sum(len((c.description or {}).get("families") or []) for c in clusters)
    constants = sorted({n for c in conjectures for n in c.constants})
    shown = len(links) + sum(1 for c in conjectures if c.conjecture.kind is ConjectureKind.CMF)
    return Report(str(path), len(text.encode()), search_id, len(clusters), sum(1 for c in clusters if c.is_candidate),
                  len(conjectures), tuple(constants), families, images, round(time.perf_counter() - started, 2), shown)


def render(search: SearchRow, clusters: Sequence[ClusterRow], conjectures: Sequence[ConjectureDetail],
           points: Sequence[PCFFeatures], top: int = 6, links: Sequence[CMFLinkRow] = (),
           edges: Sequence[EdgeRow] = ()) -> tuple[str, int]:
    """The HTML text and the number of images in it (pure: all data is given); the page
    itself is the template ``report/templates/page.html``."""
    labels = {c.id: c.label for c in clusters}
    pcf_conj = [c for c in conjectures if c.conjecture.kind is ConjectureKind.PCF and c.conjecture.a and c.conjecture.b
                and c.conjecture.expression is not None]
    from_cluster = [c for c in pcf_conj if _source(c) == "cluster"]
    unexplained = [c for c in conjectures if c.conjecture.candidate]
    scatter = [h.Image(png, f"plane {name}") for name, png in plots.planes_pngs([p.as_dict() for p in points], labels)]
    constants = _constant_groups(pcf_conj, labels)
    convergence = h.Image(plots.convergence_png(_convergence_series(_top(pcf_conj, top))), "log error against depth")
    source_rows = [(c.conjecture.id, s.line, s.a, s.b, s.value or "", s.verdict or "", s.source or "")
                   for c in conjectures for s in c.sources]
    text = h.page(
        title=f"brouncker report: search {search.id} ({search.name})",
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        summary_rows=_summary_rows(search, clusters, points, pcf_conj, from_cluster, unexplained),
        label_rows=_label_rows(clusters),
        planes_used=sorted({cl.plane for cl in clusters}),
        scatter=scatter,
        cluster_rows=[(cl.id, cl.plane, cl.label, cl.size, (cl.description or {}).get("anchors", ""),
                       (cl.description or {}).get("checked", ""), (cl.description or {}).get("related", ""),
                       _center(cl.description or {}), "yes" if cl.is_candidate else "", cl.anchor or "") for cl in clusters],
        constants=constants,
        convergence=convergence,
        family_rows=[(cl.label, f"a = {f['a']}", f"b = {f['b']}", f["recurrence_text"], f"y({f['anchor_k']}) = {f['anchor_expression']}",
                      ", ".join(map(str, f["k_values"])), ", ".join(map(str, f["verified_k"])), f["status"])
                     for cl in clusters for f in (cl.description or {}).get("families") or []],
        unknown_rows=[(cl.id, cl.label, cl.size, cl.plane, _center(cl.description or {}), (cl.description or {}).get("reference") or "",
                       (cl.description or {}).get("related", ""), (cl.description or {}).get("source", ""))
                      for cl in clusters if cl.is_candidate],
        unlabelled_rows=[(cl.id, cl.label, cl.size, cl.plane, _center(cl.description or {}), (cl.description or {}).get("checked", ""),
                          (cl.description or {}).get("related", "")) for cl in clusters if _unlabelled(cl)],
        new_rows=[(c.conjecture.id, c.conjecture.expression, c.conjecture.a, c.conjecture.b, _delta_text(c.conjecture),
                   _cluster_label(c.conjecture, labels)) for c in from_cluster][:ROWS_PER_CONSTANT],
        value_rows=[(c.conjecture.id, c.conjecture.a or "", c.conjecture.b or "", c.limit or "", c.conjecture.digits,
                     _delta_text(c.conjecture)) for c in unexplained][:ROWS_PER_CONSTANT],
        source_rows=source_rows[:SOURCE_ROWS],
        source_more=len(source_rows) - SOURCE_ROWS,
        fields=field_groups(conjectures, links, labels),
        classes=class_rows(conjectures, edges),
        rows_shown=ROWS_PER_CONSTANT,
    )
    images = len(scatter) + 1 + sum(isinstance(cell, h.Image) for group in constants for row in group.rows for cell in row)
    return text, images


@dataclass(frozen=True, slots=True)
class Group:
    """A titled table of the report: its first rows, and how many more there are."""

    name: str
    count: int
    rows: list[tuple[Any, ...]]

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


def _summary_rows(search: SearchRow, clusters: Sequence[ClusterRow], points: Sequence[PCFFeatures], pcf_conj: Sequence[ConjectureDetail],
                  from_cluster: Sequence[ConjectureDetail], unexplained: Sequence[ConjectureDetail]) -> list[tuple[str, Any]]:
    return [
        ("search", f"{search.name} (id {search.id}, {search.status})"),
        ("PCFs screened", search.counters.get("pcfs", "")),
        ("PCFs with a dynamics record", len(points)),
        ("converging (clustered)", sum(1 for p in points if p.delta_fr is not None)),
        ("clusters", len(clusters)),
        ("labelled clusters (a bank constant, or rational)", sum(1 for cl in clusters if not cl.label.startswith("unknown-"))),
        ("candidate discoveries (unknown value shared by related members)", sum(1 for cl in clusters if cl.is_candidate)),
        ("unlabelled clusters (members mostly unrelated)", sum(1 for cl in clusters if _unlabelled(cl))),
        ("PCF conjectures", len(pcf_conj)),
        ("of which found by clustering", len(from_cluster)),
        ("candidate values (no bank constant explains them)", len(unexplained)),
    ]


def _label_rows(clusters: Sequence[ClusterRow]) -> list[tuple[str, int]]:
    """Clusters per label, the unknown ones as candidate discoveries or unlabelled; most first."""
    per_label: dict[str, int] = {}
    for cl in clusters:
        label = cl.label
        if label.startswith("unknown-"):
            label = "unknown (candidate discovery)" if cl.is_candidate else "unknown (unlabelled)"
        per_label[label] = per_label.get(label, 0) + 1
    return sorted(per_label.items(), key=lambda kv: (-kv[1], kv[0]))


def _constant_groups(pcf_conj: Sequence[ConjectureDetail], labels: Mapping[int, str]) -> list[Group]:
    """The formulas of each constant (most formulas first), highest δ first; the first
    :data:`FORMULA_IMAGES_PER_CONSTANT` of each typeset as images where mathtext can."""
    by_constant: dict[str, list[ConjectureDetail]] = {}
    for c in pcf_conj:
        key = ", ".join(c.constants) if c.constants else "rational"
        by_constant.setdefault(key, []).append(c)
    groups = []
    for name in sorted(by_constant, key=lambda k: (-len(by_constant[k]), k)):
        ranked = sorted(by_constant[name], key=_rank)
        table_rows: list[tuple[Any, ...]] = []
        for i, c in enumerate(ranked[:ROWS_PER_CONSTANT]):
            row = c.conjecture
            text = f"{row.expression} = PCF({row.a}, {row.b})"
            formula: str | h.Image = text
            if i < FORMULA_IMAGES_PER_CONSTANT:
                try:
                    formula = h.Image(plots.formula_png(row.expression or "", row.a or "", row.b or ""), text)
                except (ValueError, BrounckerError):
                    pass  # mathtext cannot typeset it: the text stays
            table_rows.append((row.id, formula, row.expression, _delta_text(row), row.digits, row.status, _source(c),
                               _cluster_label(row, labels)))
        groups.append(Group(name, len(ranked), table_rows))
    return groups


def _convergence_series(chosen: Sequence[ConjectureDetail]) -> list[tuple[str, list[int], list[float]]]:
    """The error against depth of each chosen conjecture whose value can be computed."""
    series = []
    for c in chosen:
        row = c.conjecture
        if not c.constants or row.a is None or row.b is None or row.expression is None:
            continue
        try:
            depths, errors = plots.convergence_series(_coeffs(row.a), _coeffs(row.b), row.expression)
        except BrounckerError:
            continue
        series.append((f"#{row.id} {row.expression}", depths, errors))
    return series


def field_groups(conjectures: Sequence[ConjectureDetail], links: Sequence[CMFLinkRow], cluster_labels: Mapping[int, str]) -> list[Group]:
    """The formulas explained by each field (most formulas first): the links of ``cmf
    explain``, and the trajectories a CMF search walked (each is explained by its own field)."""
    by_id = {c.conjecture.id: c for c in conjectures}
    per_field: dict[str, list[tuple[Any, ...]]] = {}
    for link in links:
        c = by_id.get(link.conjecture_id) if link.conjecture_id is not None else None
        if c is not None:
            who, formula = f"#{c.conjecture.id}", _formula(c.conjecture.expression, c.conjecture.a, c.conjecture.b)
        else:
            label = cluster_labels.get(link.cluster_id, "") if link.cluster_id is not None else ""
            who, formula = f"cluster {label}".strip(), link.canonical_key
        params = ", ".join(f"{k} = {v}" for k, v in link.parameters.items())
        value_map = "" if link.mobius is None else "value = " + _mobius_text(link.mobius)
        part = (link.data or {}).get("contraction")
        method = str(link.method) + (f" ({part} part)" if part else "")
        per_field.setdefault(link.field, []).append((who, formula, params, _vector(link.trajectory), _vector(link.start), method,
                                                     value_map, link.closed_form or "", link.digits or ""))
    for c in conjectures:
        row = c.conjecture
        data = c.data if isinstance(c.data, Mapping) else {}
        if row.kind is not ConjectureKind.CMF or "field" not in data:
            continue
        params = ", ".join(f"{k} = {v}" for k, v in (data.get("parameters") or {}).items())
        limit = row.expression or (f"{(c.limit or '')[:30]}… (candidate)" if c.limit else "")
        per_field.setdefault(str(data["field"]), []).append(
            (f"#{row.id}", f"limit = {limit}", params, _vector(data.get("trajectory") or ()), _vector(data.get("start") or ()),
             "search", data.get("value_map", "") if row.a else "", "", row.digits))
    return [Group(name, len(per_field[name]), per_field[name][:ROWS_PER_CONSTANT])
            for name in sorted(per_field, key=lambda k: (-len(per_field[k]), k))]


def _cluster_label(row: ConjectureRow, labels: Mapping[int, str]) -> str:
    return labels.get(row.cluster, "") if row.cluster is not None else ""


def class_rows(conjectures: Sequence[ConjectureDetail], edges: Sequence[EdgeRow]) -> list[tuple[Any, ...]]:
    """The equivalence classes of the search's formulas under the certified edges of ``brouncker
    relate`` (classes of one formula left out), with the fields each is unified with."""
    from ..equivalence.graph import formula_key, graph_classes

    if not edges:
        return []
    by_id = {c.conjecture.id: c for c in conjectures}
    rows = []
    for number, c in enumerate(graph_classes([formula_key(i) for i in by_id], edges)):
        if len(c.members) < 2 and not c.fields:
            continue
        mine = [by_id[m] for m in c.members if m in by_id]
        formulas = "; ".join(_formula(d.conjecture.expression, d.conjecture.a, d.conjecture.b) for d in mine[:4])
        others = len(c.members) - len(mine)
        fields = "; ".join(f"{f['field']} {_vector(f.get('trajectory') or ())} from {_vector(f.get('start') or ())}" for f in c.fields)
        rows.append((number, ", ".join(f"#{m}" for m in c.members), formulas + (" …" if len(mine) > 4 else ""),
                     f"{others} of other searches" if others else "", fields))
    return rows


def _formula(expression: str | None, a: str | None, b: str | None) -> str:
    pcf = f"PCF({a}, {b})" if a and b else ""
    return f"{expression} = {pcf}" if expression and pcf else expression or pcf


def _vector(values: Sequence[Any]) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")"


def _mobius_text(coefficients: Sequence[int]) -> str:
    from ..pcf.mobius import Mobius

    return Mobius(*(int(c) for c in coefficients)).text("L")


def _unlabelled(cluster: ClusterRow) -> bool:
    return cluster.label.startswith("unknown-") and not cluster.is_candidate


def _center(description: Mapping[str, Any]) -> str:
    return ", ".join(f"{x:.3f}" for x in description.get("center") or [])


def _source(conjecture: ConjectureDetail) -> str:
    data = conjecture.data
    if isinstance(data, Mapping) and data.get("source") == CLUSTER_SOURCE:
        return "cluster"
    if conjecture.sources:
        return "import"
    return "search"


def _delta_text(row: ConjectureRow) -> str:
    """δ with which one it is, e.g. ``0.0811 (fr)``; empty when there is none."""
    if row.delta is None:
        return ""
    return f"{row.delta:.6g}" + ("" if row.delta_kind is None else f" ({row.delta_kind})")


def _rank(conjecture: ConjectureDetail) -> tuple[float, int]:
    """Highest δ first (none last), then by id."""
    delta = conjecture.conjecture.delta
    return (-delta if delta is not None else math.inf, conjecture.conjecture.id)


def _coeffs(text: str) -> tuple[int, ...]:
    from ..pcf.polynomial import parse

    return parse(text)


def _top(conjectures: Sequence[ConjectureDetail], count: int) -> list[ConjectureDetail]:
    """The best conjecture (highest δ) of each constant, then the next best overall."""
    ranked = sorted((c for c in conjectures if c.constants), key=_rank)
    chosen: list[ConjectureDetail] = []
    seen: set[tuple[str, ...]] = set()
    for c in ranked:
        if c.constants not in seen:
            seen.add(c.constants)
            chosen.append(c)
    for c in ranked:
        if len(chosen) >= count:
            break
        if c not in chosen:
            chosen.append(c)
    return chosen[:count]
