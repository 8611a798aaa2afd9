"""Commands on the store: db upgrade, query, show, and the verification of a stored conjecture.

Only ``db upgrade`` (and the commands that write what they find) create a schema:
``query`` and ``show`` open the database read-only, and say so when there is no
brouncker database at the URL.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from ..errors import BrounckerError
from .app import DB_OPTION_HELP, EXIT_NEGATIVE, app, db_app
from .output import emit, emit_formulas, emit_rows, err_console

if TYPE_CHECKING:
    from ..convergence.verify import Verification
    from ..store import Store


def verify_stored(conjecture_id: int, digits: int, max_depth: int | None, db: str | None) -> tuple[Verification, float]:
    """Verify a stored PCF conjecture and record the verification in the store; the result
    and the seconds it took."""
    from ..store import open_store
    from ..stored import verifiable, verify_and_record

    with open_store(db, create=False) as store:
        row = verifiable(store.get_conjecture(conjecture_id), conjecture_id)
        result, seconds, _ = verify_and_record(store, row, digits, max_depth)
    return result, seconds


@db_app.command("upgrade")
def db_upgrade_command(
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    revision: str = typer.Option("head", "--revision", help="The schema revision to reach (default: the newest)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create the schema, or upgrade it to the one this brouncker expects."""
    from ..store.engine import display_url, resolve_url, upgrade

    reached = upgrade(db, revision)
    emit({"database": display_url(resolve_url(db)), "revision": reached}, json_, title="schema")


QUERY_FORMATS = ("table", "json", "csv", "latex")
TABLE_COLUMNS = ("id", "kind", "a", "b", "expression", "digits", "delta", "delta_kind", "status", "cluster", "search_id")


