"""Commands on conservative matrix fields: cmf list, check, walk, pcf, explain."""

from __future__ import annotations

import time
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import typer

from ..errors import BrounckerError, FieldError
from ..limits import CMF_MAX_COORDINATE, CMF_MAX_DEPTH, CMF_MAX_EXPLAIN_ITEMS, CMF_MAX_NORM
from .app import DB_OPTION_HELP, EXIT_NEGATIVE, EXIT_OK, app
from .output import console, emit, emit_rows, err_console

if TYPE_CHECKING:
    from ..cmf.explain import FieldGrid
    from ..cmf.field import CMF

cmf_app = typer.Typer(help="Conservative matrix fields: known fields, walks, their PCFs, and which stored formulas they explain.",
                      no_args_is_help=True)
app.add_typer(cmf_app, name="cmf")

PARAMETERS_HELP = "Values of the field's parameters, e.g. 'c0=0,c1=1,c2=0,c3=1' or 'z=1/2'."
LIST_COLUMNS = ("name", "rank", "axes", "parameters", "description", "example")
LINK_COLUMNS = ("conjecture", "expression", "field", "parameters", "trajectory", "start", "method", "value_map", "closed_form")
HYPERGEOMETRIC_FIELDS = ("1F1", "2F1")
MAX_LINKS_SHOWN = 200  # rows of the links table; --json prints every one


# --- parsing ------------------------------------------------------------------------------


def _field(name: str, parameters: str | None, free: bool = False) -> CMF:
    """The known field ``name`` with ``--parameters`` substituted; ``free`` allows parameters to stay free."""
    from ..cmf.known import field_shape, known_field

    values = _parameters(parameters)
    field_shape(name)  # an unknown name is refused before anything is built
    field = known_field(name, **values)
    if field.parameters and not free:
        names = ", ".join(map(str, field.parameters))
        raise FieldError(f"field {name} has free parameters ({names}): give their values with --parameters, e.g. "
                         f"'{','.join(f'{p}=1' for p in field.parameters)}'")
    return field


def _parameters(text: str | None) -> dict[str, Fraction]:
    """``'c0=1,z=1/2'`` as a dict of rationals."""
    from ..cmf.space import rational

    out: dict[str, Fraction] = {}
    if not text or not text.strip():
        return out
    for part in text.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name:
            raise FieldError(f"--parameters: {part.strip()!r} is not NAME=VALUE (e.g. 'c0=1,z=1/2')")
        if name in out:
            raise FieldError(f"--parameters: {name} is given twice")
        out[name] = _bounded(rational(value, f"--parameters {name}"), f"--parameters {name}")
    return out


def _bounded(value: Fraction, what: str) -> Fraction:
    if abs(value.numerator) > CMF_MAX_COORDINATE or value.denominator > CMF_MAX_COORDINATE:
        shown = str(value) if len(str(value)) <= 30 else str(value)[:27] + "..."
        raise FieldError(f"{what}: {shown} is too large (numerators and denominators lie within {CMF_MAX_COORDINATE:,})")
    return value


def _trajectory(text: str) -> tuple[int, ...]:
    """``'1,1'`` as integers, each within ±``CMF_MAX_NORM``."""
    from ..cmf.space import ascii_text

    ascii_text(text, "--trajectory")
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise FieldError(f"--trajectory {text!r}: give integers separated by commas, e.g. 1,1") from None
    if any(abs(v) > CMF_MAX_NORM for v in values):
        raise FieldError(f"--trajectory {text!r}: entries lie within ±{CMF_MAX_NORM} (a step multiplies that many matrices per axis)")
    return values


def _start(text: str) -> tuple[Fraction, ...]:
    """``'1,1/2'`` as rationals."""
    from ..cmf.space import rational

    return tuple(_bounded(rational(v, "--start"), "--start") for v in text.split(","))


def _depth(depth: int) -> int:
    if not 1 <= depth <= CMF_MAX_DEPTH:
        raise BrounckerError(f"--depth must lie between 1 and {CMF_MAX_DEPTH:,}, not {depth:,}")
    return depth


def _walk_header(name: str, trajectory: tuple[int, ...], start: tuple[Fraction, ...], parameters: str | None) -> dict[str, Any]:
    from ..cmf.space import rational_text

    return {"field": name, "parameters": {k: rational_text(v) for k, v in _parameters(parameters).items()},
            "trajectory": list(trajectory), "start": [rational_text(v) for v in start]}


# --- list, check, walk, pcf ------------------------------------------------------------------


