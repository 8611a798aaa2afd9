"""Unification (``brouncker cmf explain``): stored formulas found to be trajectories of known
fields up to shift, equivalence and contraction, with the map between the values, and
hypergeometric closed forms for PCFs of degrees (1, 2) at most — all checked against mpmath
and against walks multiplied step by step with exact fractions."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from brouncker.cli import app
from brouncker.cmf.closed_form import closed_form, solve
from brouncker.cmf.explain import (
    DEFAULT_GRIDS,
    FieldGrid,
    Target,
    closed_form_of,
    explain,
    forms_of,
    has_hypergeometric_degrees,
)
from brouncker.constants import parse_constant
from brouncker.errors import StoreError
from brouncker.identification.identify import identify
from brouncker.pcf.canonical import canonical
from brouncker.pcf.fraction import PCF
from brouncker.pcf.mobius import Mobius
from brouncker.pcf.polynomial import evaluate
from brouncker.records import CMFLinkRecord, ConjectureRecord, LinkMethod, PCFRecord
from brouncker.report import write_report
from brouncker.store import NewCluster, open_store
from tests.test_cmf_search import fraction_walk

pytest_plugins = ["tests.conftest_store"]

APERY = PCF.parse("34n^3+51n^2+27n+5", "-n^6")
BROUNCKER = PCF.parse("2n+1", "n^2")
GAUSS = PCF.parse("10n+3", "-24n^2+12n")  # 2F1 contiguous in a: a = 2, b = 1, c = 3/2, z = 1/3 (see closed_form)
CANDIDATE = PCF.parse("n+5", "4n-5")  # a candidate cluster of the unsupervised degree-2 dynamics run


def limit_of(pcf: PCF, depth: int, dps: int) -> mpmath.mpf:
    """The PCF's value by its three-term recurrence in mpmath (no product tree)."""
    with mpmath.workdps(dps):
        p0, p1 = mpmath.mpf(1), mpmath.mpf(evaluate(pcf.a, 0))
        q0, q1 = mpmath.mpf(0), mpmath.mpf(1)
        for n in range(1, depth + 1):
            a, b = evaluate(pcf.a, n), evaluate(pcf.b, n)
            p0, p1 = p1, a * p1 + b * p0
            q0, q1 = q1, a * q1 + b * q0
        return p1 / q1


def apply(m: Mobius, x: mpmath.mpf) -> mpmath.mpf:
    return (m.c0 + m.c1 * x) / (m.c2 + m.c3 * x)


def store_with(url: str, formulas: list[tuple[PCF, str | None]]) -> int:
    """A search holding ``formulas`` as PCF conjectures (None: a candidate value)."""
    with open_store(url) as store:
        search = store.create_search("formulas", {"kind": "pcf", "name": "formulas"}, "h-" + url, shards=[(0, 0, 1)])
        records = []
        for pcf, expression in formulas:
            c = canonical(pcf)
            names = parse_constant(expression).names if expression else ()
            records.append(ConjectureRecord("pcf", expression, names, (1,) if expression else (), 30, c.key, c.pcf.a, c.pcf.b,
                                            limit=None if expression else "0.5", search_id=search, candidate=expression is None))
        store.write_records(pcfs=[PCFRecord(r.canonical_key, r.a, r.b, search) for r in records], conjectures=records)  # type: ignore[arg-type]
    return search


# --- links ---------------------------------------------------------------------------------


def test_apery_and_brouncker_are_trajectories_of_the_zeta3_and_pi_fields() -> None:
    targets = [Target(APERY, "apery"), Target(BROUNCKER, "brouncker")]
    explanation = explain(targets, [FieldGrid.of("zeta3"), FieldGrid.of("pi")], closed_forms=False)
    links = {link.target.label: link for link in explanation.links}
    assert set(links) == {"apery", "brouncker"} and len(explanation.links) == 2
    apery, brouncker = links["apery"], links["brouncker"]
    assert (apery.field, apery.contraction) == ("zeta3", None) and (brouncker.field, brouncker.contraction) == ("pi", "odd")
    with mpmath.workdps(60):
        for link, value in ((apery, 6 / mpmath.zeta(3)), (brouncker, 4 / mpmath.pi)):
            assert link.to_limit is not None
            start = tuple(int(v) for v in link.start)
            walked = fraction_walk(link.field, link.trajectory, start, 40)  # exact fractions, one step at a time
            limit = mpmath.mpf(walked.numerator) / walked.denominator
            assert abs(apply(link.to_limit, limit) - value) < mpmath.mpf(10) ** -25


