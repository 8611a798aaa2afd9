"""The report as one self-contained HTML page, rendered by Jinja2 from ``report/templates``
(autoescaped, as the web app's pages are): inline CSS, PNGs as base64 data URIs, no script
and no link to anything outside the file.

>>> environment().get_template("_macros.html").module.table(("x",), [("a < b",), (2.5,)])  # doctest: +ELLIPSIS
Markup('<table>...<td>a &lt; b</td></tr>\\n<tr><td class="num">2.5</td></tr>...')
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True, slots=True)
class Image:
    """A PNG shown in the page itself; ``alt`` is its text (and a figure's caption)."""

    png: bytes
    alt: str

    @property
    def source(self) -> str:
        """The data URI of the PNG."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def is_number(value: Any) -> bool:
    """A cell shown as a number (right-aligned): an int or a float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number(value: float) -> str:
    """A number cell's text: floats to 4 significant digits.

    >>> number(0.081126), number(12)
    ('0.08113', '12')
    """
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def text(value: Any) -> str:
    """A text cell: None is empty."""
    return "" if value is None else str(value)


@functools.cache
def environment() -> Environment:
    """The report's templates: autoescaped, and an undefined name is an error."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(number=number, text=text)
    env.tests.update(numeric=is_number, image=lambda value: isinstance(value, Image))
    return env


def page(**context: Any) -> str:
    """The whole document (the template ``page.html``) from its context."""
    return environment().get_template("page.html").render(**context) + "\n"
