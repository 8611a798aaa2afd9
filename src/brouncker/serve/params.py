"""The parameters of the web app's URLs, checked before anything is read.

Every value arrives as text; each is turned into its type here or refused with a
:class:`BadRequest` whose one-line message names the parameter and what it accepts (the
app answers it with HTTP 400). Unknown parameters and repeated ones are refused too, so a
mistyped URL never shows an unfiltered list as if it were filtered. An empty value counts
as absent (an HTML form sends its empty fields).

>>> ListQuery.parse({"constant": "zeta(3)", "min_delta": "0.1", "page": "2"}).where.as_dict()
{'constant': 'zeta3', 'min_delta': 0.1}
>>> ListQuery.parse({"kind": "pfc"})
Traceback (most recent call last):
...
brouncker.serve.params.BadRequest: kind: 'pfc' is not one of pcf, esma, cmf
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from ..convergence.dynamics import CONVERGENCE_TYPES
from ..errors import BrounckerError
from ..limits import SERVE_MAX_PAGE_SIZE, SERVE_PAGE_SIZE
from ..records import ConjectureKind, ConjectureStatus
from ..store.base import DB_INT_MAX
from ..store.queries import SORT_COLUMNS
from ..store.rows import ConjectureFilter

MAX_TEXT = 200  # characters of a free-text parameter (a cluster label, a constant expression)
YES, NO = ("yes", "true", "1"), ("no", "false", "0")
EXPORT_FORMATS = {"csv": "text/csv", "json": "application/json", "latex": "application/x-latex"}


class BadRequest(BrounckerError):
    """A parameter the app cannot accept (answered with HTTP 400)."""


def single(params: Any, allowed: Iterable[str]) -> dict[str, str]:
    """The parameters (a URL's query, a dict, or ``(name, value)`` pairs) as a dict of
    stripped, non-empty values; unknown or repeated names are refused."""
    allowed = tuple(allowed)
    out: dict[str, str] = {}
    if hasattr(params, "multi_items"):
        items = params.multi_items()
    elif isinstance(params, Mapping):
        items = list(params.items())
    else:
        items = list(params)
    seen: set[str] = set()
    for name, value in items:
        if name not in allowed:
            raise BadRequest(f"unknown parameter {_shown(name)}: this page takes {', '.join(allowed) or 'none'}")
        if name in seen:
            raise BadRequest(f"parameter {name} is given more than once")
        seen.add(name)
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            raise BadRequest(f"{name}: the value is longer than {MAX_TEXT} characters")
        if text:
            out[name] = text
    return out


def _shown(text: str) -> str:
    """User text inside a message: quoted, shortened, printable."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return repr(clean if len(clean) <= 40 else clean[:40] + "…")


def integer(name: str, text: str, low: int = 0, high: int = DB_INT_MAX) -> int:
    """A whole number in ``[low, high]``.

    >>> integer("page", "3", 1)
    3
    >>> integer("page", "0", 1)
    Traceback (most recent call last):
    ...
    brouncker.serve.params.BadRequest: page: 0 is not between 1 and 9223372036854775807
    """
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 25:
        raise BadRequest(f"{name}: {_shown(text)} is not a whole number")
    value = int(text)
    if not low <= value <= high:
        raise BadRequest(f"{name}: {value} is not between {low} and {high}")
    return value


def number(name: str, text: str) -> float:
    """A finite decimal number."""
    try:
        value = float(text)
    except ValueError:
        raise BadRequest(f"{name}: {_shown(text)} is not a number") from None
    if not math.isfinite(value):
        raise BadRequest(f"{name}: {_shown(text)} is not a finite number")
    return value


def one_of(name: str, text: str, choices: Iterable[str]) -> str:
    choices = tuple(choices)
    if text not in choices:
        raise BadRequest(f"{name}: {_shown(text)} is not one of {', '.join(choices)}")
    return text


def yes_no(name: str, text: str) -> bool:
    if text.lower() in YES:
        return True
    if text.lower() in NO:
        return False
    raise BadRequest(f"{name}: {_shown(text)} is not yes or no")


def constant(text: str) -> str:
    """A bank constant: its name (``zeta3``), or an expression naming it (``zeta(3)``)."""
    from ..constants import parse_constant

    try:
        names = parse_constant(text).names
    except BrounckerError:
        names = ()
    if len(names) != 1:
        raise BadRequest(f"constant: {_shown(text)} is not a constant of the bank")
    return names[0]


def sort_field(text: str) -> str:
    field = text.lstrip("-")
    if field not in SORT_COLUMNS or text.count("-") > 1:
        raise BadRequest(f"sort: {_shown(text)} is not one of {', '.join(SORT_COLUMNS)} (with - in front for descending)")
    return text


LIST_PARAMETERS = ("constant", "search", "kind", "status", "candidate", "convergence", "min_delta", "max_delta", "cluster",
                   "family", "degree", "sort", "page", "per_page")


@dataclass(frozen=True, slots=True)
class ListQuery:
    """A list of conjectures as a URL asks for it: the filter, the order and the page."""

    where: ConjectureFilter
    sort: str | None = None
    page: int = 1
    per_page: int = SERVE_PAGE_SIZE

    @classmethod
    def parse(cls, params: Any, extra: Iterable[str] = ()) -> ListQuery:
        """From a URL's parameters (``extra`` names parameters the caller reads itself)."""
        given = single(params, (*LIST_PARAMETERS, *extra))
        f: dict[str, Any] = {}
        if "constant" in given:
            f["constant"] = constant(given["constant"])
        if "search" in given:
            f["search"] = integer("search", given["search"], 1)
        if "kind" in given:
            f["kind"] = ConjectureKind(one_of("kind", given["kind"], ConjectureKind))
        if "status" in given:
            f["status"] = ConjectureStatus(one_of("status", given["status"], ConjectureStatus))
        if "candidate" in given:
            f["candidate"] = yes_no("candidate", given["candidate"])
        if "convergence" in given:
            f["convergence"] = one_of("convergence", given["convergence"], CONVERGENCE_TYPES)
        for name in ("min_delta", "max_delta"):
            if name in given:
                f[name] = number(name, given[name])
        if "cluster" in given:  # an id, or a label (free text: it is a bound parameter like every value)
            text = given["cluster"]
            f["cluster"] = integer("cluster", text, 1) if text.isascii() and text.isdigit() else text
        if "family" in given:
            f["family"] = integer("family", given["family"], 1)
        if "degree" in given:
            f["degree"] = integer("degree", given["degree"], 0, 1000)
        sort = sort_field(given["sort"]) if "sort" in given else None
        page = integer("page", given["page"], 1) if "page" in given else 1
        per_page = integer("per_page", given["per_page"], 1, SERVE_MAX_PAGE_SIZE) if "per_page" in given else SERVE_PAGE_SIZE
        if (page - 1) * per_page > DB_INT_MAX:
            raise BadRequest(f"page: {page} is beyond any list")
        return cls(ConjectureFilter(**f), sort, page, per_page)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def params(self, **changes: Any) -> dict[str, str]:
        """The URL parameters of this query (defaults left out), with ``changes``."""
        query = replace(self, **{k: v for k, v in changes.items() if k in ("sort", "page", "per_page")})
        where = replace(query.where, **{k: v for k, v in changes.items() if k not in ("sort", "page", "per_page")})
        out = {k: _text(v) for k, v in where.as_dict().items()}
        if query.sort:
            out["sort"] = query.sort
        if query.page != 1:
            out["page"] = str(query.page)
        if query.per_page != SERVE_PAGE_SIZE:
            out["per_page"] = str(query.per_page)
        return out

    def url(self, path: str = "/conjectures", **changes: Any) -> str:
        """The URL of this query on ``path``, with ``changes``.

        >>> ListQuery.parse({"constant": "pi", "page": "3"}).url(page=4)
        '/conjectures?constant=pi&page=4'
        """
        params = self.params(**changes)
        return path + ("?" + urlencode(params) if params else "")

    def filter_params(self) -> dict[str, str]:
        """Only the filter's parameters (what an export of this list takes)."""
        return {k: _text(v) for k, v in self.where.as_dict().items()}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def export_format(params: Mapping[str, str]) -> str:
    """The ``format`` of an export: csv, json or latex (csv when not given)."""
    return one_of("format", str(params.get("format") or "csv").strip(), EXPORT_FORMATS)
