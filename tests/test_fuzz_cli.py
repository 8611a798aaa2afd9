"""Fuzzing the command line's boundary: whatever text a user gives as a polynomial, a
constant expression, a decimal value, an id, an option or a spec document, each command
succeeds or exits 0/1/2/3 with no traceback, and exit 2 comes with one line on stderr.

The commands run in this process through :func:`brouncker.cli.run` (a few through real
subprocesses). An exception escaping :func:`run` is a bug, and hypothesis shrinks it to
the smallest input that shows it. The strategies mix the probe's classes of bad input
(huge literals, deep nesting, chained powers, non-ASCII digits, poles, overflows, values
out of range) with valid input. ``scripts/fuzz_cli.py`` runs the same strategies many
more times and counts the outcomes.

Sizes that are legitimate but take long stay out of these strategies: a depth budget is
at most a few thousand, and spec documents describe tiny spaces.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brouncker.cli import run
from tests.test_boundary import hang_guard

EXAMPLES = int(os.environ.get("BROUNCKER_FUZZ_EXAMPLES", "40"))  # per test in CI; the script runs thousands
EXIT_CODES = {0, 1, 2, 3}

FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


# --- strategies: text a user might give -------------------------------------------------

ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
UNICODE_DIGITS = st.sampled_from(["２", "٢", "۳", "७", "፩", "¹", "½", "Ⅻ", "𝟘"])
BIG_INTEGERS = st.integers(1, 6000).map(lambda k: "9" * k)  # around Python's 4,300-digit int-string limit
INTEGERS = st.one_of(st.integers(0, 10**6).map(str), BIG_INTEGERS, st.sampled_from(["0", "007", "4300"]))


def _expressions(atoms: st.SearchStrategy[str], binary: Sequence[str], powers: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.recursive(
        atoms,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(list(binary)), inner).map("".join),
            inner.map(lambda x: f"({x})"),
            st.tuples(inner, st.sampled_from(["^", "**"]), powers).map("".join),
            st.tuples(st.sampled_from(["-", "+", "--"]), inner).map("".join),
        ),
        max_leaves=10,
    )


_EXPONENTS = st.one_of(st.integers(0, 80).map(str), INTEGERS, st.just("64^64^64"), st.just("-1"), st.just("(2)"))
POLYNOMIAL_ATOMS = st.one_of(st.just("n"), INTEGERS, UNICODE_DIGITS, st.sampled_from(["x", "nn", "n2", "/", "."]))
POLYNOMIALS = st.one_of(
    _expressions(POLYNOMIAL_ATOMS, ["+", "-", "*", "", " "], _EXPONENTS),
    st.integers(1, 3000).map(lambda k: "(" * k + "n" + ")" * k),
    st.integers(1, 3000).map(lambda k: "-(" * k + "n" + ")" * k),
    ANY_TEXT,
)
SMALL_POLYNOMIALS = st.lists(st.integers(-20, 20), min_size=1, max_size=4).map(
    lambda cs: "+".join(f"({c})*n^{len(cs) - 1 - i}" for i, c in enumerate(cs))
)

NAMES = ["pi", "e", "zeta3", "catalan", "ln2", "phi", "sqrt2", "euler_gamma", "gauss", "nosuch", "__import__", "x"]
FUNCTIONS = ["zeta", "gamma", "log", "exp", "sqrt", "sin", "tan", "cosh", "atan", "besseli", "besselj", "agm", "eval", "open"]
NUMBERS = st.one_of(
    st.integers(0, 50).map(str), BIG_INTEGERS,
    st.sampled_from(["1e999", "1e-999", "1e99999", "0.5", "2.5e3", "1j", "0x10", "1_0", "True", "None", "'s'", "1e308", "9e9999"]),
)


def _calls(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(FUNCTIONS), st.lists(inner, min_size=0, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})")


CONSTANT_ATOMS = st.one_of(st.sampled_from(NAMES), NUMBERS, UNICODE_DIGITS)
CONSTANTS = st.one_of(
    st.recursive(
        CONSTANT_ATOMS,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^", "**", "//", "%", "<", " and ", "."]), inner).map("".join),
            inner.map(lambda x: f"({x})"),
            st.tuples(st.sampled_from(["-", "+", "~", "not "]), inner).map("".join),
            _calls(inner),
        ),
        max_leaves=10,
    ),
    st.sampled_from(["2^2^2^2^2^2", "exp(exp(exp(10)))", "gamma(0)", "zeta(1)", "log(0)", "lambda: 1", "[1]", "pi.real"]),
    st.integers(1, 3000).map(lambda k: "-" * k + "pi"),
    st.integers(1, 300).map(lambda k: "(" * k + "e" + ")" * k),
    ANY_TEXT,
)

VALID_CONSTANTS = st.recursive(
    st.one_of(st.sampled_from(NAMES[:9]), st.integers(1, 12).map(str)),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(lambda t: f"({t[0]}){t[1]}({t[2]})"),
        st.tuples(inner, st.integers(-3, 3)).map(lambda t: f"({t[0]})^{t[1]}"),
        st.tuples(st.sampled_from(["zeta", "gamma", "log", "exp", "sqrt", "sin", "atan"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
    ),
    max_leaves=4,
)

DECIMALS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.tuples(st.sampled_from(["", "-", "+"]), st.text("0123456789", min_size=0, max_size=80), st.sampled_from(["", "."]),
              st.text("0123456789", max_size=80), st.sampled_from(["", "e", "E-", "e+"]), st.text("0123456789", max_size=7)).map("".join),
    st.sampled_from(["1e999999", "1e-999999", "０.５", "1,5", "inf", "nan", "0x1p3", ".", "-", "1e", "1.2.3"]),
    ANY_TEXT,
)

OPTION_INTEGERS = st.one_of(
    st.integers(-10, 3000).map(str),
    st.sampled_from(["1000000000", "99999999999999999999", "-99999999999999999999", "1.5", "abc", "", "1e3", "0x10", "٣"]),
    ANY_TEXT,
)
SMALL_DEPTHS = st.one_of(st.integers(-3, 2500).map(str), st.sampled_from(["abc", "", "1.5"]))
# ids of any size: beyond the database's 64-bit range the store answers cleanly too
IDS = st.one_of(st.integers(-(2**80), 2**80).map(str), ANY_TEXT)


# --- running one command ------------------------------------------------------------------




def outcome(args: Sequence[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``brouncker ARGS`` in this process."""
    out, err = io.StringIO(), io.StringIO()
    with hang_guard(), redirect_stdout(out), redirect_stderr(err):
        code = run(list(args))
    return code, out.getvalue(), err.getvalue()


