"""``brouncker relate``: a certificate that two formulas are one recurrence in another basis."""

from __future__ import annotations

from typing import Any

import typer

from ..errors import BrounckerError, InconclusiveError
from ..limits import CERTIFICATE_DEGREE, DIGITS, FOLD, allow_large
from ..precision import RELATE_DIGITS
from .app import ALLOW_LARGE_HELP, DB_OPTION_HELP, EXIT_INCONCLUSIVE, EXIT_NEGATIVE, POLYNOMIAL_HELP, app
from .output import emit, err_console

SEARCH_IDS = typer.Argument(None, metavar="SEARCH_ID", show_default=False,
                            help="(Not yet available: the equivalence graph of stored searches.)")


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
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
    large: bool = typer.Option(False, "--allow-large", help=ALLOW_LARGE_HELP),
) -> None:
    """Certify that two formulas are equivalent: M1(n) U(n+1) = c(n) U(n) M2(n) between folds
    of them, checked exactly (exit 0; 1 when there is none within the bounds; 3 when their
    limits are not related)."""
    with allow_large(large):
        if search_ids:
            raise BrounckerError("relate SEARCH_ID … is not available yet; relate one pair with --a/--b/--to-a/--to-b or --id/--to-id")
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
