"""The one filter model: the clauses it builds and the documents it matches."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from vindbaar.filters import ProductFilter, RuleFilter

SONY = {"brand": "Sony", "category_ancestors": ["Electronics", "Electronics > Audio"], "price": 199.0,
        "in_stock": True, "attribute_pairs": ["color=black", "size=m"]}  # fmt: skip
#: The same product as doc values arrive: every field a list, the brand under its keyword field.
SONY_DOC_VALUES = {"brand.keyword": ["Sony"], "category_ancestors": ["Electronics", "Electronics > Audio"],
                   "price": [199.0], "in_stock": [True], "attribute_pairs": ["color=black", "size=m"]}  # fmt: skip


@pytest.mark.parametrize(
    ("given", "clauses"),
    [
        ({}, []),
        ({"ids": ["a", "b"]}, [{"ids": {"values": ["a", "b"]}}]),
        ({"brand": ["Sony", "Bose"]}, [{"terms": {"brand.keyword": ["Sony", "Bose"]}}]),
        ({"category": ["Electronics>Audio "]}, [{"terms": {"category_ancestors": ["Electronics > Audio"]}}]),
        ({"price_min": 10, "price_max": 20}, [{"range": {"price": {"gte": 10, "lte": 20}}}]),
        ({"price_max": 20}, [{"range": {"price": {"lte": 20}}}]),
        ({"in_stock": False}, [{"term": {"in_stock": False}}]),
        (
            {"attributes": {"Color": ["Black", "White"]}},
            [{"terms": {"attribute_pairs": ["color=black", "color=white"]}}],
        ),
        (
            {"attributes": {"color": ["black"], "Size": ["M"]}},
            [{"terms": {"attribute_pairs": ["color=black"]}}, {"terms": {"attribute_pairs": ["size=m"]}}],
        ),
    ],
)
def test_each_field_becomes_one_clause(given: dict[str, Any], clauses: list[dict[str, Any]]) -> None:
    assert ProductFilter.model_validate(given).clause() == {"bool": {"filter": clauses}}


@pytest.mark.parametrize(
    ("given", "matches"),
    [
        ({}, True),
        ({"ids": ["p"]}, True),
        ({"ids": ["q"]}, False),
        ({"brand": ["Bose", "Sony"]}, True),
        ({"brand": ["sony"]}, False),  # brands are exact, as the keyword field is
        ({"category": ["Electronics>Audio"]}, True),
        ({"category": ["Electronics > Audio > Headphones"]}, False),
        ({"price_min": 199, "price_max": 199}, True),
        ({"price_max": 100}, False),
        ({"in_stock": True}, True),
        ({"in_stock": False}, False),
        ({"attributes": {"Color": ["White", "Black"]}}, True),
        ({"attributes": {"color": ["black"], "size": ["l"]}}, False),
        ({"brand": ["Sony"], "price_max": 100}, False),  # fields are AND-ed
    ],
)
def test_matching_in_python_reads_stored_fields_and_doc_values_alike(given: dict[str, Any], matches: bool) -> None:
    product_filter = ProductFilter.model_validate(given)
    assert product_filter.matches("p", SONY) is matches
    assert product_filter.matches("p", SONY_DOC_VALUES) is matches


def test_a_product_without_a_price_fails_any_price_bound() -> None:
    assert not ProductFilter(price_min=0).matches("p", {"brand": "Sony"})


def test_facets_are_counted_under_every_group_but_their_own() -> None:
    product_filter = ProductFilter(brand=["Sony"], in_stock=True)
    assert product_filter.clauses(except_group="brand") == [{"term": {"in_stock": True}}]
    assert list(product_filter.clause_groups()) == ["brand", "in_stock"]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"price_min": 5, "price_max": 1}, "price_min must not exceed price_max"),
        ({"attributes": {"col[or]": ["x"]}}, "attribute names may not"),
        ({"attributes": {" ": ["x"]}}, "attribute names may not"),
        ({"attributes": {"color": []}}, "at least 1 item"),
        ({"in_stock": 1}, "valid boolean"),
        ({"colour": ["red"]}, "colour"),
    ],
)
def test_bad_filters_are_refused_naming_the_problem(given: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ProductFilter.model_validate(given)


def test_a_rule_filter_must_select_something() -> None:
    with pytest.raises(ValidationError, match="at least one"):
        TypeAdapter(RuleFilter).validate_python({"brand": []})
    assert TypeAdapter(RuleFilter).validate_python({"brand": ["Sony"]}).brand == ["Sony"]
