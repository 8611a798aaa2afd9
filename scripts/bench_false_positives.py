"""False identifications of random numbers: how many random values `identify` explains.

    python scripts/bench_false_positives.py [--count 10000] [--digits 30 50 100] [--workers 2]

Each value is a random decimal with one digit more than the digits asked for (as
`brouncker identify --value` uses them: all digits but the last), its integer part of 0, 1
or 2 digits. Every identification of such a value is a false positive. The table gives, per
number of digits, with and without two-constant relations (``--pairs``): values tried,
false positives, the largest excess digits among them, and the seconds spent (CPU of all
workers), with the load average beside it.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor

from brouncker.identification.identify import identify


def random_value(rng: random.Random, digits: int) -> str:
    """A random decimal with ``digits + 1`` significant digits."""
    whole = rng.choice(["0", str(rng.randint(1, 9)), str(rng.randint(10, 99))])
    significant = digits + 1 - (0 if whole == "0" else len(whole))
    fraction = rng.choice("123456789") + "".join(rng.choice("0123456789") for _ in range(significant - 1))
    return f"{whole}.{fraction}"


def run_chunk(args: tuple[int, int, int, int, bool]) -> tuple[int, list[tuple[str, str, int]], float]:
    """Identify ``count`` random values of one seed; (tried, false positives, CPU seconds)."""
    seed, start, count, digits, pairs = args
    rng = random.Random(f"{seed}-{digits}-{start}")
    found: list[tuple[str, str, int]] = []
    cpu = time.process_time()
    for _ in range(count):
        text = random_value(rng, digits)
        result = identify(text, digits, pairs=pairs)
        if result is not None:
            found.append((text, result.expression, result.excess_digits))
    return count, found, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="random values per row (the target is 0 in 10000)")
    parser.add_argument("--digits", type=int, nargs="+", default=[30, 50, 100])
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--chunk", type=int, default=250)
    args = parser.parse_args()

    print("| digits | pairs | values | false positives | max excess | CPU seconds | load average |")
    print("|---|---|---|---|---|---|---|")
    examples: list[tuple[str, str, int]] = []
    with ProcessPoolExecutor(args.workers) as pool:
        for digits in args.digits:
            for pairs in (False, True):
                chunks = [(args.seed, start, min(args.chunk, args.count - start), digits, pairs)
                          for start in range(0, args.count, args.chunk)]
                tried, found, cpu = 0, [], 0.0
                for n, hits, seconds in pool.map(run_chunk, chunks):
                    tried, cpu = tried + n, cpu + seconds
                    found.extend(hits)
                worst = max((e for _, _, e in found), default=None)
                load = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
                print(f"| {digits} | {'yes' if pairs else 'no'} | {tried} | {len(found)} | {worst if worst is not None else '-'} "
                      f"| {cpu:.1f} | {load} |", flush=True)
                examples.extend(found)
    for text, expression, excess in examples[:20]:
        print(f"false positive: {text} = {expression} (excess {excess})")


if __name__ == "__main__":
    main()
