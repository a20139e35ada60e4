"""Training the ranking model from the search log, and the gate it must pass to ship.

Each logged search that something came of becomes a training group:

- its query is replayed (unpersonalized retrieval and fusion, as now) for the candidates and their
  features; the query-level click lift comes from the *training* searches only, so held-out searches
  never see their own clicks;
- the shopper's profile is rebuilt as it was just before the search, from what they chose in their
  earlier logged searches (same weights and half-life as live profiles), so their choices in this very
  search are not features of it;
- the candidates are put in the order the current (hand-set) ranking gives that shopper; that order is
  what the model must beat;
- each graded product's weight is one over how often shoppers look where it was shown (the position bias
  click learning corrects for, `reranker.query_learning.click_weight`).

The latest `holdout` share of searches (by time) is held out; the model ships only when its nDCG@10 on
them, each search weighted by where its choice was shown (`reranker.ranking_model.judge`), beats the
current order's by `min_gain` (relative).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from indexer.derived_indices import replace_derived_index
from reranker.candidates import PAGE, Candidate, RerankContext
from reranker.personalization import Leanings, PersonalizedReranker, price_fits
from reranker.profiles import ProductFeatures, Profile
from reranker.query_learning import LEARNING_PRIOR, LearningConfig, LoggedOutcome, apply_learned, click_weight, learn
from reranker.ranking_model import (
    GRADES,
    RankingGroup,
    RankingModel,
    Verdict,
    base_score,
    candidate_features,
    judge,
    train,
)
from search import stages
from search.engine import SearchEngine
from search.fusion import fuse_candidates
from search.known_items import keeps_known_items, known_item_verdict
from search.learned_ranking import learning_config, logged_outcomes, outcome_of
from search.params import SearchParams
from search.taste_similarity import taste_scores
from vindbaar import schema

log = logging.getLogger(__name__)

#: Candidates per search the model learns to order (the top of the fused list; it reorders no further).
CANDIDATES = 50
#: Besides the outcome: who searched, and their words as typed (replayed as they were).
_WHO = ("user_query", "user_id", "session_id")


@dataclass(frozen=True)
class LoggedSearch:
    """One logged search with its outcome and who made it."""

    text: str
    subject: str | None
    outcome: LoggedOutcome


@dataclass(frozen=True)
class TrainingReport:
    """What a training run saw and decided."""

    searches: int
    train_groups: int
    verdict: Verdict | None
    index: str | None  # the index the shipped model was published in
    known_items: Verdict | None = None  # on searches for sampled products by title (judged if it won)
    model: RankingModel | None = None  # the model this run trained, shipped or not (None: nothing trained)

    def as_dict(self) -> dict[str, Any]:
        return {"logged_searches": self.searches, "train_groups": self.train_groups,
                "verdict": self.verdict.as_dict() if self.verdict else None,
                "known_items": self.known_items.as_dict() if self.known_items else None,
                "shipped": self.index is not None, "index": self.index}  # fmt: skip


def logged_searches(engine: SearchEngine, since: datetime) -> list[LoggedSearch]:
    """Searches since `since` that something came of, oldest first."""
    found: list[LoggedSearch] = []
    for s in logged_outcomes(engine.client, engine.names, since, _WHO):
        subject = f"user:{s['user_id']}" if s.get("user_id") else (
            f"session:{s['session_id']}" if s.get("session_id") else None)  # fmt: skip
        found.append(LoggedSearch(s.get("user_query") or s["normalized_query"], subject, outcome_of(s)))
    return sorted(found, key=lambda s: s.outcome.timestamp)


def train_ranking_model(engine: SearchEngine, publish: bool = True, since: datetime | None = None) -> TrainingReport:
    """Train on the log (searches since `since`, default the last ``ranking_model_days``), judge on held-out
    searches, publish the model behind the ranker alias if it wins."""
    settings = engine.settings
    now = datetime.now(UTC)
    searches = logged_searches(engine, since or now - timedelta(days=settings.ranking_model_days))
    if len(searches) < settings.ranking_model_min_searches:
        # A new shop's first minutes of log: a handful of held-out searches would let a model win by chance.
        log.info("ranking model: %d logged searches, %d needed", len(searches), settings.ranking_model_min_searches)
        return TrainingReport(len(searches), 0, None, None)
    cut = int(len(searches) * (1 - settings.ranking_model_holdout))
    lifts = learn((s.outcome for s in searches[:cut]), now, learning_config(settings))
    groups = _groups(engine, searches, lifts)
    train_groups = [g for i, g in groups if i < cut and g.useful]
    held_out = [g for i, g in groups if i >= cut and g.useful]
    if not train_groups or not held_out:
        log.info("ranking model: too few logged searches (%d to train, %d held out)", len(train_groups),
                 len(held_out))  # fmt: skip
        return TrainingReport(len(searches), len(train_groups), None, None)
    model = train(train_groups)
    verdict = judge(model, held_out, settings.ranking_model_min_gain, engine.guard_rails.max_shift)
    known = known_item_verdict(engine, model, replay, lifts) if verdict.shipped else None
    index = None
    if verdict.shipped and known is not None and keeps_known_items(known) and publish:
        document = {"trained_at": now.isoformat(), "features": list(model.features), "model": {"text": model.text},
                    "report": {"train_groups": len(train_groups), **verdict.as_dict(),
                               "known_items": known.as_dict()}}  # fmt: skip
        index = replace_derived_index(engine.client, engine.names.ranker, "ranker", lambda: [document]).index
    log.info("ranking model: %s; on searches by name: %s", verdict.as_dict(), known and known.as_dict())
    return TrainingReport(len(searches), len(train_groups), verdict, index, known, model)


def _groups(
    engine: SearchEngine, searches: Sequence[LoggedSearch], lifts: Mapping[str, Mapping[str, Any]]
) -> list[tuple[int, RankingGroup]]:
    """Each search's group (with its position in `searches`), profiles rebuilt as the searches go by."""
    weights = engine.merchandising().weights
    config = learning_config(engine.settings)  # how often shoppers look at each rank (position bias)
    # The chosen products, and what they were chosen among (the taste learns from the contrast).
    products = _product_features(engine, {p for s in searches for p in (*_chosen(s.outcome), *s.outcome.shown)})
    half_life_s = engine.settings.event_half_life_days * 86400
    profiles: dict[str, Profile] = {}
    replayed: dict[str, list[Candidate]] = {}
    reranker = PersonalizedReranker(engine.guard_rails)
    rates = engine.base_rates.get()
    groups: list[tuple[int, RankingGroup]] = []
    for number, logged in enumerate(searches):
        outcome = logged.outcome
        if logged.text not in replayed:
            replayed[logged.text] = replay(engine, logged.text, lifts.get(outcome.query, {}))
        fused = replayed[logged.text]
        profile = profiles.get(logged.subject) if logged.subject else None
        before = copy.deepcopy(profile) if profile is not None else None
        taste = _taste_fit(engine, fused, before)
        candidates = [Candidate(c.id, c.source, c.score, dict(c.explain)) for c in fused]
        context = RerankContext(logged.text, profile=before, taste_fit=taste, strength=weights.personalization_strength,
                                base_rates=rates, shown=len(outcome.shown) or PAGE)  # fmt: skip
        current = reranker.rerank(candidates, context)
        place = {c.id: n for n, c in enumerate(fused)}
        grades = {p: GRADES["click"] for p in outcome.clicked}
        grades.update({p: GRADES["add_to_cart"] for p in outcome.carted})
        grades.update({p: GRADES["purchase"] for p in outcome.purchased})
        leanings = Leanings(before, rates) if before is not None else None
        prices = price_fits(fused, before, context.shown)  # the unpersonalized order, as a live search has it
        rows = [candidate_features(c, leanings, taste.get(c.id), prices.get(c.id)) for c in current]
        base = [base_score(place[c.id]) for c in current]
        ips = seen_weights(outcome, [c.id for c in current], config)
        groups.append((number, RankingGroup(rows, base, [grades.get(c.id, 0) for c in current], ips)))
        if logged.subject:
            profile = profiles.setdefault(logged.subject, Profile(logged.subject, outcome.timestamp))
            _learn(profile, str(number), outcome, products, weights.event_weights, half_life_s)
    return groups


