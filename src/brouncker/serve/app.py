"""The web app: a Starlette application over one store, its pages rendered on the server
by Jinja2 templates, its formulas MathML, its stylesheet and pictures served by itself.

Two stores are opened on the database: a read-only one that every page reads through,
and a writing one that only the verification jobs use (:mod:`.jobs`), so that no other
request can write. A parameter the app cannot take is answered with HTTP 400 and a
one-line message; an unknown id with 404; a failure of the app itself with 500 and one
line (the traceback goes to the server's log, never to the page); a store whose file
was deleted or replaced, or that cannot be written, with 503; a full queue of
verifications with 429. Every response forbids the browser to fetch anything from
elsewhere (Content-Security-Policy) and to run any script, and every request passes
:mod:`.guard` first (its Host, its origin, the size of its body).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import BrounckerError, BusyError, StoreUnavailableError
from ..limits import SERVE_MAX_VERIFY_DIGITS, SERVE_MAX_WAITING_VERIFICATIONS, SERVE_VERIFY_DIGITS
from ..store import Store, open_store
from ..store.queries import FAMILY_KEY_PREFIX
from . import typeset
from .guard import AllowedHosts, RequestGuard, allowed_name
from .jobs import RETRY_AFTER_SECONDS, VerificationJobs

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
log = logging.getLogger("brouncker.serve")


@dataclass(frozen=True, slots=True)
class Settings:
    """What the app is started with: the database, the cap on N of "Verify to N digits", the
    address it listens on and the further host names it answers to (``--allow-host``)."""

    url: str
    max_digits: int = SERVE_VERIFY_DIGITS
    max_waiting: int = SERVE_MAX_WAITING_VERIFICATIONS
    host: str = "127.0.0.1"
    port: int = 8000
    allow_hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 1 <= self.max_digits <= SERVE_MAX_VERIFY_DIGITS:
            raise BrounckerError(f"--max-digits must be between 1 and {SERVE_MAX_VERIFY_DIGITS:,}, got {self.max_digits:,}")
        if not 1 <= self.port <= 65535:
            raise BrounckerError(f"--port must be between 1 and 65535, got {self.port}")
        for name in self.allow_hosts:
            allowed_name(name)

    @property
    def allowed_hosts(self) -> AllowedHosts:
        """The names a request's Host may give (a wildcard bind needs ``--allow-host``)."""
        return AllowedHosts.of(self.host, self.port, self.allow_hosts)


@dataclass(slots=True)
class Context:
    """What every page handler reaches through ``request.app.state.context``."""

    settings: Settings
    reader: Store
    writer: Store
    jobs: VerificationJobs
    templates: Environment

    def page(self, request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        """A template rendered into an HTML response."""
        template = self.templates.get_template(name)
        text = template.render(request=request, **values)
        return HTMLResponse(text, status_code=status_code)

    def close(self) -> None:
        self.jobs.close()
        self.writer.close()
        self.reader.close()


def open_context(settings: Settings) -> Context:
    """Open the stores (the database must exist: the app creates no schema) and the job queue."""
    reader = open_store(settings.url, read_only=True)
    try:
        writer = open_store(settings.url, create=False)
    except BaseException:
        reader.close()
        raise
    templates = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                            trim_blocks=True, lstrip_blocks=True)
    from . import pages

    templates.filters.update(pages.FILTERS)
    templates.globals.update(settings=settings, typeset=typeset, family_prefix=FAMILY_KEY_PREFIX)
    return Context(settings, reader, writer, VerificationJobs(writer, settings.max_digits, settings.max_waiting), templates)


