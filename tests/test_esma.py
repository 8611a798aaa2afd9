"""Signed continued fractions and the ESMA search, against independent computations."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from fractions import Fraction

import mpmath
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mpmath import mp, mpf

from brouncker.constants import parse_constant
from brouncker.errors import BrounckerError, SpecError
from brouncker.esma.expansion import (
    LHS,
    canonical_lhs,
    enumerate_lhs,
    parse_cycles,
    sign_periods,
    signed_continued_fraction,
)
from brouncker.search.executor import SerialExecutor
from brouncker.search.kinds.esma import (
    ESMAConfig,
    ESMASpec,
    config_tasks,
    conjecture_record,
    dedupe,
    esma_rows,
    esma_search,
    run_esma_task,
)
from brouncker.search.runner import resume_search, run_search
from brouncker.search.spec import load_spec
from brouncker.store import open_store

BROUNCKER = shutil.which("brouncker") or f"{sys.executable} -m brouncker"
REFERENCE = ESMAConfig("e", lhs_degree=1, coeff_limit=2, cycles=(2, 2), depth=105)

pytest_plugins = ["tests.conftest_ray"]


def cf_value(quotients, signs, dps=120):
    """a0 + s0/(a1 + s1/(a2 + ...)) evaluated from the bottom with exact fractions."""
    x = Fraction(quotients[-1])
    for i in range(len(quotients) - 2, -1, -1):
        x = quotients[i] + Fraction(signs[i % len(signs)]) / x
    with mp.workdps(dps):
        return mpf(x.numerator) / x.denominator


@pytest.fixture(scope="module")
def reference_results():
    return esma_search(REFERENCE)


# --- expansions ------------------------------------------------------------------------


def test_all_plus_signs_give_the_regular_continued_fraction():
    with mp.workdps(300):
        assert signed_continued_fraction(mpmath.sqrt(2), (1,), 30, dps=300).partial_quotients == (1,) + (2,) * 29
        pi = signed_continued_fraction(+mp.pi, (1,), 8, dps=300).partial_quotients
    assert pi == (3, 7, 15, 1, 292, 1, 1, 1)


def test_e_over_e_minus_1_with_signs_plus_minus():
    with mp.workdps(600):
        x = parse_constant("e/(e-1)").value(600)
        expansion = signed_continued_fraction(x, (1, -1), 100, dps=600)
    assert expansion.stop is None
    assert expansion.partial_quotients[:10] == (1, 2, 3, 2, 5, 2, 7, 2, 9, 2)
    assert all(a == 2 for a in expansion.partial_quotients[1::2])
    assert expansion.partial_quotients[::2] == tuple(range(1, 100, 2))
    assert abs(cf_value(expansion.partial_quotients, (1, -1)) - parse_constant("e/(e-1)").value(120)) < mpf(10) ** -110


@given(
    st.integers(min_value=1, max_value=10**40),
    st.integers(min_value=1, max_value=10**40),
    st.lists(st.sampled_from([-1, 1]), min_size=1, max_size=4),
)
def test_rounding_rule_and_convergence(num, den, period):
    """Each a_i follows the rounding rule, and the fraction with the exact tail is x."""
    with mp.workdps(220):
        x = mpf(num) / den + mpmath.sqrt(2) / 7  # irrational
        expansion = signed_continued_fraction(x, period, 25, dps=200)
        a = expansion.partial_quotients
        assert expansion.stop in (None, "zero")
        s = [period[i % len(period)] for i in range(len(a))]
        assert a[0] == (int(mpmath.floor(x)) if s[0] > 0 else int(mpmath.ceil(x)))
        y = x
        for i in range(1, len(a)):
            y = s[i - 1] / (y - a[i - 1])
            assert a[i] == (int(mpmath.floor(y)) if s[i] > 0 else int(mpmath.ceil(y)))
        value = y  # a_0 + s_0/(a_1 + ... + s_{n-2}/y_{n-1}) with the exact tail y_{n-1}
        for i in range(len(a) - 2, -1, -1):
            value = a[i] + s[i] / value
        assert abs(value - x) < mpf(10) ** -150


def test_low_precision_stops_instead_of_guessing():
    with mp.workdps(30):
        expansion = signed_continued_fraction(+mp.e, (1,), 200, dps=30)
    assert expansion.stop == "precision" and 10 < len(expansion.partial_quotients) < 60


def test_rational_value_ends_the_expansion():
    with mp.workdps(60):  # 3/7 = [0; 2, 3]: the last quotient sits on an integer, undecidable
        expansion = signed_continued_fraction(mpf(3) / 7, (1,), 20, dps=50, reject_zero_integer_part=False)
    assert expansion.partial_quotients == (0, 2) and expansion.stop == "precision"


# --- enumeration -----------------------------------------------------------------------


def test_sign_periods_skip_repeats():
    assert sign_periods(2, 2) == [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    periods = sign_periods(1, 4)
    assert len(periods) == len(set(periods)) == 22
    assert (1, 1) not in periods and (1, -1, 1, -1) not in periods and (1, 1, -1, -1) in periods


def test_parse_cycles_rejects_bad_text():
    assert parse_cycles("1..3") == (1, 3)
    for text in ("2-3", "3..1", "a..b", "0..2", "1..2..3"):
        with pytest.raises(BrounckerError):
            parse_cycles(text)


@given(st.lists(st.integers(-3, 3), min_size=2, max_size=2), st.lists(st.integers(-3, 3), min_size=2, max_size=2),
       st.integers(-4, 4).filter(bool))
def test_canonical_lhs_is_invariant(p, q, k):
    c = +mp.e
    base = canonical_lhs(p, q, c)
    assert canonical_lhs([k * x for x in p], [k * x for x in q], c) == base
    assert canonical_lhs([-x for x in p], q, c) == base  # up to sign
    if base is not None:
        with mp.workdps(50):
            exact = abs(mpmath.polyval(p, c) / mpmath.polyval(q, c))
            assert abs(base.value(c) - exact) < mpf(10) ** -40 and base.value(c) > 0


def test_enumeration_drops_constants_and_duplicates():
    lhs = enumerate_lhs(+mp.e, 1, 2)
    assert len(lhs) == 112 == len(set(lhs))
    assert LHS((1, 0), (1, -1)) in lhs and all(x.numerator and x.denominator for x in lhs)
    # an algebraic constant: P(sqrt2)/Q(sqrt2) can be rational or coincide
    with mp.workdps(80):
        roots = enumerate_lhs(mpmath.sqrt(2), 2, 1)
        values = [mpmath.nstr(x.value(mpmath.sqrt(2)), 40) for x in roots]
    assert len(values) == len(set(values))
    assert all(x.text("sqrt2") not in ("sqrt2^2", "2") for x in roots)


def test_lhs_text_reads_back_as_the_same_value():
    for lhs in enumerate_lhs(+mp.e, 2, 1)[::3]:
        with mp.workdps(40):
            direct = lhs.value(+mp.e)
        assert abs(parse_constant(lhs.text("e")).value(30) - direct) < mpf(10) ** -25
    assert LHS((1, 0), (2, 0, 1)).text("tan(1)") == "(tan(1))/(2*(tan(1))^2+1)"


# --- the search ------------------------------------------------------------------------


def test_reference_configuration_gives_13_results(reference_results):
    results = reference_results
    assert len(results) == 13
    found = {(r.lhs, r.signs, r.recurrence) for r in results}
    # the assertions of the reference implementation's own test (ESMA/APITesting.py)
    assert ("e/(e-1)", (1, -1), (1, 0, -2, 0, 1)) in found
    assert ("e-1", (-1, 1), (1, 0, -2, 0, 1)) in found
    assert ("e/(e-2)", (1, 1), (1, 0, 0, -1, 0, 0, -1, 0, 0, 1)) in found
    e_over = next(r for r in results if r.lhs == "e/(e-1)")
    assert e_over.partial_quotients[:8] == (1, 2, 3, 2, 5, 2, 7, 2)
    assert e_over.initial_terms == (1, 2, 3, 2)
    assert e_over.closed_form == "a(2m) = 2m + 1; a(2m+1) = 2"
    assert len({r.value for r in results}) == 13


def test_every_result_checks_independently(reference_results):
    """Rebuild each fraction from its recurrence and compare with the LHS text's value."""
    for r in reference_results:
        assert r.digits >= 100 and r.convergence_rate > 0.5
        terms = list(r.initial_terms)
        c = r.recurrence
        while len(terms) < 400:
            n = len(terms)
            terms.append(-sum(c[j] * terms[n - j] for j in range(1, len(c))))
        assert tuple(terms[:12]) == r.partial_quotients
        assert abs(cf_value(terms, r.signs, 150) - parse_constant(r.lhs).value(150)) < mpf(10) ** -120


