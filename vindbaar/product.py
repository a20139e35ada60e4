"""The product model: what a shop sends us, validated."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vindbaar.schema import CATEGORY_SEPARATOR

AttributeValue = str | int | float | bool | list[str]


class Product(BaseModel):
    """One catalog item.

    Unknown fields are kept (``model_extra``) and stored unindexed under ``extra``.
    ``categories`` is a hierarchy path, root first: ``"Electronics > Audio > Headphones"``
    or ``["Electronics", "Audio", "Headphones"]``.
    """

    # Shops export numeric ids and EANs; they are identifiers, so accept them as strings.
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, coerce_numbers_to_str=True)

    id: str = Field(min_length=1, max_length=512)
    title: str = Field(min_length=1, max_length=1000)
    description: str = Field(default="", max_length=100_000)
    brand: str | None = Field(default=None, max_length=200)
    categories: list[str] = Field(default_factory=list)
    price: float | None = Field(default=None, ge=0)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    in_stock: bool | None = None
    stock: int | None = Field(default=None, ge=0)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    image_url: str | None = None
    url: str | None = None
    popularity: float = Field(default=0.0, ge=0)
    created_at: datetime | None = None
    locale: str | None = Field(default=None, pattern=r"^[a-z]{2}([-_][A-Za-z]{2})?$")

    @field_validator("categories", mode="before")
    @classmethod
    def _split_path(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str) and value.lstrip().startswith("["):
            # Some exports render a list as a string: '["Clothing >> Women >> Dresses"]'.
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if isinstance(parsed, list) and parsed and isinstance(parsed[0], str):
                value = parsed[0]
        if isinstance(value, str):
            separator = ">" if ">" in value else "/"
            return [part.strip() for part in value.split(separator) if part.strip()]
        return value

    @field_validator("attributes", mode="before")
    @classmethod
    def _parse_json_attributes(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return {}
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value  # let validation report it as not a dict
        return value

    @field_validator("brand", "image_url", "url", "locale", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _derive_in_stock(self) -> Product:
        if self.in_stock is None:
            self.in_stock = self.stock is None or self.stock > 0
        return self

    @property
    def category_path(self) -> str:
        """The path as one string, root first."""
        return CATEGORY_SEPARATOR.join(self.categories)

    @property
    def category_ancestors(self) -> list[str]:
        """Every prefix of the path: ``["A", "A > B", "A > B > C"]`` (for prefix filters and facets)."""
        return [CATEGORY_SEPARATOR.join(self.categories[: i + 1]) for i in range(len(self.categories))]

    @property
    def extra_fields(self) -> dict[str, Any]:
        """Fields the shop sent that are not part of the schema."""
        return dict(self.model_extra or {})
