"""Soak: a shop's mixed traffic at a steady rate against the API (its own uvicorn process) and OpenSearch.

Searches with filters and sessions, autocomplete keystrokes, consent and event batches, and now and then an
admin price patch and a config publish, sent on a fixed schedule (open loop: a slow answer does not slow
the arrivals) for a bounded time and count, loopback only. Each request's time runs from when it was due,
so waiting for a free sender counts, as it would for a shopper. Afterwards every acknowledged event, price
patch and config version is looked up: what the API said it stored must be there.

    python -m bench.soak --duration 600            # writes bench/results/soak-<date>.json
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.node import opensearch_settings
from bench.search import start_api
from bench.soak_checks import Ledger, node_pid, verify
from indexer.embedding_cache import EmbeddingCache
from indexer.reindex import reindex
from indexer.sample_catalog import generate_sample_catalog
from vindbaar.client import create_client
from vindbaar.embedder import create_embedder
from vindbaar.memory import resident_memory_mb
from vindbaar.settings import Settings

ADMIN_KEY = "soak-admin-key"
ADMIN = {"X-API-Key": ADMIN_KEY, "X-Author": "soak"}
QUERIES = ["lamp", "desk lamp", "headphones", "wireless headphones", "koptelefoon", "puzzle", "city bike",
           "sofa", "running shoes", "coffee", "jacket", "speaker", "laptop", "garden chair", "tent"]  # fmt: skip
FILTERS: list[dict[str, Any]] = [{}, {}, {"in_stock": "true"}, {"price_max": "150"}, {"sort": "price_asc"}]
#: Out of every 20 requests: 10 searches, 6 keystrokes, 3 event batches (a new session's first is its consent).
MIX = ["search"] * 10 + ["autocomplete"] * 6 + ["events"] * 3 + ["search"]
ADMIN_EVERY_S = {"patch": 15.0, "publish": 60.0}


def load_catalog(settings: Settings, products: int) -> list[str]:
    """Index `products` sample products behind the settings' alias; returns their ids."""
    catalog = list(generate_sample_catalog(products, seed=7))
    cache = EmbeddingCache(settings.cache_dir / "bench-embeddings.sqlite")
    try:
        reindex(create_client(settings), settings, catalog, create_embedder(settings), cache, lambda: len(catalog),
                max_shrink=1.0)  # the soak's own alias: its size is whatever the last run chose  # fmt: skip
    finally:
        cache.close()
    return [p.id for p in catalog]


