"""Profiles and the personalizing reranker: pure logic."""

from __future__ import annotations

from array import array
from datetime import UTC, datetime, timedelta

import pytest

from reranker.candidates import Candidate, RerankContext
from reranker.personalization import PersonalizationConfig, PersonalizedReranker, constrained_order
from reranker.profiles import ProductFeatures, Profile
from vindbaar import schema
from vindbaar.schema import price_band

T0 = datetime(2026, 11, 1, tzinfo=UTC)
DAY = 86400.0
STRENGTH = 0.3  # a moderate personalization strength, as a merchandiser would set it
SONY = ProductFeatures("p1", brand="Sony", category_ancestors=("Electronics", "Electronics > Audio",
                       "Electronics > Audio > Headphones"), attribute_pairs=("color=black",), price=120.0,
                       embedding=(1.0, 0.0))  # fmt: skip
BOSE = ProductFeatures("p2", brand="Bose", category_ancestors=("Electronics",), price=300.0, embedding=(0.0, 1.0))


def test_a_click_counts_for_the_category_and_a_little_for_its_ancestors() -> None:
    profile = Profile("user:u", T0)
    profile.add(SONY, 1.0, T0, 14 * DAY)
    assert profile.weights["category"] == {
        "Electronics > Audio > Headphones": 1.0, "Electronics > Audio": 0.5, "Electronics": 0.25,
    }  # fmt: skip
    assert profile.weights["price_band"] == {"100-250": 1.0}
    assert profile.taste.vector() is None  # not chosen among others a search showed: no taste to learn


def test_weights_halve_after_one_half_life_and_late_events_count_as_aged() -> None:
    profile = Profile("user:u", T0)
    profile.add(SONY, 4.0, T0, 14 * DAY)
    profile.decay_to(T0 + timedelta(days=14), 14 * DAY)
    assert profile.weights["brand"]["Sony"] == pytest.approx(2.0)
    profile.add(SONY, 4.0, T0, 14 * DAY)  # arrives late: it happened a half-life ago
    assert profile.weights["brand"]["Sony"] == pytest.approx(4.0)


def test_a_session_merges_into_the_user() -> None:
    user, session = Profile("user:u", T0), Profile("session:s", T0)
    session.add(SONY, 5.0, T0, DAY)
    session.purchased.append("p1")
    user.merge(session, DAY)
    assert user.weights["brand"]["Sony"] == pytest.approx(5.0)
    assert user.events == 1 and user.purchased == ["p1"]


@pytest.mark.parametrize(
    ("price", "band"), [(10, "0-25"), (25, "25-50"), (999, "500-1000"), (5000, "1000-"), (None, None)]
)
def test_price_bands(price: float | None, band: str | None) -> None:
    assert price_band(price) == band


@pytest.mark.parametrize(
    ("source", "price"),
    [({"price": 12.5}, 12.5), ({"price": [12.5]}, 12.5), ({"price": 3}, 3.0), ({"price": []}, None),
     ({"price": "12"}, None), ({"price": True}, None), ({}, None)],
)  # fmt: skip
def test_a_price_is_read_as_a_float_from_doc_values_or_the_source(source: dict[str, object], price: float | None
                                                                    ) -> None:  # fmt: skip
    assert schema.price(source) == price


def _candidates() -> list[Candidate]:
    brands = ["Bose", "Bose", "JBL", "Bose", "Sony", "JBL", "Sony", "Bose"]
    return [Candidate(f"c{i}", {"brand": [brand], "price": [100.0]}, 1.0 - i * 0.01,
                      {"fused_score": 1.0 - i * 0.01}) for i, brand in enumerate(brands)]  # fmt: skip


def _sony_fan() -> Profile:
    profile = Profile("user:u", datetime.now(UTC))
    profile.add(SONY, 5.0, datetime.now(UTC), 14 * DAY)
    return profile


def test_an_old_single_click_weighs_less_than_recent_purchases() -> None:
    now = datetime.now(UTC)
    profile = Profile("user:u", now - timedelta(days=60))
    profile.add(SONY, 1.0, now - timedelta(days=60), 14 * DAY)  # one click, two months ago
    for days_ago in (3, 2, 1):
        profile.add(BOSE, 5.0, now - timedelta(days=days_ago), 14 * DAY)  # three purchases this week
    profile.decay_to(now, 14 * DAY)
    old, recent = profile.affinity("brand", "Sony"), profile.affinity("brand", "Bose")
    assert old < 0.02 and recent > 0.8
    alone = Profile("user:v", now - timedelta(days=60))
    alone.add(SONY, 1.0, now - timedelta(days=60), 14 * DAY)
    alone.decay_to(now, 14 * DAY)
    assert alone.affinity("brand", "Sony") < 0.02  # also when it is all the profile knows


def test_no_profile_means_no_change() -> None:
    candidates = _candidates()
    assert PersonalizedReranker().rerank(candidates, RerankContext("q")) == candidates


