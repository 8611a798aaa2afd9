"""The pages of the web app: searches, the list of conjectures, one conjecture, its
verification, clusters, and the export of a list.

Each handler checks its parameters (:mod:`.params`), reads through the read-only store,
and renders a template; only :func:`verify_action` leads to a write, through the job
queue. Handlers are plain functions: Starlette runs them in its thread pool, so a slow
read does not hold up the server.
"""

from __future__ import annotations

import functools
import json
import math
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..convergence.dynamics import CONVERGENCE_TYPES
from ..errors import StoreUnavailableError
from ..limits import SERVE_MAX_EXPORT_ROWS
from ..records import ConjectureKind
from ..store.queries import FAMILY_KEY_PREFIX, SORT_COLUMNS, family_members
from ..store.rows import ClusterMember, ConjectureDetail, ConjectureFilter, ConjectureRow
from .guard import FORM_COOKIE, FORM_FIELD, form_token, form_token_matches, set_form_cookie
from .params import EXPORT_FORMATS, BadRequest, ListQuery, export_format, integer, single

if TYPE_CHECKING:
    from ..store import Store
    from .app import Context

SHIFT_NEIGHBOURS = 6  # shifts n -> n + s, |s| up to this, whose PCFs are looked up in the store
NEIGHBOURS_SHOWN = 12  # conjectures listed per kind of neighbour on a conjecture's page
MEMBERS_SHOWN = 8  # member PCFs listed per cluster on the clusters page
CLUSTER_ROWS_SHOWN = 50  # member PCFs, and conjectures, listed on a cluster's page
IMAGE_CACHE = 64  # plots kept drawn
LIMIT_SHOWN = 80  # characters of a stored limit shown on a conjecture's page
VERIFY_FORM_DIGITS = 200  # what the verify form proposes (at most the server's cap)
JOB_REFRESH_SECONDS = 1  # a job's page reloads itself this often until the job ends


def _context(request: Request) -> Context:
    """The app's context, once the store is known to be the one opened (else 503)."""
    context: Context = request.app.state.context
    context.reader.check_same_database()
    return context


def _path_id(request: Request, name: str) -> int:
    return integer(name, str(request.path_params[name]), 1)


def _no_parameters(request: Request) -> None:
    single(request.query_params, ())


# --- searches -------------------------------------------------------------------------------


def searches_page(request: Request) -> Response:
    """Every search: its status, shards, counters, conjectures by status, and its spec."""
    _no_parameters(request)
    ctx = _context(request)
    reader = ctx.reader
    statuses = reader.status_counts()
    searches = [reader.search(s.id) or s for s in reader.searches()]
    unattached = sum(n for status, n in statuses.get(None, {}).items() if status != "candidate")
    return ctx.page(request, "searches.html", searches=searches, statuses=statuses, unattached=unattached,
                    spec_text=lambda s: json.dumps(s.spec, indent=2, sort_keys=True) if s.spec is not None else "")


# --- the list of conjectures -----------------------------------------------------------------


def conjectures_page(request: Request) -> Response:
    """Conjectures that pass the URL's filter, sorted, one page of them."""
    ctx = _context(request)
    query = ListQuery.parse(request.query_params)
    reader = ctx.reader
    total = reader.count(query.where)
    rows = reader.rows(query.where, sort=query.sort, limit=query.per_page, offset=query.offset)
    pages = max(1, math.ceil(total / query.per_page))
    return ctx.page(
        request, "conjectures.html", query=query, rows=rows, total=total, pages=pages,
        constants=reader.constant_counts(), searches=reader.searches(), sort_fields=list(SORT_COLUMNS),
        convergence_types=CONVERGENCE_TYPES,
        exports=[(fmt, _url("/export", {**query.filter_params(), "format": fmt, **({"sort": query.sort} if query.sort else {})}))
                 for fmt in EXPORT_FORMATS],
    )


def _url(path: str, params: dict[str, str]) -> str:
    return path + ("?" + urlencode(params) if params else "")


# --- one conjecture ------------------------------------------------------------------------


