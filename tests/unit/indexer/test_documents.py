"""The product model and the documents built from it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from indexer.documents import attribute_pairs, embedding_text, to_document
from vindbaar.product import Product


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Electronics > Audio > Headphones", ["Electronics", "Audio", "Headphones"]),
        ("Home/Kitchen", ["Home", "Kitchen"]),
        (["Toys", "Games"], ["Toys", "Games"]),
        (None, []),
    ],
)
def test_categories_accept_a_path_string_or_a_list(given: object, expected: list[str]) -> None:
    assert Product(id="1", title="x", categories=given).categories == expected


def test_category_ancestors_are_every_prefix_of_the_path() -> None:
    product = Product(id="1", title="x", categories="A > B > C")
    assert product.category_ancestors == ["A", "A > B", "A > B > C"]


@pytest.mark.parametrize(("stock", "in_stock"), [(0, False), (3, True), (None, True)])
def test_in_stock_follows_stock_when_not_given(stock: int | None, in_stock: bool) -> None:
    assert Product(id="1", title="x", stock=stock).in_stock is in_stock


def test_unknown_fields_are_kept_as_extra() -> None:
    product = Product(id="1", title="x", ean="8710103917045")
    assert product.extra_fields == {"ean": "8710103917045"}
    assert to_document(product, None, "h")["extra"] == {"ean": "8710103917045"}


@pytest.mark.parametrize(
    ("field", "value"), [("price", -1), ("currency", "euro"), ("id", ""), ("title", "  "), ("locale", "dutch")]
)
def test_invalid_values_are_rejected_naming_the_field(field: str, value: object) -> None:
    data: dict[str, object] = {"id": "1", "title": "x", field: value}
    with pytest.raises(ValidationError) as error:
        Product.model_validate(data)
    assert error.value.errors()[0]["loc"] == (field,)


def test_embedding_text_recipe() -> None:
    product = Product(
        id="1",
        title="WH-1000XM5 Headphones",
        brand="Sony",
        categories="Electronics > Audio",
        attributes={"color": "black", "connection": ["bluetooth", "wired"]},
        description="long",
    )
    assert embedding_text(product) == (
        "WH-1000XM5 Headphones. Sony. Electronics > Audio. color: black; connection: bluetooth, wired"
    )


def test_brand_already_in_title_is_not_repeated() -> None:
    assert embedding_text(Product(id="1", title="Sony WH-1000XM5", brand="Sony")) == "Sony WH-1000XM5"


def test_attribute_pairs_are_lowercase_name_value_keywords() -> None:
    product = Product(id="1", title="x", attributes={"Color": "Black", "size": ["S", "M"]})
    assert attribute_pairs(product) == ["color=black", "size=s", "size=m"]
