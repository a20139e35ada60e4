"""Errors of the reranker's stores; part of the `VindbaarError` tree (see `vindbaar/errors.py`).

VindbaarError
├── NotFound
│   └── UnknownVersion      no such merchandising config version
└── Conflict
    └── TooManyConflicts    concurrent writers kept changing the same document; the caller may retry
"""

from __future__ import annotations

from vindbaar.errors import Conflict, NotFound


class UnknownVersion(NotFound):
    """No such config version."""


class TooManyConflicts(Conflict):
    """Optimistic-concurrency retries ran out."""
