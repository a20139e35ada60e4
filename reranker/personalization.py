"""The personalizing reranker: `final = base + boost`, within guard rails a merchandiser controls."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reranker.candidates import Candidate, RerankContext
from reranker.profiles import Profile
from vindbaar import schema

#: How the boost is composed; the parts are each in [0, 1], so the sum is too. The taste weighs much, yet its
#: part is zero until the taste has predicted the shopper's own choices well beyond chance (`reranker.taste`).
DEFAULT_COMPONENT_WEIGHTS: dict[str, float] = {
    "brand": 0.35, "category": 0.15, "attribute": 0.05, "price_band": 0.05, "taste": 0.4,
}  # fmt: skip
#: A first word match this far ahead of the second (its score over the second's) is a query's clear answer.
CLEAR_LEAD = 1.15


@dataclass(frozen=True)
class PersonalizationConfig:
    """Guard rails, set by the operator. How strongly to personalize comes with each search
    (`RerankContext.strength`: the merchandiser's ranking weights)."""

    max_shift: int = 10  # positions an item may move up or down
    diversity_window: int = 10  # the top results where one brand may not take over ...
    max_per_brand: int = 5  # ... beyond this many (or beyond what the unpersonalized top had)
    demote_purchased: bool = False
    component_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_COMPONENT_WEIGHTS))


class Leanings:
    """How much one profile leans to each key, as one search reads it: each brand, category, attribute and
    price band computed once (a search's candidates share a few of each; 100 candidates ask ~400 times).
    Price bands and categories count only as far as the shopper leans to them beyond chance, given their
    share of the catalog (`base_rates` per kind; a key without one counts fully)."""

    def __init__(self, profile: Profile, base_rates: Mapping[str, Mapping[str, float]]) -> None:
        self.profile = profile
        self._base_rates = base_rates
        self._memo: dict[tuple[str, str], float] = {}

    def __call__(self, kind: str, key: str) -> float:
        """The profile's leaning to `key` of `kind`, in [0, 1)."""
        value = self._memo.get((kind, key))
        if value is None:
            rate = (self._base_rates.get(kind) or {}).get(key) if kind in ("category", "price_band") else None
            profile = self.profile
            value = profile.affinity(kind, key) if rate is None else profile.excess_affinity(kind, key, rate)
            self._memo[(kind, key)] = value
        return value

    def best(self, kind: str, keys: Sequence[str]) -> float:
        """The strongest leaning among `keys` (0 for none): a plain loop, as this runs for every candidate."""
        best = 0.0
        for key in keys:
            value = self(kind, key)
            if value > best:
                best = value
        return best


def components(leanings: Leanings, source: Mapping[str, Any], taste: float | None) -> dict[str, float]:
    """How well one candidate fits the profile, per part, each in [0, 1]."""
    brand = schema.single(source.get(schema.BRAND))
    band = schema.price_band(schema.price(source))
    return {
        "brand": leanings("brand", brand) if brand else 0.0,
        "category": leanings.best("category", schema.values(source, schema.CATEGORY_ANCESTORS)),
        "attribute": leanings.best("attribute", schema.values(source, schema.ATTRIBUTE_PAIRS)),
        "price_band": leanings("price_band", band) if band else 0.0,
        "taste": max(0.0, taste or 0.0),
    }


def price_fits(candidates: Sequence[Candidate], profile: Profile | None, shown: int) -> dict[str, float]:
    """The candidates that fit the shopper's price leaning (`reranker.price_taste`), with their fit, by where
    their price stands among those of the first `shown` of `candidates` (which must be in the unpersonalized
    order: the first page, the products they compete with for a place on it, as the shopper's own choices
    stood among the page they were shown). Not among all candidates: further down, a search reaches into
    other kinds of product (sticks for "drum"), cheaper or dearer by kind. Empty until the leaning has earned
    a say."""
    if profile is None or profile.price_taste.confidence() <= 0:
        return {}
    fits = profile.price_taste.fits([schema.price(c.source) for c in candidates], max(2, shown))
    return {c.id: fit for c, fit in zip(candidates, fits, strict=True) if fit > 0}


def taste_part(candidate_id: str, taste_fit: Mapping[str, float], price_fit: Mapping[str, float]) -> float | None:
    """The taste part of one candidate: the better of its fit to the leading taste (words or embedding) and
    to the price leaning. Two views of one shopper's choices; a price leaning says nothing of words, so the
    two rarely reward the same products by chance. (Runs per candidate: no list, no `max`.)"""
    taste, price = taste_fit.get(candidate_id), price_fit.get(candidate_id)
    return taste if price is None or (taste is not None and taste >= price) else price


