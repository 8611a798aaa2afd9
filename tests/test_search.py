"""The shard pipeline and the search driver, checked against independent computations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import mpmath
import pytest

from brouncker.constants import parse_constant
from brouncker.errors import BrounckerError
from brouncker.identification.identify import identify
from brouncker.pcf.canonical import canonical
from brouncker.pcf.fraction import PCF
from brouncker.pcf.walk import walk
from brouncker.search.estimate import RAY_SECONDS, estimate_search
from brouncker.search.executor import SerialExecutor
from brouncker.search.kinds import plan_search
from brouncker.search.kinds.pcf import run_shard
from brouncker.search.runner import prepare_search, resume_search, run_search
from brouncker.search.shards import Shard
from brouncker.search.spec import parse_spec
from brouncker.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]

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
    """p(3000)/q(3000); for a slowly converging PCF (its convergents at 1500 and 3000
    differ by more than 10^-dps), mpmath's own extrapolation (``mpmath.limit``) of the
    convergents instead: a computation independent of brouncker's."""
    c, half = walk(a, b, 3000), walk(a, b, 1500)
    with mpmath.workdps(dps):
        x = mpmath.mpf(int(c.p)) / int(c.q)
        if abs(x - mpmath.mpf(int(half.p)) / int(half.q)) < mpmath.mpf(10) ** -dps:
            return x

        def convergent(n: mpmath.mpf) -> mpmath.mpf:
            w = walk(a, b, int(n))
            return mpmath.mpf(int(w.p)) / int(w.q)

        return mpmath.limit(convergent, mpmath.inf)


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


def test_a_search_left_without_shards_gets_them_on_the_next_run(tmp_path):
    """Older versions wrote a search's row and its shards in two transactions: a run stopped
    between them left a row with no shard, which the next run completes."""
    import sqlalchemy as sa

    spec = small_spec()
    url = f"sqlite:///{tmp_path}/s.db"
    with open_store(url) as store:
        pass
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO search (name, spec, spec_hash, status, counters, created_at, updated_at) "
                             "VALUES (:n, '{}', :h, 'pending', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                     {"n": spec.name, "h": spec.hash})
        orphan = conn.scalar(sa.text("SELECT max(id) FROM search"))
    engine.dispose()
    with open_store(url) as store:
        report = run_search(store, spec, executor=SerialExecutor(), progress=False)
        assert report.search_id == orphan and report.status == "done"
        assert [(s.start, s.stop) for s in store.shards(orphan)] == [(s.start, s.stop) for s in plan_search(spec).shards]


def fail_on_shard_one(task):
    from brouncker.search.kinds.pcf import run_task

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
    report = json.loads(run.stdout)
    assert "4/pi" in {f["expression"] for f in report["findings"]}
    listed = json.loads(_brouncker("search", "list", "--db", db, "--json").stdout)
    assert [s["id"] for s in listed] == [report["search_id"]] and listed[0]["status"] == "done"
    status = json.loads(_brouncker("search", "status", str(report["search_id"]), "--db", db, "--json").stdout)
    assert status["counters"]["pcfs"] == 8 * 7
    assert _brouncker("search", "status", "99", "--db", db).returncode == 1


# --- plans and limits, before the store is touched ----------------------------------------


def test_plan_counts_the_space_and_its_shards():
    spec = small_spec()
    plan = plan_search(spec)
    pcfs = (5 * 5 - 1) * (3 * 3 * 3 - 1)  # a linear in [-2, 2], b quadratic in [-1, 1], no zero polynomial
    assert plan.units == plan.items == pcfs == len(spec.space())
    assert [(s.start, s.stop) for s in plan.shards] == [(i, min(i + 150, pcfs)) for i in range(0, pcfs, 150)]


