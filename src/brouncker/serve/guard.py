"""Who may talk to the web app, checked before any page runs.

* **Host.** A page elsewhere can point a DNS name of its own at 127.0.0.1 (DNS rebinding)
  and then read the app through its visitor's browser, as if it were its own site. Only a
  request whose ``Host`` is the bound address, ``localhost``, ``127.0.0.1``, ``[::1]`` or a
  name given with ``--allow-host`` is answered; any other gets 400.
* **Origin.** A request that can change something (any method but GET, HEAD and OPTIONS)
  must come from one of the app's own pages: its ``Origin`` (else its ``Referer``) must be
  one of the app's origins. ``Origin: null`` (a sandboxed frame, a ``data:`` page) and a
  request that names no origin at all are refused with 403.
* **Form token.** The verify form carries a per-session token that must equal the one in a
  ``SameSite=Strict`` cookie (double submit): a page elsewhere can neither read the
  cookie nor make the browser send it.
* **Body.** A body over :data:`~brouncker.limits.SERVE_MAX_BODY_BYTES` gets 413: refused
  on its ``Content-Length`` before a byte is read, and a streamed one when its count
  passes the cap. A client that goes away in the middle of its body gets no answer and
  leaves nothing in the log.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import BrounckerError
from ..limits import SERVE_MAX_BODY_BYTES

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")  # answered on every bind
WILDCARDS = ("0.0.0.0", "::")  # binds that answer every address of the machine
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_COOKIE = "brouncker_form_token"
FORM_FIELD = "form_token"
TOKEN_BYTES = 32  # random bytes of a form token
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}\Z")  # TOKEN_BYTES bytes in URL-safe base64
_HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?\Z")

ErrorPage = Callable[[Request, int, str], Response]


def host_name(host: str) -> str | None:
    """The name in a ``Host`` header (or an origin's host part), lower case, without its
    port or an IPv6 address's brackets; None when it is no host name or address.

    >>> host_name("LocalHost:8000"), host_name("[::1]:8000"), host_name("127.0.0.1"), host_name("a b")
    ('localhost', '::1', '127.0.0.1', None)
    """
    text = host.strip().lower()
    if text.startswith("["):
        address, _, rest = text[1:].partition("]")
        if rest and not (rest.startswith(":") and rest[1:].isdigit()):
            return None
        try:
            return str(ipaddress.IPv6Address(address))
        except ValueError:
            return None
    name, _, port = text.partition(":")
    if port and not port.isdigit():
        return None
    return name if name.isascii() and _HOST_NAME.match(name) else None


def allowed_name(text: str) -> str:
    """An ``--allow-host`` value as the name the app compares with; a port, a scheme or
    anything else that is no host name is refused in one line.

    >>> allowed_name("Brouncker.Example.org"), allowed_name("::1"), allowed_name("[::1]")
    ('brouncker.example.org', '::1', '::1')
    >>> allowed_name("example.org:8000")
    Traceback (most recent call last):
    ...
    brouncker.errors.BrounckerError: --allow-host 'example.org:8000': give a host name or address, without a scheme or a port
    """
    stripped = text.strip()
    try:
        return str(ipaddress.ip_address(stripped.strip("[]")))
    except ValueError:
        pass
    name = host_name(stripped) if ":" not in stripped else None
    if name is None:
        raise BrounckerError(f"--allow-host {text!r}: give a host name or address, without a scheme or a port")
    return name


@dataclass(frozen=True, slots=True)
class AllowedHosts:
    """The names a request may give as its ``Host``, and the port the app listens on."""

    names: frozenset[str]
    port: int

    @classmethod
    def of(cls, bound: str, port: int, extra: Iterable[str] = ()) -> AllowedHosts:
        """The loopback names, the bound address (unless it is a wildcard such as
        ``0.0.0.0``, which is no name a client uses: then ``extra`` must name them) and
        the ``--allow-host`` names ``extra``.

        >>> sorted(AllowedHosts.of("127.0.0.1", 8000, ["pcf.example.org"]).names)
        ['127.0.0.1', '::1', 'localhost', 'pcf.example.org']
        """
        names = {allowed_name(name) for name in extra}
        if bound.strip("[]") in WILDCARDS:
            if not names:
                raise BrounckerError(f"--host {bound} answers any address of this machine: name the host names or addresses "
                                     "clients reach it by with --allow-host NAME (repeatable)")
        else:
            names.add(allowed_name(bound))
        return cls(frozenset(names | set(LOOPBACK_NAMES)), port)

    def allows(self, host: str | None) -> bool:
        """Whether ``host`` (a ``Host`` header, with or without its port) is one of the names.

        >>> hosts = AllowedHosts.of("127.0.0.1", 8000)
        >>> hosts.allows("localhost:8000"), hosts.allows("[::1]:8000"), hosts.allows("rebind.example:8000"), hosts.allows(None)
        (True, True, False, False)
        """
        return host is not None and host_name(host) in self.names

    def own_origin(self, origin: str, scheme: str, host: str) -> bool:
        """Whether ``origin`` (``scheme://host[:port]``) is one of the app's own: one of the
        names at the app's port, or the very host and port the request was sent to (the
        same app behind an SSH tunnel on another port). ``null`` is nobody's origin.

        >>> hosts = AllowedHosts.of("127.0.0.1", 8000)
        >>> [hosts.own_origin(o, "http", "127.0.0.1:8000") for o in
        ...  ("http://localhost:8000", "http://127.0.0.1:8000", "http://127.0.0.1:9000", "https://localhost:8000", "null")]
        [True, True, False, False, False]
        >>> hosts.own_origin("http://localhost:9000", "http", "localhost:9000")
        True
        """
        parts = _origin(origin)
        if parts is None or parts[0] != scheme:
            return False
        own = {(scheme, name, self.port) for name in self.names}
        sent = _origin(f"{scheme}://{host}")
        if sent is not None and sent[1] in self.names:
            own.add(sent)
        return parts in own


def _origin(text: str) -> tuple[str, str, int] | None:
    """(scheme, host name, port) of an origin or URL; None for ``null`` and anything unparsable."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    name = host_name(parts.netloc.rpartition("@")[2])
    if name is None:
        return None
    return parts.scheme, name, port if port is not None else (443 if parts.scheme == "https" else 80)


def new_form_token() -> str:
    """A fresh per-session form token (URL-safe text)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def form_token(request: Request) -> tuple[str, bool]:
    """The browser's form token from its cookie, or a new one: (token, whether it is new and
    must be set as the cookie)."""
    token = request.cookies.get(FORM_COOKIE, "")
    if _TOKEN.match(token):
        return token, False
    return new_form_token(), True


def set_form_cookie(response: Response, token: str) -> None:
    """Send ``token`` as the session's form cookie: never to scripts, never with a request
    that another site's page starts."""
    response.set_cookie(FORM_COOKIE, token, httponly=True, samesite="strict", path="/")


