"""The measured distribution behind the screen kernel's settling rule (``docs/screen.md``).

A random sample of the Blind-Delta space (degree 2, coefficients in [-5, 5]) is walked in
float64 to the full depth, with no early exit, keeping the ratio $r(n) = p(n)/q(n)$ and
$r(n-1)$ at every multiple of 16. For each candidate rule (a relative change ``tolerance``
against the ratio ``window`` steps earlier and against the previous step), the PCF would
stop at the first check where the rule holds; the script prints how deep the PCFs go
(mean and percentiles: the cost) and how far the stopped value lies from the full-depth
value (the error), with the number of PCFs whose error exceeds 1e-13 relative, the scale
at which a decision of the screen or of the Möbius match could flip. It also prints the
kernel's own exit depths on the same sample.

    python scripts/settle_distribution.py [--sample 50000] [--depth 1000]
"""

from __future__ import annotations

import argparse

import numpy as np
from rich.console import Console
from rich.table import Table

from brouncker.screening.kernel import SETTLE_CHANGE, SETTLE_WINDOW, screen_rows
from brouncker.screening.screen import CONVERGED, screen

CHECK = 16  # the ratios are kept every CHECK steps; windows are multiples of it
DECISION_SCALE = 1e-13  # relative error beyond which a screen or match decision could flip (tolerances 1e-12, 1e-11, 1e-10)


def ratios(a: np.ndarray, b: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """$r(n)$ and $r(n-1)$ at $n = 16, 32, \\dots$ (rows), for every PCF (columns)."""
    count = a.shape[0]
    p1, q1, p2, q2 = a[:, -1].astype(float), np.ones(count), np.ones(count), np.zeros(count)
    af, bf = a.astype(float), b.astype(float)
    at, before = [], []
    with np.errstate(all="ignore"):
        for n in range(1, depth + 1):
            an = (af[:, 0] * n + af[:, 1]) * n + af[:, 2]
            bn = (bf[:, 0] * n + bf[:, 1]) * n + bf[:, 2]
            p1, p2 = p2 * bn + p1 * an, p1
            q1, q2 = q2 * bn + q1 * an, q1
            if n % 8 == 0:
                _, e = np.frexp(np.maximum(np.maximum(abs(p1), abs(q1)), np.maximum(abs(p2), abs(q2))))
                f = np.ldexp(1.0, -e)
                p1, q1, p2, q2 = p1 * f, q1 * f, p2 * f, q2 * f
            if n % CHECK == 0:
                at.append(p1 / q1)
                before.append(p2 / q2)
    return np.array(at), np.array(before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=50_000)
    parser.add_argument("--depth", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(2412)
    a, b = rng.integers(-5, 6, size=(args.sample, 3)), rng.integers(-5, 6, size=(args.sample, 3))
    keep = a.any(axis=1) & b.any(axis=1)
    a, b = a[keep], b[keep]
    at, before = ratios(a, b, args.depth)
    final = at[-1]
    converged = screen(a, b, args.depth).status == CONVERGED
    table = Table(title=f"{len(a):,} random PCFs of degree 2 in [-5, 5], depth {args.depth}: "
                        f"stopping rules on the {int(converged.sum()):,} the screen keeps")
    for column in ("tolerance", "window", "mean depth", "median", "90%", "stopped", "max error", f"error > {DECISION_SCALE:g}"):
        table.add_column(column, justify="right")
    checks = np.arange(1, at.shape[0] + 1) * CHECK
    for tolerance in (SETTLE_CHANGE, 1e-15, 1e-14, 1e-13, 1e-12):
        for window in (CHECK, 2 * CHECK, 4 * CHECK):
            k = window // CHECK
            with np.errstate(all="ignore"):
                bound = tolerance * np.abs(at[k:])
                holds = np.isfinite(at[k:]) & (np.abs(at[k:] - at[:-k]) <= bound) & (np.abs(at[k:] - before[k:]) <= bound)
            holds[-1] = False  # the last check is the full depth itself
            stopped = holds.any(axis=0)
            first = np.argmax(holds, axis=0) + k
            depth_at = np.where(stopped, checks[first], args.depth)
            value = np.where(stopped, at[first, np.arange(at.shape[1])], final)
            with np.errstate(all="ignore"):
                error = np.abs(value - final) / np.abs(final)
            error = error[converged & stopped]
            d = depth_at[converged]
            table.add_row(f"{tolerance:.0e}", str(window), f"{d.mean():.0f}", f"{np.median(d):.0f}", f"{np.percentile(d, 90):.0f}",
                          f"{stopped[converged].mean():.1%}", f"{error.max():.1e}", str(int((error > DECISION_SCALE).sum())))
    Console().print(table)
    *_, steps = screen_rows(a, b, 2, args.depth, args.depth // 4, 16, 1e-12, 1000, 5, np.zeros(0, dtype=bool))
    quantiles = np.percentile(steps[converged], [50, 90, 99, 99.9])
    print(f"kernel (change {SETTLE_CHANGE:g}, window {SETTLE_WINDOW}): exit depth of the kept PCFs: mean {steps[converged].mean():.0f}, "
          f"median, 90%, 99%, 99.9%: {', '.join(f'{q:.0f}' for q in quantiles)}; all PCFs: mean {steps.mean():.0f} "
          f"({(steps == args.depth).mean():.1%} walk to the end)")
    histogram = np.bincount(np.minimum(steps[converged], 200) // CHECK)
    print("kept PCFs by exit depth (16-step bins, 192+ together):",
          ", ".join(f"{i * CHECK}: {c}" for i, c in enumerate(histogram) if c))


if __name__ == "__main__":
    main()
