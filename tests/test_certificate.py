"""Certificates of equivalence M1(n) U(n+1) = c(n) U(n) M2(n): every certificate found here is
re-checked by an independent sympy computation of M1(n) U(n+1) - c(n) U(n) M2(n) from its
JSON text, and its Möbius map against limits computed by the three-term recurrence in mpmath."""

from __future__ import annotations

import json
import math
from typing import Any

import mpmath
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sympy.parsing.sympy_parser import convert_xor, implicit_multiplication_application, parse_expr, standard_transformations
from typer.testing import CliRunner

from brouncker.cli import app, run
from brouncker.cmf.companion import trajectory_pcf
from brouncker.cmf.known import known_field
from brouncker.cmf.trajectory import trajectory_matrix
from brouncker.equivalence.certificate import Certificate
from brouncker.equivalence.find import find_certificate, fold_pairs, growth
from brouncker.errors import CertificateError, FoldError, InconclusiveError
from brouncker.limits import allow_large
from brouncker.pcf.canonical import inflate, natural_roots, shift
from brouncker.pcf.fold import fold
from brouncker.pcf.fraction import PCF
from brouncker.pcf.mobius import Mobius
from brouncker.pcf.polynomial import evaluate
from brouncker.pcf.value import pcf_limit
from tests.test_cmf_explain import store_with

pytest_plugins = ["tests.conftest_store"]

BROUNCKER = PCF.parse("2n+1", "n^2")  # 4/pi
APERY = PCF.parse("34n^3+51n^2+27n+5", "-n^6")  # 6/zeta(3)
EULER_E = PCF.parse("n+3", "-n")  # e
GAUSS = PCF.parse("10n+3", "-24n^2+12n")  # a 2F1 ratio
BASES = [BROUNCKER, APERY, EULER_E, GAUSS]

N = sp.Symbol("n")
_TRANSFORMS = (*standard_transformations, implicit_multiplication_application, convert_xor)


def sym(text: str) -> sp.Expr:
    """Our own certificate text (never a user's) read by sympy's parser."""
    return parse_expr(text, local_dict={"n": N}, transformations=_TRANSFORMS)


def sympy_residual(data: dict[str, Any]) -> sp.Matrix:
    """M1(n) U(n+1) - c(n) U(n) M2(n), from the certificate's JSON, in sympy."""
    def step(f: dict[str, Any]) -> sp.Matrix:
        return sp.Matrix([[0, sym(f["b"])], [1, sym(f["a"])]])

    u = sp.Matrix([[sym(t) for t in row] for row in data["U"]])
    return (step(data["fold_from"]) * u.subs(N, N + 1) - sym(data["c"]) * u * step(data["fold_to"])).applyfunc(sp.cancel)


def value(pcf: PCF, depth: int = 600, dps: int = 90) -> mpmath.mpf:
    """The PCF's value by its three-term recurrence in mpmath."""
    with mpmath.workdps(dps):
        p0, p1, q0, q1 = mpmath.mpf(1), mpmath.mpf(evaluate(pcf.a, 0)), mpmath.mpf(0), mpmath.mpf(1)
        for n in range(1, depth + 1):
            a, b = evaluate(pcf.a, n), evaluate(pcf.b, n)
            p0, p1, q0, q1 = p1, a * p1 + b * p0, q1, a * q1 + b * q0
        return p1 / q1


def apply(m: list[int], x: mpmath.mpf) -> mpmath.mpf:
    return (m[0] + m[1] * x) / (m[2] + m[3] * x)


def assert_certifies(cert: Certificate | None, pcf_from: PCF, pcf_to: PCF) -> Certificate:
    """The certificate holds: sympy finds the identity, and the maps (overall and of each
    fold) carry the recurrence's values onto each other to 40 digits."""
    assert cert is not None and cert.from_pcf == pcf_from and cert.to_pcf == pcf_to
    data = json.loads(json.dumps(cert.as_dict()))
    assert sympy_residual(data) == sp.zeros(2, 2)
    assert Certificate.from_dict(data) == cert and cert.check()
    with mpmath.workdps(90):
        v_from, v_to = value(pcf_from), value(pcf_to)
        tolerance = mpmath.mpf(10) ** -40
        assert abs(apply(data["mobius"], v_to) - v_from) < tolerance * (1 + abs(v_from))
        for side, v in (("fold_from", v_from), ("fold_to", v_to)):
            f = data[side]
            assert abs(apply(f["mobius"], value(PCF.parse(f["a"], f["b"]))) - v) < tolerance * (1 + abs(v))
    return cert


def diagonal(field: str, start: tuple[int, int]) -> PCF:
    return trajectory_pcf(trajectory_matrix(known_field(field), (1, 1), start)).pcf


# --- equivalent by construction ------------------------------------------------------------------


