"""The ``brouncker`` command line: parses options, calls the library, prints.

Exit codes (DESIGN.md): 0 success, 1 a negative mathematical answer (refuted, not
found), 2 bad input or usage, 3 inconclusive. A :class:`BrounckerError` is printed on
one line of stderr with exit code 2; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from .errors import BrounckerError

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


def _jsonable(value: Any) -> Any:
    """Plain JSON types; infinities and NaN become strings, since JSON has none."""
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def emit(result: Any, as_json: bool, title: str | None = None) -> None:
    """Print one result (an object with ``as_dict``, a dict, or a list of dicts) as a
    two-column table, a table of rows, or JSON."""
    data = _jsonable(result)
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


def main() -> None:
    """Entry point of the console script: one line and exit 2 for a user's mistake."""
    try:
        app(standalone_mode=False)
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
