"""Learning to rank: a LightGBM LambdaMART model of how far what the ranking knows beyond the words should
move a product: the query-level click lift and the shopper's leanings (brand, category, attribute, price
band, taste, price leaning). It replaces the hand-set personalization weights.

The model scores *adjustments to the unpersonalized order* (the fused order with click lifts): each
candidate starts from `base_score` of its place there (LightGBM's init score), and the trees add what the
features say. So a search where no feature tells products apart (no profile, no lift, as a new shopper's
search for a product by name) keeps its order by construction. A first model that also learned from the
lexical and semantic ranks and the price reordered such searches for everyone: trained on product-type
queries, it cost known-item and descriptive queries 31 % of MRR@10 in the fair benchmark.

Why LightGBM in-process rather than OpenSearch's LTR plugin: the features (the profile, the click lift,
the fused order) only exist in the query service, after retrieval; the plugin scores inside OpenSearch,
where none of them is known. Scoring 100 candidates takes about a millisecond (`make bench-ranking-model`).

A model is shipped only when it beats the current ranking on held-out logged searches (`judge`), each
search weighted by where its choice was shown. In the fair benchmark (seeds 17 / 23 / 29 / 31) the models
lift liked products 1.55x / 1.54x / 1.55x / 1.52x on fresh searches, against the hand-set 1.35x / 1.32x /
1.37x / 1.30x, and the weighted gate ships all four (+16 % / +11 % / +8 % / +2 %). Before the word taste
weighed words by their rarity, plain nDCG on the held-out searches said -0.1 % / -3.8 % (seeds 17 / 23)
for models that lifted liked products 1.48x / 1.57x against 1.25x / 1.36x; the weighted gate shipped them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import lightgbm
import numpy as np

from reranker.candidates import Candidate
from reranker.personalization import Leanings, components, constrained_order

#: The features, in the model's column order. The taste (words or embedding) and the price leaning are two
#: columns, not the hand-set boost's better of the two: the model weighs each by what shoppers chose.
FEATURES: tuple[str, ...] = (
    "click_lift", "brand", "category", "attribute", "price_band", "taste", "price_leaning",
)  # fmt: skip
#: Every feature may only raise a score (LightGBM monotone constraints): a stronger lift or leaning is never
#: evidence against a product.
MONOTONE: tuple[int, ...] = (1,) * len(FEATURES)
#: Relevance grades of what came of a shown product.
GRADES: Mapping[str, int] = {"click": 1, "add_to_cart": 2, "purchase": 3}


def base_score(position: int) -> float:
    """Where a candidate starts: its 0-based place in the unpersonalized order, as a DCG-like discount."""
    return -math.log2(position + 2)


def candidate_features(
    candidate: Candidate, leanings: Leanings | None, taste: float | None, price: float | None = None
) -> list[float]:
    """One candidate's feature row (`FEATURES` order), from its explanation, the shopper's leanings (None:
    no profile), its fit to the shopper's leading taste (`taste`) and to their price leaning (`price`)."""
    learned = candidate.explain.get("learned") or {}
    if leanings is None:
        return [float(learned.get("factor", 1.0)), *[0.0] * (len(FEATURES) - 1)]
    parts = components(leanings, candidate.source, taste)
    return [float(learned.get("factor", 1.0)), parts["brand"], parts["category"], parts["attribute"],
            parts["price_band"], parts["taste"], max(0.0, price or 0.0)]  # fmt: skip


@dataclass(frozen=True)
class RankingGroup:
    """The candidates of one logged search, in the current ranking's order: their features, where each
    stood in the unpersonalized order (`base`, from `base_score`), their grades, and each candidate's
    weight where the shopper saw it (`weights`: one over how often shoppers look there; None: all alike).
    Training does not weigh searches so: in the fair benchmark a model trained with these weights lifted
    shoppers' liked products less (1.33x against 1.50x after five clicks, seed 17)."""

    rows: list[list[float]]
    base: list[float]
    grades: list[int]
    weights: list[float] | None = None

    def __post_init__(self) -> None:
        sizes = {len(self.rows), len(self.base), len(self.grades), len(self.weights or self.grades)}
        if len(sizes) > 1:
            raise ValueError(f"a ranking group needs one row, base, grade and weight per candidate, got {sizes}")

    @property
    def weight(self) -> float:
        """How much the search counts when judging: the mean weight of its graded candidates (1 without)."""
        graded = [w for g, w in zip(self.grades, self.weights or [], strict=False) if g > 0]
        return sum(graded) / len(graded) if graded else 1.0

    @property
    def useful(self) -> bool:
        """A search teaches or tests something only when a candidate got a grade and another did not."""
        return 0 < sum(1 for g in self.grades if g > 0) < len(self.grades)


