"""The one error hierarchy of the project.

Every error Vindbaar raises on purpose derives from `VindbaarError`. Each wing adds its own
subclasses in its own ``errors.py`` (shown indented under the class they extend); the HTTP layer
maps the classes below to status codes in one place (`search/http/errors.py`), and the CLI prints
any of them as one message and exits non-zero.

    VindbaarError
    ├── BackendUnavailable          OpenSearch cannot be reached, timed out, or none is configured   (503)
    ├── BackendError                OpenSearch refused a request                                      (502)
    │   ├── SearchFailed            one request of a search or autocomplete was answered with an error
    │   └── WriteFailed             a write was refused (not a version conflict)
    ├── NotFound                    the thing asked for does not exist                                (404)
    │   └── UnknownVersion          reranker: no such merchandising config version
    ├── Conflict                    concurrent changes could not be reconciled; retry                 (409)
    │   ├── TooManyConflicts        reranker: concurrent writers kept changing the same document
    │   └── StaleVersion            reranker: a config change based on a version that is no longer live
    ├── NotAuthenticated            who is calling, or for which shopper, is not proven              (401)
    │   └── InvalidUserToken        a user token that is malformed, tampered with or expired
    ├── NotPermitted                the caller may not do this (e.g. act for another shopper)        (403)
    ├── InvalidInput                input that cannot be used; the message names the file/line/field  (422)
    │   ├── SynonymsError           a synonyms line is not a rule
    │   └── CatalogFormatError      indexer: the input is not a catalog at all
    ├── IndexerError                indexer: a reindex or rollback could not be done
    │   ├── VerificationFailed      a freshly built index failed its checks; the alias was not moved
    │   └── RollbackImpossible      there is no earlier index to roll back to
    └── LocalNodeError              devtools: the local OpenSearch node cannot be fetched, started or stopped
        ├── JavaNotFound, MavenNotFound, ArtifactFetchFailed, PortBusy, NodeStartFailed

Every message says what went wrong and how to fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


class VindbaarError(Exception):
    """Base class of every error Vindbaar raises on purpose.

    `details` are facts a client can act on (e.g. the current version after a conflict); the HTTP layer
    adds them to the error body.
    """

    details: Mapping[str, Any] = MappingProxyType({})


class BackendUnavailable(VindbaarError):
    """OpenSearch is not reachable, too slow, or not configured."""


class BackendError(VindbaarError):
    """OpenSearch answered, but refused the request.

    `status` and `error_type` are OpenSearch's (503, ``no_shard_available_action_exception``) when known:
    the HTTP layer tells a refusal from a cluster that is recovering by them.
    """

    def __init__(self, message: str, status: int | None = None, error_type: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type


class SearchFailed(BackendError):
    """OpenSearch answered one request of an `_msearch` (or a search) with an error."""

    def __init__(self, error: Any, status: int | None = None) -> None:
        error_type = error.get("type") if isinstance(error, dict) else None
        super().__init__(f"OpenSearch rejected the search: {error}", status, error_type)
        self.error = error

    @property
    def index_missing(self) -> bool:
        """Whether the error is a missing index (no catalog loaded yet)."""
        return "index_not_found_exception" in str(self.error)


class WriteFailed(BackendError):
    """OpenSearch refused to store a document (for another reason than a version conflict)."""


class NotFound(VindbaarError):
    """The requested object does not exist."""


class Conflict(VindbaarError):
    """Concurrent changes kept colliding; the caller may retry."""


class InvalidInput(VindbaarError):
    """Input that cannot be used; the message names where it is wrong."""


class NotAuthenticated(VindbaarError):
    """The request does not prove who is calling, or on behalf of which shopper."""


class InvalidUserToken(NotAuthenticated):
    """A user token that is malformed, tampered with, or expired."""


class NotPermitted(VindbaarError):
    """The caller is known but may not do this."""
