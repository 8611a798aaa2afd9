"""Benchmark the float64 screen and its exact finite-fraction test on one core.

One table, median CPU seconds over ``--repeat`` runs, for random PCFs of three spaces:

* the Blind-Delta box (degree 2, coefficients in [-5, 5]);
* Apéry's template (2n+1)(x n^2 + x n + y), -z n^6 over the grid of ``searches/zeta3-fr.toml``;
* a degree-4 box with coefficients in [-1000, 1000], where $b(n)$ passes $2^{63}$ by depth 1000
  and the exact test has the most to do.

``screen`` is the whole screen (the walk and every test), ``finite_fraction`` the exact test
of $b(n) = 0$ for $1 \\le n \\le N$ alone; ``share`` is its part of the screen's time. Run it with
``PYTHONPATH`` on another checkout to compare revisions (it uses only public names).

    python scripts/bench_screen.py [--sample 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from rich.console import Console
from rich.table import Table

from brouncker.pcf.template import Template
from brouncker.screening.screen import finite_fraction, screen


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return statistics.median(times)


def box(degree: int, bound: int) -> Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]:
    """PCFs with every coefficient uniform in [-bound, bound] (zero polynomials dropped)."""
    def draw(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        a, b = (rng.integers(-bound, bound + 1, size=(count, degree + 1)) for _ in range(2))
        keep = a.any(axis=1) & b.any(axis=1)
        return a[keep], b[keep]
    return draw


def apery(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """PCFs of searches/zeta3-fr.toml's template, parameters uniform over its grid."""
    template = Template.parse("(2n+1)*(x*n^2 + x*n + y)", "-z*n^6", ("x", "y", "z"))
    values = np.column_stack([rng.integers(1, 401, count), rng.integers(-200, 201, count), rng.choice([1, 4, 9, 16, 25], count)])
    return template.coefficients(values)


SPACES = {"box deg 2, [-5, 5]": box(2, 5), "Apéry template": apery, "box deg 4, [-1000, 1000]": box(4, 1000)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(18)
    table = Table(title=f"float64 screen, {args.sample:,} PCFs per space, one core (median CPU seconds)")
    for column in ("space", "depth", "screen", "finite_fraction", "share", "ns per PCF-step"):
        table.add_column(column, justify="left" if column == "space" else "right")
    for name, draw in SPACES.items():
        a, b = draw(args.sample, rng)
        for depth in (200, 1000):
            screen(a[:2000], b[:2000], depth)  # warm up
            whole = median_seconds(lambda a=a, b=b, depth=depth: screen(a, b, depth), args.repeat)
            finite = median_seconds(lambda b=b, depth=depth: finite_fraction(b, depth), args.repeat)
            table.add_row(name, str(depth), f"{whole:.3f}", f"{finite:.4f}", f"{finite / whole:.1%}",
                          f"{whole / (len(a) * depth) * 1e9:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
