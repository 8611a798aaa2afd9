"""The shard pipeline and the search driver, checked against independent computations."""

from __future__ import annotations

import subprocess
import sys

import mpmath

from brouncker.constants import parse_constant
from brouncker.identification.identify import identify
from brouncker.pcf.canonical import canonical
from brouncker.pcf.fraction import PCF
from brouncker.pcf.walk import walk
from brouncker.search.executor import SerialExecutor
from brouncker.search.pipeline import run_shard
from brouncker.search.runner import prepare_search, resume_search, run_search
from brouncker.search.space import Shard
from brouncker.search.spec import parse_spec
from brouncker.store import open_store

CONSTANTS = ["pi", "e", "ln2", "sqrt2", "phi"]


def small_spec(mode: str = "identify", **extra) -> object:
    data = {
        "name": f"test-{mode}",
        "mode": mode,
        "constants": CONSTANTS,
        "digits": 20,
        "shard_size": 150,
        "family": {"a": {"degree": 1, "range": [-2, 2]}, "b": {"degree": 2, "range": [-1, 1]}},
        "screen": {"depth": 150},
        "exact": {"depth": 2000, "dynamics_depth": 200},
    }
    data.update(extra)
    return parse_spec(data)


def whole(spec) -> Shard:
    return Shard(0, 0, len(spec.space()))


def exact_limit(a, b, dps: int) -> mpmath.mpf:
    c = walk(a, b, 3000)
    with mpmath.workdps(dps):
        return mpmath.mpf(int(c.p)) / int(c.q)


def test_identify_mode_conjectures_hold_independently():
    spec = small_spec()
    result = run_shard(spec, whole(spec))
    expressions = {(c.a, c.b): c.expression for c in result.conjectures}
    assert expressions[(2, 1), (1, 0, 0)] == "4/pi"  # Brouncker
    assert expressions[(1, 0), (1, 0)] == "1/(e - 1)"
    assert len({c.canonical_key for c in result.conjectures}) == len(result.conjectures)
    for c in result.conjectures:
        with mpmath.workdps(60):
            assert abs(exact_limit(c.a, c.b, 60) - parse_constant(c.expression).value(60)) < mpmath.mpf(10) ** -40
        found = PCF(c.data["found_a"], c.data["found_b"])
        assert canonical(found).key == c.canonical_key
        assert spec.space().pcf(c.data["found_index"]) == (
            (0,) * (2 - len(found.a)) + found.a, (0,) * (3 - len(found.b)) + found.b
        )
    assert {m.canonical_key for m in result.metrics} == {c.canonical_key for c in result.conjectures}


def test_identify_mode_misses_no_moebius_formula():
    """Held out: every PCF of the space whose exact limit LLL identifies as a Möbius form
    of one constant (coefficients <= 12, 40 digits, re-checked) is among the findings."""
    spec = small_spec()
    space = spec.space()
    found = {c.canonical_key for c in run_shard(spec, whole(spec)).conjectures}
    expected = set()
    for index in range(len(space)):
        a, b = space.pcf(index)
        pcf = PCF(a, b)
        conv = walk(pcf.a, pcf.b, 3000)
        if conv.q == 0 or conv.trustworthy_digits < 90 or conv.finite_at is not None:
            continue
        with mpmath.workdps(100):
            x = mpmath.mpf(int(conv.p)) / int(conv.q)
        if abs(x) >= 1000:
            continue
        hit = identify(x, 40, CONSTANTS, pairs=False, deeper=x, deeper_digits=85, max_coefficient=12)
        if hit is not None and hit.constants:
            expected.add(canonical(pcf).key)
    assert expected and expected <= found


def test_dynamics_mode_records_every_survivor():
    spec = small_spec("dynamics")
    result = run_shard(spec, whole(spec))
    assert result.counts["converged"] > 0
    keys = [p.canonical_key for p in result.pcfs]
    assert len(keys) == len(set(keys)) == len(result.metrics) == result.counts["classes"]
    identify_keys = {c.canonical_key for c in run_shard(small_spec(), whole(spec)).conjectures}
    assert identify_keys <= {c.canonical_key for c in result.conjectures}
    for m in result.metrics:
        assert m.depth == 200 and m.dynamics["convergence"] in ("exponential", "factorial", "polynomial", "divergent", "rational")