def test_explain_stores_links_once_and_the_report_shows_them(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/e.db"
    search = store_with(url, [(APERY, "6/zeta(3)"), (BROUNCKER, "4/pi"), (PCF.parse("n^2+1", "n^2+n+1"), None)])
    runner = CliRunner()
    first = runner.invoke(app, ["cmf", "explain", str(search), "--db", url, "--fields", "zeta3,pi", "--json"])
    assert first.exit_code == 0, first.output
    import json

    data = json.loads(first.stdout)
    assert data["targets"] == 3 and data["explained"] == 2 and data["written"] == 2
    assert {(link["field"], link["expression"]) for link in data["links"]} == {("zeta3", "6/zeta(3)"), ("pi", "4/pi")}
    again = runner.invoke(app, ["cmf", "explain", str(search), "--db", url, "--fields", "zeta3,pi", "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["written"] == 0
    with open_store(url) as store:
        rows = store.cmf_links(search)
        assert len(rows) == 2 and {r.method for r in rows} == {LinkMethod.SHIFT}
        assert {r.field for r in rows} == {"zeta3", "pi"} and all(r.conjecture_id is not None for r in rows)
        assert store.cmf_links(search, field="pi")[0].data["contraction"] == "odd"  # type: ignore[index]
        report = write_report(store, search, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert report.field_links == 2 and "Formulas explained by each field" in html and "6/zeta(3) = PCF(34n^3" in html


def test_nothing_explained_exits_1(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/n.db"
    search = store_with(url, [(PCF.parse("n^2+1", "n^2+n+1"), None)])
    result = CliRunner().invoke(app, ["cmf", "explain", str(search), "--db", url, "--fields", "e"])
    assert result.exit_code == 1 and "0 of 1 formulas explained" in result.stdout.replace("\n", " ")


# --- hypergeometric closed forms -------------------------------------------------------------


def test_a_gauss_pcf_gets_its_2f1_ratio_rechecked() -> None:
    """PCF(10n+3, -24n^2+12n) is the contiguous relation of 2F1(a, 1; 3/2; 1/3) in a from a = 2
    (no constant of the bank explains it): its value is a Möbius map of
    F(3, 2; 7/2; 2/3)/F(2, 1; 5/2; 2/3), the solution at 1 - z (minimal along a, since 2F1
    itself grows like (1 - z)^-n)."""
    solutions = {(s.field, s.z, s.trajectory, s.start) for s in solve(GAUSS)}
    assert ("2F1", Fraction(1, 3), (1, 0, 0), (2, 1, Fraction(3, 2))) in solutions
    form = closed_form(GAUSS, digits=30)
    assert form is not None and form.digits == 60 and form.field == "2F1"
    assert form.ratio == "hyp2f1(3, 2, 7/2, 2/3)/hyp2f1(2, 1, 5/2, 2/3)" and form.solution == "w3"
    with mpmath.workdps(100):
        value = limit_of(GAUSS, 700, 100)  # characteristic roots 6 and 4: 0.176 digits per step
        third = mpmath.mpf(1) / 3
        ratio = mpmath.hyp2f1(3, 2, 3.5, 2 * third) / mpmath.hyp2f1(2, 1, 2.5, 2 * third)
        assert abs(apply(form.mobius, ratio) - value) < mpmath.mpf(10) ** -80
        relation = mpmath.pslq([value, 1, ratio, value * ratio], maxcoeff=10**4, maxsteps=10**5)
        assert relation is not None  # independently: the value is a Möbius form of the ratio
        assert abs(parse_constant(form.expression).value(90) - value) < mpmath.mpf(10) ** -80
        assert identify(value, 30, deeper=value, deeper_digits=60) is None  # no bank constant explains it


@pytest.mark.parametrize(
    "pcf, field",
    [
        (CANDIDATE, "1F1"),  # deg (1, 1): 1F1 along its denominator parameter
        (PCF.parse("2n+5", "2n-5"), "1F1"),
        (PCF.parse("n+5", "2n^2-5n"), "2F1"),
        (PCF.parse("2n+2", "-n^2"), "1F1"),  # a^2 + 4b of lower degree: Tricomi's U
        (PCF.parse("4n+2", "-3n^2"), "2F1"),
    ],
)
def test_closed_forms_agree_with_the_pcf_to_twice_the_digits(pcf: PCF, field: str) -> None:
    form = closed_form(pcf, digits=25)
    assert form is not None and form.field == field and form.digits == 50
    with mpmath.workdps(70):
        value = limit_of(pcf, 3000, 70)
        closed = parse_constant(form.expression).value(70)
        assert abs(closed - value) < mpmath.mpf(10) ** -45


@settings(max_examples=12, deadline=None)
@given(alpha=st.integers(1, 4), beta=st.integers(-3, 9), gamma=st.integers(-6, 6).filter(bool))
def test_a_constant_b_is_a_bessel_ratio_of_0f1(alpha: int, beta: int, gamma: int) -> None:
    """PCF(αn + β, γ) = √γ I_{ν-1}(z)/I_ν(z) with ν = β/α, z = 2√γ/α (J for γ < 0): the
    minimal solution of the Bessel recurrence, computed here by mpmath's Bessel functions."""
    pcf = PCF((alpha, beta), (gamma,))
    nu = mpmath.mpf(beta) / alpha
    with mpmath.workdps(60):
        if gamma > 0:
            z = 2 * mpmath.sqrt(gamma) / alpha
            bessel = mpmath.sqrt(gamma) * mpmath.besseli(nu - 1, z) / mpmath.besseli(nu, z)
        else:
            t = 2 * mpmath.sqrt(-gamma) / alpha
            bessel = mpmath.sqrt(-gamma) * mpmath.besselj(nu - 1, t) / mpmath.besselj(nu, t)
        value = limit_of(pcf, 400, 60)
    if not mpmath.isfinite(bessel) or abs(bessel - value) > mpmath.mpf(10) ** -40:
        return  # the first terms meet a zero of J_nu (a pole of the ratio): the fraction is not that ratio
    assert ("0F1", Fraction(gamma, alpha**2), (1,), (Fraction(beta, alpha),)) in {
        (s.field, s.z, s.trajectory, s.start) for s in solve(pcf)}
    form = closed_form(pcf, digits=20)
    assert form is not None and form.field == "0F1" and form.digits == 40
    with mpmath.workdps(60):
        assert abs(parse_constant(form.expression).value(60) - bessel) < mpmath.mpf(10) ** -38


@pytest.mark.parametrize("x", [1, 2, 3, 5])
def test_a_constant_a_with_b_n_gets_its_closed_form_through_its_even_part(x: int) -> None:
    """PCF(x, n) = x + 1/(x + 2/(x + ...)) is 1/R(x), Laplace's continued fraction of Mills'
    ratio R(x) = e^{x^2/2} ∫_x^∞ e^{-t^2/2} dt: no field has it as a trajectory (constant a),
    but its even part has degrees (1, 2), a 1F1 (Tricomi U) trajectory; the closed form is
    checked here against mpmath's erfc."""
    pcf = PCF((x,), (1, 0))
    forms = [f for f in forms_of(pcf) if has_hypergeometric_degrees(f.pcf)]
    found = closed_form_of(pcf, forms, 20)
    assert found is not None and found[1].contraction == "even" and found[0].field == "1F1" and found[0].digits == 40
    with mpmath.workdps(60):
        mills = mpmath.sqrt(mpmath.pi / 2) * mpmath.exp(mpmath.mpf(x) ** 2 / 2) * mpmath.erfc(x / mpmath.sqrt(2))
        assert abs(parse_constant(found[0].expression).value(60) - 1 / mills) < mpmath.mpf(10) ** -38
    (link,) = [link for link in explain([Target(pcf, label="laplace")], [], closed_forms=True).links]
    assert link.method == "hypergeometric" and link.contraction == "even"


def test_no_closed_form_without_rational_parameters() -> None:
    assert solve(BROUNCKER) == []  # a^2 + 4b = 8n^2 + ...: its characteristic roots 1 ± sqrt 2 are irrational
    assert solve(PCF.parse("n^2+1", "n")) == [] and solve(APERY) == []
    assert closed_form(PCF.parse("2n+1", "-n^2+n")) is None  # b(1) = 0: a finite fraction, value 1


def test_candidates_and_candidate_clusters_get_closed_forms(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/c.db"
    search = store_with(url, [(CANDIDATE, None), (BROUNCKER, "4/pi")])
    representative = canonical(PCF.parse("2n+5", "2n-5")).key
    with open_store(url) as store:
        store.save_clusters(search, [NewCluster("delta_fr,c", "unknown-1", 3, is_candidate=True,
                                                description={"reference": representative, "relations": []})], {})
        (cluster,) = store.clusters(search)
    import json

    result = CliRunner().invoke(app, ["cmf", "explain", str(search), "--db", url, "--candidates", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["targets"] == 2  # the candidate conjecture and the cluster's representative; not 4/pi
    forms = {(link["cluster_id"], link["field"]): link for link in data["links"] if link["method"] == "hypergeometric"}
    assert set(forms) == {(None, "1F1"), (cluster.id, "1F1")}
    for link, pcf in ((forms[None, "1F1"], CANDIDATE), (forms[cluster.id, "1F1"], PCF.parse("2n+5", "2n-5"))):
        with mpmath.workdps(60):
            assert abs(parse_constant(link["closed_form"]).value(60) - limit_of(pcf, 2000, 60)) < mpmath.mpf(10) ** -50


def test_default_grids_cover_every_rank_two_field() -> None:
    grids = [FieldGrid.of(name) for name in DEFAULT_GRIDS]
    assert [g.field for g in grids] == ["e", "pi", "zeta3", "cmf1", "cmf2", "cmf3_1", "cmf3_2", "cmf3_3", "1F1", "2F1"]
    assert sum(len(g) for g in grids) < 25_000


def test_links_are_stored_once_on_every_backend(db_url: str) -> None:
    search = store_with(db_url, [(APERY, "6/zeta(3)")])
    with open_store(db_url) as store:
        (row,) = store.query(search=search)
        link = CMFLinkRecord(search, row.canonical_key or "", "a=34,51,27,5|b=-1,0,0,0,0,0,0", "zeta3", {}, (1, 1), ("1", "1"),
                             LinkMethod.SHIFT, (6, 6, 1, 0), conjecture_id=row.id, data={"contraction": None, "big": 10**40})
        other = CMFLinkRecord(search, row.canonical_key or "", link.class_key, "cmf3_1", {"c0": "0", "c1": "-2"}, (1, 1),
                              ("1", "1"), "shift", (12, -3, 2, 0), conjecture_id=row.id)
        assert store.write_cmf_links([link, other, link]) == 2 and store.write_cmf_links([other]) == 0
        rows = store.cmf_links(search)
        assert [(r.field, r.parameters, r.mobius, r.trajectory) for r in rows] == [
            ("zeta3", {}, (6, 6, 1, 0), (1, 1)), ("cmf3_1", {"c0": "0", "c1": "-2"}, (12, -3, 2, 0), (1, 1))]
        assert rows[0].data == {"contraction": None, "big": 10**40} and store.cmf_links(conjecture_id=row.id + 1) == []
        assert store.cmf_links(search, field="cmf3_1")[0].conjecture_id == row.id and store.cmf_links(2**70) == []
        orphan = CMFLinkRecord(search, "k", "k", "e", {}, (1, 0), ("0", "0"), "shift", conjecture_id=row.id + 99)
        with pytest.raises(StoreError, match="not stored; nothing was written"):
            store.write_cmf_links([orphan, CMFLinkRecord(search, "k2", "k2", "e", {}, (1, 0), ("0", "0"), "shift")])
        assert len(store.cmf_links(search)) == 2 and store.counts()["cmf_link"] == 2
