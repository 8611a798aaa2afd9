"""Printing results: one printer for tables and JSON, and the view of found formulas.

No cell is ever cut: in a terminal a long cell wraps (or folds) within its column; when
the output is not a terminal (a pipe, a file) the table is as wide as its widest row
needs, so each formula stays on one line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..records import ConjectureKind, json_safe

if TYPE_CHECKING:
    from ..report.ranking import ConstantGroup
    from ..store.rows import ConjectureDetail

console = Console()
err_console = Console(stderr=True)

UNBOUNDED_WIDTH = 100_000  # the width a table is measured at when the output is not a terminal


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
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in data.items():
        table.add_row(key, Text(_cell(value)))
    print_whole(table)


def emit_rows(rows: Sequence[Any], title: str | None = None, columns: Sequence[str] | None = None) -> None:
    """Print a list of records (dicts, or rows with ``as_dict``) as a table."""
    rows = [r.as_dict() if hasattr(r, "as_dict") else r for r in rows]
    if not rows:
        console.print("[dim](no rows)[/dim]")
        return
    columns = list(columns or rows[0].keys())
    table = Table(title=title)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(Text(_cell(row.get(col))) for col in columns))  # text from a file is data: no markup
    print_whole(table)


def print_whole(*renderables: RenderableType) -> None:
    """Print without cutting anything: as is in a terminal (cells wrap), else at the width
    the widest renderable needs, at least the console's."""
    if console.is_terminal:
        console.print(*renderables)
        return
    options = console.options.update_width(UNBOUNDED_WIDTH)
    widest = max((Measurement.get(console, options, r).maximum for r in renderables), default=console.width)
    wide = Console(file=console.file, width=max(widest, console.width), color_system=None, highlight=False)
    wide.print(*renderables)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


# --- found formulas, grouped by constant -----------------------------------------------------

FORMULA_COLUMNS = ("id", "formula", "δ", "digits/term", "digits", "status")
CANDIDATE_DIGITS = 20  # characters of a candidate's value shown in its formula


def emit_formulas(
    details: Sequence[ConjectureDetail], title: str, per_group: int | None = None, more: Callable[[ConstantGroup], str] | None = None
) -> None:
    """The formulas grouped by constant, groups and formulas most telling first (see
    :mod:`brouncker.report.ranking`), each group under its summary line; at most
    ``per_group`` rows of a group, then ``more(group)`` says where the rest are."""
    from ..report.ranking import group_by_constant

    if not details:
        console.print(f"{title}: [dim](no formulas)[/dim]", highlight=False)
        return
    groups = group_by_constant(details)
    parts: list[RenderableType] = [Text(f"{title}: {len(details)} formulas, {len(groups)} constants", style="bold")]
    for group in groups:
        shown = group.rows if per_group is None else group.rows[:per_group]
        parts.append(Text(""))
        parts.append(Text(group.summary(), style="bold cyan"))
        parts.append(_formula_table(shown))
        if len(group.rows) > len(shown):
            hint = f": {more(group)}" if more is not None else ""
            parts.append(Text(f"  … and {len(group.rows) - len(shown)} more{hint}", style="dim"))
    print_whole(Group(*parts))


def _formula_table(details: Sequence[ConjectureDetail]) -> Table:
    from ..report.ranking import digits_per_term

    table = Table(box=None, pad_edge=False, padding=(0, 1, 0, 2))
    for col in FORMULA_COLUMNS:
        if col == "formula":  # the one column that wraps: it takes what the others leave
            table.add_column(col, overflow="fold", ratio=1)
        else:
            table.add_column(col, no_wrap=True, justify="left" if col == "status" else "right")
    for d in details:
        row = d.conjecture
        speed = digits_per_term(d)
        table.add_row(str(row.id), formula_text(d), "" if row.delta is None else f"{row.delta:.4g}",
                      "" if speed is None else f"{speed:.4g}", str(row.digits), str(row.status))
    return table


def formula_text(detail: ConjectureDetail) -> str:
    """``4/pi = PCF(2n + 1, n^2)``; a candidate as ``1.5251… = PCF(…)``; an ESMA or CMF
    conjecture by its expression and kind (a CMF conjecture's expression is the value of its
    trajectory, which its PCF carries only up to a Möbius map)."""
    row = detail.conjecture
    if row.kind == ConjectureKind.PCF and row.a is not None and row.b is not None:
        pcf = f"PCF({row.a}, {row.b})"
        if row.expression is not None:
            return f"{row.expression} = {pcf}"
        return f"{detail.limit[:CANDIDATE_DIGITS]}… = {pcf}" if detail.limit else f"x = {pcf}"
    return f"{row.expression or detail.limit or '?'} ({row.kind})"
