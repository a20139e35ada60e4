"""The behaviour store on the real node: consent that holds under concurrency, and every event learned
exactly once, also when a profile update fails."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from opensearchpy import OpenSearch

from reranker.behaviour.config import BehaviourConfig
from reranker.behaviour.store import BehaviourStore
from reranker.events import Event
from reranker.profiles import DEFAULT_EVENT_WEIGHTS
from vindbaar.errors import WriteFailed
from vindbaar.settings import Settings


@pytest.fixture(scope="module")
def products(client: OpenSearch, catalog_settings: Settings) -> list[str]:
    hits = client.search(index=catalog_settings.index_alias, body={"size": 20, "_source": False})["hits"]["hits"]
    return [hit["_id"] for hit in hits]


@pytest.fixture
def store(client: OpenSearch, catalog_settings: Settings) -> BehaviourStore:
    """A behaviour store for a shop that collects consent itself (events are learned without a record)."""
    behaviour = BehaviourStore(client, replace(BehaviourConfig.from_settings(catalog_settings), consent_required=False))
    behaviour.ensure_indices()
    return behaviour


def _clicks(user: str, products: list[str], n: int) -> list[Event]:
    return [Event(event_id=uuid.uuid4().hex, action_name="click", user_id=user, object_id=random.choice(products))
            for _ in range(n)]  # fmt: skip


@contextmanager
def _profile_updates_failing(client: OpenSearch, store: BehaviourStore) -> Iterator[None]:
    """Profile writes fail (the profiles index refuses writes) while events can still be stored."""
    client.indices.put_settings(index=store.profiles.index, body={"index.blocks.write": True})
    try:
        yield
    finally:
        client.indices.put_settings(index=store.profiles.index, body={"index.blocks.write": None})


def _profile(store: BehaviourStore, user: str) -> dict[str, Any]:
    profile: dict[str, Any] = store.export_user(user)["profiles"].get(f"user:{user}", {})
    return profile


@pytest.mark.parametrize("round_", range(6))
def test_a_withdrawal_racing_with_ingests_leaves_nothing_learned(
    client: OpenSearch, catalog_settings: Settings, products: list[str], round_: int
) -> None:
    store = BehaviourStore(client, BehaviourConfig.from_settings(catalog_settings))
    user = f"racer-{uuid.uuid4().hex[:8]}"
    store.set_consent("user", user, True)
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def ingesting() -> None:
        start.wait()
        try:
            for _ in range(6):
                store.ingest(_clicks(user, products, 5))
        except BaseException as exc:
            errors.append(exc)

    def withdrawing() -> None:
        start.wait()
        threading.Event().wait(0.02 * round_)  # withdraw at a different moment each round
        store.set_consent("user", user, False)

    threads = [
        threading.Thread(target=ingesting),
        threading.Thread(target=ingesting),
        threading.Thread(target=withdrawing),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    data = store.export_user(user)
    assert data["events"] == [], "no event of the withdrawn user is kept"
    profile = _profile(store, user)
    assert profile["consent"] is False and profile["events"] == 0 and "state" not in profile


def test_events_whose_profile_update_failed_are_learned_on_retry_and_only_once(
    client: OpenSearch, store: BehaviourStore, products: list[str]
) -> None:
    user = f"retry-{uuid.uuid4().hex[:8]}"
    batch = _clicks(user, products, 4)
    with pytest.raises(WriteFailed), _profile_updates_failing(client, store):
        store.ingest(batch)
    assert len(store.export_user(user)["events"]) == 4, "stored, though not learned"
    assert _profile(store, user) == {}
    retried = store.ingest(batch)
    assert (retried.stored, retried.duplicates) == (0, 4)
    assert _profile(store, user)["events"] == 4
    assert store.ingest(batch).duplicates == 4
    assert _profile(store, user)["events"] == 4, "a second retry teaches nothing more"


def test_events_nobody_retried_are_learned_by_the_sweep(
    client: OpenSearch, store: BehaviourStore, products: list[str]
) -> None:
    user = f"sweep-{uuid.uuid4().hex[:8]}"
    store.ingest(_clicks(user, products, 2))
    with pytest.raises(WriteFailed), _profile_updates_failing(client, store):
        store.ingest(_clicks(user, products, 3))
    assert _profile(store, user)["events"] == 2
    swept = store.learn_pending(DEFAULT_EVENT_WEIGHTS, grace_s=0)
    assert swept.stored >= 3
    assert _profile(store, user)["events"] == 5
    store.learn_pending(DEFAULT_EVENT_WEIGHTS, grace_s=0)
    assert _profile(store, user)["events"] == 5


def test_an_event_sent_twice_in_one_batch_is_learned_once(
    client: OpenSearch, store: BehaviourStore, products: list[str]
) -> None:
    user = f"twice-{uuid.uuid4().hex[:8]}"
    (click,) = _clicks(user, products, 1)
    report = store.ingest([click, click])
    assert (report.stored, report.duplicates) == (1, 1)
    assert _profile(store, user)["events"] == 1


def test_a_session_that_withdrew_is_not_merged_into_the_user_at_login(
    client: OpenSearch, store: BehaviourStore, products: list[str]
) -> None:
    user, session = f"u-{uuid.uuid4().hex[:8]}", f"s-{uuid.uuid4().hex[:8]}"
    store.ingest([Event(action_name="click", session_id=session, object_id=products[0])])
    store.set_consent("session", session, False)
    store.ingest([Event(action_name="click", user_id=user, session_id=session, object_id=products[1])])
    data = store.export_user(user)
    assert data["profiles"][f"user:{user}"]["events"] == 1, "the user learned only their own click"
    assert data["profiles"].get(f"session:{session}", {}).get("consent") is not True
    withdrawn = store.profiles.read([f"session:{session}"])[f"session:{session}"].doc
    assert withdrawn["consent"] is False, "the session's withdrawal stays on record"
