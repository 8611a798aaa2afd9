"""The ``brouncker`` command line: parses options, calls the library, prints.

Exit codes (DESIGN.md): 0 success, 1 a negative mathematical answer (refuted, not
found), 2 bad input or usage, 3 inconclusive. A :class:`BrounckerError` is printed on
one line of stderr with exit code 2; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from .errors import BrounckerError
from .records import json_safe

EXIT_OK, EXIT_NEGATIVE, EXIT_USAGE, EXIT_INCONCLUSIVE = 0, 1, 2, 3
EXIT_CODES = {"verified": EXIT_OK, "refuted": EXIT_NEGATIVE, "inconclusive": EXIT_INCONCLUSIVE}

app = typer.Typer(
    name="brouncker",
    help="Discovery engine for formulas of mathematical constants.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
search_app = typer.Typer(help="Launch and follow searches.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(search_app, name="search")

console = Console()
err_console = Console(stderr=True)

DB_OPTION_HELP = "SQLAlchemy URL of the database (default: $BROUNCKER_DB, else sqlite:///brouncker.db)."


def emit(result: Any, as_json: bool, title: str | None = None) -> None:
    """Print one result (an object with ``as_dict``, a dict, or a list of dicts) as a
    two-column table, a table of rows, or JSON."""
    data = json_safe(result)
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    if isinstance(data, list):
        emit_rows(data, title=title)
        return
    table = Table(title=title, show_header=False, box=None)
    table.add_column(style="bold cyan")
    table.add_column()
    for key, value in data.items():
        table.add_row(key, _cell(value))
    console.print(table)


def emit_rows(rows: Sequence[Mapping[str, Any]], title: str | None = None, columns: Sequence[str] | None = None) -> None:
    """Print a list of records as a table."""
    if not rows:
        console.print("[dim](no rows)[/dim]")
        return
    columns = list(columns or rows[0].keys())
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*(_cell(row.get(col)) for col in columns))
    console.print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


# --- commands ------------------------------------------------------------------------
# Each command is a thin wrapper over the library. Keep option names as in DESIGN.md.


@app.command("verify")
def verify_command(
    conjecture_id: Optional[int] = typer.Argument(None, metavar="[ID]", help="A stored conjecture to verify."),
    a: Optional[str] = typer.Option(None, "--a", help="Partial denominators a(n), e.g. '34n^3+51n^2+27n+5'."),
    b: Optional[str] = typer.Option(None, "--b", help="Partial numerators b(n), e.g. '-n^6'."),
    constant: Optional[str] = typer.Option(None, "--constant", help="Constant expression, e.g. '6/zeta(3)'."),
    digits: int = typer.Option(..., "--digits", help="Digits that must agree."),
    max_depth: Optional[int] = typer.Option(None, "--max-depth", help="Depth budget (default 100000 or 10*digits)."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Verify that PCF(a, b) equals CONSTANT to DIGITS digits (exit 0 verified, 1 refuted, 3 inconclusive)."""
    from .convergence.verify import verify

    if conjecture_id is not None:
        if a is not None or b is not None or constant is not None:
            raise BrounckerError("give either a stored conjecture ID or --a/--b/--constant, not both")
        result = _verify_stored(conjecture_id, digits, max_depth, db)
    else:
        missing = [name for name, value in (("--a", a), ("--b", b), ("--constant", constant)) if value is None]
        if missing:
            raise BrounckerError(f"missing {', '.join(missing)} (or give a stored conjecture ID)")
        assert a is not None and b is not None and constant is not None
        result = verify(a, b, constant, digits, max_depth=max_depth)
    emit(result, json_, title="verification")
    raise typer.Exit(EXIT_CODES[result.verdict])