def conjecture_page(request: Request) -> Response:
    """One conjecture: its formula typeset, metrics, convergence, equivalent PCFs, cluster,
    family, neighbours, verifications, and the form that verifies it further."""
    _no_parameters(request)
    ctx = _context(request)
    conjecture_id = _path_id(request, "conjecture_id")
    detail = ctx.reader.get_conjecture(conjecture_id)
    if detail is None:
        raise HTTPException(404, f"no conjecture with id {conjecture_id}")
    row = detail.conjecture
    verifiable = row.kind is ConjectureKind.PCF and bool(row.a and row.b) and row.expression is not None
    token, new_token = form_token(request)
    response = ctx.page(
        request, "conjecture.html", detail=detail, row=row, limit_text=_limit_text(detail.limit),
        equivalents=equivalents(ctx.reader, detail), family=family_view(ctx.reader, detail),
        neighbours=neighbours(ctx.reader, detail), verifiable=verifiable,
        form_digits=min(ctx.settings.max_digits, max(VERIFY_FORM_DIGITS, row.digits)), form_token=token, form_field=FORM_FIELD,
        metric_columns=[c for c in METRIC_COLUMNS if any(c in m.dynamics for m in detail.metrics)],
    )
    if new_token:
        set_form_cookie(response, token)
    return response


METRIC_COLUMNS = ("digits", "convergence", "fr", "delta_fr", "delta_naive", "digits_per_term", "c", "d", "beta", "gamma", "eta",
                  "predicted_delta")


def _limit_text(limit: str | None) -> str:
    if not limit:
        return ""
    return limit if len(limit) <= LIMIT_SHOWN else limit[:LIMIT_SHOWN] + "…"


def equivalents(reader: Store, detail: ConjectureDetail) -> dict[str, Any]:
    """The canonical PCF, the PCF as the search met it and how the two relate, the shift
    class, and the stored conjectures of the same PCF and of shifted copies of it."""
    from ..pcf.canonical import canonical, shift, shift_class
    from ..pcf.fraction import PCF

    row = detail.conjecture
    out: dict[str, Any] = {"canonical": None, "found": None, "shift": None, "same_pcf": [], "shifted": []}
    if row.a is None or row.b is None:
        return out
    pcf = PCF.parse(row.a, row.b)
    own = canonical(pcf)
    out["canonical"] = own
    data = detail.data if isinstance(detail.data, dict) else {}
    if isinstance(data.get("found_a"), list) and isinstance(data.get("found_b"), list):
        try:
            found = PCF(tuple(int(c) for c in data["found_a"]), tuple(int(c) for c in data["found_b"]))
        except (TypeError, ValueError):
            found = None
        if found is not None and found != pcf:
            out["found"] = (found, canonical(found))
    if pcf.b != (0,):
        out["shift"] = shift_class(pcf)
    key = row.canonical_key or own.key
    out["same_pcf"] = [r for r in reader.with_keys([key], limit=NEIGHBOURS_SHOWN + 1) if r.id != row.id][:NEIGHBOURS_SHOWN]
    keys: dict[str, int] = {}
    for s in range(-SHIFT_NEIGHBOURS, SHIFT_NEIGHBOURS + 1):
        if s == 0:
            continue
        try:
            keys.setdefault(canonical(shift(pcf, s)).key, s)
        except (ValueError, ArithmeticError):  # a shifted copy with no canonical form (b vanishes identically)
            continue
    keys.pop(key, None)
    found_rows = reader.with_keys(keys, limit=NEIGHBOURS_SHOWN) if keys else []
    out["shifted"] = [(keys[r.canonical_key], r) for r in found_rows if r.canonical_key in keys]
    return out


def family_view(reader: Store, detail: ConjectureDetail) -> dict[str, Any] | None:
    """A family conjecture's family (its PCFs in k and their member conjectures)."""
    row = detail.conjecture
    members = family_members(detail.data)
    if not (row.canonical_key or "").startswith(FAMILY_KEY_PREFIX) or members is None:
        return None
    family = detail.data.get("family", {}) if isinstance(detail.data, dict) else {}
    return {"family": family, "members": reader.with_keys(members, limit=NEIGHBOURS_SHOWN)}


def neighbours(reader: Store, detail: ConjectureDetail) -> dict[str, Any]:
    """Other conjectures of the same constant, cluster and families."""
    row = detail.conjecture
    out: dict[str, Any] = {"constant": None, "same_constant": [], "cluster": [], "families": []}
    if detail.constants:
        name = detail.constants[0]
        out["constant"] = name
        same = reader.rows(ConjectureFilter(constant=name), sort="-delta", limit=NEIGHBOURS_SHOWN + 1)
        out["same_constant"] = [r for r in same if r.id != row.id][:NEIGHBOURS_SHOWN]
    if detail.cluster is not None:
        members = reader.rows(ConjectureFilter(cluster=detail.cluster.id), sort="-delta", limit=NEIGHBOURS_SHOWN + 1)
        out["cluster"] = [r for r in members if r.id != row.id][:NEIGHBOURS_SHOWN]
    out["families"] = reader.families_of(row.id)
    return out


