"""The contract between the query service and the reranking step (personalization, merchandising rules)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from reranker.profiles import Profile


@dataclass
class Candidate:
    """One fused result: its stored fields, its current score and why it has that score."""

    id: str
    source: dict[str, Any]
    score: float
    explain: dict[str, Any] = field(default_factory=dict)


#: How many results a search shows together when it does not say (a search passes its own page size; 20 is
#: `search.params`' default, which the reranker may not import).
PAGE = 20


@dataclass(frozen=True)
class RerankContext:
    """Who is searching for what; identifiers are as the shop sent them.

    `profile` is the shopper's (None without history or consent); `taste_fit` maps candidate ids
    to their fit to the profile's taste in [0, 1], where known, and `taste_words` to the words of the
    shopper's taste each has;
    `strength` is how far personalization may lift results (0 turns it off), as the merchandiser's
    ranking weights say for this search; `base_rates` are each price band's and category's share of the
    catalog, per kind; `shown` is how many results the search shows together (its page size).
    """

    query: str
    user_id: str | None = None
    session_id: str | None = None
    locale: str | None = None
    profile: Profile | None = None
    taste_fit: Mapping[str, float] = field(default_factory=dict)
    strength: float = 0.0
    base_rates: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    taste_words: Mapping[str, Sequence[str]] = field(default_factory=dict)
    shown: int = PAGE


class Reranker(Protocol):
    """Reorders candidates for one shopper; must keep every candidate it does not deliberately drop."""

    def rerank(self, candidates: list[Candidate], context: RerankContext) -> list[Candidate]:
        """Return `candidates` in their final order."""
        ...


class KeepOrder:
    """The reranker used until personalization is configured: the fused order, unchanged."""

    def rerank(self, candidates: list[Candidate], context: RerankContext) -> list[Candidate]:
        """Return `candidates` as they are."""
        return candidates
