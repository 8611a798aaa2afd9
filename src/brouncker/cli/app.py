"""The ``brouncker`` command line: the Typer app, its exit codes, and the entry point.

Exit codes: 0 success, 1 a negative mathematical answer (refuted, not found), 2 bad input
or usage, 3 inconclusive. A :class:`~brouncker.errors.BrounckerError` is printed on one
line of stderr with exit code 2; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import sys

import typer

from ..errors import BrounckerError
from .output import err_console

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


DB_OPTION_HELP = "SQLAlchemy URL of the database (default: $BROUNCKER_DB, else sqlite:///brouncker.db)."
WORKERS_HELP = "Parallel workers: 0 runs serially in this process; default: every CPU (Ray)."
ADDRESS_HELP = "Join this Ray cluster (default: $RAY_ADDRESS, else a private local instance)."


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
