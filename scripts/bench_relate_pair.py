"""Time of ``find_certificate`` per pair of formulas: equivalent pairs, and pairs it must reject.

Each pair is timed from a cold start (the fold and convergent caches cleared) ``--repeat``
times; the table gives the answer (the folds and the degree of U, ``none`` or
``inconclusive``), the median seconds, the median seconds of the two limits alone (what the
relation step needs), and their ratio. A graph of a store reuses the limits of each formula.

    python scripts/bench_relate_pair.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from rich.console import Console
from rich.table import Table

from brouncker.cmf.companion import trajectory_pcf
from brouncker.cmf.known import known_field
from brouncker.cmf.trajectory import trajectory_matrix
from brouncker.equivalence import find
from brouncker.equivalence.certificate import Certificate, parse_rational
from brouncker.errors import InconclusiveError
from brouncker.pcf.canonical import inflate, shift
from brouncker.pcf.fold import fold
from brouncker.pcf.fraction import PCF
from brouncker.pcf.mobius import Mobius

BROUNCKER = PCF.parse("2n+1", "n^2")
APERY = PCF.parse("34n^3+51n^2+27n+5", "-n^6")
GAUSS = PCF.parse("10n+3", "-24n^2+12n")
LN2 = PCF.parse("1", "n^2")


def diagonal(field: str) -> PCF:
    return trajectory_pcf(trajectory_matrix(known_field(field), (1, 1), (1, 1))).pcf


CASES: list[tuple[str, PCF, PCF, Mobius | None]] = [
    ("Brouncker / its tail", BROUNCKER, shift(BROUNCKER, 1), None),
    ("Brouncker / pi diagonal", BROUNCKER, diagonal("pi"), None),
    ("Apery / zeta3 diagonal", APERY, diagonal("zeta3"), None),
    ("Apery / tail by 2", APERY, shift(APERY, 2), None),
    ("Gauss 2F1 / (2n+3)-inflation", GAUSS, inflate(GAUSS, (2, 3)), None),
    ("Brouncker 3-fold r=1 / Brouncker", fold(BROUNCKER, 3, 1).pcf, BROUNCKER, None),
    ("1/ln2 / (n+1)-inflation (slow)", LN2, inflate(LN2, (1, 1)), None),
    ("Brouncker / Apery (unrelated)", BROUNCKER, APERY, None),
    ("Brouncker / 1/ln2 (growths differ)", BROUNCKER, LN2, None),
    ("1/ln2 / 1/zeta3, map forced (100 folds)", LN2, PCF.parse("n^3+(n+1)^3", "-n^6"), Mobius.identity()),
]


def answer(cert: object) -> str:
    if isinstance(cert, str):
        return cert
    if cert is None:
        return "none"
    assert isinstance(cert, Certificate)
    degree = max(parse_rational(text)[0].degree() for row in cert.U for text in row)
    return f"folds {cert.fold_from.k}/{cert.fold_to.k}, deg U {degree}"


def cold() -> None:
    find.cached_fold.cache_clear()
    find.convergent_matrices.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    table = Table(title="find_certificate per pair (cold caches), 2-core machine shared with other jobs")
    for col in ("pair", "answer", "median s", "limits s", "ratio"):
        table.add_column(col, justify="right")
    totals = []
    for name, p, q, m in CASES:
        times, limit_times, result = [], [], None
        for _ in range(args.repeat):
            cold()
            start = time.perf_counter()
            try:
                result = find.find_certificate(p, q, mobius=m)
            except InconclusiveError:
                result = "inconclusive"
            times.append(time.perf_counter() - start)
            start = time.perf_counter()
            find.relation_limit(p), find.relation_limit(q)
            limit_times.append(time.perf_counter() - start)
        total, limits = statistics.median(times), statistics.median(limit_times)
        totals.append(total)
        table.add_row(name, answer(result), f"{total:.4f}", f"{limits:.4f}", f"{total / limits:.1f}")
    table.add_row("median over the pairs", "", f"{statistics.median(totals):.4f}", "", "")
    Console(width=160).print(table)
    try:
        with open("/proc/loadavg") as load:
            print(f"load average: {' '.join(load.read().split()[:3])}", file=sys.stderr)
    except OSError:
        pass


if __name__ == "__main__":
    main()
