"""Request field types accept what their JSON Schema states and nothing a lax parser would coerce."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from vindbaar.wire_types import MAX_DEPTH, FreeObject, Integer, Timestamp


@pytest.mark.parametrize(("given", "read"), [(5, 5), (5.0, 5), (0, 0)])
def test_an_integer_is_a_json_integer_even_written_with_a_fraction_of_zero(given: Any, read: int) -> None:
    assert TypeAdapter(Integer).validate_python(given) == read


@pytest.mark.parametrize("given", ["5", True, 5.5, None])
def test_text_booleans_and_fractions_are_not_integers(given: Any) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Integer).validate_python(given)


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("2026-11-30T12:00:00Z", datetime(2026, 11, 30, 12, tzinfo=UTC)),
        ("2026-11-30T12:00:00", datetime(2026, 11, 30, 12, tzinfo=UTC)),  # no zone: UTC
        ("2026-11-30T12:00:00+22:14", datetime(2026, 11, 29, 13, 46, tzinfo=UTC)),  # past OpenSearch's ±18:00
        ("0001-01-01T00:00:00+05:00", datetime.min.replace(tzinfo=UTC)),  # before the first representable day
    ],
)
def test_a_timestamp_is_rfc_3339_text_read_as_utc(given: str, read: datetime) -> None:
    assert TypeAdapter(Timestamp).validate_python(given) == read


@pytest.mark.parametrize("given", ["0.5", "0", "", "yesterday", "2026-11-30", 1_700_000_000, 0.5])
def test_numbers_and_other_text_are_not_timestamps(given: Any) -> None:
    with pytest.raises(ValidationError, match="RFC 3339"):
        TypeAdapter(Timestamp).validate_python(given)


def _nested(depth: int) -> dict[str, Any]:
    """An object `depth` levels deep, objects and arrays taking turns."""
    value: Any = 1
    for level in range(depth):
        value = {"a": value} if level % 2 else [value]
    return {"a": value} if isinstance(value, list) else value


@pytest.mark.parametrize(("depth", "kept"), [(1, True), (MAX_DEPTH, True), (MAX_DEPTH + 1, False), (900, False)])
def test_a_free_object_nests_at_most_the_limit(depth: int, kept: bool) -> None:
    given = _nested(depth)
    if kept:
        assert TypeAdapter(FreeObject).validate_python(given) == given
    else:
        with pytest.raises(ValidationError, match=f"deeper than {MAX_DEPTH}"):
            TypeAdapter(FreeObject).validate_python(given)
