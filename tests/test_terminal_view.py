"""The terminal view of found formulas: grouped by constant in the bank's order, the simplest
formula first (lowest height), then the fastest converging; a summary line per constant;
no formula cut, in a pipe or in a narrow terminal. The quickstart leads with Brouncker's
4/pi."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

import brouncker.cli.output as output
from brouncker.cli import app
from brouncker.constants import BANK
from brouncker.report.ranking import CANDIDATES, digits_per_term, group_by_constant, height
from brouncker.store import open_store

ROOT = Path(__file__).resolve().parents[1]


def _key_height(key: str, relation: tuple[int, ...]) -> int:
    """The height read off the canonical key ``a=3,1|b=-2,1,0`` (coefficients as stored) and the relation."""
    return sum(abs(int(c)) for c in re.findall(r"-?\d+", key)) + sum(abs(c) for c in relation)


@pytest.fixture(scope="module")
def details(small_dynamics_db: tuple[Path, int]) -> list[Any]:
    path, _ = small_dynamics_db
    with open_store(f"sqlite:///{path}", read_only=True) as store:
        return store.get_conjectures([r.id for r in store.query()])


def test_groups_follow_the_bank_and_formulas_their_height_then_speed(details: list[Any]) -> None:
    groups = group_by_constant(details)
    bank = list(BANK)
    singles = [g.name for g in groups if g.name in BANK]
    assert singles == sorted(singles, key=bank.index) and {"pi", "e"} <= set(singles)
    assert sum(len(g.rows) for g in groups) == len(details)
    for g in groups:
        keys = []
        for d in g.rows:
            pcf_formula = d.conjecture.a is not None and (d.conjecture.canonical_key or "").startswith("a=")
            if pcf_formula:
                assert height(d.conjecture, d.relation) == _key_height(d.conjecture.canonical_key, d.relation)
            speed = digits_per_term(d)
            keys.append((height(d.conjecture, d.relation), -(speed if speed is not None else -1e9)))
        assert keys == sorted(keys)
        deltas = [d.conjecture.delta for d in g.rows if d.conjecture.delta is not None]
        summary = g.summary()
        assert summary.startswith(f"{g.name}") and f"{len(g.rows)} formula" in summary
        if deltas and min(deltas) != max(deltas):
            assert f"δ from {min(deltas):.3g} to {max(deltas):.3g}" in summary
    pi = next(g for g in groups if g.name == "pi")
    assert (pi.best.conjecture.expression, pi.best.conjecture.a) == ("2/pi", "3n + 1")  # height 4 + 1 + 2 + 1 + 2 + 1 = 11


def test_a_pipe_gets_every_formula_whole_on_one_line(small_dynamics_db: tuple[Path, int]) -> None:
    path, _ = small_dynamics_db
    result = CliRunner().invoke(app, ["query", "--db", f"sqlite:///{path}"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    with open_store(f"sqlite:///{path}", read_only=True) as store:
        rows = store.query()
    for row in rows:
        if row.a is not None and row.expression is not None:
            text = f"{row.expression} = PCF({row.a}, {row.b})"
            assert any(text in line for line in lines), text
    assert "…" not in result.output
    summaries = [line for line in lines if re.match(r"^\w[\w, ]*( \(.*\))?: \d+ (formula|value)", line)]
    assert summaries[0].startswith("conjectures: ") and [s.split(" ")[0].rstrip(":") for s in summaries[1:3]] == ["pi", "e"]


def test_a_narrow_terminal_wraps_formulas_and_cuts_none(details: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.StringIO()
    monkeypatch.setattr(output, "console", Console(file=buffer, force_terminal=True, width=60, color_system=None))
    output.emit_formulas(details, "conjectures")
    lines = buffer.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 60 and "…" not in buffer.getvalue()
    # each formula's characters appear, in order, in the lines of its row (wrapped within its column)
    rows: dict[int, str] = {}
    current: int | None = None
    for line in lines:
        words = line.split()
        if words and words[0].isdigit():  # a row begins with its id
            current = int(words[0])
            rows[current] = "".join(words[1:])
        elif words and line.startswith(" ") and current is not None:  # a wrapped piece of it
            rows[current] += "".join(words)
        else:  # a summary line, a header or a blank line
            current = None
    assert len(rows) == len(details)
    wrapped = 0
    for d in details:
        text = "".join(output.formula_text(d).split())
        assert _subsequence(text, rows[d.conjecture.id]), (text, rows[d.conjecture.id])
        wrapped += text not in rows[d.conjecture.id]
    assert wrapped > 0  # the terminal was narrow enough to wrap some


def _subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


@pytest.mark.slow
def test_the_quickstart_leads_with_brouncker(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'quickstart.db'}"
    result = CliRunner().invoke(app, ["search", "run", str(ROOT / "searches" / "quickstart.toml"), "--db", url, "--workers", "0"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    first_group = next(i for i, line in enumerate(lines) if ": " in line and "formulas" in line and not line.startswith("search"))
    assert lines[first_group].startswith("pi (Archimedes' constant π): ")
    assert re.match(r"^\s*\d+\s+4/pi = PCF\(2n \+ 1, n\^2\)\s", lines[first_group + 2]), lines[first_group : first_group + 3]
    assert all("…" not in line or line.lstrip().startswith("… and") for line in lines)
    # the JSON of query keeps the contract: the stored rows, in id order
    listed = CliRunner().invoke(app, ["query", "--db", url, "--json"])
    with open_store(url, read_only=True) as store:
        assert json.loads(listed.output) == [r.as_dict() for r in store.query()]
        assert all(g.name != CANDIDATES for g in group_by_constant(store.get_conjectures([r.id for r in store.query()])))
