"""A shopper's taste in words: the words of the products they choose that the others shown lack.

The embedding taste (`reranker.taste`) finds a direction in which a shopper's choices differ from what they
were shown; measured, a direction learned from five choices carries little of a quality such as "wooden" or
"vintage" to other queries. The words of the product text carry it well, and they can be named: "you often
choose: wooden" is a reason a shopper can check.

Each choice adds, for every word of the chosen product, how much rarer the word was among the others shown
(``1 - share of them with it``), and takes from every word the taste holds that the choice lacks its share
of them (Rocchio's contrast, as for the embedding taste): words the search's products share (the product
type searched for) add nothing, common words ("you", "set") cancel over choices, and a quality the choice
has and the others lack adds almost its full weight each time. Both sides count times the word's `rarity`
on the page shown (an inverse document frequency over the page): a word in two products of five
turns up in every one of three choices one time in sixteen by chance, so over a few hundred words some
common word always does, and without the rarity it weighed two thirds of the quality ("are" 1.9 beside
"electric" 2.8), so a product with two such words outscored one with the quality. A chance choice still
adds nothing on average: it has the word as often as the others do, and the rarity is the word's on the
whole page, the same whether the choice has it or not. (Read among the others only, as first built, it
was higher when the choice lacked the word, and a chance choice added a little to every word a page
has.) Only words found in at least
`MIN_CHOICES` choices may count, so that one product's own words are never a taste; the strongest
`SCORING_WORDS` of them score candidates. Words without a letter are not learned: a number is a size, a
count or a model number, and means something else in every product. How sure the word taste is comes, as
for the embedding taste, from how well it predicted each choice before learning it, ranking what was shown
by its scoring words, as it ranks a live search's candidates. (Ranked by all its words, as first built, a
product's own rare words from one earlier choice decided the prediction; with the rarity they weighed
most, and brand fans' tastes earned less say: 1.89x after five clicks against 2.08x, `make
bench-personalization`.) The first two choices are not predicted: no word was in two choices yet.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reranker.taste import confidence, evidence, percentile

#: How many distinct words of a product (title first, then description, in reading order) a choice teaches:
#: products have about 50, 110 at most, in the benchmark catalogs; a long description is cut, not sampled.
MAX_PRODUCT_WORDS = 120
#: How many words a taste keeps: those found in enough choices first, then by weight; more than one product
#: has, so that every word of the latest choice is still there at the next.
MAX_WORDS = 200
#: In how many choices a word must have been before it may count: one product's words are not a taste.
MIN_CHOICES = 2
#: How many of the strongest words score candidates: a taste is one or two qualities, not a description.
SCORING_WORDS = 3


@dataclass
class WordTaste:
    """Per word: its decayed weight, and in how many choices it was found."""

    weights: dict[str, float] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)
    predicted: float = 0.0  # decayed sum of (percentile - 0.5) over predicted choices
    predictions: float = 0.0  # decayed count of predicted choices

    def learn(self, chosen: Collection[str], others: Sequence[Collection[str]], weight: float, new: bool) -> None:
        """Learn one choice of a product with words `chosen` among `others` (the rest shown), `weight` strong;
        `new`: not the same choice again (a purchase after a click: more weight, no more evidence), so it is
        predicted first with the taste so far and counts as one more choice for its words."""
        others = [o for o in others if o]
        if not chosen or not others or weight <= 0:
            return
        if new and (scoring := self.words()):
            # Predicted as the taste ranks a live search: by its scoring words (each found adds its weight).
            def score(words: Collection[str]) -> float:
                return sum(scoring.get(word, 0.0) for word in words)

            self.predicted += percentile(score(chosen), [score(other) for other in others]) - 0.5
            self.predictions += 1.0
        shown: dict[str, int] = {}
        for other in others:
            for word in other:
                shown[word] = shown.get(word, 0) + 1
        page = len(others) + 1  # rarity on the whole page, the choice included: a chance choice adds nothing
        for word in chosen:
            count = shown.get(word, 0)
            gain = weight * (1.0 - count / len(others)) * rarity(count + 1, page)
            if gain > 0 and _has_letter(word):
                self.weights[word] = self.weights.get(word, 0.0) + gain
                if new:
                    self.seen[word] = self.seen.get(word, 0) + 1
        for word in self.weights.keys() - chosen:
            # The other side of the contrast: a word the choice lacks loses its share of the others. A common
            # word ("you", "set") then cancels over choices, as the searched product type does at once.
            count = shown.get(word, 0)
            self.weights[word] -= weight * count / len(others) * rarity(count, page)
        self._prune()

    def decay(self, factor: float) -> None:
        """Age the weights and the evidence by `factor` (in (0, 1])."""
        if factor >= 1.0:
            return
        self.weights = {word: weight * factor for word, weight in self.weights.items()}
        self.predicted *= factor
        self.predictions *= factor

    def merge(self, other: WordTaste) -> None:
        """Add `other` (aged to the same time) to this taste."""
        for word, weight in other.weights.items():
            self.weights[word] = self.weights.get(word, 0.0) + weight
            self.seen[word] = self.seen.get(word, 0) + other.seen.get(word, 0)
        self.predicted += other.predicted
        self.predictions += other.predictions
        self._prune()

    def words(self) -> dict[str, float]:
        """The words that score candidates, with their weights (empty until a word was in two choices)."""
        found = [(w, weight) for w, weight in self.weights.items() if self._qualifies(w, weight)]
        return dict(sorted(found, key=lambda pair: (-pair[1], pair[0]))[:SCORING_WORDS])

    def evidence(self) -> float:
        """How far the predictions were above chance, in standard deviations."""
        return evidence(self.predicted, self.predictions)

    def confidence(self) -> float:
        """How much the word taste may count, in [0, 1] (`reranker.taste.confidence`); 0 without words."""
        # Whether any word may count, without sorting them: a search asks this several times.
        has_words = any(self._qualifies(w, weight) for w, weight in self.weights.items())
        return confidence(self.evidence()) if has_words else 0.0

    def to_state(self) -> dict[str, Any]:
        """The stored form."""
        return {"weights": {w: round(v, 4) for w, v in self.weights.items()}, "seen": self.seen,
                "predicted": self.predicted, "predictions": self.predictions}  # fmt: skip

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> WordTaste:
        """Rebuild from `to_state`'s form (an empty taste from a profile stored before word tastes were)."""
        weights = {str(w): float(v) for w, v in (state.get("weights") or {}).items()}
        seen = {str(w): int(n) for w, n in (state.get("seen") or {}).items() if str(w) in weights}
        return cls(weights, seen, float(state.get("predicted") or 0.0), float(state.get("predictions") or 0.0))

    def _qualifies(self, word: str, weight: float) -> bool:
        return weight > 0 and self.seen.get(word, 0) >= MIN_CHOICES

    def _prune(self) -> None:
        if len(self.weights) > MAX_WORDS:
            # Words found in enough choices first: a long description's own words must not push them out.
            key = lambda pair: (self.seen.get(pair[0], 0) < MIN_CHOICES, -pair[1], pair[0])  # noqa: E731
            kept = sorted(self.weights.items(), key=key)[:MAX_WORDS]
            self.weights = dict(kept)
            self.seen = {word: n for word, n in self.seen.items() if word in self.weights}


def rarity(count: int, shown: int) -> float:
    """How rare a word found in `count` of `shown` products is among them: the log of their inverse share,
    smoothed (``log((shown + 2) / (count + 1))``) so that a word none of them has counts finitely."""
    return math.log((shown + 2) / (count + 1))


def _has_letter(word: str) -> bool:
    return any(c.isalpha() for c in word)
