"""Commands on one formula: verify, identify, metrics, canonical."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import typer

from ..convergence.dynamics import DEFAULT_DEPTH
from ..convergence.verify import DEFAULT_MAX_DEPTH, MAX_DEPTH_PER_DIGIT
from ..errors import BrounckerError
from ..limits import DEPTH, DIGITS, IDENTIFY_RAISE_DIGITS, allow_large
from .app import ALLOW_LARGE_HELP, DB_OPTION_HELP, EXIT_CODES, EXIT_INCONCLUSIVE, EXIT_NEGATIVE, POLYNOMIAL_HELP, app
from .output import emit, err_console

if TYPE_CHECKING:
    from ..convergence.verify import Verification


@app.command("verify")
def verify_command(
    conjecture_id: int | None = typer.Argument(None, metavar="[ID]", help="A stored conjecture to verify."),
    a: str | None = typer.Option(None, "--a", help=f"Partial denominators a(n), e.g. '34n^3+51n^2+27n+5' ({POLYNOMIAL_HELP})."),
    b: str | None = typer.Option(None, "--b", help="Partial numerators b(n), e.g. '-n^6'."),
    constant: str | None = typer.Option(None, "--constant", help="Constant expression, e.g. '6/zeta(3)'."),
    digits: int = typer.Option(..., "--digits", help=f"Digits that must agree ({DIGITS.help})."),
    max_depth: int | None = typer.Option(
        None, "--max-depth",
        help=f"Depth budget (default {DEFAULT_MAX_DEPTH} or {MAX_DEPTH_PER_DIGIT}*digits, whichever is larger; {DEPTH.help}).",
    ),
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
    large: bool = typer.Option(False, "--allow-large", help=ALLOW_LARGE_HELP),
) -> None:
    """Verify that PCF(a, b) equals CONSTANT to DIGITS digits (exit 0 verified, 1 refuted, 3 inconclusive)."""
    with allow_large(large):
        _verify(conjecture_id, a, b, constant, digits, max_depth, db, json_)


def _verify(conjecture_id: int | None, a: str | None, b: str | None, constant: str | None, digits: int, max_depth: int | None,
            db: str | None, json_: bool) -> None:
    from ..convergence.verify import verify

    DIGITS.check(digits)  # before a database is opened
    if max_depth is not None:
        DEPTH.check(max_depth, "--max-depth")
    if conjecture_id is not None:
        if a is not None or b is not None or constant is not None:
            raise BrounckerError("give either a stored conjecture ID or --a/--b/--constant, not both")
        from .store import verify_stored

        result, seconds = verify_stored(conjecture_id, digits, max_depth, db)
    else:
        missing = [name for name, value in (("--a", a), ("--b", b), ("--constant", constant)) if value is None]
        if missing:
            raise BrounckerError(f"missing {', '.join(missing)} (or give a stored conjecture ID)")
        assert a is not None and b is not None and constant is not None
        started = time.perf_counter()
        result = verify(a, b, constant, digits, max_depth=max_depth)
        seconds = time.perf_counter() - started
    emit(verification_json(result, seconds), json_, title="verification")
    raise typer.Exit(EXIT_CODES[result.verdict])


def verification_json(result: Verification, seconds: float) -> dict[str, Any]:
    """The command line's fields of a verification: the result's, with the wall-clock
    ``seconds`` it took just before the verdict."""
    out: dict[str, Any] = {}
    for key, value in result.as_dict().items():
        if key == "verdict":
            out["seconds"] = seconds
        out[key] = value
    return out


METRICS_TABLE_LIMIT_CHARS = 60  # the table shows this much of the limit; --json prints all of it


@app.command("metrics")
def metrics_command(
    a: str = typer.Option(..., "--a", help=f"Partial denominators a(n), e.g. '34n^3+51n^2+27n+5' ({POLYNOMIAL_HELP})."),
    b: str = typer.Option(..., "--b", help="Partial numerators b(n), e.g. '-n^6'."),
    depth: int = typer.Option(DEFAULT_DEPTH, "--depth", help=f"Depth N of the walk; the samples go up to N/2 ({DEPTH.help})."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
    large: bool = typer.Option(False, "--allow-large", help=ALLOW_LARGE_HELP),
) -> None:
    """Convergence-dynamics record of PCF(a, b): limit, digits, delta, FR, eigenvalues, fits."""
    from ..convergence.dynamics import dynamics
    from ..pcf.polynomial import parse

    with allow_large(large):
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
    large: bool = typer.Option(False, "--allow-large", help=ALLOW_LARGE_HELP),
) -> None:
    """Canonical form of PCF(a, b): the canonical PCF, its key, and how the input relates to it."""
    from ..pcf.canonical import canonical
    from ..pcf.fraction import PCF

    with allow_large(large):
        emit(canonical(PCF.parse(a, b)), json_, title="canonical form")


@app.command("identify")
def identify_command(
    value: str | None = typer.Option(None, "--value", help=f"A decimal number, e.g. 1.2732395447351626862 ({DIGITS.help} digits)."),
    a: str | None = typer.Option(None, "--a", help="Partial denominators a(n) of a PCF to identify."),
    b: str | None = typer.Option(None, "--b", help="Partial numerators b(n) of a PCF to identify."),
    digits: int | None = typer.Option(
        None, "--digits",
        help=f"Digits used to find a relation (default: those of --value less one; for a PCF 50, then twice as many while nothing is "
             f"found and it converges fast, up to {IDENTIFY_RAISE_DIGITS:,}; a PCF's are re-checked at twice as many; {DIGITS.help}).",
    ),
    constants: str | None = typer.Option(
        None, "--constants", help="Comma-separated bank names (default: the whole bank; two-constant relations among listed ones)."
    ),
    pairs: bool | None = typer.Option(
        None, "--pairs/--no-pairs", help="Try two-constant relations (default: only among --constants; --pairs tries every bank pair)."
    ),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
    large: bool = typer.Option(False, "--allow-large", help=ALLOW_LARGE_HELP),
) -> None:
    """Find a closed form (rational, Möbius in one constant, or over two) for a value or a PCF's limit (exit 1 if none)."""
    with allow_large(large):
        _identify(value, a, b, digits, constants, pairs, json_)


