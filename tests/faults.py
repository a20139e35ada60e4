"""Shopper traffic for fault tests: searches, autocomplete keystrokes and event batches in a loop on a thread,
every answer recorded (status, time, Retry-After), and the event ids the API acknowledged."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

QUERIES = ["lamp", "desk lamp", "headphones", "wireless headphones", "puzzle", "bike", "sofa", "running shoes"]
FILTERS: list[dict[str, str]] = [{}, {"in_stock": "true"}, {"price_max": "100"}]


@dataclass(frozen=True)
class Answer:
    """One request of the loop and what became of it."""

    route: str
    status: int
    seconds: float
    at: float  # time.monotonic() when it was answered
    retry_after: bool


@dataclass
class Traffic:
    """What the loop sent and got back."""

    answers: list[Answer] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  # event ids of batches answered 200
    refused: list[dict[str, Any]] = field(default_factory=list)  # batches not acknowledged, to send again

    def ok_since(self, moment: float, route: str = "/search") -> bool:
        """Whether a request to `route` answered after `moment` succeeded."""
        return any(a.at > moment and a.route == route and a.status == 200 for a in list(self.answers))

    def statuses(self, route: str | None = None) -> set[int]:
        return {a.status for a in self.answers if route is None or a.route == route}

    def slowest(self, route: str) -> float:
        return max((a.seconds for a in self.answers if a.route == route), default=0.0)

    def summary(self) -> dict[str, Any]:
        """Per route: answers by status and the slowest (shown with ``pytest -rP``)."""
        routes = sorted({a.route for a in self.answers})
        return {route: {"statuses": {str(s): sum(1 for a in self.answers if a.route == route and a.status == s)
                                     for s in sorted(self.statuses(route))},
                        "slowest_s": round(self.slowest(route), 2)} for route in routes}  # fmt: skip


def _events(product: str) -> dict[str, Any]:
    session = f"fault-{uuid.uuid4().hex[:8]}"
    return {"events": [{"event_id": uuid.uuid4().hex, "action_name": action, "object_id": product,
                        "session_id": session} for action in ("click", "add_to_cart")]}  # fmt: skip


@contextmanager
def shopper_traffic(api: TestClient, product: str) -> Iterator[Traffic]:
    """Run searches, keystrokes and event batches against `api` until the block ends."""
    traffic = Traffic()
    stop = threading.Event()

    def record(method: str, route: str, **request: Any) -> Any:
        started = time.monotonic()
        response = api.request(method, route, **request)
        now = time.monotonic()
        traffic.answers.append(Answer(route, response.status_code, now - started, now,
                                      "Retry-After" in response.headers))  # fmt: skip
        return response

    def searches() -> None:
        n = 0
        while not stop.is_set():
            query, filters = QUERIES[n % len(QUERIES)], FILTERS[n % len(FILTERS)]
            record("GET", "/search", params={"q": query, "session_id": f"s-{n % 7}", "page": str(1 + n % 3), **filters})
            n += 1
            time.sleep(0.05)

    def keystrokes() -> None:
        n = 0
        while not stop.is_set():
            record("GET", "/autocomplete", params={"q": QUERIES[n % len(QUERIES)][: 1 + n % 4]})
            n += 1
            time.sleep(0.05)

    def events() -> None:
        while not stop.is_set():
            batch = _events(product)
            response = record("POST", "/events", json=batch)
            if response.status_code == 200 and response.json()["stored"] == len(batch["events"]):
                traffic.acknowledged += [event["event_id"] for event in batch["events"]]
            else:
                traffic.refused.append(batch)
            time.sleep(0.1)

    # One shopper each searching, typing and clicking, at once (the TestClient's portal is thread-safe).
    workers = [threading.Thread(target=loop, name=f"shopper-{loop.__name__}", daemon=True)
               for loop in (searches, keystrokes, events)]  # fmt: skip
    for worker in workers:
        worker.start()
    try:
        yield traffic
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
