"""The report as one self-contained HTML page: inline CSS, PNGs as base64 data URIs, no
script and no link to anything outside the file.

>>> page("t", [section("S", paragraph("a < b"))]).count("&lt;")
1
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from typing import Any

STYLE = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; background: #fff; line-height: 1.4; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
h3 { margin-top: 1.4em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.88em; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; vertical-align: middle; }
th { background: #f1f3f6; } tr:nth-child(even) td { background: #fafbfc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 0.95em; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; } .plots figure { margin: 0; }
figcaption { font-size: 0.85em; color: #555; text-align: center; }
.muted { color: #666; font-size: 0.9em; } .tag { background: #fde7c8; border-radius: 3px; padding: 0 4px; }
img.formula { vertical-align: middle; max-width: 640px; }
"""


def escape(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def image(png: bytes, alt: str, css_class: str = "") -> str:
    """An ``<img>`` whose source is the PNG itself (a data URI)."""
    data = base64.b64encode(png).decode("ascii")
    cls = f' class="{css_class}"' if css_class else ""
    return f'<img{cls} alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def figure(png: bytes, caption: str) -> str:
    return f"<figure>{image(png, caption)}<figcaption>{escape(caption)}</figcaption></figure>"


def paragraph(text: str, css_class: str = "") -> str:
    cls = f' class="{css_class}"' if css_class else ""
    return f"<p{cls}>{escape(text)}</p>"


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], raw: Sequence[bool] | None = None) -> str:
    """A table; cells are escaped unless their column is marked ``raw`` (prebuilt HTML)."""
    raw = raw or [False] * len(columns)
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for value, is_raw in zip(row, raw):
            if is_raw:
                cells.append(f"<td>{value}</td>")
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                text = f"{value:.4g}" if isinstance(value, float) else str(value)
                cells.append(f'<td class="num">{escape(text)}</td>')
            else:
                cells.append(f"<td>{escape(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        return paragraph("(none)", "muted")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def section(title: str, *parts: str, level: int = 2, anchor: str | None = None) -> str:
    ident = f' id="{escape(anchor)}"' if anchor else ""
    return f"<section{ident}><h{level}>{escape(title)}</h{level}>{''.join(parts)}</section>"


def page(title: str, sections: Sequence[str], subtitle: str = "") -> str:
    """The whole document."""
    sub = paragraph(subtitle, "muted") if subtitle else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{sub}{''.join(sections)}</body></html>\n"
    )
