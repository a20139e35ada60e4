"""The merchandising config a merchandiser edits: rules (pin, hide, boost/bury, filter, banner), ranking
weights. `config.py` puts them together with synonyms and experiments into the `MerchConfig`, stored as
versions by `config_store.py`; `plan.py` resolves the rules that hold for one search.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from reranker.profiles import DEFAULT_EVENT_WEIGHTS
from vindbaar.filters import RuleFilter
from vindbaar.schema import category_path
from vindbaar.settings import Settings
from vindbaar.text import normalized
from vindbaar.wire_types import MAX_DEPTH, FreeObject, Integer, Timestamp


def _aware(value: datetime | None) -> datetime | None:
    """A time without a zone is taken as UTC (comparing naive and aware times would fail every search)."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


#: The events a profile learns from (the keys of `DEFAULT_EVENT_WEIGHTS`), stated in the schema.
EventType = Literal["view", "click", "add_to_cart", "purchase"]


class _Strict(BaseModel):
    # Strict: merchandisers' configs come as JSON, where `0` is not `false` nor `"2"` a number.
    model_config = ConfigDict(extra="forbid", strict=True)


class Condition(_Strict):
    """When a rule applies; every given part must hold (none given: always)."""

    query_equals: list[str] = Field(default_factory=list, description="Whole query, case-insensitive.")
    query_contains: list[str] = Field(default_factory=list, description="A word or phrase in the query.")
    category: list[str] = Field(default_factory=list, description="The shopper filtered on one of these.")
    starts_at: Timestamp | None = None
    ends_at: Timestamp | None = None
    segment: Literal["new", "returning"] | None = Field(
        default=None, description="new: no personal history; returning: has history."
    )

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _with_zone(cls, value: datetime | None) -> datetime | None:
        return _aware(value)

    def holds(self, query: str, categories: Sequence[str], now: datetime, returning: bool) -> bool:
        """Whether the condition holds for this search."""
        text = normalized(query)
        if self.query_equals and text not in {normalized(q) for q in self.query_equals}:
            return False
        if self.query_contains and not any(f" {c.lower()} " in f" {text} " for c in self.query_contains):
            return False
        if self.category:
            # The shopper is in the rule's category or one below it.
            wanted = [category_path(c) for c in self.category]
            selected = [category_path(c) for c in categories]
            if not any(s == w or s.startswith(f"{w} > ") for s in selected for w in wanted):
                return False
        if self.starts_at is not None and now < self.starts_at:
            return False
        if self.ends_at is not None and now >= self.ends_at:
            return False
        return self.segment is None or (self.segment == "returning") == returning


class Pin(_Strict):
    """Put a product at a 1-based position."""

    product_id: str = Field(min_length=1, max_length=512)
    position: Integer = Field(ge=1, le=100)


class Boost(_Strict):
    """Multiply the score of matching products: > 1 boosts, < 1 buries."""

    filter: RuleFilter
    factor: float = Field(gt=0, le=100, description="Score multiplier; must be positive.")


class Rule(_Strict):
    """A merchandising rule: a condition and what to do when it holds."""

    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    enabled: bool = True
    priority: Integer = 0
    condition: Condition = Field(default_factory=Condition)
    pins: list[Pin] = Field(default_factory=list)
    hide: RuleFilter | None = Field(default=None, description="Hide these products (a non-empty filter).")
    boosts: list[Boost] = Field(default_factory=list)
    filter: RuleFilter | None = Field(
        default=None, description="Restrict the results to these products (a non-empty filter)."
    )
    banner: FreeObject | None = Field(
        default=None, description=f"Payload passed to the frontend as is (nested at most {MAX_DEPTH} levels)."
    )


@dataclass(frozen=True)
class RankingWeights:
    """The weights one search runs with: the merchandiser's where set, the service's settings elsewhere."""

    lexical: float
    semantic: float
    personalization_strength: float
    click_learning_strength: float
    event_weights: Mapping[str, float]
    learned_ranking: bool = False  # rank with the learned model (when one is live)

    @classmethod
    def from_settings(cls, settings: Settings) -> RankingWeights:
        """The service's weights (``VINDBAAR_…``), which a merchandiser's config may override."""
        return cls(lexical=settings.lexical_weight, semantic=settings.semantic_weight,
                   personalization_strength=settings.personalization_strength,
                   click_learning_strength=settings.click_learning_strength,
                   event_weights=DEFAULT_EVENT_WEIGHTS, learned_ranking=settings.learned_ranking)  # fmt: skip


class Ranking(_Strict):
    """Ranking weights merchandisers may tune at run time; unset ones follow the service's settings."""

    lexical_weight: float | None = Field(default=None, ge=0, description="Unset: VINDBAAR_LEXICAL_WEIGHT.")
    semantic_weight: float | None = Field(default=None, ge=0, description="Unset: VINDBAAR_SEMANTIC_WEIGHT.")
    personalization_strength: float | None = Field(
        default=None, ge=0, le=1, description="Unset: VINDBAAR_PERSONALIZATION_STRENGTH."
    )
    click_learning_strength: float | None = Field(
        default=None, ge=0, le=5, description="How far what a query's shoppers chose lifts it (0: off); unset: "
        "VINDBAAR_CLICK_LEARNING_STRENGTH.",
    )  # fmt: skip
    event_weights: dict[EventType, Annotated[float, Field(ge=0)]] | None = Field(
        default=None, description=f"What each event teaches a profile; unset: {DEFAULT_EVENT_WEIGHTS}."
    )
    learned_ranking: bool | None = Field(
        default=None, description="Rank with the learned model when one is live; unset: VINDBAAR_LEARNED_RANKING."
    )
    default_sort: Literal["relevance", "price_asc", "price_desc", "newest", "popularity"] = "relevance"

    def over(self, defaults: RankingWeights) -> RankingWeights:
        """The weights in effect: this ranking's where set, else `defaults` (the one place they combine)."""
        return RankingWeights(
            lexical=defaults.lexical if self.lexical_weight is None else self.lexical_weight,
            semantic=defaults.semantic if self.semantic_weight is None else self.semantic_weight,
            personalization_strength=(defaults.personalization_strength if self.personalization_strength is None
                                      else self.personalization_strength),
            click_learning_strength=(defaults.click_learning_strength if self.click_learning_strength is None
                                     else self.click_learning_strength),
            event_weights={**defaults.event_weights, **{str(k): v for k, v in (self.event_weights or {}).items()}},
            learned_ranking=defaults.learned_ranking if self.learned_ranking is None else self.learned_ranking,
        )  # fmt: skip
