"""A shopper's leaning in price: where their choices stood among the prices shown, trusted only once it
predicts the next choice."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from reranker.candidates import Candidate, RerankContext
from reranker.personalization import PersonalizedReranker, price_fits
from reranker.price_taste import PriceTaste
from reranker.profiles import ProductFeatures, Profile


def _shop(lean: str, searches: int, seed: int = 3) -> PriceTaste:
    """A shopper choosing one of ten products per search: one of the cheapest three, of the dearest three, or
    any ("random"); each search's prices on another scale (a cable, then a guitar)."""
    rng, taste = random.Random(seed), PriceTaste()
    for number in range(searches):
        scale = 10.0 if number % 2 else 400.0
        prices = sorted(scale * rng.uniform(0.5, 2.0) for _ in range(10))
        pick = {"lower": rng.randrange(3), "higher": 9 - rng.randrange(3), "random": rng.randrange(10)}[lean]
        taste.learn(prices[pick], prices[:pick] + prices[pick + 1 :], 1.0, new=True)
    return taste


def test_choosing_among_the_cheaper_products_is_a_leaning_to_lower_prices_across_price_scales() -> None:
    taste = _shop("lower", searches=5)
    assert 0.3 < taste.leaning() <= 0.5  # the choices stood at 0 to 2 ninths of the others' prices
    assert taste.predictions == 4  # each choice after the first was predicted before it was learned
    assert taste.evidence() > 2 and taste.confidence() == 1


def test_choosing_among_the_dearer_products_is_a_leaning_to_higher_prices() -> None:
    taste = _shop("higher", searches=5)
    assert taste.leaning() < -0.3 and taste.confidence() == 1


def test_random_choices_rarely_earn_any_confidence() -> None:
    confident = sum(1 for seed in range(200) if _shop("random", searches=5, seed=seed).confidence() > 0)
    # A random shopper beats one standard deviation by luck about one time in six.
    assert confident < 200 * 0.25


def test_the_cheaper_candidates_fit_a_lower_leaning_and_the_middle_and_dearer_do_not() -> None:
    taste = PriceTaste(lower=0.25, weight=1.0, predicted=3.0, predictions=4.0)  # at a quarter, sure
    fits = taste.fits([*(10.0 * n for n in range(9)), None], peers=10)
    # Positions among the other eight: the first at 0, the third at 2/8 (the shopper's usual place), the fifth
    # in the middle; a product without a price fits nothing.
    assert fits[0] == fits[2] == 1.0
    assert fits[3] == pytest.approx(0.5) and fits[4] == 0.0 and fits[8] == 0.0 and fits[9] == 0.0


def test_products_of_the_same_price_stand_alike() -> None:
    taste = PriceTaste(lower=0.5, weight=1.0, predicted=3.0, predictions=4.0)  # always the cheapest, sure
    fits = taste.fits([5.0, 5.0, 50.0, 50.0], peers=4)
    # Each of the first two: one of its three others alike (counting half), two dearer: at 1/6, not at 0.
    assert fits[0] == fits[1] == pytest.approx((0.5 - 1 / 6) / 0.5)
    assert fits[2] == fits[3] == 0.0


def test_a_price_stands_among_its_peers_not_among_every_candidate() -> None:
    taste = PriceTaste(lower=0.5, weight=1.0, predicted=3.0, predictions=4.0)
    # Drums at 100 to 400 are the peers; a cheap stick further down does not make every drum dear.
    fits = taste.fits([100.0, 200.0, 300.0, 400.0, 5.0], peers=4)
    assert fits[0] == 1.0 and fits[1] == pytest.approx((0.5 - 1 / 3) / 0.5) and fits[3] == 0.0
    assert fits[4] == 1.0  # cheaper than every peer


def test_the_reranker_compares_a_price_with_the_page_the_search_shows() -> None:
    profile = Profile(subject="session:s", updated_at=datetime.now(UTC), events=5,
                      price_taste=PriceTaste(lower=0.4, weight=1.0, predicted=3.0, predictions=4.0))  # fmt: skip
    # Four drums on the page, six cheap sticks further down the candidates.
    candidates = [Candidate(f"drum{n}", {"price": [100.0 * n]}, 1.0) for n in range(1, 5)]
    candidates += [Candidate(f"stick{n}", {"price": [5.0]}, 0.5) for n in range(6)]
    assert price_fits(candidates, profile, shown=4)["drum1"] == 1.0  # the cheapest drum on a page of drums
    assert "drum1" not in price_fits(candidates, profile, shown=10)  # dearer than every stick
    assert price_fits(candidates, None, shown=4) == {}