def _verify_stored(conjecture_id: int, digits: int, max_depth: int | None, db: str | None):  # type: ignore[no-untyped-def]
    """Verify a stored PCF conjecture and record the verification in the store."""
    from .convergence.verify import verify
    from .store import open_store

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
    db: Optional[str] = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create the schema, or upgrade it to the one this brouncker expects."""
    from .store.engine import display_url, resolve_url, upgrade

    revision = upgrade(db)
    emit({"database": display_url(resolve_url(db)), "revision": revision}, json_, title="schema")


QUERY_FORMATS = ("table", "json", "csv", "latex")


@app.command("query")
def query_command(
    db: Optional[str] = typer.Option(None, "--db", help=DB_OPTION_HELP),
    constant: Optional[str] = typer.Option(None, "--constant", help="Only conjectures using this bank constant, e.g. 'zeta3'."),
    search: Optional[int] = typer.Option(None, "--search", help="Only conjectures of this search id."),
    kind: Optional[str] = typer.Option(None, "--kind", help="pcf, esma or cmf."),
    status: Optional[str] = typer.Option(None, "--status", help="candidate, verified or refuted."),
    cluster: Optional[str] = typer.Option(None, "--cluster", help="A cluster id (or label)."),
    min_delta: Optional[float] = typer.Option(None, "--min-delta", help="Only conjectures with delta >= X."),
    max_delta: Optional[float] = typer.Option(None, "--max-delta", help="Only conjectures with delta <= X."),
    degree: Optional[int] = typer.Option(None, "--degree", help="Only PCFs of this degree, max(deg a, deg b)."),
    sort: Optional[str] = typer.Option(None, "--sort", help="Sort field (id, delta, digits, expression, ...); '-delta' for descending."),
    limit: Optional[int] = typer.Option(None, "--limit", help="At most N rows."),
    format_: str = typer.Option("table", "--format", help="table, json, csv or latex."),
    json_: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """List stored conjectures that pass the filters."""
    from .report.export import rows_as_csv, rows_as_latex
    from .store import CONTRACT_FIELDS, open_store

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
    db: Optional[str] = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One conjecture with all its metrics and verifications (exit 1 when there is no such id)."""
    from .store import open_store

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


ESMA_COLUMNS = ["lhs", "signs", "recurrence", "initial_terms", "digits", "convergence_rate"]


@app.command("esma")
def esma_command(
    constant: Optional[str] = typer.Argument(None, help="A bank name or constant expression, e.g. e, tan1, 'besseli(1,2)/besseli(0,2)'."),
    spec: Optional[str] = typer.Option(None, "--spec", help="A TOML spec (e.g. searches/esma-e.toml) instead of CONSTANT and the search options."),
    lhs_degree: int = typer.Option(1, "--lhs-degree", help="Degree D of P and Q in the LHS P(c)/Q(c)."),
    coeff_limit: int = typer.Option(2, "--coeff-limit", help="Coefficients of P and Q lie in [-L, L]."),
    cycles: str = typer.Option("1..2", "--cycles", help="Sign-period lengths K1..K2."),
    depth: int = typer.Option(100, "--depth", help="Partial quotients extracted per (LHS, sign period)."),
    prime: int = typer.Option(199, "--prime", help="Prime of the Berlekamp-Massey filter."),
    irregular_start: bool = typer.Option(False, "--irregular-start", help="Also keep recurrences that hold only after some first terms."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Run the shards on the executor (0 serial, N Ray workers); default in-process."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (default: a local instance)."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_OPTION_HELP + " Giving it stores the results."),
    store: Optional[bool] = typer.Option(None, "--store/--no-store", help="Store the results as conjectures of kind esma (default: when --db is given)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON rows."),
) -> None:
    """ESMA: signed continued fractions of P(c)/Q(c) whose partial quotients obey a short recurrence.

    Exit 0 with results, 1 when nothing was found. With --spec the search settings come
    from the file; --workers, --address, --db, --store and --json still apply.
    """
    from .esma.expansion import ESMAConfig, parse_cycles
    from .search.esma_runner import load_spec, run_esma

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


METRICS_TABLE_LIMIT_CHARS = 60  # the table shows this much of the limit; --json prints all of it


