"""The web app in a real browser: headless Chromium through Playwright, against a running
``brouncker serve`` over a store filled by a small real search, on SQLite and PostgreSQL.

Chromium is Debian's (``.ci/run`` installs it), launched through ``executable_path``;
Playwright's own browser download is never used. Without Playwright or Chromium these
tests skip, unless ``BROUNCKER_TEST_BROWSER_REQUIRED`` is set (CI), where they fail.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from brouncker.records import ConjectureStatus, Verdict
from brouncker.store import ConjectureFilter

pytest_plugins = ["tests.conftest_store", "tests.conftest_serve"]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
REQUIRED_ENV = "BROUNCKER_TEST_BROWSER_REQUIRED"
VERIFY_TIMEOUT_MS = 120_000


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if CHROMIUM is None:
        return "chromium is not installed (apt-get install chromium; .ci/run installs it)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    why = _missing()
    if why is not None:
        if os.environ.get(REQUIRED_ENV):
            pytest.fail(why)
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, served: Any) -> Iterator[Any]:
    """A fresh page; afterwards, no request may have left the app and no console error shown
    (other than the answer to a request the test meant to be refused)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.expected_errors = 0
    try:
        yield tab
    finally:
        context.close()
    outside = [u for u in requests if not u.startswith(served.base)]
    assert not outside, f"the page fetched from outside the app: {outside}"
    unexpected = [e for e in errors if "status of 400" not in e or not tab.expected_errors]
    assert not unexpected, unexpected


def _ids_on(page: Any) -> list[int]:
    return [int(t) for t in page.locator("table.rows tbody tr td:first-child a").all_inner_texts()]


def test_the_list_filters_by_constant(page: Any, served: Any) -> None:
    with served.store() as store:
        every = {r.id for r in store.query()}
        on_pi = {r.id for r in store.query(constant="pi")}
    assert on_pi and on_pi < every  # the filter has something to do
    page.goto(served.base + "/conjectures?per_page=500")
    assert set(_ids_on(page)) == every
    page.select_option("select[name=constant]", "pi")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*constant=pi.*"))
    assert set(_ids_on(page)) == on_pi
    assert page.inner_text("#total") == str(len(on_pi))


def test_a_conjecture_page_shows_the_typeset_formula(page: Any, served: Any) -> None:
    with served.store() as store:
        (brouncker,) = [r for r in store.query(constant="pi") if (r.a, r.b) == ("2n + 1", "n^2")]
    page.goto(f"{served.base}/conjectures/{brouncker.id}")
    formula = page.locator("section.formula math").first
    box = formula.bounding_box()
    assert box is not None and box["width"] > 50 and box["height"] > 20
    # 4/pi = 1 + 1/(3 + 4/(5 + ...)): the closed form and the first levels of the fraction are there
    mathml = formula.inner_html()
    assert "<mfrac>" in mathml and "π" in formula.text_content()  # MathML elements are no HTMLElements: no inner_text
    assert formula.locator("mn").all_text_contents()[:6] == ["4", "1", "1", "3", "4", "5"]
    plot = page.locator("figure.plot img")
    plot.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=plot.element_handle(), timeout=120_000)


def test_verify_to_200_digits_records_a_verified_row(page: Any, served: Any) -> None:
    with served.store() as store:
        (row,) = [r for r in store.query(constant="pi") if (r.a, r.b) == ("2n + 1", "n^2")]
        before = len(store.get_conjecture(row.id).verifications)
    page.goto(f"{served.base}/conjectures/{row.id}")
    page.fill("form.verify input[name=digits]", "200")
    page.click("form.verify button[type=submit]")
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f]+$"))
    page.wait_for_selector("#job-state[data-state=done]", timeout=VERIFY_TIMEOUT_MS)
    assert page.inner_text("#verdict") == "verified"
    with served.store() as store:
        detail = store.get_conjecture(row.id)
    assert len(detail.verifications) == before + 1
    last = detail.verifications[-1]
    assert last.verdict is Verdict.VERIFIED and last.digits_requested == 200 and last.digits_agreed >= 200
    assert detail.conjecture.status is ConjectureStatus.VERIFIED
    page.click("text=Back to conjecture")
    assert page.locator("tr.verification").count() == before + 1


def test_a_bad_filter_value_shows_a_400_page(page: Any, served: Any) -> None:
    page.expected_errors = 1
    response = page.goto(served.base + "/conjectures?min_delta=lots")
    assert response.status == 400
    message = page.inner_text("#message")
    assert message == "min_delta: 'lots' is not a number"
    assert "Traceback" not in page.content()