@dataclass(frozen=True)
class RankingModel:
    """A trained model; `text` is LightGBM's own model format (stored and reloaded as is)."""

    text: str
    features: tuple[str, ...] = FEATURES

    def __post_init__(self) -> None:
        object.__setattr__(self, "_booster", lightgbm.Booster(model_str=self.text))

    def scores(self, rows: Sequence[Sequence[float]], base: Sequence[float]) -> list[float]:
        """Each candidate's score: where it starts plus what the model adds (higher first)."""
        if not rows:
            return []
        booster: lightgbm.Booster = object.__getattribute__(self, "_booster")
        # No per-call parameters: passing any (even num_threads) makes LightGBM reconfigure, which nearly
        # doubled the time for 100 rows; the model keeps the single thread it was trained with.
        predicted: Any = booster.predict(np.asarray(rows, dtype=np.float64))
        return [float(x) + b for x, b in zip(predicted, base, strict=True)]


def train(groups: Sequence[RankingGroup], seed: int = 7) -> RankingModel:
    """Fit LambdaMART (nDCG@10) on `groups`; small trees and strong regularization: logs are small."""
    useful = [g for g in groups if g.useful]
    if not useful:
        raise ValueError("no logged search with a graded and an ungraded candidate to learn from")
    x = np.asarray([row for g in useful for row in g.rows], dtype=np.float64)
    y = np.asarray([grade for g in useful for grade in g.grades])
    params = {"objective": "lambdarank", "metric": "ndcg", "eval_at": [10], "learning_rate": 0.05,
              "num_leaves": 15, "min_data_in_leaf": 20, "lambda_l2": 1.0, "feature_fraction": 0.9,
              "seed": seed, "deterministic": True, "num_threads": 1, "verbosity": -1,
              "monotone_constraints": list(MONOTONE)}  # fmt: skip
    data = lightgbm.Dataset(
        x,
        y,
        group=[len(g.rows) for g in useful],
        feature_name=list(FEATURES),
        init_score=np.asarray([b for g in useful for b in g.base], dtype=np.float64),
    )
    booster = lightgbm.train(params, data, num_boost_round=200)
    return RankingModel(booster.model_to_string())


def ndcg_at(grades_in_order: Sequence[int], k: int = 10) -> float:
    """nDCG@k of graded results in the order shown (gain 2^g - 1)."""
    ideal = sorted(grades_in_order, reverse=True)

    def dcg(grades: Sequence[int]) -> float:
        return sum((2.0**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))

    best = dcg(ideal)
    return dcg(grades_in_order) / best if best > 0 else 0.0


def mrr_at(grades_in_order: Sequence[int], k: int = 10) -> float:
    """Reciprocal rank of the first graded result within the top k (else 0)."""
    return next((1.0 / (i + 1) for i, g in enumerate(grades_in_order[:k]) if g > 0), 0.0)


#: Resamples of the held-out searches behind `Verdict.resampled_wins`; seeded, so a verdict repeats.
RESAMPLES = 1000


@dataclass(frozen=True)
class Verdict:
    """The current ranking and a trained model on the same held-out searches; `resampled_wins` is the share
    of bootstrap resamples of those searches in which the model would ship too (how sure the verdict is: a
    few hundred searches leave much to chance)."""

    searches: int
    current: dict[str, float]
    model: dict[str, float]
    min_gain: float
    resampled_wins: float = 0.0

    @property
    def shipped(self) -> bool:
        """The model ships only with a better position-weighted nDCG@10 (see `judge`), by at least
        `min_gain` (relative), on held-out searches; an equal one does not."""
        current, model = self.current["weighted_ndcg_at_10"], self.model["weighted_ndcg_at_10"]
        return self.searches > 0 and beats(model, current, self.min_gain)

    def as_dict(self) -> dict[str, Any]:
        return {"held_out_searches": self.searches, "current": self.current, "model": self.model,
                "min_gain": self.min_gain, "shipped": self.shipped,
                "resampled_wins": self.resampled_wins}  # fmt: skip