def convergence_image(request: Request) -> Response:
    """log10 of the error against the depth, for a PCF conjecture with a closed form."""
    _no_parameters(request)
    ctx = _context(request)
    conjecture_id = _path_id(request, "conjecture_id")
    detail = ctx.reader.get_conjecture(conjecture_id)
    if detail is None:
        raise HTTPException(404, f"no conjecture with id {conjecture_id}")
    row = detail.conjecture
    if row.kind is not ConjectureKind.PCF or row.a is None or row.b is None or row.expression is None:
        raise HTTPException(404, f"conjecture {conjecture_id} has no continued fraction with a closed form to plot")
    return Response(_convergence_png(row.a, row.b, row.expression, row.id), media_type="image/png",
                    headers={"cache-control": "max-age=3600"})


@functools.lru_cache(maxsize=IMAGE_CACHE)
def _convergence_png(a: str, b: str, expression: str, conjecture_id: int) -> bytes:
    from ..pcf.polynomial import parse
    from ..report.plots import convergence_png, convergence_series

    depths, errors = convergence_series(parse(a), parse(b), expression)
    return convergence_png([(f"#{conjecture_id} {expression}", depths, errors)], title=f"convergence of conjecture {conjecture_id}")


# --- verification ----------------------------------------------------------------------------


async def verify_action(request: Request) -> Response:
    """Start verifying a conjecture to N digits (the form's ``digits``); answers with the
    job's page. The only request that leads to a write. Its Host, origin and body size
    were checked before (:mod:`.guard`); here the form's token must match the session's."""
    ctx = _context(request)
    _no_parameters(request)
    conjecture_id = _path_id(request, "conjecture_id")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise BadRequest("the verify action takes a form (application/x-www-form-urlencoded) with digits=N")
    body = (await request.body()).decode("utf-8", "replace")  # at most SERVE_MAX_BODY_BYTES: the guard saw to it
    form = single(parse_qsl(body, keep_blank_values=True), ("digits", FORM_FIELD))
    if not form_token_matches(request.cookies.get(FORM_COOKIE), form.get(FORM_FIELD)):
        raise HTTPException(403, "the form's token does not match this browser session's: reload the conjecture's page and verify again")
    if "digits" not in form:
        raise BadRequest("digits: give the number of digits to verify")
    digits = integer("digits", form["digits"], 1, ctx.settings.max_digits)
    job = await run_in_threadpool(ctx.jobs.submit, conjecture_id, digits)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def job_page(request: Request) -> Response:
    """Where a verification stands; the page reloads itself until the job ends."""
    _no_parameters(request)
    ctx = _context(request)
    job_id = str(request.path_params["job_id"])
    job = ctx.jobs.get(job_id) if job_id.isascii() and job_id.isalnum() else None
    if job is None:
        raise HTTPException(404, "no such verification (the server keeps the latest ones while it runs)")
    if job.store_failed:
        raise StoreUnavailableError(f"the verification ran but the store could not record it: {job.message}")
    return ctx.page(request, "job.html", job=job, refresh=None if job.ended else JOB_REFRESH_SECONDS, now=time.time())


# --- clusters ----------------------------------------------------------------------------------


def clusters_page(request: Request) -> Response:
    """The clusters of a search: the scatter planes, and each cluster with its first members;
    without ``search``, the searches that have clusters."""
    from ..clustering.cluster import PLANES

    ctx = _context(request)
    given = single(request.query_params, ("search",))
    reader = ctx.reader
    if "search" not in given:
        overview = [(s, len(reader.clusters(s.id))) for s in reader.searches()]
        return ctx.page(request, "clusters.html", search=None, overview=overview, clusters=[], members={}, planes=[])
    search_id = integer("search", given["search"], 1)
    search = reader.search(search_id)
    if search is None:
        raise HTTPException(404, f"no search with id {search_id}")
    clusters = reader.clusters(search_id)
    members = {c.id: reader.cluster_members(c.id, limit=MEMBERS_SHOWN) for c in clusters}
    planes = [(i, f"{x} / {y}") for i, (x, y) in enumerate(PLANES)]
    return ctx.page(request, "clusters.html", search=search, overview=[], clusters=clusters, members=members, planes=planes,
                    conjectures=_by_key(reader, [m for ms in members.values() for m in ms]))


