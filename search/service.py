"""The search service: hybrid retrieval in one round trip, fusion, spelling fallback, reranking, facets."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from opensearchpy import OpenSearch

from reranker.candidates import Candidate, KeepOrder, RerankContext, Reranker
from reranker.config_store import ConfigStore
from reranker.merchandising import (
    MerchConfig,
    Ranking,
    RulePlan,
    apply_boosts,
    apply_pins,
    category_path,
    plan_rules,
)
from reranker.profiles import Profile
from reranker.store import BehaviourStore
from search.errors import SearchFailed
from search.fusion import reciprocal_rank_fusion
from search.models import Facet, FacetValue, ScoreExplain, SearchItem, SearchResponse
from search.params import FACET_FIELDS, SearchParams, SortOrder
from search.query import (
    RuleClauses,
    build_page_body,
    build_search_body,
    build_semantic_body,
    product_filter_clause,
    with_features,
)
from search.query_vectors import QueryEmbedder
from search.spelling import VocabularyStore
from vindbaar.settings import Settings
from vindbaar.synonyms import SynonymRule, expand, parse_synonyms

#: OpenSearch highlight fragments per field.
Highlight = Mapping[str, list[str]]


@dataclass
class SearchEngine:
    """What a search needs, opened once by the app's lifespan."""

    client: OpenSearch
    settings: Settings
    embedder: QueryEmbedder
    vocabulary: VocabularyStore
    synonyms: list[SynonymRule] = field(default_factory=list)
    reranker: Reranker = field(default_factory=KeepOrder)
    behaviour: BehaviourStore | None = None
    config: ConfigStore | None = None
    _config_synonyms: dict[int, list[SynonymRule]] = field(default_factory=dict)

    def merchandising(self) -> tuple[int | None, MerchConfig]:
        """The live merchandising config and its version (None: never configured, the defaults)."""
        live = self.config.current() if self.config is not None else None
        if live is not None:
            return live.version, live.config
        defaults = Ranking(lexical_weight=self.settings.lexical_weight, semantic_weight=self.settings.semantic_weight,
                           personalization_strength=self.settings.personalization_strength)  # fmt: skip
        return None, MerchConfig(ranking=defaults)

    def synonyms_for(self, version: int | None, config: MerchConfig) -> list[SynonymRule]:
        """The built-in synonyms plus the config's (parsed once per version)."""
        if not config.synonyms:
            return self.synonyms
        key = -1 if version is None else version
        if key not in self._config_synonyms or version is None:
            self._config_synonyms[key] = self.synonyms + parse_synonyms("\n".join(config.synonyms), "config")
        return self._config_synonyms[key]


@dataclass
class _Plan:
    """How this one search runs: the config's weights, synonyms and the rules that hold."""

    config: MerchConfig
    synonyms: list[SynonymRule]
    rules: RulePlan
    clauses: RuleClauses


@dataclass
class _Retrieval:
    """The raw answers of one round trip."""

    lexical: dict[str, Any]
    semantic: dict[str, Any] | None
    taste: dict[str, Any] | None = None

    @property
    def lexical_total(self) -> int:
        return int(self.lexical["hits"]["total"]["value"])


def _retrieve(
    engine: SearchEngine, params: SearchParams, text: str, window: int, plan: _Plan, profile: Profile | None
) -> _Retrieval:
    index = engine.settings.index_alias
    timeout = engine.settings.search_timeout_s
    alternatives = expand(text, plan.synonyms) if text else []
    lexical_body = build_search_body(params, window, alternatives, text=text, rules=plan.clauses)
    if text and params.sort is SortOrder.relevance:
        # Fuzzy matching copes with typos, embeddings do not: the kNN side gets the spelling-corrected text,
        # and the first synonym (merchandisers add synonyms for words the model does not know).
        vector_text = engine.vocabulary.get().correct(text) or text
        if alternatives:
            vector_text = f"{vector_text} {alternatives[0]}"
        vector = engine.embedder.embed(vector_text)
        semantic_body = build_semantic_body(params, vector, window, plan.clauses)
        if profile is not None or plan.rules.boosts:
            lexical_body, semantic_body = with_features(lexical_body), with_features(semantic_body)
        body = [{"index": index}, lexical_body, {"index": index}, semantic_body]
        taste = profile.taste_vector() if profile is not None else None
        if taste is not None:
            # The taste neighbours within the same filters, in the same round trip: their scores give the
            # reranker each candidate's similarity to the shopper's taste (0 for those not among them).
            body += [{"index": index}, build_semantic_body(params, taste, window, plan.clauses)]
        answers = engine.client.msearch(body=body, request_timeout=timeout)["responses"]
        for answer in answers:
            if "error" in answer:
                raise SearchFailed(answer["error"])
        return _Retrieval(answers[0], answers[1], answers[2] if len(answers) > 2 else None)
    return _Retrieval(engine.client.search(index=index, body=lexical_body, request_timeout=timeout), None)