@pytest.mark.parametrize("base", BASES, ids=str)
@pytest.mark.parametrize("factor", [(3,), (1, 1), (2, 3), (1, 0, 1)], ids=str)
def test_a_formula_and_its_inflation(base: PCF, factor: tuple[int, ...]) -> None:
    inflated = inflate(base, factor)
    cert = assert_certifies(find_certificate(base, inflated), base, inflated)
    assert (cert.fold_from.k, cert.fold_to.k) == (1, 1)


@pytest.mark.parametrize("base", BASES, ids=str)
@pytest.mark.parametrize("s", [1, 2])
def test_a_formula_and_its_tail(base: PCF, s: int) -> None:
    tail = shift(base, s)
    assert_certifies(find_certificate(base, tail), base, tail)
    assert_certifies(find_certificate(tail, base), tail, base)


@pytest.mark.parametrize("base", [BROUNCKER, APERY, GAUSS], ids=str)
@pytest.mark.parametrize("k", [2, 3])
def test_a_formula_and_its_folds(base: PCF, k: int) -> None:
    """The relation finder relates the limits when the fold's map has small coefficients; the
    folds by 3 of Apéry's PCF have maps with coefficients up to 10^19, beyond its cap of 10^9,
    and are given their map."""
    for r in range(k):
        f = fold(base, k, r)
        small = sum(math.log10(abs(c)) for c in (f.mobius.c0, f.mobius.c1, f.mobius.c2, f.mobius.c3) if c) < 20
        cert = find_certificate(f.pcf, base, mobius=None if small else f.mobius.inverse())
        assert (assert_certifies(cert, f.pcf, base).fold_from.k, cert.fold_to.k) == (1, k)


@pytest.mark.parametrize("field", ["pi", "zeta3"])
def test_a_trajectory_and_its_shifted_start(field: str) -> None:
    first, later = diagonal(field, (1, 1)), diagonal(field, (2, 2))
    assert first != later
    assert_certifies(find_certificate(first, later), first, later)


def test_brouncker_is_unified_with_the_pi_fields_diagonal_through_a_fold() -> None:
    """Today's odd-part link of ``cmf explain``, now as a certificate."""
    pi_diagonal = diagonal("pi", (1, 1))
    cert = assert_certifies(find_certificate(BROUNCKER, pi_diagonal), BROUNCKER, pi_diagonal)
    assert (cert.fold_from.k, cert.fold_to.k) == (2, 1)
    back = assert_certifies(find_certificate(pi_diagonal, BROUNCKER), pi_diagonal, BROUNCKER)
    assert back.mobius == cert.mobius.inverse()


def test_apery_is_unified_with_the_zeta3_fields_diagonal() -> None:
    zeta3_diagonal = diagonal("zeta3", (1, 1))
    cert = assert_certifies(find_certificate(APERY, zeta3_diagonal), APERY, zeta3_diagonal)
    assert (cert.fold_from.k, cert.fold_to.k) == (1, 1) and cert.c == "1"


# --- what is not equivalent ----------------------------------------------------------------------


def test_unrelated_limits_are_inconclusive_and_other_growths_get_none() -> None:
    with pytest.raises(InconclusiveError, match="not related"):
        find_certificate(BROUNCKER, APERY)  # 4/pi and 6/zeta(3): Apéry grows like Brouncker's 4-fold
    assert fold_pairs(growth(BROUNCKER), growth(APERY), 4) == [(4, 1)]
    assert find_certificate(BROUNCKER, PCF.parse("1", "n^2")) is None  # exponential against slow: no limit computed
    assert find_certificate(BROUNCKER, APERY, max_fold=3) is None


def test_a_wrong_map_gets_no_certificate() -> None:
    tail = shift(BROUNCKER, 1)
    right = find_certificate(BROUNCKER, tail)
    assert right is not None and right.mobius == Mobius.of(1, 1, 0, 1)
    assert find_certificate(BROUNCKER, tail, mobius=Mobius.of(2, 1, 0, 1)) is None


coefficient = st.integers(-4, 4)


