"""Commands that run and follow searches: search run/resume/status/list/plan, esma."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

import typer

from ..errors import BrounckerError
from ..esma.expansion import DEFAULT_COEFF_LIMIT, DEFAULT_CYCLES, DEFAULT_DEPTH, DEFAULT_LHS_DEGREE, IRREGULAR_START
from ..esma.sequences import DEFAULT_PRIME
from ..limits import (
    CMF_MAX_SPACE,
    CMF_MAX_TASK_SIZE,
    ESMA_MAX_SPACE,
    ESMA_MAX_TASK_SIZE,
    MAX_PLAN_SAMPLE_SECONDS,
    MAX_SHARDS,
    MAX_SPACE,
    MAX_SPEC_BYTES,
    MAX_TASK_SIZE,
    PLAN_SAMPLE_SECONDS,
    duration,
)
from .app import (
    ADDRESS_HELP,
    DB_OPTION_HELP,
    EXIT_INCONCLUSIVE,
    EXIT_INTERRUPTED,
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

if TYPE_CHECKING:
    from ..search.runner import SearchReport

ESMA_COLUMNS = ["lhs", "signs", "recurrence", "initial_terms", "digits", "convergence_rate"]
IN_MEMORY = "sqlite://"  # the store of `brouncker esma` without --db: nothing outlives the command
_CYCLES = f"{DEFAULT_CYCLES[0]}..{DEFAULT_CYCLES[1]}"


@app.command("esma")
def esma_command(
    constant: str | None = typer.Argument(None, help="A bank name or constant expression, e.g. e, tan1, 'besseli(1,2)/besseli(0,2)'."),
    spec: str | None = typer.Option(
        None, "--spec", help="An ESMA spec (e.g. searches/esma-e.toml) instead of CONSTANT and the search options."
    ),
    lhs_degree: int = typer.Option(DEFAULT_LHS_DEGREE, "--lhs-degree", help="Degree D of P and Q in the LHS P(c)/Q(c)."),
    coeff_limit: int = typer.Option(DEFAULT_COEFF_LIMIT, "--coeff-limit", help="Coefficients of P and Q lie in [-L, L]."),
    cycles: str = typer.Option(_CYCLES, "--cycles", help="Sign-period lengths K1..K2."),
    depth: int = typer.Option(DEFAULT_DEPTH, "--depth", help="Partial quotients extracted per (LHS, sign period)."),
    prime: int = typer.Option(DEFAULT_PRIME, "--prime", help="Prime of the Berlekamp-Massey filter."),
    irregular_start: bool = typer.Option(
        IRREGULAR_START, "--irregular-start", help="Also keep recurrences that hold only after some first terms."
    ),
    max_pairs: int | None = typer.Option(
        None, "--max-pairs", min=1, help=f"Raise the limit on (LHS, sign period) pairs (default {ESMA_MAX_SPACE:,})."
    ),
    workers: int = typer.Option(0, "--workers", min=0, help="0 runs in this process (the default); N runs on N Ray workers."),
    address: str | None = typer.Option(None, "--address", help=ADDRESS_HELP),
    db: str | None = typer.Option(
        None, "--db", help=DB_OPTION_HELP + " Giving it stores the results there (resumable with 'search resume')."
    ),
    store: bool | None = typer.Option(
        None, "--store/--no-store",
        help="Store the results in the database (default: when --db is given); otherwise the search runs on an in-memory store.",
    ),
    json_: bool = typer.Option(False, "--json", help="Print JSON rows."),
) -> None:
    """ESMA: signed continued fractions of P(c)/Q(c) whose partial quotients obey a short recurrence.

    A shortcut for 'search run' of an ESMA spec, on the same driver. Exit 0 with results, 1 when none.

    With --spec the settings come from the file; --workers, --address, --db, --store and --json still apply.
    """
    from ..esma.expansion import parse_cycles
    from ..search.kinds import plan_search
    from ..search.kinds.esma import ESMAConfig, ESMASpec, esma_rows
    from ..search.runner import run_search
    from ..search.spec import load_spec
    from ..store import open_store

    if spec is not None:
        if constant is not None:
            raise BrounckerError("give either CONSTANT or --spec, not both")
        loaded = load_spec(spec)
        if not isinstance(loaded, ESMASpec):
            raise BrounckerError(f"{spec}: a {loaded.kind} spec, not an ESMA one; run it with 'brouncker search run {spec}'")
        search_spec = loaded
    else:
        if constant is None:
            raise BrounckerError("missing CONSTANT (a bank name or expression, e.g. e) or --spec FILE")
        config = ESMAConfig(constant, lhs_degree, coeff_limit, parse_cycles(cycles), depth, prime, irregular_start)
        search_spec = ESMASpec.of(config, limits={"max_space": max_pairs} if max_pairs else {})
    plan = plan_search(search_spec)  # before any store is opened
    keep = store if store is not None else db is not None
    with open_store(db if keep else IN_MEMORY) as opened:
        report = run_search(opened, search_spec, plan=plan, workers=workers, address=address,
                            progress=not json_, console=err_console)
        rows = esma_rows(opened, report.search_id)
    if json_:
        emit(rows, True)
    else:
        emit_rows(rows, title=f"ESMA {search_spec.constant}: {len(rows)} results", columns=ESMA_COLUMNS)
        c = report.counters
        stored = f"; stored in search {report.search_id} ({report.written['conjectures']} new)" if keep else ""
        err_console.print(f"{int(c.get('pairs', 0)):,} (LHS, period) pairs, {int(c.get('approved', 0)):,} approved by Berlekamp-Massey, "
                          f"{int(c.get('verified', 0)):,} verified, {len(rows)} distinct values in {report.seconds:.2f} s{stored}",
                          markup=False, highlight=False)
    _report_failures(report, resume_command(report.search_id, db, address) if keep else None)
    raise typer.Exit(EXIT_OK if rows else EXIT_NEGATIVE)


# --- search ---------------------------------------------------------------------------

LIMITS_HELP = (
    f"Limits, checked before anything is written; a spec's \\[limits] table raises them on purpose: "
    f"max_space {MAX_SPACE:,} PCFs ({ESMA_MAX_SPACE:,} (LHS, sign period) pairs for ESMA, {CMF_MAX_SPACE:,} (parameters, "
    f"trajectory, start) triples for CMF), max_shards {MAX_SHARDS:,}, "
    f"max_task_size {MAX_TASK_SIZE:,} PCFs per shard ({ESMA_MAX_TASK_SIZE:,} pairs, {CMF_MAX_TASK_SIZE:,} triples). "
    f"A spec is a regular file of at most {MAX_SPEC_BYTES:,} bytes."
)
FINDINGS_PER_CONSTANT = 5  # rows of each constant in the final table; the rest are a query away


def resume_command(search_id: int, db: str | None = None, address: str | None = None) -> str:
    """The command that finishes a search, with the options it was run with.

    >>> resume_command(3, "sqlite:///my searches.db")
    "brouncker search resume 3 --db 'sqlite:///my searches.db'"
    """
    options = [*(("--db", db) if db else ()), *(("--address", address) if address else ())]
    return shlex.join(["brouncker", "search", "resume", str(search_id), *options])


def _report_failures(report: SearchReport, resume: str | None) -> None:
    """Failed shards on stderr; when interrupted, how to resume (``resume`` None: the search
    is not stored) and exit 130 for Ctrl-C, 3 when the Ray instance or cluster went away
    (one line naming it); exit 1 when shards failed."""
    for line in report.errors[:20]:
        err_console.print(f"failed {line}", markup=False, highlight=False, soft_wrap=True)
    if report.status == "interrupted":
        done = report.shards.get("done", 0)
        stopped = f"search {report.search_id} stopped with {done:,} of {sum(report.shards.values()):,} shards done"
        hint = f": resume with '{resume}'" if resume else ""
        if report.interruption is not None:
            err_console.print(f"error: {report.interruption}; {stopped}{hint}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_INCONCLUSIVE)
        err_console.print(f"interrupted{hint}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INTERRUPTED)
    if report.status == "failed":
        raise typer.Exit(EXIT_NEGATIVE)


def _search_outcome(report: SearchReport, json_: bool, store: Store, resume: str) -> None:
    """Print a search report (its formulas grouped by constant, most telling first, and a
    summary; or JSON) and set the exit code; ``resume`` is the command that finishes it."""
    from ..search.kinds import KINDS

    if json_:
        emit(report, True)
    else:
        c = report.counters
        details = store.get_conjectures([f.id for f in report.findings])
        emit_formulas(details, f"search {report.search_id} ({report.name})", per_group=FINDINGS_PER_CONSTANT,
                      more=lambda g: _more_command(g, report.search_id))
        items = KINDS[report.kind].summary  # the first always, the others when they counted something
        summary = ", ".join(f"{int(c.get(key, 0)):,} {words}" for i, (key, words) in enumerate(items) if i == 0 or c.get(key))
        console.print(
            f"search {report.search_id}: {report.status}; {summary}; "
            f"this run {report.seconds:.1f} s ({report.pcfs_per_second:,.0f} {report.unit}/s)",
            highlight=False,
        )
    _report_failures(report, resume)


def _more_command(group: ConstantGroup, search_id: int) -> str:
    """The command that lists every formula of a group."""
    from ..report.ranking import CANDIDATES, RATIONAL

    if group.name == CANDIDATES:
        return f"brouncker query --search {search_id} --candidates"
    if group.name == RATIONAL:
        return f"brouncker query --search {search_id}"
    return f"brouncker query --search {search_id} --constant {group.name.split(', ')[0]}"


@search_app.command("run", epilog=LIMITS_HELP)
def search_run_command(
    spec: str = typer.Argument(..., metavar="SPEC", help="A TOML search spec, e.g. searches/quickstart.toml."),
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    address: str | None = typer.Option(None, "--address", help=ADDRESS_HELP),
    workers: int | None = typer.Option(None, "--workers", min=0, help=WORKERS_HELP),
    json_: bool = typer.Option(False, "--json", help="Print the report as JSON (no progress bar)."),
) -> None:
    """Run the search of SPEC, of any kind (the same spec again resumes it; nothing is stored twice)."""
    from ..search.kinds import plan_search
    from ..search.runner import run_search
    from ..search.spec import load_spec
    from ..store import open_store

    search_spec = load_spec(spec)
    plan = plan_search(search_spec)  # limits and shards, before the store is touched
    with open_store(db) as store:
        report = run_search(store, search_spec, plan=plan, workers=workers, address=address, progress=not json_, console=err_console)
        _search_outcome(report, json_, store, resume_command(report.search_id, db, address))


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
        _search_outcome(report, json_, store, resume_command(search_id, db, address))


@search_app.command("status")
def search_status_command(
    search_id: int = typer.Argument(..., metavar="ID", help="The search's id."),
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A search's state: shards by status, counters, its driver, and its spec (exit 1 when unknown).

    A search whose driver went away without a word (killed, or taken down with its Ray
    instance) shows as interrupted, with the time its driver was last seen and the
    command that finishes it ('resume' in JSON; null when there is nothing to resume)."""
    from ..store import open_store

    with open_store(db, read_only=True) as store:
        found = store.search(search_id)
        failed = store.shards(search_id, status="failed") if found else []
    if found is None:
        err_console.print(f"no search with id {search_id}", markup=False, highlight=False)
        raise typer.Exit(EXIT_NEGATIVE)
    row = found.as_dict()
    row["failed_shards"] = [{"shard": s.shard_index, "error": s.error} for s in failed]
    row["resume"] = resume_command(search_id, db) if found.status == "interrupted" else None
    if json_:
        emit(row, True)
        return
    shown = {k: v for k, v in row.items() if k not in ("spec", "counters", "failed_shards", "resume", "no_driver_since")}
    emit({**shown, "status": found.status_text}, False, title=f"search {search_id}")
    if row.get("counters"):
        emit(row["counters"], False, title="counters")
    if row["failed_shards"]:
        emit_rows(row["failed_shards"], title="failed shards")
    if row["resume"]:
        console.print(f"resume it with: {row['resume']}", markup=False, highlight=False, soft_wrap=True)