def check(args: Sequence[str]) -> int:
    """The contract at the boundary: exit 0/1/2/3, no traceback; exit 2 says one line."""
    code, out, err = outcome(args)
    assert code in EXIT_CODES, (args, code, err)
    assert "Traceback" not in err + out, err
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1, err
    return code


# --- whole command lines, one strategy per target ------------------------------------

VOCABULARY = st.one_of(
    st.sampled_from(["verify", "metrics", "canonical", "identify", "show", "query", "search", "status", "list", "db",
                     "--a", "--b", "--constant", "--digits", "--max-depth", "--depth", "--value", "--constants", "--pairs",
                     "--json", "--limit", "--sort", "--format", "--degree", "--min-delta", "--help", "--allow-large", "-h",
                     "--", "-", "--a=n", "--digits=5", "ID"]),
    SMALL_POLYNOMIALS, st.integers(-(2**80), 2**80).map(str), ANY_TEXT,
)

SPEC_KEYS = ["name", "description", "mode", "digits", "shard_size", "constants", "family", "screen", "match", "exact", "kind", "dpeth", ""]
SPEC_VALUES = st.one_of(
    st.integers(-3, 40), st.sampled_from(["identify", "dynamics", "fr", "pcf", "esma", "", "x" * 300]), st.booleans(),
    st.floats(allow_nan=True), st.lists(st.integers(-3, 3), max_size=3), st.text(max_size=20),
)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(str(value), repr(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + "}"


def _range(low: int, high: int) -> st.SearchStrategy[list[int]]:
    return st.tuples(st.integers(low, high), st.integers(low, high)).map(sorted).map(list)


# a tiny space (at most a few hundred PCFs), with one key perhaps changed to anything
TINY_SPECS = st.tuples(
    st.fixed_dictionaries({
        "name": st.just("fuzz"), "mode": st.sampled_from(["identify", "fr", "dynamics"]), "digits": st.integers(10, 40),
        "shard_size": st.integers(20, 400), "constants": st.lists(st.sampled_from(NAMES[:8]), min_size=1, max_size=3, unique=True),
        "family": st.fixed_dictionaries({"a": st.fixed_dictionaries({"degree": st.integers(0, 1), "range": _range(-2, 2)}),
                                         "b": st.fixed_dictionaries({"degree": st.integers(0, 2), "range": _range(-1, 1)})}),
        "screen": st.fixed_dictionaries({"depth": st.integers(50, 300)}),
        "exact": st.fixed_dictionaries({"depth": st.integers(200, 600), "dynamics_depth": st.integers(100, 400)}),
    }),
    st.one_of(st.none(), st.tuples(st.sampled_from(SPEC_KEYS), SPEC_VALUES)),
).map(lambda t: {**t[0], **({} if t[1] is None else {t[1][0]: t[1][1]})})
TEMPLATE_TEXTS = st.one_of(
    st.sampled_from(["(2n+1)*(x*n^2 + x*n + y)", "x*n + y", "-z*n^6", "x*n^2 - y*n", "s*n^4", "n^x", "w*n", "x/2",
                     "", "(x+", "x*n^13", "\uff12x*n", "x^2*y^2*n", "0*x"]),
    st.text(alphabet="nxyz0123456789+-*^() ", max_size=25),
)
# a tiny template space (at most 343 PCFs) whose texts and parameters may be anything
TINY_TEMPLATES = st.fixed_dictionaries({
    "name": st.just("fuzz-template"), "mode": st.sampled_from(["fr", "identify"]), "digits": st.integers(10, 30),
    "constants": st.lists(st.sampled_from(NAMES[:8]), min_size=1, max_size=2, unique=True),
    "family": st.fixed_dictionaries({
        "a": TEMPLATE_TEXTS, "b": TEMPLATE_TEXTS,
        "parameters": st.dictionaries(st.sampled_from(["x", "y", "z", "s", "n", "w", "1x"]),
                                      st.one_of(_range(-3, 3), st.fixed_dictionaries({"values": st.lists(st.integers(-3, 3), max_size=3)}),
                                                SPEC_VALUES), max_size=3),
    }),
    "exact": st.fixed_dictionaries({"depth": st.integers(200, 600), "dynamics_depth": st.integers(100, 400)}),
    "fr": st.fixed_dictionaries({"depth": st.integers(16, 64), "recheck_depth": st.integers(64, 256)}),
})
SPEC_DOCUMENTS = st.one_of(
    TINY_SPECS.map(lambda d: "\n".join(f'"{k}" = {_toml(v)}' for k, v in d.items())),
    TINY_TEMPLATES.map(lambda d: "\n".join(f'"{k}" = {_toml(v)}' for k, v in d.items())),
    st.dictionaries(st.sampled_from(SPEC_KEYS), SPEC_VALUES, max_size=6).map(
        lambda d: "\n".join(f'"{k}" = {_toml(v)}' for k, v in d.items())
    ),
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
    ANY_TEXT,
)

DIGIT_OPTIONS = st.one_of(st.integers(1, 60).map(str), OPTION_INTEGERS)
VALUE_ARGUMENTS = st.one_of(
    st.tuples(DECIMALS, st.one_of(st.none(), DIGIT_OPTIONS)).map(
        lambda t: ["--value", t[0]] + ([] if t[1] is None else ["--digits", t[1]])
    ),
    st.integers(4000, 6000).map(lambda k: ["--value", "1." + "7" * k, "--digits", "40"]),  # past Python's int-string limit
)


def command_lines(database: str, folder: Path) -> dict[str, st.SearchStrategy[list[str]]]:
    """Whole command lines, by target; ``database`` holds a schema, ``folder`` takes spec files."""
    counter = iter(range(10**9))

    def spec_run(document: str) -> list[str]:
        path = folder / f"spec-{next(counter)}.toml"
        path.write_text(document, encoding="utf-8", errors="surrogateescape")
        return ["search", "run", str(path), "--workers", "0", "--json", "--db", f"sqlite:///{folder / 'specs.db'}"]

    def words(ws: list[str]) -> list[str]:
        if ws[:1] == ["db"]:
            return ["db", "upgrade", "--db", database]  # never a database in the working directory
        return [*ws, "--db", database] if any(w in ("show", "query", "search", "list", "status") for w in ws[:2]) else ws

    either_polynomial = st.one_of(SMALL_POLYNOMIALS, POLYNOMIALS)
    return {
        "canonical": st.builds(lambda a, b: ["canonical", "--a", a, "--b", b, "--json"], POLYNOMIALS, POLYNOMIALS),
        "metrics": st.builds(
            lambda a, b, d: ["metrics", "--a", a, "--b", b, "--depth", d, "--json"], POLYNOMIALS, either_polynomial, SMALL_DEPTHS
        ),
        "verify": st.builds(
            lambda a, b, c, n, d: ["verify", "--a", a, "--b", b, "--constant", c, "--digits", n, "--max-depth", d, "--json"],
            either_polynomial, SMALL_POLYNOMIALS, st.one_of(VALID_CONSTANTS, CONSTANTS), DIGIT_OPTIONS, SMALL_DEPTHS),
        "identify-value": st.builds(
            lambda v, c, p: ["identify", *v, "--json", *p] + ([] if c is None else ["--constants", c]), VALUE_ARGUMENTS,
            st.one_of(st.none(), st.lists(st.sampled_from(NAMES), max_size=3).map(",".join), ANY_TEXT),
            st.sampled_from([[], ["--pairs"], ["--no-pairs"]])),
        "identify-pcf": st.builds(lambda a, b, n: ["identify", "--a", a, "--b", b, "--digits", n, "--json"],
                                  either_polynomial, either_polynomial, st.one_of(st.integers(1, 40).map(str), OPTION_INTEGERS)),
        "esma": st.builds(lambda c: ["esma", c, "--json"], st.one_of(VALID_CONSTANTS, CONSTANTS)),
        "ids": st.builds(lambda cmd, i: [*cmd, i, "--db", database],
                         st.sampled_from([["show"], ["search", "status"], ["search", "resume"], ["verify", "--digits", "20"]]), IDS),
        "command-lines": st.lists(VOCABULARY, max_size=8).map(words),
        "spec-documents": SPEC_DOCUMENTS.map(spec_run),
    }


EXAMPLES_SHARE = {"esma": 0.2, "spec-documents": 0.5}  # of EXAMPLES: the targets whose valid cases take longest


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty brouncker database (schema only), also $BROUNCKER_DB: no command writes elsewhere."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
    assert check(["db", "upgrade", "--db", url]) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BROUNCKER_DB", url)
        yield url


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("specs")


@pytest.mark.parametrize("target", list(command_lines("sqlite://", Path("."))))
def test_every_command_keeps_the_contract_whatever_it_is_given(target, database, folder):
    @settings(FUZZ, max_examples=max(4, int(EXAMPLES * EXAMPLES_SHARE.get(target, 1.0))))
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        args = data.draw(command_lines(database, folder)[target], label="argv")
        code, out, err = outcome(args)
        assert code in EXIT_CODES, (args, code, err)
        assert "Traceback" not in err + out, err
        if code == 2 and "missing command" not in err:  # a bare group shows its help, then one line
            assert err.startswith("error: ") and err.count("\n") == 1, err

    fuzz()


# --- a few real processes -------------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(a=POLYNOMIALS, constant=CONSTANTS, value=DECIMALS)
def test_the_console_script_keeps_the_contract(a, constant, value):
    """The same contract through ``python -m brouncker``: exit codes and no traceback."""
    import brouncker

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(brouncker.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]))
    for args in (["verify", "--a", a, "--b", "n^2", "--constant", constant, "--digits", "20", "--max-depth", "500"],
                 ["identify", "--value", value]):
        done = subprocess.run([sys.executable, "-m", "brouncker", *args], capture_output=True, text=True, env=env, timeout=120,
                              errors="replace")
        assert done.returncode in EXIT_CODES and "Traceback" not in done.stderr, (args, done.returncode, done.stderr)
        if done.returncode == 2:
            assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
