"""The stages of one search, each a short function: plan → retrieve → rank → page → respond.

`search.service.search` runs them in order. Each takes what the stages before it produced and returns
a new value; only `retrieve` and `page` talk to OpenSearch.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from reranker.candidates import Candidate, RerankContext
from reranker.learned_reranker import LearnedReranker
from reranker.merchandising.config import MerchConfig
from reranker.merchandising.plan import RulePlan, apply_boosts, apply_pins, plan_rules
from reranker.merchandising.rules import RankingWeights
from reranker.profiles import Profile
from reranker.query_learning import LEARNING_PRIOR, apply_learned
from search.engine import Merchandising, SearchEngine
from search.experiment_arm import Arm, arm_for, interleave
from search.facets import parse_facets
from search.fusion import fuse_candidates
from search.head_cache import estimated_bytes, search_key
from search.params import SearchParams, SortOrder
from search.query import (
    RuleClauses,
    build_page_body,
    build_search_body,
    build_semantic_body,
    hit_id,
    with_features,
)
from search.results import ExperimentArm, Highlight, SearchResponse, search_item
from search.taste_similarity import TasteScores, taste_scores
from vindbaar.errors import SearchFailed
from vindbaar.synonyms import SynonymRule, expand


@dataclass(frozen=True)
class SearchPlan:
    """How this one search runs: its parameters, the config and rules that hold, who is searching."""

    params: SearchParams  # with the sort order resolved
    text: str
    correction: str | None  # the query with unknown words corrected (computed once per search)
    fuzzy: bool  # whether lexical matching forgives typos: not when every word is a known catalog word
    window: int
    merchandising: Merchandising
    synonyms: list[SynonymRule]
    profile: Profile | None
    rules: RulePlan
    clauses: RuleClauses
    cache_key: Hashable | None  # None: not cached (a draft preview, or the cache is off)
    query_id: str = ""
    arm: Arm | None = None  # the running experiment's arm this search is in
    features: bool = False  # fetch the doc values the ranking model reads (it ranks this search)

    @property
    def hybrid(self) -> bool:
        """Relevance-ranked text search: lexical and semantic lists fused (else OpenSearch orders the page)."""
        return bool(self.text) and self.params.sort is SortOrder.relevance

    @property
    def with_features(self) -> bool:
        """Whether the candidates need their doc values (for the reranker or for boost rules)."""
        return self.profile is not None or bool(self.rules.boosts) or self.features


def plan(engine: SearchEngine, params: SearchParams, draft: MerchConfig | None = None) -> SearchPlan:
    """Resolve the config (`draft` replaces the live one: the admin preview), the sort, the shopper's
    profile, the spelling correction and the rules that hold."""
    merchandising = engine.merchandising(draft)
    vocabulary = engine.vocabulary.get()
    if params.sort is None:
        params = params.model_copy(update={"sort": SortOrder(merchandising.config.ranking.default_sort)})
    text = params.q.strip()
    arm = None
    if draft is None:
        hybrid = bool(text) and params.sort is SortOrder.relevance
        merchandising, arm = arm_for(engine, params, merchandising, hybrid)
    profile = None
    if text and engine.behaviour is not None and (params.user_id or params.session_id):
        profile = engine.behaviour.profile_for_search(params.user_id, params.session_id)
    rules = plan_rules(merchandising.config, text, params.filters.category, datetime.now(UTC),
                       returning=profile is not None)  # fmt: skip
    planned = SearchPlan(
        params=params,
        text=text,
        correction=vocabulary.correct(text) if text else None,
        fuzzy=not vocabulary.knows_all(text),
        window=max(engine.settings.fusion_window, params.offset + params.size),
        merchandising=merchandising,
        synonyms=engine.synonyms_for(merchandising),
        profile=profile,
        rules=rules,
        clauses=RuleClauses.of(rules.filters, rules.hides),
        cache_key=None,
        query_id=uuid.uuid4().hex,
        arm=arm,
        features=merchandising.weights.learned_ranking and engine.ranker.get() is not None,
    )
    if draft is not None or not engine.head_cache.enabled:
        return planned
    key = search_key(params, planned.window if planned.hybrid else None, profile is not None,
                     merchandising.cache_version, engine.catalog.get())  # fmt: skip
    return replace(planned, cache_key=key)


@dataclass(frozen=True)
class Retrieval:
    """The raw answers: the lexical list (with facets); for hybrid searches the kNN list, and the candidates'
    fit to the shopper's taste (None: no taste counts)."""

    lexical: dict[str, Any]
    semantic: dict[str, Any] | None = None
    taste: TasteScores | None = None
    corrected: str | None = None  # set when the spelling-corrected query found more and was used

    @property
    def lexical_total(self) -> int:
        return int(self.lexical["hits"]["total"]["value"])