def test_irregular_starts_are_a_superset():
    loose = esma_search(ESMAConfig("e", 1, 2, (2, 2), 105, irregular_start=True))
    assert len(loose) == 83
    assert any(r.lhs == "1/(e-2)" and r.signs == (-1, 1) and r.initial_terms[:3] == (2, 1, 2) for r in loose)


def test_tasks_pickle_and_shards_agree_with_one_pass(reference_results):
    tasks = config_tasks(REFERENCE, chunk=30)
    assert len(tasks) == 4 and all(len(t.periods) == 4 for t in tasks)  # 112 LHS in chunks of 30, × 4 periods each
    reports = [run_esma_task(pickle.loads(pickle.dumps(t))) for t in reversed(tasks)]
    merged = dedupe(r for report in reports for r in report.results)
    assert merged == reference_results
    assert sum(report.counts.pairs for report in reports) == 448
    # each task's own dedupe is already the search's: no value is found by two tasks
    per_task = [r for report in reports for r in dedupe(report.results)]
    assert sorted(per_task, key=lambda r: r.value) == sorted(reference_results, key=lambda r: r.value)


def test_config_checks():
    for bad in (ESMAConfig("e", depth=8), ESMAConfig("e", prime=200), ESMAConfig("nosuch"), ESMAConfig("e", cycles=(3, 1)),
                ESMAConfig("e", cycles=(1, 65))):
        with pytest.raises(BrounckerError):
            bad.check()


