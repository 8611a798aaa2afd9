"""The HTML report of a search: summary, clusters per plane, formulas per constant,
convergence of the top conjectures, families, and candidate discoveries.

One self-contained file (PNGs embedded as data URIs, no script, no network); run
``brouncker cluster SEARCH_ID`` first so that the clusters are there.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import BrounckerError
from . import html as h
from . import plots

FORMULA_IMAGES_PER_CONSTANT = 25  # rows of a constant's table typeset as images (the rest as text)
ROWS_PER_CONSTANT = 200  # rows listed per constant
CONVERGENCE_DEPTH = 400  # deepest convergent of the convergence plots


@dataclass(frozen=True, slots=True)
class Report:
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

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "bytes": self.bytes, "search_id": self.search_id, "clusters": self.clusters,
                "candidates": self.candidates, "conjectures": self.conjectures, "constants": list(self.constants),
                "families": self.families, "images": self.images, "seconds": self.seconds}


def write_report(store: Any, search_id: int, out: str | Path, top: int = 6) -> Report:
    """Build the report of ``search_id`` from ``store`` and write it to ``out``."""
    from ..store.clusters import conjecture_data, plot_points

    started = time.perf_counter()
    search = store.search(search_id)
    if search is None:
        raise BrounckerError(f"no search with id {search_id}")
    clusters = store.clusters(search_id)
    data = conjecture_data(store, search_id)
    conjectures = [{**c, "data": data.get(c["id"])} for c in store.conjectures_with_metrics(search_id)]
    points = plot_points(store, search_id)
    text, images = render(search, clusters, conjectures, points, top=top)
    path = Path(out)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BrounckerError(f"cannot write {out}: {exc.strerror}") from None
    families = sum(len((c.get("description") or {}).get("families") or []) for c in clusters)
    constants = sorted({n for c in conjectures for n in (c.get("constants") or [])})
    return Report(str(path), len(text.encode()), search_id, len(clusters), sum(1 for c in clusters if c["is_candidate"]),
                  len(conjectures), tuple(constants), families, images, round(time.perf_counter() - started, 2))


def render(search: Mapping[str, Any], clusters: Sequence[Mapping[str, Any]], conjectures: Sequence[Mapping[str, Any]],
           points: Sequence[Mapping[str, Any]], top: int = 6) -> tuple[str, int]:
    """The HTML text and the number of images in it (pure: all data is given)."""
    labels = {int(c["id"]): str(c["label"]) for c in clusters}
    images = 0
    sections: list[str] = []

    # summary
    converging = sum(1 for p in points if p.get("delta_fr") is not None)
    pcf_conj = [c for c in conjectures if c.get("kind") == "pcf" and c.get("a") and c.get("b")]
    from_cluster = [c for c in pcf_conj if _source(c) == "cluster"]
    per_label: dict[str, int] = {}
    for c in clusters:
        label = str(c["label"])
        if label.startswith("unknown-"):
            label = "unknown (candidate discovery)" if c["is_candidate"] else "unknown (unlabelled)"
        per_label[label] = per_label.get(label, 0) + 1
    counters = search.get("counters") or {}
    summary_rows = [
        ("search", f"{search.get('name')} (id {search.get('id')}, {search.get('status')})"),
        ("PCFs screened", counters.get("pcfs", "")),
        ("PCFs with a dynamics record", len(points)),
        ("converging (clustered)", converging),
        ("clusters", len(clusters)),
        ("labelled clusters (a bank constant, or rational)", sum(1 for c in clusters if not str(c["label"]).startswith("unknown-"))),
        ("candidate discoveries (unknown value shared by related members)", sum(1 for c in clusters if c["is_candidate"])),
        ("unlabelled clusters (members mostly unrelated)", sum(1 for c in clusters if _unlabelled(c))),
        ("PCF conjectures", len(pcf_conj)),
        ("of which found by clustering", len(from_cluster)),
    ]
    sections.append(h.section("Summary", h.table(("", "value"), summary_rows),
                              h.table(("label", "clusters"), sorted(per_label.items(), key=lambda kv: (-kv[1], kv[0])))))

    # clusters per plane
    scatter = plots.planes_pngs(points, labels)
    images += len(scatter)
    plane_used = sorted({str(c["plane"]) for c in clusters})
    cluster_rows = []
    for c in clusters:
        d = c.get("description") or {}
        center = d.get("center") or []
        cluster_rows.append((c["id"], c["plane"], c["label"], c["size"], d.get("anchors", ""), d.get("checked", ""), d.get("related", ""),
                             ", ".join(f"{x:.3f}" for x in center), "yes" if c["is_candidate"] else "", c.get("anchor") or ""))
    sections.append(h.section(
        "Clusters",
        h.paragraph("Planes used: " + (", ".join(plane_used) or "none") + ". Grey points are noise; the largest clusters are named."),
        '<div class="plots">' + "".join(h.figure(png, f"plane {name}") for name, png in scatter) + "</div>",
        h.table(("id", "plane", "label", "size", "anchors", "checked", "related", "center", "candidate", "anchor"), cluster_rows),
    ))

    # conjectures per constant
    by_constant: dict[str, list[Mapping[str, Any]]] = {}
    for c in pcf_conj:
        names = c.get("constants") or []
        key = ", ".join(names) if names else "rational"
        by_constant.setdefault(key, []).append(c)
    parts: list[str] = []
    for name in sorted(by_constant, key=lambda k: (-len(by_constant[k]), k)):
        rows = sorted(by_constant[name], key=lambda c: (-(c.get("delta") if c.get("delta") is not None else -9), c["id"]))
        table_rows = []
        for i, c in enumerate(rows[:ROWS_PER_CONSTANT]):
            formula = h.escape(f"{c['expression']} = PCF({c['a']}, {c['b']})")
            if i < FORMULA_IMAGES_PER_CONSTANT:
                try:
                    formula = h.image(plots.formula_png(c["expression"], c["a"], c["b"]), f"{c['expression']} = PCF({c['a']}, {c['b']})", "formula")
                    images += 1
                except (ValueError, BrounckerError):
                    pass  # mathtext cannot typeset it: the text stays
            table_rows.append((c["id"], formula, c["expression"], c.get("delta"), c.get("digits"), c.get("status"),
                               _source(c), labels.get(c.get("cluster") or -1, "")))
        more = len(rows) - len(table_rows)
        parts.append(h.section(f"{name} ({len(rows)})",
                               h.table(("id", "formula", "expression", "δ", "digits", "status", "found by", "cluster"),
                                       table_rows, raw=(False, True) + (False,) * 6),
                               h.paragraph(f"… and {more} more (brouncker query --constant …)", "muted") if more > 0 else "",
                               level=3))
    sections.append(h.section("Conjectures per constant", *parts) if parts else h.section("Conjectures per constant", h.paragraph("(none)")))

    # convergence
    chosen = _top(pcf_conj, top)
    series = []
    for c in chosen:
        if not c.get("constants"):
            continue
        try:
            depths, errors = plots.convergence_series(_coeffs(c["a"]), _coeffs(c["b"]), c["expression"], CONVERGENCE_DEPTH)
        except BrounckerError:
            continue
        series.append((f"#{c['id']} {c['expression']}", depths, errors))
    conv = plots.convergence_png(series)
    images += 1
    sections.append(h.section("Convergence of the top conjectures",
                              h.paragraph("log10 of |p(n)/q(n) − L| against the depth n, L the conjectured value to more digits than any convergent shown."),
                              '<div class="plots">' + h.figure(conv, "log error against depth") + "</div>"))

    # families
    family_rows = []
    for c in clusters:
        for f in (c.get("description") or {}).get("families") or []:
            family_rows.append((c["label"], f"a = {f['a']}", f"b = {f['b']}", f["recurrence_text"],
                                f"y({f['anchor_k']}) = {f['anchor_expression']}", ", ".join(map(str, f["k_values"])),
                                ", ".join(map(str, f["verified_k"])), f["status"]))
    sections.append(h.section("Families", h.paragraph("PCFs of one cluster on a line in coefficient space whose consecutive limits are related by one Möbius map polynomial in k; checked by exact walks at new k."),
                              h.table(("constant", "a(n)", "b(n)", "recurrence", "anchor", "k in cluster", "k verified", "status"), family_rows)))

    # candidate discoveries
    unknown_rows = []
    for c in clusters:
        if not c["is_candidate"]:
            continue
        d = c.get("description") or {}
        unknown_rows.append((c["id"], c["label"], c["size"], c["plane"], ", ".join(f"{x:.3f}" for x in d.get("center") or []),
                             d.get("reference") or "", d.get("related", ""), d.get("source", "")))
    unlabelled_rows = [(c["id"], c["label"], c["size"], c["plane"], ", ".join(f"{x:.3f}" for x in (c.get("description") or {}).get("center") or []),
                        (c.get("description") or {}).get("checked", ""), (c.get("description") or {}).get("related", ""))
                       for c in clusters if _unlabelled(c)]
    new_rows = [(c["id"], c["expression"], c["a"], c["b"], c.get("delta"), labels.get(c.get("cluster") or -1, "")) for c in from_cluster]
    sections.append(h.section(
        "Candidate discoveries",
        h.paragraph("Clusters whose members match no constant of the bank but are related to each other (they share one unknown value):"),
        h.table(("id", "label", "size", "plane", "center", "representative", "related", "source"), unknown_rows),
        h.paragraph("Unlabelled clusters: no bank constant, and most checked members related to no other:"),
        h.table(("id", "label", "size", "plane", "center", "checked", "related"), unlabelled_rows),
        h.paragraph("Formulas found by relating members of a labelled cluster to its constant (not identified by the search itself):"),
        h.table(("id", "expression", "a(n)", "b(n)", "δ", "cluster"), new_rows[:ROWS_PER_CONSTANT]),
        anchor="candidates",
    ))
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = f"brouncker report: search {search.get('id')} ({search.get('name')})"
    return h.page(title, sections, subtitle=f"generated {generated}"), images


def _unlabelled(cluster: Mapping[str, Any]) -> bool:
    return str(cluster["label"]).startswith("unknown-") and not cluster["is_candidate"]


def _source(conjecture: Mapping[str, Any]) -> str:
    data = conjecture.get("data")
    if isinstance(data, Mapping) and data.get("source") == "cluster":
        return "cluster"
    return "search"


def _coeffs(text: str) -> tuple[int, ...]:
    from ..pcf.polynomial import parse

    return parse(text)


def _top(conjectures: Sequence[Mapping[str, Any]], count: int) -> list[Mapping[str, Any]]:
    """The best conjecture (highest δ) of each constant, then the next best overall."""
    ranked = sorted((c for c in conjectures if c.get("constants")),
                    key=lambda c: (-(c.get("delta") if c.get("delta") is not None else -9), c["id"]))
    chosen: list[Mapping[str, Any]] = []
    seen: set[tuple[str, ...]] = set()
    for c in ranked:
        key = tuple(c.get("constants") or ())
        if key not in seen:
            seen.add(key)
            chosen.append(c)
    for c in ranked:
        if len(chosen) >= count:
            break
        if c not in chosen:
            chosen.append(c)
    return chosen[:count]
