#!/usr/bin/env python3
"""The share of dynamics records of each convergence type, on two sets of PCFs.

* ``search``: every ``--every``-th shard of a dynamics-mode spec (default
  ``searches/unsupervised-deg2-dynamics.toml``), run serially through the shard pipeline,
  so the records are exactly those a search would store; the screen's counts are shown too.
* ``high-degree``: formulas with large coefficients and degrees up to (13, 26), built from
  a seed: inflations $a \\to f(n) a(n)$, $b \\to f(n) f(n-1) b(n)$ of known formulas (whose
  values grow by $f(0)$), random PCFs, and products of linear factors.

    python scripts/divergent_share.py [--spec FILE] [--every 60] [--depth 2000] [--seed 18] [--skip-search]
"""

from __future__ import annotations

import argparse
import collections
import random
import time

from brouncker.convergence.dynamics import dynamics
from brouncker.pcf.canonical import inflate
from brouncker.pcf.fraction import PCF
from brouncker.pcf.polynomial import Coefficients, multiply
from brouncker.search.kinds.pcf import PCFSpec, run_shard
from brouncker.search.spec import load_spec

KNOWN = (
    ("2n+1", "n^2"),  # 4/pi
    ("34n^3+51n^2+27n+5", "-n^6"),  # 6/zeta(3)
    ("11n^2+11n+3", "n^4"),  # 5/zeta(2)
    ("n", "n"),  # 1/(e - 1)
    ("n+1", "1"),  # I0(2)/I1(2)
    ("3n+1", "-2n^2"),  # 1/ln 2 family, exponential
)
TYPES = ("exponential", "factorial", "polynomial", "rational", "unknown", "divergent")


def linear_product(rng: random.Random, count: int, spread: int) -> Coefficients:
    """$c \\prod (\\alpha_i n + \\beta_i)$ with positive $\\alpha_i, \\beta_i$ (no root at $n \\ge 0$)."""
    poly: Coefficients = (rng.randint(1, spread),)
    for _ in range(count):
        poly = multiply(poly, (rng.randint(1, 9), rng.randint(1, spread)))
    return poly


def random_poly(rng: random.Random, degree: int, size: int) -> Coefficients:
    """A polynomial of exactly ``degree`` with coefficients up to ``size`` in absolute value."""
    lead = rng.choice((-1, 1)) * rng.randint(1, size)
    return (lead, *(rng.randint(-size, size) for _ in range(degree)))


def high_degree_set(seed: int) -> list[tuple[str, PCF]]:
    """About 40 formulas with large coefficients and degrees up to (13, 26)."""
    rng = random.Random(seed)
    out: list[tuple[str, PCF]] = []
    for a, b in KNOWN:  # inflations of known formulas, twice each
        base = PCF.parse(a, b)
        for factors in (rng.randint(2, 5), rng.randint(6, 10)):
            out.append(("inflation", inflate(base, linear_product(rng, factors, 40))))
    for _ in range(16):  # random: deg b <= 2 deg a, the leading term of a dominating
        da = rng.randint(1, 13)
        db = rng.randint(0, 2 * da)
        a = random_poly(rng, da, 10 ** rng.randint(1, 6))
        a = (abs(a[0]) * 10 ** rng.randint(0, 3), *a[1:])
        out.append(("random", PCF(a, random_poly(rng, db, 10 ** rng.randint(1, 6)))))
    for _ in range(12):  # products of linear factors, deg b = 2 deg a
        da = rng.randint(1, 13)
        a = linear_product(rng, da, 50)
        b = multiply(linear_product(rng, da, 50), linear_product(rng, da, 50))
        if rng.random() < 0.5:
            b = tuple(-c for c in b)
        a = tuple(c * rng.randint(2, 4) for c in a)  # |a|^2 > 4|b| for large n: real eigenvalues, distinct sizes
        out.append(("product", PCF(a, b)))
    return out


def table(title: str, counts: collections.Counter[str], total: int, seconds: float) -> None:
    print(f"\n{title}: {total} records in {seconds:.0f} s")
    print(f"{'convergence':<12} {'records':>8} {'share':>7}")
    for name in TYPES:
        if counts[name] or name in ("divergent", "unknown"):
            print(f"{name:<12} {counts[name]:>8} {counts[name] / max(total, 1):>7.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default="searches/unsupervised-deg2-dynamics.toml")
    parser.add_argument("--every", type=int, default=60, help="run every k-th shard of the spec")
    parser.add_argument("--depth", type=int, default=2000, help="N of the high-degree records")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--skip-search", action="store_true")
    args = parser.parse_args()

    if not args.skip_search:
        spec = load_spec(args.spec)
        assert isinstance(spec, PCFSpec) and spec.mode == "dynamics"
        shards = spec.space().shards(spec.shard_size)[:: args.every]
        start = time.perf_counter()
        counts: collections.Counter[str] = collections.Counter()
        screen: collections.Counter[str] = collections.Counter()
        for shard in shards:
            result = run_shard(spec, shard)
            counts.update(m.dynamics["convergence"] for m in result.metrics)
            screen.update({k: v for k, v in result.counts.items() if k in ("pcfs", "converged", "divergent", "slow")})
        print(f"{spec.name}: {len(shards)} shards, {screen['pcfs']} PCFs; screen: {screen['converged']} converged, "
              f"{screen['divergent']} divergent, {screen['slow']} slow")
        table("search records", counts, sum(counts.values()), time.perf_counter() - start)

    formulas = high_degree_set(args.seed)
    start = time.perf_counter()
    counts = collections.Counter()
    by_source: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for source, pcf in formulas:
        record = dynamics(pcf.a, pcf.b, args.depth)
        counts[record.convergence] += 1
        by_source[source][record.convergence] += 1
    table(f"high-degree set (seed {args.seed}, depth {args.depth})", counts, len(formulas), time.perf_counter() - start)
    for source, c in by_source.items():
        print(f"  {source:<10} " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))


if __name__ == "__main__":
    main()
