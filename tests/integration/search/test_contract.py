"""The OpenAPI document is an honest contract: Schemathesis generates requests for every operation from
the schema (valid ones and invalid ones) and runs all its checks on the answers of the real app, on a real
node, with the admin key (so admin routes are exercised) and the search key configured.

Every check is on: no server error; every status, content type, header and body as documented; what the
schema allows is accepted and what it forbids is refused; auth that is declared is enforced. The budget is
fixed (examples per operation) and the generation derandomized, so CI sees the same requests every run.

A few rules span several fields or depend on stored data, which JSON Schema cannot state (the OpenAPI
descriptions say them in words). Valid requests are generated within them (`_within_unstated_rules`);
invalid requests are not filtered, and each rule has its own 422 test elsewhere.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch
from pydantic import SecretStr
from schemathesis import Case, GenerationMode
from starlette.types import ASGIApp, Receive, Scope, Send

from indexer.embedding_cache import EmbeddingCache
from indexer.reindex import reindex
from indexer.sample_catalog import generate_sample_catalog
from search.http.app import create_app
from search.params import MAX_RESULT_WINDOW
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

ADMIN_KEY = "fuzz-admin-key"
CATALOG_SIZE = 140  # 10 products of each of the sample catalog's 14 kinds
#: Fuzzing examples per operation and the fixed seed: about a minute on two cores, the same inputs every run.
MAX_EXAMPLES = 20
SEED = 16

_CONFIG = {
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    # All checks, each with its default expectations.
    "checks": {"enabled": True},
    "auth": {"openapi": {"ApiKey": {"api_key": ADMIN_KEY}}},
    # Generating a whole merchandising config (rules, filters, experiments) takes Hypothesis longer than it
    # likes; that says nothing about the API, so its speed health check is off.
    "suppress-health-check": ["too_slow"],
    "operations": [
        # The coverage phase enumerates every boundary of every field: for a whole merchandising config more
        # than a thousand requests per operation, past the suite's budget. Fuzzing still covers both, with
        # valid and invalid configs, and the config's parts are covered with boundaries in
        # POST /admin/experiments (variants with rules) and POST /search (filters).
        {"include-name": "PUT /admin/config", "phases": {"coverage": {"enabled": False}}},
        {"include-name": "POST /admin/preview", "phases": {"coverage": {"enabled": False}}},
    ],
}


class _Served:
    """The app Schemathesis calls in-process: at collection the app without a node (its OpenAPI document
    needs none), during the tests the `served` fixture's app on the real node, whose lifespan that fixture's
    TestClient runs. Refusing the lifespan scope (before reading it) is how an ASGI app says it has none, so
    Schemathesis starts no second engine."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            raise RuntimeError("the lifespan runs in the `served` fixture")
        await self.app(scope, receive, send)


def _number(value: Any) -> float | None:
    """A generated number: in a body a JSON number, in a query string its text."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _filter_holds(given: Any) -> bool:
    """`ProductFilter`: price_min <= price_max."""
    if not isinstance(given, dict):
        return True
    low, high = _number(given.get("price_min")), _number(given.get("price_max"))
    return low is None or high is None or low <= high


def _search_holds(given: Any) -> bool:
    """`SearchParams`: page * size within the result window; its filter's rule."""
    if not isinstance(given, dict):
        return True
    page, size = _number(given.get("page", 1)), _number(given.get("size", 20))
    deep = page is not None and size is not None and page * size > MAX_RESULT_WINDOW
    return not deep and _filter_holds(given.get("filters")) and _filter_holds(given)


def _experiment_holds(given: Any) -> bool:
    """`Experiment`: distinct variant names; interleaving compares two variants, without rules; the
    promoted variant is one of them."""
    if not isinstance(given, dict) or not isinstance(given.get("variants"), list):
        return True
    variants = [v for v in given["variants"] if isinstance(v, dict)]
    names = [v.get("name") for v in variants]
    if len(set(names)) != len(names) or given.get("promoted") not in (None, *names):
        return False
    return given.get("kind") != "interleaving" or (len(variants) == 2 and all(v.get("rules") is None
                                                                               for v in variants))  # fmt: skip


def _rules_hold(rules: Any) -> bool:
    """`Rule`: the filters of a rule (filter, hide) and of its boosts select something, with a price range that
    holds; pins name products of the catalog (none generated: the catalog's ids are not in the schema)."""
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        boosts = rule.get("boosts") if isinstance(rule.get("boosts"), list) else []
        filters = [rule.get("filter"), rule.get("hide"), *(b.get("filter") for b in boosts if isinstance(b, dict))]
        if rule.get("pins") or any(isinstance(f, dict) and not _selects_something(f) for f in filters):
            return False
    return True