@app.command("metrics")
def metrics_command(
    a: str = typer.Option(..., "--a", help="Partial denominators a(n), e.g. '34n^3+51n^2+27n+5'."),
    b: str = typer.Option(..., "--b", help="Partial numerators b(n), e.g. '-n^6'."),
    depth: int = typer.Option(2000, "--depth", help="Depth N of the walk; the samples go up to N/2."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Convergence-dynamics record of PCF(a, b): limit, digits, delta, FR, eigenvalues, fits."""
    from .convergence.dynamics import dynamics
    from .pcf.polynomial import parse

    record = dynamics(parse(a), parse(b), depth).as_dict()
    limit = record["limit"]
    if not json_ and limit is not None and len(limit) > METRICS_TABLE_LIMIT_CHARS:
        record["limit"] = limit[:METRICS_TABLE_LIMIT_CHARS] + "…"
    emit(record, json_, title=f"dynamics of PCF({a}, {b}) at depth {depth}")


@app.command("canonical")
def canonical_command(
    a: str = typer.Option(..., "--a", help="Partial denominators a(n), e.g. '(2n+1)(6n^2+6n+2)'."),
    b: str = typer.Option(..., "--b", help="Partial numerators b(n), e.g. '-4n^6'."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Canonical form of PCF(a, b): the canonical PCF, its key, and how the input relates to it."""
    from .pcf.canonical import canonical
    from .pcf.fraction import PCF

    emit(canonical(PCF.parse(a, b)), json_, title="canonical form")


@app.command("identify")
def identify_command(
    value: Optional[str] = typer.Option(None, "--value", help="A decimal number, e.g. 1.2732395447351626862."),
    a: Optional[str] = typer.Option(None, "--a", help="Partial denominators a(n) of a PCF to identify."),
    b: Optional[str] = typer.Option(None, "--b", help="Partial numerators b(n) of a PCF to identify."),
    digits: Optional[int] = typer.Option(
        None, "--digits", help="Digits used to find a relation (default: those of --value less one; 50 for a PCF, re-checked at twice as many)."
    ),
    constants: Optional[str] = typer.Option(
        None, "--constants", help="Comma-separated bank names (default: the whole bank; two-constant relations among listed ones)."
    ),
    pairs: Optional[bool] = typer.Option(
        None, "--pairs/--no-pairs", help="Try two-constant relations (default: only among --constants; --pairs tries every bank pair)."
    ),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Find a closed form (rational, Möbius in one constant, or over two) for a value or a PCF's limit (exit 1 if none)."""
    import mpmath

    from .identification.identify import (
        DEFAULT_DIGITS,
        GUARD_DIGITS,
        RECHECK_FACTOR,
        InconclusiveError,
        identify,
        identify_pcf,
        parse_decimal,
        pcf_limit,
    )

    if value is not None and (a is not None or b is not None):
        raise BrounckerError("give either --value or --a and --b, not both")
    if value is None and (a is None or b is None):
        raise BrounckerError("give --value DECIMAL, or both --a and --b")
    try:
        if value is not None:
            found_digits = digits or max(1, parse_decimal(value)[1] - 1)
            shown = value.strip()
            result = identify(value, found_digits, constants, pairs=pairs)
        else:
            assert a is not None and b is not None
            found_digits = digits or DEFAULT_DIGITS
            limit = pcf_limit(a, b, RECHECK_FACTOR * found_digits + GUARD_DIGITS)
            shown = mpmath.nstr(limit.value, found_digits, strip_zeros=False)
            result = identify_pcf(a, b, found_digits, constants, pairs=pairs, limit=limit)
    except InconclusiveError as exc:
        err_console.print(f"inconclusive: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INCONCLUSIVE) from None
    if result is None:
        empty = {"value": shown, "digits": found_digits, "expression": None, "constants": [], "relation": None, "excess_digits": None}
        emit(empty, json_, title="no relation found")
        raise typer.Exit(EXIT_NEGATIVE)
    emit(result, json_, title="identification")


# --- search ---------------------------------------------------------------------------

FINDING_COLUMNS = ["id", "expression", "a", "b", "digits", "delta", "status"]
MAX_FINDINGS_SHOWN = 200  # rows of the final table; the rest are a query away
WORKERS_HELP = "Parallel workers: 0 runs serially in this process; default: every CPU (Ray)."
ADDRESS_HELP = "Join this Ray cluster (default: $RAY_ADDRESS, else a private local instance)."


def _search_outcome(report: Any, json_: bool) -> None:
    """Print a search report (findings table and summary, or JSON) and set the exit code."""
    if json_:
        emit(report, True)
    else:
        c = report.counters
        shown = report.findings[:MAX_FINDINGS_SHOWN]
        emit_rows(shown, title=f"findings of search {report.search_id} ({report.name})", columns=FINDING_COLUMNS)
        if len(report.findings) > len(shown):
            console.print(f"... and {len(report.findings) - len(shown)} more: brouncker query --search {report.search_id}", highlight=False)
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


@search_app.command("run")
def search_run_command(
    spec: str = typer.Argument(..., metavar="SPEC", help="A TOML search spec, e.g. searches/quickstart.toml."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_OPTION_HELP),
    address: Optional[str] = typer.Option(None, "--address", help=ADDRESS_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", min=0, help=WORKERS_HELP),
    json_: bool = typer.Option(False, "--json", help="Print the report as JSON (no progress bar)."),
) -> None:
    """Run the search of SPEC (the same spec again resumes it; nothing is stored twice)."""
    from .search.runner import run_search
    from .search.spec import load_spec
    from .store import open_store

    search_spec = load_spec(spec)
    with open_store(db) as store:
        report = run_search(store, search_spec, workers=workers, address=address, progress=not json_, console=err_console)
    _search_outcome(report, json_)


@search_app.command("resume")
def search_resume_command(
    search_id: int = typer.Argument(..., metavar="ID", help="The search's id (see 'search list')."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_OPTION_HELP),
    address: Optional[str] = typer.Option(None, "--address", help=ADDRESS_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", min=0, help=WORKERS_HELP),
    json_: bool = typer.Option(False, "--json", help="Print the report as JSON (no progress bar)."),
) -> None:
    """Run the shards of a stored search that are not done yet."""
    from .search.runner import resume_search
    from .store import open_store

    with open_store(db) as store:
        report = resume_search(store, search_id, workers=workers, address=address, progress=not json_, console=err_console)
    _search_outcome(report, json_)


@search_app.command("status")
def search_status_command(
    search_id: int = typer.Argument(..., metavar="ID", help="The search's id."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A search's state: shards by status, counters, and its spec (exit 1 when unknown)."""
    from .store import open_store

    with open_store(db) as store:
        row = store.search(search_id)
        failed = [s for s in store.shards(search_id, status="failed")] if row else []
    if row is None:
        err_console.print(f"no search with id {search_id}", markup=False, highlight=False)
        raise typer.Exit(EXIT_NEGATIVE)
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
    db: Optional[str] = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every search in the database, newest first."""
    from .store import open_store

    with open_store(db) as store:
        rows = store.searches()
    if json_:
        emit(rows, True)
        return
    emit_rows(rows, title="searches", columns=["id", "name", "status", "shards", "created_at", "updated_at"])


CLUSTER_COLUMNS = ("id", "plane", "label", "size", "anchors", "checked", "related", "candidate", "anchor")


@app.command("cluster")
def cluster_command(
    search_id: int = typer.Argument(..., metavar="SEARCH_ID", help="The search whose PCFs to cluster."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_OPTION_HELP),
    sample: int = typer.Option(400, "--sample", help="Members of each cluster checked against its label."),
    families: bool = typer.Option(True, "--families/--no-families", help="Look for parametric families."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Cluster a search's PCFs by convergence dynamics, label the clusters, and store them."""
    from .clustering.cluster import cluster_points
    from .store import open_store
    from .store.clusters import clustering_points, save_clustering

    with open_store(db) as store:
        if store.search(search_id) is None:
            raise BrounckerError(f"no search with id {search_id}")
        points = clustering_points(store, search_id)
        if not points:
            raise BrounckerError(f"search {search_id} has no dynamics records: run it with mode = \"dynamics\"")
        say = None if json_ else (lambda msg: err_console.print(msg, markup=False, highlight=False))
        clustering = cluster_points(points, check_sample=sample, families=families, progress=say)
        saved = save_clustering(store, search_id, clustering, points)
    ids = saved["cluster_ids"]
    if json_:
        data = clustering.as_dict()
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
               "families": len(clustering.families), "conjectures_added": saved["conjectures_added"],
               "seconds": clustering.seconds}
    emit(summary, False, title="summary")


@app.command("report")
def report_command(
    search_id: int = typer.Argument(..., metavar="SEARCH_ID", help="The search to report on (cluster it first)."),
    out: str = typer.Option("report.html", "--out", help="The HTML file to write."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_OPTION_HELP),
    top: int = typer.Option(6, "--top", help="Conjectures whose convergence is plotted."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Write a self-contained HTML report of a search: clusters, formulas, convergence, candidates."""
    from .report import write_report
    from .store import open_store

    with open_store(db) as store:
        if store.search(search_id) is None:
            raise BrounckerError(f"no search with id {search_id}")
        result = write_report(store, search_id, out, top=top)
    emit(result, json_, title="report")


def main() -> None:
    """Entry point of the console script: one line and exit 2 for a user's mistake."""
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else EXIT_OK)
    except BrounckerError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(EXIT_USAGE)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted", markup=False)
        sys.exit(130)
    except KeyboardInterrupt:
        err_console.print("interrupted", markup=False)
        sys.exit(130)
    except Exception as exc:  # click's usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
