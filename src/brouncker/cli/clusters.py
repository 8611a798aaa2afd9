"""Commands on a finished search: cluster and report."""

from __future__ import annotations

import time

import typer

from ..clustering.labels import CHECK_SAMPLE
from ..errors import BrounckerError
from .app import DB_OPTION_HELP, app
from .output import emit, emit_rows, err_console

CLUSTER_COLUMNS = ("id", "plane", "label", "size", "anchors", "checked", "related", "candidate", "anchor")


@app.command("cluster")
def cluster_command(
    search_id: int = typer.Argument(..., metavar="SEARCH_ID", help="The search whose PCFs to cluster."),
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    check_sample: int = typer.Option(CHECK_SAMPLE, "--check-sample", help="Members of each cluster checked against its label (at most)."),
    families: bool = typer.Option(True, "--families/--no-families", help="Look for parametric families."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Cluster a search's PCFs by convergence dynamics, label the clusters, and store them."""
    from ..clustering.cluster import cluster_points
    from ..store import open_store
    from ..store.clusters import clustering_points, save_clustering

    if check_sample < 0:
        raise BrounckerError(f"--check-sample must be 0 or more, got {check_sample}")
    with open_store(db, create=False) as store:
        if store.search(search_id) is None:
            raise BrounckerError(f"no search with id {search_id}")
        points = clustering_points(store, search_id)
        if not points:
            raise BrounckerError(f"search {search_id} has no dynamics records: run it with mode = \"dynamics\"")
        started = time.perf_counter()

        def say(msg: str) -> None:
            err_console.print(f"{msg} ({time.perf_counter() - started:.0f} s)", markup=False, highlight=False)

        clustering = cluster_points(points, check_sample=check_sample, families=families, progress=None if json_ else say)
        seconds = round(time.perf_counter() - started, 3)
        saved = save_clustering(store, search_id, clustering, points)
    ids = saved.cluster_ids
    if json_:
        data = {**clustering.as_dict(), "seconds": seconds}
        for c, cid in zip(data["clusters"], ids):
            c["id"] = cid
            c.pop("members", None)
        emit({"search_id": search_id, **data, "saved": saved}, True)
        return
    rows = [
        {"id": cid, "plane": c.plane, "label": c.label, "size": c.size, "anchors": c.anchors, "checked": c.checked,
         "related": c.related,
         "candidate": "yes" if c.is_candidate else "", "anchor": c.anchor or ""}
        for c, cid in zip(clustering.clusters, ids)
    ]
    emit_rows(rows, title=f"clusters of search {search_id}", columns=CLUSTER_COLUMNS)
    summary = {"points": clustering.points, "clusterable": clustering.clusterable, "clusters": len(ids),
               "noise": len(clustering.noise), "plane": next((p.plane for p in clustering.planes if p.kept), None),
               "families": len(clustering.families), "conjectures_added": saved.conjectures_added,
               "seconds": seconds}
    emit(summary, False, title="summary")


@app.command("report")
def report_command(
    search_id: int = typer.Argument(..., metavar="SEARCH_ID", help="The search to report on (cluster it first)."),
    out: str = typer.Option("report.html", "--out", help="The HTML file to write."),
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    top: int = typer.Option(6, "--top", min=0, help="Conjectures whose convergence is plotted."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Write a self-contained HTML report of a search: clusters, formulas, convergence, candidates."""
    from ..report import write_report
    from ..store import open_store

    with open_store(db, read_only=True) as store:
        if store.search(search_id) is None:
            raise BrounckerError(f"no search with id {search_id}")
        result = write_report(store, search_id, out, top=top)
    emit(result, json_, title="report")
