""" "Did you mean": spelling correction with rapidfuzz against the catalog's own vocabulary."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from cachetools import LRUCache
from opensearchpy import NotFoundError, OpenSearch, helpers
from rapidfuzz import process
from rapidfuzz.distance import OSA

from vindbaar.index_names import IndexNames
from vindbaar.text import words

log = logging.getLogger(__name__)


def max_edits(word: str) -> int:
    """Edits allowed when correcting `word`.

    One more than OpenSearch's AUTO fuzziness for longer words: correction only runs when fuzzy matching
    already found too little, and it picks among the catalog's own words, most used first.
    """
    if len(word) < 4:
        return 0
    if len(word) < 5:
        return 1
    return 2 if len(word) < 8 else 3


class Vocabulary:
    """Known words and how many products use each; corrects unknown words to frequent close ones."""

    def __init__(self, counts: Mapping[str, int], cache_size: int = 10_000) -> None:
        self._counts = dict(counts)
        self._words = list(self._counts)
        # Each search asks for the correction of its query (the kNN side embeds it); misspellings repeat.
        self._cache: LRUCache[str, str | None] = LRUCache(cache_size)
        self._lock = threading.Lock()

    def correct_word(self, word: str) -> str | None:
        """The best known replacement of an unknown `word`: fewest edits (a swap counts as one), then most used."""
        word = word.lower()
        limit = max_edits(word)
        if limit == 0 or word in self._counts or any(ch.isdigit() for ch in word):
            return None
        matches = process.extract(word, self._words, scorer=OSA.distance, score_cutoff=limit, limit=25)
        if not matches:
            return None
        best = min(matches, key=lambda m: (m[1], -self._counts[m[0]]))
        return str(best[0])

    def knows_all(self, query: str) -> bool:
        """Whether every word of `query` is a catalog word (then there is no typo to forgive)."""
        tokens = words(query)
        return bool(tokens) and all(token in self._counts for token in tokens)

    def correct(self, query: str) -> str | None:
        """`query` with its unknown words corrected, or None when there is nothing to correct."""
        with self._lock:
            if query in self._cache:
                return self._cache[query]
        tokens = words(query)
        corrected = [self.correct_word(t) or t for t in tokens]
        result = " ".join(corrected) if corrected != tokens else None
        with self._lock:
            self._cache[query] = result
        return result

    @classmethod
    def load(cls, client: OpenSearch, names: IndexNames) -> Vocabulary:
        """Read the ``term`` entries of the suggestions index (empty if it does not exist yet)."""
        query = {"_source": ["text", "count"], "query": {"term": {"kind": "term"}}}
        counts: dict[str, int] = {}
        try:
            for hit in helpers.scan(client, index=names.suggestions, query=query, size=5000):
                counts[hit["_source"]["text"]] = int(hit["_source"]["count"])
        except NotFoundError:
            log.warning("no suggestions index for %r yet: spelling correction is off until a reindex", names.alias)
        return cls(counts)
