"""Every bad input is refused at the command line's boundary: exit 2, one line on stderr,
no traceback, fast, nothing written; each class of the probe with its examples.

The command line runs in this process through :func:`brouncker.cli.run` (the entry point
of the console script, less ``sys.exit``), in an empty working directory so that any file
it wrote would show.
"""

from __future__ import annotations

import io
import math
import os
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout

import mpmath
import pytest

from brouncker import limits as limits_module
from brouncker.cli import run
from brouncker.constants import parse_constant
from brouncker.errors import LimitError, ParseError
from brouncker.limits import DEPTH, DIGITS, Limit, allow_large, walk_bytes
from brouncker.pcf.polynomial import evaluate, parse

HANG_GUARD = 60  # seconds: a request refused up front takes milliseconds; this only stops a hang


@contextmanager
def hang_guard(seconds: float = HANG_GUARD) -> Iterator[None]:
    """Fail (rather than hang the suite) when the block runs longer than ``seconds``."""

    def expire(*_: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cli(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``brouncker ARGS``."""
    out, err = io.StringIO(), io.StringIO()
    with hang_guard(), redirect_stdout(out), redirect_stderr(err):
        code = run(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def empty_directory(tmp_path, monkeypatch):
    """Each test runs in an empty directory, without $BROUNCKER_DB; it must stay empty."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BROUNCKER_DB", raising=False)
    yield
    assert os.listdir(tmp_path) == [], "a refused request wrote a file"


def assert_refused(args: tuple[str, ...], fragment: str = "") -> str:
    code, out, err = cli(*args)
    assert code == 2, (args, code, out, err)
    assert "Traceback" not in err and err.startswith("error: ") and err.count("\n") == 1, err
    assert fragment in err, err
    return err


# --- A. usage errors --------------------------------------------------------------------

USAGE_ERRORS = [
    (("verify", "--a", "2n+1", "--b", "n^2", "--constant", "4/pi", "--digits", "1.5"), "'--digits'"),
    (("metrics", "--a", "2n+1", "--b", "n^2", "--depth", "abc"), "'--depth'"),
    (("search", "run", "S", "--workers", "-1"), "'--workers'"),
    (("show", "-1"), "-1"),
    (("search", "status", "abc"), "'ID'"),
    (("verify", "--a", "2n+1", "--b", "n^2", "--constant", "4/pi"), "'--digits'"),
    (("metrics", "--a", "2n+1"), "'--b'"),
    (("identify", "--value"), "--value"),
    (("nosuch",), "nosuch"),
    (("--nosuch",), "--nosuch"),
    (("verify", "--digits", "10", "--a", "n", "--b", "1", "--constant", "pi", "--unknown-option"), "--unknown-option"),
]


@pytest.mark.parametrize("args, fragment", USAGE_ERRORS)
def test_usage_errors_are_one_line_and_exit_2(args, fragment):
    err = assert_refused(args, fragment)
    assert "--help" in err  # and say where to look


def test_a_bare_group_shows_its_help_and_exits_2():
    code, out, err = cli("search")
    assert code == 2 and "resume" in out and err.strip() == "error: missing command; see 'brouncker search --help'"


def test_help_is_not_an_error():
    code, out, err = cli("verify", "--help")
    assert code == 0 and "--allow-large" in out and err == ""


# --- C. the polynomial parser ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, error, fragment",
    [
        ("9" * 5000 + "n+1", LimitError, "digits of an integer"),  # over Python's 4,300-digit int-string limit
        ("n^64^64^64", ParseError, "power of a power"),  # once accepted, with degree 262,144
        ("((n^8)^8)^2", LimitError, "the degree of"),
        ("(n+1)^32*(n+1)^33", LimitError, "is 65"),
        ("2^5000", LimitError, "digits of a coefficient"),
        ("２n+1", ParseError, "U+FF12"),  # fullwidth digit two
        ("n^٢", ParseError, "U+0662"),  # Arabic-Indic digit two
        ("1 000n", ParseError, "two numbers in a row"),
    ],
)
def test_polynomials_beyond_the_parser_are_refused_with_the_reason(text, error, fragment):
    with hang_guard(), pytest.raises(error, match=re.escape(fragment)):
        parse(text)
    assert_refused(("canonical", "--a", text, "--b", "1"), fragment)


def test_deep_nesting_is_parsed_without_recursion():
    text = "(" * 2000 + "2n+1" + ")" * 2000  # 250 levels once raised RecursionError
    assert parse(text) == (2, 1)
    code, out, _ = cli("canonical", "--a", "(" * 250 + "n" + ")" * 250, "--b", "1", "--json")
    assert code == 0 and '"a": "n"' in out


def test_the_degree_limit_is_on_the_result_and_can_be_raised():
    assert parse("(n^8)^8") == (1,) + (0,) * 64
    with allow_large():
        power = parse("((n+1)^8)^9")
    assert len(power) == 73 and all(evaluate(power, k) == (k + 1) ** 72 for k in range(-3, 4))


# --- D. constant expressions that fail when evaluated -----------------------------------

