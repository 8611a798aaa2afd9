"""The page of an equivalence class (``/classes/{conjecture_id}``): the class of a stored
formula under the certified edges of ``brouncker relate``, its graph drawn as an inline SVG
(computed here, no script), and each certificate typeset in MathML.

A certificate's texts are stored data: they are read with brouncker's own parser
(:func:`brouncker.equivalence.certificate.parse_rational`) and typeset from the parsed
polynomials; a text that does not parse is shown escaped.

>>> str(rational_latex("(n + 1)/(2n - 1)"))
'\\\\frac{n + 1}{2n - 1}'
>>> [(round(x), round(y)) for x, y in circle(2)]
[(320, 40), (320, 280)]
"""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ..equivalence.certificate import from_flint, parse_rational
from ..equivalence.graph import class_of
from ..errors import BrounckerError
from ..printing import latex_polynomial
from . import typeset

SVG_WIDTH, SVG_HEIGHT, SVG_RADIUS = 640, 320, 120  # the drawing's size and the circle its nodes sit on
CLASS_EDGES_SHOWN = 200  # certificates typeset on one page


def circle(count: int) -> list[tuple[float, float]]:
    """``count`` points evenly on a circle in the drawing, the first at the top."""
    cx, cy = SVG_WIDTH / 2, SVG_HEIGHT / 2
    return [(cx + SVG_RADIUS * math.sin(2 * math.pi * i / max(count, 1)), cy - SVG_RADIUS * math.cos(2 * math.pi * i / max(count, 1)))
            for i in range(count)]


def rational_latex(text: str) -> str:
    """LaTeX of a rational function of a certificate (brouncker's syntax); a ValueError when it does not parse."""
    try:
        num, den = parse_rational(text)
    except BrounckerError as exc:
        raise ValueError(str(exc)) from None
    top = latex_polynomial(from_flint(num))
    return top if den == 1 else rf"\frac{{{top}}}{{{latex_polynomial(from_flint(den))}}}"


def certificate_markup(cert: dict[str, Any]) -> Markup:
    r"""$M_1(n) U(n+1) = c(n) U(n) M_2(n)$ with $U$ and $c$ written out, in MathML."""
    try:
        u = [[rational_latex(t) for t in row] for row in cert["U"]]
        c = rational_latex(cert["c"])
    except (ValueError, KeyError, TypeError):
        return Markup('<code class="tex">') + str(cert.get("U")) + Markup("</code>")
    matrix = r"\begin{pmatrix} " + r" \\ ".join(" & ".join(row) for row in u) + r" \end{pmatrix}"
    return typeset.mathml(rf"U(n) = {matrix},\quad c(n) = {c}", block=True)


def class_page(request: Request) -> Response:
    """The class of one formula: its members, fields, graph and certificates."""
    from .pages import _context, _no_parameters, _path_id

    _no_parameters(request)
    ctx = _context(request)
    conjecture_id = _path_id(request, "conjecture_id")
    if ctx.reader.get_conjecture(conjecture_id) is None:
        raise HTTPException(404, f"no conjecture with id {conjecture_id}")
    edges = ctx.reader.edges()
    found = class_of(conjecture_id, edges)
    keys = list(found.keys)
    where = dict(zip(keys, circle(len(keys)), strict=True))
    members = {d.conjecture.id: d for d in ctx.reader.get_conjectures(list(found.members))}
    inside = [e for e in edges if e.from_key in where and e.to_key in where]
    nodes = [{"key": k, "x": where[k][0], "y": where[k][1], "field": k.startswith("field:"),
              "label": k.partition(":")[2].split("|")[0] if k.startswith("field:") else k.partition(":")[2]} for k in keys]
    lines = [{"x1": where[e.from_key][0], "y1": where[e.from_key][1], "x2": where[e.to_key][0], "y2": where[e.to_key][1]} for e in inside]
    certificates = [{"edge": e, "markup": certificate_markup(e.certificate)} for e in inside[:CLASS_EDGES_SHOWN]]
    return ctx.page(request, "class.html", conjecture_id=conjecture_id, found=found, members=members, nodes=nodes, lines=lines,
                    certificates=certificates, total_edges=len(inside), width=SVG_WIDTH, height=SVG_HEIGHT)
