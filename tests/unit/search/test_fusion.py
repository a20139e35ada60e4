"""Reciprocal rank fusion."""

from __future__ import annotations

import pytest

from search.fusion import RRF_K, fuse_candidates, reciprocal_rank_fusion


def _hits(*ids: str) -> list[dict[str, object]]:
    return [{"_id": i, "_source": {"title": i}} for i in ids]


def test_item_ranked_well_in_both_lists_wins() -> None:
    fused = reciprocal_rank_fusion({"lexical": _hits("a", "b", "x", "c"), "semantic": _hits("c", "b", "d")})
    assert [h.id for h in fused][:2] == ["b", "c"]
    assert fused[0].ranks == {"lexical": 2, "semantic": 2}


def test_score_is_the_weighted_sum_of_reciprocal_ranks() -> None:
    fused = reciprocal_rank_fusion({"lexical": _hits("a"), "semantic": _hits("x", "a")}, weights={"semantic": 2.0})
    a = next(h for h in fused if h.id == "a")
    assert a.score == pytest.approx(1 / (RRF_K + 1) + 2.0 / (RRF_K + 2))


def test_absent_list_rank_is_none() -> None:
    fused = reciprocal_rank_fusion({"lexical": _hits("a"), "semantic": []})
    assert fused[0].ranks == {"lexical": 1, "semantic": None}


def test_fused_candidates_keep_the_word_match_score_beside_the_ranks() -> None:
    lexical = [{"_id": "a", "_score": 7.5, "_source": {}}]
    semantic = [{"_id": "b", "_score": 0.9, "_source": {}}, {"_id": "a", "_score": 0.8, "_source": {}}]
    explains = {c.id: c.explain for c in fuse_candidates({"lexical": 1.0, "semantic": 1.0}, lexical, semantic)}
    assert explains["a"]["lexical_score"] == 7.5 and "lexical_score" not in explains["b"]
