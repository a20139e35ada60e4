"""Reading catalogs: formats, line numbers, field mapping, and files that are not catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.catalog import FieldMapping, detect_format, iter_rows, read_text
from indexer.errors import CatalogFormatError
from indexer.ingest import CatalogValidator


def _rows(name: str, text: str) -> list[tuple[int, object]]:
    return [(row.line, row.data if row.data is not None else row.error) for row in iter_rows(name, text)]


def test_jsonl_rows_carry_their_line_numbers_and_skip_blank_lines() -> None:
    text = '{"id": 1, "title": "a"}\n\n{"id": 2, "title": "b"}\nnot json\n'
    rows = _rows("c.jsonl", text)
    assert [line for line, _ in rows] == [1, 3, 4]
    assert isinstance(rows[2][1], str) and rows[2][1].startswith("invalid JSON")


def test_json_array_elements_get_the_line_they_start_on() -> None:
    text = '[\n  {"id": "a", "title": "x"},\n  {"id": "b",\n   "title": "y"},\n  3\n]'
    assert _rows("c.json", text) == [
        (2, {"id": "a", "title": "x"}),
        (3, {"id": "b", "title": "y"}),
        (5, "expected a JSON object, got int"),
    ]


def test_csv_rows_count_physical_lines_including_quoted_newlines() -> None:
    text = 'id,title,description\n1,Lamp,"two\nlines"\n2,Chair,ok\n3,too,many,cols\n'
    rows = _rows("c.csv", text)
    assert [line for line, _ in rows] == [2, 4, 5]
    assert rows[1][1] == {"id": "2", "title": "Chair", "description": "ok"}
    assert rows[2][1] == "expected 3 columns, found 4"


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("x.csv", "{", "csv"),
        ("x.ndjson", "[", "jsonl"),
        ("-", "  [{", "json"),
        ("-", '{"id"', "jsonl"),
        ("-", "id,t", "csv"),
    ],
)
def test_format_comes_from_the_suffix_then_the_content(name: str, head: str, expected: str) -> None:
    assert detect_format(name, head) == expected


def test_binary_file_is_not_a_catalog(tmp_path: Path) -> None:
    path = tmp_path / "image.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(CatalogFormatError, match="binary data"):
        read_text(path)


def test_empty_file_is_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("\n\n")
    with pytest.raises(CatalogFormatError, match="empty catalog"):
        read_text(path)


def test_text_that_is_not_in_the_format_is_one_error_not_a_reject_per_line() -> None:
    with pytest.raises(CatalogFormatError, match=r"notes.jsonl:1: not a JSONL catalog"):
        iter_rows("notes.jsonl", "dear diary\nit rained\n")


def test_field_mapping_renames_nests_scales_and_fills_defaults() -> None:
    mapping = FieldMapping(
        root="fields",
        rename={"name": "title", "colour": "attributes.color", "category": "categories"},
        defaults={"currency": "INR"},
        price_divisor=100,
    )
    row = {"fields": {"id": 7, "name": "Kurta", "colour": "red", "price": 129900, "category": "A > B"}}
    assert mapping.apply(row) == {
        "currency": "INR",
        "id": 7,
        "title": "Kurta",
        "attributes": {"color": "red"},
        "price": 1299.0,
        "categories": "A > B",
    }


def test_validator_rejects_with_line_field_and_reason_and_keeps_the_rest() -> None:
    text = '{"id": "a", "title": "ok"}\n{"id": "b", "title": "x", "price": -3}\n{"id": "a", "title": "again"}\n'
    validator = CatalogValidator("c.jsonl")
    products = list(validator.validate(iter_rows("c.jsonl", text)))
    assert [p.id for p in products] == ["a"]
    assert validator.accepted == 1
    assert [(r.line, r.field) for r in validator.rejects] == [(2, "price"), (3, "id")]
    assert "first seen on line 1" in validator.rejects[1].reason
    assert str(validator.rejects[0]).startswith("c.jsonl:2: price:")


def test_flipkart_style_category_tree_string_becomes_a_path() -> None:
    text = 'id,product_name,product_category_tree\n1,Kurta,"[""Clothing >> Women\'s Clothing >> Kurtas""]"\n'
    mapping = FieldMapping(rename={"product_name": "title", "product_category_tree": "categories"})
    validator = CatalogValidator("f.csv", mapping)
    (product,) = validator.validate(iter_rows("f.csv", text))
    assert product.categories == ["Clothing", "Women's Clothing", "Kurtas"]


def test_price_divisor_also_scales_prices_read_as_text_from_csv() -> None:
    mapping = FieldMapping(price_divisor=100)
    assert mapping.apply({"price": "129900"})["price"] == 1299.0
    assert mapping.apply({"price": " 99.5 "})["price"] == 0.995
    assert mapping.apply({"price": "cheap"})["price"] == "cheap"  # left for validation to report


def test_blank_cells_never_override_defaults() -> None:
    mapping = FieldMapping(defaults={"currency": "INR", "brand": "House brand"}, rename={"maker": "brand"})
    assert mapping.apply({"id": "1", "currency": "", "maker": "  "}) == {
        "currency": "INR", "brand": "House brand", "id": "1",
    }  # fmt: skip
    assert mapping.apply({"id": "1", "currency": "EUR"})["currency"] == "EUR"


def test_category_columns_compose_one_path_skipping_blank_levels() -> None:
    mapping = FieldMapping(compose={"categories": ["category", "sub_category", "type"]})
    row = {"id": "1", "category": "Toys", "sub_category": " ", "type": "Puzzles"}
    assert mapping.apply(row) == {"id": "1", "categories": ["Toys", "Puzzles"]}
    product = CatalogValidator("x.csv", mapping)
    (valid,) = product.validate(
        iter_rows("x.csv", "id,title,category,sub_category,type\n1,Jigsaw,Toys,Games,Puzzles\n")
    )
    assert valid.category_path == "Toys > Games > Puzzles"
