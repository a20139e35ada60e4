"""How well a search's candidates fit the shopper's taste: by embedding and by words, in one round trip."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opensearchpy import OpenSearch

from reranker.profiles import Profile
from reranker.taste import taste_fit
from search.query import build_taste_body, build_word_taste_body, hit_id
from vindbaar.errors import SearchFailed


@dataclass(frozen=True)
class TasteScores:
    """Each candidate's fit to the shopper's taste in [0, 1] (the better of the embedding taste's and the
    word taste's, each times its confidence), and the taste words each candidate has."""

    fit: Mapping[str, float] = field(default_factory=dict)
    words: Mapping[str, list[str]] = field(default_factory=dict)


def taste_scores(
    client: OpenSearch, index: str, ids: Sequence[str], profile: Profile | None, dimension: int, timeout_s: float
) -> TasteScores | None:
    """Score every product of `ids` against the parts of `profile`'s taste that have earned a say (None when
    none has: no request then). Every candidate is scored: a kNN list of the taste's neighbours would reach
    almost none of a query's candidates (0.3 % measured)."""
    vector = profile.taste_vector() if profile is not None else None
    # A taste learned under another embedding model cannot be compared (it starts over at the next choice).
    vector = vector if vector is not None and len(vector) == dimension else None
    words = profile.taste_words() if profile is not None else {}
    if profile is None or not ids or (vector is None and not words):
        return None
    bodies: list[dict[str, Any]] = []
    if vector is not None:
        bodies += [{"index": index}, build_taste_body(ids, vector)]
    if words:
        bodies += [{"index": index}, build_word_taste_body(ids, words)]
    answers = client.msearch(body=bodies, request_timeout=timeout_s)["responses"]
    for answer in answers:
        if "error" in answer:
            raise SearchFailed(answer["error"], answer.get("status"))
    fits: list[dict[str, float]] = []
    matched: dict[str, list[str]] = {}
    if vector is not None:
        hits = answers.pop(0)["hits"]["hits"]
        # Lucene's cosine score is (1 + cos) / 2.
        fits.append(taste_fit({hit_id(h): 2 * float(h["_score"]) - 1 for h in hits}, profile.taste.confidence()))
    if words:
        hits = answers.pop(0)["hits"]["hits"]
        by_words = taste_fit({hit_id(h): float(h["_score"] or 0.0) for h in hits}, profile.word_taste.confidence())
        fits.append(by_words)
        matched = {hit_id(h): list(h["matched_queries"]) for h in hits if by_words.get(hit_id(h), 0.0) > 0}
    best: dict[str, float] = {}
    for fit in fits:
        for pid, value in fit.items():
            best[pid] = max(value, best.get(pid, 0.0))
    return TasteScores(best, matched)
