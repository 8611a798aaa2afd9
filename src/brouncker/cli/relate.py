"""``brouncker relate``: a certificate that two formulas are one recurrence in another basis, and
the equivalence graph of stored searches (``relate SEARCH_ID …``, ``relate --check SEARCH_ID``)."""

from __future__ import annotations

import time
from typing import Any

import typer

from ..errors import BrounckerError, InconclusiveError
from ..limits import CERTIFICATE_DEGREE, DIGITS, FOLD, allow_large
from ..precision import RELATE_DIGITS
from .app import (
    ADDRESS_HELP,
    ALLOW_LARGE_HELP,
    DB_OPTION_HELP,
    EXIT_INCONCLUSIVE,
    EXIT_NEGATIVE,
    POLYNOMIAL_HELP,
    WORKERS_HELP,
    app,
)
from .output import console, emit, emit_rows, err_console

SEARCH_IDS = typer.Argument(None, metavar="SEARCH_ID", show_default=False,
                            help="Stored searches (imports included): the certified edges among their formulas and the known "
                                 "fields' trajectories, and the equivalence classes.")
CLASSES_SHOWN = 30  # classes listed in the table; --json lists them all


@app.command("relate")
def relate_command(
    search_ids: list[int] | None = SEARCH_IDS,
    a: str | None = typer.Option(None, "--a", help=f"a(n) of the first formula, e.g. '2n+1' ({POLYNOMIAL_HELP})."),
    b: str | None = typer.Option(None, "--b", help="b(n) of the first formula, e.g. 'n^2'."),
    to_a: str | None = typer.Option(None, "--to-a", help="a(n) of the second formula."),
    to_b: str | None = typer.Option(None, "--to-b", help="b(n) of the second formula."),
    conjecture_id: int | None = typer.Option(None, "--id", help="A stored conjecture: the first formula."),
    to_id: int | None = typer.Option(None, "--to-id", help="A stored conjecture: the second formula."),
    max_fold: int = typer.Option(FOLD.default, "--max-fold", help=f"Try the folds of both sides up to this k ({FOLD.help})."),
    max_degree: int = typer.Option(CERTIFICATE_DEGREE.default, "--max-degree",
                                   help=f"Largest degree of the entries of U(n) ({CERTIFICATE_DEGREE.help})."),
    digits: int = typer.Option(RELATE_DIGITS, "--digits",
                               help="Digits at which the two limits are related (re-checked at twice as many)."),
    check: bool = typer.Option(False, "--check", help="Re-check every stored certificate of the searches exactly (exit 1 naming "
                               "the first that fails)."),
    fields: str | None = typer.Option(None, "--fields", help="With SEARCH_ID: the known fields whose trajectories are nodes, "
                                      "comma-separated (default: every field cmf explain indexes; 'none' for none)."),
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    address: str | None = typer.Option(None, "--address", help=ADDRESS_HELP),
    workers: int | None = typer.Option(None, "--workers", min=0, help=WORKERS_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
    large: bool = typer.Option(False, "--allow-large", help=ALLOW_LARGE_HELP),
) -> None:
    """Certify that two formulas are equivalent: M1(n) U(n+1) = c(n) U(n) M2(n) between folds
    of them, checked exactly (exit 0; 1 when there is none within the bounds; 3 when their
    limits are not related).

    With SEARCH_ID …: the equivalence graph of the searches' formulas and the known fields'
    trajectories, as a search of kind relate (resumable); with --check, every stored
    certificate re-checked."""
    with allow_large(large):
        if check:
            _check(search_ids, db, json_)
            return
        if search_ids:
            if any(v is not None for v in (a, b, to_a, to_b, conjecture_id, to_id)):
                raise BrounckerError("give either SEARCH_ID … or one pair (--a/--b/--to-a/--to-b or --id/--to-id), not both")
            _graph(search_ids, fields, max_fold, max_degree, digits, db, workers, address, json_)
            return
        FOLD.check(max_fold, "--max-fold")
        CERTIFICATE_DEGREE.check(max_degree, "--max-degree")
        DIGITS.check(digits)
        pcf_from, pcf_to = _pair(a, b, to_a, to_b, conjecture_id, to_id, db)
        from ..equivalence.find import find_certificate

        try:
            cert = find_certificate(pcf_from, pcf_to, max_fold=max_fold, max_degree=max_degree, digits=digits)
        except InconclusiveError as exc:
            err_console.print(f"inconclusive: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_INCONCLUSIVE) from None
    if cert is None:
        err_console.print(f"no certificate relates {pcf_from} and {pcf_to} with folds up to {max_fold} and U of degree "
                          f"up to {max_degree}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_NEGATIVE)
    emit(cert.as_dict() if json_ else _table(cert), json_, title="certificate of equivalence")


def _graph(search_ids: list[int], fields: str | None, max_fold: int, max_degree: int, digits: int, db: str | None,
           workers: int | None, address: str | None, json_: bool) -> None:
    """``relate SEARCH_ID …``: run the relate search and print the graph."""
    from ..search.kinds.relate import graph_report, plan_relate, relate_spec
    from ..search.runner import run_search
    from ..store import open_store
    from .searches import _report_failures, resume_command

    FOLD.check(max_fold, "--max-fold")
    CERTIFICATE_DEGREE.check(max_degree, "--max-degree")
    DIGITS.check(digits)
    names = None if fields is None else [f.strip() for f in fields.split(",") if f.strip() and f.strip() != "none"]
    say = None if json_ else (lambda m: err_console.print(m, markup=False, highlight=False, soft_wrap=True))
    with open_store(db) as store:
        started = time.perf_counter()
        spec = relate_spec(store, search_ids, fields=names, max_fold=max_fold, max_degree=max_degree, digits=digits, progress=say)
        run = run_search(store, spec, plan=plan_relate(spec), workers=workers, address=address, progress=not json_, console=err_console)
        report = graph_report(store, run.search_id, spec, status=str(run.status), seconds=round(time.perf_counter() - started, 3),
                              errors=run.errors)
    if json_:
        emit(report, True)
    else:
        shown = [c for c in report.classes if len(c.members) > 1 or c.fields]
        rows = [{"members": ", ".join(map(str, c.members)),
                 "fields": "; ".join(f"{f['field']} {tuple(f['trajectory'])} from {tuple(f['start'])}" for f in c.fields)}
                for c in shown[:CLASSES_SHOWN]]
        emit_rows(rows, title=f"relate {report.search_id}: classes with more than one formula, or a field", columns=("members", "fields"))
        if len(shown) > CLASSES_SHOWN:
            console.print(f"... and {len(shown) - CLASSES_SHOWN} more classes (--json lists them all)", markup=False)
        console.print(f"relate {report.search_id}: {report.formulas:,} formulas, {report.pairs:,} candidate pairs, {report.pairs_tried:,} "
                      f"tried, {len(report.edges):,} certified edges, {len(report.classes):,} classes; {report.related:,} formulas "
                      f"related to another or to a field, {report.unified:,} unified with a field ({report.seconds:.1f} s)",
                      markup=False, highlight=False)
    _report_failures(run, resume_command(run.search_id, db, address))


def _check(search_ids: list[int] | None, db: str | None, json_: bool) -> None:
    """``relate --check SEARCH_ID``: every stored certificate re-checked (exit 1 at the first that fails)."""
    from ..search.kinds.relate import check_edges
    from ..store import open_store

    if not search_ids or len(search_ids) != 1:
        raise BrounckerError("relate --check takes one SEARCH_ID")
    with open_store(db, create=False, read_only=True) as store:
        checked, failed = check_edges(store, search_ids[0])
    result = {"search_id": search_ids[0], "checked": checked, "holds": failed is None,
              "failed": None if failed is None else {"edge": failed[0].id, "from_id": failed[0].from_id, "to_id": failed[0].to_id,
                                                     "to_key": failed[0].to_key, "reason": failed[1]}}
    if json_:
        emit(result, True)
    elif failed is None:
        console.print(f"search {search_ids[0]}: all {checked:,} stored certificates hold", markup=False, highlight=False)
    if failed is not None:
        edge, why = failed
        err_console.print(f"edge {edge.id} ({edge.from_key} to {edge.to_key}) does not hold: {why}", markup=False, highlight=False,
                          soft_wrap=True)
        raise typer.Exit(EXIT_NEGATIVE)


def _pair(a: str | None, b: str | None, to_a: str | None, to_b: str | None, conjecture_id: int | None, to_id: int | None,
          db: str | None) -> tuple[Any, Any]:
    """The two PCFs, from polynomial text or from the store."""
    from ..pcf.fraction import PCF

    texts = {"--a": a, "--b": b, "--to-a": to_a, "--to-b": to_b}
    ids = {"--id": conjecture_id, "--to-id": to_id}
    given_texts = [k for k, v in texts.items() if v is not None]
    given_ids = [k for k, v in ids.items() if v is not None]
    if given_texts and given_ids:
        raise BrounckerError("give either --a/--b/--to-a/--to-b or --id/--to-id, not both")
    if given_ids:
        if len(given_ids) != 2:
            raise BrounckerError(f"missing {', '.join(k for k in ids if ids[k] is None)}")
        assert conjecture_id is not None and to_id is not None
        return _stored(conjecture_id, to_id, db)
    missing = [k for k, v in texts.items() if v is None]
    if missing:
        raise BrounckerError(f"missing {', '.join(missing)} (or give two stored conjectures with --id and --to-id)")
    assert a is not None and b is not None and to_a is not None and to_b is not None
    return PCF.parse(a, b), PCF.parse(to_a, to_b)


def _stored(first: int, second: int, db: str | None) -> tuple[Any, Any]:
    from ..pcf.fraction import PCF
    from ..records import ConjectureKind
    from ..store import open_store

    out = []
    with open_store(db, create=False, read_only=True) as store:
        for conjecture_id in (first, second):
            detail = store.get_conjecture(conjecture_id)
            if detail is None:
                raise BrounckerError(f"no conjecture with id {conjecture_id}")
            row = detail.conjecture
            if row.kind is not ConjectureKind.PCF or not row.a or not row.b:
                raise BrounckerError(f"conjecture {conjecture_id} is no single continued fraction (kind {row.kind}): nothing to relate")
            out.append(PCF.parse(row.a, row.b))
    return out[0], out[1]


def _table(cert: Any) -> dict[str, str]:
    """The certificate as two columns of text."""
    def fold_text(f: Any) -> str:
        if f.k == 1:
            return "the PCF itself"
        return f"{f.k}-fold, r = {f.r}: {f.pcf}, original = {f.mobius.text('V')}"

    (u00, u01), (u10, u11) = cert.U
    return {
        "from": str(cert.from_pcf),
        "to": str(cert.to_pcf),
        "fold_from": fold_text(cert.fold_from),
        "fold_to": fold_text(cert.fold_to),
        "U(n)": f"[[{u00}, {u01}], [{u10}, {u11}]]",
        "c(n)": cert.c,
        "identity": "M1(n) U(n+1) = c(n) U(n) M2(n), checked exactly",
        "value map": f"value(from) = {cert.mobius.text('V')}, V = value(to)",
    }
