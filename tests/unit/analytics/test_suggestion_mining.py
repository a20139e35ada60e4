"""Suggestions mined from searches: typo variants merge into the popular spelling, rare and blocked
queries drop out."""

from __future__ import annotations

import pytest

from analytics.suggestion_mining import MinedQuery, merge_typos, suggestions_from_searches, typo_distance
from vindbaar.text import blocked


@pytest.mark.parametrize(("text", "distance"), [("tv", 0), ("sofa", 1), ("headphone", 2), ("lamp", 1)])
def test_longer_queries_forgive_more_typos(text: str, distance: int) -> None:
    assert typo_distance(text) == distance


def test_typo_variants_fold_into_the_most_searched_spelling() -> None:
    merged = merge_typos([
        MinedQuery("hedphones", 2, {"p1": 2}), MinedQuery("headphones", 9, {"p1": 5, "p2": 4}),
        MinedQuery("headphnoes", 1, {"p3": 1}), MinedQuery("tv", 5), MinedQuery("tc", 1),
    ])  # fmt: skip
    assert [(q.text, q.searches) for q in merged] == [("headphones", 12), ("tv", 5), ("tc", 1)]
    assert merged[0].products == {"p1": 7, "p2": 4, "p3": 1}


def test_rare_and_blocked_queries_are_not_suggested() -> None:
    queries = [MinedQuery("Sony headphones", 5), MinedQuery("cheap junk", 9), MinedQuery("rare thing", 2),
               MinedQuery("junkyard", 4)]  # fmt: skip
    kept = suggestions_from_searches(queries, min_searches=3, blocked_terms=["junk"])
    assert [q.text for q in kept] == ["sony headphones", "junkyard"]  # a blocked word, not a blocked prefix


@pytest.mark.parametrize(
    ("text", "terms", "expected"),
    [("cheap junk", ["junk"], True), ("junkyard", ["junk"], False), ("Fake Rolex watch", ["fake rolex"], True),
     ("rolex fake", ["fake rolex"], False), ("anything", [], False), ("anything", ["  "], False)],
)  # fmt: skip
def test_blocked_terms_match_whole_words_and_phrases(text: str, terms: list[str], expected: bool) -> None:
    assert blocked(text, terms) is expected


def test_a_mined_suggestion_keeps_its_most_clicked_products() -> None:
    doc = MinedQuery("headphones", 12, {"a": 1, "b": 7, "c": 3, "d": 3, "e": 1, "f": 1}).document()
    assert doc["kind"] == "searched" and doc["count"] == 12 and doc["product_ids"] == ["b", "c", "d", "a", "e"]
