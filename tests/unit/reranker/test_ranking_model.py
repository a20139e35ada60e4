"""The learned ranking model: its features, its metrics, its gate, and reranking with it."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from reranker.candidates import Candidate, RerankContext
from reranker.learned_reranker import LearnedReranker
from reranker.personalization import Leanings, PersonalizationConfig, has_clear_answer
from reranker.price_taste import PriceTaste
from reranker.profiles import ProductFeatures, Profile
from reranker.ranking_model import (
    FEATURES,
    RankingGroup,
    base_score,
    candidate_features,
    judge,
    mrr_at,
    ndcg_at,
    resampled_wins,
    train,
)  # fmt: skip


@pytest.mark.parametrize(
    ("grades", "ndcg", "mrr"),
    [
        ([1, 0, 0], 1.0, 1.0),
        ([0, 1, 0], 1 / 1.585, 0.5),
        ([0, 0, 0], 0.0, 0.0),
        ([0] * 10 + [3], 0.0, 0.0),  # beyond the top 10 counts for nothing
        ([3, 1], 1.0, 1.0),
        ([1, 3], (1 + 7 / 1.585) / (7 + 1 / 1.585), 1.0),
    ],
)
def test_ndcg_and_mrr_at_10(grades: list[int], ndcg: float, mrr: float) -> None:
    assert ndcg_at(grades) == pytest.approx(ndcg, abs=1e-3)
    assert mrr_at(grades) == pytest.approx(mrr)


def _candidate(cid: str, lexical: int | None, semantic: int | None, **source: object) -> Candidate:
    return Candidate(cid, dict(source), 1.0, {"lexical_rank": lexical, "semantic_rank": semantic, "fused_score": 0.5})


def test_features_come_from_the_ranks_the_lifts_and_the_product_in_a_fixed_order() -> None:
    candidate = _candidate("a", 2, None, brand="Acme", price=30.0)
    candidate.explain["learned"] = {"factor": 1.4}
    row = dict(zip(FEATURES, candidate_features(candidate, None, None), strict=True))
    assert row == {"click_lift": 1.4, "brand": 0.0, "category": 0.0, "attribute": 0.0, "price_band": 0.0,
                   "taste": 0.0, "price_leaning": 0.0}  # no profile  # fmt: skip
    fan = Profile("session:s", datetime.now(UTC))
    fan.add(ProductFeatures("p", brand="Acme", price=35.0), 5.0, fan.updated_at, 86400.0)
    row = dict(zip(FEATURES, candidate_features(candidate, Leanings(fan, {}), 0.3, 0.2), strict=True))
    assert (row["brand"], row["price_band"], row["taste"], row["price_leaning"]) == (0.625, 0.625, 0.3, 0.2)


def test_a_place_further_down_starts_lower() -> None:
    assert base_score(0) == -1.0 > base_score(1) > base_score(9) > base_score(99)


def _groups(n: int, chosen: int, seed: int, fan: int = 5) -> list[RankingGroup]:
    """Searches of 20 candidates in the current order, one (at `fan`) of the shopper's favourite brand;
    shoppers choose the one at `chosen`."""
    rng = random.Random(seed)
    groups = []
    for _ in range(n):
        rows = [[1.0, rng.uniform(0, 0.1), *[0.0] * (len(FEATURES) - 2)] for _ in range(20)]
        rows[fan][FEATURES.index("brand")] = 0.6
        groups.append(
            RankingGroup(rows, [base_score(i) for i in range(20)], [1 if i == chosen else 0 for i in range(20)])
        )
    return groups


@pytest.mark.parametrize(
    ("grades", "weights", "weight"),
    [
        ([0, 1, 0], None, 1.0),  # no weights: every search counts alike
        ([0, 1, 0], [1.0, 8.0, 1.0], 8.0),  # a choice where one shopper in eight looks
        ([3, 0, 1], [2.0, 9.0, 4.0], 3.0),  # several: their mean
        ([0, 0, 0], [5.0, 5.0, 5.0], 1.0),  # nothing chosen
    ],
)
def test_a_search_weighs_as_its_choices_were_seen(
    grades: list[int], weights: list[float] | None, weight: float
) -> None:
    rows = [[0.0] * len(FEATURES) for _ in grades]
    assert RankingGroup(rows, [base_score(i) for i in range(len(grades))], grades, weights).weight == weight


def test_a_group_needs_one_weight_per_candidate() -> None:
    with pytest.raises(ValueError, match="one row, base, grade and weight per candidate"):
        RankingGroup([[0.0] * len(FEATURES)] * 2, [base_score(0), base_score(1)], [1, 0], [1.0])


def _held_out(chosen: int, fan: int, weight: float, grade: int = 1) -> RankingGroup:
    """A held-out search of 20 in the current (and unpersonalized) order, the favourite brand's at `fan`,
    where the shopper chose the one at `chosen` (with `grade`), seen where one shopper in `weight` looks."""
    rows = [[1.0, *[0.0] * (len(FEATURES) - 1)] for _ in range(20)]
    rows[fan][FEATURES.index("brand")] = 0.6
    weights = [1.0] * 20
    weights[chosen] = weight
    grades = [grade if i == chosen else 0 for i in range(20)]
    return RankingGroup(rows, [base_score(i) for i in range(20)], grades, weights)


def test_the_gate_corrects_for_where_the_logged_choices_were_made() -> None:
    # The model lifts the favourite brand. Held out: one search in four, the shopper chose it at rank 8,
    # where one shopper in eight looks; in three, the first result, which everyone sees. A plain average
    # sees three searches the model made worse and one it made better, and favours the current order; but
    # the choice at rank 8 stands for the seven shoppers who would have chosen it had they looked that far.
    model = train(_groups(60, chosen=5, seed=1))
    held_out = [_held_out(7, 7, 8.0), *(_held_out(0, 7, 1.0) for _ in range(3))] * 5
    verdict = judge(model, held_out)
    assert verdict.model["ndcg_at_10"] < verdict.current["ndcg_at_10"]  # unweighted, it would be refused
    assert verdict.shipped and verdict.model["weighted_ndcg_at_10"] > verdict.current["weighted_ndcg_at_10"]
    # Seen where everyone looks, the same choices refuse it.
    plain = [RankingGroup(g.rows, g.base, g.grades) for g in held_out]
    assert not judge(model, plain).shipped


def test_one_purchase_low_on_the_page_does_not_outweigh_many_choices_at_the_top() -> None:
    # One shopper bought the brand's product at rank 10 (weight 10, the cap); forty chose the first result,
    # which the model pushes to second. Each search's say is its nDCG times its weight, so the purchase's
    # grade does not multiply its weight.
    model = train(_groups(60, chosen=5, seed=1))
    held_out = [_held_out(9, 9, 10.0, grade=3), *(_held_out(0, 9, 1.0) for _ in range(40))]
    verdict = judge(model, held_out)
    assert verdict.model["mrr_at_10"] < 0.6 < 0.95 < verdict.current["mrr_at_10"]
    assert not verdict.shipped and verdict.model["weighted_ndcg_at_10"] < verdict.current["weighted_ndcg_at_10"]


def test_the_gate_judges_the_order_the_guard_rails_allow() -> None:
    # The model lifts the brand's product from 16th; live, it may move 10 places at most: to 6th.
    model = train(_groups(60, chosen=5, seed=1))
    held_out = [_held_out(15, 15, 10.0)]
    assert judge(model, held_out).model["mrr_at_10"] == 1.0
    assert judge(model, held_out, max_shift=10).model["mrr_at_10"] == pytest.approx(1 / 6, abs=1e-4)  # rounded


@pytest.mark.parametrize(
    ("weighted", "share"),
    [
        ([(0.5, 0.8)] * 20, 1.0),  # better on every search: every resample says ship
        ([(0.8, 0.5)] * 20, 0.0),  # worse on every search: none does
        ([(0.5, 0.5)] * 20, 0.0),  # equal: not better by the margin in any
        ([], 0.0),  # nothing held out
    ],
)
def test_resampled_wins_of_clear_cases(weighted: list[tuple[float, float]], share: float) -> None:
    assert resampled_wins(weighted, 0.01) == share


def test_resampled_wins_say_how_sure_a_close_verdict_is() -> None:
    # Ten searches: the model gains much on three, loses a little on seven; overall it wins by 17 %.
    weighted = [(0.3, 0.9)] * 3 + [(0.8, 0.7)] * 7
    share = resampled_wins(weighted, 0.01)
    assert 0.5 < share < 0.95  # it ships, but often a resample of ten searches would not
    assert resampled_wins(weighted * 10, 0.01) > share  # the same pattern over a hundred: surer
    assert resampled_wins(weighted, 0.01) == share  # seeded: a verdict repeats


def test_the_verdict_reports_how_sure_it_is() -> None:
    model = train(_groups(60, chosen=5, seed=1))
    verdict = judge(model, _groups(20, chosen=5, seed=2))
    assert verdict.shipped and verdict.resampled_wins == 1.0 and verdict.as_dict()["resampled_wins"] == 1.0


def test_a_model_no_better_than_the_current_order_is_refused_even_without_a_margin() -> None:
    model = train(_groups(60, chosen=5, seed=1))
    held_out = [_held_out(0, 0, 1.0) for _ in range(5)]  # the brand's product is first already
    verdict = judge(model, held_out, min_gain=0.0)
    assert verdict.model == verdict.current and not verdict.shipped


def test_a_model_that_learned_what_shoppers_choose_ships() -> None:
    model = train(_groups(60, chosen=5, seed=1))
    verdict = judge(model, _groups(20, chosen=5, seed=2))
    assert verdict.shipped and verdict.model["mrr_at_10"] > 0.9 > verdict.current["mrr_at_10"]


def test_a_model_worse_than_the_current_order_on_held_out_searches_is_refused() -> None:
    model = train(_groups(60, chosen=5, seed=1))
    verdict = judge(model, _groups(20, chosen=0, seed=2))  # now the first, not the brand's
    assert not verdict.shipped and verdict.model["ndcg_at_10"] < verdict.current["ndcg_at_10"] == 1.0


def test_no_held_out_search_means_no_ship() -> None:
    model = train(_groups(60, chosen=5, seed=1))
    assert not judge(model, []).shipped


def test_training_needs_a_search_with_a_choice() -> None:
    with pytest.raises(ValueError, match="no logged search"):
        train([RankingGroup([[0.0] * len(FEATURES)], [base_score(0)], [0])])


def test_the_learned_reranker_orders_by_the_model_within_the_guard_rails() -> None:
    model = train(_groups(60, chosen=5, seed=1))
    candidates = [_candidate(str(i), i + 1, i + 2, brand="Acme" if i == 8 else f"b{i}") for i in range(20)]
    fan = Profile("session:s", datetime.now(UTC))
    fan.add(ProductFeatures("p", brand="Acme"), 5.0, fan.updated_at, 86400.0)  # one purchase: leaning 0.63
    context = RerankContext("q", profile=fan, strength=0.3)
    ranked = LearnedReranker(model, PersonalizationConfig(max_shift=3)).rerank(candidates, context)
    ids = [c.id for c in ranked]
    assert sorted(ids, key=int) == [str(i) for i in range(20)]  # nothing dropped
    assert ids.index("8") == 5  # the favourite brand rises, but at most 3 places
    assert ranked[0].explain["learned_model"]["rank"] == 1 and ranked[0].score > ranked[1].score


def test_the_learned_reranker_reads_the_price_leaning_as_its_own_feature() -> None:
    # Shoppers chose what fit their price leaning: the model learned to lift a high `price_leaning` feature.
    groups = _groups(60, chosen=5, seed=1)
    for group in groups:
        group.rows[5][FEATURES.index("price_leaning")], group.rows[5][FEATURES.index("brand")] = 0.9, 0.0
    model = train(groups)
    # Twenty candidates, dearest first but for the twelfth, the cheapest; a shopper who always chose the
    # cheapest of what they saw.
    candidates = [_candidate(str(i), i + 1, i + 2, brand=f"b{i}", price=10.0 if i == 11 else 100.0 - i)
                  for i in range(20)]  # fmt: skip
    saver = Profile("session:s", datetime.now(UTC), price_taste=PriceTaste(1.25, 2.5, 2.0, 4.0), events=5)
    ranked = LearnedReranker(model).rerank(candidates, RerankContext("q", profile=saver, strength=0.3))
    ids = [c.id for c in ranked]
    assert ids.index("11") <= 1, ids  # from 12th: its price fit is its `price_leaning` feature


@pytest.mark.parametrize(
    ("lexical", "semantic", "clear"), [(1, 1, True), (1, 2, False), (2, 1, False), (1, None, False)]
)
def test_a_clear_answer_is_first_by_its_words_and_by_its_meaning(
    lexical: int, semantic: int | None, clear: bool
) -> None:
    assert has_clear_answer([_candidate("a", lexical, semantic), _candidate("b", 2, 2)]) is clear
    assert not has_clear_answer([])
