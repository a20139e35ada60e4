"""How well a search's candidates fit the shopper's taste: by words or by embedding, in one request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from opensearchpy import OpenSearch

from reranker.profiles import Profile
from reranker.taste import taste_fit
from search.query import build_taste_body, build_word_taste_body, hit_id


@dataclass(frozen=True)
class TasteScores:
    """Each candidate's fit to the shopper's taste in [0, 1] (times the taste's confidence), and the words of
    their taste each candidate has (when the word taste scored)."""

    fit: Mapping[str, float] = field(default_factory=dict)
    words: Mapping[str, list[str]] = field(default_factory=dict)


def taste_scores(
    client: OpenSearch, index: str, ids: Sequence[str], profile: Profile | None, dimension: int, timeout_s: float
) -> TasteScores | None:
    """Score every product of `ids` against the shopper's leading taste (`Profile.word_taste_leads`), or the
    one that can be compared (None when no taste has earned a say: no request then). Every candidate is
    scored: a kNN list of the taste's neighbours would reach almost none of a query's candidates."""
    if profile is None or not ids:
        return None
    vector = profile.taste_vector()
    # A taste learned under another embedding model cannot be compared (it starts over at the next choice).
    comparable = vector is not None and len(vector) == dimension
    words = profile.taste_words()
    if words and (profile.word_taste_leads() or not comparable):
        body = build_word_taste_body(ids, words)
        hits = client.search(index=index, body=body, request_timeout=timeout_s)["hits"]["hits"]
        fit = taste_fit({hit_id(h): float(h["_score"] or 0.0) for h in hits}, profile.word_taste.confidence())
        named = {hit_id(h): list(h.get("matched_queries") or []) for h in hits if fit.get(hit_id(h), 0.0) > 0}
        return TasteScores(fit, named)
    if vector is not None and comparable:
        hits = client.search(index=index, body=build_taste_body(ids, vector), request_timeout=timeout_s)["hits"]["hits"]
        # Lucene's cosine score is (1 + cos) / 2.
        return TasteScores(taste_fit({hit_id(h): 2 * float(h["_score"]) - 1 for h in hits}, profile.taste.confidence()))
    return None