def beats(model: float, current: float, min_gain: float) -> bool:
    """Whether a model's figure beats the current ranking's: better, and by at least `min_gain` (relative)."""
    return model > current and model >= current * (1 + min_gain)


def judge(
    model: RankingModel, held_out: Sequence[RankingGroup], min_gain: float = 0.01, max_shift: int | None = None
) -> Verdict:
    """Compare the model's order with the current one (the rows' order) on `held_out` searches.

    The criterion is each search's nDCG@10, averaged with the search's `RankingGroup.weight`: one over how
    often shoppers look where its choice was shown (inverse propensity, self-normalized). The logged choices
    were made where the current ranking put the products, so a product it showed low was seldom looked at
    and seldom chosen, and a plain average counts that against any ranking that lifts it; in the fair
    benchmark it refused models that lifted liked products more than the current ranking on fresh searches.
    Each search's say is its nDCG, at most 1, times a capped weight: a purchase low on the page cannot
    outweigh many choices at the top. Plain nDCG@10 and MRR@10 are reported beside it.

    The model's order is the one it would give live: no product moves more than `max_shift` places from its
    place in the unpersonalized order (None: no limit), as `reranker.learned_reranker` keeps it."""
    useful = [g for g in held_out if g.useful]
    current = {"weighted_ndcg_at_10": 0.0, "ndcg_at_10": 0.0, "mrr_at_10": 0.0}
    learned = dict(current)
    weighted: list[tuple[float, float]] = []  # per search: the current order's and the model's weighted nDCG
    weights = [g.weight for g in useful]
    for group, weight in zip(useful, weights, strict=True):
        both = []
        for totals, ranked in ((current, range(len(group.grades))), (learned, model_order(model, group, max_shift))):
            grades = [group.grades[i] for i in ranked]
            ndcg = ndcg_at(grades)
            both.append(weight * ndcg)
            totals["weighted_ndcg_at_10"] += both[-1]
            totals["ndcg_at_10"] += ndcg
            totals["mrr_at_10"] += mrr_at(grades)
        weighted.append((both[0], both[1]))
    n, weight_sum = len(useful) or 1, sum(weights) or 1.0

    def means(totals: dict[str, float]) -> dict[str, float]:
        return {k: round(v / (weight_sum if k.startswith("weighted") else n), 4) for k, v in totals.items()}

    return Verdict(len(useful), means(current), means(learned), min_gain, resampled_wins(weighted, min_gain))


def resampled_wins(weighted: Sequence[tuple[float, float]], min_gain: float) -> float:
    """The share of bootstrap resamples of the searches (each its current and model weighted nDCG) in which
    the model `beats` the current order. The weights' sum is the same for both sides of a resample, so
    comparing sums compares the weighted means."""
    if not weighted:
        return 0.0
    pairs = np.asarray(weighted, dtype=np.float64)
    picks = np.random.default_rng(7).integers(0, len(pairs), size=(RESAMPLES, len(pairs)))
    sums = pairs[picks].sum(axis=1)  # per resample: (current, model)
    return round(sum(beats(float(m), float(c), min_gain) for c, m in sums) / RESAMPLES, 3)


def model_order(model: RankingModel, group: RankingGroup, max_shift: int | None) -> list[int]:
    """The group's rows in the model's order, none more than `max_shift` places from its unpersonalized one."""
    scores = model.scores(group.rows, group.base)
    if max_shift is None:
        return sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    unpersonalized = sorted(range(len(scores)), key=lambda i: -group.base[i])  # `base` falls with the place
    keys = [scores[i] for i in unpersonalized]
    order = constrained_order(keys, [None] * len(keys), max_shift, window=0, max_per_brand=len(keys))
    return [unpersonalized[i] for i in order]
