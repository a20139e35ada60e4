"""Synonyms, spelling correction and suggestion counting: pure text logic."""

from __future__ import annotations

import pytest

from indexer.suggestions import count_suggestions, suggestion_documents
from search.spelling import Vocabulary, max_edits
from vindbaar.synonyms import SynonymsError, expand, load_synonyms, parse_synonyms

RULES = parse_synonyms(
    """
    # equivalents
    headphones, koptelefoon, hoofdtelefoon
    tv, television
    laptop bag => notebook sleeve
    """
)


def test_equivalent_synonyms_expand_in_every_direction() -> None:
    assert expand("sony koptelefoon", RULES) == ["sony headphones", "sony hoofdtelefoon"]
    assert expand("headphones", RULES) == ["koptelefoon", "hoofdtelefoon"]


def test_one_way_synonyms_only_rewrite_their_left_side() -> None:
    assert expand("laptop bag", RULES) == ["notebook sleeve"]
    assert expand("notebook sleeve", RULES) == []


def test_a_query_without_synonyms_has_no_alternatives() -> None:
    assert expand("espresso machine", RULES) == []


def test_a_bad_synonym_line_is_reported_with_its_line_number() -> None:
    with pytest.raises(SynonymsError, match=r"shop\.txt:2"):
        parse_synonyms("tv, television\nlonely\n", "shop.txt")


def test_the_built_in_synonyms_file_parses() -> None:
    assert any(("koptelefoon",) in rule.inputs for rule in load_synonyms(None))


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


def test_suggestions_count_words_pairs_brands_and_category_ancestors_per_product() -> None:
    docs = [
        {"title": "Sony WH-1000XM5 Headphones", "brand": "Sony",
         "category_ancestors": ["Electronics", "Electronics > Audio", "Electronics > Audio > Headphones"]},
        {"title": "Sony Headphones black", "brand": "Sony", "category_ancestors": ["Electronics"]},
    ]  # fmt: skip
    counts = count_suggestions(docs)
    assert counts.terms["sony"] == 2 and counts.terms["wh-1000xm5"] == 1
    assert counts.queries["sony headphones"] == 2
    assert counts.brands == {"Sony": 2}
    assert counts.categories["Electronics > Audio"] == 1
    by_kind = {(d["kind"], d["text"]) for d in suggestion_documents(counts)}
    assert ("query", "sony headphones") in by_kind
    assert ("query", "headphones black") not in by_kind  # seen once: not yet a suggestion
    assert ("category", "Audio") in by_kind
