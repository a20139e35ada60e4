"""The search engine: what a search needs, opened once (by the app's lifespan, the demo, a benchmark)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from opensearchpy import OpenSearch

from reranker.behaviour.config import BehaviourConfig
from reranker.behaviour.store import BehaviourStore
from reranker.candidates import KeepOrder, Reranker
from reranker.merchandising.config import MerchConfig
from reranker.merchandising.config_store import ConfigStore
from reranker.merchandising.experiments import Variant
from reranker.merchandising.rules import RankingWeights
from reranker.personalization import PersonalizationConfig, PersonalizedReranker
from reranker.ranking_model import RankingModel
from search.autocomplete import AutocompleteIndex, load_autocomplete
from search.base_rates import load_base_rates
from search.generation import Generation, read_generation
from search.head_cache import HeadCache
from search.learned_ranking import LearnedRanking, load_learned
from search.query_embedder import QueryEmbedder
from search.ranking_model_store import load_ranking_model
from search.spelling import Vocabulary
from vindbaar.embedder import Embedder
from vindbaar.index_names import IndexNames
from vindbaar.refreshing import Refreshing
from vindbaar.settings import Settings
from vindbaar.synonyms import SynonymRule, load_synonyms, parse_synonyms


@dataclass(frozen=True)
class Merchandising:
    """The merchandising config a search runs under, and the ranking weights in effect with it."""

    version: int | None  # None: never configured (or a draft in preview)
    config: MerchConfig
    weights: RankingWeights
    variant: str | None = None  # the A/B variant the config is changed by

    def with_variant(self, variant: Variant, settings: Settings) -> Merchandising:
        """This config as an experiment's `variant` changes it."""
        config = self.config.with_variant(variant)
        return Merchandising(self.version, config, config.weights(settings), variant.name)

    @property
    def cache_version(self) -> tuple[int | None, str | None]:
        """What of the config a cached answer depends on."""
        return self.version, self.variant


@dataclass
class SearchEngine:
    """What a search needs: the client, the query embedder, what each worker keeps of the catalog
    (generation, vocabulary, autocomplete index, head-query cache), synonyms and the reranker's parts."""

    client: OpenSearch
    settings: Settings
    embedder: QueryEmbedder
    catalog: Refreshing[Generation]
    vocabulary: Refreshing[Vocabulary]
    autocomplete: Refreshing[AutocompleteIndex]
    head_cache: HeadCache
    learned: Refreshing[LearnedRanking]
    ranker: Refreshing[RankingModel | None]
    base_rates: Refreshing[dict[str, dict[str, float]]]
    synonyms: list[SynonymRule] = field(default_factory=list)
    reranker: Reranker = field(default_factory=KeepOrder)
    guard_rails: PersonalizationConfig = field(default_factory=PersonalizationConfig)
    behaviour: BehaviourStore | None = None
    config: ConfigStore | None = None
    _config_synonyms: dict[int, list[SynonymRule]] = field(default_factory=dict)

    @property
    def names(self) -> IndexNames:
        """The indices of the shop this engine searches."""
        return IndexNames(self.settings.index_alias)

    def merchandising(self, draft: MerchConfig | None = None) -> Merchandising:
        """The live merchandising config (or `draft`, for a preview) with the weights in effect."""
        if draft is not None:
            version, config = None, draft
        else:
            live = self.config.current() if self.config is not None else None
            version, config = (live.version, live.config) if live is not None else (None, MerchConfig())
        return Merchandising(version, config, config.weights(self.settings))

    def synonyms_for(self, merchandising: Merchandising) -> list[SynonymRule]:
        """The built-in synonyms plus the config's (parsed once per stored version)."""
        version, config = merchandising.version, merchandising.config
        if not config.synonyms:
            return self.synonyms
        if version is None:
            return self.synonyms + parse_synonyms("\n".join(config.synonyms), "config")
        if version not in self._config_synonyms:
            self._config_synonyms[version] = self.synonyms + parse_synonyms("\n".join(config.synonyms), "config")
        return self._config_synonyms[version]

    def catalog_changed(self) -> None:
        """This worker wrote to the catalog (already visible to search): drop what it cached, at once."""
        self.catalog.reload()

    def missing_products(self, ids: Sequence[str]) -> set[str]:
        """Which of `ids` are not in the live catalog."""
        if not ids:
            return set()
        docs = self.client.mget(index=self.names.products, body={"ids": list(ids)}, _source=False)["docs"]
        return set(ids) - {d["_id"] for d in docs if d.get("found")}


def build_engine(
    settings: Settings, client: OpenSearch, embedder: Embedder, synonyms: list[SynonymRule] | None = None
) -> SearchEngine:
    """Everything a search needs, wired from the settings (the app, the demo and the benchmarks use it).

    `synonyms` defaults to the file of ``VINDBAAR_SYNONYMS_PATH`` (or the built-in one).
    """
    names = IndexNames(settings.index_alias)
    timeout = settings.opensearch_timeout_s
    vocabulary = Refreshing(
        "spelling vocabulary", lambda: Vocabulary.load(client, names), settings.vocabulary_refresh_s
    )
    autocomplete = Refreshing(
        "autocomplete index",
        lambda: load_autocomplete(client, names, settings.autocomplete_max_products, timeout),
        settings.vocabulary_refresh_s,
    )
    head_cache = HeadCache(settings.head_cache_mb * 1024 * 1024)
    learned = Refreshing("learned ranking", lambda: load_learned(client, names, timeout), settings.vocabulary_refresh_s)
    ranker = Refreshing("ranking model", lambda: load_ranking_model(client, names, timeout),
                        settings.vocabulary_refresh_s)  # fmt: skip
    rates = Refreshing("base rates", lambda: load_base_rates(client, names, timeout), settings.vocabulary_refresh_s)
    guard_rails = PersonalizationConfig(max_shift=settings.personalization_max_shift,
                                        max_per_brand=settings.personalization_max_per_brand,
                                        demote_purchased=settings.demote_purchased)  # fmt: skip

    def changed(old: Generation, new: Generation) -> None:
        head_cache.clear()  # old keys are never asked for again: free their memory now
        autocomplete.reload_in_background()
        rates.reload_in_background()
        if new.suggestions != old.suggestions:
            vocabulary.reload_in_background()
        if new.learned != old.learned:
            learned.reload_in_background()
        if new.ranker != old.ranker:
            ranker.reload_in_background()

    return SearchEngine(
        client=client,
        settings=settings,
        embedder=QueryEmbedder(embedder, settings.query_embedding_cache_size),
        catalog=Refreshing(
            "catalog generation",
            lambda: read_generation(client, names, settings.search_timeout_s),
            settings.catalog_check_s,
            on_change=changed,
        ),
        vocabulary=vocabulary,
        autocomplete=autocomplete,
        head_cache=head_cache,
        learned=learned,
        ranker=ranker,
        base_rates=rates,
        synonyms=load_synonyms(settings.synonyms_path) if synonyms is None else synonyms,
        reranker=PersonalizedReranker(guard_rails),
        guard_rails=guard_rails,
        behaviour=BehaviourStore(client, BehaviourConfig.from_settings(settings)),
        config=ConfigStore(client, names),
    )
