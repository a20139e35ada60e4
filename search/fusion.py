"""Reciprocal rank fusion of several ranked hit lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reranker.candidates import Candidate
from search.query import hit_id
from vindbaar import schema

#: The usual RRF constant: dampens the weight of the very first ranks.
RRF_K = 60


@dataclass
class FusedHit:
    """A document with its fused score and its 1-based rank in each input list (None: absent)."""

    id: str
    source: dict[str, Any]
    score: float
    ranks: dict[str, int | None] = field(default_factory=dict)


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[Mapping[str, Any]]],
    weights: Mapping[str, float] | None = None,
    k: int = RRF_K,
) -> list[FusedHit]:
    """Fuse OpenSearch hit lists by ``sum(weight / (k + rank))``, best first; ties keep first-seen order.

    `rankings` maps a list name (``"lexical"``, ``"semantic"``) to its hits, each with ``_id``/``_source``.
    """
    fused: dict[str, FusedHit] = {}
    for name, hits in rankings.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        for rank, hit in enumerate(hits, start=1):
            doc_id = hit_id(hit)
            entry = fused.get(doc_id)
            if entry is None:
                # Retrieval may ask for doc-value `fields` instead of `_source`: keep both.
                entry = FusedHit(doc_id, {**hit.get("fields", {}), **hit.get("_source", {})}, 0.0,
                                 dict.fromkeys(rankings))  # fmt: skip
                fused[doc_id] = entry
            entry.ranks[name] = rank
            entry.score += weight / (k + rank)
    return sorted(fused.values(), key=lambda h: h.score, reverse=True)


def fuse_candidates(
    weights: Mapping[str, float], lexical: Sequence[Mapping[str, Any]], semantic: Sequence[Mapping[str, Any]]
) -> list[Candidate]:
    """The lexical and semantic lists fused into reranking candidates, each explaining its two ranks."""
    fused = reciprocal_rank_fusion({"lexical": lexical, "semantic": semantic}, weights)
    # The word-match score itself, beside the ranks: how far the first match leads says how clear it is.
    word_scores = {hit_id(hit): hit.get("_score") for hit in lexical}
    return [
        Candidate(
            hit.id,
            {(schema.BRAND if key == schema.BRAND_KEYWORD else key): value for key, value in hit.source.items()},
            hit.score,
            {
                "lexical_rank": hit.ranks["lexical"],
                "semantic_rank": hit.ranks["semantic"],
                "fused_score": hit.score,
                **({"lexical_score": word_scores[hit.id]} if word_scores.get(hit.id) is not None else {}),
            },
        )
        for hit in fused
    ]
