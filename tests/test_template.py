"""Template families: polynomials in n with named integer parameters, their spaces and specs.

Every coefficient is checked against an independent path: the template's text with the
parameter values written in, parsed by the one-variable parser, and sympy's expansion.
"""

from __future__ import annotations

import io
import json
import sqlite3
from contextlib import redirect_stderr, redirect_stdout

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from brouncker.cli import app
from brouncker.cli.app import run
from brouncker.errors import LimitError, ParseError, SpecError
from brouncker.pcf.polynomial import parse, parse_in
from brouncker.pcf.template import Template
from brouncker.search.kinds.pcf import _screen_block, _survivors, run_shard
from brouncker.search.shards import Shard
from brouncker.search.space import TemplateSpace
from brouncker.search.spec import parse_spec

APERY_A, APERY_B = "(2n+1)*(x*n^2 + x*n + y)", "-z*n^6"


def fr_spec(**family: object) -> dict[str, object]:
    base: dict[str, object] = {"a": APERY_A, "b": APERY_B,
                               "parameters": {"x": [1, 60], "y": [-30, 30], "z": {"values": [1, 4, 9]}}}
    return {"name": "t", "mode": "fr", "constants": ["zeta3"], "family": {**base, **family}}


def substituted(text: str, values: dict[str, int]) -> str:
    """The template's text with each parameter replaced by its value in parentheses."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c.isalpha() and c != "n" and (i == 0 or not text[i - 1].isalnum()):
            j = i
            while j < len(text) and (text[j].isalnum() or text[j] == "_"):
                j += 1
            out.append(f"({values[text[i:j]]})")
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


@settings(max_examples=60, deadline=None)
@given(x=st.integers(-50, 50), y=st.integers(-50, 50), z=st.integers(-9, 9).filter(bool))
def test_a_template_instance_is_the_text_with_its_values_written_in(x: int, y: int, z: int) -> None:
    t = Template.parse(APERY_A, APERY_B, ("x", "y", "z"))
    a, b = t.coefficients(np.array([[x, y, z]]))
    values = {"x": x, "y": y, "z": z}
    want_a, want_b = parse(substituted(APERY_A, values)), parse(substituted(APERY_B, values))
    assert tuple(a[0].tolist()[len(a[0]) - len(want_a):]) == want_a and not any(a[0].tolist()[: len(a[0]) - len(want_a)])
    assert tuple(b[0].tolist()) == want_b


@settings(max_examples=40, deadline=None)
@given(coefficients=st.lists(st.integers(-5, 5), min_size=6, max_size=6), u=st.integers(-20, 20), v=st.integers(-20, 20))
def test_several_variables_agree_with_sympy(coefficients: list[int], u: int, v: int) -> None:
    c = coefficients
    text = f"(({c[0]})*n^2 + ({c[1]})*u*n + ({c[2]})*v)*(({c[3]})*u*v + ({c[4]})*n^3) + ({c[5]})*(u - v)^2*n"
    n, su, sv = sympy.symbols("n u v")
    expected = sympy.expand(sympy.sympify(text.replace("^", "**"), locals={"n": n, "u": su, "v": sv}))
    poly = parse_in(text, ("n", "u", "v"))
    assert sympy.expand(sympy.sympify(str(poly).replace("^", "**"), locals={"n": n, "u": su, "v": sv})) == expected
    if expected != 0:
        t = Template.parse(text, "n^2 + u + v", ("u", "v"))
        row = t.coefficients(np.array([[u, v]]))[0][0].tolist()
        want = sympy.Poly(expected.subs({su: u, sv: v}), n).all_coeffs() if expected.subs({su: u, sv: v}) != 0 else [0]
        assert [int(w) for w in want] == row[len(row) - len(want):] and not any(row[: len(row) - len(want)])


def test_the_space_enumerates_the_grid_last_parameter_fastest() -> None:
    spec = parse_spec(fr_spec(parameters={"x": [16, 17], "y": [5, 6], "z": {"values": [4, 1]}}))
    space = spec.space()
    assert isinstance(space, TemplateSpace) and len(space) == 8 == spec.family.size()
    grid = [space.parameters_of(i) for i in range(len(space))]
    assert grid == [(x, y, z) for x in (16, 17) for y in (5, 6) for z in (1, 4)]
    assert space.pcf(grid.index((17, 5, 1))) == ((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0))
    a, b = space.coefficients(2, 6)
    assert [tuple(r) for r in a.tolist()] == [space.pcf(i)[0] for i in range(2, 6)]
    assert [s.as_dict() for s in space.shards(3)] == [{"index": 0, "start": 0, "stop": 3}, {"index": 1, "start": 3, "stop": 6},
                                                       {"index": 2, "start": 6, "stop": 8}]


@pytest.mark.parametrize(
    ("family", "message"),
    [
        ({"a": "w*n + x"}, "'family.a': cannot parse 'w*n + x': unknown symbol 'w'"),
        (
            {"parameters": {"x": [1, 2], "y": [0, 1], "z": [1, 1], "w": [1, 2]}},
            "'family.parameters.w': the parameter is used in neither a nor b",
        ),
        ({"parameters": {"x": [1, 2], "y": [0, 1], "z": [1, 1], "n": [1, 2]}}, "'family.parameters.n': 'n' is the variable"),
        ({"b": "-z*n^13"}, "'family.b': degree 13 in n is over the cap of 12"),
        ({"a": "x*n^99999999999999999999 + y"}, "'family.a': degree 99999999999999999999 in n is over the cap of 12"),
        ({"a": "x*n ** 0013 + y"}, "'family.a': degree 13 in n is over the cap of 12"),
        ({"a": "x^99999999999999999999*n + y"}, "'family.a': the degree of 'x^99999999999999999999*n + y' is about 10^"),
        ({"parameters": {"x": [5, 1], "y": [0, 1], "z": [1, 1]}}, "'family.parameters.x': the range [5, 1] is empty"),
        ({"parameters": {"x": {"values": []}, "y": [0, 1], "z": [1, 1]}}, "'family.parameters.x': give an inclusive range"),
        ({"parameters": {"x": {"values": [1.5]}, "y": [0, 1], "z": [1, 1]}}, "'family.parameters.x': the values must be integers"),
        ({"a": "x/2 + n"}, "'family.a': cannot parse 'x/2 + n': division is not allowed"),
        ({"a": "x*0"}, "'family.a': 'x*0' is identically zero"),
        ({"parameters": {"x": [1, 10**6], "y": [0, 1], "z": [1, 1]}}, "a coefficient of a or b reaches 3,000,000"),
        ({"parameters": {"x": [1, 3000], "y": [-3000, 3000], "z": [-3000, 3000]}}, "over limits.max_space"),
    ],
)
def test_bad_templates_are_refused_in_one_line_naming_the_key(family: dict[str, object], message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(fr_spec(**family), "s.toml")
    text = str(caught.value)
    assert "\n" not in text and text.startswith("s.toml: ") and message in text, text


def test_template_names_are_checked_before_parsing() -> None:
    with pytest.raises(ParseError, match="not a parameter name"):
        Template.parse("x*n", "n", ("1x",))


def test_box_specs_keep_their_hash_and_fr_settings_count_only_in_fr_mode() -> None:
    box = {"name": "t", "family": {"a": {"degree": 1, "range": [0, 2]}, "b": {"coefficients": [[1], [0, 1]]}}}
    spec = parse_spec(box)
    data = spec.model_dump(mode="json", exclude={"limits": True, "kind": True, "fr": True, "screen": {"device"}})  # the hash before devices
    import hashlib

    assert spec.hash == hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert parse_spec({**box, "fr": {"depth": 64}}).hash == spec.hash
    fr = parse_spec(fr_spec())
    assert parse_spec({**fr_spec(), "fr": {"depth": 64}}).hash != fr.hash


def test_search_plan_sizes_a_template_space(tmp_path) -> None:
    spec_file = tmp_path / "fr.toml"
    spec_file.write_text(
        'name = "plan-fr"\nmode = "fr"\nconstants = ["zeta3"]\nshard_size = 50\n'
        '[family]\na = "(2n+1)*(x*n^2 + x*n + y)"\nb = "-z*n^6"\n'
        "[family.parameters]\nx = [1, 10]\ny = [-5, 5]\nz = { values = [1, 4] }\n"
    )
    result = CliRunner().invoke(app, ["search", "plan", str(spec_file), "--json", "--workers", "0", "--sample-seconds", "0.5"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["pcfs"] == 10 * 11 * 2 and plan["shards"] == 5 and plan["estimated_seconds"] > 0


def test_a_bad_template_spec_exits_2_in_one_line_and_writes_nothing(tmp_path) -> None:
    spec_file = tmp_path / "bad.toml"
    spec_file.write_text('name = "bad"\nmode = "fr"\n[family]\na = "x*n + q"\nb = "-n^6"\n[family.parameters]\nx = [1, 3]\n')
    db = tmp_path / "b.db"
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        code = run(["search", "run", str(spec_file), "--db", f"sqlite:///{db}", "--workers", "0"])
    assert code == 2 and err.getvalue().count("\n") == 1 and "Traceback" not in err.getvalue()
    assert "bad value for 'family.a'" in err.getvalue() and "unknown symbol 'q'" in err.getvalue()
    if db.exists():
        with sqlite3.connect(db) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            assert "search" not in tables or conn.execute("SELECT count(*) FROM search").fetchone()[0] == 0


@settings(max_examples=60, deadline=None)
@given(x=st.integers(-(2**20), 2**20), y=st.integers(-(2**40), 2**40), z=st.integers(-(2**12), 2**12))
def test_large_parameter_values_substitute_exactly_or_are_refused(x: int, y: int, z: int) -> None:
    """Coefficients of x^3 n^3 + (x y + z^5) n - z^4 y reach 2^60 and beyond; each one that fits is
    exact, and a grid whose bound passes int64 is refused rather than wrapped."""
    t = Template.parse("x^3*n^3 + (x*y + z^5)*n", "-z^4*y*n^2 + 1", ("x", "y", "z"))
    want = ((x**3, 0, x * y + z**5, 0), (-(z**4) * y, 0, 1))
    if t.bound([abs(x), abs(y), abs(z)]) >= 2**62:
        with pytest.raises(LimitError):
            t.coefficients(np.array([[x, y, z]]))
        return
    a, b = t.coefficients(np.array([[x, y, z]]))
    assert (tuple(a[0].tolist()), tuple(b[0].tolist())) == want


def test_euler_scaled_by_256_is_not_screened_as_finite() -> None:
    """The template x (n^3 + (n+1)^3), -x^2 n^6 at x = 256 is 256/zeta(3), a slow Möbius image of
    1/zeta(3): b(256) = -2^64 must not read as 0. It reaches the slow set (its coefficient 256 is past
    the match bound) with the extrapolated limit, and its class, the canonical Euler PCF, is identified
    through x = 1."""
    spec = parse_spec({"name": "euler", "constants": ["zeta3"], "screen": {"depth": 400},
                       "family": {"a": "x*(n^3 + (n+1)^3)", "b": "-x^2*n^6", "parameters": {"x": {"values": [1, 256]}}}})
    assert spec.space().pcf(1) == ((512, 768, 768, 256), (-65536, 0, 0, 0, 0, 0, 0))
    rows, limits, slow = _survivors(spec, *_screen_block(spec, spec.space(), 0, 2))
    assert rows.tolist() == [0, 1] and slow.tolist() == [True, True]
    assert abs(limits[1] - 256 / float(mpmath.zeta(3))) < 1e-7
    result = run_shard(spec, Shard(0, 0, 2))
    assert result.counts["rational"] == 0 and result.counts["slow"] == 2
    assert [c.expression for c in result.conjectures] == ["1/zeta(3)"]
