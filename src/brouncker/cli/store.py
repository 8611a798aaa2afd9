"""Commands on the store: db upgrade, query, show, and the verification of a stored conjecture."""

from __future__ import annotations

import sys

import typer

from ..errors import BrounckerError
from .app import DB_OPTION_HELP, EXIT_NEGATIVE, app, db_app
from .output import emit, emit_rows, err_console


def verify_stored(conjecture_id: int, digits: int, max_depth: int | None, db: str | None):  # type: ignore[no-untyped-def]
    """Verify a stored PCF conjecture and record the verification in the store."""
    from ..convergence.verify import verify
    from ..store import open_store

    store = open_store(db)
    row = store.get_conjecture(conjecture_id)
    if row is None:
        raise BrounckerError(f"no conjecture with id {conjecture_id}")
    if row.get("kind") != "pcf" or not row.get("a") or not row.get("b"):
        raise BrounckerError(f"conjecture {conjecture_id} is of kind '{row.get('kind')}': only PCF conjectures can be verified by depth")
    result = verify(row["a"], row["b"], row["expression"], digits, max_depth=max_depth)
    store.record_verification(
        conjecture_id, digits_requested=digits, digits_agreed=result.digits_agreed,
        depth=result.depth, seconds=result.seconds, verdict=result.verdict,
    )
    return result


@db_app.command("upgrade")
def db_upgrade_command(
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create the schema, or upgrade it to the one this brouncker expects."""
    from ..store.engine import display_url, resolve_url, upgrade

    revision = upgrade(db)
    emit({"database": display_url(resolve_url(db)), "revision": revision}, json_, title="schema")


QUERY_FORMATS = ("table", "json", "csv", "latex")


@app.command("query")
def query_command(
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    constant: str | None = typer.Option(None, "--constant", help="Only conjectures using this bank constant, e.g. 'zeta3'."),
    search: int | None = typer.Option(None, "--search", help="Only conjectures of this search id."),
    kind: str | None = typer.Option(None, "--kind", help="pcf, esma or cmf."),
    status: str | None = typer.Option(None, "--status", help="candidate, verified or refuted."),
    cluster: str | None = typer.Option(None, "--cluster", help="A cluster id (or label)."),
    min_delta: float | None = typer.Option(None, "--min-delta", help="Only conjectures with delta >= X."),
    max_delta: float | None = typer.Option(None, "--max-delta", help="Only conjectures with delta <= X."),
    degree: int | None = typer.Option(None, "--degree", help="Only PCFs of this degree, max(deg a, deg b)."),
    sort: str | None = typer.Option(None, "--sort", help="Sort field (id, delta, digits, expression, ...); '-delta' for descending."),
    limit: int | None = typer.Option(None, "--limit", help="At most N rows."),
    format_: str = typer.Option("table", "--format", help="table, json, csv or latex."),
    json_: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """List stored conjectures that pass the filters."""
    from ..report.export import rows_as_csv, rows_as_latex
    from ..store import CONTRACT_FIELDS, open_store

    fmt = "json" if json_ else format_.lower()
    if fmt not in QUERY_FORMATS:
        raise BrounckerError(f"unknown --format {format_!r}: choose one of {', '.join(QUERY_FORMATS)}")
    with open_store(db) as store:
        rows = store.query(constant=constant, search=search, kind=kind, status=status, cluster=cluster,
                           min_delta=min_delta, max_delta=max_delta, degree=degree, sort=sort, limit=limit)
    if fmt == "json":
        emit(rows, True)
    elif fmt == "csv":
        sys.stdout.write(rows_as_csv(rows, CONTRACT_FIELDS))
    elif fmt == "latex":
        sys.stdout.write(rows_as_latex(rows))
    else:
        emit_rows(rows, title="conjectures", columns=[c for c in CONTRACT_FIELDS if c != "canonical_key"])


SHOW_METRIC_COLUMNS = ("depth", "digits", "convergence", "fr", "delta_naive", "delta_fr", "c", "d", "gamma", "eta")


@app.command("show")
def show_command(
    conjecture_id: int = typer.Argument(..., metavar="ID", help="The conjecture's id."),
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One conjecture with all its metrics and verifications (exit 1 when there is no such id)."""
    from ..store import open_store

    with open_store(db) as store:
        row = store.get_conjecture(conjecture_id)
    if row is None:
        err_console.print(f"no conjecture with id {conjecture_id}", markup=False, highlight=False)
        raise typer.Exit(EXIT_NEGATIVE)
    if json_:
        emit(row, True)
        return
    nested = ("metrics", "verifications", "pcf", "cluster_info", "data")
    emit({k: v for k, v in row.items() if k not in nested}, False, title=f"conjecture {conjecture_id}")
    for key in ("pcf", "cluster_info", "data"):
        if row.get(key):
            emit(row[key], False, title=key.replace("_info", ""))
    if row["metrics"]:
        emit_rows(row["metrics"], title="metrics", columns=[c for c in SHOW_METRIC_COLUMNS if c in row["metrics"][0]])
    emit_rows(row["verifications"], title="verifications")