# --- on the search driver -----------------------------------------------------------------


def as_rows(results) -> list[dict]:
    return [{k: v for k, v in r.as_dict().items()} for r in results]


def test_driver_stores_the_13_results_and_reruns_add_nothing(tmp_path, reference_results):
    spec = load_spec("searches/esma-e.toml")
    url = f"sqlite:///{tmp_path}/esma.db"
    with open_store(url) as store:
        report = run_search(store, spec, executor=SerialExecutor(), progress=False)
        assert report.status == "done" and report.kind == "esma" and report.written["conjectures"] == 13
        assert report.counters["pairs"] == 448 and report.counters["results"] == 13
        rows = esma_rows(store, report.search_id)
        assert rows == json.loads(json.dumps(as_rows(reference_results)))
        stored = store.query(kind="esma")
        assert all(row.status == "verified" for row in stored)
        assert all(store.get_conjecture(row.id).verifications[0].depth == 1000 for row in stored)
        assert store.search(report.search_id).spec_hash == spec.hash and len(spec.hash) == 64
        again = run_search(store, spec, executor=SerialExecutor(), progress=False)
        assert again.search_id == report.search_id and again.written == {"pcfs": 0, "metrics": 0, "conjectures": 0}
        assert len(store.query(kind="esma")) == 13 and len(store.searches()) == 1
    record = conjecture_record(reference_results[0])
    assert record.kind == "esma" and record.constants == ("e",) and set(record.data) >= {
        "lhs", "signs", "recurrence", "initial_terms", "convergence_rate"}


def fail_on_shard_one(job):
    from brouncker.search.kinds.esma import run_esma_shard

    if job.shard.index == 1:
        raise ArithmeticError("shard one is cursed")
    return run_esma_shard(job)


def test_a_failed_esma_shard_is_resumed_to_the_same_13_results(tmp_path, reference_results):
    """Shards of 30 LHS, one failing: the search ends ``failed``; a resume runs only that
    shard, and the search then holds exactly the reference's results."""
    spec = ESMASpec.of(REFERENCE, shard_size=30)
    with open_store(f"sqlite:///{tmp_path}/esma.db") as store:
        report = run_search(store, spec, executor=SerialExecutor(), progress=False, task_fn=fail_on_shard_one)
        assert report.status == "failed" and report.shards == {"done": 3, "failed": 1}
        assert report.errors[0].startswith("shard 1: ArithmeticError: shard one is cursed")
        fixed = resume_search(store, report.search_id, executor=SerialExecutor(), progress=False)
        assert fixed.status == "done" and fixed.shards == {"done": 4} and fixed.counters["pairs"] == 448
        assert esma_rows(store, report.search_id) == json.loads(json.dumps(as_rows(reference_results)))


