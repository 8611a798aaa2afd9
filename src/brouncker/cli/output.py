"""Printing results: one printer for tables and JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from ..records import json_safe

console = Console()
err_console = Console(stderr=True)


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


def emit_rows(rows: Sequence[Any], title: str | None = None, columns: Sequence[str] | None = None) -> None:
    """Print a list of records (dicts, or rows with ``as_dict``) as a table."""
    rows = [r.as_dict() if hasattr(r, "as_dict") else r for r in rows]
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
