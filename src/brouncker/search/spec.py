"""Search specifications: TOML files validated with pydantic, against the model of their kind.

``kind`` says what a search enumerates: ``"pcf"`` (the default), ``"esma"``, ``"cmf"`` or
``"import"``; each kind's model lives in its module of :mod:`brouncker.search.kinds`, and a
spec is validated against the discriminated union of them all, tagged by ``kind``. Every unknown
key and every bad value is refused with one line naming the file and the key, and so is a
space that is empty or larger than the spec's ``[limits]``, before any work starts::

    name = "quickstart"
    kind = "pcf"                      # the default
    mode = "identify"                 # or "dynamics", or "fr" (factorial reduction)
    constants = ["pi", "e"]
    digits = 30
    shard_size = 2000

    [family.a]
    degree = 1
    range = [-4, 4]                   # or: coefficients = [[1, 2], [0, 1, 2, 3]]

    [family.b]
    degree = 2
    range = [-4, 4]

    [screen]
    depth = 200

    [limits]                          # raise a limit on purpose
    max_space = 20_000_000_000

The family can also be a template, polynomials in n with named integer parameters (see
:class:`~brouncker.search.kinds.pcf.TemplateFamily`); mode ``fr`` reads an ``[fr]`` table
(:class:`~brouncker.search.kinds.pcf.FRSettings`)::

    [fr]
    depth = 256                       # the FR test of every PCF
    recheck_depth = 8192              # the dynamics record of each class that passes

An ESMA spec (``kind = "esma"``) names a constant and the left-hand sides and sign periods
to try (see :class:`~brouncker.search.kinds.esma.ESMASpec`); a CMF spec (``kind = "cmf"``)
names a conservative matrix field and the trajectories and starts to walk (see
:class:`~brouncker.search.kinds.cmf.CMFSpec`).

>>> spec = parse_spec({"name": "t", "family": {"a": {"degree": 1, "range": [0, 2]},
...                                            "b": {"coefficients": [[1], [0, 1]]}}})
>>> spec.kind, len(spec.space())       # 3*3 - 1 polynomials a, 2 polynomials b
('pcf', 16)
>>> spec.match.bound, spec.screen.depth, spec.limits.max_space
(12, 200, 10000000000)
>>> parse_spec({"kind": "esma", "name": "e", "constant": "e", "cycles": [2, 2]}).cycles
'2..2'
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter, ValidationError

from ..errors import SpecError
from ..files import read_capped
from ..limits import MAX_SPEC_BYTES, number
from .kind import SearchSpec, spec_error
from .kinds import KINDS

__all__ = ["DEFAULT_KIND", "SearchSpec", "load_spec", "parse_spec", "read_spec_text"]

DEFAULT_KIND = "pcf"  # a spec without `kind` enumerates PCFs (every spec before kinds existed)


@functools.lru_cache(maxsize=8)
def _union(models: tuple[type[SearchSpec], ...]) -> TypeAdapter[SearchSpec]:
    """The validator of the union of ``models``, told apart by their ``kind``."""
    if len(models) == 1:
        return TypeAdapter(models[0])
    union: Any = Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007 (a union of a tuple)
    return TypeAdapter(union)


def parse_spec(data: dict[str, Any], source: str = "<spec>") -> SearchSpec:
    """Validate a spec given as a dict (as read from TOML or from the store): the model of
    its ``kind`` (default ``"pcf"``) decides, and the first error is one :class:`SpecError` line."""
    if not isinstance(data, dict):
        raise SpecError(f"{source}: a spec is a table of keys, not {type(data).__name__}")
    kind = data.get("kind", DEFAULT_KIND)
    if not isinstance(kind, str) or kind not in KINDS:
        raise SpecError(f"{source}: bad value for 'kind': {kind!r} is not a kind of search; known: {', '.join(KINDS)}")
    union = _union(tuple(k.spec_model for k in KINDS.values()))
    try:
        return union.validate_python({**data, "kind": kind})
    except ValidationError as exc:
        raise spec_error(exc, source, tagged=len(KINDS) > 1) from None


def read_spec_text(path: str | Path) -> str:
    """The text of a spec file: a regular file of at most ``MAX_SPEC_BYTES``, read without
    blocking (a named pipe or a device such as /dev/zero is refused before it is read)."""
    path = Path(path)

    def check_size(size: int) -> None:
        if size > MAX_SPEC_BYTES:
            raise SpecError(f"{path}: {number(size)} bytes is too large for a spec (at most {number(MAX_SPEC_BYTES)})")

    raw = read_capped(path, MAX_SPEC_BYTES, SpecError, "a spec is a TOML file", check_size)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not UTF-8 text; a spec is a TOML file") from None


def load_spec(path: str | Path) -> SearchSpec:
    """Read and validate a TOML spec of any kind; :class:`SpecError` names the file and the bad key."""
    text = read_spec_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    return parse_spec(data, str(path))
