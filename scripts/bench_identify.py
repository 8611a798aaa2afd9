"""Timings of canonical forms and identification (median of repeated runs, one core).

    python scripts/bench_identify.py [--repeat 30]

Bank values are cached per precision (the first, cold call is shown apart). False
identifications of random values are counted by ``scripts/bench_false_positives.py``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

import mpmath
from mpmath import mp

from brouncker.constants import BANK
from brouncker.identification.identify import confirm, identify, identify_pcf
from brouncker.identification.relations import mobius_relation, relate
from brouncker.pcf.canonical import canonical, inflate
from brouncker.pcf.fraction import PCF


def median_ms(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds (CPU time is steadier on a shared machine)."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - c) * 1e3)
        wall.append((time.perf_counter() - t) * 1e3)
    return statistics.median(wall), statistics.median(cpu)


def per_item_ms(fn: Callable[[object], object], items: list, repeat: int = 3) -> tuple[float, float]:
    """Median over ``repeat`` passes of the mean time per item."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        for item in items:
            fn(item)
        cpu.append((time.process_time() - c) * 1e3 / len(items))
        wall.append((time.perf_counter() - t) * 1e3 / len(items))
    return statistics.median(wall), statistics.median(cpu)


def decimal(x: mpmath.mpf, digits: int) -> str:
    with mp.workdps(digits + 5):
        return mpmath.nstr(x, digits + 3, strip_zeros=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    rng = random.Random(2026)
    rows: list[tuple[str, str, float]] = []

    # canonical forms over the degree-2, coefficients-in-[-5, 5] space
    space = [PCF(tuple(rng.randint(-5, 5) for _ in range(3)), tuple(rng.randint(-5, 5) for _ in range(3))) for _ in range(20000)]
    rows.append(("canonical, degree-2 space (per PCF)", "-", per_item_ms(canonical, space)))
    inflated = [inflate(p, (2, 1)) for p in space[:2000]]
    rows.append(("canonical, inflated by 2n+1 (per PCF)", "-", per_item_ms(canonical, inflated)))

    digits = 100
    with mp.workdps(digits + 20):
        values = {
            "4/pi": 4 / mp.pi,
            "6/zeta(3)": 6 / mpmath.zeta(3),
            "(3 + 2*gompertz)/(5 - 7*gompertz)": (3 + 2 * (-mp.e * mpmath.ei(-1))) / (5 - 7 * (-mp.e * mpmath.ei(-1))),
            "random (no relation)": mpmath.mpf(rng.randrange(10**110)) / 10**110,
        }
    texts = {k: decimal(v, digits) for k, v in values.items()}
    rows.append(("identify 4/pi, whole bank, cold cache", str(digits), median_ms(lambda: identify(texts["4/pi"], digits), 1)))
    for name, text in texts.items():
        rows.append((f"identify {name}, whole bank ({len(BANK)})", str(digits), median_ms(lambda: identify(text, digits), args.repeat)))
    five = ["pi", "e", "zeta3", "catalan", "ln2"]
    rows.append((
        "identify random, pairs among 5 constants", str(digits),
        median_ms(lambda: identify(texts["random (no relation)"], digits, five), args.repeat),
    ))
    rows.append((
        "identify random, with all bank pairs", str(digits),
        median_ms(lambda: identify(texts["random (no relation)"], digits, pairs=True), 3),
    ))
    rows.append(("identify 4/pi, [pi] by LLL", str(digits), median_ms(lambda: identify(texts["4/pi"], digits, ["pi"]), args.repeat)))
    rows.append((
        "identify 4/pi, [pi] by PSLQ", str(digits),
        median_ms(lambda: identify(texts["4/pi"], digits, ["pi"], method="pslq"), args.repeat),
    ))
    rows.append(("identify_pcf Apery (walk + bank)", "50", median_ms(lambda: identify_pcf("34n^3+51n^2+27n+5", "-n^6", 50), args.repeat)))
    rows.append(("confirm 2n+1, n^2 with pi (LLL)", "50", median_ms(lambda: confirm("2n+1", "n^2", "pi", 50), args.repeat)))
    rows.append((
        "confirm 2n+1, n^2 with mobius (4,0,0,1)", "50",
        median_ms(lambda: confirm("2n+1", "n^2", "pi", 50, mobius=(4, 0, 0, 1)), args.repeat),
    ))

    with mp.workdps(170):
        x, y = +mp.pi, (3 * mp.pi - 1) / (2 * mp.pi + 5)
        noise = mpmath.mpf(rng.randrange(10**160)) / 10**160
    rows.append(("mobius_relation pi -> (3pi - 1)/(2pi + 5) (clustering)", "50", median_ms(lambda: mobius_relation(x, y, 50), args.repeat)))
    rows.append(("relate, found at 50, re-checked at 150", "50/150", median_ms(lambda: relate(x, 160, y, 160, 50, 150), args.repeat)))
    rows.append(("mobius_relation pi -> random (none)", "50", median_ms(lambda: mobius_relation(x, noise, 50), args.repeat)))

    width = max(len(r[0]) for r in rows)
    print(f"{'what':{width}}  digits  median ms  (CPU ms)")
    for what, d, (wall, cpu) in rows:
        print(f"{what:{width}}  {d:>6}  {wall:9.4f}  {cpu:9.4f}")


if __name__ == "__main__":
    main()
