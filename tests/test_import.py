"""``brouncker import FILE``: a collection of formulas from CSV or JSON lines, as a search of
kind ``import`` on real SQLite and PostgreSQL stores, checked against mpmath and exact arithmetic."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from pathlib import Path

import mpmath
from hypothesis import given, settings
from hypothesis import strategies as st

from brouncker.pcf.polynomial import evaluate, parse
from brouncker.store import open_store
from tests.conftest_cli import one_line

pytest_plugins = ["tests.conftest_store"]

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ["search_id", "rows", "formulas", "duplicates", "identified", "claims_verified", "claims_refuted", "skipped"]
SMALL = """a,b,value,source
2n+1,n**2,4/pi,"Brouncker, 1655"
2*(2n+1),4*n**2,8/pi,<script>alert(1)</script>
n+3,-n,e,Euler
34*n**3 + 51*n**2 + 27*n + 5,-n**6,6/zeta(3),Apery
3n+1,2n^2+n,,no claim
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def import_json(cli: Callable[..., tuple[int, str, str]], *args: str) -> dict:
    code, out, err = cli("import", *args, "--workers", "0", "--json")
    assert code == 0, err
    return json.loads(out)


# --- parsing ----------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=8))
def test_python_spelling_parses_to_the_same_polynomial(coefficients: list[int]) -> None:
    top = len(coefficients) - 1
    python = " + ".join(f"({c})*n**{top - i}" for i, c in enumerate(coefficients))
    ours = " + ".join(f"({c})n^{top - i}" for i, c in enumerate(coefficients))
    assert parse(python) == parse(ours)
    assert all(evaluate(parse(python), n) == sum(c * n ** (top - i) for i, c in enumerate(coefficients)) for n in range(-3, 4))


def test_sympy_spelling_of_aperys_polynomial() -> None:
    assert parse("(2*n+1)*(17*n**2+17*n+5)") == parse("34n^3+51n^2+27n+5") == (34, 51, 27, 5)
    assert parse("4*n**2 + 8*n - 5") == (4, 8, -5)


# --- importing ----------------------------------------------------------------------------------


def test_import_of_a_small_csv(cli, db_url: str, tmp_path: Path) -> None:
    report = import_json(cli, write(tmp_path, "small.csv", SMALL), "--db", db_url)
    assert list(report)[:8] == CONTRACT
    assert (report["rows"], report["formulas"], report["duplicates"], report["skipped"]) == (5, 4, 1, [])
    assert (report["claims_verified"], report["claims_refuted"]) == (4, 0)
    assert report["identified"] == 3  # 4/pi, e, 6/zeta(3) from the PCF alone; PCF(3n+1, 2n^2+n) is no bank formula
    with open_store(db_url, read_only=True) as store:
        rows = {r.expression: r for r in store.query(search=report["search_id"])}
        assert set(rows) == {"4/pi", "e", "6/zeta(3)", None}
        with mpmath.workdps(60):
            assert abs(mpmath.mpf(rows["4/pi"].limit) - 4 / mpmath.pi) < mpmath.mpf(10) ** -50
            assert abs(mpmath.mpf(rows["6/zeta(3)"].limit) - 6 / mpmath.zeta(3)) < mpmath.mpf(10) ** -50
        brouncker = store.get_conjecture(rows["4/pi"].id)
        assert brouncker is not None and brouncker.conjecture.status == "verified"
        assert [(s.line, s.a, s.b, s.value, s.verdict) for s in brouncker.sources] == [
            (2, "2n+1", "n**2", "4/pi", "verified"), (3, "2*(2n+1)", "4*n**2", "8/pi", "verified")]
        assert brouncker.sources[1].source == "<script>alert(1)</script>"  # kept as written: data
        assert brouncker.metrics and brouncker.metrics[0].depth == 2000
        candidate = rows[None]
        assert candidate.candidate and candidate.limit is not None


