"""What a soak acknowledged, and the check afterwards that all of it is stored."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import httpx
from opensearchpy import OpenSearch

from vindbaar.index_names import IndexNames


class Ledger:
    """Event ids, price patches and config versions the API answered as done."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: list[str] = []
        self.prices: dict[str, tuple[int, float]] = {}  # product -> (order acknowledged, price)
        self.versions: dict[int, str] = {}  # config version -> its comment
        self._order = 0

    def acknowledged(self, event_ids: Iterable[str]) -> None:
        with self._lock:
            self.events.extend(event_ids)

    def patched(self, product: str, price: float) -> None:
        # Patches of one product are sent one at a time (one every few seconds): the last answered is the last
        # applied.
        with self._lock:
            self._order += 1
            self.prices[product] = (self._order, price)

    def published(self, version: int, comment: str) -> None:
        with self._lock:
            self.versions[version] = comment

    def counts(self) -> dict[str, int]:
        return {"events": len(self.events), "price_patches": self._order, "config_versions": len(self.versions)}


def node_pid(client: OpenSearch) -> int | None:
    """The pid of the node `client` talks to, when it runs on this machine (for its memory)."""
    nodes = client.nodes.info(node_id="_local", metric="process")["nodes"]
    for node in nodes.values():
        return int(node["process"]["id"])
    return None


def verify(client: OpenSearch, alias: str, api_url: str, admin: dict[str, str], ledger: Ledger) -> dict[str, Any]:
    """What was acknowledged but is not stored: event ids, products without their last price, config versions."""
    names = IndexNames(alias)
    client.indices.refresh(index=names.events)
    found: set[str] = set()
    for start in range(0, len(ledger.events), 1000):
        docs = client.mget(index=names.events, body={"ids": ledger.events[start : start + 1000]}, _source=False)
        found.update(d["_id"] for d in docs["docs"] if d.get("found"))
    lost_events = [event_id for event_id in ledger.events if event_id not in found]
    stale_prices = []
    if ledger.prices:
        docs = client.mget(index=alias, body={"ids": list(ledger.prices)}, _source_includes=["price"])["docs"]
        stored = {d["_id"]: d["_source"].get("price") for d in docs if d.get("found")}
        stale_prices = [p for p, (_, price) in ledger.prices.items() if stored.get(p) != price]
    versions = httpx.get(f"{api_url}/admin/config/versions", headers=admin, timeout=30).json()
    comments = {int(v["version"]): v["comment"] for v in versions}
    lost_versions = [v for v, comment in ledger.versions.items() if comments.get(v) != comment]
    return {"events": len(lost_events), "price_patches": len(stale_prices), "config_versions": len(lost_versions)}