def constrained_order(
    finals: Sequence[float], brands: Sequence[str | None], max_shift: int, window: int, max_per_brand: int
) -> list[int]:
    """Indices (base order) sorted by `finals`, but none moves more than `max_shift` places, and in the top
    `window` no brand exceeds `max_per_brand` (or its count in the base top) while others are available."""
    n = len(finals)
    remaining = list(range(n))
    base_top = Counter(brands[:window])
    counts: Counter[str | None] = Counter()
    order: list[int] = []
    # Higher final first, then the earlier base place; one tuple per index, not one per comparison.
    rank_key = [(final, -i) for i, final in enumerate(finals)]

    def allowed(brand: str | None) -> int:
        return max(max_per_brand, base_top[brand])

    for position in range(n):
        if remaining[0] + max_shift <= position:
            choice = remaining[0]  # it may not fall any further
        else:
            # `remaining` is in base order: only its head may move up to this position.
            limit = position + max_shift
            eligible = list(itertools.takewhile(limit.__ge__, remaining))
            if position < window:
                diverse = [i for i in eligible if brands[i] is None or counts[brands[i]] < allowed(brands[i])]
                eligible = diverse or eligible
            choice = max(eligible, key=rank_key.__getitem__)
        remaining.remove(choice)
        order.append(choice)
        if position < window:
            counts[brands[choice]] += 1
    return order


def has_clear_answer(candidates: Sequence[Candidate]) -> bool:
    """True when the query has one clear answer: the first candidate is first by its words, and first by its
    meaning too or well ahead by its words (`CLEAR_LEAD`: a product's name matches its own title far better
    than any other's). A search for a product by name is such a query; moving that product down for a
    shopper's taste is the harm personalization must not do, so it keeps its place and only the rest is
    reordered. A broad query ("lego") has many near-equal word matches, and no clear answer."""
    top = candidates[0].explain if candidates else {}
    if top.get("lexical_rank") != 1:
        return False
    if top.get("semantic_rank") == 1:
        return True
    second = next((c.explain.get("lexical_score") for c in candidates if c.explain.get("lexical_rank") == 2), None)
    first = top.get("lexical_score")
    if first is None:
        return False
    return second is None or float(second) <= 0 or float(first) >= CLEAR_LEAD * float(second)


class PersonalizedReranker:
    """Reranks fused candidates with the shopper's profile (from the context); no profile, no change."""

    def __init__(self, config: PersonalizationConfig | None = None) -> None:
        self.config = config or PersonalizationConfig()

    def rerank(self, candidates: list[Candidate], context: RerankContext) -> list[Candidate]:
        """Return `candidates` in personalized order, each with its boost explained."""
        profile, config, strength = context.profile, self.config, context.strength
        if profile is None or profile.is_empty or strength <= 0 or not candidates:
            return candidates
        top = max(c.score for c in candidates) or 1.0
        leanings = Leanings(profile, context.base_rates)
        prices = price_fits(candidates, profile, context.shown)
        finals: list[float] = []
        details: list[dict[str, Any]] = []
        for candidate in candidates:
            parts = components(leanings, candidate.source, taste_part(candidate.id, context.taste_fit, prices))
            fit = sum(config.component_weights.get(name, 0.0) * value for name, value in parts.items())
            boost = strength * fit
            if config.demote_purchased and candidate.id in profile.purchased:
                boost -= strength
            finals.append(candidate.score / top + boost)
            detail: dict[str, Any] = {**{k: round(v, 4) for k, v in parts.items()}, "boost": round(boost, 4)}
            if taste_words := context.taste_words.get(candidate.id):
                detail["taste_words"] = list(taste_words)  # the shopper's own words: the reason they can check
            if (price_fit := prices.get(candidate.id, 0.0)) > 0 and price_fit >= parts["taste"]:
                # The reason only where the price fit is the taste part used (the better of the two).
                detail["price_leaning"] = "lower" if profile.price_taste.leaning() > 0 else "higher"
            details.append(detail)
        brands = [schema.single(c.source.get(schema.BRAND)) for c in candidates]
        keys = list(finals)
        if has_clear_answer(candidates):
            keys[0] = math.inf
            details[0]["kept_first"] = "clear answer"
        order = constrained_order(keys, brands, config.max_shift, config.diversity_window, config.max_per_brand)
        ranked: list[Candidate] = []
        for new_rank, index in enumerate(order, start=1):
            candidate = candidates[index]
            candidate.explain["personalization"] = {**details[index], "base_rank": index + 1, "rank": new_rank}
            candidate.score = finals[index]
            ranked.append(candidate)
        return ranked
