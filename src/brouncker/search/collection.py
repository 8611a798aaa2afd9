r"""A collection of formulas in a file: read, parse and check its rows (``brouncker import``).

The file is CSV with a header, or JSON lines (one object per line), told apart by its
extension (``.csv``; ``.jsonl``, ``.json``) or else by its first character (``{``: JSON
lines). Its columns are ``a`` and ``b`` (required: polynomials in $n$, in brouncker's
syntax or the Python/sympy spelling ``4*n**2 + 8*n - 5``), ``value`` (optional: the claimed
value, a constant expression) and ``source`` (optional: free text, such as a citation).

Every text is data: polynomials go to :func:`brouncker.pcf.polynomial.parse`, values to
:func:`brouncker.constants.parse_constant`, and nothing else parses anything; the source
is kept as written. A row that does not parse becomes a :class:`BadRow` with its line
number and the reason. The file's size and its number of rows are limited
(:data:`~brouncker.limits.IMPORT_FILE_BYTES`, :data:`~brouncker.limits.IMPORT_ROWS`) and
checked before any row is parsed.

>>> rows, bad = parse_rows(read_text("a,b,value,source\n2n+1,n**2,4/pi,Brouncker\n1,n^,,\n", "f.csv"))
>>> [(r.line, r.a, r.b, r.value) for r in rows]
[(2, (2, 1), (1, 0, 0), '4/pi')]
>>> bad[0].line, bad[0].reason
(3, "b: cannot parse 'n^': expression ends after '^'")
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..constants import parse_constant
from ..errors import BrounckerError, LimitError
from ..files import read_capped
from ..limits import IMPORT_FILE_BYTES, IMPORT_ROWS, IMPORT_SOURCE_LENGTH
from ..pcf.canonical import canonical
from ..pcf.fraction import PCF
from ..pcf.polynomial import Coefficients, parse
from ..plain import Plain
from ..store.models import KEY_LENGTH

COLUMNS = ("a", "b", "value", "source")
REQUIRED = ("a", "b")
JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")


class CollectionError(BrounckerError):
    """A file that cannot be imported at all (unreadable, too large, no header), or a bad row."""


@dataclass(frozen=True, slots=True)
class RawRow:
    """A data row as written: its line in the file and its four texts."""

    line: int
    a: str
    b: str
    value: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """A row whose polynomials and value parse: the coefficients, the texts as written,
    and the canonical key of its PCF."""

    line: int
    a: Coefficients
    b: Coefficients
    a_text: str
    b_text: str
    value: str | None
    source: str | None
    key: str


@dataclass(frozen=True, slots=True)
class BadRow(Plain):
    """A row that cannot be imported, and why."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class CollectionText:
    """A file's text, its name, its format (``csv`` or ``jsonl``) and its SHA-256."""

    name: str
    text: str
    format: str
    sha256: str


def read_text(text: str, name: str, format: str | None = None) -> CollectionText:
    """A collection given as text (the format from ``name``'s extension, else the content)."""
    return CollectionText(name, text, format or detect_format(name, text), hashlib.sha256(text.encode()).hexdigest())