class SecurityHeaders:
    """Adds the Content-Security-Policy and its companions to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),  # a same-origin form post then sends its Origin, not "null"
                    (b"x-frame-options", b"DENY"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


async def bad_request(request: Request, exc: Exception) -> Response:
    """A parameter the app cannot take, or a store refusal: 400 with one line."""
    message = " ".join(str(exc).split())
    return _error(request, 400, message)


async def store_unavailable(request: Request, exc: Exception) -> Response:
    """A store whose file went away or was replaced, or that cannot be written: 503 with one line."""
    return _error(request, 503, " ".join(str(exc).split()))


async def queue_full(request: Request, exc: Exception) -> Response:
    """A full queue of verifications: 429, and when to try again."""
    response = _error(request, 429, " ".join(str(exc).split()))
    response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error(request, exc.status_code, str(exc.detail))


async def server_error(request: Request, exc: Exception) -> Response:
    """A failure of the app itself: logged with its traceback, one line on the page."""
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return _error(request, 500, f"the server failed on this page ({type(exc).__name__}); its log has the details")


def _error(request: Request, status: int, message: str) -> Response:
    try:
        return _context(request).page(request, "error.html", status_code=status, status=status, message=message)
    except Exception:  # the error page itself failed: plain text, still one line
        return PlainTextResponse(f"{status}: {message}", status_code=status)


def create_app(settings: Settings, context: Context | None = None) -> Starlette:
    """The app over ``settings.url``. The stores open when it starts (or take ``context``,
    opened already) and close when it stops."""
    from . import classes, pages

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if getattr(app.state, "context", None) is None:
            app.state.context = open_context(settings)
        try:
            yield
        finally:
            app.state.context.close()

    routes = [
        Route("/", pages.searches_page, name="searches"),
        Route("/conjectures", pages.conjectures_page, name="conjectures"),
        Route("/conjectures/{conjecture_id}", pages.conjecture_page, name="conjecture"),
        Route("/conjectures/{conjecture_id}/convergence.png", pages.convergence_image, name="convergence"),
        Route("/conjectures/{conjecture_id}/verify", pages.verify_action, methods=["POST"], name="verify"),
        Route("/jobs/{job_id}", pages.job_page, name="job"),
        Route("/classes/{conjecture_id}", classes.class_page, name="class"),
        Route("/clusters", pages.clusters_page, name="clusters"),
        Route("/clusters/{cluster_id}", pages.cluster_page, name="cluster"),
        Route("/searches/{search_id}/planes/{plane}.png", pages.plane_image, name="plane"),
        Route("/export", pages.export, name="export"),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders), Middleware(RequestGuard, hosts=settings.allowed_hosts, error_page=_error)],
        exception_handlers={BrounckerError: bad_request, StoreUnavailableError: store_unavailable, BusyError: queue_full,
                            HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.state.context = context
    return app


def loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1, localhost).

    >>> loopback("127.0.0.1"), loopback("localhost"), loopback("::1"), loopback("0.0.0.0"), loopback("10.1.2.3")
    (True, True, True, False, False)
    """
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_port(host: str, port: int) -> None:
    """Fail in one line, before anything starts, when the address cannot be listened on."""
    import socket

    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise BrounckerError(f"--host {host}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise BrounckerError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port") from None


def serve(settings: Settings, allow_remote: bool = False) -> None:
    """Run the app under uvicorn until Ctrl-C. An address other than this machine's own
    needs ``allow_remote`` (and a wildcard address such as 0.0.0.0 the host names it is
    reached by); the store is opened before the server starts, so a bad URL fails at once."""
    import uvicorn

    host, port = settings.host, settings.port
    if not loopback(host):
        if not allow_remote:
            raise BrounckerError(f"--host {host} would let other machines reach the store: add --allow-remote to bind it, "
                                 "or reach 127.0.0.1 through an SSH tunnel")
        print(f"warning: serving on {host}:{port}, reachable from other machines; the app has no login, "
              "and anyone who reaches it can start verifications", file=sys.stderr)
    hosts = settings.allowed_hosts
    _check_port(host, port)
    context = open_context(settings)
    app = create_app(settings, context)
    shown = f"[{host}]" if ":" in host else host
    names = sorted(hosts.names - {"localhost", "127.0.0.1", "::1"})
    print(f"brouncker serve: http://{shown}:{port}/ over {context.reader.url} "
          f"(verify up to {settings.max_digits:,} digits{'; also answers ' + ', '.join(names) if names else ''}); Ctrl-C stops",
          file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
