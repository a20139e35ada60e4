"""Resolve the rules that hold for one search into a `RulePlan`, and apply its boosts and pins.

Order and conflicts are predictable: rules apply by descending `priority`, then by their order in the
config; the first pin on a slot wins and the others are reported; a hidden product is never pinned
(also reported).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reranker.candidates import Candidate
from reranker.merchandising.config import MerchConfig
from reranker.merchandising.rules import Boost
from vindbaar.filters import ProductFilter


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
