"""``brouncker import FILE``: a collection of formulas from a file, as a search of kind ``import``."""

from __future__ import annotations

import typer

from ..limits import IMPORT_FILE_BYTES, IMPORT_ROWS, allow_large
from .app import ADDRESS_HELP, ALLOW_LARGE_HELP, DB_OPTION_HELP, POLYNOMIAL_HELP, WORKERS_HELP, app
from .output import console, emit, emit_formulas, err_console

IMPORT_HELP = (
    f"CSV with a header, or JSON lines: columns a, b (polynomials in n: {POLYNOMIAL_HELP}; '4*n**2 + 8*n - 5' works too), "
    f"value (optional: the claimed value, e.g. 4/pi) and source (optional free text). At most {IMPORT_ROWS.default:,} rows "
    f"and {IMPORT_FILE_BYTES.default:,} bytes; more with --allow-large."
)
SKIPPED_SHOWN = 20  # skipped rows listed on stderr; --json lists them all


@app.command("import", epilog=IMPORT_HELP)
def import_command(
    file: str = typer.Argument(..., metavar="FILE", help="The formulas: a .csv file with a header, or .jsonl (JSON lines)."),
    name: str | None = typer.Option(None, "--name", help="The search's name (default: the file's name)."),
    skip_bad: bool = typer.Option(
        False, "--skip-bad", help="Import the rows that parse and list the others (default: a bad row imports nothing)."
    ),
    digits: int | None = typer.Option(
        None, "--digits", help="Digits of identification (re-checked at twice as many) and of claim verification (default 30)."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    address: str | None = typer.Option(None, "--address", help=ADDRESS_HELP),
    workers: int | None = typer.Option(None, "--workers", min=0, help=WORKERS_HELP),
    large: bool = typer.Option(False, "--allow-large", help=ALLOW_LARGE_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON: search_id, rows, formulas, duplicates, identified, claims_verified, "
                               "claims_refuted, skipped (a list of {line, reason}), and more."),
) -> None:
    """Import a collection of formulas: each distinct formula gets its limit, an identification from the PCF alone,
    the verification of its claimed value and its dynamics record.

    Rows with one canonical form are one formula that keeps every row as a source; the same file again adds nothing.
    A bad row is reported as FILE:LINE: reason and nothing is imported (exit 2), unless --skip-bad.
    """
    from ..search.kinds.imports import ImportReport, import_spec, plan_import
    from ..search.runner import run_search
    from ..store import open_store
    from .searches import _more_command, _report_failures, resume_command

    with allow_large(large):
        spec = import_spec(file, name=name, skip_bad=skip_bad, digits=digits)  # every row checked before the store is opened
        plan = plan_import(spec)
        with open_store(db) as store:
            report = run_search(store, spec, plan=plan, workers=workers, address=address, progress=not json_, console=err_console)
            result = ImportReport.of(spec, report)
            if not json_:
                details = store.get_conjectures([f.id for f in report.findings])
                emit_formulas(details, f"import {report.search_id} ({spec.name})", per_group=5,
                              more=lambda g: _more_command(g, report.search_id))
    if json_:
        emit(result, True)
    else:
        for row in result.skipped[:SKIPPED_SHOWN]:
            err_console.print(f"skipped {file}:{row['line']}: {row['reason']}", markup=False, highlight=False, soft_wrap=True)
        if len(result.skipped) > SKIPPED_SHOWN:
            err_console.print(f"... and {len(result.skipped) - SKIPPED_SHOWN} more skipped rows (--json lists them all)", markup=False)
        console.print(
            f"import {result.search_id} ({result.name}): {result.rows:,} rows, {result.formulas:,} formulas, {result.duplicates:,} "
            f"duplicates, {result.identified:,} identified from the PCF alone, claims {result.claims_verified:,} verified, "
            f"{result.claims_refuted:,} refuted, {result.claims_inconclusive:,} inconclusive; {len(result.skipped):,} rows skipped; "
            f"{result.written.get('conjectures', 0):,} new conjectures in {result.seconds:.1f} s",
            markup=False, highlight=False,
        )
    _report_failures(report, resume_command(report.search_id, db, address))