def search(engine: SearchEngine, params: SearchParams, draft: MerchConfig | None = None) -> SearchResponse:
    """Run `params` against the live index and return one page of results with facets.

    `draft` replaces the live merchandising config (the admin preview).
    """
    started = time.perf_counter()
    version, config = engine.merchandising()
    if draft is not None:
        version, config = None, draft
    if params.sort is None:
        params = params.model_copy(update={"sort": SortOrder(config.ranking.default_sort)})
    text = params.q.strip()
    window = max(engine.settings.fusion_window, params.offset + params.size)
    profile = None
    if text and engine.behaviour is not None and (params.user_id or params.session_id):
        profile = engine.behaviour.profile_for_search(params.user_id, params.session_id)
    rules = plan_rules(config, text, params.filters.category, datetime.now(UTC), returning=profile is not None)
    clauses = RuleClauses(tuple(product_filter_clause(f) for f in rules.filters),
                          tuple(product_filter_clause(h) for h in rules.hides))  # fmt: skip
    plan = _Plan(config, engine.synonyms_for(version, config), rules, clauses)
    retrieval = _retrieve(engine, params, text, window, plan, profile)
    corrected: str | None = None
    if text and params.correct and retrieval.lexical_total < engine.settings.correction_min_hits:
        suggestion = engine.vocabulary.get().correct(text)
        if suggestion is not None:
            retry = _retrieve(engine, params, suggestion, window, plan, profile)
            if retry.lexical_total > retrieval.lexical_total:
                retrieval, corrected = retry, suggestion
    effective = corrected or text
    lexical_hits = retrieval.lexical["hits"]["hits"]
    mode: Literal["hybrid", "lexical", "browse"] = "browse"
    if text:
        mode = "hybrid" if retrieval.semantic is not None else "lexical"
    if retrieval.semantic is not None:
        weights = {"lexical": config.ranking.lexical_weight, "semantic": config.ranking.semantic_weight}
        candidates = apply_boosts(_fuse(weights, lexical_hits, retrieval.semantic["hits"]["hits"]), rules)
        # Lucene's cosine score is (1 + cos) / 2.
        taste_hits = retrieval.taste["hits"]["hits"] if retrieval.taste else []
        taste = {str(h["_id"]): 2 * float(h["_score"]) - 1 for h in taste_hits}
        context = RerankContext(effective, params.user_id, params.session_id, params.locale, profile, taste,
                                config.ranking.personalization_strength)  # fmt: skip
        ranked = apply_pins(engine.reranker.rerank(candidates, context), rules)
        shown = ranked[params.offset : params.offset + params.size]
        page, highlights = _with_documents(engine, shown, params, effective, plan.clauses)
        # `total` counts what matches the words (as the facets do); with no word match, the semantic neighbours.
        total = retrieval.lexical_total or len(ranked)
    else:
        page = [_as_candidate(hit) for hit in lexical_hits]
        highlights = {str(hit["_id"]): hit["highlight"] for hit in lexical_hits if "highlight" in hit}
        total = retrieval.lexical_total
        if rules.pins or rules.boosts:
            # Sorted and browsed pages come ordered from OpenSearch: the shopper chose the order.
            rules.conflicts.append("pins and boosts apply to relevance-ranked searches only; not applied here")
    return SearchResponse(
        query_id=uuid.uuid4().hex,
        query=params.q,
        corrected_query=corrected,
        total=total,
        page=params.page,
        size=params.size,
        items=[_item(c, highlights.get(c.id), params.explain) for c in page],
        facets=parse_facets(retrieval.lexical.get("aggregations", {}), params),
        mode=mode,
        personalized=profile is not None and mode == "hybrid",
        banners=rules.banners,
        rules_applied=rules.applied,
        rule_conflicts=rules.conflicts,
        config_version=version,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
    )


def _fuse(
    weights: Mapping[str, float], lexical: Sequence[Mapping[str, Any]], semantic: Sequence[Mapping[str, Any]]
) -> list[Candidate]:
    fused = reciprocal_rank_fusion({"lexical": lexical, "semantic": semantic}, weights)
    return [
        Candidate(
            hit.id,
            {("brand" if key == "brand.keyword" else key): value for key, value in hit.source.items()},
            hit.score,
            {"lexical_rank": hit.ranks["lexical"], "semantic_rank": hit.ranks["semantic"], "fused_score": hit.score},
        )
        for hit in fused
    ]