def test_a_leaning_without_evidence_fits_nothing() -> None:
    assert PriceTaste(lower=0.4, weight=1.0).fits([1.0, 2.0], peers=2) == [0.0, 0.0]  # never predicted a choice
    assert _shop("lower", searches=5).fits([1.0, None], peers=2) == [0.0, 0.0]  # one price: nothing to stand among


def test_the_same_choice_again_adds_weight_but_no_evidence() -> None:
    taste = _shop("lower", searches=3)
    taste.learn(1.0, [2.0, 3.0, 4.0], 1.0, new=True)
    predictions, predicted = taste.predictions, taste.predicted
    taste.learn(1.0, [2.0, 3.0, 4.0], 5.0, new=False)  # the purchase after the click
    assert (taste.predictions, taste.predicted) == (predictions, predicted)
    assert taste.weight == pytest.approx(3 + 1 + 5)


def test_evidence_for_one_side_does_not_carry_to_the_other_when_the_leaning_changes_side() -> None:
    taste = _shop("lower", searches=5)
    assert taste.confidence() == 1
    # One dear choice, then its purchase (weighs five times a click): the leaning turns to higher prices.
    taste.learn(9.0, [1.0, 2.0, 3.0], 1.0, new=True)
    taste.learn(9.0, [1.0, 2.0, 3.0], 5.0, new=False)
    assert taste.leaning() < 0
    assert taste.predictions == 0 and taste.confidence() == 0  # it must earn its say again


def test_the_repeat_of_a_choice_in_a_profile_is_no_new_evidence() -> None:
    now = datetime.now(UTC)
    profile = Profile(subject="session:s", updated_at=now)
    shown = [ProductFeatures(f"p{n}", price=10.0 * (n + 1)) for n in range(8)]
    for search in range(3):
        profile.add(shown[0], 1.0, now, 86_400.0, shown, search=f"q{search}")
    predictions = profile.price_taste.predictions
    profile.add(shown[0], 5.0, now, 86_400.0, shown, search="q2")  # the purchase after the last click
    assert profile.price_taste.predictions == predictions == 2


def test_decay_ages_the_leaning_and_evidence_alike_and_merge_adds_them() -> None:
    taste = _shop("lower", searches=5)
    leaning, evidence = taste.leaning(), taste.evidence()
    taste.decay(0.5)
    assert taste.leaning() == pytest.approx(leaning)  # older, not less cheap
    assert taste.evidence() < evidence  # half the predictions are weaker evidence
    merged = PriceTaste.from_state(taste.to_state())
    merged.merge(_shop("lower", searches=5, seed=4))
    assert merged.predictions == pytest.approx(taste.predictions + 4)


def test_the_stored_form_round_trips_and_an_old_profile_has_no_leaning() -> None:
    taste = _shop("lower", searches=5)
    assert PriceTaste.from_state(taste.to_state()) == taste
    assert PriceTaste.from_state({}).confidence() == 0


def test_a_profile_learns_the_leaning_and_the_reranker_raises_the_cheaper_candidates_and_says_why() -> None:
    now = datetime.now(UTC)
    profile = Profile(subject="session:s", updated_at=now)
    for search in range(5):
        shown = [ProductFeatures(f"{search}-{n}", price=10.0 * (n + 1) * (search + 1)) for n in range(8)]
        profile.add(shown[0], 1.0, now, 86_400.0, shown, search=f"q{search}")
    assert profile.price_taste.leaning() == 0.5 and profile.price_taste.confidence() == 1
    assert Profile.from_document("session:s", {"updated_at": now.isoformat(), "state": profile.to_state()}
                                 ).price_taste == profile.price_taste  # fmt: skip
    # Ten candidates, dearest first, scores falling gently: the cheapest rise for this shopper.
    candidates = [Candidate(f"c{n}", {"price": 100.0 - 10 * n}, 1.0 - 0.005 * n) for n in range(10)]
    ranked = PersonalizedReranker().rerank(candidates, RerankContext("strings", profile=profile, strength=0.3))
    assert [c.id for c in ranked[:3]] == ["c9", "c8", "c7"]
    assert ranked[0].explain["personalization"]["price_leaning"] == "lower"
    assert "price_leaning" not in next(c for c in ranked if c.id == "c0").explain["personalization"]
    # Where the leading taste fits a candidate better, its price is not the reason given.
    tasted = RerankContext("strings", profile=profile, strength=0.3, taste_fit={"c7": 1.0, "c8": 0.1})
    fresh = [Candidate(f"c{n}", {"price": 100.0 - 10 * n}, 1.0 - 0.005 * n) for n in range(10)]
    parts = {c.id: c.explain["personalization"] for c in PersonalizedReranker().rerank(fresh, tasted)}
    assert "price_leaning" not in parts["c7"] and parts["c8"]["price_leaning"] == "lower"
