"""Query-level click learning: evidence from logged searches, corrected for position, decayed, with a
minimum of distinct searches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reranker.query_learning import LearningConfig, LoggedOutcome, click_weight, learn

NOW = datetime(2026, 11, 29, tzinfo=UTC)
SHOWN = [f"p{n}" for n in range(1, 21)]


def _search(clicked: list[str] = [], carted: list[str] = [], purchased: list[str] = [], days_ago: float = 0,  # noqa: B006
            query: str = "lamp", offset: int = 0) -> LoggedOutcome:  # fmt: skip
    return LoggedOutcome(query, NOW - timedelta(days=days_ago), SHOWN, offset, clicked, carted, purchased)


@pytest.mark.parametrize(("rank", "weight"), [(1, 1.0), (2, 2.0), (8, 8.0), (50, 10.0)])
def test_a_click_further_down_counts_more_up_to_a_cap(rank: int, weight: float) -> None:
    assert click_weight(rank, LearningConfig()) == weight


def test_a_product_needs_enough_distinct_searches() -> None:
    config = LearningConfig(min_searches=3)
    assert learn([_search(["p5"]), _search(["p5"])], NOW, config) == {}
    learned = learn([_search(["p5"]), _search(["p5"]), _search(purchased=["p5"])], NOW, config)
    assert learned["lamp"]["p5"].searches == 3
    assert learned["lamp"]["p5"].evidence == pytest.approx(5 + 5 + 5)  # two clicks at rank 5, a purchase


def test_purchases_outweigh_clicks_and_old_evidence_fades() -> None:
    config = LearningConfig(min_searches=1, half_life_days=30)
    learned = learn([_search(["p1"]), _search(purchased=["p2"]), _search(["p3"], days_ago=30)], NOW, config)["lamp"]
    assert learned["p2"].evidence > learned["p1"].evidence
    assert learned["p3"].evidence == pytest.approx(1.5)  # rank 3, half-life gone by
    assert list(learned) == ["p2", "p3", "p1"]  # strongest first


def test_ranks_on_later_pages_count_from_the_page_start() -> None:
    learned = learn([_search(["p1"], offset=20)], NOW, LearningConfig(min_searches=1))
    assert learned["lamp"]["p1"].evidence == 10.0  # rank 21, capped


def test_one_shopper_clicking_twice_in_one_search_counts_once() -> None:
    learned = learn([_search(["p4", "p4"])], NOW, LearningConfig(min_searches=1))
    assert learned["lamp"]["p4"].searches == 1 and learned["lamp"]["p4"].evidence == 4.0
