"""`make run` (`vindbaar demo`): a local node, the demo catalog and simulated shoppers (served by `cli/demo.py`).

The steps: start the local node when no URL is configured; load the demo catalog (3,000 real products of
the Vespa sample, `demo_data/`, plus some of the generated Dutch/English sample) through the real reindex;
record the simulated shoppers' histories; start the API with the storefront and console; warm it up with
real requests; only then print the URLs, and serve until Ctrl-C.
"""

from __future__ import annotations

import gzip
import logging
import secrets
import time
import urllib.request
from pathlib import Path

from pydantic import SecretStr

from devtools.demo_shoppers import SHOPPERS, seed_histories
from devtools.errors import DemoCatalogError
from devtools.localnode.node import LocalNode
from indexer.catalog import iter_rows
from indexer.embedding_cache import EmbeddingCache
from indexer.ingest import CatalogValidator
from indexer.reindex import reindex
from indexer.sample_catalog import generate_sample_catalog
from search.engine import SearchEngine
from search.params import SearchParams, SortOrder
from search.service import search
from vindbaar.client import create_client
from vindbaar.embedder import Embedder
from vindbaar.filters import ProductFilter
from vindbaar.product import Product
from vindbaar.settings import Settings

log = logging.getLogger(__name__)

DEMO_CATALOG = Path(__file__).parent / "demo_data" / "vespa-products.jsonl.gz"
#: Products of the generated Dutch/English sample added to the real ones (10 of each of its 14 kinds).
NL_PRODUCTS = 140
#: What the warm-up searches for before the URL is printed: the first searches a person makes are then
#: as fast as the later ones (the query paths, the model and OpenSearch's caches are warm).
WARM_UP_QUERIES = ("guitar", "gitaar strings", "puzzle 1000", "party balloons", "koptelefoon", "hedfones",
                   "something to play music outdoors", "lego", "drum kit", "gift for a child")  # fmt: skip
#: Loggers whose INFO lines are for operators, not for a person trying the demo.
QUIET = {
    "opensearch": logging.ERROR,
    "vindbaar.access": logging.WARNING,
    "search.jobs": logging.WARNING,
    "search.autocomplete": logging.WARNING,
}


def demo_catalog(nl_products: int = NL_PRODUCTS) -> list[Product]:
    """The demo catalog: the shipped Vespa products, then `nl_products` of the generated sample.

    Raises:
        DemoCatalogError: the shipped file has rows that are no valid product (a broken checkout).
    """
    text = gzip.decompress(DEMO_CATALOG.read_bytes()).decode()
    validator = CatalogValidator(DEMO_CATALOG.name)
    products = list(validator.validate(iter_rows(DEMO_CATALOG.name, text, "jsonl")))
    if validator.rejects:
        raise DemoCatalogError(f"{DEMO_CATALOG}: {len(validator.rejects)} rows rejected, e.g. {validator.rejects[0]}")
    return products + list(generate_sample_catalog(nl_products, seed=7))


def demo_settings(settings: Settings) -> Settings:
    """`settings` with the secrets a demo needs: a user token secret and an admin key (random when unset)."""
    update: dict[str, SecretStr] = {}
    if settings.user_token_secret is None:
        update["user_token_secret"] = SecretStr(secrets.token_urlsafe(32))
    if settings.admin_api_key is None:
        update["admin_api_key"] = SecretStr(secrets.token_urlsafe(12))
    return settings.model_copy(update=update)


def prepare_demo(settings: Settings, embedder: Embedder, nl_products: int = NL_PRODUCTS) -> Settings:
    """Start the local node if no URL is configured, load the demo catalog and seed the shoppers.

    Returns `settings` with the node's URL. A catalog loaded before is updated incrementally (only what
    changed is written), so a second start is quick.
    """
    if not settings.opensearch_url:
        info = LocalNode(settings).start()
        log.info("local OpenSearch %s at %s", info.version, info.url)
        settings = settings.model_copy(update={"opensearch_url": info.url})
    client = create_client(settings)
    try:
        catalog = demo_catalog(nl_products)
        cache = EmbeddingCache(settings.resolved_embedding_cache_path)
        try:
            result = reindex(client, settings, catalog, embedder, cache, lambda: len(catalog), max_shrink=1.0)
        finally:
            cache.close()
        log.info("catalog of %d products loaded in %.1f s (%d new or changed)", len(catalog),
                 result.elapsed_s, result.stats.indexed)  # fmt: skip
        seed_histories(client, settings, catalog)
    finally:
        client.close()
    return settings


def warm_up(engine: SearchEngine, base_url: str) -> float:
    """Run the warm-up searches on the serving app's engine (anonymous and as the shoppers; not logged as
    shoppers' searches), then fetch the page over HTTP; returns the seconds it took."""
    started = time.perf_counter()
    for n, text in enumerate(WARM_UP_QUERIES):
        shopper = SHOPPERS[n % len(SHOPPERS)].id if n % 2 else None
        search(engine, SearchParams(q=text, explain=True, size=24, user_id=shopper), log=False)
    search(
        engine, SearchParams(q="guitar", sort=SortOrder.price_asc, filters=ProductFilter(category=["Music"])), log=False
    )
    with urllib.request.urlopen(f"{base_url}/demo/", timeout=30) as response:
        response.read()
    return time.perf_counter() - started
