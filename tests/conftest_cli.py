"""The command line in-process (a pytest plugin, registered in tests/conftest.py).

``cli(*args)`` runs ``brouncker ARGS`` through the console entry point and answers
(exit code, stdout, stderr); :func:`one_line` is the one line a refusal prints.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from brouncker.cli.app import main


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run ``brouncker ARGS`` in this process: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["brouncker", *args])
        with pytest.raises(SystemExit) as info:
            main()
        out = capsys.readouterr()
        code = info.value.code
        return (code if isinstance(code, int) else 0), out.out, out.err

    return run


def one_line(err: str) -> str:
    """The one line of ``err``, asserting that there is one and no traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]
