"""Settings read from the environment (prefix ``VINDBAAR_``) with defaults that run locally."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vindbaar.user_tokens import MIN_SECRET_LENGTH


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "vindbaar"


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``VINDBAAR_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="VINDBAAR_", extra="ignore")

    opensearch_url: str | None = Field(
        default=None,
        description="URL of an OpenSearch node, or the comma-separated URLs of several nodes of a cluster "
        "(https:// for TLS). Unset: the `vindbaar` command uses the local node it started.",
    )  # fmt: skip
    opensearch_user: str | None = Field(default=None, description="Basic auth user (security plugin).")
    opensearch_password: SecretStr | None = Field(default=None, description="Basic auth password.")
    opensearch_verify_certs: bool = Field(
        default=True, description="https:// URLs: verify the cluster's certificate (off only for a throwaway test)."
    )
    opensearch_ca_certs: Path | None = Field(
        default=None, description="https:// URLs: CA bundle that signed the cluster's certificates (unset: system CAs)."
    )
    opensearch_timeout_s: float = Field(
        default=10.0, gt=0, description="Bound on one OpenSearch call (unless the call names its own, "
        "or a request's deadline leaves less): command line, background jobs, admin requests.",
    )  # fmt: skip
    request_timeout_s: float = Field(
        default=5.0, gt=0, description="Bound on all the OpenSearch calls of one public request other than a search "
        "or autocomplete (events, consent, health) together; then 503.",
    )  # fmt: skip

    index_alias: str = Field(default="products", min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    index_replicas: int = Field(default=0, ge=0, description="Replicas of the live index (restored after a load).")
    index_refresh_interval: str = Field(default="1s", description="Refresh interval of the live index.")
    keep_indices: int = Field(default=3, ge=1, description="Indices kept (live one included) for rollback.")
    admin_api_key: SecretStr | None = Field(default=None, description="Key for /admin routes; unset disables them.")
    search_api_key: SecretStr | None = Field(
        default=None, description="Key for search, autocomplete and events; unset leaves them open."
    )
    server_api_key: SecretStr | None = Field(
        default=None,
        description="Key of the shop's backend: public routes on behalf of any shopper (user_id); no admin routes.",
    )
    user_token_secret: SecretStr | None = Field(
        default=None,
        description="Secret the shop's backend signs user tokens with; unset: user ids only from server-side callers.",
    )
    rate_limit_per_s: float = Field(
        default=20.0, ge=0, description="Requests per second a client address may make to public routes (0: no "
        "limit); server and admin keys are not limited.",
    )  # fmt: skip
    rate_limit_burst: int = Field(default=60, ge=1, description="Requests a client address may make at once.")
    max_body_bytes: int = Field(default=5 * 2**20, ge=1024, description="Largest request body accepted (413).")
    cors_origins: str = Field(
        default="",
        description="Comma-separated shop origins whose pages may call the API (https://shop.example); unset: none.",
    )

    embedding_model: str | None = Field(
        default=None,
        description="Model name or local path; unset uses all-MiniLM-L6-v2 from the offline package.",
    )
    embedding_backend: Literal["onnx", "torch"] = Field(
        default="onnx",
        description="onnx: ONNX Runtime on the CPU (same vectors, faster); torch: sentence-transformers.",
    )
    embedding_device: str | None = Field(
        default=None, description="torch backend: cpu, cuda, … ; unset picks a GPU if present (and then uses torch)."
    )
    embedding_threads: int | None = Field(default=None, gt=0, description="ONNX Runtime threads; unset: the cores.")
    embedding_batch_size: int = Field(default=64, gt=0)

    search_timeout_s: float = Field(
        default=2.0, gt=0, description="Bound on all the OpenSearch calls of one search or autocomplete request "
        "together (config, profile, retrieval, page); then 503.",
    )  # fmt: skip
    synonyms_path: Path | None = Field(default=None, description="Synonyms file (Solr format); unset: built-in.")
    lexical_weight: float = Field(default=1.0, ge=0, description="Weight of the lexical list in rank fusion.")
    semantic_weight: float = Field(default=1.0, ge=0, description="Weight of the semantic (kNN) list in rank fusion.")
    # 50, not 100: kNN with k=50 costs OpenSearch a third less (6.3 vs 9.5 ms at 25k products), and simulated
    # nDCG@10 of the hybrid ranking was no lower (bench/results/search-2026-11-29-window-*.json).
    fusion_window: int = Field(default=50, ge=10, le=1000, description="Candidates per list fused per search.")
    correction_min_hits: int = Field(
        default=3, ge=0, description="Below this many lexical hits a spelling-corrected query is tried."
    )
    vocabulary_refresh_s: float = Field(
        default=300.0, gt=0, description="How often the spelling vocabulary and autocomplete index reload at least."
    )
    catalog_check_s: float = Field(
        default=1.0, gt=0, description="How often a worker checks whether the catalog changed (caches, autocomplete)."
    )
    query_embedding_cache_size: int = Field(default=10_000, ge=0)
    head_cache_mb: int = Field(default=64, ge=0, description="Head-query cache per worker (0 turns it off).")
    autocomplete_max_products: int = Field(
        default=200_000, ge=0, description="Products offered by autocomplete (the most popular; held in memory)."
    )

    suggestions_refresh_s: float = Field(
        default=3600.0, ge=0, description="How often suggestions are mined from the search log (0: never)."
    )
    suggestions_min_searches: int = Field(
        default=3, ge=1, description="Searches (with results and a click) a query needs to become a suggestion."
    )
    suggestions_days: int = Field(default=30, ge=1, description="Searches of this many days are mined.")

    click_learning_strength: float = Field(
        default=1.0, ge=0, le=5, description="Query-level click learning: a product all of a query's shoppers "
        "chose may score up to 1 + this times its fused score (0 turns it off).",
    )  # fmt: skip
    click_learning_refresh_s: float = Field(
        default=900.0, ge=0, description="How often click learning is rebuilt from the search log (0: never)."
    )
    click_learning_days: int = Field(default=90, ge=1, description="Searches of this many days are learned from.")
    click_learning_min_searches: int = Field(
        default=3, ge=1, description="Distinct searches that must have chosen a product before it is lifted."
    )
    learned_ranking: bool = Field(
        default=True, description="Rank with the learned model once one has beaten the hand-set ranking."
    )
    ranking_model_retrain_s: float = Field(
        default=86_400.0, ge=0, description="Seconds between retraining attempts of the ranking model (0: only by CLI)."
    )
    ranking_model_days: int = Field(default=90, ge=1, description="Searches of this many days are learned from.")
    ranking_model_holdout: float = Field(
        default=0.2, gt=0, lt=1, description="Share of the latest logged searches held out to judge a model."
    )
    ranking_model_min_gain: float = Field(
        default=0.01,
        ge=0,
        description="Relative gain in position-corrected DCG@10 on held-out searches a model needs to ship.",
    )
    ranking_model_min_searches: int = Field(
        default=500, ge=2, description="Logged searches with an outcome needed before a model is trained at all."
    )

    personalization_strength: float = Field(
        default=0.3, ge=0, le=1, description="How far personalization may lift results (0 turns it off)."
    )
    personalization_max_shift: int = Field(default=10, ge=0, description="Positions an item may move.")
    personalization_max_per_brand: int = Field(default=5, ge=1, description="Per brand in the top 10 (diversity).")
    demote_purchased: bool = Field(default=False, description="Push products the shopper already bought down.")
    event_half_life_days: float = Field(default=14.0, gt=0, description="Half-life of what an event teaches.")
    consent_required: bool = Field(
        default=True, description="Store events and personalize only after consent was recorded (GDPR)."
    )
    event_retention_days: int = Field(
        default=365, ge=1, description="Events and logged searches older than this are deleted."
    )
    search_log_capacity: int = Field(
        default=10_000, ge=0, description="Searches waiting to be logged per worker; beyond it they are dropped "
        "and counted (0 turns the search log off).",
    )  # fmt: skip

    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object per line with the request id (for log collectors)."
    )
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    embedding_cache_path: Path | None = Field(
        default=None, description="SQLite embedding cache; unset: <cache_dir>/embeddings.sqlite."
    )
    node_data_dir: Path | None = Field(
        default=None, description="Data folder of the local node; unset: <cache_dir>/opensearch-<version>/data."
    )
    node_port: int | None = Field(default=None, ge=1024, le=65535)
    node_heap: str = Field(default="1g", pattern=r"^\d+[mg]$")
    node_start_timeout_s: float = Field(default=180.0, gt=0)
    java_home: Path | None = None

    @field_validator("user_token_secret")
    @classmethod
    def _strong_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # An empty variable (a blank line of an env template) means unset; a short secret is refused.
        if value is None or not value.get_secret_value():
            return None
        if len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"VINDBAAR_USER_TOKEN_SECRET must have at least {MIN_SECRET_LENGTH} characters")
        return value

    @property
    def cors_origin_list(self) -> list[str]:
        """`cors_origins` as a list."""
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def resolved_embedding_cache_path(self) -> Path:
        return self.embedding_cache_path or self.cache_dir / "embeddings.sqlite"
