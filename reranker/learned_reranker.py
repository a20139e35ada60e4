"""The learned ranking in place of the hand-set one: the model orders the fused candidates, within the
same guard rails as the hand-set boost (how far one may move, brands in the top, a clear answer kept)."""

from __future__ import annotations

import math

from reranker.candidates import Candidate, RerankContext
from reranker.personalization import (
    Leanings,
    PersonalizationConfig,
    constrained_order,
    has_clear_answer,
    price_fits,
)
from reranker.ranking_model import RankingModel, base_score, candidate_features
from vindbaar import schema

#: New scores are ``1 / (K + rank)``, the scale of the fused score that boost rules multiply (K as in RRF).
RANK_SCORE_K = 60


class LearnedReranker:
    """Reranks with a trained model; the profile's parts are features, not fixed weights."""

    def __init__(self, model: RankingModel, config: PersonalizationConfig | None = None) -> None:
        self.model = model
        self.config = config or PersonalizationConfig()

    def rerank(self, candidates: list[Candidate], context: RerankContext) -> list[Candidate]:
        """Return `candidates` in the model's order; each score becomes a fused-scale score of its new rank,
        so that boost rules applied afterwards weigh as much as on the hand-set ranking."""
        if not candidates:
            return candidates
        profile = context.profile if context.profile is not None and not context.profile.is_empty else None
        leanings = Leanings(profile, context.base_rates) if profile is not None else None
        prices = price_fits(candidates, profile, context.shown)
        taste = context.taste_fit
        rows = [candidate_features(c, leanings, taste.get(c.id), prices.get(c.id)) for c in candidates]
        # `candidates` come in the unpersonalized order (fused, click lifts applied): where each starts.
        scores = self.model.scores(rows, [base_score(n) for n in range(len(candidates))])
        keys = list(scores)
        if has_clear_answer(candidates):
            keys[0] = math.inf
        brands = [schema.single(c.source.get(schema.BRAND)) for c in candidates]
        config = self.config
        order = constrained_order(keys, brands, config.max_shift, config.diversity_window, config.max_per_brand)
        ranked: list[Candidate] = []
        for new_rank, index in enumerate(order, start=1):
            candidate = candidates[index]
            candidate.explain["learned_model"] = {"score": round(scores[index], 4), "base_rank": index + 1,
                                                  "rank": new_rank}  # fmt: skip
            candidate.score = 1.0 / (RANK_SCORE_K + new_rank)
            ranked.append(candidate)
        return ranked
