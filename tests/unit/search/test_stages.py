"""The stages of a search, one at a time, on hand-made inputs (no OpenSearch: `retrieve` and the page fetch
of hybrid searches are covered by the integration tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reranker.candidates import Candidate, RerankContext
from reranker.merchandising.config import MerchConfig
from reranker.query_learning import LearnedProduct
from search import stages
from search.autocomplete import AutocompleteIndex
from search.engine import SearchEngine
from search.generation import NO_CATALOG
from search.head_cache import HeadCache
from search.learned_ranking import LearnedRanking
from search.params import SearchParams, SortOrder
from search.spelling import Vocabulary
from vindbaar.refreshing import Refreshing
from vindbaar.settings import Settings


class CountingVocabulary(Vocabulary):
    """A real vocabulary that counts how often a query is corrected."""

    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__(counts)
        self.corrections = 0

    def correct(self, query: str) -> str | None:
        self.corrections += 1
        return super().correct(query)


@dataclass
class RecordingReranker:
    """Keeps the order and remembers the context it was given."""

    contexts: list[RerankContext] = field(default_factory=list)

    def rerank(self, candidates: list[Candidate], context: RerankContext) -> list[Candidate]:
        self.contexts.append(context)
        return candidates


def _engine(**settings: Any) -> tuple[SearchEngine, CountingVocabulary, RecordingReranker]:
    vocabulary = CountingVocabulary({"headphones": 30, "sony": 10})
    reranker = RecordingReranker()
    engine = SearchEngine(
        client=None,  # type: ignore[arg-type]  # these stages never reach OpenSearch
        settings=Settings(opensearch_url="http://127.0.0.1:1", **settings),
        embedder=None,  # type: ignore[arg-type]
        catalog=Refreshing("catalog generation", lambda: NO_CATALOG, 60),
        vocabulary=Refreshing("spelling vocabulary", lambda: vocabulary, 60),
        autocomplete=Refreshing("autocomplete index", lambda: AutocompleteIndex([], []), 60),
        head_cache=HeadCache(0),
        learned=Refreshing("learned ranking", LearnedRanking, 60),
        ranker=Refreshing("ranking model", lambda: None, 60),
        base_rates=Refreshing("base rates", dict, 60),
        reranker=reranker,
    )
    return engine, vocabulary, reranker


def _hits(*ids: str, total: int | None = None) -> dict[str, Any]:
    hits = [{"_id": i, "_score": 1.0 / (n + 1), "_source": {"id": i, "title": f"title {i}"}} for n, i in enumerate(ids)]
    return {"hits": {"total": {"value": len(ids) if total is None else total}, "hits": hits}}


def test_plan_resolves_sort_window_rules_and_corrects_the_query_once() -> None:
    engine, vocabulary, _ = _engine(fusion_window=50)
    draft = MerchConfig.model_validate({
        "ranking": {"default_sort": "price_asc"},
        "rules": [{"id": "only-sony", "filter": {"brand": ["Sony"]}}, {"id": "no-b", "hide": {"ids": ["b"]}}],
    })  # fmt: skip
    plan = stages.plan(engine, SearchParams(q=" hedfones ", page=4, size=20), draft)
    assert plan.params.sort is SortOrder.price_asc and not plan.hybrid
    assert (plan.text, plan.correction) == ("hedfones", "headphones")
    assert vocabulary.corrections == 1
    assert plan.window == 80  # page 4 of 20 lies beyond the fusion window of 50
    assert plan.rules.applied == ["only-sony", "no-b"]
    assert plan.clauses.filters == ({"bool": {"filter": [{"terms": {"brand.keyword": ["Sony"]}}]}},)
    assert plan.clauses.hidden == ({"bool": {"filter": [{"ids": {"values": ["b"]}}]}},)
    assert plan.profile is None  # no behaviour store, no shopper


def test_typo_tolerance_only_when_a_word_is_not_a_catalog_word() -> None:
    engine, _, _ = _engine()
    assert stages.plan(engine, SearchParams(q="Sony headphones")).fuzzy is False
    assert stages.plan(engine, SearchParams(q="sony hedfones")).fuzzy is True


def test_an_empty_query_is_not_corrected() -> None:
    engine, vocabulary, _ = _engine()
    plan = stages.plan(engine, SearchParams(q=""))
    assert plan.correction is None and vocabulary.corrections == 0


def test_the_merchandisers_weights_override_the_settings_field_by_field() -> None:
    engine, _, _ = _engine(lexical_weight=1.0, semantic_weight=0.5, personalization_strength=0.2)
    weights = stages.plan(engine, SearchParams(q="x")).merchandising.weights
    assert (weights.lexical, weights.semantic, weights.personalization_strength) == (1.0, 0.5, 0.2)
    draft = MerchConfig.model_validate({"ranking": {"semantic_weight": 2.0, "event_weights": {"click": 4.0}}})
    weights = stages.plan(engine, SearchParams(q="x"), draft).merchandising.weights
    assert (weights.lexical, weights.semantic, weights.personalization_strength) == (1.0, 2.0, 0.2)
    assert weights.event_weights["click"] == 4.0 and weights.event_weights["purchase"] == 5.0


def test_rank_fuses_boosts_reranks_and_pins_in_that_order() -> None:
    engine, _, reranker = _engine(personalization_strength=0.4)
    draft = MerchConfig.model_validate({"rules": [
        {"id": "boost-c", "boosts": [{"filter": {"ids": ["c"]}, "factor": 10}]},
        {"id": "pin-z", "pins": [{"product_id": "z", "position": 2}]},
    ]})  # fmt: skip
    plan = stages.plan(engine, SearchParams(q="sony"), draft)
    retrieval = stages.Retrieval(lexical=_hits("a", "b", "c"), semantic=_hits("b", "a", "d"))
    ranked = stages.rank(engine, plan, retrieval)
    assert [c.id for c in ranked] == ["c", "z", "a", "b", "d"]
    assert ranked[0].explain["rules"] == [{"rule": "boost-c", "factor": 10}]
    assert ranked[1].explain["pinned"] == {"rule": "pin-z", "position": 2}
    assert ranked[2].explain["lexical_rank"] == 1 and ranked[2].explain["semantic_rank"] == 2
    (context,) = reranker.contexts
    assert context.strength == 0.4 and context.query == "sony"


def test_what_a_querys_shoppers_chose_rises_for_that_query_and_rules_still_win() -> None:
    engine, _, _ = _engine(click_learning_strength=1.0)
    chosen = {"d": LearnedProduct(evidence=20.0, searches=8)}
    engine.learned.set(LearnedRanking({"sony headphones": chosen}))
    retrieval = stages.Retrieval(lexical=_hits("a", "b", "c", "d"), semantic=_hits("b", "a", "c", "d"))
    ranked = stages.rank(engine, stages.plan(engine, SearchParams(q=" Sony  Headphones")), retrieval)
    assert ranked[0].id == "d"
    assert ranked[0].explain["learned"] == {"factor": 1.8, "searches": 8, "evidence": 20.0}
    other = stages.rank(engine, stages.plan(engine, SearchParams(q="sony")), retrieval)
    assert [c.id for c in other][-1] == "d"  # another query learned nothing
    pinned = MerchConfig.model_validate({"rules": [{"id": "pin-a", "pins": [{"product_id": "a", "position": 1}]}]})
    ranked = stages.rank(engine, stages.plan(engine, SearchParams(q="sony headphones"), pinned), retrieval)
    assert [c.id for c in ranked][:2] == ["a", "d"]
    off = MerchConfig.model_validate({"ranking": {"click_learning_strength": 0}})
    ranked = stages.rank(engine, stages.plan(engine, SearchParams(q="sony headphones"), off), retrieval)
    assert "learned" not in ranked[0].explain and [c.id for c in ranked][-1] == "d"


def test_a_sorted_page_comes_as_opensearch_ordered_it_and_says_pins_did_not_apply() -> None:
    engine, _, _ = _engine()
    draft = MerchConfig.model_validate({"rules": [{"id": "pin", "pins": [{"product_id": "z", "position": 1}]}]})
    plan = stages.plan(engine, SearchParams(q="hedfones", sort=SortOrder.price_desc, facets=[]), draft)
    lexical = _hits("b", "a", total=42)
    lexical["hits"]["hits"][0]["highlight"] = {"title": ["<em>b</em>"]}
    retrieval = stages.Retrieval(lexical=lexical, corrected="headphones")
    result = stages.page(engine, plan, retrieval, ranked=None)
    assert [c.id for c in result.items] == ["b", "a"] and result.total == 42
    response = stages.respond(plan, retrieval, result, took_ms=1.5)
    assert response.mode == "lexical" and response.corrected_query == "headphones"
    assert response.items[0].highlight == {"title": "<em>b</em>"}
    assert response.rules_applied == ["pin"]
    assert response.rule_conflicts == ["pins and boosts apply to relevance-ranked searches only; not applied here"]
