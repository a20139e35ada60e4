"""A shopper's taste: learned from choices against what else was shown, trusted only once it predicts them."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from reranker.candidates import Candidate
from reranker.personalization import has_clear_answer
from reranker.profiles import Profile
from reranker.taste import Taste, percentile, taste_fit

# Embeddings with four meanings: toy, instrument, wooden (the latent quality), and product-specific noise.
TOY, INSTRUMENT, WOODEN, NOISE = range(4)


def _product(kind: int, wooden: bool, rng: random.Random) -> list[float]:
    vector = [0.0] * 4
    vector[kind] = 1.0
    vector[WOODEN] = 0.6 if wooden else 0.0
    vector[NOISE] = rng.uniform(-0.3, 0.3)
    return vector


def _page(kind: int, rng: random.Random, size: int = 10) -> list[list[float]]:
    """A search's page: products of one kind, a fifth of them wooden."""
    return [_product(kind, wooden=n % 5 == 0, rng=rng) for n in range(size)]


def _shop(choose_wooden: bool, searches: int, seed: int = 3) -> Taste:
    """A shopper choosing one product per toy search: a wooden one, or one at random."""
    rng, taste = random.Random(seed), Taste()
    for _ in range(searches):
        page = _page(TOY, rng)
        chosen = next(p for p in page if p[WOODEN]) if choose_wooden else rng.choice(page)
        taste.learn(chosen, [p for p in page if p is not chosen], 1.0)
    return taste


def test_the_taste_keeps_what_sets_the_choices_apart_and_not_what_every_shown_product_shares() -> None:
    vector = _shop(choose_wooden=True, searches=5).vector()
    assert vector is not None
    assert vector[WOODEN] > 0.9 and abs(vector[TOY]) < 0.3  # the page's kind cancels


def test_the_taste_carries_to_another_category() -> None:
    taste = _shop(choose_wooden=True, searches=6)
    rng = random.Random(9)
    instruments = {f"i{n}": p for n, p in enumerate(_page(INSTRUMENT, rng))}
    fit = taste_fit({pid: sum(a * b for a, b in zip(taste.vector() or [], p, strict=True))
                     for pid, p in instruments.items()}, taste.confidence())  # fmt: skip
    wooden = {pid for pid, p in instruments.items() if p[WOODEN]}
    assert min(fit[pid] for pid in wooden) > max(fit[pid] for pid in instruments if pid not in wooden)


def test_a_taste_that_predicts_the_choices_earns_confidence() -> None:
    taste = _shop(choose_wooden=True, searches=5)
    assert taste.predictions == 4  # the first choice has no taste yet to predict it
    assert taste.evidence() > 2 and taste.confidence() == 1.0


def test_random_choices_earn_no_confidence_however_many_there_are() -> None:
    confidences = [_shop(choose_wooden=False, searches=40, seed=seed).confidence() for seed in range(20)]
    assert sum(confidences) / len(confidences) < 0.15


def test_a_profile_without_confidence_offers_no_taste_to_search_with() -> None:
    profile = Profile("session:s", datetime.now(UTC), taste=_shop(choose_wooden=False, searches=1))
    assert profile.taste.vector() is not None and profile.taste_vector() is None


def test_evidence_fades_with_time() -> None:
    taste = _shop(choose_wooden=True, searches=5)
    before = taste.predictions
    taste.decay(0.5)
    assert taste.predictions == pytest.approx(before / 2)
    assert taste.vector() == pytest.approx(_shop(choose_wooden=True, searches=5).vector())  # the direction stays


def test_a_stored_taste_reads_back_and_an_old_mean_embedding_is_dropped() -> None:
    taste = Taste([1.0, -0.5], predicted=1.5, predictions=3.0, choices=["q1:p1"])
    assert Taste.from_state(taste.to_state()) == taste
    old = {"updated_at": "2026-11-01T00:00:00+00:00", "state": {"taste_f32": "AACAPwAAAAA=", "taste_weight": 1}}
    assert Profile.from_document("user:u", old).taste == Taste()