def _lexical_body(plan: SearchPlan, text: str, fuzzy: bool) -> dict[str, Any]:
    alternatives = expand(text, plan.synonyms)
    body = build_search_body(plan.params, plan.window, alternatives, text=text, rules=plan.clauses, fuzzy=fuzzy)
    return with_features(body) if plan.hybrid and plan.with_features else body


def retrieve(engine: SearchEngine, plan: SearchPlan) -> Retrieval:
    """The lexical and kNN lists from the head-query cache, or one round trip for them; a lexical retry with
    the corrected query when too little matched; then the candidates' similarity to the shopper's taste."""
    cached: Retrieval | None = None
    if plan.cache_key is not None:
        cached = engine.head_cache.get(("retrieval", plan.cache_key))
    if cached is None:
        cached = _retrieve(engine, plan)
        if plan.cache_key is not None:
            engine.head_cache.put(("retrieval", plan.cache_key), cached,
                                  estimated_bytes(cached.lexical, cached.semantic))  # fmt: skip
    return _with_taste(engine, plan, cached)


def _with_taste(engine: SearchEngine, plan: SearchPlan, retrieval: Retrieval) -> Retrieval:
    """`retrieval` with every candidate's fit to the shopper's taste, when the taste has earned a say (one
    more request, only then)."""
    if not plan.hybrid or plan.profile is None or retrieval.semantic is None:
        return retrieval
    lists = (retrieval.lexical["hits"]["hits"], retrieval.semantic["hits"]["hits"])
    ids = list(dict.fromkeys(hit_id(hit) for hits in lists for hit in hits))
    scores = taste_scores(engine.client, engine.names.products, ids, plan.profile, engine.embedder.dimension,
                          engine.settings.search_timeout_s)  # fmt: skip
    return retrieval if scores is None else replace(retrieval, taste=scores)


def _retrieve(engine: SearchEngine, plan: SearchPlan) -> Retrieval:
    """One round trip for the lexical and kNN lists; a lexical retry with the corrected query when too
    little matched (the kNN side already used the corrected text)."""
    index, timeout = engine.names.products, engine.settings.search_timeout_s
    lexical = _lexical_body(plan, plan.text, plan.fuzzy)
    if not plan.hybrid:
        retrieval = Retrieval(engine.client.search(index=index, body=lexical, request_timeout=timeout))
    else:
        # Fuzzy matching copes with typos, embeddings do not: the kNN side gets the spelling-corrected text,
        # and its first synonym (merchandisers add synonyms for words the model does not know).
        vector_text = plan.correction or plan.text
        alternatives = expand(vector_text, plan.synonyms)
        vector = engine.embedder.embed(f"{vector_text} {alternatives[0]}" if alternatives else vector_text)
        semantic = build_semantic_body(plan.params, vector, plan.window, plan.clauses)
        semantic = with_features(semantic) if plan.with_features else semantic
        body = [{"index": index}, lexical, {"index": index}, semantic]
        answers = engine.client.msearch(body=body, request_timeout=timeout)["responses"]
        for answer in answers:
            if "error" in answer:
                raise SearchFailed(answer["error"], answer.get("status"))
        retrieval = Retrieval(answers[0], answers[1])
    if (plan.text and plan.params.correct and plan.correction is not None
            and retrieval.lexical_total < engine.settings.correction_min_hits):  # fmt: skip
        retry = engine.client.search(
            index=index, body=_lexical_body(plan, plan.correction, fuzzy=True), request_timeout=timeout
        )
        if int(retry["hits"]["total"]["value"]) > retrieval.lexical_total:
            return Retrieval(retry, retrieval.semantic, corrected=plan.correction)
    return retrieval


def rank(engine: SearchEngine, plan: SearchPlan, retrieval: Retrieval) -> list[Candidate]:
    """Fuse the lists, apply boost rules, personalize, then put pinned products in their slots; in an
    interleaving test, do so under both variants' weights and mix the two rankings."""
    assert retrieval.semantic is not None, "rank() is for hybrid searches"
    if plan.arm is not None and plan.arm.interleave is not None:
        a, b = plan.arm.interleave
        mixed = interleave(_ranked(engine, plan, retrieval, a.weights), _ranked(engine, plan, retrieval, b.weights),
                           plan.query_id)  # fmt: skip
        return apply_pins(mixed, plan.rules)
    return apply_pins(_ranked(engine, plan, retrieval, plan.merchandising.weights), plan.rules)