@st.composite
def converging_pcfs(draw: st.DrawFn) -> PCF:
    """Degree (1, 2) with an exponential growth, or (1, 1): PCFs that converge as a rule."""
    alpha = draw(st.integers(1, 4))
    a = (alpha, draw(coefficient))
    if draw(st.booleans()):
        beta = draw(st.integers(-alpha * alpha // 4 + 1, 4).filter(bool))
        b = (beta, draw(coefficient), draw(coefficient))
    else:
        b = (draw(coefficient.filter(bool)), draw(coefficient))
    pcf = PCF(a, b)
    assume(not [r for r in natural_roots(pcf.b) if r >= 1] and not [r for r in natural_roots(pcf.a) if r >= 1])
    return pcf


@settings(max_examples=40, deadline=None)
@given(converging_pcfs(), converging_pcfs(), st.tuples(coefficient, coefficient, coefficient, coefficient))
def test_limits_that_are_not_moebius_related_never_get_a_certificate(p: PCF, q: PCF, forced: tuple[int, ...]) -> None:
    """Random pairs, once with the map of the relation finder and once with a map forced on the
    finder: whatever certificate comes back, its map holds between the limits to 40 digits."""
    try:
        for pcf in (p, q):
            assume(pcf_limit(pcf.a, pcf.b, 60).digits >= 60)
    except InconclusiveError:
        assume(False)
    assume(Mobius.of(*forced).determinant != 0 if any(forced) else False)
    found = []
    try:
        found.append(find_certificate(p, q, max_fold=2, max_degree=6))
    except InconclusiveError:
        pass
    found.append(find_certificate(p, q, max_fold=2, max_degree=6, mobius=Mobius.of(*forced)))
    for cert in found:
        if cert is not None:
            assert_certifies(cert, p, q)


# --- the certificate as data ---------------------------------------------------------------------


def test_the_json_has_the_documented_fields_and_a_tampered_certificate_fails() -> None:
    cert = find_certificate(BROUNCKER, diagonal("pi", (1, 1)))
    assert cert is not None
    data = cert.as_dict()
    assert list(data) == ["from", "to", "fold_from", "fold_to", "U", "c", "mobius"]
    assert list(data["fold_from"]) == ["k", "r", "a", "b", "mobius"] and data["from"] == {"a": "2n + 1", "b": "n^2"}
    for key, bad in (("c", "1"), ("mobius", [1, 2, 3, 5]), ("U", [["1", "0"], ["0", "1"]])):
        tampered = Certificate.from_dict({**data, key: bad})
        assert not tampered.check() and tampered.failure()
    wrong_fold = {**data, "fold_from": {**data["fold_from"], "r": 1}}
    assert "is not the 2-fold" in (Certificate.from_dict(wrong_fold).failure() or "")
    for malformed in ({**data, "U": [["1"]]}, {**data, "c": "n/(n+1)/2"}, {**data, "mobius": [0, 0, 0, 0]}, {"from": 1}):
        with pytest.raises(CertificateError):
            Certificate.from_dict(malformed).failure()


def test_a_finite_fraction_is_refused() -> None:
    with pytest.raises(FoldError, match="finite fraction"):
        find_certificate(BROUNCKER, PCF.parse("2n+1", "-n^2+n"))


# --- the command line ------------------------------------------------------------------------------


def test_relate_prints_the_certificate_and_exits_by_the_answer(capsys: pytest.CaptureFixture[str]) -> None:
    runner = CliRunner()
    tail = ["--to-a", "2n+3", "--to-b", "(n+1)^2"]
    done = runner.invoke(app, ["relate", "--a", "2n+1", "--b", "n^2", *tail, "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert sympy_residual(data) == sp.zeros(2, 2) and data["mobius"] == [1, 1, 0, 1]
    table = runner.invoke(app, ["relate", "--a", "2n+1", "--b", "n^2", *tail])
    assert table.exit_code == 0 and "checked exactly" in table.stdout and "value(from) = (V + 1)/V" in table.stdout
    none = runner.invoke(app, ["relate", "--a", "2n+1", "--b", "n^2", "--to-a", "1", "--to-b", "n^2"])
    assert none.exit_code == 1
    unrelated = runner.invoke(app, ["relate", "--a", "2n+1", "--b", "n^2", "--to-a", "34n^3+51n^2+27n+5", "--to-b", "-n^6"])
    assert unrelated.exit_code == 3
    for bad in (["--a", "2n+1", "--b", "n^2"], ["--a", "2n+", "--b", "n^2", *tail], ["--a", "2n+1", "--b", "n^2", *tail, "--id", "1"],
                ["--a", "2n+1", "--b", "n^2", *tail, "--max-fold", "9"], ["7"]):
        capsys.readouterr()
        assert run(["relate", *bad]) == 2, bad
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("error:") and "Traceback" not in err, (bad, err)
    with allow_large():
        assert fold(BROUNCKER, 9, 0).k == 9


def test_relate_two_stored_conjectures(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/r.db"
    pi_diagonal = diagonal("pi", (1, 1))
    store_with(url, [(BROUNCKER, "4/pi"), (pi_diagonal, None)])
    result = CliRunner().invoke(app, ["relate", "--id", "1", "--to-id", "2", "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["from"] == BROUNCKER.as_dict() and sympy_residual(data) == sp.zeros(2, 2)
    capsys.readouterr()
    assert run(["relate", "--id", "1", "--to-id", "99", "--db", url]) == 2
    assert "no conjecture with id 99" in capsys.readouterr().err
