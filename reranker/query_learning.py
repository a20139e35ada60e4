"""Query-level click learning: what shoppers clicked, carted and bought for a query lifts those products
for that query, for every shopper, also those without any history.

Evidence comes from the search log (each search with what it showed, in order, and what came of it):

- a click counts more the lower it was shown: shoppers look at the top far more than further down, so a
  click at rank 8 says more than one at rank 1 (inverse propensity, examination ~ 1 / rank^eta);
- add to cart and purchase count more than a click, whatever the rank;
- it fades with a half-life, so last season's favourite gives way;
- a product needs clicks or purchases from a minimum number of distinct searches before it is lifted,
  so one enthusiastic shopper cannot move a query.

The lift is multiplicative on the fused score, saturating: ``score x (1 + strength x e / (e + prior))``.
Merchandising rules still win: boosts and pins apply after it, and hidden products are never retrieved.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from reranker.candidates import Candidate

#: Evidence (weighted, decayed searches) at which a product gets half the maximum lift.
LEARNING_PRIOR = 5.0


@dataclass(frozen=True)
class LearningConfig:
    """How clicks become evidence."""

    half_life_days: float = 30.0
    eta: float = 1.0  # position bias: P(examined at rank r) ~ 1 / r^eta
    max_propensity_weight: float = 10.0  # a click at rank 50 must not count as fifty
    click: float = 1.0
    cart: float = 3.0
    purchase: float = 5.0
    min_searches: int = 3  # distinct searches with a click or purchase of the product
    prior: float = 5.0  # evidence at which the lift is half its maximum (LEARNING_PRIOR)
    max_products: int = 20  # per query


@dataclass
class LearnedProduct:
    """What a query's searches taught about one product."""

    evidence: float = 0.0
    searches: int = 0

    def lift(self, strength: float, prior: float) -> float:
        """The factor the product's score is multiplied by."""
        return 1.0 + strength * self.evidence / (self.evidence + prior)


@dataclass(frozen=True)
class LoggedOutcome:
    """One logged search as learning needs it."""

    query: str  # normalized
    timestamp: datetime
    shown: list[str]  # ids in the order shown (page 1 first)
    offset: int  # rank of shown[0] minus one (the page's start)
    clicked: list[str] = field(default_factory=list)
    carted: list[str] = field(default_factory=list)
    purchased: list[str] = field(default_factory=list)


def click_weight(rank: int, config: LearningConfig) -> float:
    """A click at 1-based `rank`, corrected for how rarely shoppers look there (capped)."""
    return min(config.max_propensity_weight, float(math.pow(rank, config.eta)))


def learn(
    outcomes: Iterable[LoggedOutcome], now: datetime, config: LearningConfig
) -> dict[str, dict[str, LearnedProduct]]:
    """Per normalized query, the products with enough evidence, strongest first."""
    evidence: dict[str, dict[str, LearnedProduct]] = defaultdict(lambda: defaultdict(LearnedProduct))
    for outcome in outcomes:
        age_days = max(0.0, (now - outcome.timestamp).total_seconds() / 86400)
        decay = math.exp(-math.log(2) * age_days / config.half_life_days)
        ranks = {product: outcome.offset + n for n, product in enumerate(outcome.shown, start=1)}
        products = evidence[outcome.query]
        counted: set[str] = set()
        for product in dict.fromkeys(outcome.clicked):
            rank = ranks.get(product)
            weight = click_weight(rank, config) if rank is not None else 1.0
            products[product].evidence += decay * config.click * weight
            counted.add(product)
        for product in dict.fromkeys(outcome.carted):
            products[product].evidence += decay * config.cart
            counted.add(product)
        for product in dict.fromkeys(outcome.purchased):
            products[product].evidence += decay * config.purchase
            counted.add(product)
        for product in counted:
            products[product].searches += 1
    learned: dict[str, dict[str, LearnedProduct]] = {}
    for query, products in evidence.items():
        kept = sorted(((p, e) for p, e in products.items() if e.searches >= config.min_searches),
                      key=lambda pe: -pe[1].evidence)[: config.max_products]  # fmt: skip
        if kept:
            learned[query] = dict(kept)
    return learned


def apply_learned(
    candidates: list[Candidate], learned: Mapping[str, LearnedProduct], strength: float, prior: float
) -> list[Candidate]:
    """Lift the candidates others chose for this query and re-sort (stable); each lift is explained."""
    if not learned or strength <= 0:
        return candidates
    for candidate in candidates:
        product = learned.get(candidate.id)
        if product is not None:
            factor = product.lift(strength, prior)
            candidate.score *= factor
            candidate.explain["learned"] = {"factor": round(factor, 4), "searches": product.searches,
                                            "evidence": round(product.evidence, 2)}  # fmt: skip
    return sorted(candidates, key=lambda c: c.score, reverse=True)
