"""Jobs each worker runs in the background: rebuilding the indices derived from the search log
(suggestions from searches, query-level click learning). Every worker checks; a job whose last build is
younger than its interval (read from its index's name) is not run again, so several workers share it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from opensearchpy import OpenSearch

from indexer.indices import alias_targets

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A rebuild that publishes a new index behind `alias` every `interval_s` (0: never)."""

    name: str
    alias: str
    interval_s: float
    run: Callable[[], object]


def built_at(client: OpenSearch, alias: str) -> datetime | None:
    """When the index behind `alias` was built (from its versioned name), None if never."""
    targets = alias_targets(client, alias)
    if not targets:
        return None
    stamp = targets[0].rsplit("-", 1)[-1]
    return datetime.strptime(stamp, "%Y%m%dt%H%M%S%f").replace(tzinfo=UTC)


class BackgroundJobs:
    """A daemon thread that runs each due job (checks at most every minute)."""

    def __init__(self, client: OpenSearch, jobs: Sequence[Job]) -> None:
        self._client = client
        self._jobs = [job for job in jobs if job.interval_s > 0]
        self._attempted: dict[str, datetime] = {}  # a run may publish nothing (a model that did not win)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="background-jobs", daemon=True)

    def start(self) -> None:
        if self._jobs:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        tick = min(60.0, *(job.interval_s for job in self._jobs))
        while not self._stop.wait(tick):
            for job in self._jobs:
                self.run_if_due(job)

    def run_if_due(self, job: Job) -> bool:
        """Run `job` if its last build is older than its interval; whether it ran. A failure is logged and
        retried at the next check."""
        try:
            now, interval = datetime.now(UTC), timedelta(seconds=job.interval_s)
            last = max(filter(None, (built_at(self._client, job.alias), self._attempted.get(job.name))), default=None)
            if last is not None and now - last < interval:
                return False
            job.run()
            self._attempted[job.name] = now
            log.info("%s: rebuilt", job.name)
            return True
        except Exception as exc:
            log.warning("%s failed: %s", job.name, exc)
            return False