def test_estimate_runs_real_tasks_and_scales_them():
    spec = small_spec(shard_size=100)
    estimate = estimate_search(spec, workers=0, budget=0.5)
    assert estimate.pcfs == len(spec.space()) and estimate.shards == -(-len(spec.space()) // 100)
    assert 0 < estimate.sample_units <= estimate.pcfs and estimate.workers == 1 and estimate.startup_seconds > 0
    predicted = estimate.startup_seconds + estimate.planning_seconds + estimate.warmup_seconds + estimate.seconds_per_unit * estimate.pcfs
    assert estimate.estimated_seconds == pytest.approx(predicted, abs=0.01)
    on_two = estimate_search(spec, workers=2, budget=0.5)
    assert on_two.workers == 2 and on_two.startup_seconds > RAY_SECONDS  # Ray's start and stop, and its workers' imports


def test_cli_plan_json_writes_nothing(tmp_path):
    out = subprocess.run([sys.executable, "-m", "brouncker", "search", "plan", str(ROOT / "searches" / "esma-e.toml"), "--json",
                          "--sample-seconds", "0.2"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    plan = json.loads(out.stdout)
    assert plan["pcfs"] == 112 * 4 and plan["shards"] == 1 and plan["estimated_seconds"] > 0  # 112 LHS x 4 sign periods
    assert list(tmp_path.iterdir()) == []  # no ./brouncker.db, nothing at all


def _run_refused(tmp_path: Path, spec: str, seconds: float = 10) -> subprocess.CompletedProcess:
    db = tmp_path / "never.db"
    started = time.monotonic()
    done = _brouncker("search", "run", spec, "--db", f"sqlite:///{db}")
    assert time.monotonic() - started < seconds
    assert done.returncode == 2 and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not db.exists()  # refused before the store was opened
    return done


@pytest.mark.parametrize(
    "body, words",
    [
        ("[family.a]\ndegree = 12\nrange = [-1, 1]\n[family.b]\ndegree = 12\nrange = [-1, 1]\n", ["2.54e12 PCFs", "max_space"]),
        ("[family.a]\ndegree = 3\nrange = [-30, 30]\n[family.b]\ndegree = 3\nrange = [-30, 30]\n", ["1.92e14 PCFs", "years"]),
        ("shard_size = 1\n[family.a]\ndegree = 2\nrange = [-5, 5]\n[family.b]\ndegree = 2\nrange = [-5, 5]\n", ["1,768,900 shards"]),
        ("[family.a]\ncoefficients = [[0], [0]]\n[family.b]\ndegree = 1\nrange = [1, 2]\n", ["space is empty"]),
        ("kind = 'esma'\nconstant = 'e'\ncycles = '1..40'\n", ["(LHS, sign period) pairs", "memory"]),
    ],
)
def test_cli_run_refuses_oversized_and_empty_spaces_at_once(tmp_path, body, words):
    spec = tmp_path / "big.toml"
    spec.write_text('name = "big"\n' + body)
    done = _run_refused(tmp_path, str(spec))
    assert all(word in done.stderr for word in words), done.stderr


def test_cli_run_refuses_devices_and_pipes_at_once(tmp_path):
    assert "not a regular file" in _run_refused(tmp_path, "/dev/zero").stderr
    pipe = tmp_path / "pipe.toml"
    os.mkfifo(pipe)
    assert "named pipe" in _run_refused(tmp_path, str(pipe)).stderr


# --- the store is closed on every path ------------------------------------------------------


class WatchedStore(Store):
    """A real store that remembers being closed."""

    closed = 0

    def close(self) -> None:
        WatchedStore.closed += 1
        super().close()


def interrupt(task):
    raise KeyboardInterrupt


def explode(task):
    raise BrounckerError("no")


@pytest.mark.parametrize(
    "argv, task_fn, code",
    [
        (["search", "run", "SPEC", "--workers", "0", "--json"], None, 0),
        (["search", "run", "SPEC", "--workers", "0", "--json"], interrupt, 130),
        (["search", "run", "SPEC", "--workers", "0", "--json"], explode, 1),
        (["esma", "e", "--coeff-limit", "1", "--cycles", "2..2", "--json"], None, 0),
        (["esma", "e", "--coeff-limit", "1", "--cycles", "2..2", "--json"], interrupt, 130),
        (["esma", "e", "--coeff-limit", "1", "--cycles", "2..2", "--json", "--db", "DB"], explode, 1),
    ],
)
def test_the_cli_closes_the_store_on_every_path(tmp_path, monkeypatch, argv, task_fn, code):
    """Success, an interrupt (Ctrl-C inside the run) and failed shards: the store is closed."""
    from typer.testing import CliRunner

    import brouncker.store as store_package
    from brouncker.cli import app
    from brouncker.search import runner
    from brouncker.store.repository import open_store as real_open

    def watched(url=None, **options):
        store = real_open(url, **options)
        store.__class__ = WatchedStore
        return store

    monkeypatch.setattr(store_package, "open_store", watched)
    if task_fn is not None:
        original = runner.SearchRunner.__init__

        def patched(self, *args, **kwargs):
            original(self, *args, **kwargs)
            self.task_fn = task_fn

        monkeypatch.setattr(runner.SearchRunner, "__init__", patched)
    spec = tmp_path / "s.toml"
    spec.write_text('name = "s"\nconstants = ["pi"]\n[family.a]\ndegree = 1\nrange = [1, 2]\n[family.b]\ndegree = 0\nrange = [1, 1]\n')
    db = f"sqlite:///{tmp_path}/d.db"
    argv = [str(spec) if a == "SPEC" else db if a == "DB" else a for a in argv]
    if argv[0] == "search":
        argv += ["--db", db]
    WatchedStore.closed = 0
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == code, result.output
    assert WatchedStore.closed == 1


def test_identify_mode_by_blocks_finds_what_the_whole_shard_finds(monkeypatch):
    """Enumerating, screening and matching a shard block by block (its memory a block's)
    gives the records and counts of the shard taken whole, on either screen engine."""
    from brouncker.search.kinds import pcf as pipeline

    spec = small_spec()
    whole_run = run_shard(spec, whole(spec))
    monkeypatch.setattr(pipeline, "SCREEN_BLOCK", 37)
    by_blocks = run_shard(spec, whole(spec))
    reference = run_shard(small_spec(screen={"depth": 150, "device": "numpy"}), whole(spec))
    for run in (by_blocks, reference):
        assert [c.as_dict() for c in run.conjectures] == [c.as_dict() for c in whole_run.conjectures]
        timing = {"seconds", "cpu_seconds"}
        assert {k: v for k, v in run.counts.items() if k not in timing} == {k: v for k, v in whole_run.counts.items() if k not in timing}
    assert whole_run.counts["confirmed"] > 0