class Soak:
    """One soak run: the schedule, the senders, and what every request met."""

    def __init__(self, api_url: str, product_ids: list[str], rate: float, senders: int) -> None:
        self.api_url, self.products, self.rate, self.senders = api_url, product_ids, rate, senders
        self.ledger = Ledger()
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, dict[str, int]] = {}
        self.late = 0
        self.error_minutes: dict[int, int] = {}  # errors by minute of the run: spread out, or in a burst?
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._work: queue.Queue[tuple[float, str, int] | None] = queue.Queue()

    def _record(self, route: str, due: float, error: str | None) -> None:
        elapsed = (time.monotonic() - due) * 1000
        with self._lock:
            self.latencies.setdefault(route, []).append(elapsed)
            if error is not None:
                counts = self.errors.setdefault(route, {})
                counts[error] = counts.get(error, 0) + 1
                minute = int((time.monotonic() - self.started) // 60)
                self.error_minutes[minute] = self.error_minutes.get(minute, 0) + 1

    def _send(self, http: httpx.Client, kind: str, n: int, due: float) -> tuple[float, str | None]:
        """Send request `n` of `kind`, due at `due`; when the request measured became due (an event batch:
        once its session's consent was answered, which is measured on its own) and None if it did what it
        should, else what went wrong."""
        if kind == "events":
            return self._events(http, n, due)
        return due, self._send_one(http, kind, n)

    def _send_one(self, http: httpx.Client, kind: str, n: int) -> str | None:
        if kind == "search":
            params = {"q": QUERIES[n % len(QUERIES)], "session_id": f"soak-{n % 400}", "page": 1 + n % 3,
                      **FILTERS[n % len(FILTERS)]}  # fmt: skip
            return _status(http.get("/search", params=params))
        if kind == "autocomplete":
            word = QUERIES[n % len(QUERIES)]
            return _status(http.get("/autocomplete", params={"q": word[: 1 + n % len(word)],
                                                             "session_id": f"soak-{n % 400}"}))  # fmt: skip
        if kind == "patch":
            product, price = self.products[n % len(self.products)], round(10 + (n * 7.31) % 500, 2)
            answer = http.patch("/admin/products", json={"patches": [{"id": product, "price": price}]}, headers=ADMIN)
            if answer.status_code == 200 and answer.json()["written"] == 1:
                self.ledger.patched(product, price)
            return _status(answer)
        live = http.get("/admin/config", headers=ADMIN)
        if live.status_code != 200:
            return _status(live)
        comment = f"soak publish {n}"
        answer = http.put("/admin/config", headers=ADMIN, json={"config": live.json()["config"], "comment": comment,
                                                                "base_version": live.json()["version"]})  # fmt: skip
        if answer.status_code == 201:
            self.ledger.published(int(answer.json()["version"]), comment)
        return None if answer.status_code == 201 else str(answer.status_code)

    def _events(self, http: httpx.Client, n: int, due: float) -> tuple[float, str | None]:
        session = f"soak-ev-{n}"
        consent = http.put(f"/sessions/{session}/consent", json={"personalization": True})
        self._record("consent", due, _status(consent))
        if consent.status_code != 200:
            return due, "no consent"
        ids = [uuid.uuid4().hex for _ in range(5)]
        batch = [{"event_id": ids[i], "action_name": action, "session_id": session,
                  "object_id": self.products[(n + i) % len(self.products)], "position": i}
                 for i, action in enumerate(("view", "click", "add_to_cart", "click", "purchase"))]  # fmt: skip
        sent = time.monotonic()
        answer = http.post("/events", json={"events": batch})
        if answer.status_code != 200:
            return sent, str(answer.status_code)
        if answer.json()["stored"] != len(batch):
            return sent, "not all stored"
        self.ledger.acknowledged(ids)
        return sent, None

    def _sender(self) -> None:
        with httpx.Client(base_url=self.api_url, timeout=30) as http:
            while (job := self._work.get()) is not None:
                due, kind, n = job
                route = {"patch": "PATCH /admin/products", "publish": "PUT /admin/config"}.get(kind, kind)
                try:
                    measured_from, error = self._send(http, kind, n, due)
                except httpx.HTTPError as exc:
                    measured_from, error = due, type(exc).__name__
                self._record(route, measured_from, error)

    def run(self, duration_s: float, max_requests: int) -> float:
        """Send the schedule for `duration_s` (at most `max_requests`); returns the seconds it took."""
        threads = [threading.Thread(target=self._sender, daemon=True) for _ in range(self.senders)]
        for thread in threads:
            thread.start()
        self.started = started = time.monotonic()
        next_admin = {kind: started + every / 2 for kind, every in ADMIN_EVERY_S.items()}
        n = 0
        while n < max_requests and (due := started + n / self.rate) < started + duration_s:
            if (wait := due - time.monotonic()) > 0:
                time.sleep(wait)
            elif self._work.qsize() > self.senders:
                self.late += 1  # the senders are behind: the request waits its turn (and that time counts)
            self._work.put((due, MIX[n % len(MIX)], n))
            for kind, at in next_admin.items():
                if due >= at:
                    self._work.put((due, kind, n))
                    next_admin[kind] = at + ADMIN_EVERY_S[kind]
            n += 1
        for _ in threads:
            self._work.put(None)
        for thread in threads:
            thread.join(timeout=60)
        return time.monotonic() - started

    def report(self, seconds: float) -> dict[str, Any]:
        """Throughput, latency per route (from when each request was due) and errors."""
        total = sum(len(v) for v in self.latencies.values())
        routes = {route: {"requests": len(values), "p50_ms": round(statistics.median(values), 1),
                          "p99_ms": round(_percentile(values, 0.99), 1), "max_ms": round(max(values), 1),
                          "errors": sum(self.errors.get(route, {}).values()), **({"error_kinds": self.errors[route]}
                                                                                 if route in self.errors else {})}
                  for route, values in sorted(self.latencies.items())}  # fmt: skip
        return {"seconds": round(seconds, 1), "requests": total, "per_s": round(total / seconds, 1),
                "errors": sum(sum(c.values()) for c in self.errors.values()), "late_sends": self.late,
                "errors_by_minute": dict(sorted(self.error_minutes.items())),
                "routes": routes}  # fmt: skip


def _rss(pid: int | None) -> float | None:
    return None if pid is None else resident_memory_mb(pid)


def _status(answer: httpx.Response) -> str | None:
    return None if answer.status_code == 200 else str(answer.status_code)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def soak(
    settings: Settings, duration_s: float, rate: float, products: int, port: int, max_requests: int | None = None,
    senders: int = 16, log: Callable[[str], None] = print, api_env: dict[str, str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Load a catalog, start the API (with `api_env` added to its environment), run the soak, check that
    nothing acknowledged was lost; the report."""
    product_ids = load_catalog(settings, products)
    api = start_api(settings, port, alias=settings.index_alias,
                    env={"VINDBAAR_ADMIN_API_KEY": ADMIN_KEY, **(api_env or {})})  # fmt: skip
    client = create_client(settings)
    try:
        pid = node_pid(client)
        memory_start = {"api_rss_mb": resident_memory_mb(api.pid), "opensearch_rss_mb": _rss(pid)}
        run = Soak(f"http://127.0.0.1:{port}", product_ids, rate, senders)
        log(f"soak: {duration_s:.0f} s at {rate:.0f} requests/s against the API on port {port} …")
        seconds = run.run(duration_s, max_requests or int(duration_s * rate * 1.1) + 10)
        memory_end = {"api_rss_mb": resident_memory_mb(api.pid), "opensearch_rss_mb": _rss(pid)}
        lost = verify(client, settings.index_alias, f"http://127.0.0.1:{port}", ADMIN, run.ledger)
    finally:
        api.terminate()
        api.wait(timeout=60)
        client.close()
    return {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": {"cores": os.cpu_count()},
            "catalog_products": products, "rate_per_s": rate, **run.report(seconds),
            "memory": {"start": memory_start, "end": memory_end}, "acknowledged": run.ledger.counts(),
            "lost": lost}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of traffic (default 600)")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second (default 20)")
    parser.add_argument("--max-requests", type=int, default=None, help="stop after this many (default: 1.1 x due)")
    parser.add_argument("--products", type=int, default=2000, help="sample catalog size (default 2000)")
    parser.add_argument("--port", type=int, default=8751, help="the API's port on 127.0.0.1")
    parser.add_argument("--out", type=Path, default=None, help="result file (default bench/results/soak-<date>.json)")
    args = parser.parse_args(argv)
    with opensearch_settings() as base:
        settings = base.model_copy(update={"index_alias": "bench-soak"})
        report = soak(settings, args.duration, args.rate, args.products, args.port, args.max_requests)
    out = args.out or Path(__file__).parent / "results" / f"soak-{datetime.now(UTC):%Y-%m-%d}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0 if report["errors"] == 0 and not any(report["lost"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
