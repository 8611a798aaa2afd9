"""Search specs: validation with one-line errors, defaults, hashing, kinds and limits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from brouncker.errors import SpecError
from brouncker.esma.expansion import count_sign_periods, enumerate_lhs, lhs_bound, sign_periods
from brouncker.limits import ESMA_MAX_SPACE, MAX_SHARDS, MAX_SPACE, MAX_SPEC_BYTES
from brouncker.search.kinds.esma import ESMAConfig, ESMASpec
from brouncker.search.kinds.pcf import PCFSpec
from brouncker.search.spec import load_spec, parse_spec

GOOD = """
name = "t"
mode = "identify"
constants = ["pi", "e"]
[family.a]
degree = 1
range = [-2, 2]
[family.b]
coefficients = [[1, 2], [0], [0]]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return path


def test_good_spec_fills_defaults(tmp_path):
    spec = load_spec(write(tmp_path, GOOD))
    assert spec.match.bound == 12 and spec.screen.depth == 200 and spec.mode == "identify"
    assert len(spec.space()) == (5 * 5 - 1) * 2


def test_hash_ignores_spelling_out_defaults(tmp_path):
    plain = load_spec(write(tmp_path, GOOD))
    explicit = load_spec(write(tmp_path, GOOD + "[match]\nbound = 12\n"))
    other = load_spec(write(tmp_path, GOOD + "[match]\nbound = 11\n"))
    assert plain.hash == explicit.hash != other.hash
    assert len(plain.hash) == 64


def test_hash_of_a_pcf_spec_is_unchanged_by_kinds_and_limits(tmp_path):
    """A rerun finds a PCF search stored before kinds and limits existed: its hash is the
    sha256 of the spec as it was (the quickstart's, as stored by earlier versions)."""
    quickstart = load_spec(Path(__file__).resolve().parents[1] / "searches" / "quickstart.toml")
    assert quickstart.hash == "2a06f29b27de199d8345d706caca6fffbe5cc1196891c7057aac55f1130bf5c0"
    plain = load_spec(write(tmp_path, GOOD))
    assert load_spec(write(tmp_path, 'kind = "pcf"\n' + GOOD)).hash == plain.hash
    assert load_spec(write(tmp_path, GOOD + "[limits]\nmax_space = 10_000\n")).hash == plain.hash


def test_esma_hash_has_the_same_format_and_ignores_spelling():
    a = parse_spec({"kind": "esma", "name": "x", "constant": "e", "cycles": "2..2"})
    b = parse_spec({"kind": "esma", "name": "x", "constant": "e", "cycles": [2, 2], "depth": 100})
    c = parse_spec({"kind": "esma", "name": "x", "constant": "e", "cycles": "2"})
    assert a.hash == b.hash == c.hash and len(a.hash) == 64 and int(a.hash, 16) >= 0
    assert a.hash != parse_spec({"kind": "esma", "name": "x", "constant": "e", "cycles": "1..2"}).hash


@pytest.mark.parametrize(
    "extra, words",
    [
        ("[screen]\ndpeth = 3\n", ["unknown key 'dpeth' in [screen]"]),
        ("nosuchkey = 1\n", ["unknown key 'nosuchkey'"]),
        ("[screen]\ndepth = 3\n", ["screen.depth", "greater than or equal to 10"]),
        ("[match]\nbound = 'x'\n", ["match.bound"]),
    ],
)
def test_bad_keys_and_values_are_named(tmp_path, extra, words):
    text = GOOD.replace('mode = "identify"', 'mode = "identify"\n' + extra) if not extra.startswith("[") else GOOD + extra
    with pytest.raises(SpecError) as info:
        load_spec(write(tmp_path, text))
    message = str(info.value)
    assert message.startswith(str(tmp_path / "spec.toml")) and "\n" not in message
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    "text, word",
    [
        (GOOD.replace('"identify"', '"guess"'), "mode"),
        (GOOD.replace('["pi", "e"]', '["pi", "nosuch"]'), "nosuch"),
        (GOOD.replace("range = [-2, 2]", "range = [2, -2]"), "empty"),
        (GOOD.replace("degree = 1\n", ""), "degree"),
        ("name = 'x'\n", "family"),
        ("name = [", "not valid TOML"),
    ],
)
def test_bad_specs(tmp_path, text, word):
    with pytest.raises(SpecError, match=word):
        load_spec(write(tmp_path, text))


def test_missing_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "absent.toml")


