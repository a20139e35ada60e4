"""Errors of the reranker's stores; part of the `VindbaarError` tree (see `vindbaar/errors.py`).

VindbaarError
├── NotFound
│   ├── UnknownVersion      no such merchandising config version
│   └── UnknownExperiment   no such experiment in the live config
└── Conflict
    ├── TooManyConflicts    concurrent writers kept changing the same document; the caller may retry
    ├── StaleVersion        a config change was based on a version that is no longer the live one
    └── ExperimentConflict  an experiment cannot start or stop in the state it is in
"""

from __future__ import annotations

from vindbaar.errors import Conflict, NotFound


class UnknownVersion(NotFound):
    """No such config version."""


class TooManyConflicts(Conflict):
    """Optimistic-concurrency retries ran out."""


class StaleVersion(Conflict):
    """Someone published since the version a change was based on; `details` holds the current version."""

    def __init__(self, base_version: int, current_version: int) -> None:
        super().__init__(
            f"the config changed since version {base_version}: version {current_version} is live now. "
            "Review it (GET /admin/config, /admin/config/diff) and base your change on it."
        )
        self.details = {"base_version": base_version, "current_version": current_version}


class UnknownExperiment(NotFound):
    """No experiment of that id in the live config."""


class ExperimentConflict(Conflict):
    """Another experiment runs, an id is taken, or the experiment is not running."""