def test_the_preferred_brand_rises_and_the_boost_is_explained() -> None:
    ranked = PersonalizedReranker().rerank(_candidates(), RerankContext("q", profile=_sony_fan(), strength=STRENGTH))
    assert [c.id for c in ranked[:2]] == ["c4", "c6"]
    explain = ranked[0].explain["personalization"]
    assert (
        explain["brand"] == 0.625 and explain["base_rank"] == 5
    )  # one purchase (5): 5 / (5 + 3) and explain["rank"] == 1 and explain["boost"] > 0


def test_no_item_moves_further_than_the_cap() -> None:
    config = PersonalizationConfig(max_shift=2)
    ranked = PersonalizedReranker(config).rerank(_candidates(), RerankContext("q", profile=_sony_fan(), strength=1.0))
    moves = [abs(c.explain["personalization"]["rank"] - c.explain["personalization"]["base_rank"]) for c in ranked]
    assert max(moves) == 2


def test_diversity_keeps_one_brand_from_taking_the_whole_top() -> None:
    finals = [0.1, 0.2, 0.9, 0.8, 0.7, 0.6]
    brands = ["A", "B", "C", "C", "C", "C"]
    order = constrained_order(finals, brands, max_shift=10, window=4, max_per_brand=2)
    assert [brands[i] for i in order[:4]].count("C") == 2


def test_diversity_does_not_break_a_top_that_was_one_brand_already() -> None:
    brands = ["C", "C", "C", "A"]
    order = constrained_order([0.9, 0.8, 0.7, 0.1], brands, max_shift=10, window=4, max_per_brand=1)
    assert order == [0, 1, 2, 3]


def test_purchased_products_can_be_demoted() -> None:
    profile = _sony_fan()
    profile.purchased.append("c4")
    config = PersonalizationConfig(demote_purchased=True)
    ranked = PersonalizedReranker(config).rerank(_candidates(), RerankContext("q", profile=profile, strength=STRENGTH))
    assert [c.id for c in ranked].index("c4") > 4


def test_a_stored_profile_reads_back_the_same() -> None:
    profile = _sony_fan()
    profile.add(BOSE, 1.0, profile.updated_at, 14 * DAY, shown=[SONY, BOSE])  # a choice: it learns a taste
    assert profile.taste.contrast == [-1.0, 1.0]
    doc = {"updated_at": profile.updated_at.isoformat(), "events": profile.events, "state": profile.to_state()}
    again = Profile.from_document("user:u", doc)
    assert again.weights == profile.weights and again.taste == profile.taste


def test_product_features_keep_the_vector_as_compact_float32() -> None:
    features = ProductFeatures.from_source("p", {"brand": "Sony", "embedding": [0.5, -0.25, 1.0]})
    assert isinstance(features.embedding, array) and features.embedding.typecode == "f"
    other = ProductFeatures.from_source("q", {"embedding": [0.5, 0.25, 0.0]})
    profile = Profile("user:u", T0)
    profile.add(features, 1.0, T0, DAY, shown=[other])
    assert profile.taste.vector() == pytest.approx([0.0, -0.4472, 0.8944], abs=1e-4)  # chosen minus the others


@pytest.mark.parametrize(
    ("clicks_per_band", "share_of_cheap_band", "leaning"),
    [
        ({"25-50": 4, "100-250": 1}, 0.8, 0.0),  # clicks spread like the catalog: no preference
        ({"25-50": 5}, 0.8, 0.0),  # five of five in a band with 80 % of the catalog: still chance
        ({"25-50": 2, "100-250": 3}, 0.2, 0.0),  # two of five where a fifth of the catalog is: chance
        # Five of five where a fifth is: beyond 1 expected + 2 sds (2 x 0.894), the excess counts.
        ({"25-50": 5}, 0.2, (5 - 1 - 2 * 0.8**0.5) / (5 - 1 - 2 * 0.8**0.5 + 3)),
        ({"100-250": 5}, 0.8, 0.0),
    ],
)
def test_a_price_band_counts_only_beyond_its_share_of_the_catalog(
    clicks_per_band: dict[str, int], share_of_cheap_band: float, leaning: float
) -> None:
    profile = Profile("session:s", T0)
    for band, clicks in clicks_per_band.items():
        price = 30.0 if band == "25-50" else 150.0
        for n in range(clicks):
            profile.add(ProductFeatures(f"{band}-{n}", price=price), 1.0, T0, 14 * DAY)
    assert profile.excess_affinity("price_band", "25-50", share_of_cheap_band) == pytest.approx(leaning)


def test_a_clear_answer_keeps_its_place_under_personalization() -> None:
    candidates = _candidates()
    candidates[0].explain.update({"lexical_rank": 1, "semantic_rank": 1})
    ranked = PersonalizedReranker().rerank(candidates, RerankContext("q", profile=_sony_fan(), strength=STRENGTH))
    assert ranked[0].id == candidates[0].id and ranked[0].explain["personalization"]["kept_first"] == "clear answer"
    assert [c.id for c in ranked[1:3]] == ["c4", "c6"]  # the rest is still personalized
