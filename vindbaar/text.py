"""How Vindbaar splits shop text into words, the same way for suggestions, spelling and synonyms."""

from __future__ import annotations

import re
from collections.abc import Collection

# Letters and digits; apostrophes and hyphens inside a word keep it whole (De'Longhi, WH-1000XM5).
_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*", re.UNICODE)


def words(text: str) -> list[str]:
    """The lower-cased words of `text`."""
    return [w.lower() for w in _WORD.findall(text)]


def normalized(text: str) -> str:
    """`text` as a key for what a shopper typed: lower-cased, runs of whitespace as one space, trimmed."""
    return " ".join(text.lower().split())


def blocked(text: str, terms: Collection[str]) -> bool:
    """Whether `text` contains one of `terms` (a word, or a phrase of words; compared as `words` gives them)."""
    if not terms:
        return False
    padded = f" {' '.join(words(text))} "
    return any(f" {' '.join(words(term))} " in padded for term in terms if words(term))
