"""The autocomplete index in memory: entries found by the beginnings of their words, best first, typos
forgiven only when exact beginnings run out."""

from __future__ import annotations

import pytest

from search.prefix_index import PrefixIndex, allowed_typos, fold, typed_words

ENTRIES = [
    ["sony", "headphones"],  # 0: the best
    ["sonos", "speaker"],  # 1
    ["iphone", "case"],  # 2
    ["koptelefoon", "draadloos"],  # 3
    ["headphone", "stand"],  # 4
    ["creme", "brulee"],  # 5
]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (["so"], [0, 1]),  # every entry with a word that begins so, in rank order
        (["so", "he"], [0]),  # every typed word must begin a word of the entry
        (["head"], [0, 4]),
        (["headphones", "sony"], [0]),  # word order does not matter
        (["iphnoe"], [2]),  # a swap is one typo
        (["koptelefon"], [3]),  # a letter left out
        (["ipone"], [2]),  # one letter missing in a five-letter word
        (["xyz"], []),
        (["ip"], [2]),  # short: exact only
        (["sp"], [1]),
    ],
)
def test_find(typed: list[str], expected: list[int]) -> None:
    assert PrefixIndex(ENTRIES).find(typed, limit=10) == expected


def test_exact_beginnings_come_before_typos_and_the_limit_holds() -> None:
    index = PrefixIndex([["stand"], ["stamd"], ["stan"], ["standard"]])
    assert index.find(["stan"], limit=10) == [0, 2, 3, 1]
    assert index.find(["stan"], limit=2) == [0, 2]


def test_typos_are_not_forgiven_when_exact_beginnings_fill_the_list() -> None:
    index = PrefixIndex([["lamp"], ["lamps"], ["lump"]])
    assert index.find(["lamp"], limit=2) == [0, 1]
    assert index.find(["lamp"], limit=3) == [0, 1, 2]


def test_the_first_letter_is_never_a_typo() -> None:
    assert PrefixIndex([["lamp"]]).find(["kamp"], limit=5) == []


def test_within_restricts_to_a_kind() -> None:
    index = PrefixIndex(ENTRIES)
    assert index.find(["so"], limit=10, within=index.mask_of([1])) == [1]


@pytest.mark.parametrize(("word", "typos"), [("ip", 0), ("lam", 0), ("lamp", 1), ("koptelef", 2)])
def test_allowed_typos(word: str, typos: int) -> None:
    assert allowed_typos(word) == typos


def test_typed_text_is_folded_like_the_entries() -> None:
    assert typed_words("Crème  BRÛLÉE") == ["creme", "brulee"]
    assert fold("Forså") == "forsa"
    assert PrefixIndex(ENTRIES).find(typed_words("Crè"), limit=3) == [5]


def test_an_empty_index_finds_nothing() -> None:
    assert PrefixIndex([]).find(["a"], limit=3) == []
