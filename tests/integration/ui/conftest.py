"""Fixtures for the browser tests: the demo shop served over a real port, and headless Chromium.

The API runs in a uvicorn thread of this process, on the session's real OpenSearch node, with part of the
demo catalog and the simulated shoppers' histories, exactly as `vindbaar demo` prepares them. Chromium is
Debian's (`apt-get install chromium`), driven by Playwright; no browser is downloaded. Screenshots go to
``$VINDBAAR_UI_ARTIFACTS`` (default: a folder in pytest's temporary directory).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from opensearchpy import OpenSearch
from playwright.sync_api import Browser, Page, sync_playwright
from pydantic import SecretStr

from devtools.demo import demo_catalog
from devtools.demo_shoppers import seed_histories, shop_session
from search.http.demo_shop import create_demo_app
from tests.integration.catalog_alias import catalog_alias
from tests.ports import free_port
from vindbaar.client import create_client
from vindbaar.embedder import Embedder
from vindbaar.product import Product
from vindbaar.settings import Settings

CHROMIUM = "/usr/bin/chromium"
ADMIN_KEY = "ui-admin-key"
#: Every third product of the demo catalog: all its categories, a third of the embedding work.
SUBSET_STEP = 3


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go."""
    configured = os.environ.get("VINDBAAR_UI_ARTIFACTS")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("ui-artifacts")


@pytest.fixture(scope="module")
def shop_catalog() -> list[Product]:
    """Part of the demo catalog (the real products of all categories, and the Dutch/English sample)."""
    return demo_catalog(nl_products=28)[::SUBSET_STEP]


@pytest.fixture(scope="module")
def shop_settings(
    client: OpenSearch,
    settings: Settings,
    embedder: Embedder,
    shop_catalog: list[Product],
    shared_embedding_cache: Path,
) -> Iterator[Settings]:
    """Settings of a shop whose alias holds the catalog and the shoppers' histories; removed afterwards."""
    # A browser test waits on the page; a node slowed by a busy machine should not fail it.
    patient = create_client(settings.model_copy(update={"opensearch_timeout_s": 60.0}))
    try:
        with catalog_alias(client, settings, shop_catalog, embedder, "test-ui", writer=patient,
                           embedding_cache_path=shared_embedding_cache, admin_api_key=SecretStr(ADMIN_KEY),
                           user_token_secret=SecretStr("ui-test-user-token-secret"), opensearch_timeout_s=60.0,
                           # No rebuild from the search log in the middle of a test: the background jobs first
                           # run a minute after start, which a loaded machine reaches within this module, and a
                           # click-learning rebuild landing between a test's "before" and "after" searches
                           # changes the order it compares.
                           click_learning_refresh_s=0.0, suggestions_refresh_s=0.0,
                           ranking_model_retrain_s=0.0) as shop:  # fmt: skip
            seed_histories(patient, shop, shop_catalog)
            yield shop
    finally:
        patient.close()


@pytest.fixture(scope="module")
def shop_app(shop_settings: Settings, embedder: Embedder) -> FastAPI:
    """The demo shop's API (its engine in `app.state.engine` once `shop_url` has started it)."""
    return create_demo_app(shop_settings, shop_session(shop_settings), embedder)


@pytest.fixture(scope="module")
def shop_url(shop_app: FastAPI) -> Iterator[str]:
    """The base URL of the demo shop's API, served by uvicorn on a free port until the module ends."""
    server = uvicorn.Server(uvicorn.Config(shop_app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, name="ui-test-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the API did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium chromium-driver"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (its own session and local storage) and page; JavaScript errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