@pytest.mark.parametrize(
    ("similarities", "confidence", "fit"),
    [
        ({"a": 0.9, "b": 0.5, "c": 0.1}, 1.0, {"a": 1.0, "b": 0.0, "c": 0.0}),  # a is 1.2 sd above the mean
        ({"a": 0.9, "b": 0.5, "c": 0.1}, 0.5, {"a": 0.5, "b": 0.0, "c": 0.0}),
        ({"a": 0.9, "b": 0.5, "c": 0.1}, 0.0, {}),  # no confidence: no fit at all
        ({"a": 0.4, "b": 0.4}, 1.0, {}),  # nothing tells them apart
        ({"a": 0.3, "b": 0.2, "c": 0.2, "d": 0.1}, 1.0, {"a": 1.0, "b": 0.0, "c": 0.0, "d": 0.0}),
    ],
)
def test_fit_is_relative_to_the_candidates_and_scaled_by_confidence(
    similarities: dict[str, float], confidence: float, fit: dict[str, float]
) -> None:
    assert taste_fit(similarities, confidence) == pytest.approx(fit)


def _candidate(pid: str, lexical: tuple[int, float] | None, semantic_rank: int | None) -> Candidate:
    explain: dict[str, object] = {"semantic_rank": semantic_rank, "lexical_rank": lexical[0] if lexical else None}
    if lexical:
        explain["lexical_score"] = lexical[1]
    return Candidate(pid, {}, 1.0, explain)


@pytest.mark.parametrize(
    ("first", "second", "clear"),
    [
        (((1, 9.0), 1), ((2, 8.9), 2), True),  # first by words and by meaning
        (((1, 12.0), 2), ((2, 8.0), 1), True),  # far ahead by its words: a product's name
        (((1, 9.0), 2), ((2, 8.9), 1), False),  # a broad query: many near-equal word matches
        (((1, 9.0), 2), (None, 1), True),  # the only word match
        ((None, 1), (None, 2), False),  # no word matches: nothing is clear
        (((2, 9.0), 1), ((1, 9.5), 2), False),  # not first by its words
    ],
)
def test_a_clear_answer_is_first_by_its_words_and_by_meaning_or_by_a_lead(
    first: tuple[tuple[int, float] | None, int], second: tuple[tuple[int, float] | None, int], clear: bool
) -> None:
    assert has_clear_answer([_candidate("a", *first), _candidate("b", *second)]) is clear


def test_no_candidates_have_no_clear_answer() -> None:
    assert has_clear_answer([]) is False


def test_a_copy_with_another_contrast_does_not_keep_the_old_direction() -> None:
    taste = Taste([1.0, 0.0], predicted=1.0, predictions=1.0)
    assert taste.vector() == [1.0, 0.0]
    assert replace(taste, contrast=[0.0, 2.0]).vector() == [0.0, 1.0]


def test_one_choice_is_predicted_once_however_many_events_it_has() -> None:
    rng = random.Random(5)
    taste = _shop(choose_wooden=True, searches=2)
    page = _page(TOY, rng)
    chosen = next(p for p in page if p[WOODEN])
    others = [p for p in page if p is not chosen]
    for weight in (1.0, 3.0, 5.0):  # click, add to cart, purchase: one choice
        taste.learn(chosen, others, weight, choice="search-7:puzzle-3")
    assert taste.predictions == 2  # the second search's choice, and this one
    taste.learn(chosen, others, 1.0, choice="search-8:puzzle-3")  # the same product, chosen in another search
    assert taste.predictions == 3


def test_a_taste_of_another_embedding_model_starts_over() -> None:
    taste = Taste([1.0, 0.0], predicted=1.0, predictions=1.0)
    assert taste.vector() == [1.0, 0.0]
    taste.learn([0.0, 0.0, 1.0], [[1.0, 0.0, 0.0]], 1.0)
    assert taste.contrast == [-1.0, 0.0, 1.0]


def test_a_random_choice_lands_in_the_middle_on_average_even_among_tied_scores() -> None:
    # A word taste scores most products alike: a random choice among them must not look like a miss.
    scores = [0.0] * 8 + [1.0, 2.0]
    landings = [percentile(chosen, scores[:n] + scores[n + 1 :]) for n, chosen in enumerate(scores)]
    assert sum(landings) / len(landings) == pytest.approx(0.5)
    assert percentile(2.0, [0.0, 1.0]) == 1.0 and percentile(0.0, [0.0, 0.0]) == 0.5
