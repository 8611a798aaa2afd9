"""Commands that run and follow searches: search run/resume/status/list, esma."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from ..errors import BrounckerError
from .app import (
    ADDRESS_HELP,
    DB_OPTION_HELP,
    EXIT_NEGATIVE,
    EXIT_OK,
    WORKERS_HELP,
    app,
    search_app,
)
from .output import console, emit, emit_formulas, emit_rows, err_console

if TYPE_CHECKING:
    from ..report.ranking import ConstantGroup
    from ..store import Store

ESMA_COLUMNS = ["lhs", "signs", "recurrence", "initial_terms", "digits", "convergence_rate"]


@app.command("esma")
def esma_command(
    constant: str | None = typer.Argument(None, help="A bank name or constant expression, e.g. e, tan1, 'besseli(1,2)/besseli(0,2)'."),
    spec: str | None = typer.Option(None, "--spec", help="A TOML spec (e.g. searches/esma-e.toml) instead of CONSTANT and the search options."),
    lhs_degree: int = typer.Option(1, "--lhs-degree", help="Degree D of P and Q in the LHS P(c)/Q(c)."),
    coeff_limit: int = typer.Option(2, "--coeff-limit", help="Coefficients of P and Q lie in [-L, L]."),
    cycles: str = typer.Option("1..2", "--cycles", help="Sign-period lengths K1..K2."),
    depth: int = typer.Option(100, "--depth", help="Partial quotients extracted per (LHS, sign period)."),
    prime: int = typer.Option(199, "--prime", help="Prime of the Berlekamp-Massey filter."),
    irregular_start: bool = typer.Option(False, "--irregular-start", help="Also keep recurrences that hold only after some first terms."),
    workers: int | None = typer.Option(None, "--workers", help="Run the shards on the executor (0 serial, N Ray workers); default in-process."),
    address: str | None = typer.Option(None, "--address", help="Ray cluster address (default: a local instance)."),
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP + " Giving it stores the results."),
    store: bool | None = typer.Option(None, "--store/--no-store", help="Store the results as conjectures of kind esma (default: when --db is given)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON rows."),
) -> None:
    """ESMA: signed continued fractions of P(c)/Q(c) whose partial quotients obey a short recurrence.

    Exit 0 with results, 1 when nothing was found. With --spec the search settings come
    from the file; --workers, --address, --db, --store and --json still apply.
    """
    from ..esma.expansion import ESMAConfig, parse_cycles
    from ..search.esma_runner import load_spec, run_esma

    name = None
    if spec is not None:
        if constant is not None:
            raise BrounckerError("give either CONSTANT or --spec, not both")
        loaded = load_spec(spec)
        config, name = loaded.config(), loaded.name
    else:
        if constant is None:
            raise BrounckerError("missing CONSTANT (a bank name or expression, e.g. e) or --spec FILE")
        config = ESMAConfig(constant, lhs_degree, coeff_limit, parse_cycles(cycles), depth, prime, not irregular_start)
    run = run_esma(config, workers=workers, address=address, db=db, store=bool(store if store is not None else db), name=name)
    rows = [r.as_dict() for r in run.results]
    if json_:
        emit(rows, True)
    else:
        emit_rows(rows, title=f"ESMA {config.constant}: {len(rows)} results", columns=ESMA_COLUMNS)
        counts = run.counts.as_dict()
        stored = f"; stored {run.stored} new in search {run.search_id}" if run.search_id is not None else ""
        err_console.print(f"{counts['pairs']} (LHS, period) pairs, {counts['approved']} approved by Berlekamp-Massey, "
                          f"{counts['verified']} verified, {len(rows)} distinct values in {run.seconds:.2f} s{stored}",
                          markup=False, highlight=False)
    if run.failures:
        raise BrounckerError(f"{len(run.failures)} task(s) failed, e.g. {run.failures[0]}")
    raise typer.Exit(EXIT_OK if rows else EXIT_NEGATIVE)


# --- search ---------------------------------------------------------------------------

FINDINGS_PER_CONSTANT = 5  # rows of each constant in the final table; the rest are a query away


def _search_outcome(report: Any, json_: bool, store: Store) -> None:
    """Print a search report (its formulas grouped by constant, most telling first, and a
    summary; or JSON) and set the exit code."""
    if json_:
        emit(report, True)
    else:
        c = report.counters
        details = store.get_conjectures([f.id for f in report.findings])
        emit_formulas(details, f"search {report.search_id} ({report.name})", per_group=FINDINGS_PER_CONSTANT,
                      more=lambda g: _more_command(g, report.search_id))
        console.print(
            f"search {report.search_id}: {report.status}; {int(c.get('pcfs', 0)):,} PCFs screened, "
            f"{int(c.get('converged', 0)):,} converged, {int(c.get('matched', 0)):,} matched, "
            f"{int(c.get('confirmed', 0)):,} confirmed, {int(c.get('exact', 0)):,} exact records; "
            f"this run {report.seconds:.1f} s ({report.pcfs_per_second:,.0f} PCFs/s)",
            highlight=False,
        )
    for line in report.errors[:20]:
        err_console.print(f"failed {line}", markup=False, highlight=False, soft_wrap=True)
    if report.status == "interrupted":
        err_console.print(f"interrupted: resume with 'brouncker search resume {report.search_id}'", markup=False)
        raise typer.Exit(130)
    if report.status == "failed":
        raise typer.Exit(EXIT_NEGATIVE)


def _more_command(group: ConstantGroup, search_id: int) -> str:
    """The command that lists every formula of a group."""
    from ..report.ranking import CANDIDATES, RATIONAL

    if group.name == CANDIDATES:
        return f"brouncker query --search {search_id} --candidates"
    if group.name == RATIONAL:
        return f"brouncker query --search {search_id}"
    return f"brouncker query --search {search_id} --constant {group.name.split(', ')[0]}"


@search_app.command("run")
def search_run_command(
    spec: str = typer.Argument(..., metavar="SPEC", help="A TOML search spec, e.g. searches/quickstart.toml."),
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    address: str | None = typer.Option(None, "--address", help=ADDRESS_HELP),
    workers: int | None = typer.Option(None, "--workers", min=0, help=WORKERS_HELP),
    json_: bool = typer.Option(False, "--json", help="Print the report as JSON (no progress bar)."),
) -> None:
    """Run the search of SPEC (the same spec again resumes it; nothing is stored twice)."""
    from ..search.runner import run_search
    from ..search.spec import load_spec
    from ..store import open_store

    search_spec = load_spec(spec)
    with open_store(db) as store:
        report = run_search(store, search_spec, workers=workers, address=address, progress=not json_, console=err_console)
        _search_outcome(report, json_, store)


@search_app.command("resume")
def search_resume_command(
    search_id: int = typer.Argument(..., metavar="ID", help="The search's id (see 'search list')."),
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    address: str | None = typer.Option(None, "--address", help=ADDRESS_HELP),
    workers: int | None = typer.Option(None, "--workers", min=0, help=WORKERS_HELP),
    json_: bool = typer.Option(False, "--json", help="Print the report as JSON (no progress bar)."),
) -> None:
    """Run the shards of a stored search that are not done yet."""
    from ..search.runner import resume_search
    from ..store import open_store

    with open_store(db, create=False) as store:
        report = resume_search(store, search_id, workers=workers, address=address, progress=not json_, console=err_console)
        _search_outcome(report, json_, store)


@search_app.command("status")
def search_status_command(
    search_id: int = typer.Argument(..., metavar="ID", help="The search's id."),
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A search's state: shards by status, counters, and its spec (exit 1 when unknown)."""
    from ..store import open_store

    with open_store(db, read_only=True) as store:
        found = store.search(search_id)
        failed = store.shards(search_id, status="failed") if found else []
    if found is None:
        err_console.print(f"no search with id {search_id}", markup=False, highlight=False)
        raise typer.Exit(EXIT_NEGATIVE)
    row = found.as_dict()
    row["failed_shards"] = [{"shard": s.shard_index, "error": s.error} for s in failed]
    if json_:
        emit(row, True)
        return
    emit({k: v for k, v in row.items() if k not in ("spec", "counters", "failed_shards")}, False, title=f"search {search_id}")
    if row.get("counters"):
        emit(row["counters"], False, title="counters")
    if row["failed_shards"]:
        emit_rows(row["failed_shards"], title="failed shards")


@search_app.command("list")
def search_list_command(
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every search in the database, newest first."""
    from ..store import open_store

    with open_store(db, read_only=True) as store:
        rows = store.searches()
    if json_:
        emit(rows, True)
        return
    emit_rows(rows, title="searches", columns=["id", "name", "status", "shards", "created_at", "updated_at"])