def detect_format(name: str, text: str) -> str:
    """``jsonl`` or ``csv``: by the extension, else by the first character that is not blank.

    >>> detect_format("x.csv", "{"), detect_format("x.JSONL", "a,b"), detect_format("x.txt", ' {"a": "1"}')
    ('csv', 'jsonl', 'jsonl')
    """
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in JSON_SUFFIXES:
        return "jsonl"
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def read_collection(path: str | Path) -> CollectionText:
    """Read a collection file: a regular file within :data:`IMPORT_FILE_BYTES`, UTF-8 text
    (a byte-order mark is dropped), opened without blocking (a named pipe is refused unread)."""
    path = Path(path)
    raw = read_capped(path, IMPORT_FILE_BYTES.bound, CollectionError, "give a CSV or JSON lines file", lambda size: _check_size(size, path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CollectionError(f"{path}: not UTF-8 text (byte {exc.start + 1}); give a CSV or JSON lines file") from None
    return CollectionText(path.name, text, detect_format(path.name, text), hashlib.sha256(raw).hexdigest())


def _check_size(size: int, path: Path) -> None:
    try:
        IMPORT_FILE_BYTES.check(max(size, 1), f"{path}: the file's size in bytes")
    except LimitError as exc:
        raise LimitError(str(exc)) from None


def raw_rows(collection: CollectionText) -> tuple[list[RawRow], list[BadRow]]:
    """The data rows of a collection as written, and the rows whose shape is wrong (a JSON
    line that is not an object of the known keys, a CSV row with too many fields). The
    number of rows is checked against :data:`IMPORT_ROWS` before any row is parsed."""
    rows: list[RawRow] = []
    bad: list[BadRow] = []
    reader = _jsonl if collection.format == "jsonl" else _csv
    for item in reader(collection):
        if isinstance(item, RawRow):
            rows.append(item)
        else:
            bad.append(item)
    if not rows and not bad:
        raise CollectionError(f"{collection.name}: no rows to import (columns: {', '.join(COLUMNS)}; a and b required)")
    IMPORT_ROWS.check(len(rows) + len(bad), f"{collection.name}: the number of rows")
    return rows, bad


def _csv(collection: CollectionText) -> Iterator[RawRow | BadRow]:
    lines = collection.text.splitlines(keepends=True)
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if header is None:
                raise CollectionError(f"{collection.name}:{line}: the header is not valid CSV: {exc}") from None
            yield BadRow(line, f"not valid CSV: {exc}")
            return  # the reader cannot go on past a broken quote
        if not any(field.strip() for field in record):
            continue
        if header is None:
            header = [field.strip().lower() for field in record]
            _check_header(header, collection.name, line)
            continue
        if len(record) > len(header):
            yield BadRow(line, f"{len(record)} fields, but the header names {len(header)}")
            continue
        fields = dict(zip(header, record))
        yield _raw(line, fields)


def _check_header(header: list[str], name: str, line: int) -> None:
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise CollectionError(f"{name}:{line}: unknown column {unknown[0]!r} in the header (columns: {', '.join(COLUMNS)})")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CollectionError(f"{name}:{line}: the header has no column {missing[0]!r} (columns: {', '.join(COLUMNS)}; a and b required)")
    if len(set(header)) < len(header):
        raise CollectionError(f"{name}:{line}: a column is named twice in the header")


def _jsonl(collection: CollectionText) -> Iterator[RawRow | BadRow]:
    for line, text in enumerate(collection.text.splitlines(), start=1):
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except (ValueError, RecursionError) as exc:
            yield BadRow(line, f"not a JSON object: {' '.join(str(exc).split())[:120]}")
            continue
        if not isinstance(item, dict):
            yield BadRow(line, f"a JSON line must be an object with keys {', '.join(COLUMNS)}, not {type(item).__name__}")
            continue
        unknown = [k for k in item if k not in COLUMNS]
        if unknown:
            yield BadRow(line, f"unknown key {unknown[0][:40]!r} (keys: {', '.join(COLUMNS)})")
            continue
        fields: dict[str, str] = {}
        for key, value in item.items():
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                yield BadRow(line, f"{key}: give text (or an integer), not {type(value).__name__}")
                break
            fields[key] = str(value)
        else:
            yield _raw(line, fields)


def _raw(line: int, fields: dict[str, str]) -> RawRow | BadRow:
    for key in REQUIRED:
        if not (fields.get(key) or "").strip():
            return BadRow(line, f"{key} is missing")
    for key, text in fields.items():
        if "\x00" in text:
            return BadRow(line, f"{key} holds a NUL character")
    value = (fields.get("value") or "").strip() or None
    source = (fields.get("source") or "").strip() or None
    return RawRow(line, fields["a"].strip(), fields["b"].strip(), value, source)


def parse_row(row: RawRow) -> ParsedRow:
    """Parse one row's polynomials and value, and check its source's length; a
    :class:`CollectionError` (or a :class:`LimitError`) says which column is at fault."""
    parsed: dict[str, Coefficients] = {}
    for key, text in (("a", row.a), ("b", row.b)):
        try:
            parsed[key] = parse(text)
        except BrounckerError as exc:
            raise CollectionError(f"{key}: {exc}") from None
    if row.value is not None:
        try:
            parse_constant(row.value)
        except BrounckerError as exc:
            raise CollectionError(f"value: {exc}") from None
    if row.source is not None:
        IMPORT_SOURCE_LENGTH.check(len(row.source), "source: its length in characters")
    key = canonical(PCF(parsed["a"], parsed["b"])).key
    if len(key) > KEY_LENGTH:
        raise CollectionError(f"the PCF is too large to store: its key has {len(key):,} characters, at most {KEY_LENGTH}")
    return ParsedRow(row.line, parsed["a"], parsed["b"], row.a, row.b, row.value, row.source, key)


def parse_rows(collection: CollectionText) -> tuple[list[ParsedRow], list[BadRow]]:
    """Every row of a collection parsed, and the bad rows with their reasons, in line order."""
    raw, bad = raw_rows(collection)
    parsed: list[ParsedRow] = []
    for row in raw:
        try:
            parsed.append(parse_row(row))
        except BrounckerError as exc:
            bad.append(BadRow(row.line, str(exc)))
    bad.sort(key=lambda b: b.line)
    return parsed, bad


def bad_rows_error(name: str, bad: list[BadRow]) -> CollectionError:
    """The one-line error for a file with bad rows: the first, and how many more."""
    first = bad[0]
    more = f" (and {len(bad) - 1} more bad row{'s' if len(bad) > 2 else ''})" if len(bad) > 1 else ""
    return CollectionError(f"{name}:{first.line}: {first.reason}{more}; nothing was imported (--skip-bad imports the other rows)")
