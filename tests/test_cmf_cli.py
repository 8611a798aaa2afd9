"""The ``brouncker cmf`` commands and ``search run``/``search plan`` on CMF specs: JSON fields,
exit codes, one-line refusals, and the numbers they print against mpmath."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import mpmath
import pytest
import sympy as sp

from brouncker.cmf import known
from brouncker.cmf.field import CMF
from brouncker.cmf.known import KnownField
from tests.conftest_cli import one_line

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {  # the registry's examples, as mpmath computes them
    "e": lambda: 1 / (1 - mpmath.e),
    "pi": lambda: (2 - mpmath.pi) / 2,
    "zeta3": lambda: (1 - mpmath.zeta(3)) / mpmath.zeta(3),
    "cmf1": lambda: 1 / mpmath.log(2) - 1,
}


def test_list_gives_every_known_field(cli) -> None:
    code, out, _ = cli("cmf", "list", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["name"] for r in rows] == [k.name for k in known.known_fields()]
    assert {r["name"]: (r["rank"], r["axes"], r["parameters"]) for r in rows}["2F1"] == (2, ["x0", "x1", "y0"], ["z"])


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_walk_reaches_each_registry_example(cli, name: str) -> None:
    (row,) = [r for r in json.loads(cli("cmf", "list", "--json")[1]) if r["name"] == name]
    example = row["example"]
    args = ["cmf", "walk", name, "--trajectory", ",".join(map(str, example["trajectory"])),
            "--start", ",".join(map(str, example["start"])), "--depth", "200", "--json"]
    if example["parameters"]:
        args += ["--parameters", ",".join(f"{k}={v}" for k, v in example["parameters"].items())]
    code, out, _ = cli(*args)
    data = json.loads(out)
    assert code == 0 and {"limit", "digits", "depth", "delta"} <= set(data) and data["depth"] == 200
    digits = data["digits"]
    assert digits is not None and digits >= 15
    with mpmath.workdps(digits + 20):
        assert abs(mpmath.mpf(data["limit"]) - EXAMPLES[name]()) < mpmath.mpf(10) ** -(digits - 1)


def test_walk_of_the_zeta3_diagonal_has_apery_digits_and_delta(cli) -> None:
    code, out, _ = cli("cmf", "walk", "zeta3", "--trajectory", "1,1", "--start", "1,1", "--depth", "1000", "--json")
    data = json.loads(out)
    assert code == 0 and 3000 < data["digits"] < 3100  # 3.06 digits per step, as Apéry's PCF
    assert 0.07 < data["delta"] < 0.1  # blind δ against depth 2000 (Apéry: 0.0866)
    assert (data["field"], data["trajectory"], data["start"]) == ("zeta3", [1, 1], ["1", "1"])


def test_pcf_key_is_the_canonical_key(cli) -> None:
    code, out, _ = cli("cmf", "pcf", "zeta3", "--trajectory", "1,1", "--start", "1,1", "--json")
    data = json.loads(out)
    assert code == 0 and (data["a"], data["b"]) == ("34n^3 + 153n^2 + 231n + 117", "-n^6 - 6n^5 - 15n^4 - 20n^3 - 15n^2 - 6n - 1")
    code, out, _ = cli("canonical", "--a", "(2n+3)(17n^2+51n+39)", "--b", "-(n+1)^6", "--json")
    assert code == 0 and json.loads(out)["key"] == data["key"]
    assert data["class_key"] == "a=34,51,27,5|b=-1,0,0,0,0,0,0"  # Apéry's own key
    assert data["value_map"] == "limit = (-V - 1)/(6V), V = PCF(a, b)"


def test_pcf_latex_gives_the_trajectory_matrix(cli) -> None:
    code, out, _ = cli("cmf", "pcf", "e", "--trajectory", "1,1", "--start", "0,0", "--latex", "--json")
    assert code == 0 and json.loads(out)["matrix_latex"].startswith(r"\left[\begin{matrix}")


def test_check_exits_0_when_the_field_conserves_and_1_naming_the_entry_when_not(cli, monkeypatch) -> None:
    assert cli("cmf", "check", "zeta3")[0] == 0
    code, out, _ = cli("cmf", "check", "cmf1", "--json")  # parameters left symbolic
    assert code == 0 and json.loads(out)["conserves"] is True
    x, y = sp.symbols("x y")
    broken = KnownField("broken", "the e field with one entry perturbed",
                        lambda: CMF({x: [[1, -y - 1], [-1, x + y + 3]], y: [[0, -y - 1], [-1, x + y + 1]]}, name="broken"))
    monkeypatch.setattr(known, "_REGISTRY", (*known.known_fields(), broken))
    known.field_shape.cache_clear()
    try:
        code, out, _ = cli("cmf", "check", "broken")
        assert code == 1 and "at entry [0, 1] (from 0): they differ by y + 1" in out.replace("\n", " ")
    finally:
        known.field_shape.cache_clear()


@pytest.mark.parametrize(
    "args, message",
    [
        (["walk", "nosuch", "--trajectory", "1,1", "--start", "1,1"], "unknown field 'nosuch' (known: e, pi, zeta3"),
        (["walk", "zeta3", "--trajectory", "1,1,1", "--start", "1,1"], "trajectory (1, 1, 1) has 3 entries; zeta3 has 2 axes"),
        (["walk", "zeta3", "--trajectory", "1,x", "--start", "1,1"], "--trajectory '1,x': give integers"),
        (["walk", "zeta3", "--trajectory", "\uff11,1", "--start", "1,1"], "--trajectory '１,1': non-ASCII character '１' (U+FF11)"),
        (["walk", "zeta3", "--trajectory", "1,1", "--start", "1,\u0661"], "--start '١': non-ASCII character '١' (U+0661)"),
        (["walk", "zeta3", "--trajectory", "0,0", "--start", "1,1"], "the trajectory (0, …, 0) does not move"),
        (["walk", "zeta3", "--trajectory", "1000,1", "--start", "1,1"], "entries lie within ±16"),
        (["walk", "zeta3", "--trajectory", "1,1", "--start", "1,pi"], "--start: 'pi' is not a rational number"),
        (["walk", "zeta3", "--trajectory", "1,1", "--start", "1,1e400"], "--start: 100000000000000000000000000... is too large"),
        (["walk", "zeta3", "--trajectory", "1,1", "--start", "1,1", "--depth", "0"], "--depth must lie between 1 and 131,072"),
        (["walk", "zeta3", "--trajectory", "1,1", "--start", "1,1", "--depth", "10000000000"], "--depth must lie between 1"),
        (["walk", "cmf1", "--trajectory", "1,1", "--start", "1,1"], "field cmf1 has free parameters (c0, c1, c2, c3)"),
        (["walk", "cmf1", "--trajectory", "1,1", "--start", "1,1", "--parameters", "c9=1"], "cmf1 has no parameter 'c9'"),
        (["walk", "cmf1", "--trajectory", "1,1", "--start", "1,1", "--parameters", "c0"], "is not NAME=VALUE"),
        (["walk", "1F1", "--trajectory", "1,0", "--start", "1,1", "--parameters", "z=1/0"], "not a rational number"),
        (["check", "1F1", "--parameters", "z=0"], "z = 0 makes an entry of M(y0) of 1F1 infinite"),
        (["pcf", "zeta3", "--trajectory", "0,1", "--start", "0,1"], "is diagonal: it is no PCF"),
        (["pcf", "3F2", "--trajectory", "1,0,0,0,0", "--start", "1,1,1,2,2", "--parameters", "z=1/2"], "only rank-2 trajectories are PCFs"),
        (["check", "nosuch"], "unknown field 'nosuch'"),
        (["explain", "1", "--fields", "3F2", "--db", "sqlite://"], "field 3F2 has rank 3"),
        (["explain", "1", "--fields", "pi", "--max-norm", "99", "--db", "sqlite://"], "--max-norm must lie between 1 and 16"),
        (["explain", "1", "--fields", "cmf1", "--parameter-range", "-40,40", "--db", "sqlite://"], "explain would enumerate"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_within_seconds(cli, args: list[str], message: str) -> None:
    started = time.perf_counter()
    code, _, err = cli("cmf", *args)
    assert code == 2 and message in one_line(err)
    assert time.perf_counter() - started < 10


def test_explain_needs_an_existing_search(cli, tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/none.db"
    code, _, err = cli("cmf", "explain", "7", "--db", url, "--fields", "e")
    assert code == 2 and "no brouncker database" in one_line(err) and not (tmp_path / "none.db").exists()
    assert cli("db", "upgrade", "--db", url)[0] == 0
    code, _, err = cli("cmf", "explain", "7", "--db", url, "--fields", "e")
    assert code == 2 and one_line(err) == "error: no search with id 7"


def test_explain_of_a_search_without_formulas_exits_1_without_enumerating(cli, tmp_path) -> None:
    from brouncker.store import open_store

    url = f"sqlite:///{tmp_path}/empty.db"
    with open_store(url) as store:
        search_id = store.create_search("empty", {"kind": "pcf"}, "0" * 64, shards=[(0, 0, 10)])  # a search that found nothing
    code, out, err = cli("cmf", "explain", str(search_id), "--db", url, "--json")
    data = json.loads(out)
    assert code == 1 and one_line(err) == f"search {search_id} has no formulas with a continued fraction to explain"
    assert (data["targets"], data["links"], data["fields"], data["written"]) == (0, [], {}, 0)  # no field was enumerated


def test_search_run_and_plan_take_a_cmf_spec(tmp_path) -> None:
    """The real console script, on the shipped spec: plan's JSON, then the run's findings."""
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": str(Path(sys.executable).parent)}
    spec = str(ROOT / "searches" / "zeta3-cmf.toml")
    plan = subprocess.run([sys.executable, "-m", "brouncker", "search", "plan", spec, "--workers", "0", "--json",
                           "--sample-seconds", "0.5"], capture_output=True, text=True, env=env, timeout=300)
    data = json.loads(plan.stdout)
    assert plan.returncode == 0 and (data["pcfs"], data["shards"]) == (20, 5) and data["estimated_seconds"] > 0
    url = f"sqlite:///{tmp_path}/s.db"
    run = subprocess.run([sys.executable, "-m", "brouncker", "search", "run", spec, "--db", url, "--workers", "0", "--json"],
                         capture_output=True, text=True, env=env, timeout=300)
    report = json.loads(run.stdout)
    assert run.returncode == 0 and report["kind"] == "cmf" and report["status"] == "done" and report["counters"]["walks"] == 20
    assert "(1 - zeta(3))/zeta(3)" in {f["expression"] for f in report["findings"]}
    query = subprocess.run([sys.executable, "-m", "brouncker", "query", "--db", url, "--kind", "cmf", "--format", "json"],
                           capture_output=True, text=True, env=env, timeout=120)
    rows = json.loads(query.stdout)
    assert len(rows) == 20 and all(r["kind"] == "cmf" and r["delta_kind"] == "fr" for r in rows)
    explain = subprocess.run([sys.executable, "-m", "brouncker", "cmf", "explain", str(report["search_id"]), "--db", url,
                              "--fields", "zeta3", "--json"], capture_output=True, text=True, env=env, timeout=300)
    links = json.loads(explain.stdout)
    assert explain.returncode == 0 and links["explained"] == 20  # every trajectory is one of the field's