@app.command("query")
def query_command(
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    constant: str | None = typer.Option(None, "--constant", help="Only conjectures using this bank constant, e.g. 'zeta3'."),
    search: int | None = typer.Option(None, "--search", help="Only conjectures of this search id."),
    kind: str | None = typer.Option(None, "--kind", help="pcf, esma or cmf."),
    status: str | None = typer.Option(None, "--status", help="conjectured (not yet verified), verified or refuted."),
    candidates: bool | None = typer.Option(
        None, "--candidates/--no-candidates", help="Only values no bank constant explains (candidates), or none of them."
    ),
    cluster: str | None = typer.Option(None, "--cluster", help="A cluster id (or label)."),
    min_delta: float | None = typer.Option(None, "--min-delta", help="Only conjectures with delta >= X."),
    max_delta: float | None = typer.Option(None, "--max-delta", help="Only conjectures with delta <= X."),
    degree: int | None = typer.Option(None, "--degree", help="Only PCFs of this degree, max(deg a, deg b)."),
    sort: str | None = typer.Option(
        None, "--sort", help="Sort field (id, delta, digits, expression, ...); '-delta' for descending. Without it the table groups "
        "the formulas by constant, the simplest first, then the fastest converging."
    ),
    limit: int | None = typer.Option(None, "--limit", help="At most N rows."),
    in_class: int | None = typer.Option(None, "--class", help="Only the formulas of the equivalence class of conjecture ID "
                                        "(relate SEARCH_ID finds the classes)."),
    unified: bool = typer.Option(False, "--unified", help="Only formulas whose equivalence class holds a known field's trajectory."),
    format_: str = typer.Option("table", "--format", help="table, json, csv or latex."),
    json_: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """List stored conjectures that pass the filters."""
    from ..report.export import rows_as_csv, rows_as_latex
    from ..store import ROW_FIELDS, open_store

    fmt = "json" if json_ else format_.lower()
    if fmt not in QUERY_FORMATS:
        raise BrounckerError(f"unknown --format {format_!r}: choose one of {', '.join(QUERY_FORMATS)}")
    with open_store(db, read_only=True) as store:
        graph = in_class is not None or unified
        rows = store.query(constant=constant, search=search, kind=kind, status=status, cluster=cluster, min_delta=min_delta,
                           max_delta=max_delta, degree=degree, sort=sort, limit=None if graph else limit, candidate=candidates)
        if graph:
            keep = _graph_members(store, in_class, unified)
            rows = [r for r in rows if r.id in keep][:limit]
        if fmt == "table" and sort is None:  # the formulas grouped by constant, most telling first
            emit_formulas(store.get_conjectures([r.id for r in rows]), "conjectures")
            return
    if fmt == "json":
        emit(rows, True)
        return
    dicts = [r.as_dict() for r in rows]
    if fmt == "csv":
        sys.stdout.write(rows_as_csv(dicts, ROW_FIELDS))
    elif fmt == "latex":
        sys.stdout.write(rows_as_latex(dicts))
    else:
        emit_rows(dicts, title="conjectures", columns=TABLE_COLUMNS)


def _graph_members(store: Store, in_class: int | None, unified: bool) -> set[int]:
    """The conjectures in the class of ``in_class`` and, with ``unified``, in a class with a field."""
    from ..equivalence.graph import class_of, graph_classes

    edges = store.edges()
    keep: set[int] | None = None
    if in_class is not None:
        keep = set(class_of(in_class, edges).members)
    if unified:
        with_field = {m for c in graph_classes([], edges) if c.fields for m in c.members}
        keep = with_field if keep is None else keep & with_field
    return keep or set()


SHOW_METRIC_COLUMNS = ("depth", "digits", "convergence", "fr", "delta_naive", "delta_fr", "c", "d", "gamma", "eta")
SHOW_CLUSTER_FIELDS = ("id", "plane", "label", "size", "anchor", "is_candidate")
SHOW_SOURCE_COLUMNS = ("search_id", "line", "a", "b", "value", "verdict", "source")


@app.command("show")
def show_command(
    conjecture_id: int = typer.Argument(..., metavar="ID", help="The conjecture's id."),
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One conjecture with all its metrics and verifications (exit 1 when there is no such id)."""
    from ..store import open_store

    with open_store(db, read_only=True) as store:
        detail = store.get_conjecture(conjecture_id)
        edges = store.edges()
    if detail is None:
        err_console.print(f"no conjecture with id {conjecture_id}", markup=False, highlight=False)
        raise typer.Exit(EXIT_NEGATIVE)
    from ..equivalence.graph import class_of

    found = class_of(conjecture_id, edges)
    in_class = [e for e in edges if e.from_key in found.keys or e.to_key in found.keys]
    equivalence = {**found.as_dict(), "edges": [_edge_summary(e) for e in in_class]}
    if json_:
        emit({**detail.as_dict(), "equivalence_class": equivalence}, True)
        return
    data = detail.as_dict()
    nested = ("metrics", "verifications", "pcf", "cluster", "data", "sources")
    emit({k: v for k, v in data.items() if k not in nested}, False, title=f"conjecture {conjecture_id}")
    if detail.pcf is not None:
        emit(detail.pcf, False, title="pcf")
    if detail.cluster is not None:
        emit({k: v for k, v in detail.cluster.as_dict().items() if k in SHOW_CLUSTER_FIELDS}, False, title="cluster")
    if detail.data:
        emit(detail.data, False, title="data")
    if detail.metrics:
        metrics = [m.as_dict() for m in detail.metrics]
        emit_rows(metrics, title="metrics", columns=[c for c in SHOW_METRIC_COLUMNS if c in metrics[0]])
    emit_rows([v.as_dict() for v in detail.verifications], title="verifications")
    if detail.sources:
        emit_rows([s.as_dict() for s in detail.sources], title="sources", columns=SHOW_SOURCE_COLUMNS)
    if len(found.keys) > 1:
        fields = "; ".join(f"{f['field']} {tuple(f['trajectory'])} from {tuple(f['start'])}" for f in found.fields) or "none"
        emit({"members": ", ".join(map(str, found.members)), "fields": fields}, False, title="equivalence class")
        emit_rows(equivalence["edges"], title="certified edges", columns=("from", "to", "folds", "U", "c", "map"))


def _edge_summary(edge: Any) -> dict[str, Any]:
    """One edge in a line: its nodes, folds, U, c and the map value(from) = m(value(to))."""
    cert = edge.certificate
    m = cert.get("mobius") or [0, 1, 1, 0]
    (u00, u01), (u10, u11) = cert.get("U") or (("?", "?"), ("?", "?"))
    return {
        "edge": edge.id, "from": edge.from_key, "to": edge.to_key,
        "folds": f"{cert.get('fold_from', {}).get('k')}/{cert.get('fold_to', {}).get('k')}",
        "U": f"[[{u00}, {u01}], [{u10}, {u11}]]", "c": cert.get("c"), "map": f"({m[0]} + {m[1]}V)/({m[2]} + {m[3]}V)",
    }