def test_an_injection_string_in_a_filter_leaves_the_tables_intact(page: Any, served: Any) -> None:
    with served.store() as store:
        before = store.counts()
    attack = "x'); DROP TABLE conjecture; --"
    # a cluster label is free text: it is a bound parameter, and matches nothing
    response = page.goto(served.base + "/conjectures?cluster=" + attack.replace(" ", "%20").replace(";", "%3B"))
    assert response.status == 200 and page.inner_text("#total") == "0"
    # a constant must be a bank constant: refused before any query
    page.expected_errors = 1
    response = page.goto(served.base + "/conjectures?constant=pi%27%3B%20DELETE%20FROM%20conjecture%3B--")
    assert response.status == 400 and "is not a constant of the bank" in page.inner_text("#message")
    with served.store() as store:
        assert store.counts() == before
        assert store.count(ConjectureFilter()) == before["conjecture"] > 0


def test_the_clusters_page_draws_every_plane(page: Any, served: Any) -> None:
    page.goto(f"{served.base}/clusters?search={served.search_id}")
    images = page.locator(".plots img")
    assert images.count() >= 2
    for i in range(images.count()):
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=images.nth(i).element_handle(), timeout=120_000)
    assert page.locator("section.cluster").count() >= 2


# --- another site in the same browser --------------------------------------------------------------

HOSTILE_PAGES = {
    # a form that posts itself to the app as soon as the page loads
    "/form": """<form id="f" method="post" action="{target}"><input name="digits" value="50">
<input name="form_token" value="guessed"></form><script>document.getElementById("f").submit()</script>""",
    # a script's request, which may not read the answer but might have its effect
    "/fetch": """<script>fetch("{target}", {{method: "POST", mode: "no-cors", credentials: "include",
headers: {{"content-type": "application/x-www-form-urlencoded"}}, body: "digits=50&form_token=guessed"}})
.finally(() => {{ document.title = "sent"; }})</script>""",
    # the same form in a sandboxed frame, whose origin is "null"
    "/sandbox": """<iframe sandbox="allow-forms allow-scripts" src="/form?id={id}"></iframe>""",
}


@pytest.fixture
def hostile(served: Any) -> Iterator[Callable[[str, int], str]]:
    """A site of its own on another port of 127.0.0.1, whose pages try to start a verification
    in the app; gives the URL of one of its pages aimed at a conjecture."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            url = urlsplit(self.path)
            conjecture_id = int(parse_qs(url.query)["id"][0])
            target = f"{served.base}/conjectures/{conjecture_id}/verify"
            page = HOSTILE_PAGES[url.path].format(target=target, id=conjecture_id)
            body = ("<!DOCTYPE html><html><body>" + page + "</body></html>").encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield lambda page, conjecture_id: f"http://127.0.0.1:{site.server_address[1]}{page}?id={conjecture_id}"
    finally:
        site.shutdown()
        site.server_close()


@pytest.mark.parametrize("attack", list(HOSTILE_PAGES))
def test_another_site_cannot_start_a_verification(browser: Any, served: Any, hostile: Any, attack: str) -> None:
    with served.store() as store:
        (row,) = [r for r in store.query(constant="pi") if (r.a, r.b) == ("2n + 1", "n^2")]
        before = store.counts()
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(f"{served.base}/conjectures/{row.id}")  # the app is open in the browser: its form cookie is set
        assert any(c["name"] == "brouncker_form_token" and c["sameSite"] == "Strict" for c in context.cookies())
        with tab.expect_response(lambda r: r.url.endswith(f"/conjectures/{row.id}/verify"), timeout=60_000) as answer:
            tab.goto(hostile(attack, row.id))
        assert answer.value.status == 403
        sent = answer.value.request.all_headers().get("origin")  # Playwright does not see a script's Origin header
        assert attack == "/fetch" or sent == ("null" if attack == "/sandbox" else hostile("", row.id).split("?")[0]), sent
        if attack != "/form":  # an answer the page may not read (an opaque fetch, a frame the app forbids): nor can the test
            return
        message = html.unescape(re.search(r'id="message">(.*?)</p>', answer.value.text(), re.S).group(1))  # type: ignore[union-attr]
        assert message.startswith("this request can only come from this app's own pages, not from ")
        assert message.endswith("'null'") == (attack == "/sandbox")
    finally:
        context.close()
    with served.store() as store:
        assert store.counts() == before  # no verification was queued, so none is written


def test_a_rebinding_name_gets_400(browser: Any, served: Any) -> None:
    """A DNS name of another site's that resolves to 127.0.0.1 (the resolver rule stands in
    for that site's DNS server): the browser sends it as the Host, and the app refuses."""
    port = served.base.rsplit(":", 1)[1]
    rules = "--host-resolver-rules=MAP rebind.test 127.0.0.1"
    rebinding = browser.browser_type.launch(executable_path=CHROMIUM, args=[*BROWSER_FLAGS, rules])
    try:
        tab = rebinding.new_page()
        for path in ("/conjectures", "/static/style.css"):
            response = tab.goto(f"http://rebind.test:{port}{path}")
            assert response is not None and response.status == 400
            assert "is not a name of this server" in tab.content()
        response = tab.goto(f"http://localhost:{port}/conjectures")
        assert response is not None and response.status == 200
    finally:
        rebinding.close()
