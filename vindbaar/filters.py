"""The one filter model: which products a shopper's filters or a merchandising rule select.

The same `ProductFilter` becomes OpenSearch clauses (`clause_groups`, `clause`) and matches a
candidate document in Python (`matches`), so what a rule boosts in Python is exactly what the same
filter selects in OpenSearch. Values of one field are OR-ed, different fields AND-ed.

Example: ``ProductFilter(brand=["Sony"], attributes={"Color": ["Black"]}).clause()`` is::

    {"bool": {"filter": [{"terms": {"brand.keyword": ["Sony"]}},
                         {"terms": {"attribute_pairs": ["color=black"]}}]}}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from vindbaar import schema

#: Attribute names end up in aggregation names, where OpenSearch refuses [, ] and >, and in stored
#: ``name=value`` pairs; ``:`` separates name and value in a query string. Not blank, at most 100 characters.
#: Written without ``\w`` or ``\s``, which JSON Schema validators read over ASCII and Python over Unicode, and
#: with one way to match (spaces, then the first other character), so that no check backtracks.
ATTRIBUTE_NAME_PATTERN = r"^ *[^\[\]>=:\x00-\x20\x7f][^\[\]>=:\x00-\x1f\x7f]*$"
ATTRIBUTE_NAME = re.compile(ATTRIBUTE_NAME_PATTERN)
MAX_ATTRIBUTE_NAME = 100

Clause = dict[str, Any]


class ProductFilter(BaseModel):
    """Which products: by id, brand, category path prefix, price range, stock and attribute values.

    An empty filter selects every product (a shopper without filters); a merchandising rule needs a
    non-empty one (`RuleFilter`).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)

    # Product ids are never empty: OpenSearch refuses an `ids` query holding "" (it answered 502 before).
    ids: list[Annotated[str, Field(min_length=1, max_length=512)]] = Field(
        default_factory=list, max_length=1000, description="Product ids."
    )
    brand: list[str] = Field(default_factory=list, max_length=200, description="Brand names (exact).")
    category: list[str] = Field(
        default_factory=list, max_length=200, description="Category path prefixes, e.g. 'Electronics > Audio'."
    )
    price_min: float | None = Field(default=None, ge=0, description="At most price_max.")
    price_max: float | None = Field(default=None, ge=0, description="At least price_min.")
    in_stock: bool | None = None
    attributes: dict[str, Annotated[list[str], Field(min_length=1)]] = Field(
        default_factory=dict,
        max_length=50,
        description="Attribute values per attribute name, e.g. {'color': ['black']}.",
        json_schema_extra={"propertyNames": {"pattern": ATTRIBUTE_NAME_PATTERN, "maxLength": MAX_ATTRIBUTE_NAME}},
    )

    @field_validator("attributes")
    @classmethod
    def _plain_names_with_values(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        bad = [name for name in value if len(name) > MAX_ATTRIBUTE_NAME or not ATTRIBUTE_NAME.fullmatch(name)]
        if bad:
            raise ValueError(f"attribute names may not be blank, hold '[', ']', '>', '=', ':' or control "
                             f"characters, or be longer than {MAX_ATTRIBUTE_NAME}: {bad[0]!r}")  # fmt: skip
        return value

    @model_validator(mode="after")
    def _price_range(self) -> ProductFilter:
        # A rule across two fields, which JSON Schema cannot state (the field descriptions do).
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            raise ValueError("price_min must not exceed price_max")
        return self

    @property
    def is_empty(self) -> bool:
        """True when the filter selects every product."""
        return not (self.ids or self.brand or self.category or self.attributes or self.in_stock is not None
                    or self.price_min is not None or self.price_max is not None)  # fmt: skip

    def _attribute_pairs(self) -> dict[str, list[str]]:
        """Stored ``name=value`` pairs per lower-cased attribute name ("Color" and "color" are one group)."""
        by_name: dict[str, list[str]] = {}
        for name, values in sorted(self.attributes.items(), key=lambda item: item[0].lower()):
            by_name.setdefault(name.lower(), []).extend(schema.attribute_pair(name, value) for value in values)
        return by_name

    def clause_groups(self) -> dict[str, list[Clause]]:
        """The clauses grouped by the facet they belong to (``attributes:<name>`` per attribute; ``ids``).

        Disjunctive faceting counts each facet under every group except its own.
        """
        groups: dict[str, list[Clause]] = {}
        if self.ids:
            groups["ids"] = [{"ids": {"values": list(self.ids)}}]
        if self.brand:
            groups["brand"] = [{"terms": {schema.BRAND_KEYWORD: list(self.brand)}}]
        if self.category:
            groups["category"] = [
                {"terms": {schema.CATEGORY_ANCESTORS: [schema.category_path(c) for c in self.category]}}
            ]
        if self.price_min is not None or self.price_max is not None:
            bounds = {"gte": self.price_min, "lte": self.price_max}
            groups["price"] = [{"range": {schema.PRICE: {k: v for k, v in bounds.items() if v is not None}}}]
        if self.in_stock is not None:
            groups["in_stock"] = [{"term": {schema.IN_STOCK: self.in_stock}}]
        for name, pairs in self._attribute_pairs().items():
            groups[f"attributes:{name}"] = [{"terms": {schema.ATTRIBUTE_PAIRS: pairs}}]
        return groups

    def clauses(self, *, except_group: str | None = None) -> list[Clause]:
        """All clauses (to AND), optionally without one group's."""
        return [clause for name, group in self.clause_groups().items() if name != except_group for clause in group]

    def clause(self) -> Clause:
        """The whole filter as one OpenSearch clause."""
        return {"bool": {"filter": self.clauses()}}

    def matches(self, product_id: str, source: Mapping[str, Any]) -> bool:
        """Whether a document (its doc values or stored fields) passes the filter; the same as `clause`."""
        if self.ids and product_id not in self.ids:
            return False
        brand = schema.single(source.get(schema.BRAND_KEYWORD, source.get(schema.BRAND)))
        if self.brand and brand not in self.brand:
            return False
        ancestors = set(schema.values(source, schema.CATEGORY_ANCESTORS))
        if self.category and not ancestors & {schema.category_path(c) for c in self.category}:
            return False
        price = schema.single(source.get(schema.PRICE))
        if self.price_min is not None and (price is None or price < self.price_min):
            return False
        if self.price_max is not None and (price is None or price > self.price_max):
            return False
        if self.in_stock is not None and schema.single(source.get(schema.IN_STOCK)) is not self.in_stock:
            return False
        pairs = set(schema.values(source, schema.ATTRIBUTE_PAIRS))
        return all(pairs & set(wanted) for wanted in self._attribute_pairs().values())


def _not_empty(value: ProductFilter) -> ProductFilter:
    if value.is_empty:
        raise ValueError(
            "a filter needs at least one of ids, brand, category, price_min, price_max, in_stock, attributes"
        )
    return value


#: A filter a merchandising rule acts on: empty would select the whole catalog, which is never meant.
RuleFilter = Annotated[ProductFilter, AfterValidator(_not_empty)]