def _selects_something(given: dict[str, Any]) -> bool:
    return any(v not in (None, [], {}) for v in given.values()) and _filter_holds(given)


def _config_holds(given: Any) -> bool:
    """`MerchConfig`: distinct rule and experiment ids, at most one experiment running; its parts' rules."""
    if not isinstance(given, dict):
        return True
    rules, experiments = given.get("rules") or [], given.get("experiments") or []
    rule_ids = [r.get("id") for r in rules if isinstance(r, dict)]
    experiment_ids = [e.get("id") for e in experiments if isinstance(e, dict)]
    running = [e for e in experiments if isinstance(e, dict) and e.get("status", "running") == "running"]
    variants_rules = [v.get("rules") for e in experiments if isinstance(e, dict)
                      for v in e.get("variants") or [] if isinstance(v, dict)]  # fmt: skip
    return (len(set(rule_ids)) == len(rule_ids) and len(set(experiment_ids)) == len(experiment_ids)
            and len(running) <= 1 and all(_experiment_holds(e) for e in experiments) and _rules_hold(rules)
            and all(_rules_hold(r) for r in variants_rules))  # fmt: skip


def _within_unstated_rules(case: Case) -> bool:
    """Whether a valid case keeps the rules JSON Schema cannot state (each is documented and tested)."""
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return True
    body: Any = case.body if isinstance(case.body, dict) else {}
    match (case.operation.method.upper(), case.operation.path):
        case ("GET", "/search"):
            return _search_holds(case.query or {})
        case ("POST", "/search"):
            return _search_holds(body)
        case ("PUT", "/admin/config"):
            return _config_holds(body.get("config"))
        case ("POST", "/admin/preview"):
            return _search_holds(body.get("search")) and _config_holds(body.get("draft"))
        case ("POST", "/admin/experiments"):
            return _experiment_holds(body) and _rules_hold(
                [r for v in body.get("variants") or [] if isinstance(v, dict) for r in v.get("rules") or []]
            )
        case ("POST", "/admin/experiments/sample-size"):
            # baseline * (1 + effect) below 1; without a baseline, the CTR measured from stored searches.
            baseline, effect = body.get("baseline"), body.get("minimum_detectable_effect")
            return (
                isinstance(baseline, int | float) and isinstance(effect, int | float) and (baseline * (1 + effect) < 1)
            )
        case ("POST", "/admin/experiments/{experiment_id}/stop"):
            return body.get("promote") is None  # a variant of a stored experiment
    return True


def _contract_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"admin_api_key": SecretStr(ADMIN_KEY),
                                       "search_api_key": SecretStr("fuzz-search-key")})  # fmt: skip


SERVED = _Served(create_app(_contract_settings(Settings())))
schema = schemathesis.openapi.from_asgi("/openapi.json", SERVED, config=schemathesis.Config.from_dict(_CONFIG))
schema.hook("filter_case")(lambda _context, case: _within_unstated_rules(case))


#: Requests sent per operation (the figures the issue's closing note reports; shown with `pytest -s`).
SENT: Counter[str] = Counter()


@pytest.fixture(scope="module")
def served(client: OpenSearch, settings: Settings, embedder: Embedder, shared_embedding_cache: Path) -> Iterator[None]:
    """Requests go to an app on the fuzz's own alias, over a small sample catalog, on the real node."""
    fuzz_settings = _contract_settings(
        settings.model_copy(
            update={
                "index_alias": f"test-contract-{uuid.uuid4().hex[:8]}",
                "embedding_cache_path": shared_embedding_cache,
            }
        )
    )
    products = list(generate_sample_catalog(CATALOG_SIZE, seed=16))
    cache = EmbeddingCache(shared_embedding_cache)
    try:
        reindex(client, fuzz_settings, products, embedder, cache, lambda: len(products))
    finally:
        cache.close()
    app = create_app(fuzz_settings, embedder=embedder)
    without_node = SERVED.app
    try:
        with TestClient(app):
            SERVED.app = app
            yield
    finally:
        SERVED.app = without_node
        alias = fuzz_settings.index_alias
        for index in client.indices.get(index=f"{alias}*", allow_no_indices=True, ignore_unavailable=True):
            client.indices.delete(index=index)
        print(f"\ncontract fuzz: {SENT.total()} requests over {len(SENT)} operations: {dict(SENT)}")


@schema.parametrize()
@pytest.mark.usefixtures("served")
def test_every_operation_keeps_its_documented_contract(case: Case) -> None:
    SENT[case.operation.label] += 1
    case.call_and_validate()
