"""The web app without a browser: its store reads, its parameters, its pages over HTTP
(against a running ``brouncker serve``, on SQLite and PostgreSQL), and its command line."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brouncker.convergence.dynamics import CONVERGENCE_TYPES
from brouncker.errors import StoreError, StoreUnavailableError
from brouncker.limits import SERVE_MAX_BODY_BYTES, SERVE_MAX_PAGE_SIZE, SERVE_MAX_WAITING_VERIFICATIONS
from brouncker.report.export import rows_as_csv
from brouncker.serve.app import CONTENT_SECURITY_POLICY, loopback
from brouncker.serve.params import LIST_PARAMETERS, BadRequest, ListQuery
from brouncker.serve.typeset import mathml
from brouncker.store import ROW_FIELDS, ConjectureFilter
from brouncker.store.queries import FAMILY_KEY_PREFIX, family_members

pytest_plugins = ["tests.conftest_store", "tests.conftest_serve"]


# --- the store's reads for the pages --------------------------------------------------------


def test_count_and_pages_are_slices_of_the_whole_list(served: Any) -> None:
    with served.store() as store:
        for where in (ConjectureFilter(), ConjectureFilter(constant="pi"), ConjectureFilter(constant="e", min_delta=0.0),
                      ConjectureFilter(search=served.search_id, kind="pcf")):
            whole = store.rows(where, sort="-delta")
            assert store.count(where) == len(whole) == len(store.query(**where.as_dict()))
            for offset in (0, 3, len(whole)):
                assert store.rows(where, sort="-delta", limit=4, offset=offset) == whole[offset : offset + 4]


def test_the_convergence_filter_reads_the_pcf_dynamics(served: Any) -> None:
    with served.store() as store:
        details = store.get_conjectures([r.id for r in store.query()])
        for kind in CONVERGENCE_TYPES:  # unknown included: a type of its own, accepted by the filter
            expected = {d.conjecture.id for d in details if any(m.dynamics.get("convergence") == kind for m in d.metrics)}
            assert {r.id for r in store.query(convergence=kind)} == expected
        assert store.query(convergence="exponential")  # the search has such formulas
        with pytest.raises(StoreError, match="unknown convergence type 'fast'"):
            store.query(convergence="fast")


def test_families_and_their_members(served: Any) -> None:
    with served.store() as store:
        rows = store.query()
        families = [r for r in rows if (r.canonical_key or "").startswith(FAMILY_KEY_PREFIX)]
        assert families, "the clustering of the test search finds families"
        for family in families:
            keys = set(family_members(store.get_conjecture(family.id).data) or ())
            members = store.query(family=family.id)
            assert members and {r.canonical_key for r in members} <= keys
            assert {r.id for r in members} == {r.id for r in rows if r.canonical_key in keys}
            for member in members:
                assert family.id in [f.id for f in store.families_of(member.id)]
        outsiders = [r for r in rows if r.cluster is None or not any(r.canonical_key in set(family_members(
            store.get_conjecture(f.id).data) or ()) for f in families)]
        for r in outsiders:
            assert store.families_of(r.id) == []
        with pytest.raises(StoreError, match=f"no family with id {rows[0].id}"):
            store.query(family=rows[0].id)


def test_reads_by_id_key_constant_status_and_cluster(served: Any) -> None:
    with served.store() as store:
        rows = store.query()
        ids = [rows[2].id, rows[0].id, 10**6, rows[1].id, rows[0].id]
        assert [d.conjecture.id for d in store.get_conjectures(ids)] == [rows[2].id, rows[0].id, rows[1].id]
        keys = {rows[0].canonical_key, rows[1].canonical_key, "no such key"}
        assert store.with_keys(keys) == [r for r in rows if r.canonical_key in keys]
        details = store.get_conjectures([r.id for r in rows])
        assert store.constant_counts() == dict(sorted(Counter(n for d in details for n in d.constants).items()))
        assert store.constant_counts(search=10**6) == {}
        statuses = store.status_counts()
        assert sum(n for counts in statuses.values() for s, n in counts.items() if s != "candidate") == len(rows)
        assert statuses[served.search_id].get("candidate", 0) == sum(1 for r in rows if r.candidate)
        clusters = store.clusters(served.search_id)
        assert clusters and all(store.cluster(c.id) == c for c in clusters) and store.cluster(10**6) is None
        assigned = Counter(f.cluster for f in store.pcf_features(served.search_id) if f.cluster is not None)
        assert {c.id: len(store.cluster_members(c.id)) for c in clusters} == {c.id: assigned.get(c.id, 0) for c in clusters}
        some = store.cluster_members(clusters[0].id, limit=2)
        assert len(some) == min(2, assigned[clusters[0].id]) and all(m.limit for m in some)


# --- parameters ---------------------------------------------------------------------------------


def test_list_parameters_are_checked_one_by_one() -> None:
    q = ListQuery.parse({"constant": "zeta(3)", "kind": "pcf", "candidate": "no", "min_delta": "-0.5", "cluster": "pi",
                         "sort": "-delta", "page": "3", "per_page": "20", "degree": ""})
    assert q.where == ConjectureFilter(constant="zeta3", kind="pcf", candidate=False, min_delta=-0.5, cluster="pi")
    assert (q.sort, q.page, q.per_page, q.offset) == ("-delta", 3, 20, 40)
    assert ListQuery.parse(q.params()) == q
    for params, message in [
        ({"foo": "1"}, "unknown parameter 'foo'"),
        ({"constant": "nosuch"}, "constant: 'nosuch' is not a constant of the bank"),
        ({"constant": "pi+e"}, "is not a constant of the bank"),
        ({"min_delta": "nan"}, "min_delta: 'nan' is not a finite number"),
        ({"per_page": str(SERVE_MAX_PAGE_SIZE + 1)}, f"per_page: {SERVE_MAX_PAGE_SIZE + 1} is not between 1 and {SERVE_MAX_PAGE_SIZE}"),
        ({"page": "0"}, "page: 0 is not between 1"),
        ({"search": "1e3"}, "search: '1e3' is not a whole number"),
        ({"sort": "--delta"}, "sort: '--delta' is not one of"),
        ({"candidate": "maybe"}, "candidate: 'maybe' is not yes or no"),
        ({"convergence": "fast"}, "convergence: 'fast' is not one of"),
        ({"cluster": "x" * 300}, "cluster: the value is longer than 200 characters"),
    ]:
        with pytest.raises(BadRequest, match=re.escape(message)):
            ListQuery.parse(params)
    with pytest.raises(BadRequest, match="parameter constant is given more than once"):
        ListQuery.parse([("constant", "pi"), ("constant", "e")])


@given(st.dictionaries(st.sampled_from([*LIST_PARAMETERS, "other"]), st.text(max_size=30), max_size=5))
def test_any_parameters_parse_or_are_refused_in_one_line(params: dict[str, str]) -> None:
    try:
        query = ListQuery.parse(params)
    except BadRequest as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert ListQuery.parse(query.params()) == query


def test_mathml_never_passes_markup_through() -> None:
    assert str(mathml(r"\frac{4}{\pi}")).startswith("<math ")
    for latex in (r"\text{<script>alert(1)</script>}", r"\mathrm{a&b}", "\\text{\"'}"):
        assert "<script" not in str(mathml(latex)) and str(mathml(latex)).startswith('<code class="tex">')


def test_only_this_machine_is_loopback() -> None:
    assert all(loopback(h) for h in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"))
    assert not any(loopback(h) for h in ("0.0.0.0", "::", "192.168.1.2", "example.org", ""))


# --- pages over HTTP -------------------------------------------------------------------------------


def _page(served: Any, path: str) -> tuple[int, str]:
    status, headers, body = served.get(path)
    assert headers.get("content-security-policy") == CONTENT_SECURITY_POLICY
    return status, body.decode()


def _message(text: str) -> str:
    found = re.search(r'id="message">(.*?)</p>', text, re.S)
    assert found is not None, text[:500]
    import html

    return html.unescape(found.group(1))


def test_every_page_answers_and_fetches_nothing_from_elsewhere(served: Any) -> None:
    with served.store() as store:
        before = store.counts()
        rows = store.query()
        clusters = store.clusters(served.search_id)
        family = next(r for r in rows if (r.canonical_key or "").startswith(FAMILY_KEY_PREFIX))
    paths = ["/", "/conjectures", "/conjectures?constant=pi&sort=-delta&per_page=3&page=2", f"/conjectures?family={family.id}",
             "/conjectures?convergence=unknown",
             f"/conjectures?cluster={clusters[0].id}", f"/conjectures?cluster={clusters[0].label}", "/clusters",
             f"/clusters?search={served.search_id}", f"/clusters/{clusters[0].id}", f"/conjectures/{family.id}",
             *(f"/conjectures/{r.id}" for r in rows[:5])]
    for path in paths:
        status, text = _page(served, path)
        assert status == 200, (path, text[:300])
        assert text.startswith("<!DOCTYPE html>") and "<script" not in text
        links = re.findall(r"""(?:src|href|action)\s*=\s*["']([^"']*)""", text)
        assert all(link.startswith(("/", "#", "?")) for link in links), [link for link in links if not link.startswith("/")]
    assert "<option selected>unknown</option>" in _page(served, "/conjectures?convergence=unknown")[1]
    with served.store() as store:
        assert store.counts() == before  # no page but the verify action writes
    assert served.get("/static/style.css")[0] == 200 and served.get(f"/conjectures/{rows[0].id}/convergence.png")[2][:4] == b"\x89PNG"
    assert served.get(f"/searches/{served.search_id}/planes/0.png")[2][:4] == b"\x89PNG"


def test_a_page_of_the_list_is_a_slice_of_the_sorted_list(served: Any) -> None:
    with served.store() as store:
        expected = [r.id for r in store.query(sort="-delta", limit=5, offset=5)]
        total = len(store.query())
    status, text = _page(served, "/conjectures?sort=-delta&per_page=5&page=2")
    assert status == 200
    assert [int(i) for i in re.findall(r'<td class="num"><a href="/conjectures/(\d+)">', text)] == expected
    assert f'<span id="total">{total}</span>' in text and 'rel="next"' in text and 'rel="prev"' in text


def test_exports_hold_the_filter_whole(served: Any) -> None:
    with served.store() as store:
        rows = store.query(constant="pi", sort="-delta")
    status, headers, body = served.get("/export?constant=pi&sort=-delta&format=csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert body.decode() == rows_as_csv([r.as_dict() for r in rows], ROW_FIELDS)
    status, headers, body = served.get("/export?constant=pi&sort=-delta&format=json")
    assert status == 200 and json.loads(body) == [r.as_dict() for r in rows]
    status, headers, body = served.get("/export?constant=pi&sort=-delta&format=latex")
    text = body.decode()
    assert status == 200 and text.count(r"\cfrac") >= 2 * len(rows) and text.count(r"\[") == len(rows)
    assert 'filename="conjectures.tex"' in headers["content-disposition"]
    assert served.get("/export?format=pdf")[0] == 400


def test_bad_requests_get_a_400_with_one_line(served: Any) -> None:
    with served.store() as store:
        not_a_family = store.query()[0].id
    for path, message in [
        ("/conjectures?kind=pfc", "kind: 'pfc' is not one of pcf, esma, cmf"),
        ("/conjectures?constant=pi&constant=e", "parameter constant is given more than once"),
        ("/conjectures?limit=5", "unknown parameter 'limit'"),
        (f"/conjectures?family={not_a_family}", f"no family with id {not_a_family}"),
        ("/conjectures/abc", "conjecture_id: 'abc' is not a whole number"),
        ("/conjectures/1?x=1", "unknown parameter 'x'"),
        ("/clusters?search=-1", "search: -1 is not between 1"),
    ]:
        status, text = _page(served, path)
        assert status == 400 and _message(text).startswith(message), (path, _message(text))
        assert "Traceback" not in text
    for path in ("/conjectures/999999", "/clusters/999999", "/jobs/0123456789abcdef", "/no/such/page", "/searches/999999/planes/0.png"):
        assert _page(served, path)[0] == 404


def test_the_verify_action_is_checked_before_it_queues(served: Any) -> None:
    with served.store() as store:
        rows = store.query()
        before = store.counts()
    target = next(r for r in rows if r.a and r.expression)
    family = next(r for r in rows if (r.canonical_key or "").startswith(FAMILY_KEY_PREFIX))
    form, token = served.form(target.id)
    other_form, other_token = served.form(target.id)  # another browser session: another cookie
    assert other_token != token
    own = f"&form_token={token}".encode()
    port = served.base.rsplit(":", 1)[1]
    for path, data, headers, status, message in [
        (f"/conjectures/{target.id}/verify", b"digits=1001" + own, form, 400, "digits: 1001 is not between 1 and 1000"),
        (f"/conjectures/{target.id}/verify", b"digits=ten" + own, form, 400, "digits: 'ten' is not a whole number"),
        (f"/conjectures/{target.id}/verify", own[1:], form, 400, "digits: give the number of digits to verify"),
        (f"/conjectures/{target.id}/verify", b'{"digits": 5}', {**form, "content-type": "application/json"}, 400, "takes a form"),
        (f"/conjectures/{family.id}/verify", b"digits=50" + own, form, 400, f"conjecture {family.id} has no continued fraction of its own"),
        ("/conjectures/999999/verify", b"digits=50" + own, form, 400, "no conjecture with id 999999"),
        # a request from elsewhere: another site, a sandboxed frame or data: page, another port, no origin at all
        (f"/conjectures/{target.id}/verify", b"digits=50" + own, {**form, "origin": "http://evil.example"}, 403, "not from 'http://evil"),
        (f"/conjectures/{target.id}/verify", b"digits=50" + own, {**form, "origin": "null"}, 403, "not from 'null'"),
        (f"/conjectures/{target.id}/verify", b"digits=50" + own, {**form, "origin": "http://127.0.0.1:1"}, 403, "only come from this app"),
        (f"/conjectures/{target.id}/verify", b"digits=50" + own, {**form, "origin": f"https://127.0.0.1:{port}"}, 403, "only come from"),
        (f"/conjectures/{target.id}/verify", b"digits=50" + own, {**form, "origin": ""}, 403, "a page that names no origin"),
        (f"/conjectures/{target.id}/verify", b"digits=50" + own, {k: v for k, v in form.items() if k != "origin"}
         | {"referer": "http://evil.example/x"}, 403, "not from 'http://evil.example/x'"),
        # the form token: missing, another session's, or a cookie the form does not match
        (f"/conjectures/{target.id}/verify", b"digits=50", form, 403, "the form's token does not match"),
        (f"/conjectures/{target.id}/verify", b"digits=50" + own, other_form, 403, "the form's token does not match"),
        (f"/conjectures/{target.id}/verify", b"digits=50&form_token=" + other_token.encode(), form, 403, "token does not match"),
        (f"/conjectures/{target.id}/verify", b"digits=50" + own, {k: v for k, v in form.items() if k != "cookie"}, 403, "token does not"),
    ]:
        got, _, body = served.get(path, method="POST", data=data, headers=headers)
        assert got == status and message in _message(body.decode()), (path, body[:400])
    assert served.get(f"/conjectures/{target.id}/verify")[0] == 405
    with served.store() as store:
        assert store.counts() == before


# --- the command ------------------------------------------------------------------------------------


def test_serve_binds_this_machine_unless_told_otherwise(tmp_path: Any) -> None:
    from brouncker.errors import BrounckerError

    missing = f"sqlite:///{tmp_path / 'none.db'}"
    from brouncker.serve.app import Settings, serve

    with pytest.raises(BrounckerError, match="would let other machines reach the store"):
        serve(Settings(missing, host="0.0.0.0"))
    with pytest.raises(BrounckerError, match="there is no brouncker database"):
        serve(Settings(missing, host="127.0.0.1"))
    with pytest.raises(BrounckerError, match="--host 0.0.0.0 answers any address of this machine: name the host names"):
        serve(Settings(missing, host="0.0.0.0"), allow_remote=True)
    with pytest.raises(BrounckerError, match="--max-digits must be between 1 and"):
        Settings(missing, max_digits=0)
    with pytest.raises(BrounckerError, match="--allow-host 'pcf.example.org:80': give a host name or address, without"):
        Settings(missing, allow_hosts=("pcf.example.org:80",))
    hosts = Settings(missing, host="0.0.0.0", allow_hosts=("PCF.example.org", "10.0.0.7")).allowed_hosts
    assert hosts.names == {"pcf.example.org", "10.0.0.7", "localhost", "127.0.0.1", "::1"}


def test_serve_command_line_errors_are_one_line(tmp_path: Any) -> None:
    import socket
    import subprocess
    import sys

    missing = f"sqlite:///{tmp_path / 'none.db'}"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    taken = listener.getsockname()[1]
    for args, expected in [
        (["--host", "0.0.0.0"], "add --allow-remote"),
        (["--host", "0.0.0.0", "--allow-remote"], "--host 0.0.0.0 answers any address of this machine"),
        (["--host", "0.0.0.0", "--allow-remote", "--allow-host", "pcf.example.org"], "there is no brouncker database"),
        (["--allow-host", "http://pcf.example.org"], "--allow-host 'http://pcf.example.org': give a host name"),
        (["--max-digits", "1000000"], "--max-digits must be between 1 and 100,000"),
        (["--port", str(taken)], f"cannot listen on 127.0.0.1:{taken}"),
        (["--port", "70000"], "--port must be between 1 and 65535"),
    ]:
        proc = subprocess.run([sys.executable, "-m", "brouncker", "serve", "--db", missing, *args], capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 2, proc.stderr
        lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
        assert len(lines) == 1 and expected in lines[0] and "Traceback" not in proc.stderr
        assert ("warning: serving on 0.0.0.0" in proc.stderr) == ("--allow-remote" in args)
    listener.close()


# --- who may talk to the app: Host, body size, disconnects ----------------------------------------


def _raw(base: str, request: bytes) -> tuple[int, str]:
    """Send ``request`` as it is on a new connection; (status, the answer's text)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as conn:
        conn.sendall(request)
        answer = b""
        while True:
            head, _, body = answer.partition(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length: *(\d+)", head)
            if length is not None and len(body) >= int(length.group(1)):
                break
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer.decode("utf-8", "replace")


def _post(server: Any, path: str, data: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    """POST without following a redirect: (status, headers, body)."""
    name, port = server.base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(name, int(port), timeout=120)
    try:
        conn.request("POST", path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
    finally:
        conn.close()


def _get_with_host(base: str, path: str, host: str) -> tuple[int, str]:
    """GET ``path`` naming ``host`` as the Host, as a browser does after DNS rebinding."""
    name, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(name, int(port), timeout=60)
    try:
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def test_a_rebinding_host_gets_400_on_every_route(served: Any) -> None:
    port = served.base.rsplit(":", 1)[1]
    paths = ["/", "/conjectures", "/static/style.css", f"/searches/{served.search_id}/planes/0.png", "/export?format=csv"]
    for path in paths:
        for host in (f"rebind.example:{port}", "rebind.example", f"127.0.0.1.rebind.example:{port}", f"localhost.:{port}x"):
            status, text = _get_with_host(served.base, path, host)
            assert status == 400 and "is not a name of this server" in _message(text), (path, host, text[:300])
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", f"[::1]:{port}", "localhost"):
            assert _get_with_host(served.base, path, host)[0] == 200, (path, host)


def test_a_body_over_the_cap_is_refused_before_it_is_read(served: Any) -> None:
    with served.store() as store:
        target = next(r for r in store.query() if r.a and r.expression)
        before = store.counts()
    form, token = served.form(target.id)
    host = served.base.removeprefix("http://")
    head = (f"POST /conjectures/{target.id}/verify HTTP/1.1\r\nhost: {host}\r\norigin: {served.base}\r\ncookie: {form['cookie']}\r\n"
            "content-type: application/x-www-form-urlencoded\r\n")
    # declared too large: the answer comes although not a byte of the body is sent
    status, text = _raw(served.base, (head + f"content-length: {10**9}\r\n\r\n").encode())
    assert status == 413 and f"the request body is over {SERVE_MAX_BODY_BYTES:,} bytes" in text
    # streamed: refused once the count passes the cap, with the rest never sent
    piece = b"digits=5&form_token=" + token.encode() + b"&" + b"x" * 1000
    chunked = (head + "transfer-encoding: chunked\r\n\r\n").encode() + b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(5))
    status, text = _raw(served.base, chunked)
    assert status == 413 and "the request body is over" in text
    # under the cap, chunked or not, the form is read whole
    small = b"digits=ten&form_token=" + token.encode()
    for framing in (b"content-length: %d\r\n\r\n%s" % (len(small), small), b"transfer-encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (
            len(small), small)):
        status, text = _raw(served.base, head.encode() + framing)
        assert status == 400 and "digits: 'ten' is not a whole number" in _message(text.split("\r\n\r\n", 1)[1])
    with served.store() as store:
        assert store.counts() == before


@pytest.fixture
def own_server(served: Any, tmp_path: Path) -> Iterator[tuple[Any, Path, Path]]:
    """A server of its own over a copy of the SQLite store (tests that break its store):
    (a Served for it, the database file, the server's log)."""
    from tests.conftest_serve import Served, start_server, stop_server

    if served.backend != "sqlite":
        pytest.skip("the store file of a SQLite database")
    path = tmp_path / "own.db"
    source = sqlite3.connect(served.url.removeprefix("sqlite:///"))
    copy = sqlite3.connect(path)
    source.backup(copy)
    source.close()
    copy.close()
    log = tmp_path / "serve.log"
    proc, base = start_server(f"sqlite:///{path}", log=log)
    try:
        yield Served("sqlite", f"sqlite:///{path}", base, served.search_id), path, log
    finally:
        stop_server(proc)


def test_a_client_that_leaves_mid_body_leaves_no_traceback(own_server: Any) -> None:
    server, _, log = own_server
    with server.store() as store:
        target = next(r for r in store.query() if r.a and r.expression)
    form, token = server.form(target.id)
    host = server.base.removeprefix("http://")
    for _ in range(3):
        with socket.create_connection((host.split(":")[0], int(host.split(":")[1])), timeout=30) as conn:
            conn.sendall((f"POST /conjectures/{target.id}/verify HTTP/1.1\r\nhost: {host}\r\norigin: {server.base}\r\n"
                          f"cookie: {form['cookie']}\r\ncontent-type: application/x-www-form-urlencoded\r\n"
                          "content-length: 200\r\n\r\ndigits=5").encode())
    assert server.get("/")[0] == 200  # the server is still there, and has seen the disconnects by now
    text = log.read_text()
    assert "Traceback" not in text and "ClientDisconnect" not in text, text[-2000:]


def test_a_store_deleted_or_replaced_answers_503_and_nothing_is_written(own_server: Any) -> None:
    server, path, log = own_server
    with server.store() as store:
        target = next(r for r in store.query() if r.a and r.expression)
    form, token = server.form(target.id)
    path.rename(path.with_name("moved.db"))
    for wal in ("-wal", "-shm"):
        if path.with_name(path.name + wal).exists():
            path.with_name(path.name + wal).rename(path.with_name("moved.db" + wal))
    for page in ("/", f"/conjectures/{target.id}", "/conjectures"):
        status, _, body = server.get(page)
        assert status == 503 and "was deleted after it was opened" in _message(body.decode()), page
    status, _, body = server.get(f"/conjectures/{target.id}/verify", method="POST", data=f"digits=50&form_token={token}".encode(),
                                 headers=form)
    assert status == 503 and _message(body.decode()).startswith(f"the database file '{path}' was deleted after it was opened")
    assert not path.exists()  # no empty file was made in its place
    shutil.copy(path.with_name("moved.db"), path)  # another file at the same path: still not the store that was opened
    status, _, body = server.get("/")
    assert status == 503 and "was replaced after it was opened" in _message(body.decode())
    with sqlite3.connect(path.with_name("moved.db")) as conn:
        assert conn.execute("SELECT count(*) FROM verification WHERE conjecture_id = ?", (target.id,)).fetchone()[0] == 0
    assert "Traceback" not in log.read_text()


def test_an_unwritable_store_answers_503_and_the_server_stays_up(own_server: Any) -> None:
    server, path, log = own_server
    with server.store() as store:
        target = next(r for r in store.query() if r.a and r.expression)
    form, token = server.form(target.id)
    files = [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
    if subprocess.run(["chattr", "+i", *map(str, files)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not permitted here (it makes the store unwritable even for root)")
    try:
        status, headers, _ = _post(server, f"/conjectures/{target.id}/verify", f"digits=30&form_token={token}".encode(), form)
        assert status == 303
        answer = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status, _, body = server.get(headers["location"])
            if status != 200:
                answer = (status, _message(body.decode()))
                break
            time.sleep(0.3)
        assert answer is not None and answer[0] == 503, answer
        assert answer[1].startswith("the verification ran but the store could not record it:"), answer
        assert server.get("/")[0] == 200 and server.get(f"/conjectures/{target.id}")[0] == 200  # still serving
    finally:
        subprocess.run(["chattr", "-i", *map(str, files)], check=True)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM verification WHERE conjecture_id = ?", (target.id,)).fetchone()[0] == 0
    assert "Traceback" not in log.read_text()


def test_a_full_queue_answers_429_with_retry_after_counting_the_running_job(own_server: Any) -> None:
    server, path, _ = own_server
    with server.store() as store:
        target = next(r for r in store.query() if r.a and r.expression)
    form, token = server.form(target.id)
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # the first job's write waits for it (busy timeout), so no job ends meanwhile
    try:
        data = f"digits=20&form_token={token}".encode()
        answers = [_post(server, f"/conjectures/{target.id}/verify", data, form) for _ in range(SERVE_MAX_WAITING_VERIFICATIONS + 2)]
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert [status for status, _, _ in answers] == [303] * (SERVE_MAX_WAITING_VERIFICATIONS + 1) + [429]
    _, headers, body = answers[-1]
    queued = SERVE_MAX_WAITING_VERIFICATIONS + 1
    assert headers["retry-after"] == "10"
    assert _message(body).startswith(f"the queue is full: {queued} verifications (1 running, {queued - 1} waiting, "
                                     f"at most {SERVE_MAX_WAITING_VERIFICATIONS} wait)")


def test_check_same_database_follows_the_file_not_the_path(tmp_path: Path) -> None:
    from brouncker.store import open_store

    url = f"sqlite:///{tmp_path / 'a.db'}"
    with open_store(url) as store:
        store.check_same_database()
        (tmp_path / "a.db").rename(tmp_path / "b.db")
        with pytest.raises(StoreUnavailableError, match="was deleted after it was opened"):
            store.record_verification(1, 10, 10, 10, 0.1, "verified")
        assert not (tmp_path / "a.db").exists()
        (tmp_path / "b.db").rename(tmp_path / "a.db")  # the same file back: the same store
        store.check_same_database()