def test_dynamics_mode_records_each_class_once_across_shards(tmp_path):
    """Shards leave a class to the shard holding its canonical member: together they
    record exactly the classes of one undivided run."""
    whole_run = run_shard(small_spec("dynamics"), whole(small_spec("dynamics")))
    spec = small_spec("dynamics", shard_size=40)
    results = [run_shard(spec, s) for s in spec.space().shards(spec.shard_size)]
    assert sum(r.counts["elsewhere"] for r in results) > 0
    keys = [p.canonical_key for r in results for p in r.pcfs]
    assert set(keys) == whole_run.keys
    assert len(keys) < 2 * len(set(keys))  # few classes are done twice
    conjectures = {(c.canonical_key, c.expression) for r in results for c in r.conjectures}
    assert conjectures == {(c.canonical_key, c.expression) for c in whole_run.conjectures}


def test_running_a_spec_twice_adds_nothing(tmp_path):
    spec = small_spec()
    with open_store(f"sqlite:///{tmp_path}/s.db") as store:
        first = run_search(store, spec, executor=SerialExecutor(), progress=False)
        assert first.status == "done" and first.written["conjectures"] == len(first.findings) > 0
        counts = store.counts()
        second = run_search(store, spec, executor=SerialExecutor(), progress=False)
        assert second.search_id == first.search_id and second.written == {"pcfs": 0, "metrics": 0, "conjectures": 0}
        assert store.counts() == counts
        assert prepare_search(store, spec) == first.search_id
        assert len(store.searches()) == 1
        again = resume_search(store, first.search_id, executor=SerialExecutor(), progress=False)
        assert again.status == "done" and again.counters["pcfs"] == len(spec.space())


def test_a_failing_shard_is_recorded_not_retried(tmp_path):
    spec = small_spec(screen={"depth": 150})
    with open_store(f"sqlite:///{tmp_path}/s.db") as store:
        report = run_search(store, spec, executor=SerialExecutor(), progress=False, task_fn=fail_on_shard_one)
        assert report.status == "failed" and report.shards == {"done": 4, "failed": 1}
        assert len(report.errors) == 1 and report.errors[0].startswith("shard 1: ArithmeticError: shard one is cursed")
        fixed = resume_search(store, report.search_id, executor=SerialExecutor(), progress=False)
        assert fixed.status == "done" and fixed.shards == {"done": 5}


def fail_on_shard_one(task):
    from brouncker.search.pipeline import run_task

    if task.shard.index == 1:
        raise ArithmeticError("shard one is cursed")
    return run_task(task)


def _brouncker(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "brouncker", *args], capture_output=True, text=True, timeout=120)


def test_cli_bad_spec_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nnosuchkey = 1\n')
    done = _brouncker("search", "run", str(bad), "--db", f"sqlite:///{tmp_path}/c.db")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "nosuchkey" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_cli_run_status_list(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(
        'name = "cli"\nconstants = ["pi", "e"]\ndigits = 20\nshard_size = 200\n'
        "[family.a]\ndegree = 1\nrange = [0, 2]\n[family.b]\ndegree = 2\nrange = [0, 1]\n"
    )
    db = f"sqlite:///{tmp_path}/c.db"
    run = _brouncker("search", "run", str(spec), "--db", db, "--workers", "0", "--json")
    assert run.returncode == 0, run.stderr
    import json

    report = json.loads(run.stdout)
    assert "4/pi" in {f["expression"] for f in report["findings"]}
    listed = json.loads(_brouncker("search", "list", "--db", db, "--json").stdout)
    assert [s["id"] for s in listed] == [report["search_id"]] and listed[0]["status"] == "done"
    status = json.loads(_brouncker("search", "status", str(report["search_id"]), "--db", db, "--json").stdout)
    assert status["counters"]["pcfs"] == 8 * 7
    assert _brouncker("search", "status", "99", "--db", db).returncode == 1