def _by_key(reader: Store, members: list[ClusterMember]) -> dict[str, list[ConjectureRow]]:
    """The stored conjectures of the members' PCFs, by canonical key."""
    out: dict[str, list[ConjectureRow]] = {}
    for row in reader.with_keys({m.canonical_key for m in members}) if members else []:
        out.setdefault(row.canonical_key or "", []).append(row)
    return out


def cluster_page(request: Request) -> Response:
    """One cluster: its description, families and members."""
    _no_parameters(request)
    ctx = _context(request)
    cluster_id = _path_id(request, "cluster_id")
    cluster = ctx.reader.cluster(cluster_id)
    if cluster is None:
        raise HTTPException(404, f"no cluster with id {cluster_id}")
    where = ConjectureFilter(cluster=cluster_id)
    rows = ctx.reader.rows(where, sort="-delta", limit=CLUSTER_ROWS_SHOWN)
    members = ctx.reader.cluster_members(cluster_id, limit=CLUSTER_ROWS_SHOWN)
    description = cluster.description or {}
    return ctx.page(request, "cluster.html", cluster=cluster, rows=rows, total=ctx.reader.count(where), members=members,
                    conjectures=_by_key(ctx.reader, members), families=description.get("families") or [], description=description)


def plane_image(request: Request) -> Response:
    """One scatter plane of a search's dynamics, coloured by cluster."""
    from ..clustering.cluster import PLANES

    _no_parameters(request)
    ctx = _context(request)
    search_id = _path_id(request, "search_id")
    plane = integer("plane", str(request.path_params["plane"]), 0, len(PLANES) - 1)
    if ctx.reader.search(search_id) is None:
        raise HTTPException(404, f"no search with id {search_id}")
    clusters = ctx.reader.clusters(search_id)
    labels = tuple((c.id, c.label) for c in clusters)
    return Response(_plane_png(ctx.reader, search_id, plane, labels), media_type="image/png")


@functools.lru_cache(maxsize=IMAGE_CACHE)
def _plane_png(reader: Store, search_id: int, plane: int, labels: tuple[tuple[int, str], ...]) -> bytes:
    """Drawn once per clustering (new clusters have new ids, hence new ``labels``)."""
    from ..clustering.cluster import PLANES
    from ..report.plots import scatter_png

    points = [p.as_dict() for p in reader.pcf_features(search_id)]
    return scatter_png(points, PLANES[plane], dict(labels))


# --- export -------------------------------------------------------------------------------------


def export(request: Request) -> Response:
    """The list of the URL's filter (every page of it) as CSV, JSON or LaTeX."""
    from ..report.export import rows_as_csv, rows_as_latex
    from ..store import ROW_FIELDS

    ctx = _context(request)
    query = ListQuery.parse(request.query_params, extra=("format",))
    fmt = export_format(request.query_params)
    total = ctx.reader.count(query.where)
    if total > SERVE_MAX_EXPORT_ROWS:
        raise BadRequest(f"the filter matches {total:,} conjectures, more than the {SERVE_MAX_EXPORT_ROWS:,} an export holds: narrow it")
    rows = ctx.reader.rows(query.where, sort=query.sort)
    dicts = [r.as_dict() for r in rows]
    if fmt == "csv":
        text, suffix = rows_as_csv(dicts, ROW_FIELDS), "csv"
    elif fmt == "json":
        text, suffix = json.dumps(dicts, indent=2) + "\n", "json"
    else:
        text, suffix = rows_as_latex(dicts), "tex"
    return Response(text, media_type=EXPORT_FORMATS[fmt] + "; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="conjectures.{suffix}"'})


# --- template filters ----------------------------------------------------------------------------


def _number(value: Any, digits: int = 6) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _delta(row: ConjectureRow) -> str:
    if row.delta is None:
        return ""
    return f"{row.delta:.4g}" + (f" ({row.delta_kind})" if row.delta_kind else "")


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


FILTERS = {"number": _number, "delta": _delta, "when": _when}
"""The Jinja2 filters the templates use."""
