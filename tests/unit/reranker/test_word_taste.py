"""A shopper's taste in words: the words their choices have and the others shown lack, trusted only once they
predict the choices."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import pytest

from reranker.profiles import ProductFeatures, Profile
from reranker.taste import Taste
from reranker.word_taste import MAX_PRODUCT_WORDS, MAX_WORDS, SCORING_WORDS, WordTaste, rarity

QUALITIES = ["wooden", "plastic", "metal", "glossy", "retro", "tiny", "padded", "foldable"]


def _page(kind: str, rng: random.Random, size: int = 10) -> list[frozenset[str]]:
    """A search's page: products of one kind, each with two qualities and a word of its own; a fifth wooden."""
    page = []
    for n in range(size):
        qualities = {"wooden"} if n % 5 == 0 else set()
        qualities |= set(rng.sample(QUALITIES[1:], 2 - len(qualities)))
        page.append(frozenset({kind, "toy", f"{kind}{rng.randrange(10**6)}", *qualities}))
    return page


def _shop(choose_wooden: bool, searches: int, seed: int = 3) -> WordTaste:
    """A shopper choosing one product per search for a puzzle or a doll: a wooden one, or one at random."""
    rng, taste = random.Random(seed), WordTaste()
    for number in range(searches):
        page = _page("puzzle" if number % 2 else "doll", rng)
        chosen = next(p for p in page if "wooden" in p) if choose_wooden else rng.choice(page)
        taste.learn(chosen, [p for p in page if p is not chosen], 1.0, new=True)
    return taste


def test_the_quality_the_choices_share_becomes_the_taste_and_the_searched_kind_does_not() -> None:
    words = _shop(choose_wooden=True, searches=5).words()
    assert next(iter(words)) == "wooden"
    assert "toy" not in words and "puzzle" not in words  # every product shown had them
    assert len(words) <= SCORING_WORDS


def test_a_word_half_the_products_have_cancels_over_choices_and_loses_to_the_quality() -> None:
    taste = WordTaste()
    for number in range(6):
        # Half of each page says "you"; the chosen wooden product says it as often as chance has it.
        page = [frozenset({"toy", *(["you"] if n % 2 else []), *(["wooden"] if n == 0 else [])}) for n in range(10)]
        chosen = page[0] | ({"you"} if number % 2 else set())
        taste.learn(chosen, page[1:], 1.0, new=True)
    # "you" gained 4/9 three times and lost 5/9 twice (not the first time: it was not yet in the taste), each
    # time times its rarity on the page of ten (six have it with the choice, five without); "wooden", which
    # only the choice has, gained 1 times its rarity six times.
    assert taste.weights["you"] == pytest.approx(3 * 4 / 9 * rarity(6, 10) - 2 * 5 / 9 * rarity(5, 10))
    assert taste.weights["wooden"] == pytest.approx(6 * rarity(1, 10)) and next(iter(taste.words())) == "wooden"


@pytest.mark.parametrize("having", [1, 2, 5, 9])
def test_a_choice_made_at_random_adds_nothing_to_a_word_on_average(having: int) -> None:
    # A page of ten, `having` of them with "you": each product chosen in turn by a taste that holds "you".
    page = [frozenset({"toy", f"toy{n}", *(["you"] if n < having else [])}) for n in range(10)]
    changes = []
    for chosen in page:
        taste = WordTaste(weights={"you": 0.0})
        taste.learn(chosen, [p for p in page if p is not chosen], 1.0, new=False)
        changes.append(taste.weights["you"])
    assert sum(changes) / len(changes) == pytest.approx(0.0, abs=1e-12)
    assert max(changes) > 0 > min(changes)  # it moves each time, and cancels on average


