r"""The report's pictures, drawn by matplotlib with the Agg backend as PNG bytes.

Scatter plots of the dynamics planes coloured by cluster, convergence plots
($\log_{10}$ of the error against depth), and formulas typeset by mathtext.
Nothing here reads files or the network.

>>> png = formula_png("4/pi", "2n + 1", "n^2")
>>> png[:8] == b"\x89PNG\r\n\x1a\n"
True
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import mathtext  # noqa: E402

from ..clustering.planes import PLANES  # noqa: E402
from ..constants import parse_constant  # noqa: E402
from ..printing import formula_latex  # noqa: E402

MAX_SCATTER_POINTS = 200_000  # points drawn per plane (a deterministic subsample beyond; chosen here)
LABELLED_CLUSTERS = 12  # largest clusters named on a scatter plot
DPI = 100
CONVERGENCE_DEPTH = 400  # deepest convergent of a convergence plot (the report and the web app)
NOISE_COLOUR = "#c8c8c8"
AXIS_NAMES = {"delta_fr": r"$\delta_{FR}$", "c": "$c$", "d": "$d$", "gamma": r"$\gamma$", "eta": r"$\eta$"}


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def scatter_png(points: Sequence[Mapping[str, Any]], plane: Sequence[str], labels: Mapping[int, str], title: str = "") -> bytes:
    """One plane of the dynamics: every point (noise grey), coloured by its cluster, with
    the largest clusters named at their medians."""
    x_name, y_name = plane
    rows = [(p[x_name], p[y_name], p.get("cluster")) for p in points if p.get(x_name) is not None and p.get(y_name) is not None]
    if len(rows) > MAX_SCATTER_POINTS:
        step = len(rows) / MAX_SCATTER_POINTS
        rows = [rows[int(i * step)] for i in range(MAX_SCATTER_POINTS)]
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    if rows:
        x = np.array([r[0] for r in rows], dtype=float)
        y = np.array([r[1] for r in rows], dtype=float)
        cid = np.array([-1 if r[2] is None else int(r[2]) for r in rows])
        noise = cid < 0
        size = 4 if len(rows) < 5000 else 1
        ax.scatter(x[noise], y[noise], s=size, c=NOISE_COLOUR, linewidths=0, label="noise", rasterized=True)
        clusters = sorted(set(cid[~noise].tolist()))
        cmap = plt.get_cmap("tab20")
        for i, c in enumerate(clusters):
            sel = cid == c
            ax.scatter(x[sel], y[sel], s=size * 2, color=cmap(i % 20), linewidths=0, rasterized=True)
        by_size = sorted(clusters, key=lambda c: (-int((cid == c).sum()), c))[:LABELLED_CLUSTERS]
        for c in by_size:
            sel = cid == c
            ax.annotate(labels.get(c, str(c)), (float(np.median(x[sel])), float(np.median(y[sel]))), fontsize=8,
                        ha="center", va="bottom", bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.7, "lw": 0})
        _robust_limits(ax, x, y)
    else:
        ax.text(0.5, 0.5, "no points with these features", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(AXIS_NAMES.get(x_name, x_name))
    ax.set_ylabel(AXIS_NAMES.get(y_name, y_name))
    ax.set_title(title or f"({x_name}, {y_name})")
    ax.grid(alpha=0.3)
    return _png(fig)


def _robust_limits(ax: Any, x: np.ndarray, y: np.ndarray) -> None:
    """Axis limits that hold 99% of the points, so a few outliers do not squash the rest."""
    for values, setter in ((x, ax.set_xlim), (y, ax.set_ylim)):
        finite_values = values[np.isfinite(values)]
        if len(finite_values) < 20:
            continue
        lo, hi = np.percentile(finite_values, [0.5, 99.5])
        pad = max(0.05 * (hi - lo), 0.01)
        setter(lo - pad, hi + pad)


def planes_pngs(points: Sequence[Mapping[str, Any]], labels: Mapping[int, str]) -> list[tuple[str, bytes]]:
    """One scatter plot per clustering plane, in :data:`brouncker.clustering.planes.PLANES` order."""
    return [(f"{x} / {y}", scatter_png(points, (x, y), labels)) for x, y in PLANES]


def convergence_series(
    a: Sequence[int], b: Sequence[int], expression: str, max_depth: int = CONVERGENCE_DEPTH, points: int = 40
) -> tuple[list[int], list[float]]:
    r"""Depths and $\log_{10}|p(n)/q(n) - L|$ with $L$ the expression's value, from one walk.

    The limit is computed with more digits than the deepest convergent can show, so the
    error never reads as 0.

    >>> depths, errors = convergence_series((2, 1), (1, 0, 0), "4/pi", max_depth=100, points=5)
    >>> depths[-1], -80 < errors[-1] < -70
    (100, True)
    """
    from mpmath import mp

    from ..pcf.convergent import log10_abs, log10_distance
    from ..pcf.walk import walk_checkpoints
    from ..precision import SERIES_EXTRA_DIGITS

    depths = sorted({max(1, int(round(max_depth ** (i / (points - 1))))) for i in range(points)})
    convergents = walk_checkpoints(tuple(a), tuple(b), depths)
    last = convergents[-1]
    # digits of the deepest convergent: about log10(q(N)^2) at most
    digits = int(2 * max(1.0, log10_abs(last.q) if last.q != 0 else 1.0)) + SERIES_EXTRA_DIGITS
    limit = parse_constant(expression).value(digits)
    out_d, out_e = [], []
    with mp.workdps(digits):
        for n, conv in zip(depths, convergents):
            if conv.q == 0:
                continue
            err = log10_distance(conv.value(digits), limit)
            if err == -math.inf:
                continue
            out_d.append(n)
            out_e.append(err)
    return out_d, out_e


def convergence_png(series: Sequence[tuple[str, Sequence[int], Sequence[float]]],
                    title: str = "convergence of the top conjectures") -> bytes:
    """$\\log_{10}$ error against depth for several conjectures, one line each."""
    fig, ax = plt.subplots(figsize=(8.0, 5.0))
    for name, depths, errors in series:
        if depths:
            ax.plot(depths, errors, marker="o", ms=2.5, lw=1.2, label=name)
    ax.set_xlabel("depth $n$")
    ax.set_ylabel(r"$\log_{10}\,|p_n/q_n - L|$")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if series:
        ax.legend(fontsize=7, loc="lower left")
    return _png(fig)


def formula_png(expression: str, a: str, b: str, dpi: int = 110) -> bytes:
    """The formula typeset by mathtext as a PNG (raises ``ValueError`` if mathtext cannot)."""
    buf = io.BytesIO()
    mathtext.math_to_image(f"${formula_latex(expression, a, b)}$", buf, dpi=dpi, format="png")
    return buf.getvalue()


def finite(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]
