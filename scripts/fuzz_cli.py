"""Deeper fuzz of the command line's boundary, for the note: counts of outcomes by command.

Runs the strategies of ``tests/test_fuzz_cli.py`` (polynomials, constant expressions,
decimal values, ids, whole command lines, spec documents) many more times than CI does,
each command in this process through :func:`brouncker.cli.run`, and counts how each ended:
exit 0/1/2/3, a traceback (an exception escaping ``run``: a bug), exit 2 without exactly one
line on stderr (a bug), slow (over ``--slow`` seconds). Prints one table row per target
and the first failing inputs.

    python scripts/fuzz_cli.py [--examples 2000] [--slow 5] [--only verify,identify-value]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package, for its strategies

from brouncker.cli import run  # noqa: E402
from tests.test_fuzz_cli import command_lines, hang_guard  # noqa: E402


def outcome(args: list[str], slow: float) -> tuple[str, float, str]:
    """(kind of outcome, seconds, stderr or traceback)."""
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    try:
        with hang_guard(600), redirect_stdout(out), redirect_stderr(err):
            code = run(args)
    except BaseException:  # noqa: BLE001 - a traceback is what this script counts
        return "traceback", time.perf_counter() - started, traceback.format_exc(limit=-3)
    seconds = time.perf_counter() - started
    text = err.getvalue()
    if code == 2 and not (text.startswith("error: ") and text.count("\n") == 1) and "missing command" not in text:
        return "bad exit-2 message", seconds, text
    if code not in (0, 1, 2, 3):
        return f"exit {code}", seconds, text
    return ("slow " if seconds > slow else "") + f"exit {code}", seconds, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples per target")
    parser.add_argument("--slow", type=float, default=5.0, help="seconds after which an outcome counts as slow")
    parser.add_argument("--only", default="", help="comma-separated targets (default: all)")
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="brouncker-fuzz-"))
    database = f"sqlite:///{folder / 'fuzz.db'}"
    os.environ["BROUNCKER_DB"] = database  # no command writes a database elsewhere
    assert run(["db", "upgrade", "--db", database]) == 0
    chosen = {name: s for name, s in command_lines(database, folder).items() if not options.only or name in options.only.split(",")}
    kinds = ["exit 0", "exit 1", "exit 2", "exit 3", "slow", "traceback", "bad exit-2 message"]
    print(f"| target | examples | {' | '.join(kinds)} | median ms | max s |")
    print("|---|---:|" + "---:|" * (len(kinds) + 2))
    failures: list[tuple[str, list[str], str]] = []
    for name, strategy in chosen.items():
        counts: Counter[str] = Counter()
        times: list[float] = []

        @settings(max_examples=options.examples, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(args=strategy)
        def fuzz(args: list[str]) -> None:
            kind, seconds, detail = outcome(args, options.slow)
            counts["slow" if kind.startswith("slow") else kind] += 1
            if kind.startswith("slow"):
                counts[kind.removeprefix("slow ")] += 1
            times.append(seconds)
            if seconds > options.slow:
                print(f"  slow ({seconds:.1f} s): {[a if len(a) < 80 else a[:77] + '…' for a in args]}", file=sys.stderr, flush=True)
            if kind in ("traceback", "bad exit-2 message") or kind.startswith("slow") or kind.startswith("exit") and kind[5:] not in "0123":
                failures.append((name, args, detail))

        fuzz()
        row = " | ".join(str(counts.get(k, 0)) for k in kinds)
        print(f"| {name} | {len(times)} | {row} | {1000 * statistics.median(times):.1f} | {max(times):.2f} |", flush=True)
    for name, args, detail in failures[:20]:
        shown = [a if len(a) < 80 else a[:77] + "…" for a in args]
        print(f"\n{name}: {shown}\n{detail.strip()[-600:]}")
    print(f"\n(work folder: {folder})")


if __name__ == "__main__":
    main()