def test_only_regular_files_of_bounded_size_are_read(tmp_path):
    with pytest.raises(SpecError, match="not a regular file"):
        load_spec("/dev/zero")
    pipe = tmp_path / "pipe.toml"
    os.mkfifo(pipe)  # nothing writes to it: reading it would block forever
    with pytest.raises(SpecError, match="named pipe"):
        load_spec(pipe)
    with pytest.raises(SpecError, match="directory"):
        load_spec(tmp_path)
    big = write(tmp_path, GOOD + "#" * MAX_SPEC_BYTES)
    with pytest.raises(SpecError, match="too large"):
        load_spec(big)
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SpecError, match="UTF-8"):
        load_spec(binary)


# --- kinds ------------------------------------------------------------------------------


def test_kind_selects_the_model():
    box = {"a": {"degree": 0, "range": [1, 2]}, "b": {"degree": 0, "range": [1, 1]}}
    assert isinstance(parse_spec({"name": "p", "family": box}), PCFSpec)
    esma = parse_spec({"kind": "esma", "name": "e", "constant": "e"})
    assert isinstance(esma, ESMASpec) and esma.config() == ESMAConfig("e")
    with pytest.raises(SpecError, match="bad value for 'kind': 'cmff' is not a kind of search; known: pcf, esma"):
        parse_spec({"kind": "cmff", "name": "x"})
    with pytest.raises(SpecError, match="unknown key 'family'"):
        parse_spec({"kind": "esma", "name": "e", "constant": "e", "family": {}})  # a PCF key in an ESMA spec
    with pytest.raises(SpecError, match="unknown key 'from_start'"):
        parse_spec({"kind": "esma", "name": "e", "constant": "e", "from_start": True})


@pytest.mark.parametrize(
    "extra, words",
    [
        ({"constant": "nosuch"}, ["constant"]),
        ({"cycles": "3..1"}, ["cycles", "K1 <= K2"]),
        ({"cycles": [0, 2]}, ["cycles"]),
        ({"prime": 200}, ["not an odd prime"]),
        ({"depth": 8}, ["depth"]),
        ({"cycles": "1..65"}, ["longer than 64"]),
        ({"lhs_degree": 9}, ["lhs_degree"]),
    ],
)
def test_bad_esma_specs_are_named(extra, words):
    with pytest.raises(SpecError) as info:
        parse_spec({"kind": "esma", "name": "e", "constant": "e", **extra}, "x.toml")
    assert str(info.value).startswith("x.toml: ") and "\n" not in str(info.value)
    for word in words:
        assert word in str(info.value)


def test_shipped_specs_are_valid():
    root = Path(__file__).resolve().parents[1] / "searches"
    names = ("quickstart.toml", "unsupervised-deg2.toml", "unsupervised-deg2-dynamics.toml", "unsupervised-deg2-15.toml",
             "unsupervised-deg2-20.toml")
    specs = {name: load_spec(root / name) for name in names}
    assert len(specs["unsupervised-deg2.toml"].space()) == 1_768_900
    for bound, size in ((15, 887_444_100), (20, 4_749_966_400)):  # (31^3 - 1)^2 and (41^3 - 1)^2: neither a nor b zero
        assert len(specs[f"unsupervised-deg2-{bound}.toml"].space()) == size == ((2 * bound + 1) ** 3 - 1) ** 2
    assert specs["unsupervised-deg2.toml"].mode == "identify"
    assert specs["unsupervised-deg2-dynamics.toml"].mode == "dynamics"
    assert len(specs["unsupervised-deg2-dynamics.toml"].space()) == 1_768_900


# --- sizes and limits, before any work ------------------------------------------------------


def box_spec(a: dict, b: dict, **extra: object) -> dict:
    return {"name": "box", "family": {"a": a, "b": b}, **extra}


@given(
    st.lists(st.lists(st.integers(-3, 3), min_size=1, max_size=4), min_size=1, max_size=3),
    st.integers(0, 3), st.integers(-3, 0), st.integers(0, 3),
)
def test_family_size_counts_the_box_without_building_it(coefficients, degree, lo, hi):
    assume(any(any(p) for p in coefficients) and (lo, hi) != (0, 0))  # empty spaces are refused (below)
    spec = parse_spec(box_spec({"coefficients": coefficients}, {"degree": degree, "range": [lo, hi]}, shard_size=10**6,
                               limits={"max_shards": 10**6}))
    assert spec.family.a.size() == len(spec.space().a)
    assert spec.family.b.size() == len(spec.space().b) == (hi - lo + 1) ** (degree + 1) - 1