@search_app.command("list")
def search_list_command(
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every search in the database, newest first (one whose driver went away shows as interrupted)."""
    from ..store import open_store

    with open_store(db, read_only=True) as store:
        rows = store.searches()
    if json_:
        emit(rows, True)
        return
    emit_rows([{**r.as_dict(), "status": r.status_text} for r in rows], title="searches",
              columns=["id", "name", "status", "shards", "created_at", "updated_at"])
    for r in rows:
        if r.status == "interrupted":
            console.print(f"resume search {r.id} with: {resume_command(r.id, db)}", markup=False, highlight=False, soft_wrap=True)


@search_app.command("plan", epilog=LIMITS_HELP)
def search_plan_command(
    spec: str = typer.Argument(..., metavar="SPEC", help="A TOML search spec of any kind."),
    workers: int | None = typer.Option(None, "--workers", min=0, help="Workers to estimate for: 0 serial; default: every CPU (Ray)."),
    sample_seconds: float = typer.Option(
        PLAN_SAMPLE_SECONDS, "--sample-seconds", min=0.1, max=MAX_PLAN_SAMPLE_SECONDS, help="Time spent running sample tasks."
    ),
    json_: bool = typer.Option(False, "--json", help="Print JSON: pcfs, shards, estimated_seconds (and the sample)."),
) -> None:
    """The size of SPEC's space, its shards, and an estimate of the time on this machine.

    The estimate scales a timed sample of real tasks, run here serially; nothing is written to any database.

    For an ESMA spec, 'pcfs' counts (LHS, sign period) pairs; for a CMF spec, (parameters, trajectory, start) triples.
    """
    from ..search.estimate import estimate_search
    from ..search.spec import load_spec

    estimate = estimate_search(load_spec(spec), workers=workers, budget=sample_seconds)
    if json_:
        emit(estimate, True)
        return
    rows = {
        "spec": spec,
        "search": f"{estimate.name} ({estimate.kind})",
        "space": f"{estimate.pcfs:,} {estimate.unit}",
        "shards": f"{estimate.shards:,}",
        "sample": f"{estimate.sample_units:,} {estimate.unit} in {estimate.sample_seconds:.2f} s",
        "estimated time": f"{duration(estimate.estimated_seconds)} on {estimate.workers} worker(s)",
    }
    emit(rows, False)
