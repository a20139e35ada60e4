"""Spelling correction against the catalog's vocabulary (pure text logic)."""

from __future__ import annotations

import pytest

from search.spelling import Vocabulary, max_edits

VOCABULARY = Vocabulary({"iphone": 120, "headphones": 300, "koptelefoon": 80, "phone": 40, "espresso": 30})


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [("iphnoe", "iphone"), ("jphone", "iphone"), ("hedfones", "headphones"), ("koptelefon", "koptelefoon")],
)
def test_misspelled_words_are_corrected_to_catalog_words(typed: str, corrected: str) -> None:
    assert VOCABULARY.correct_word(typed) == corrected


def test_known_words_short_words_and_model_numbers_are_left_alone() -> None:
    assert VOCABULARY.correct("phone") is None
    assert VOCABULARY.correct_word("ipx") is None
    assert VOCABULARY.correct_word("wh1000") is None


def test_correct_rewrites_only_the_unknown_words_of_a_query() -> None:
    assert VOCABULARY.correct("cheap iphnoe") == "cheap iphone"


def test_ties_go_to_the_more_common_word() -> None:
    vocabulary = Vocabulary({"lamp": 5, "lamb": 50})
    assert vocabulary.correct_word("lamx") == "lamb"


def test_edit_budget_grows_with_word_length() -> None:
    assert [max_edits(w) for w in ("tv", "lamp", "phone", "headphone")] == [0, 1, 2, 3]


def test_a_query_of_catalog_words_needs_no_typo_tolerance() -> None:
    assert VOCABULARY.knows_all("iPhone headphones")
    assert not VOCABULARY.knows_all("iphone hedfones")
    assert not VOCABULARY.knows_all("  "), "nothing typed, nothing known"
    assert not Vocabulary({}).knows_all("iphone"), "no vocabulary yet: tolerate typos"
