"""Field types that accept only what their JSON Schema states, for models read from requests.

Request models are strict (`ConfigDict(strict=True)`): pydantic's lax mode would take ``0`` for ``false``,
``"5"`` for ``5`` or ``0.5`` for a time, values the OpenAPI document says are invalid. Two JSON types a
strict model reads wrongly (FastAPI validates decoded Python values, not JSON text) get their own type:

- `Integer`: JSON Schema counts ``5.0`` as an integer, strict pydantic does not; text and booleans stay out.
- `Timestamp`: RFC 3339 text only (a strict datetime wants a `datetime` object), read as UTC.

`FreeObject` is a JSON object kept as sent (a banner, UBI attributes), nested at most `MAX_DEPTH` levels:
deeper, pydantic cannot serialize it back (a banner 500 levels deep answered 500).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from annotated_types import Ge
from pydantic import AfterValidator, BeforeValidator, Strict

#: RFC 3339 date-time, the JSON Schema `date-time` format; a time without a zone is read as UTC.
_RFC_3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?")


def _number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected a JSON integer")
    return value


def _rfc_3339(value: object) -> object:
    if isinstance(value, datetime) or (isinstance(value, str) and _RFC_3339.fullmatch(value)):
        return value
    raise ValueError("expected a date-time as RFC 3339 text, e.g. 2026-11-30T12:00:00Z")


def _utc(value: datetime) -> datetime:
    """The same instant in UTC: OpenSearch refuses zone offsets beyond ±18:00, which RFC 3339 allows."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # an offset past the first or last representable day: the nearest instant there is
        return (datetime.min if value.year == datetime.min.year else datetime.max).replace(tzinfo=UTC)


MAX_DEPTH = 32


def _depth(value: object) -> int:
    """How deeply `value` nests objects and arrays (a scalar: 0), without recursion."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, level = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level + 1)
            pending.extend((child, level + 1) for child in children)
    return deepest


def _shallow(value: dict[str, Any]) -> dict[str, Any]:
    if _depth(value) > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    return value


Integer = Annotated[int, Strict(False), BeforeValidator(_number)]
#: An `Integer` of at least 0 that may sit in a union (`Version | None`): there, a `ge` given on the field
#: reached the OpenAPI document as `"ge"`, which JSON Schema does not know, so the contract allowed
#: negative values the API refused; the bound placed before the validator is written as `minimum`.
Version = Annotated[int, Ge(0), Strict(False), BeforeValidator(_number)]
Timestamp = Annotated[datetime, Strict(False), BeforeValidator(_rfc_3339), AfterValidator(_utc)]
FreeObject = Annotated[dict[str, Any], AfterValidator(_shallow)]
