"""Validate raw catalog rows into products; every rejected row is recorded with file, line, field, reason."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from indexer.catalog import FieldMapping, RawRow
from vindbaar.product import Product


@dataclass(frozen=True)
class Reject:
    """One row that was not indexed, and why."""

    source: str
    line: int
    field: str
    reason: str
    id: str | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.field}: {self.reason}"


def _field_name(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "-"


class CatalogValidator:
    """Turns `RawRow`s into `Product`s, collecting rejects and counting accepted rows.

    A second row with an id already seen is rejected (it would silently overwrite the first).
    """

    def __init__(self, source: str, mapping: FieldMapping | None = None) -> None:
        self.source = source
        self.mapping = mapping or FieldMapping()
        self.rejects: list[Reject] = []
        self.accepted = 0
        self._first_line: dict[str, int] = {}

    def _reject(self, line: int, field: str, reason: str, data: dict[str, Any] | None = None) -> None:
        raw_id = (data or {}).get("id")
        self.rejects.append(Reject(self.source, line, field, reason, None if raw_id is None else str(raw_id)))

    def validate(self, rows: Iterable[RawRow]) -> Iterator[Product]:
        """Yield the valid products of `rows`, in order."""
        for row in rows:
            if row.data is None:
                self._reject(row.line, "-", row.error or "unreadable record")
                continue
            data = self.mapping.apply(row.data)
            try:
                product = Product.model_validate(data)
            except ValidationError as exc:
                errors = exc.errors()
                fields = ", ".join(dict.fromkeys(_field_name(e["loc"]) for e in errors))
                reasons = "; ".join(f"{_field_name(e['loc'])}: {e['msg']}" for e in errors)
                self._reject(row.line, fields, reasons, data)
                continue
            first = self._first_line.get(product.id)
            if first is not None:
                self._reject(row.line, "id", f"duplicate id {product.id!r}, first seen on line {first}", data)
                continue
            self._first_line[product.id] = row.line
            self.accepted += 1
            yield product


def write_rejects(path: Path, rejects: Iterable[Reject]) -> int:
    """Write rejects as JSON lines to `path`; return how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for reject in rejects:
            out.write(json.dumps(asdict(reject), ensure_ascii=False) + "\n")
            count += 1
    return count
