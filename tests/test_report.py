"""The HTML report: self-contained, loads in headless Chromium with no console error, and
its plots are not blank. The data come from a small real dynamics search, clustered."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from mpmath import mp, mpf
from typer.testing import CliRunner

from brouncker.cli import app
from brouncker.pcf.walk import walk_sequential
from brouncker.report import write_report
from brouncker.report.plots import convergence_series, formula_latex

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def report(small_dynamics_search, tmp_path_factory):
    """(url, search id, path of the written report, Report) after search, cluster, report."""
    from brouncker.clustering.cluster import cluster_points
    from brouncker.store import open_store
    from brouncker.store.clusters import clustering_points, save_clustering

    url, search_id = small_dynamics_search
    out = tmp_path_factory.mktemp("report") / "report.html"
    with open_store(url) as store:
        points = clustering_points(store, search_id)
        save_clustering(store, search_id, cluster_points(points), points)
        result = write_report(store, search_id, out)
    return url, search_id, out, result


def test_report_is_self_contained(report):
    _, _, path, result = report
    text = path.read_text(encoding="utf-8")
    assert result.bytes == len(text.encode()) and result.clusters >= 4 and result.families >= 2
    assert text.startswith("<!DOCTYPE html>")
    # nothing is fetched: no external source, link or script
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", text)
    assert "<script" not in text and "http://" not in text and "https://" not in text
    assert text.count('src="data:image/png;base64,') == result.images >= 6
    for heading in ("Summary", "Clusters", "Conjectures per constant", "Convergence of the top conjectures",
                    "Families", "Candidate discoveries"):
        assert f">{heading}</h2>" in text
    assert "unknown-1" in text and "2/pi" in text


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; .ci/run installs it)")
def test_report_renders_in_headless_chromium(report, tmp_path):
    import matplotlib.image

    _, _, path, _ = report
    shot = tmp_path / "shot.png"
    profile = tmp_path / "profile"
    proc = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         f"--screenshot={shot}", "--window-size=1200,2400", path.as_uri()],
        capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    # the page has no script, so any console message at all is a failure
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    pixels = matplotlib.image.imread(str(shot))
    assert pixels.shape[0] == 2400 and pixels.shape[1] == 1200
    assert pixels.var() > 0.001  # not blank
    # the DOM is the page's: every image decoded (a broken data URI would be dropped from the count)
    dom = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", path.as_uri()],
                         capture_output=True, text=True, timeout=180)
    assert dom.returncode == 0 and "Candidate discoveries" in dom.stdout
    assert dom.stdout.count("data:image/png;base64,") == path.read_text(encoding="utf-8").count("data:image/png;base64,")


def test_report_command(report, tmp_path):
    url, search_id, _, _ = report
    out = tmp_path / "cli.html"
    result = CliRunner().invoke(app, ["report", str(search_id), "--db", url, "--out", str(out), "--json", "--top", "3"])
    assert result.exit_code == 0, result.output
    assert out.exists() and out.stat().st_size > 10_000
    missing = CliRunner().invoke(app, ["report", "999", "--db", url, "--out", str(out)])
    assert missing.exit_code != 0


def test_convergence_series_is_the_true_error():
    """log10|p(n)/q(n) - 4/π| against an independent sequential walk and mpmath."""
    depths, errors = convergence_series((2, 1), (1, 0, 0), "4/pi", max_depth=60, points=6)
    assert depths[-1] == 60 and len(depths) == len(errors)
    for n, err in zip(depths, errors):
        conv = walk_sequential((2, 1), (1, 0, 0), n)
        with mp.workdps(200):
            expected = float(mp.log10(abs(mpf(int(conv.p)) / int(conv.q) - 4 / mp.pi)))
        assert abs(err - expected) < 1e-9
    assert errors == sorted(errors, reverse=True)


def test_formula_latex():
    assert formula_latex("6/zeta(3)", "34n^3+51n^2+27n+5", "-n^6") == (
        r"\frac{6}{\zeta\left(3\right)} = \mathrm{PCF}\left(34n^{3} + 51n^{2} + 27n + 5,\ -n^{6}\right)"
    )


def test_report_lists_candidate_values(small_dynamics_db, tmp_path):
    """A value no bank constant explains is listed with its digits among the candidates."""
    import shutil

    from brouncker.pcf.canonical import canonical_key
    from brouncker.records import ConjectureKind, ConjectureRecord, PCFRecord
    from brouncker.store import open_store

    path, search_id = small_dynamics_db
    copy = tmp_path / "candidates.db"
    shutil.copyfile(path, copy)
    a, b = (1, 7), (-3, 0, 2)
    key = canonical_key(a, b)
    value = "1.23456789012345678901234567890"
    with open_store(f"sqlite:///{copy}") as store:
        store.write_records(pcfs=[PCFRecord(key, a, b, search_id)], conjectures=[ConjectureRecord(
            ConjectureKind.PCF, None, (), (), 30, canonical_key=key, a=a, b=b, limit=value, candidate=True, search_id=search_id)])
        result = write_report(store, search_id, tmp_path / "r.html")
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    section = text[text.index("Candidate values"):]
    assert value in section and "n + 7" in section and result.conjectures >= 1


def test_report_text_is_escaped_and_empty_tables_say_none() -> None:
    """The page is rendered from templates with autoescape: text from the database never
    becomes markup, and a section with no rows says so."""
    from brouncker.records import SearchStatus
    from brouncker.report import render
    from brouncker.store.rows import SearchRow

    search = SearchRow(7, "<script>alert(1)</script> & co", SearchStatus.DONE, "h", {"pcfs": 3}, {}, None, None)
    text, images = render(search, [], [], [])
    assert text.startswith("<!DOCTYPE html>") and "<script" not in text
    assert "brouncker report: search 7 (&lt;script&gt;alert(1)&lt;/script&gt; &amp; co)</h1>" in text
    assert text.count('src="data:image/png;base64,') == images  # the plane plots and the convergence plot, all embedded
    assert '<td>PCFs screened</td><td class="num">3</td>' in text
    assert "(none: run brouncker cmf explain SEARCH_ID)" in text and '<p class="muted">(none)</p>' in text