def test_import_of_json_lines_gives_what_the_csv_gives(cli, tmp_path: Path) -> None:
    lines = [{"a": "2n+1", "b": "n**2", "value": "4/pi", "source": "Brouncker"}, {"a": "2*(2n+1)", "b": "4*n**2", "value": "8/pi"},
             {"a": "n+3", "b": "-n", "value": "e", "source": None}, {"a": "1", "b": "n^2"}]
    path = write(tmp_path, "f.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    report = import_json(cli, path, "--db", f"sqlite:///{tmp_path / 'j.db'}")
    assert (report["rows"], report["formulas"], report["duplicates"]) == (4, 3, 1)
    assert (report["claims_verified"], report["identified"]) == (3, 3)


def test_reimport_adds_nothing(cli, tmp_path: Path) -> None:
    path, db = write(tmp_path, "small.csv", SMALL), f"sqlite:///{tmp_path / 'r.db'}"
    first = import_json(cli, path, "--db", db)
    with open_store(db, read_only=True) as store:
        before = store.counts()
    again = import_json(cli, path, "--db", db)
    with open_store(db, read_only=True) as store:
        assert store.counts() == before
    assert again["search_id"] == first["search_id"] and sum(again["written"].values()) == 0
    assert {k: again[k] for k in CONTRACT} == {k: first[k] for k in CONTRACT}


def test_a_refuted_claim_is_kept_and_marked(cli, tmp_path: Path) -> None:
    path, db = write(tmp_path, "wrong.csv", "a,b,value\nn+3,-n,7/e\n1,n^2,1/ln2\n1,n^2,1/ln3\n"), f"sqlite:///{tmp_path / 'w.db'}"
    report = import_json(cli, path, "--db", db)
    assert (report["formulas"], report["claims_verified"], report["claims_refuted"]) == (2, 1, 2)
    with open_store(db, read_only=True) as store:
        rows = {r.expression: r for r in store.query(search=report["search_id"])}
        assert rows["7/e"].status == "refuted" and rows["1/ln2"].status == "verified"
        detail = store.get_conjecture(rows["7/e"].id)
        assert detail is not None and detail.verifications[0].verdict == "refuted"
        assert (detail.data or {})["identified"]["expression"] == "e"  # what the PCF alone says
        ln2 = store.get_conjecture(rows["1/ln2"].id)
        assert ln2 is not None and [(s.value, s.verdict) for s in ln2.sources] == [("1/ln2", "verified"), ("1/ln3", "refuted")]


def test_a_bad_row_names_its_line_and_writes_nothing(cli, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", "a,b,value\n2n+1,n^2,4/pi\n2n+,n^2,\nn,n,1/(e-1)\n1,n^2,__import__('os')\n")
    db = tmp_path / "never.db"
    code, out, err = cli("import", path, "--db", f"sqlite:///{db}", "--workers", "0", "--json")
    assert code == 2 and out == ""
    line = one_line(err)
    assert f"{path}:3: a: cannot parse '2n+'" in line and "1 more bad row" in line
    assert not db.exists()


def test_skip_bad_imports_the_rest_and_lists_the_skipped_lines(cli, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", "a,b,value\n2n+1,n^2,4/pi\n2n+,n^2,\nn,n,1/(e-1)\n1,n^2,__import__('os')\n")
    report = import_json(cli, path, "--db", f"sqlite:///{tmp_path / 's.db'}", "--skip-bad")
    assert (report["rows"], report["formulas"], report["claims_verified"]) == (4, 2, 2)
    assert [s["line"] for s in report["skipped"]] == [3, 5]
    assert "unknown function '__import__'" in report["skipped"][1]["reason"]


def test_too_many_rows_are_refused_before_any_work(cli, tmp_path: Path) -> None:
    path = write(tmp_path, "big.csv", "a,b\n" + "n,1\n" * 10_001)
    code, _, err = cli("import", path, "--db", f"sqlite:///{tmp_path / 'b.db'}", "--workers", "0")
    assert code == 2 and "the number of rows is 10,001, over the limit of 10,000; --allow-large" in one_line(err)
    assert not (tmp_path / "b.db").exists()


def test_every_command_works_on_an_import(cli, tmp_path: Path) -> None:
    path, db = write(tmp_path, "small.csv", SMALL), f"sqlite:///{tmp_path / 'c.db'}"
    report = import_json(cli, path, "--db", db)
    sid = str(report["search_id"])
    code, out, _ = cli("query", "--db", db, "--search", sid, "--constant", "pi", "--json")
    assert code == 0 and [r["expression"] for r in json.loads(out)] == ["4/pi"]
    conjecture = str(json.loads(out)[0]["id"])
    code, out, _ = cli("show", conjecture, "--db", db, "--json")
    assert code == 0 and [s["line"] for s in json.loads(out)["sources"]] == [2, 3]
    code, out, _ = cli("show", conjecture, "--db", db)
    assert code == 0 and "<script>alert(1)</script>" in out  # printed as text, not taken for markup
    code, out, err = cli("cluster", sid, "--db", db, "--json")
    assert code == 0, err
    code, out, err = cli("cmf", "explain", sid, "--db", db, "--fields", "pi", "--json")
    assert code == 0, err
    assert any(link["conjecture_id"] == int(conjecture) and link["field"] == "pi" for link in json.loads(out)["links"])
    html = tmp_path / "r.html"
    code, _, err = cli("report", sid, "--db", db, "--out", str(html))
    text = html.read_text(encoding="utf-8")
    assert code == 0 and "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>" not in text


def test_the_web_page_escapes_sources(cli, tmp_path: Path) -> None:
    from tests.conftest_serve import start_server, stop_server

    path, db = write(tmp_path, "small.csv", SMALL), f"sqlite:///{tmp_path / 'web.db'}"
    report = import_json(cli, path, "--db", db)
    with open_store(db, read_only=True) as store:
        (row,) = [r for r in store.query(search=report["search_id"]) if r.expression == "4/pi"]
    proc, base = start_server(db)
    try:
        with urllib.request.urlopen(f"{base}/conjectures/{row.id}", timeout=30) as response:
            page = response.read().decode()
    finally:
        stop_server(proc)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert 'id="sources"' in page and "Brouncker, 1655" in page


def test_the_classical_collection_imports_with_every_claim_verified(cli, tmp_path: Path) -> None:
    report = import_json(cli, str(ROOT / "searches" / "classical-formulas.csv"), "--db", f"sqlite:///{tmp_path / 'k.db'}")
    assert report["rows"] >= 30 and report["skipped"] == []
    assert report["claims_verified"] == report["rows"] and report["claims_refuted"] == 0
    assert report["duplicates"] >= 3  # inflated copies of Euler's 4/pi, Apery's and Catalan's fractions
