"""How long the current request may still wait on OpenSearch, whatever call it is waiting on.

A request makes several OpenSearch calls (its config, the shopper's profile, the search, the page's
documents); a timeout per call lets a hung node hold a request for their sum. The HTTP layer opens a
deadline for each request (`within`), and the client (`vindbaar.client`) gives each call only what is
left of it. Threads started by the service (background reloads, the search log's writer) run outside any
request: they keep their calls' own timeouts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("opensearch_deadline", default=None)


def remaining() -> float | None:
    """Seconds left to the current deadline (0 or less: spent), or None outside any deadline."""
    at = _deadline.get()
    return None if at is None else at - time.monotonic()


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Bound the OpenSearch waiting of what runs inside (and of the threads it hands work to) to `seconds`.

    A deadline opened inside another keeps the earlier of the two.
    """
    at = time.monotonic() + seconds
    outer = _deadline.get()
    token = _deadline.set(at if outer is None else min(at, outer))
    try:
        yield
    finally:
        _deadline.reset(token)
