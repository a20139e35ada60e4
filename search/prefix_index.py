"""An in-memory index that finds entries by the beginnings of their words, typos forgiven: autocomplete's core.

Entries are numbered in rank order (best first), so the best matches of a query are simply the lowest
numbers that match. Every distinct word is kept in one sorted list, and the entries of all words in one
flat array in that same order, so the entries of every word that starts with a prefix are one slice of
it: a query costs a few numpy operations per typed word, whatever the prefix.

Example: over ``[["sony", "headphones"], ["sonos", "speaker"]]``, ``find(["so", "he"])`` is ``[0]``.
"""

from __future__ import annotations

import bisect
import threading
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache
from rapidfuzz import process
from rapidfuzz.distance import OSA

from vindbaar.text import words

Mask = npt.NDArray[np.bool_]
#: Words this long forgive one typo in what was typed so far, this long two (as OpenSearch's AUTO fuzziness).
ONE_TYPO_FROM = 4
TWO_TYPOS_FROM = 8


def fold(text: str) -> str:
    """`text` lower-cased without accents ("Crème" and "creme" are one word to a shopper typing)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def typed_words(text: str) -> list[str]:
    """The folded words of what a shopper typed."""
    return [fold(w) for w in words(text)]


def allowed_typos(word: str) -> int:
    """Typos forgiven in a typed word: none in short ones, the first letter always kept."""
    if len(word) < ONE_TYPO_FROM:
        return 0
    return 1 if len(word) < TWO_TYPOS_FROM else 2


class PrefixIndex:
    """Entries found by prefixes of their words: every typed word must begin a word of the entry."""

    def __init__(self, entry_words: Iterable[Iterable[str]]) -> None:
        postings: dict[str, list[int]] = {}
        size = 0
        for number, entry in enumerate(entry_words):
            size = number + 1
            for word in set(entry):
                postings.setdefault(word, []).append(number)
        self.size = size
        self._words = sorted(postings)
        lengths = np.fromiter((len(postings[w]) for w in self._words), dtype=np.int64, count=len(self._words))
        self._offsets = np.concatenate(([0], np.cumsum(lengths)))
        flat = [number for word in self._words for number in postings[word]]
        self._entries = np.asarray(flat, dtype=np.int32)
        self._alphabet = sorted({letter for word in self._words for letter in word})
        self._typo_cache: LRUCache[str, tuple[str, ...]] = LRUCache(20_000)
        self._lock = threading.Lock()

    def _span(self, prefix: str) -> tuple[int, int]:
        """The range of words (in sorted order) that start with `prefix`."""
        return bisect.bisect_left(self._words, prefix), bisect.bisect_left(self._words, prefix + "\U0010ffff")

    def _mark(self, mask: Mask, prefix: str) -> None:
        first, last = self._span(prefix)
        mask[self._entries[self._offsets[first] : self._offsets[last]]] = True

    def near_prefixes(self, typed: str) -> tuple[str, ...]:
        """Words' beginnings within the typos allowed for `typed` (same first letter).

        "iphnoe" finds "iphone" (a swap counts as one typo), "koptelefon" "koptelefoo" (then "koptelefoon").
        """
        limit = allowed_typos(typed)
        if limit == 0:
            return ()
        with self._lock:
            cached = self._typo_cache.get(typed)
        if cached is not None:
            return cached
        near = self._one_typo(typed) if limit == 1 else self._typos(typed, limit)
        with self._lock:
            self._typo_cache[typed] = near
        return near

    def _begins_a_word(self, prefix: str) -> bool:
        position = bisect.bisect_left(self._words, prefix)
        return position < len(self._words) and self._words[position].startswith(prefix)

    def _one_typo(self, typed: str) -> tuple[str, ...]:
        """Every one-edit variant of `typed` (first letter kept) that begins a word: a few hundred lookups."""
        head, rest = typed[0], typed[1:]
        variants = {head + rest[:i] + rest[i + 1 :] for i in range(len(rest))}  # a letter too many
        variants |= {head + rest[:i] + rest[i + 1] + rest[i] + rest[i + 2 :] for i in range(len(rest) - 1)}  # swap
        for letter in self._alphabet:
            variants |= {head + rest[:i] + letter + rest[i + 1 :] for i in range(len(rest))}  # a wrong letter
            variants |= {head + rest[:i] + letter + rest[i:] for i in range(len(rest) + 1)}  # a letter left out
        variants.discard(typed)
        return tuple(sorted(v for v in variants if not v.startswith(typed) and self._begins_a_word(v)))

    def _typos(self, typed: str, limit: int) -> tuple[str, ...]:
        """Beginnings within `limit` edits of `typed`, compared with rapidfuzz (long words only)."""
        first, last = self._span(typed[0])
        candidates = self._words[first:last]
        found: set[str] = set()
        # A beginning one letter shorter or longer than typed covers a letter missed or typed twice.
        for length in (len(typed) - 1, len(typed), len(typed) + 1):
            beginnings = sorted({w[:length] for w in candidates if len(w) >= length})
            matches = process.extract(typed, beginnings, scorer=OSA.distance, score_cutoff=limit, limit=None)
            found.update(text for text, _, _ in matches)
        return tuple(sorted(t for t in found if not t.startswith(typed)))

    def matches(self, typed: Sequence[str], fuzzy: bool, within: Mask | None = None) -> Mask:
        """Which entries have, for every typed word, a word that begins with it (or, `fuzzy`, nearly)."""
        result = np.ones(self.size, dtype=np.bool_) if within is None else within.copy()
        for word in typed:
            mask = np.zeros(self.size, dtype=np.bool_)
            self._mark(mask, word)
            if fuzzy:
                for near in self.near_prefixes(word):
                    self._mark(mask, near)
            result &= mask
        return result

    def find(self, typed: Sequence[str], limit: int, within: Mask | None = None) -> list[int]:
        """The best `limit` entries (lowest numbers) for the typed words: exact beginnings first, then
        beginnings with typos."""
        return self.lookup(typed).best(limit, within)

    def lookup(self, typed: Sequence[str]) -> Lookup:
        """The matches of `typed`, computed once for several `best` calls (one per kind of suggestion)."""
        return Lookup(self, typed)

    def mask_of(self, numbers: Iterable[int]) -> Mask:
        """A mask of the given entries (a kind of suggestion, say)."""
        mask = np.zeros(self.size, dtype=np.bool_)
        mask[np.fromiter(numbers, dtype=np.int64)] = True
        return mask


class Lookup:
    """The entries matching one typed text: exact beginnings, and (computed only when asked) with typos."""

    def __init__(self, index: PrefixIndex, typed: Sequence[str]) -> None:
        self._index = index
        self._typed = list(typed)
        self._exact: Mask | None = None
        self._near: Mask | None = None

    def best(self, limit: int, within: Mask | None = None) -> list[int]:
        """The best `limit` entries (within a kind): exact beginnings first, then beginnings with typos."""
        if not self._typed or self._index.size == 0:
            return []
        if self._exact is None:
            self._exact = self._index.matches(self._typed, fuzzy=False)
        found = [int(n) for n in np.flatnonzero(self._exact if within is None else self._exact & within)[:limit]]
        if len(found) < limit and any(allowed_typos(w) for w in self._typed):
            if self._near is None:
                self._near = self._index.matches(self._typed, fuzzy=True) & ~self._exact
            near = self._near if within is None else self._near & within
            found += [int(n) for n in np.flatnonzero(near)[: limit - len(found)]]
        return found