FAILING_CONSTANTS = [
    ("2^2^2^2^2^2", "over the limit"),  # 2^(2^65536)
    ("1e999", "outside 10^±300"),
    ("exp(exp(exp(10)))", "an argument of exp"),
    ("gamma(0)", "'gamma(0)' is undefined"),
    ("zeta(1)", "'zeta(1)' is undefined"),
    ("log(0)", "'log(0)' is infinite"),
    ("1/(pi-pi)", "divides by zero"),
    ("sqrt(-2)", "not a real number"),
    ("besselj(1e9999, 1)", "an argument of besselj"),
]


@pytest.mark.parametrize("text, fragment", FAILING_CONSTANTS)
def test_failing_constants_are_refused_at_parse_time(text, fragment):
    with hang_guard(), pytest.raises((ParseError, LimitError), match=re.escape(fragment)):
        parse_constant(text)


@pytest.mark.parametrize("text, fragment", FAILING_CONSTANTS)
def test_failing_constants_are_refused_by_verify_and_esma(text, fragment):
    assert_refused(("verify", "--a", "2n+1", "--b", "n^2", "--constant", text, "--digits", "20"), fragment)
    assert_refused(("esma", text), fragment)


def test_two_thousand_minus_signs_are_evaluated_without_recursion():
    with mpmath.workdps(30):
        assert parse_constant("-" * 2000 + "pi").value(30) == +mpmath.pi
        assert parse_constant("-" * 2001 + "pi").value(30) == -mpmath.pi


def test_float_literals_are_read_exactly():
    digits = "3.14159265358979323846264338327950288419716939937510"  # beyond a double's 17 digits
    with mpmath.workdps(60):
        assert abs(parse_constant(digits).value(50) - mpmath.pi) < mpmath.mpf(10) ** -49


# --- E. resource exhaustion (formulas) -------------------------------------------------


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("verify", "--a", "2n+1", "--b", "n^2", "--constant", "4/pi", "--digits", "1000000000"), "--digits is 1,000,000,000"),
        (("verify", "--a", "2n+1", "--b", "n^2", "--constant", "4/pi", "--digits", "9", "--max-depth", "10000000000"), "--max-depth"),
        (("metrics", "--a", "2n+1", "--b", "n^2", "--depth", "1000000000"), "--depth is 1,000,000,000"),
        (("identify", "--value", "1." + "3" * 200_000), "over the limit of 100,000"),
        (("identify", "--a", "2n+1", "--b", "n^2", "--digits", "5000000"), "--digits is 5,000,000"),
    ],
)
def test_requests_over_a_limit_are_refused_before_any_work(args, fragment):
    err = assert_refused(args, fragment)
    assert "--allow-large" in err  # and say how to raise the limit


def test_a_value_no_relation_can_reach_is_refused():
    assert_refused(("identify", "--value", "1e999999"), "outside 10^±300")  # it used to hang


def test_a_walk_beyond_this_machines_memory_is_refused_with_its_estimate():
    huge = "10^999n^64"  # 1,000-digit coefficient, degree 64: about 5,000 bits per step
    args = ("metrics", "--a", huge, "--b", "1", "--depth", str(DEPTH.large), "--allow-large")
    err = assert_refused(args, "needs about")
    with allow_large():
        assert "TB of memory" in err and walk_bytes(parse(huge), (1,), DEPTH.large) > 1e12


def test_allow_large_raises_the_limits_and_only_for_the_request():
    assert_refused(("metrics", "--a", "n^65", "--b", "1", "--depth", "100"), "--allow-large raises it to 1,024")
    code, out, _ = cli("metrics", "--a", "n^65", "--b", "1", "--depth", "100", "--allow-large", "--json")
    assert code == 0 and '"depth": 100' in out
    assert_refused(("metrics", "--a", "n^65", "--b", "1", "--depth", "100"), "over the limit")  # not left raised


def test_a_value_over_4300_digits_is_identified():
    with mpmath.workdps(5010):
        value = mpmath.nstr(4 / mpmath.pi, 5000, strip_zeros=False)
    code, out, err = cli("identify", "--value", value, "--digits", "60", "--json")
    assert code == 0 and '"expression": "4/pi"' in out, err


def all_limits() -> dict[str, Limit]:
    """Every limit of brouncker.limits, by its Python name."""
    return {name: value for name, value in vars(limits_module).items() if isinstance(value, Limit)}


def test_every_limit_is_named_once_and_shown_in_help():
    limits = all_limits()
    assert len({id(limit) for limit in limits.values()}) == len(limits)
    for limit in limits.values():
        assert limit.minimum <= limit.default <= limit.large
    _, out, _ = cli("verify", "--help")
    assert f"{DIGITS.default:,}" in out and f"{DEPTH.default:,}" in out


def test_digits_of_zero_are_refused():
    assert_refused(("verify", "--a", "2n+1", "--b", "n^2", "--constant", "4/pi", "--digits", "0"), "at least 1")


def test_limits_show_astronomical_sizes_in_words():
    with pytest.raises(LimitError, match="about 10\\^5,000"):
        DIGITS.check(10**5000)
    with pytest.raises(LimitError, match="astronomical"):
        DIGITS.check(math.inf)


def test_the_readme_lists_every_limit_with_its_bounds():
    from pathlib import Path

    readme = Path(__file__).resolve().parents[1].joinpath("README.md").read_text(encoding="utf-8")
    section = readme.split("## Limits", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    for name, limit in all_limits().items():
        assert any(f"| {limit.default:,} | {limit.large:,} |" in row for row in rows), f"README: no row for {name}"