def test_common_words_the_choices_share_by_chance_do_not_outscore_the_quality() -> None:
    # Three searches, each showing the chosen product and 19 others: 8 of them say "are", 8 say "these", none
    # is electric. The chosen one is electric and happens to say "are" and "these" too.
    taste = WordTaste()
    for number in range(3):
        page = [frozenset({"guitar", *(["are"] if n < 8 else []), *(["these"] if 4 <= n < 12 else [])})
                for n in range(19)]  # fmt: skip
        taste.learn(frozenset({"guitar", "electric", "are", "these", f"model{number}"}), page, 1.0, new=True)
    words = taste.words()
    assert next(iter(words)) == "electric"
    # A product with both common words scores below one with the quality; without the words' rarity on the
    # page it scored above it (3 x 11/19 each: 3.5, against 3 x 1).
    assert words["are"] + words["these"] < words["electric"]


def test_rarity_is_the_smoothed_log_inverse_share_on_the_page_shown() -> None:
    assert rarity(0, 9) == pytest.approx(math.log(11))  # none has it: finite
    assert rarity(9, 9) == pytest.approx(math.log(11 / 10))  # all have it: near zero
    assert rarity(1, 20) > rarity(8, 20) > rarity(19, 20) > 0


def test_numbers_are_never_taste_words() -> None:
    taste = WordTaste()
    for _ in range(5):
        taste.learn(frozenset({"wooden", "12", "2-pack"}), [frozenset({"plastic"})], 1.0, new=True)
    assert set(taste.words()) == {"wooden", "2-pack"}


def test_one_products_own_words_are_never_a_taste() -> None:
    taste = _shop(choose_wooden=True, searches=1)
    assert taste.weights and taste.words() == {}
    assert taste.confidence() == 0


def test_a_taste_that_predicts_the_choices_earns_confidence() -> None:
    taste = _shop(choose_wooden=True, searches=5)
    # Each choice from the third on was predicted before it was learned; before, no word had been in two
    # choices, so the taste scored nothing and predicted nothing.
    assert taste.predictions == 3
    assert taste.evidence() > 2 and taste.confidence() == 1


def test_a_choice_is_predicted_by_the_words_that_score_searches_only() -> None:
    # "wooden" is the taste's one scoring word; "gift" weighs more but was in one choice only, so it scores
    # nothing live, and it must not earn the taste evidence either.
    taste = WordTaste(weights={"wooden": 2.0, "gift": 5.0}, seen={"wooden": 2, "gift": 1})
    assert taste.words() == {"wooden": 2.0}
    others = [frozenset({"doll", "wooden"}), frozenset({"doll", "wooden"}), frozenset({"doll"})]
    taste.learn(frozenset({"doll", "gift"}), others, 1.0, new=True)
    # Ranked by "wooden", the choice lands below two of three others: (0 + 1 tie / 2) / 3.
    assert taste.predictions == 1 and taste.predicted == pytest.approx(1 / 6 - 0.5)


def test_random_choices_rarely_earn_any_confidence() -> None:
    confident = sum(1 for seed in range(200) if _shop(choose_wooden=False, searches=5, seed=seed).confidence() > 0)
    # A random shopper beats one standard deviation by luck about one time in six.
    assert confident < 200 * 0.25


def test_the_same_choice_again_adds_weight_but_no_evidence() -> None:
    rng = random.Random(1)
    taste = _shop(choose_wooden=True, searches=3)
    page = _page("doll", rng)
    chosen = next(p for p in page if "wooden" in p)
    others = [p for p in page if p is not chosen]
    taste.learn(chosen, others, 1.0, new=True)
    before = (taste.weights["wooden"], taste.seen["wooden"], taste.predictions)
    taste.learn(chosen, others, 5.0, new=False)  # the purchase after the click
    assert taste.weights["wooden"] > before[0]
    assert (taste.seen["wooden"], taste.predictions) == before[1:]


