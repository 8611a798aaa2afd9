"""Conservative matrix fields: every known field conserves, a broken one names its failing
entry, and dual, coboundary and sub-fields are what they claim.

Conservation is checked by flint inside the package; here each claim is re-checked with
sympy directly from the matrices (``cancel`` of the two sides), an independent computation.
"""

from __future__ import annotations

import itertools
import pickle

import pytest
import sympy as sp

from brouncker.cmf.field import CMF, coboundary, conservation, dual, substitute
from brouncker.cmf.hypergeometric import pfq
from brouncker.cmf.known import c0, c1, c2, c3, ffbar, known_field, known_fields, x, y
from brouncker.cmf.trajectory import symbolic_trajectory_matrix, trajectory_matrix
from brouncker.errors import FieldError


def sympy_difference(field: CMF, i: int, j: int) -> sp.Matrix:
    """M_i(x) M_j(x + e_i) - M_j(x) M_i(x + e_j), entry by entry, cancelled by sympy."""
    xi, xj = field.axes[i], field.axes[j]
    mi, mj = sp.Matrix(field.matrices[i]), sp.Matrix(field.matrices[j])
    left = mi * mj.subs(xi, xi + 1)
    right = mj * mi.subs(xj, xj + 1)
    return (left - right).applyfunc(sp.cancel)


@pytest.mark.parametrize("name", [k.name for k in known_fields()])
def test_every_known_field_conserves(name):
    field = known_field(name)
    result = conservation(field)
    assert result.conserves and result.pairs == field.dim * (field.dim - 1) // 2
    if field.rank == 2 and field.dim == 2:  # the independent check, where sympy is quick
        assert sympy_difference(field, 0, 1) == sp.zeros(2, 2)


@pytest.mark.parametrize(
    "p, q, z", [(0, 1, sp.Symbol("z")), (1, 2, sp.Symbol("z")), (2, 0, sp.Rational(1, 2)), (2, 2, -1), (3, 2, 1), (4, 3, sp.Rational(1, 4))]
)
def test_hypergeometric_fields_conserve(p, q, z):
    field = pfq(p, q, z)
    expected_rank = q if (p == q + 1 and z == 1) else max(p, q + 1)
    assert field.rank == expected_rank and field.dim == p + q
    assert conservation(field).conserves


def test_parameterised_ffbar_fields_conserve_for_every_value():
    for name in ("cmf1", "cmf2", "cmf3_1", "cmf3_2", "cmf3_3"):
        field = known_field(name)
        for values in itertools.islice(itertools.product((-2, 3), repeat=len(field.parameters)), 2):
            concrete = substitute(field, dict(zip(map(str, field.parameters), values)))
            assert concrete.parameters == ()
            assert sympy_difference(concrete, 0, 1) == sp.zeros(2, 2)


def test_a_perturbed_field_fails_and_names_the_entry():
    zeta3 = known_field("zeta3")
    mx = sp.Matrix(zeta3.matrix("x"))
    mx[1, 0] += x * y  # perturb one entry of M_x
    broken = CMF({x: mx, y: zeta3.matrix("y")}, name="perturbed")
    result = conservation(broken)
    assert not result.conserves and len(result.failures) == 1
    failure = result.failures[0]
    assert failure.axes == ("x", "y")
    difference = sympy_difference(broken, 0, 1)
    first = next((r, c) for r, c in itertools.product(range(2), repeat=2) if difference[r, c] != 0)
    assert failure.entry == first
    assert sp.simplify(sp.sympify(failure.difference) - difference[first]) == 0
    assert "M(x)·M(y)(x+1) ≠ M(y)·M(x)(y+1)" in failure.message() and f"entry [{first[0]}, {first[1]}]" in failure.message()
    assert result.as_dict()["conserves"] is False


def test_ffbar_conditions_are_enforced():
    with pytest.raises(FieldError, match="linear condition"):
        ffbar(x * y, sp.Integer(0))
    with pytest.raises(FieldError, match="quadratic condition"):
        ffbar(x + 2 * y, x)  # linear holds, quadratic does not: F - F(x, 0) - F(0, y) + F(0, 0) = 2xy
    field = ffbar(c0 + c1 * (x + y), c2 + c3 * (x - y))
    assert field.matrix("x")[0, 1] == field.matrix("y")[0, 1]  # b(x) is shared


def test_dual_is_the_inverse_transpose_and_conserves():
    for name in ("zeta3", "pi", "e"):
        field = known_field(name)
        d = dual(field)
        assert conservation(d).conserves
        for axis in field.axes:
            product = (sp.Matrix(field.matrix(axis)).T * sp.Matrix(d.matrix(axis))).applyfunc(sp.cancel)
            assert product == sp.eye(2)


def test_coboundary_conserves_and_is_what_it_says():
    field = known_field("zeta3")
    u = sp.Matrix([[1, x], [0, y + 1]])
    g = coboundary(field, u)
    assert conservation(g).conserves
    for axis in field.axes:
        expected = u.inv() * sp.Matrix(field.matrix(axis)) * u.subs(axis, axis + 1)
        assert (expected - sp.Matrix(g.matrix(axis))).applyfunc(sp.cancel) == sp.zeros(2, 2)
    with pytest.raises(FieldError, match="singular"):
        coboundary(field, sp.Matrix([[1, x], [1, x]]))


