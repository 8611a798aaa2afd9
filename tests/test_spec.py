"""Search specs: validation with one-line errors, defaults, hashing."""

from __future__ import annotations

from pathlib import Path

import pytest

from brouncker.errors import SpecError
from brouncker.search.spec import load_spec

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


def test_shipped_specs_are_valid():
    root = Path(__file__).resolve().parents[1] / "searches"
    names = ("quickstart.toml", "unsupervised-deg2.toml", "unsupervised-deg2-dynamics.toml")
    specs = {name: load_spec(root / name) for name in names}
    assert len(specs["unsupervised-deg2.toml"].space()) == 1_768_900
    assert specs["unsupervised-deg2.toml"].mode == "identify"
    assert specs["unsupervised-deg2-dynamics.toml"].mode == "dynamics"
    assert len(specs["unsupervised-deg2-dynamics.toml"].space()) == 1_768_900