@pytest.mark.parametrize(
    "family, words",
    [
        ({"a": {"coefficients": [[0], [0]]}, "b": {"degree": 1, "range": [1, 2]}}, ["space is empty", "family.a"]),
        ({"a": {"degree": 1, "range": [1, 2]}, "b": {"degree": 2, "range": [0, 0]}}, ["space is empty", "family.b"]),
        ({"a": {"degree": 3, "range": [-30, 30]}, "b": {"degree": 3, "range": [-30, 30]}},
         ["1.92e14 PCFs", "limits.max_space", "6 years of one core", "[limits]"]),
        ({"a": {"degree": 12, "range": [-1, 1]}, "b": {"degree": 12, "range": [-1, 1]}}, ["2.54e12 PCFs", "max_space"]),
    ],
)
def test_empty_or_huge_spaces_are_refused_with_the_estimate(family, words):
    with pytest.raises(SpecError) as info:
        parse_spec({"name": "x", "family": family}, "x.toml")
    for word in words:
        assert word in str(info.value)


def test_shard_count_and_task_size_have_limits():
    deg2 = {"a": {"degree": 2, "range": [-5, 5]}, "b": {"degree": 2, "range": [-5, 5]}}
    message = f"makes 1,768,900 shards, over limits.max_shards = {MAX_SHARDS:,}: use a shard_size of at least 18"
    with pytest.raises(SpecError, match=message):
        parse_spec({"name": "x", "family": deg2, "shard_size": 1})
    with pytest.raises(SpecError, match="limits.max_task_size"):
        parse_spec({"name": "x", "family": deg2, "shard_size": 1_500_000, "limits": {"max_task_size": 1_000_000}})
    raised = parse_spec({"name": "x", "family": deg2, "shard_size": 1, "limits": {"max_shards": 2_000_000}})  # on purpose
    assert raised.limits.max_shards == 2_000_000 and raised.limits.max_space == MAX_SPACE
    with pytest.raises(SpecError, match="limits.max_space"):
        parse_spec({"name": "x", "family": deg2, "limits": {"max_space": 2**70}})  # beyond any int64 index


def test_raising_max_space_on_purpose_admits_a_larger_space():
    family = {"a": {"degree": 2, "range": [-30, 30]}, "b": {"degree": 2, "range": [-30, 30]}}
    with pytest.raises(SpecError, match="51,519,920,400 PCFs"):
        parse_spec({"name": "x", "family": family, "shard_size": 10**6})
    spec = parse_spec({"name": "x", "family": family, "shard_size": 10**6, "limits": {"max_space": 10**11}}, "x.toml")
    assert len(spec.space()) == (61**3 - 1) ** 2


@given(st.integers(1, 8), st.integers(1, 10))
def test_count_of_sign_periods_is_exact(k1, extra):
    k2 = min(k1 + extra - 1, 10)
    assert count_sign_periods(k1, k2) == len(sign_periods(k1, k2))


@pytest.mark.parametrize("degree, limit", [(0, 3), (1, 1), (1, 2), (2, 1)])
def test_lhs_bound_bounds_the_enumeration(degree, limit):
    import mpmath

    assert len(enumerate_lhs(mpmath.e, degree, limit)) <= lhs_bound(degree, limit)


@pytest.mark.parametrize(
    "extra, words",
    [
        ({"cycles": "1..40"}, ["(LHS, sign period) pairs", "2.20e12 periods", "TB of memory", "limits.max_space"]),
        ({"lhs_degree": 4, "coeff_limit": 1000}, ["(LHS, sign period) pairs", "2.57e32 LHS", "GB of memory", "max_space"]),
    ],
)
def test_huge_esma_searches_are_refused_with_pairs_and_memory(extra, words):
    with pytest.raises(SpecError) as info:
        parse_spec({"kind": "esma", "name": "e", "constant": "e", **extra}, "x.toml")
    for word in words:
        assert word in str(info.value)


def test_esma_limits_count_pairs():
    pairs = lhs_bound(2, 5) * count_sign_periods(1, 2)
    assert pairs > ESMA_MAX_SPACE
    data = {"kind": "esma", "name": "e", "constant": "e", "lhs_degree": 2, "coeff_limit": 5}
    with pytest.raises(SpecError, match=f"up to {pairs:,} "):
        parse_spec(data)
    assert parse_spec({**data, "limits": {"max_space": pairs}}).limits.max_space == pairs
    with pytest.raises(SpecError, match="limits.max_task_size"):  # one LHS with every period is the smallest task
        parse_spec({"kind": "esma", "name": "e", "constant": "e", "cycles": "1..18", "limits": {"max_space": 10**9}})


def test_no_limit_raises_a_request_past_the_machines_memory():
    data = {"kind": "esma", "name": "e", "constant": "e", "cycles": "1..40", "limits": {"max_space": 10**18, "max_task_size": 10**8}}
    with pytest.raises(SpecError, match=r"TB of memory, more than 50% of this machine's"):
        parse_spec(data)