def _ranked(engine: SearchEngine, plan: SearchPlan, retrieval: Retrieval, weights: RankingWeights) -> list[Candidate]:
    assert retrieval.semantic is not None
    candidates = fuse_candidates({"lexical": weights.lexical, "semantic": weights.semantic},
                       retrieval.lexical["hits"]["hits"], retrieval.semantic["hits"]["hits"])  # fmt: skip
    candidates = apply_learned(candidates, engine.learned.get().for_query(plan.text), weights.click_learning_strength,
                               LEARNING_PRIOR)  # fmt: skip
    taste = retrieval.taste or TasteScores()
    params = plan.params
    context = RerankContext(retrieval.corrected or plan.text, params.user_id, params.session_id, params.locale,
                            plan.profile, taste.fit, weights.personalization_strength,
                            engine.base_rates.get() if plan.profile is not None else {}, taste.words,
                            params.size)  # fmt: skip
    model = engine.ranker.get() if weights.learned_ranking else None
    if model is not None:
        # The model replaces the fusion weights and the personalization boost; boost rules still apply.
        return apply_boosts(LearnedReranker(model, engine.guard_rails).rerank(candidates, context), plan.rules)
    return engine.reranker.rerank(apply_boosts(candidates, plan.rules), context)


@dataclass(frozen=True)
class Page:
    """The results shown, their highlights and how many there are in all."""

    items: list[Candidate]
    highlights: dict[str, Highlight]
    total: int


def page(engine: SearchEngine, plan: SearchPlan, retrieval: Retrieval, ranked: list[Candidate] | None) -> Page:
    """The requested page: of `ranked` with its documents fetched (hybrid), or as OpenSearch sorted it."""
    if ranked is None:
        hits = retrieval.lexical["hits"]["hits"]
        return Page([Candidate(str(h["_id"]), dict(h["_source"]), float(h.get("_score") or 0.0), {}) for h in hits],
                    {str(h["_id"]): h["highlight"] for h in hits if "highlight" in h},
                    retrieval.lexical_total)  # fmt: skip
    shown = ranked[plan.params.offset : plan.params.offset + plan.params.size]
    items, highlights = _with_documents(engine, shown, plan)
    # `total` counts what matches the words (as the facets do); with no word match, the semantic neighbours.
    return Page(items, highlights, retrieval.lexical_total or len(ranked))


def _with_documents(
    engine: SearchEngine, shown: list[Candidate], plan: SearchPlan
) -> tuple[list[Candidate], dict[str, Highlight]]:
    """Fill in the page's stored fields and fetch its highlights (one request); products deleted meanwhile
    drop out."""
    if not shown:
        return shown, {}
    ids = tuple(c.id for c in shown)
    key = ("page", plan.cache_key, ids) if plan.cache_key is not None else None
    answer = engine.head_cache.get(key) if key is not None else None
    if answer is None:
        body = build_page_body(ids, plan.params, plan.correction or plan.text, plan.clauses)
        answer = engine.client.search(index=engine.names.products, body=body,
                                      request_timeout=engine.settings.search_timeout_s)  # fmt: skip
        if key is not None:
            engine.head_cache.put(key, answer, estimated_bytes(answer))
    found = {str(hit["_id"]): hit for hit in answer["hits"]["hits"]}
    filled: list[Candidate] = []
    for candidate in shown:
        hit = found.get(candidate.id)
        if hit is not None:
            candidate.source = {**candidate.source, **hit["_source"]}
            filled.append(candidate)
    return filled, {doc_id: hit["highlight"] for doc_id, hit in found.items() if "highlight" in hit}


def respond(plan: SearchPlan, retrieval: Retrieval, result: Page, took_ms: float) -> SearchResponse:
    """The response: items, facets, what the rules did, and how the search ran."""
    params, rules = plan.params, plan.rules
    mode: Literal["hybrid", "lexical", "browse"] = "browse"
    if plan.text:
        mode = "hybrid" if retrieval.semantic is not None else "lexical"
    conflicts = list(rules.conflicts)
    if mode != "hybrid" and (rules.pins or rules.boosts):
        # Sorted and browsed pages come ordered from OpenSearch: the shopper chose the order.
        conflicts.append("pins and boosts apply to relevance-ranked searches only; not applied here")
    return SearchResponse(
        query_id=plan.query_id,
        query=params.q,
        corrected_query=retrieval.corrected,
        total=result.total,
        page=params.page,
        size=params.size,
        items=[search_item(c, result.highlights.get(c.id), params.explain) for c in result.items],
        facets=parse_facets(retrieval.lexical.get("aggregations", {}), params),
        mode=mode,
        personalized=plan.profile is not None and mode == "hybrid",
        banners=rules.banners,
        rules_applied=rules.applied,
        rule_conflicts=conflicts,
        config_version=plan.merchandising.version,
        experiment=ExperimentArm(id=plan.arm.experiment, variant=plan.arm.variant) if plan.arm else None,
        took_ms=took_ms,
    )
