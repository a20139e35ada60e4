"""Merchandising config: rules (pin, hide, boost/bury, filter, banner), ranking weights and synonyms.

Rules are resolved per search into a `RulePlan`. Order and conflicts are predictable: rules apply by
descending `priority`, then by their order in the config; the first pin on a slot wins and the
others are reported; a hidden product is never pinned (also reported).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reranker.candidates import Candidate
from reranker.profiles import DEFAULT_EVENT_WEIGHTS
from vindbaar.synonyms import SynonymsError, parse_synonyms


def category_path(text: str) -> str:
    """The stored form of a category path: ``"A>B"`` and ``"A > B"`` are the same path."""
    return " > ".join(part.strip() for part in text.split(">") if part.strip())


def _aware(value: datetime | None) -> datetime | None:
    """A time without a zone is taken as UTC (comparing naive and aware times would fail every search)."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProductFilter(_Strict):
    """Which products a rule acts on. Values of one field are OR-ed, fields AND-ed; empty matches nothing."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    ids: list[str] = Field(default_factory=list, max_length=1000)
    brand: list[str] = Field(default_factory=list, max_length=200)
    category: list[str] = Field(default_factory=list, max_length=200, description="Category path prefixes.")
    price_min: float | None = Field(default=None, ge=0)
    price_max: float | None = Field(default=None, ge=0)
    in_stock: bool | None = None
    attributes: dict[str, list[str]] = Field(default_factory=dict, max_length=50)

    @field_validator("attributes")
    @classmethod
    def _values_given(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        empty = [name for name, values in value.items() if not values]
        if empty:
            raise ValueError(f"attribute(s) without values: {', '.join(empty)}")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> ProductFilter:
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            raise ValueError("price_min must not exceed price_max")
        if not (self.ids or self.brand or self.category or self.attributes or self.in_stock is not None
                or self.price_min is not None or self.price_max is not None):  # fmt: skip
            raise ValueError("a filter needs at least one of ids, brand, category, price_min, price_max, "
                             "in_stock, attributes")  # fmt: skip
        return self

    def matches(self, product_id: str, source: Mapping[str, Any]) -> bool:
        """Whether a candidate (its doc-value or stored fields) passes this filter."""

        def first(value: Any) -> Any:
            return value[0] if isinstance(value, list) and value else (None if isinstance(value, list) else value)

        if self.ids and product_id not in self.ids:
            return False
        if self.brand and first(source.get("brand")) not in self.brand:
            return False
        ancestors = set(source.get("category_ancestors") or [])
        if self.category and not ancestors & {category_path(c) for c in self.category}:
            return False
        price = first(source.get("price"))
        if self.price_min is not None and (price is None or price < self.price_min):
            return False
        if self.price_max is not None and (price is None or price > self.price_max):
            return False
        if self.in_stock is not None and first(source.get("in_stock")) is not self.in_stock:
            return False
        pairs = set(source.get("attribute_pairs") or [])
        return all(
            any(f"{name.lower()}={value.lower()}" in pairs for value in values)
            for name, values in self.attributes.items()
        )


class Condition(_Strict):
    """When a rule applies; every given part must hold (none given: always)."""

    query_equals: list[str] = Field(default_factory=list, description="Whole query, case-insensitive.")
    query_contains: list[str] = Field(default_factory=list, description="A word or phrase in the query.")
    category: list[str] = Field(default_factory=list, description="The shopper filtered on one of these.")
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    segment: Literal["new", "returning"] | None = Field(
        default=None, description="new: no personal history; returning: has history."
    )

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _with_zone(cls, value: datetime | None) -> datetime | None:
        return _aware(value)

    def holds(self, query: str, categories: Sequence[str], now: datetime, returning: bool) -> bool:
        """Whether the condition holds for this search."""
        text = " ".join(query.lower().split())
        if self.query_equals and text not in {" ".join(q.lower().split()) for q in self.query_equals}:
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

    product_id: str = Field(min_length=1)
    position: int = Field(ge=1, le=100)


class Boost(_Strict):
    """Multiply the score of matching products: > 1 boosts, < 1 buries."""

    filter: ProductFilter
    factor: float = Field(gt=0, le=100, description="Score multiplier; must be positive.")


class Rule(_Strict):
    """A merchandising rule: a condition and what to do when it holds."""

    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    enabled: bool = True
    priority: int = 0
    condition: Condition = Field(default_factory=Condition)
    pins: list[Pin] = Field(default_factory=list)
    hide: ProductFilter | None = None
    boosts: list[Boost] = Field(default_factory=list)
    filter: ProductFilter | None = Field(default=None, description="Restrict the results to these products.")
    banner: dict[str, Any] | None = Field(default=None, description="Payload passed to the frontend as is.")


class Ranking(_Strict):
    """Ranking weights merchandisers may tune at run time."""

    lexical_weight: float = Field(default=1.0, ge=0)
    semantic_weight: float = Field(default=1.0, ge=0)
    personalization_strength: float = Field(default=0.3, ge=0, le=1)
    event_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_EVENT_WEIGHTS))
    default_sort: Literal["relevance", "price_asc", "price_desc", "newest", "popularity"] = "relevance"

    @field_validator("event_weights")
    @classmethod
    def _known_events(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = set(value) - set(DEFAULT_EVENT_WEIGHTS)
        if unknown:
            raise ValueError(f"unknown event type(s): {', '.join(sorted(unknown))}")
        if any(v < 0 for v in value.values()):
            raise ValueError("event weights must not be negative")
        return value


class MerchConfig(_Strict):
    """Everything a merchandiser controls. Each change is stored as a new version."""

    rules: list[Rule] = Field(default_factory=list)
    ranking: Ranking = Field(default_factory=Ranking)
    synonyms: list[str] = Field(default_factory=list, description="Solr-format lines, added to the built-in file.")

    @field_validator("synonyms")
    @classmethod
    def _synonyms_parse(cls, value: list[str]) -> list[str]:
        try:
            parse_synonyms("\n".join(value), "synonyms line")
        except SynonymsError as exc:
            raise ValueError(str(exc)) from exc
        return value

    @model_validator(mode="after")
    def _unique_rule_ids(self) -> MerchConfig:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        return self


@dataclass
class RulePlan:
    """What the rules that hold for one search do."""

    applied: list[str] = field(default_factory=list)
    pins: dict[int, tuple[str, str]] = field(default_factory=dict)  # position -> (product id, rule id)
    hides: list[ProductFilter] = field(default_factory=list)
    boosts: list[tuple[Boost, str]] = field(default_factory=list)
    filters: list[ProductFilter] = field(default_factory=list)
    banners: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def plan_rules(config: MerchConfig, query: str, categories: Sequence[str], now: datetime, returning: bool) -> RulePlan:
    """Resolve the rules that hold for this search, in priority order."""
    plan = RulePlan()
    ordered = sorted(enumerate(config.rules), key=lambda item: (-item[1].priority, item[0]))
    for _, rule in ordered:
        if not rule.enabled or not rule.condition.holds(query, categories, now, returning):
            continue
        plan.applied.append(rule.id)
        for pin in rule.pins:
            taken = plan.pins.get(pin.position)
            if taken is None:
                plan.pins[pin.position] = (pin.product_id, rule.id)
            else:
                plan.conflicts.append(
                    f"rule {rule.id!r}: position {pin.position} already pinned to {taken[0]!r} by rule {taken[1]!r}"
                )
        if rule.hide is not None:
            plan.hides.append(rule.hide)
        plan.boosts += [(boost, rule.id) for boost in rule.boosts]
        if rule.filter is not None:
            plan.filters.append(rule.filter)
        if rule.banner is not None:
            plan.banners.append({"rule": rule.id, **rule.banner})
    return plan


def apply_boosts(candidates: list[Candidate], plan: RulePlan) -> list[Candidate]:
    """Multiply the scores of matching candidates and re-sort (stable)."""
    if not plan.boosts:
        return candidates
    for candidate in candidates:
        for boost, rule_id in plan.boosts:
            if boost.filter.matches(candidate.id, candidate.source):
                candidate.score *= boost.factor
                candidate.explain.setdefault("rules", []).append({"rule": rule_id, "factor": boost.factor})
    return sorted(candidates, key=lambda c: c.score, reverse=True)


def apply_pins(candidates: list[Candidate], plan: RulePlan) -> list[Candidate]:
    """Move pinned products to their positions (adding those not retrieved); hidden ones are never pinned."""
    if not plan.pins:
        return candidates
    pinned_ids = {product_id for product_id, _ in plan.pins.values()}
    by_id = {c.id: c for c in candidates}
    rest = [c for c in candidates if c.id not in pinned_ids]
    placed: set[str] = set()
    for position in sorted(plan.pins):
        product_id, rule_id = plan.pins[position]
        if product_id in placed:
            plan.conflicts.append(f"rule {rule_id!r}: {product_id!r} is already pinned higher up")
            continue
        placed.add(product_id)
        candidate = by_id.get(product_id) or Candidate(product_id, {}, 0.0, {})
        if any(h.matches(product_id, candidate.source) for h in plan.hides if h.ids):
            plan.conflicts.append(f"rule {rule_id!r}: {product_id!r} is hidden by another rule and not pinned")
            continue
        candidate.explain["pinned"] = {"rule": rule_id, "position": position}
        rest.insert(min(position - 1, len(rest)), candidate)
    return rest