def test_spec_file(tmp_path):
    spec = load_spec("searches/esma-e.toml")
    assert isinstance(spec, ESMASpec) and spec.config() == REFERENCE
    bad = tmp_path / "bad.toml"
    bad.write_text('kind = "esma"\nname = "x"\nconstant = "e"\ndpeth = 100\n')
    with pytest.raises(SpecError, match="unknown key 'dpeth'"):
        load_spec(bad)
    bad.write_text('kind = "esma"\nname = "x"\nconstant = "e"\ncycles = "3..1"\n')
    with pytest.raises(SpecError, match="cycles"):
        load_spec(bad)


# --- the command line ------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*BROUNCKER.split(), *args], capture_output=True, text=True, timeout=300)


def test_cli_json_rows_have_the_contract_fields():
    out = run_cli("esma", "e", "--lhs-degree", "1", "--coeff-limit", "1", "--cycles", "2..2", "--depth", "105", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert rows and all({"lhs", "signs", "recurrence", "initial_terms", "digits", "convergence_rate"} <= set(r) for r in rows)
    assert any(r["lhs"] == "e/(e-1)" and r["signs"] == [1, -1] for r in rows)


def test_cli_search_run_takes_the_esma_spec(tmp_path, reference_results):
    db = f"sqlite:///{tmp_path}/e.db"
    out = run_cli("search", "run", "searches/esma-e.toml", "--db", db, "--workers", "0", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["kind"] == "esma" and report["status"] == "done" and report["counters"]["results"] == 13
    assert {f["expression"] for f in report["findings"]} == {r.lhs for r in reference_results}
    shortcut = run_cli("esma", "--spec", "searches/esma-e.toml", "--db", db, "--json")  # the same search: found again
    assert shortcut.returncode == 0 and json.loads(shortcut.stdout) == json.loads(json.dumps(as_rows(reference_results)))
    assert len(json.loads(run_cli("search", "list", "--db", db, "--json").stdout)) == 1


@pytest.mark.parametrize(
    "args, words",
    [
        (["esma", "e", "--cycles", "2-3"], ["cycles"]),
        (["esma", "nosuchconstant"], ["nosuchconstant"]),
        (["esma", "e", "--prime", "200"], ["prime"]),
        (["esma"], ["CONSTANT"]),
        (["esma", "e", "--spec", "searches/esma-e.toml"], ["not both"]),
        (["esma", "--spec", "searches/quickstart.toml"], ["search run"]),
        (["esma", "e", "--cycles", "1..40"], ["(LHS, sign period) pairs", "of memory"]),
        (["esma", "e", "--lhs-degree", "4", "--coeff-limit", "1000"], ["(LHS, sign period) pairs", "of memory"]),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(args, words, tmp_path):
    db = tmp_path / "never.db"
    out = run_cli(*args, "--db", f"sqlite:///{db}")
    assert out.returncode == 2 and "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert all(word in out.stderr for word in words) and not db.exists()  # refused before any store was opened


def test_cli_max_pairs_sets_the_limit():
    """--max-pairs is the spec's limits.max_space (raising it on purpose is tested in test_spec)."""
    refused = run_cli("esma", "e", "--max-pairs", "100", "--json")  # up to 144 LHS x 4 periods
    assert refused.returncode == 2 and "up to 576 (LHS, sign period) pairs" in refused.stderr
    assert "over limits.max_space = 100:" in refused.stderr


@pytest.mark.ray
@pytest.mark.slow
def test_ray_executor_gives_the_same_results(reference_results, ray_local):
    spec = ESMASpec.of(REFERENCE, shard_size=30)
    with open_store("sqlite://") as store:
        report = run_search(store, spec, workers=2, progress=False)
        assert report.status == "done" and report.shards == {"done": 4} and not report.errors
        assert esma_rows(store, report.search_id) == json.loads(json.dumps(as_rows(reference_results)))