@cmf_app.command("list")
def list_command(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The known fields: rank, axes, parameters, and an example trajectory."""
    from ..cmf.known import known_fields

    rows = []
    for k in known_fields():
        row = k.as_dict()
        example = row["example"]
        if not json_:
            row["axes"], row["parameters"] = ", ".join(row["axes"]), ", ".join(row["parameters"])
            shown = f"{tuple(example['trajectory'])} from {tuple(example['start'])} → {example['limit']}" if example is not None else ""
            row["example"] = shown
        rows.append(row)
    if json_:
        emit(rows, True)
    else:
        emit_rows(rows, title="known conservative matrix fields", columns=LIST_COLUMNS)


@cmf_app.command("check")
def check_command(
    name: str = typer.Argument(..., metavar="NAME", help="A known field (see 'cmf list')."),
    parameters: str | None = typer.Option(None, "--parameters", help=PARAMETERS_HELP + " Parameters not given stay symbolic."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check that a field conserves, symbolically (exit 0 when it does, 1 naming the failing entry when not)."""
    from ..cmf.field import conservation

    result = conservation(_field(name, parameters, free=True))
    if json_:
        emit(result, True)
    else:
        console.print(f"{result.field}: {'conserves' if result.conserves else 'does not conserve'} ({result.pairs} pairs of axes)",
                      highlight=False)
        for failure in result.failures:
            console.print(failure.message(), markup=False, highlight=False)
    raise typer.Exit(EXIT_OK if result.conserves else EXIT_NEGATIVE)


@cmf_app.command("walk")
def walk_command(
    name: str = typer.Argument(..., metavar="NAME", help="A known field (see 'cmf list')."),
    trajectory: str = typer.Option(..., "--trajectory", help="The trajectory, one integer per axis, e.g. 1,1."),
    start: str = typer.Option(..., "--start", help="The start, one rational per axis, e.g. 1,1 or 1/2,1."),
    depth: int = typer.Option(1000, "--depth", help=f"Steps of the walk (at most {CMF_MAX_DEPTH:,}); δ is blind, against twice the depth."),
    parameters: str | None = typer.Option(None, "--parameters", help=PARAMETERS_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON: limit (decimal text), digits, depth, delta."),
) -> None:
    """Walk a trajectory exactly: the approximant W[0,-1]/W[1,-1] at DEPTH, its trustworthy digits, and δ."""
    from ..cmf.walk import approximate

    t, s, n = _trajectory(trajectory), _start(start), _depth(depth)
    field = _field(name, parameters)
    result = approximate(field, t, s, n)
    data = {**result.as_dict(), **_walk_header(name, t, s, parameters)}
    if not json_ and data["limit"] is not None and len(data["limit"]) > 80:
        data["limit"] = data["limit"][:80] + "…"
    emit(data, json_, title=f"walk of {name} along {t} from ({start})")


@cmf_app.command("pcf")
def pcf_command(
    name: str = typer.Argument(..., metavar="NAME", help="A known field (see 'cmf list')."),
    trajectory: str = typer.Option(..., "--trajectory", help="The trajectory, one integer per axis, e.g. 1,1."),
    start: str = typer.Option(..., "--start", help="The start, one rational per axis, e.g. 1,1."),
    parameters: str | None = typer.Option(None, "--parameters", help=PARAMETERS_HELP),
    latex: bool = typer.Option(False, "--latex", help="Also give the trajectory matrix in LaTeX."),
    json_: bool = typer.Option(False, "--json", help="Print JSON: a, b, key (as 'canonical'), class_key, the value map."),
) -> None:
    """The PCF of a rank-2 trajectory (canonical), its shift class, and the map from its value to the limit."""
    from ..cmf.companion import trajectory_pcf
    from ..cmf.trajectory import trajectory_matrix

    t, s = _trajectory(trajectory), _start(start)
    tm = trajectory_matrix(_field(name, parameters), t, s)
    tp = trajectory_pcf(tm)
    data = {**tp.as_dict(), **_walk_header(name, t, s, parameters)}
    data["value_map"] = None if tp.mobius is None else f"limit = {tp.mobius.text('V')}, V = PCF(a, b)"
    if latex:
        data["matrix_latex"] = tm.latex()
    emit(data, json_, title=f"PCF of {name} along {t} from ({start})")


# --- explain ----------------------------------------------------------------------------------


def _grids(fields: str | None, max_norm: int | None, parameter_range: str | None) -> list[FieldGrid]:
    """The fields to enumerate, checked before any work."""
    from ..cmf.explain import DEFAULT_GRIDS, FieldGrid
    from ..cmf.known import field_shape

    names = list(DEFAULT_GRIDS) if not fields else [f.strip() for f in fields.split(",") if f.strip()]
    for name in names:
        field_shape(name)
        if name not in DEFAULT_GRIDS:
            raise FieldError(f"field {name} has rank 3: its trajectories are no PCFs; explain with: {', '.join(DEFAULT_GRIDS)}")
    if max_norm is not None and not 1 <= max_norm <= CMF_MAX_NORM:
        raise BrounckerError(f"--max-norm must lie between 1 and {CMF_MAX_NORM}, not {max_norm}")
    values = None
    if parameter_range is not None:
        try:
            lo, hi = (int(v) for v in parameter_range.split(","))
        except ValueError:
            raise BrounckerError(f"--parameter-range {parameter_range!r}: give LO,HI, e.g. -2,2") from None
        if lo > hi or max(abs(lo), abs(hi)) > CMF_MAX_COORDINATE:
            raise BrounckerError(f"--parameter-range {parameter_range!r}: need LO <= HI within ±{CMF_MAX_COORDINATE:,}")
        values = list(range(lo, hi + 1))
    grids = []
    for name in names:
        _, params = field_shape(name)
        integer = name.startswith("cmf")  # the f, f̄ family takes integer parameter ranges; pFq keeps its z values
        chosen = {p: values for p in params} if values is not None and integer else None
        grids.append(FieldGrid.of(name, max_norm=max_norm, parameter_values=chosen))
    total = sum(len(g) for g in grids)
    if total > CMF_MAX_EXPLAIN_ITEMS:
        raise BrounckerError(f"explain would enumerate {total:,} trajectories, over {CMF_MAX_EXPLAIN_ITEMS:,}: "
                             "give fewer --fields, a smaller --max-norm or --parameter-range")
    return grids


@cmf_app.command("explain")
def explain_command(
    search_id: int = typer.Argument(..., metavar="SEARCH_ID", help="A stored search of any kind."),
    fields: str | None = typer.Option(None, "--fields", help="Comma-separated fields to try (default: every rank-2 known field)."),
    candidates: bool = typer.Option(False, "--candidates", help="Explain the search's unexplained values instead: candidate "
                                    "conjectures and the representative PCFs of candidate clusters."),
    closed_forms: bool = typer.Option(True, "--closed-forms/--no-closed-forms",
                                      help="Solve 2F1/1F1 parameters for PCFs of degrees (1, 2) at most (when --fields has 1F1 or 2F1)."),
    digits: int = typer.Option(30, "--digits", min=10, max=1000, help="Digits a closed form is found with (re-checked at twice as many)."),
    max_norm: int | None = typer.Option(None, "--max-norm", help="Largest trajectory entry enumerated (default: per field, 1 or 2)."),
    parameter_range: str | None = typer.Option(None, "--parameter-range",
                                               help="LO,HI: the integer parameters of the f, f̄ fields (default -2,2; cmf2 -1,1)."),
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON: the links and per-field counts."),
) -> None:
    """Which formulas of a stored search are trajectories (up to shift) of known fields; stores the links.

    Each link gives the field, its parameters, the trajectory, the start and the Möbius map from the trajectory's
    limit L to the formula's value; PCFs of degrees (1, 2) at most also get hypergeometric closed forms. Exit 0 when
    some formula is explained, 1 when none is.
    """
    from ..cmf.explain import explain
    from ..search.links import explain_targets, link_records
    from ..store import open_store

    grids = _grids(fields, max_norm, parameter_range)  # before the store is opened
    with open_store(db, create=False) as store:
        if store.search(search_id) is None:
            raise BrounckerError(f"no search with id {search_id}")
        targets = explain_targets(store, search_id, candidates)
        if not targets:
            what = "candidate values" if candidates else "formulas with a continued fraction"
            err_console.print(f"search {search_id} has no {what} to explain", markup=False, highlight=False)
        started = time.perf_counter()

        def say(msg: str) -> None:
            err_console.print(f"{msg} ({time.perf_counter() - started:.1f} s)", markup=False, highlight=False)

        hypergeometric = any(g.field in HYPERGEOMETRIC_FIELDS for g in grids)  # closed forms are trajectories of these
        explanation = explain(targets, grids, closed_forms=closed_forms and hypergeometric, digits=digits, progress=None if json_ else say)
        seconds = round(time.perf_counter() - started, 3)
        written = store.write_cmf_links(link_records(explanation, search_id))
    if json_:
        emit({"search_id": search_id, **explanation.as_dict(), "seconds": seconds, "written": written}, True)
    else:
        rows = [_link_row(link.as_dict()) for link in explanation.links]
        emit_rows(rows[:MAX_LINKS_SHOWN], title=f"formulas of search {search_id} explained by known fields", columns=LINK_COLUMNS)
        if len(rows) > MAX_LINKS_SHOWN:
            console.print(f"... and {len(rows) - MAX_LINKS_SHOWN} more (--json)", highlight=False)
        fields_found = dict.fromkeys(link.field for link in explanation.links)
        counts = {f: sum(1 for link in explanation.links if link.field == f) for f in fields_found}
        closed = sum(1 for link in explanation.links if link.closed_form is not None)
        console.print(f"search {search_id}: {explanation.explained} of {explanation.targets} formulas explained; links per field: "
                      + (", ".join(f"{f} {n}" for f, n in counts.items()) or "none")
                      + f"; {closed} hypergeometric closed forms of {explanation.closed_forms_tried} tried; {written} links stored "
                      f"in {seconds:.1f} s", highlight=False)
    raise typer.Exit(EXIT_OK if explanation.links else EXIT_NEGATIVE)


def _link_row(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "conjecture": d["conjecture_id"] if d["conjecture_id"] is not None else d["label"],
        "expression": d["expression"] or "",
        "field": d["field"],
        "parameters": ", ".join(f"{k}={v}" for k, v in d["parameters"].items()),
        "trajectory": f"({', '.join(map(str, d['trajectory']))})",
        "start": f"({', '.join(d['start'])})",
        "method": d["method"] + (f" ({d['contraction']} part)" if d.get("contraction") else ""),
        "value_map": d["value_map"] or "",
        "closed_form": d["closed_form"] or "",
    }
