"""Accuracy and time of ``pcf_limit`` on slowly converging PCFs: digits claimed against true.

For each PCF and each number of digits asked for, prints the method the limit function
chose, the depth it walked to, the digits it claims, the digits it really has (against a
closed form computed by mpmath alone, or, for the PCF with no known limit, against a
plain walk to depth 2^18), the digits the convergent itself has at that depth, and the
median seconds.

    python scripts/bench_limit.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time

import mpmath
from rich.console import Console
from rich.table import Table

from brouncker.errors import InconclusiveError
from brouncker.pcf.fraction import PCF
from brouncker.pcf.value import pcf_limit, tail_log10_error
from brouncker.pcf.walk import walk_checkpoints

REFERENCE_DPS = 700
REFERENCE_DEPTH = 1 << 18


def reference_walk(a: str, b: str) -> tuple[mpmath.mpf, int]:
    """A plain walk to REFERENCE_DEPTH, trusted to its tail estimate."""
    pcf = PCF(a, b)
    middle, last = walk_checkpoints(pcf.a, pcf.b, [REFERENCE_DEPTH // 2, REFERENCE_DEPTH])
    return last.value(REFERENCE_DPS), math.floor(-tail_log10_error(pcf.a, last, middle))


CASES: list[tuple[str, str, str, object]] = [
    ("n^3+(n+1)^3", "-n^6", "1/zeta(3)", lambda: 1 / mpmath.zeta(3)),
    ("n^2+(n+1)^2", "-n^4", "1/zeta(2)", lambda: 6 / mpmath.pi**2),
    ("1", "n^2", "1/ln 2", lambda: 1 / mpmath.log(2)),
    ("2n^2+4n+2", "-n^4-n^3", "1/gompertz", lambda: 1 / (-mpmath.e * mpmath.ei(-1))),
    ("8n^2+8n+1", "-16n^4+n^3", "? (walk 2^18)", None),
    ("34n^3+51n^2+27n+5", "-n^6", "6/zeta(3)", lambda: 6 / mpmath.zeta(3)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    table = Table(title="pcf_limit on slowly converging PCFs: digits claimed and true")
    for col in ("a", "b", "limit", "asked", "method", "depth", "claimed", "true", "convergent", "seconds"):
        table.add_column(col, justify="right")
    for a, b, name, closed in CASES:
        if closed is None:
            reference, trusted = reference_walk(a, b)
            name = f"{name}: {trusted} digits"
        else:
            with mpmath.workdps(REFERENCE_DPS):
                reference = closed()  # type: ignore[operator]
        for digits in (40, 105, 200):
            try:
                limit = pcf_limit(a, b, digits)
            except InconclusiveError:
                table.add_row(a, b, name, str(digits), "inconclusive", "", "", "", "", "")
                continue
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                pcf_limit(a, b, digits)
                times.append(time.perf_counter() - start)
            with mpmath.workdps(REFERENCE_DPS):
                error = abs(limit.value - reference)
                true = math.inf if error == 0 else float(-mpmath.log10(error))
                plain = float(-mpmath.log10(abs(limit.convergent.value(REFERENCE_DPS) - reference)))
            table.add_row(a, b, name, str(digits), limit.method, f"{limit.depth:,}", str(limit.digits),
                          f"{true:.1f}", f"{plain:.1f}", f"{statistics.median(times):.3f}")
    Console(width=180).print(table)
    try:
        with open("/proc/loadavg") as load:
            print(f"load average: {' '.join(load.read().split()[:3])}", file=sys.stderr)
    except OSError:
        pass


if __name__ == "__main__":
    main()