def test_symbolic_trajectory_matrix_is_the_product_along_the_path():
    field = known_field("zeta3")
    n = sp.Symbol("n")
    mx, my = sp.Matrix(field.matrix("x")), sp.Matrix(field.matrix("y"))
    # (2, 1) from (x + 2n, 2 + n): M_x(p) M_x(p + e_x) M_y(p + 2e_x)
    p = {x: x + 2 * n, y: 2 + n}
    expected = (
        mx.subs(p, simultaneous=True)
        * mx.subs({x: x + 2 * n + 1, y: 2 + n}, simultaneous=True)
        * my.subs({x: x + 2 * n + 2, y: 2 + n}, simultaneous=True)
    )
    assert (symbolic_trajectory_matrix(field, (2, 1), (None, 2)) - expected).applyfunc(sp.expand) == sp.zeros(2, 2)
    # a step backwards along y multiplies by M_y(x - e_y)^{-1}
    back = symbolic_trajectory_matrix(field, (1, -1), (sp.Integer(3), None))
    p = {x: 3 + n, y: y - n}
    expected = mx.subs(p, simultaneous=True) * my.subs({x: 4 + n, y: y - n - 1}, simultaneous=True).inv()
    assert (back - expected).applyfunc(sp.cancel) == sp.zeros(2, 2)


def test_exact_trajectory_matrix_is_a_scalar_times_an_integer_matrix():
    field = known_field("pi")
    tm = trajectory_matrix(field, (2, -1), (3, 4))
    n = sp.Symbol("n")
    symbolic = symbolic_trajectory_matrix(field, (2, -1), (3, 4))
    assert (tm.sympy() - symbolic).applyfunc(sp.cancel) == sp.zeros(2, 2)
    contents = [sp.Poly(sp.Add(*[c * n**k for k, c in enumerate(reversed(f))]), n) for row in tm.numerator for f in row]
    assert sp.gcd_list([p.as_expr() for p in contents]) == 1  # primitive: no common factor, not even a constant


def test_substitution_and_its_errors():
    field = known_field("cmf1")
    assert [str(p) for p in field.parameters] == ["c0", "c1", "c2", "c3"]
    assert [str(p) for p in substitute(field, {"c0": 1, c1: 2}).parameters] == ["c2", "c3"]
    with pytest.raises(FieldError, match="no parameter 'c9'"):
        substitute(field, {"c9": 1})
    with pytest.raises(FieldError, match="is an axis"):
        substitute(field, {"x": 1})
    with pytest.raises(FieldError, match="free parameters"):
        trajectory_matrix(field, (1, 1), (1, 1))


def test_bad_fields_and_walks_are_refused_with_one_line():
    with pytest.raises(FieldError, match="rank at least 2"):
        CMF({x: [[x]]})
    with pytest.raises(FieldError, match="must be 2×2"):
        CMF({x: [[1, 0], [0, 1]], y: [[1, 0, 0], [0, 1, 0], [0, 0, 1]]})
    with pytest.raises(FieldError, match="reserved"):
        CMF({sp.Symbol("n"): [[1, 0], [0, 1]]})
    with pytest.raises(FieldError, match="not a rational function"):
        trajectory_matrix(CMF({x: [[1, sp.sqrt(x)], [0, 1]]}), (1,), (1,))
    field = known_field("zeta3")
    with pytest.raises(FieldError, match="has 3 entries"):
        trajectory_matrix(field, (1, 1, 1), (1, 1))
    with pytest.raises(FieldError, match="does not move"):
        trajectory_matrix(field, (0, 0), (1, 1))
    with pytest.raises(FieldError, match="rational numbers"):
        trajectory_matrix(field, (1, 1), (1, "pi"))
    with pytest.raises(FieldError, match="unknown field 'zeta4'"):
        known_field("zeta4")
    for error in (FieldError("x"),):
        assert "\n" not in str(error)


def test_fields_and_trajectory_matrices_pickle_and_print():
    field = known_field("zeta3")
    assert pickle.loads(pickle.dumps(field)) == field
    tm = trajectory_matrix(field, (1, 1), (1, 1))
    assert pickle.loads(pickle.dumps(tm)) == tm
    assert field.latex().startswith("M_{x} = \\left[\\begin{matrix}") and field._repr_latex_().startswith("$")
    assert "\\left(n + 1\\right)^{3}" in tm.latex()
    assert tm.as_dict()["matrix"][0][0] == "-(n + 1)**3*(n + 2)**3"
    listing = [k.as_dict() for k in known_fields()]
    assert {d["name"] for d in listing} >= {"e", "pi", "zeta3", "cmf1", "cmf2", "cmf3_1", "cmf3_2", "cmf3_3", "1F1", "2F1", "3F2"}
    assert next(d for d in listing if d["name"] == "3F2")["rank"] == 3
