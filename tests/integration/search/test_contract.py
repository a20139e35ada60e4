"""The OpenAPI document is an honest contract: Schemathesis generates requests for every operation from
the schema (valid ones and invalid ones) and runs all its checks on the answers of the real app, on a real
node, with the admin key (so admin routes are exercised) and the search key configured.

Every check is on: no server error; every status, content type, header and body as documented; what the
schema allows is accepted and what it forbids is refused; auth that is declared is enforced. The budget is
fixed (examples per operation) and the generation derandomized, so CI sees the same requests every run.

A few rules span several fields or depend on stored data, which JSON Schema cannot state (the OpenAPI
descriptions say them in words): valid requests are bent into them (`contract_rules`); invalid requests are
sent as generated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis.stateful import run_state_machine_as_test
from pydantic import SecretStr
from schemathesis import Case, GenerationMode, HookContext
from starlette.types import ASGIApp, Receive, Scope, Send

from search.http.app import create_app
from tests.integration.search.contract_rules import repaired
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

ADMIN_KEY = "fuzz-admin-key"
#: Fuzzing examples per operation and the fixed seed: about a minute on two cores, the same inputs every run.
MAX_EXAMPLES = 20
SEED = 16
#: Sequences of calls (stateful testing), each of at most this many steps.
SEQUENCES, STEPS = 10, 6

_CONFIG = {
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    # All checks, each with its default expectations.
    "checks": {"enabled": True},
    "auth": {"openapi": {"AdminKey": {"api_key": ADMIN_KEY}, "SearchKey": {"api_key": ADMIN_KEY}}},
    # Sequences test what follows a write (checks for deleted or missing resources); invalid requests are
    # the single calls' business, and a sequence's invalid one was reported as valid (Schemathesis 4.32).
    "phases": {"stateful": {"generation": {"mode": "positive"}}},
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


def _within_unstated_rules(_context: HookContext, case: Case) -> Case:
    """A valid case bent into the rules JSON Schema cannot state (`contract_rules`); others as generated."""
    if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE:
        repaired(case.operation.method, case.operation.path, case.query, case.body)
    return case


def _contract_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"admin_api_key": SecretStr(ADMIN_KEY),
                                       "search_api_key": SecretStr("fuzz-search-key")})  # fmt: skip


SERVED = _Served(create_app(_contract_settings(Settings())))
schema = schemathesis.openapi.from_asgi("/openapi.json", SERVED, config=schemathesis.Config.from_dict(_CONFIG))
schema.hook("map_case")(_within_unstated_rules)


#: Requests sent per operation (the figures the issue's closing note reports; shown with `pytest -s`).
SENT: Counter[str] = Counter()


@pytest.fixture(scope="module")
def served(small_catalog_settings: Settings, embedder: Embedder) -> Iterator[None]:
    """Requests go to an app on the fuzz's own alias (a small sample catalog) on the real node."""
    app = create_app(_contract_settings(small_catalog_settings), embedder=embedder)
    without_node = SERVED.app
    try:
        with TestClient(app):
            SERVED.app = app
            yield
    finally:
        SERVED.app = without_node
        print(f"\ncontract fuzz: {SENT.total()} requests over {len(SENT)} operations: {dict(SENT)}")


@schema.parametrize()
@pytest.mark.usefixtures("served")
def test_every_operation_keeps_its_documented_contract(case: Case) -> None:
    SENT[case.operation.label] += 1
    case.call_and_validate()


class _Sequences(schema.as_state_machine()):  # type: ignore[misc]
    """Calls chained by the links Schemathesis infers (a product written, then deleted, then read; an
    experiment started, then stopped), where its checks for deleted or missing resources apply."""

    def validate_response(self, response: Any, case: Case, additional_checks: Any = (), **kwargs: Any) -> None:
        SENT[f"sequence: {case.operation.label}"] += 1
        super().validate_response(response, case, additional_checks, **kwargs)


@pytest.mark.usefixtures("served")
def test_sequences_of_calls_keep_the_contract() -> None:
    run_state_machine_as_test(
        _Sequences,
        settings=hypothesis.settings(
            max_examples=SEQUENCES, stateful_step_count=STEPS, deadline=None, derandomize=True, database=None
        ),
    )
