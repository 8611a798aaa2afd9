"""Notebook display: the ``_repr_latex_`` of brouncker's results says the same mathematics as
the objects (the levels of a fraction, an inflation, a verdict), and every display is LaTeX
that MathML conversion reads; query rows become a DataFrame in one call."""

from __future__ import annotations

import ast
import inspect
import re
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from latex2mathml.converter import convert

import brouncker
from brouncker import display, printing
from brouncker.pcf.canonical import canonical, inflate
from brouncker.pcf.fraction import PCF
from brouncker.printing import latex_expression, latex_fraction, latex_polynomial
from brouncker.records import ConjectureRecord, PCFRecord

pytest_plugins = ["tests.conftest_store"]


def _displays(text: str) -> list[str]:
    """The $$ … $$ displays of a _repr_latex_, each converted to MathML (which must not fail)."""
    parts = re.findall(r"\$\$(.*?)\$\$", text, re.S)
    assert parts and "".join(f"$${p}$$" for p in parts) == text
    for part in parts:
        assert convert(part).startswith("<math")
    return parts


coefficients = st.lists(st.integers(-9, 9), min_size=1, max_size=3).filter(lambda c: c[0] != 0)


@given(coefficients, coefficients)
def test_a_pcf_displays_its_first_levels_and_its_general_term(a: list[int], b: list[int]) -> None:
    pcf = PCF(a, b)
    (shown,) = _displays(pcf._repr_latex_())
    head = f"{pcf.a_at(0)} + \\cfrac{{{pcf.b_at(1)}}}{{{pcf.a_at(1)} + \\cfrac{{{pcf.b_at(2)}}}{{{pcf.a_at(2)}"
    assert shown.startswith(head.replace("+ -", "- "))
    assert r"\cfrac{" + latex_polynomial(pcf.b) + "}{" + latex_polynomial(pcf.a) + r" + \ddots}" in shown


def test_a_canonical_form_displays_the_inflation_back_to_the_input() -> None:
    pcf = PCF.parse("(2n+1)(6n^2+6n+2)", "-4n^6")
    found = canonical(pcf)
    assert inflate(found.pcf, 2) == pcf and found.scale.value_factor == 2
    head, relation = _displays(found._repr_latex_())
    assert r"\mathrm{PCF}\left(6n^{3} + 9n^{2} + 5n + 1,\ -n^{6}\right)" == head
    assert relation == r"c(n) = 2,\quad \text{value} = 2 \cdot \text{canonical value}"
    (alone,) = _displays(canonical(PCF.parse("2n+1", "n^2"))._repr_latex_())
    assert "the input is canonical" in alone
    assert brouncker.Inflation(-1, 3, (2, 1), (1, 1)).latex() == r"\frac{-3\left(2n + 1\right)}{n + 1}"
    assert [latex_fraction(Fraction(p, q)) for p, q in ((6, 4), (-1, 3), (7, 1))] == [r"\frac{3}{2}", r"-\frac{1}{3}", "7"]


def test_verification_identification_and_dynamics_display_their_numbers() -> None:
    v = brouncker.verify("34n^3+51n^2+27n+5", "-n^6", "6/zeta(3)", digits=60)
    formula, verdict = _displays(v._repr_latex_())
    assert formula.startswith(r"\frac{6}{\zeta\left(3\right)} = 5 + \cfrac{-1}{117 + \cfrac{-64}{535")
    assert verdict == rf"\text{{verified to 60 digits ({v.digits_agreed} agree at depth {v.depth})}}"
    i = brouncker.identify_pcf("n", "n")
    value, note = _displays(i._repr_latex_())
    assert value == r"0.581976706869326424385002005109\ldots = \frac{1}{-1 + e}"  # 1/(e - 1)
    assert f"found with {i.digits} digits" in note
    d = brouncker.dynamics((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0))  # Apéry: 6/zeta(3), factorially reducing
    limit, deltas = _displays(d._repr_latex_())
    assert d.fr and limit.startswith(r"L = 4.99144423548424481209875767") and limit.endswith(f"{d.convergence}, FR)}}")
    assert rf"\delta_{{\mathrm{{FR}}}} = {d.delta_fr:.4g}" in deltas


def test_stored_rows_display_their_formula_and_candidates_their_digits(store) -> None:  # type: ignore[no-untyped-def]
    pcf, other = PCFRecord("k1", (2, 1), (1, 0, 0)), PCFRecord("k2", (1, 0), (1,))
    store.write_records(pcfs=[pcf, other], conjectures=[
        ConjectureRecord("pcf", "4/pi", ("pi",), (0, -4, 0, 1), 50, "k1", (2, 1), (1, 0, 0)),
        ConjectureRecord("pcf", None, (), (), 40, "k2", (1, 0), (1,), limit="0.69777465796400798200679059255175", candidate=True),
    ])
    brouncker_row, candidate = store.query()
    formula, note = _displays(brouncker_row._repr_latex_())
    assert formula == r"\frac{4}{\pi} = 1 + \cfrac{1}{3 + \cfrac{4}{5 + \ddots + \cfrac{n^{2}}{2n + 1 + \ddots}}}"
    assert note == rf"\text{{conjecture {brouncker_row.id}: conjectured, 50 digits}}"
    value, _ = _displays(store.get_conjecture(candidate.id)._repr_latex_())
    # PCF(n, 1) = 1/(1 + 1/(2 + …)) = I1(2)/I0(2), a value the test bank is not told about
    assert value.startswith(r"0.697774657964007982006790592551\ldots = 0 + \cfrac{1}{1 + \cfrac{1}{2")
    assert _displays(candidate._repr_latex_())[0] == value  # the query row carries the same value


def test_the_presentation_layer_imports_no_type_above_it() -> None:
    """display and printing import (even inside a function) only the printer, polynomials,
    constants and errors: each type brings its own latex(), and display knows none of them."""
    for module, allowed in ((display, {"brouncker.printing"}),
                            (printing, {"brouncker.pcf.polynomial", "brouncker.constants", "brouncker.errors"})):
        imported = set()
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.ImportFrom) and node.level:
                package = module.__name__.rsplit(".", node.level)[0]
                imported.add(f"{package}.{node.module}")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                imported.update(n for n in names if n and n.startswith("brouncker"))
        assert imported <= allowed, (module.__name__, imported - allowed)


def test_expressions_are_set_with_the_bank_symbols() -> None:
    assert latex_expression("lemniscate/pi") == r"\frac{\varpi}{\pi}"
    assert latex_expression("1/(2*catalan)") == r"\frac{1}{2 G}"
    assert latex_expression("4/nosuch_x") == r"\mathrm{4/nosuch\_x}"


def test_query_rows_become_a_dataframe_in_one_call(store) -> None:  # type: ignore[no-untyped-def]
    pandas = pytest.importorskip("pandas")
    from brouncker.store import ROW_FIELDS, rows_frame

    store.write_records(pcfs=[PCFRecord("k1", (2, 1), (1, 0, 0))],
                        conjectures=[ConjectureRecord("pcf", "4/pi", ("pi",), (0, -4, 0, 1), 50, "k1", (2, 1), (1, 0, 0), delta=-0.2,
                                                      delta_kind="fr")])
    rows = store.query()
    frame = rows_frame(rows)
    assert isinstance(frame, pandas.DataFrame) and tuple(frame.columns) == ROW_FIELDS
    assert frame.to_dict("records") == [r.as_dict() for r in rows]