def form_token_matches(cookie: str | None, field: str | None) -> bool:
    """Whether the form's token equals the cookie's (compared in constant time).

    >>> t = new_form_token()
    >>> form_token_matches(t, t), form_token_matches(t, new_form_token()), form_token_matches(None, t), form_token_matches("", "")
    (True, False, False, False)
    """
    if not cookie or not field or not _TOKEN.match(cookie):
        return False
    return hmac.compare_digest(cookie.encode(), field.encode())


class RequestGuard:
    """ASGI middleware that answers a request itself, with one line, when its Host is not
    one of ``hosts``, when it would change something from another origin, or when its body
    is over ``max_body`` bytes; otherwise hands it on with its body read (at most
    ``max_body`` bytes are ever held)."""

    def __init__(self, app: ASGIApp, hosts: AllowedHosts, error_page: ErrorPage, max_body: int = SERVE_MAX_BODY_BYTES) -> None:
        self.app = app
        self.hosts = hosts
        self.error_page = error_page
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host")
        if not self.hosts.allows(host):
            shown = "none" if host is None else repr(host[:60])
            await self._refuse(scope, receive, send, 400, f"the Host {shown} is not a name of this server: reach it as "
                               f"http://127.0.0.1:{self.hosts.port}/, or start it with --allow-host NAME")
            return
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin") or headers.get("referer")
            if origin is None or not self.hosts.own_origin(origin, scope.get("scheme", "http"), host or ""):
                where = "a page that names no origin" if origin is None else repr(origin[:60])
                await self._refuse(scope, receive, send, 403, f"this request can only come from this app's own pages, not from {where}")
                return
        length = headers.get("content-length")
        if length is not None and (not length.strip().isdigit() or int(length) > self.max_body):
            await self._refuse(scope, receive, send, 413, f"the request body is over {self.max_body:,} bytes", close=True)
            return
        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        body = await self._body(receive)
        if body is None:  # the client went away before its body was whole: nobody to answer
            return
        if len(body) > self.max_body:
            await self._refuse(scope, receive, send, 413, f"the request body is over {self.max_body:,} bytes", close=True)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _body(self, receive: Receive) -> bytes | None:
        """The body, read up to one message past ``max_body``; None on a disconnect."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_body or not message.get("more_body", False):
                return b"".join(chunks)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int, message: str, close: bool = False) -> None:
        response = self.error_page(Request(scope), status, message)
        if close:  # the unread body is not waited for: the connection ends with the answer
            response.headers["connection"] = "close"
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` whole, then whatever the client sends next (a disconnect)."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


