"""Read a shop's catalog (JSONL, CSV or a JSON array; a file or stdin) into raw rows with line numbers.

Field mapping renames a shop's columns onto ours before validation, e.g. ``{"rename": {"name": "title"}}``.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from indexer.errors import CatalogFormatError

CatalogFormat = Literal["jsonl", "csv", "json"]

#: How many leading records must all fail before the whole file is declared "not a catalog".
_PROBE_RECORDS = 5

_SUFFIXES: dict[str, CatalogFormat] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".json": "json"}


class FieldMapping(BaseModel):
    """How a shop's rows map onto the product schema.

    Attributes:
        root: take the product from this key of each row (e.g. ``"fields"`` for Vespa feed files).
        rename: shop column → our field; a dotted target such as ``"attributes.color"`` nests.
        compose: our field → shop columns whose non-blank values make it up, in order: a category path
            for ``categories`` (``{"categories": ["category", "sub_category", "type"]}``), else joined
            with spaces.
        defaults: values for fields a row does not have or leaves blank (e.g. ``{"currency": "INR"}``).
        price_divisor: divide prices by this (``100`` for prices in cents), numeric strings (CSV) too.
    """

    root: str | None = None
    rename: dict[str, str] = Field(default_factory=dict)
    compose: dict[str, list[str]] = Field(default_factory=dict)
    defaults: dict[str, Any] = Field(default_factory=dict)
    price_divisor: float = Field(default=1.0, gt=0)

    def apply(self, row: dict[str, Any]) -> dict[str, Any]:
        """Return the row renamed and completed; nested ``attributes.x`` CSV columns become a dict."""
        if self.root is not None:
            inner = row.get(self.root)
            row = inner if isinstance(inner, dict) else {}
        out: dict[str, Any] = dict(self.defaults)
        composed = {column for columns in self.compose.values() for column in columns}
        for key, value in row.items():
            if key in composed:
                continue
            target = self.rename.get(key, key)
            if _blank(value) and (target in out or "." in target):
                continue  # a blank cell is no value: it never overrides a default
            if "." in target:
                parent, child = target.split(".", 1)
                out.setdefault(parent, {})[child] = value
            else:
                out[target] = value
        for target, columns in self.compose.items():
            parts = [str(row[column]).strip() for column in columns if not _blank(row.get(column))]
            if parts:
                out[target] = parts if target == "categories" else " ".join(parts)
        if self.price_divisor != 1.0:
            price = _number(out.get("price"))
            if price is not None:
                out["price"] = round(price / self.price_divisor, 4)
        return out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> float | None:
    """A price as a number: numbers as they are, numeric strings (as CSV cells are) parsed; else None
    (validation then reports the field)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class RawRow:
    """One record as read, before validation."""

    line: int
    data: dict[str, Any] | None
    error: str | None = None


def detect_format(name: str, head: str) -> CatalogFormat:
    """Guess the format from the file suffix, else from the first non-blank character."""
    suffix = Path(name).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    stripped = head.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        return "jsonl"
    return "csv"


def read_text(source: str | Path, stdin: io.TextIOBase | None = None) -> tuple[str, str]:
    """Return ``(name, text)`` of a catalog file, or of stdin when `source` is ``"-"``.

    Raises:
        CatalogFormatError: the file is missing, binary, not UTF-8, or empty.
    """
    if str(source) == "-":
        name, raw = "<stdin>", (stdin.read() if stdin is not None else io.TextIOWrapper(_stdin_buffer()).read())
        data = raw.encode("utf-8")
    else:
        name = str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise CatalogFormatError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    if b"\x00" in data[:8192]:
        raise CatalogFormatError(f"{name}: not a catalog: binary data (expected JSONL, CSV or a JSON array)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogFormatError(
            f"{name}:{line}: not UTF-8 text (byte {exc.start}); re-encode the file as UTF-8"
        ) from exc
    if not text.strip():
        raise CatalogFormatError(f"{name}: empty catalog: no products to index")
    return name, text


def _stdin_buffer() -> io.BufferedReader:
    import sys

    return sys.stdin.buffer  # type: ignore[return-value]


def iter_rows(name: str, text: str, fmt: CatalogFormat | None = None) -> Iterator[RawRow]:
    """Yield the records of `text` with their 1-based line numbers; unparseable records carry an error.

    Raises:
        CatalogFormatError: the first record cannot be parsed in the format (the file is not a catalog).
    """
    fmt = fmt or detect_format(name, text[:1024])
    rows = {"jsonl": _jsonl_rows, "csv": _csv_rows, "json": _json_array_rows}[fmt](name, text)
    # A catalog whose first records all fail to parse is not a catalog: say so once instead of
    # rejecting every line. A few bad records among good ones are rejected one by one.
    head: list[RawRow] = []
    for row in rows:
        head.append(row)
        if row.data is not None or len(head) >= _PROBE_RECORDS:
            break
    if head and all(row.data is None for row in head):
        first = head[0]
        raise CatalogFormatError(f"{name}:{first.line}: not a {fmt.upper()} catalog: {first.error}")
    if not head:
        raise CatalogFormatError(f"{name}: empty catalog: no products to index")
    # Not a generator on purpose: the checks above run when this is called, before any work starts.
    return itertools.chain(head, rows)


def _jsonl_rows(name: str, text: str) -> Iterator[RawRow]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RawRow(number, None, f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        if isinstance(value, dict):
            yield RawRow(number, value)
        else:
            yield RawRow(number, None, f"expected a JSON object, got {type(value).__name__}")


def _json_array_rows(name: str, text: str) -> Iterator[RawRow]:
    decoder = json.JSONDecoder()
    start = text.find("[")
    if start < 0 or text[:start].strip():
        yield RawRow(1, None, "expected a JSON array of products")
        return
    position = start + 1
    length = len(text)
    while True:
        while position < length and text[position] in " \t\r\n,":
            position += 1
        if position >= length:
            yield RawRow(text.count("\n", 0, position) + 1, None, "unterminated JSON array")
            return
        if text[position] == "]":
            return
        line = text.count("\n", 0, position) + 1
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            # The rest of an array cannot be resynchronised reliably: report and stop.
            yield RawRow(exc.lineno, None, f"invalid JSON: {exc.msg} (column {exc.colno}); rest of file not read")
            return
        if isinstance(value, dict):
            yield RawRow(line, value)
        else:
            yield RawRow(line, None, f"expected a JSON object, got {type(value).__name__}")


def _csv_rows(name: str, text: str) -> Iterator[RawRow]:
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        yield RawRow(1, None, f"no header row ({exc})")
        return
    header = [column.strip() for column in header]
    if len(header) < 2 or len(set(header)) != len(header):
        yield RawRow(1, None, f"header must name at least two distinct columns, got {header!r}")
        return
    start_line = 2
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRow(reader.line_num, None, f"malformed CSV: {exc}")
            return
        line, start_line = start_line, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            yield RawRow(line, None, f"expected {len(header)} columns, found {len(values)}")
            continue
        yield RawRow(line, {k: (v if v.strip() else None) for k, v in zip(header, values, strict=True)})
