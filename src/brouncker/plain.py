"""Plain JSON values of frozen dataclasses: one encoder for every record that only copies its fields.

:func:`plain` turns a value into JSON types: enums as their text, times in ISO 8601, objects
with ``as_dict`` through it, tuples and lists as lists, dicts copied, recursively. The mixin
:class:`Plain` gives a dataclass ``as_dict()``: its fields in their order, each through
:func:`plain`. Records whose JSON computes, renames, drops or reorders fields keep their own
``as_dict``.

>>> from dataclasses import dataclass
>>> from enum import StrEnum
>>> class Colour(StrEnum):
...     RED = "red"
>>> @dataclass(frozen=True, slots=True)
... class Point(Plain):
...     xs: tuple[int, ...]
...     colour: Colour
...     extra: dict[str, tuple[int, ...]]
>>> Point((1, 2), Colour.RED, {"k": (3,)}).as_dict()
{'xs': [1, 2], 'colour': 'red', 'extra': {'k': [3]}}
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def plain(value: Any) -> Any:
    """``value`` as JSON types: enums as text, times in ISO 8601, ``as_dict`` objects as dicts, tuples as lists."""
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "as_dict") and not isinstance(value, type):
        return value.as_dict()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


class Plain:
    """``as_dict`` over the dataclass fields, in their order, each through :func:`plain`."""

    __slots__ = ()

    def as_dict(self) -> dict[str, Any]:
        return {f.name: plain(getattr(self, f.name)) for f in fields(cast("DataclassInstance", self))}
