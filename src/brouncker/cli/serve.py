"""``brouncker serve``: the local web app over the store."""

from __future__ import annotations

import typer

from ..limits import SERVE_MAX_VERIFY_DIGITS, SERVE_VERIFY_DIGITS
from .app import DB_OPTION_HELP, app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@app.command("serve")
def serve_command(
    db: str | None = typer.Option(None, "--db", help=DB_OPTION_HELP),
    host: str = typer.Option(DEFAULT_HOST, "--host", help="Address to bind; anything but this machine's own needs --allow-remote."),
    port: int = typer.Option(DEFAULT_PORT, "--port", help="Port to listen on."),
    allow_remote: bool = typer.Option(False, "--allow-remote", help="Allow --host to be an address other machines reach (warns)."),
    allow_host: list[str] = typer.Option([], "--allow-host", help="A further host name (or address) the app answers to, besides the bound "
                                         "address and localhost; repeatable, and needed for a wildcard --host such as 0.0.0.0."),
    max_digits: int = typer.Option(
        SERVE_VERIFY_DIGITS, "--max-digits", help=f"Cap on N of 'Verify to N digits' (at most {SERVE_MAX_VERIFY_DIGITS:,})."
    ),
) -> None:
    """Browse, filter, typeset and verify the stored conjectures in a web browser.

    Binds 127.0.0.1 unless told otherwise; on a cluster head node reach it through an SSH
    tunnel (ssh -L 8000:127.0.0.1:8000 HEAD). It answers only requests addressed to the bound address,
    localhost, or a name given with --allow-host. The database must exist (brouncker db upgrade).
    """
    from ..serve.app import Settings, serve
    from ..store.engine import resolve_url

    settings = Settings(resolve_url(db), max_digits=max_digits, host=host, port=port, allow_hosts=tuple(allow_host))
    serve(settings, allow_remote=allow_remote)
