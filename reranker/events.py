"""Behaviour events as shops send them, named after OpenSearch User Behavior Insights (UBI) fields."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vindbaar.wire_types import MAX_DEPTH, FreeObject

#: Clocks drift; an event stamped further in the future than this is refused.
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_EVENTS_PER_REQUEST = 500
#: Extra attributes are kept as sent, up to this size (JSON) per event.
MAX_ATTRIBUTES_BYTES = 8192
#: Actions about one product: they must name it. Others (``search``, ``page_exit``, a shop's own) need not.
PRODUCT_ACTIONS = frozenset({"view", "click", "add_to_cart", "purchase", "impression"})
#: Actions that tie a search to its outcome (analytics): the products shown, clicked, carted and bought.
OUTCOME_ACTIONS = frozenset({"click", "add_to_cart", "purchase"})


class Event(BaseModel):
    """One thing a shopper did. ``event_id`` makes retries safe: an id already stored is not counted again."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event_id: str | None = Field(
        default=None, min_length=1, max_length=128, description="Client-made id; a retry with it counts once."
    )
    action_name: str = Field(
        min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$",
        description="view, click, add_to_cart, purchase, impression, search, or any UBI action name "
        "(profiles learn from the first four; impressions feed the click models).",
    )  # fmt: skip
    user_id: str | None = Field(default=None, min_length=1, max_length=200)
    session_id: str | None = Field(default=None, min_length=1, max_length=200)
    client_id: str | None = Field(default=None, max_length=200)
    query_id: str | None = Field(default=None, max_length=64, description="`query_id` of the search response.")
    object_id: str | None = Field(default=None, min_length=1, max_length=512, description="The product id.")
    position: int | None = Field(default=None, ge=0, description="Position in the results (UBI ordinal).")
    timestamp: datetime = Field(default_factory=lambda: datetime.now(UTC))
    quantity: int | None = Field(default=None, ge=1)
    price: float | None = Field(default=None, ge=0)
    application: str | None = Field(default=None, max_length=100, description="UBI: the app that sent it.")
    message_type: str | None = Field(default=None, max_length=100)
    message: str | None = Field(default=None, max_length=1024)
    user_query: str | None = Field(default=None, max_length=1024, description="UBI: the query typed.")
    object_id_field: str | None = Field(default=None, max_length=100)
    event_attributes: FreeObject | None = Field(
        default=None, description=f"UBI attributes as sent (object, position and any others), kept; nested at "
        f"most {MAX_DEPTH} levels.",
    )  # fmt: skip

    @field_validator("event_attributes")
    @classmethod
    def _bounded(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(json.dumps(value, default=str)) > MAX_ATTRIBUTES_BYTES:
            raise ValueError(f"event_attributes larger than {MAX_ATTRIBUTES_BYTES} bytes")
        return value

    @field_validator("timestamp")
    @classmethod
    def _aware_and_not_in_the_future(cls, value: datetime) -> datetime:
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        if value > datetime.now(UTC) + MAX_CLOCK_SKEW:
            raise ValueError("timestamp is in the future")
        return value

    @model_validator(mode="after")
    def _who_and_what(self) -> Event:
        if self.user_id is None and self.session_id is None:
            raise ValueError("user_id or session_id is required")
        if self.action_name in PRODUCT_ACTIONS and self.object_id is None:
            raise ValueError(f"object_id (the product) is required for {self.action_name!r}")
        return self

    def ubi_attributes(self) -> dict[str, Any]:
        """`event_attributes` as UBI tools read them: the product and the rank always in their UBI place."""
        attributes = dict(self.event_attributes or {})
        if self.object_id is not None:
            attributes["object"] = {**(attributes.get("object") or {}), "object_id": self.object_id}
        if self.position is not None:
            attributes["position"] = {**(attributes.get("position") or {}), "ordinal": self.position}
        return attributes

    @property
    def subject(self) -> str:
        """Whose profile learns from this event: the user when known, else the anonymous session."""
        return f"user:{self.user_id}" if self.user_id else f"session:{self.session_id}"
