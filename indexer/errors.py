"""Errors of the write path; part of the `VindbaarError` tree (see `vindbaar/errors.py`).

VindbaarError
├── InvalidInput
│   └── CatalogFormatError   the input is not a catalog at all (binary, empty, wrong format, no id/title)
└── IndexerError
    ├── VerificationFailed   a freshly built index failed its checks; the alias was not moved
    └── RollbackImpossible   there is no earlier index to roll back to
"""

from __future__ import annotations

from vindbaar.errors import InvalidInput, VindbaarError


class IndexerError(VindbaarError):
    """Base class of indexer errors about the indices themselves."""


class CatalogFormatError(InvalidInput):
    """The input cannot be read as a catalog; the message names the file and, if known, the line."""


class VerificationFailed(IndexerError):
    """The new index does not hold what was accepted, or does not answer a query."""


class RollbackImpossible(IndexerError):
    """No previous index is kept."""
