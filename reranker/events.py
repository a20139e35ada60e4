"""Behaviour events as shops send them, named after OpenSearch User Behavior Insights (UBI) fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Clocks drift; an event stamped further in the future than this is refused.
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_EVENTS_PER_REQUEST = 500

ActionName = Literal["view", "click", "add_to_cart", "purchase", "search"]


class Event(BaseModel):
    """One thing a shopper did. ``event_id`` makes retries safe: an id already stored is not counted again."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event_id: str | None = Field(
        default=None, min_length=1, max_length=128, description="Client-made id; a retry with it counts once."
    )
    action_name: ActionName
    user_id: str | None = Field(default=None, min_length=1, max_length=200)
    session_id: str | None = Field(default=None, min_length=1, max_length=200)
    client_id: str | None = Field(default=None, max_length=200)
    query_id: str | None = Field(default=None, max_length=64, description="`query_id` of the search response.")
    object_id: str | None = Field(default=None, min_length=1, max_length=512, description="The product id.")
    position: int | None = Field(default=None, ge=0, description="Position in the results (UBI ordinal).")
    timestamp: datetime = Field(default_factory=lambda: datetime.now(UTC))
    quantity: int | None = Field(default=None, ge=1)
    price: float | None = Field(default=None, ge=0)

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
        if self.action_name != "search" and self.object_id is None:
            raise ValueError(f"object_id (the product) is required for {self.action_name!r}")
        return self

    @property
    def subject(self) -> str:
        """Whose profile learns from this event: the user when known, else the anonymous session."""
        return f"user:{self.user_id}" if self.user_id else f"session:{self.session_id}"
