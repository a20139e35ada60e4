"""Suggestion counting from the catalog (pure text logic)."""

from __future__ import annotations

from indexer.suggestions import count_suggestions, suggestion_documents


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
