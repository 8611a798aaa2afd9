"""The ``brouncker`` command line: the Typer app, its exit codes, and the entry point.

Exit codes: 0 success, 1 a negative mathematical answer (refuted, not found), 2 bad input
or usage, 3 inconclusive. :func:`run` turns every mistake a user can make (a
:class:`~brouncker.errors.BrounckerError`, a usage error of the parser) into one line of
stderr and exit code 2; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import typer

from ..errors import BrounckerError
from ..limits import COEFFICIENT_DIGITS, POLYNOMIAL_DEGREE
from .output import console, err_console

EXIT_OK, EXIT_NEGATIVE, EXIT_USAGE, EXIT_INCONCLUSIVE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
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
ALLOW_LARGE_HELP = "Raise every size limit to its large bound (README: Limits); memory is still checked."
POLYNOMIAL_HELP = (
    f"degree at most {POLYNOMIAL_DEGREE.default}, coefficients of at most {COEFFICIENT_DIGITS.default:,} digits; more with --allow-large"
)


def run(args: Sequence[str] | None = None) -> int:
    """Run the command line on ``args`` (default: ``sys.argv[1:]``) and return its exit code.

    The one place where a user's mistake becomes exit 2 and one line on stderr: a
    :class:`~brouncker.errors.BrounckerError` raised by the library, a usage error of the
    parser (an unknown command or option, a value of the wrong type, a missing option),
    and running out of memory. Anything else is a bug and keeps its traceback.
    """
    try:
        code = app(args=None if args is None else list(args), prog_name="brouncker", standalone_mode=False)
        return code if isinstance(code, int) else EXIT_OK
    except BrounckerError as exc:
        _one_line(str(exc))
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted", markup=False)
        return EXIT_INTERRUPTED
    except _USAGE_ERRORS as exc:
        _usage(exc)
    except MemoryError:
        _one_line("out of memory: ask for less (smaller --digits or --depth, or without --allow-large)")
    except BrokenPipeError:  # `brouncker query | head`: the reader left; nothing more to say
        sys.stdout = open(os.devnull, "w")  # in place of the closed stream, until exit
        return EXIT_OK
    return EXIT_USAGE


def main() -> None:
    """Entry point of the console script: :func:`run`, then exit with its code."""
    sys.exit(run())


def _one_line(message: str) -> None:
    """``error: message`` on one line of stderr, whatever the message holds."""
    text = " ".join(message.split()) or "bad input"
    err_console.print(f"error: {text}", markup=False, highlight=False, soft_wrap=True)


def _usage(exc: Exception) -> None:
    """A parser's usage error as one line; a bare group (``brouncker search``) shows its help first."""
    ctx = getattr(exc, "ctx", None)
    format_message = getattr(exc, "format_message", None)
    message = format_message() if callable(format_message) else str(exc)
    if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
        console.print(ctx.get_help(), markup=False, highlight=False)
        message = "missing command"
    details = getattr(exc.__cause__, "errors", None)  # typer coerces values with pydantic, which keeps the input
    if callable(details):
        given = [str(d["input"]) for d in details() if isinstance(d, dict) and isinstance(d.get("input"), str)]
        message += f" (got {given[0][:60]!r})" if given else ""
    where = f"; see '{getattr(ctx, 'command_path', None) or 'brouncker'} --help'"
    _one_line(f"{message.rstrip('.')}{where}")


def _usage_errors() -> tuple[type[Exception], ...]:
    """The usage errors of the parser in use: typer's bundled click raises its own classes
    (based on ``typer.TyperException``); older typers raise click's."""
    errors: list[type[Exception]] = []
    bundled = getattr(typer, "TyperException", None)
    if isinstance(bundled, type) and issubclass(bundled, Exception):
        errors.append(bundled)
    try:
        import click
    except ImportError:  # typer no longer needs click itself
        pass
    else:
        errors.append(click.ClickException)
    return tuple(errors)


_USAGE_ERRORS = _usage_errors()
