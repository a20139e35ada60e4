"""The contract between the query service and the reranking step (personalization, merchandising rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Candidate:
    """One fused result: its stored fields, its current score and why it has that score."""

    id: str
    source: dict[str, Any]
    score: float
    explain: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RerankContext:
    """Who is searching for what; identifiers are as the shop sent them."""

    query: str
    user_id: str | None = None
    session_id: str | None = None
    locale: str | None = None


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