def seen_weights(outcome: LoggedOutcome, ids: Sequence[str], config: LearningConfig) -> list[float]:
    """Each of `ids`' weight when judging: one over how often shoppers look where the logged search showed
    it (its rank on the whole list, the page's offset included), as click learning counts a click; 1 for a
    product it did not show (chosen elsewhere, as from a recommendation: no position to correct for)."""
    seen = {p: outcome.offset + n for n, p in enumerate(outcome.shown, start=1)}
    return [click_weight(seen[pid], config) if pid in seen else 1.0 for pid in ids]


def replay(engine: SearchEngine, text: str, lifts: Mapping[str, Any]) -> list[Candidate]:
    """The query's fused candidates (click lifts applied) as an anonymous shopper gets them, with the doc
    values the ranking model reads."""
    params = SearchParams(q=text, size=CANDIDATES, facets=[], highlight=False)
    plan = replace(stages.plan(engine, params), cache_key=None, features=True, profile=None)
    retrieval = stages.retrieve(engine, plan)
    if retrieval.semantic is None:
        return []
    weights = plan.merchandising.weights
    fused = fuse_candidates({"lexical": weights.lexical, "semantic": weights.semantic},
                            retrieval.lexical["hits"]["hits"], retrieval.semantic["hits"]["hits"])  # fmt: skip
    return apply_learned(fused, lifts, weights.click_learning_strength, LEARNING_PRIOR)[:CANDIDATES]


