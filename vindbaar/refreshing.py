"""A value re-read in the background: requests use the one they have and never wait for a re-read.

The spelling vocabulary, the catalog generation and the autocomplete index are each a `Refreshing`
value. Only the very first read blocks (there is nothing to serve before it); later reads that find
the value older than `every_s` start one background reload and carry on with the current value, which
is also kept when a reload fails.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from opensearchpy.exceptions import OpenSearchException

from vindbaar.errors import VindbaarError

log = logging.getLogger(__name__)

T = TypeVar("T")
#: After a failed reload (OpenSearch unreachable), wait this long rather than retry on every request.
RETRY_AFTER_FAILURE_S = 10.0
#: What a reload may fail with and still leave the old value in service.
RELOAD_ERRORS = (OpenSearchException, OSError, VindbaarError)


class Refreshing(Generic[T]):
    """`load()`'s latest result, reloaded every `every_s` seconds in a background thread.

    `on_change(old, new)` runs after a reload that produced a different value (on the reloading thread).
    """

    def __init__(
        self,
        name: str,
        load: Callable[[], T],
        every_s: float,
        on_change: Callable[[T, T], None] | None = None,
    ) -> None:
        self.name = name
        self._load = load
        self._every_s = every_s
        self._on_change = on_change
        self._value: T | None = None
        self._loaded = False
        self._due_at = float("-inf")
        self._lock = threading.Lock()
        self._again = False  # asked for while a reload ran: that one may have read too early

    def get(self) -> T:
        """The current value; the first call loads it (and raises what the load raises)."""
        if time.monotonic() < self._due_at:
            return self._value  # type: ignore[return-value]  # loaded: _due_at is only set after a load
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    self._reload(first=True)
            return self._value  # type: ignore[return-value]
        if self._lock.acquire(blocking=False):  # else a reload is running: its result will do
            self._again = True
            self._start()
        return self._value  # type: ignore[return-value]

    def reload_in_background(self) -> None:
        """Start a reload now; if one is running, another right after it."""
        self._again = True
        if self._lock.acquire(blocking=False):
            self._start()

    def _start(self) -> None:
        threading.Thread(target=self._reload_then_release, name=f"{self.name}-reload", daemon=True).start()

    def reload(self) -> T:
        """Reload now, on this thread (after this process's own write, so its next request sees it)."""
        with self._lock:
            self._reload(first=not self._loaded)
        return self._value  # type: ignore[return-value]

    def set(self, value: T) -> None:
        """Serve `value` from now on, as if just loaded (this process's own write, known without a read)."""
        self._value, self._loaded = value, True
        self._due_at = time.monotonic() + self._every_s

    def _reload_then_release(self) -> None:
        try:
            while self._again:
                self._again = False
                self._reload(first=False)
        finally:
            self._lock.release()
        if self._again:  # asked for between the last reload and the release
            self.reload_in_background()

    def _reload(self, first: bool) -> None:
        try:
            value = self._load()
        except RELOAD_ERRORS as exc:
            if first:
                raise
            self._due_at = time.monotonic() + min(self._every_s, RETRY_AFTER_FAILURE_S)
            log.warning("could not reload the %s; keeping the one loaded before: %s", self.name, exc)
            return
        old, self._value, self._loaded = self._value, value, True
        self._due_at = time.monotonic() + self._every_s
        if not first and self._on_change is not None and old != value:
            self._on_change(old, value)  # type: ignore[arg-type]
