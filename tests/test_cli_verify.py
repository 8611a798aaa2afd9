"""`brouncker verify` through the installed console script: exit codes and JSON."""

import json
import shutil
import subprocess
import sys

import mpmath
import pytest

BROUNCKER = shutil.which("brouncker") or f"{sys.executable} -m brouncker"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*BROUNCKER.split(), *args], capture_output=True, text=True, timeout=120)


def test_verified_exit_0_with_contract_json():
    out = run("verify", "--a", "34n^3+51n^2+27n+5", "--b", "-n^6", "--constant", "6/zeta(3)", "--digits", "3000", "--json")
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert list(record)[:10] == ["a", "b", "constant", "digits_requested", "digits_agreed", "depth", "digits_per_term", "delta",
                                 "seconds", "verdict"]
    assert record["verdict"] == "verified" and record["digits_agreed"] >= 3000 and record["seconds"] > 0
    # δ against 6/ζ(3) near depth 1000 is Apéry's δ ≈ 0.086 (→ 0.0805 as the depth grows)
    assert record["depth"] >= 980 and 0.08 < record["delta"] < 0.1
    # the eigenvalue ratio of Apéry's recurrence is (1+√2)^8: 8 log10(1+√2) ≈ 3.06 digits per term
    assert abs(record["digits_per_term"] - 8 * float(mpmath.log10(1 + mpmath.sqrt(2)))) < 0.05


@pytest.mark.parametrize(
    "args, code",
    [
        (["--a", "34n^3+51n^2+27n+5", "--b", "-n^6", "--constant", "7/zeta(3)", "--digits", "100"], 1),
        (["--a", "1", "--b", "n^2", "--constant", "1/ln2", "--digits", "60", "--max-depth", "200"], 3),
        (["--a", "2n+", "--b", "n", "--constant", "pi", "--digits", "50"], 2),
        (["--a", "2n+1", "--b", "n^2", "--constant", "nosuchconstant", "--digits", "50"], 2),
        (["--a", "2n+1", "--b", "n^2", "--constant", "__import__('os')", "--digits", "50"], 2),
        (["--a", "2n+1", "--b", "n^2", "--digits", "50"], 2),
    ],
)
def test_exit_codes_and_one_line_errors(args, code):
    out = run("verify", *args)
    assert out.returncode == code, out.stderr
    assert "Traceback" not in out.stderr
    if code == 2:
        assert out.stderr.strip().count("\n") <= 6  # one line, or click's short usage block
