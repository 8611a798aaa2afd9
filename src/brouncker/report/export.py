r"""Query rows as CSV and as LaTeX.

In LaTeX each PCF conjecture becomes a displayed equation, the constant expression on the
left and the continued fraction on the right, written out for a few levels with
``\cfrac`` (amsmath) and then its general term:

>>> row = {"id": 1, "kind": "pcf", "a": "2n + 1", "b": "n^2", "expression": "4/pi",
...        "digits": 50, "status": "verified"}
>>> print(rows_as_latex([row]).splitlines()[-1])
\[ \frac{4}{\pi} = 1 + \cfrac{1}{3 + \cfrac{4}{5 + \ddots + \cfrac{n^{2}}{2n + 1 + \ddots}}} \]
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..printing import escape_latex, latex_expression

LATEX_TERMS = 2  # levels of the fraction written out before the general term


def rows_as_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV with a header line; missing values are empty cells.

    >>> print(rows_as_csv([{"id": 1, "a": "n + 1", "delta": None}], ["id", "a", "delta"]), end="")
    id,a,delta
    1,n + 1,
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(row.get(k)) for k in columns})
    return out.getvalue()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def rows_as_latex(rows: Sequence[Mapping[str, Any]]) -> str:
    r"""One ``\[ ... \]`` display per row (``\cfrac`` needs the amsmath package)."""
    from ..pcf.fraction import PCF

    lines = [r"% brouncker conjectures; \cfrac needs \usepackage{amsmath}"]
    for row in rows:
        if row.get("expression") is None:  # a candidate: no bank constant explains the value
            expression = rf"x_{{{int(row['id'])}}}"
            lines.append(f"% conjecture {row['id']} ({row['kind']}, a candidate: no bank constant explains its value)")
        else:
            expression = latex_expression(str(row["expression"]))
            lines.append(f"% conjecture {row['id']} ({row['kind']}, {row.get('status')}, {row.get('digits')} digits)")
        if row.get("kind") == "pcf" and row.get("a") and row.get("b"):
            fraction = PCF.parse(str(row["a"]), str(row["b"])).latex(terms=LATEX_TERMS)
            lines.append(rf"\[ {expression} = {fraction} \]")
        else:
            lines.append(rf"\[ {expression} \qquad \text{{({escape_latex(str(row['kind']))} conjecture {row['id']})}} \]")
    return "\n".join(lines) + "\n"
