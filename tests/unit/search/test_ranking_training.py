"""How the gate weighs each logged choice: by where the search showed it (position bias)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reranker.query_learning import LearningConfig, LoggedOutcome
from search.ranking_training import seen_weights

CONFIG = LearningConfig(eta=1.0, max_propensity_weight=10.0)


@pytest.mark.parametrize(
    ("shown", "offset", "ids", "weights"),
    [
        (["a", "b", "c"], 0, ["a", "b", "c"], [1.0, 2.0, 3.0]),  # shoppers look at rank r one time in r
        (["a", "b", "c"], 0, ["c", "a"], [3.0, 1.0]),  # in the order asked for, not the order shown
        (["a", "b"], 3, ["a", "b"], [4.0, 5.0]),  # shown from rank 4 on (a later page)
        (["a", "b"], 20, ["a", "b"], [10.0, 10.0]),  # ranks 21 and 22: capped
        (["a", "b"], 0, ["a", "z"], [1.0, 1.0]),  # a product the search did not show counts as seen
        ([f"p{i}" for i in range(15)], 0, ["p6", "p14"], [7.0, 10.0]),
    ],
)
def test_a_choice_weighs_as_often_as_shoppers_look_where_it_was_shown(
    shown: list[str], offset: int, ids: list[str], weights: list[float]
) -> None:
    outcome = LoggedOutcome("q", datetime.now(UTC), shown, offset, clicked=[shown[0]])
    assert seen_weights(outcome, ids, CONFIG) == weights