def test_decay_ages_weights_and_evidence_alike() -> None:
    taste = _shop(choose_wooden=True, searches=5)
    weight, evidence = taste.weights["wooden"], taste.evidence()
    taste.decay(0.5)
    assert taste.weights["wooden"] == weight / 2
    assert taste.evidence() < evidence  # half the predictions are weaker evidence, not the same


def test_merge_adds_weights_counts_and_evidence() -> None:
    a, b = _shop(choose_wooden=True, searches=3, seed=1), _shop(choose_wooden=True, searches=3, seed=2)
    merged = WordTaste.from_state(a.to_state())
    merged.merge(b)
    assert merged.seen["wooden"] == a.seen["wooden"] + b.seen["wooden"]
    assert merged.predictions == a.predictions + b.predictions


def test_the_stored_form_round_trips_and_an_old_profile_has_an_empty_word_taste() -> None:
    taste = _shop(choose_wooden=True, searches=5)
    again = WordTaste.from_state(taste.to_state())
    assert again.words() == {w: round(v, 4) for w, v in taste.words().items()}
    assert (again.seen, again.predicted, again.predictions) == (taste.seen, taste.predicted, taste.predictions)
    assert WordTaste.from_state({}).words() == {}


def test_a_long_history_keeps_the_strongest_words_only() -> None:
    taste = WordTaste()
    for number in range(40):
        chosen = frozenset({"wooden", *(f"w{number}-{k}" for k in range(20))})
        taste.learn(chosen, [frozenset({"plastic"})], 1.0, new=True)
    assert len(taste.weights) <= MAX_WORDS
    assert next(iter(taste.words())) == "wooden" and taste.seen["wooden"] == 40


def test_a_long_description_teaches_its_first_words_only_and_every_word_of_a_choice_is_kept() -> None:
    long = ProductFeatures.from_source(
        "p", {"title": "Wooden puzzle", "description": " ".join(f"w{n}" for n in range(500))}
    )
    assert long.word_set >= {"wooden", "puzzle"} and len(long.word_set) == MAX_PRODUCT_WORDS
    taste = WordTaste()
    taste.learn(long.word_set, [frozenset({"plastic"})], 1.0, new=True)
    assert set(taste.weights) == long.word_set  # the next choice can still find any of them again


def test_a_profile_learns_words_from_the_title_and_description_of_its_choices() -> None:
    now = datetime.now(UTC)
    profile = Profile(subject="session:s", updated_at=now)

    def product(pid: str, description: str) -> ProductFeatures:
        return ProductFeatures.from_source(pid, {"title": f"Puzzle {pid}", "description": description})

    for search in range(4):
        shown = [product(f"{search}-{n}", "Bright plastic." if n else "Solid Wooden puzzle.") for n in range(6)]
        profile.add(shown[0], 1.0, now, 86_400.0, shown, search=f"q{search}")
    assert "wooden" in profile.taste_words() and "puzzle" not in profile.word_taste.weights
    # The same choice again (a purchase after its click) is not a new choice for the words either.
    profile.add(shown[0], 5.0, now, 86_400.0, shown, search="q3")
    assert profile.word_taste.seen["wooden"] == 4


def test_the_taste_that_predicted_the_choices_better_scores_the_searches() -> None:
    now = datetime.now(UTC)
    words = WordTaste({"wooden": 4.0}, {"wooden": 4}, predicted=1.6, predictions=4.0)  # 2.8 sds
    weaker, stronger = Taste([1.0, 0.0], predicted=1.2, predictions=4.0), Taste([1.0, 0.0], 1.9, 4.0)

    def profile(taste: Taste, word_taste: WordTaste) -> Profile:
        return Profile(subject="session:s", updated_at=now, taste=taste, word_taste=word_taste, events=5)

    assert profile(weaker, words).word_taste_leads()
    assert not profile(stronger, words).word_taste_leads()
    assert profile(Taste(), words).word_taste_leads()  # no embedding taste yet
    assert not profile(weaker, WordTaste()).word_taste_leads()  # no words yet