def _with_documents(
    engine: SearchEngine, page: list[Candidate], params: SearchParams, text: str, rules: RuleClauses
) -> tuple[list[Candidate], dict[str, Highlight]]:
    """Fill in the page's stored fields and fetch its highlights (one request); products deleted meanwhile
    drop out."""
    if not page:
        return page, {}
    body = build_page_body([c.id for c in page], params, engine.vocabulary.get().correct(text) or text, rules)
    answer = engine.client.search(
        index=engine.settings.index_alias, body=body, request_timeout=engine.settings.search_timeout_s
    )
    found = {str(hit["_id"]): hit for hit in answer["hits"]["hits"]}
    filled: list[Candidate] = []
    for candidate in page:
        hit = found.get(candidate.id)
        if hit is not None:
            candidate.source = {**candidate.source, **hit["_source"]}
            filled.append(candidate)
    return filled, {doc_id: hit["highlight"] for doc_id, hit in found.items() if "highlight" in hit}


def _as_candidate(hit: Mapping[str, Any]) -> Candidate:
    score = float(hit.get("_score") or 0.0)
    return Candidate(str(hit["_id"]), dict(hit["_source"]), score, {})


def _item(candidate: Candidate, highlight: Highlight | None, explain: bool) -> SearchItem:
    source = candidate.source
    return SearchItem(
        id=candidate.id,
        title=source.get("title", ""),
        brand=source.get("brand"),
        price=source.get("price"),
        currency=source.get("currency"),
        image_url=source.get("image_url"),
        url=source.get("url"),
        category_path=source.get("category_path"),
        in_stock=source.get("in_stock"),
        score=round(candidate.score, 6),
        highlight={name: " … ".join(parts) for name, parts in highlight.items()} if highlight else None,
        explain=_explain(candidate) if explain else None,
    )


def _explain(candidate: Candidate) -> ScoreExplain:
    details = dict(candidate.explain)
    details.setdefault("lexical_rank", None)
    details.setdefault("semantic_rank", None)
    details.setdefault("fused_score", candidate.score)
    return ScoreExplain.model_validate(details)


def parse_facets(aggregations: Mapping[str, Any], params: SearchParams) -> list[Facet]:
    """Turn the disjunctive facet aggregations into facets, marking the values the shopper selected."""
    filters = params.filters
    selected: dict[str, set[str]] = {
        "brand": set(filters.brand),
        "category": {category_path(c) for c in filters.category},
        "in_stock": set() if filters.in_stock is None else {str(filters.in_stock).lower()},
        "attributes": {f"{n.lower()}={v.lower()}" for n, vs in filters.attributes.items() for v in vs},
    }
    facets: list[Facet] = []
    for name in params.facets:
        if name not in aggregations:
            continue
        buckets = list(aggregations[name]["values"]["buckets"])
        if name == "attributes":
            # A selected attribute is counted under all filters but its own (its own aggregation).
            own = {key.split(":", 1)[1] for key in aggregations if key.startswith("attributes:")}
            buckets = [b for b in buckets if str(b["key"]).split("=", 1)[0] not in own]
            for key in sorted(k for k in aggregations if k.startswith("attributes:")):
                buckets += aggregations[key]["values"]["buckets"]
        facets.append(Facet(name=name, values=[_facet_value(name, b, selected.get(name, set())) for b in buckets]))
    return facets


def _facet_value(name: str, bucket: Mapping[str, Any], selected: set[str]) -> FacetValue:
    if name == "price":
        return FacetValue(value=str(bucket["key"]), count=int(bucket["doc_count"]),
                          price_from=bucket.get("from"), price_to=bucket.get("to"))  # fmt: skip
    key = bucket.get("key_as_string", bucket["key"]) if FACET_FIELDS[name] == "in_stock" else bucket["key"]
    value = str(key).lower() if name == "in_stock" else str(key)
    return FacetValue(value=value, count=int(bucket["doc_count"]), selected=value in selected)


def rule_clauses(engine: SearchEngine, text: str) -> RuleClauses:
    """The live rules' filters and hidden products for `text` (autocomplete must respect them too)."""
    _, config = engine.merchandising()
    rules = plan_rules(config, text, [], datetime.now(UTC), returning=False)
    return RuleClauses(tuple(product_filter_clause(f) for f in rules.filters),
                       tuple(product_filter_clause(h) for h in rules.hides))  # fmt: skip