def _taste_fit(engine: SearchEngine, candidates: Sequence[Candidate], profile: Profile | None) -> dict[str, float]:
    """As a live search gets it: each candidate's fit to the shopper's taste, if the taste counts yet."""
    ids = [c.id for c in candidates]
    scores = taste_scores(engine.client, engine.names.products, ids, profile, engine.embedder.dimension, 30.0)
    return dict(scores.fit) if scores is not None else {}


def _chosen(outcome: LoggedOutcome) -> list[str]:
    return [*outcome.clicked, *outcome.carted, *outcome.purchased]


def _product_features(engine: SearchEngine, ids: set[str]) -> dict[str, ProductFeatures]:
    found: dict[str, ProductFeatures] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        docs = engine.client.mget(index=engine.names.products, body={"ids": ordered[start : start + 500]},
                                  _source_includes=list(schema.PROFILE_FIELDS), request_timeout=60)["docs"]  # fmt: skip
        found.update({d["_id"]: ProductFeatures.from_source(d["_id"], d["_source"]) for d in docs if d.get("found")})
    return found


def _learn(
    profile: Profile,
    search: str,
    outcome: LoggedOutcome,
    products: Mapping[str, ProductFeatures],
    event_weights: Mapping[str, float],
    half_life_s: float,
) -> None:
    """What a search's outcome (`search`: a key unique to it in this replay) teaches its shopper's profile
    (as the live events would)."""
    shown = [products[p] for p in outcome.shown if p in products]
    for kind, ids in (("click", outcome.clicked), ("add_to_cart", outcome.carted), ("purchase", outcome.purchased)):
        for product_id in ids:
            if product_id in products:
                context = shown if product_id in outcome.shown else []
                profile.add(products[product_id], event_weights.get(kind, 0.0), outcome.timestamp, half_life_s,
                            context, search)  # fmt: skip