def _identify(value: str | None, a: str | None, b: str | None, digits: int | None, constants: str | None, pairs: bool | None,
              json_: bool) -> None:
    import mpmath

    from ..errors import InconclusiveError
    from ..identification.identify import DEFAULT_DIGITS, identify, identify_pcf_attempt, parse_decimal

    if value is not None and (a is not None or b is not None):
        raise BrounckerError("give either --value or --a and --b, not both")
    if digits is not None and digits < 1:
        raise BrounckerError(f"--digits must be a positive number of digits, got {digits}")
    if value is None and (a is None or b is None):
        raise BrounckerError("give --value DECIMAL, or both --a and --b")
    if digits is not None:
        DIGITS.check(digits)  # before a PCF's limit is computed to twice as many
    try:
        if value is not None:
            found_digits = digits or max(1, parse_decimal(value)[1] - 1)
            shown = value.strip()
            result = identify(value, found_digits, constants, pairs=pairs)
        else:
            assert a is not None and b is not None
            top = digits or max(DEFAULT_DIGITS, IDENTIFY_RAISE_DIGITS)  # without --digits: raised while nothing is found
            attempt = identify_pcf_attempt(a, b, digits or DEFAULT_DIGITS, constants, pairs=pairs, max_digits=top)
            found_digits, result = attempt.digits, attempt.found
            shown = mpmath.nstr(attempt.limit.value, found_digits, strip_zeros=False)
    except InconclusiveError as exc:
        err_console.print(f"inconclusive: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INCONCLUSIVE) from None
    if result is None:
        empty = {"value": shown, "digits": found_digits, "expression": None, "constants": [], "relation": None, "excess_digits": None}
        emit(empty, json_, title="no relation found")
        raise typer.Exit(EXIT_NEGATIVE)
    emit(result, json_, title="identification")
