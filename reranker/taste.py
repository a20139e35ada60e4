"""A shopper's taste: what sets the products they choose apart from the others a search showed them.

A taste is a direction in embedding space. Each choice made in a search adds the chosen product's embedding
minus the mean of the others shown (Rocchio's relevance feedback with the shown page as the negatives): what
the shown products share (the product type searched for, the category) cancels, what the choice has and they
lack (a quality such as "wooden", a style) adds up over choices, and carries to other queries and categories.

How sure it is comes from how well it predicts: before each choice is learned, the taste so far ranks the
products shown, and the percentile of the chosen one is recorded. A shopper whose choices follow a taste
lands far above the middle again and again; a shopper clicking at random lands in the middle, give or take,
however many clicks they make. The confidence is that evidence in standard deviations, so scattered clicks
personalize nothing (the issue's "no harm": a profile of random clicks is weak evidence).
"""

from __future__ import annotations

import base64
import math
import statistics
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Standard deviation of a uniformly random percentile (sqrt(1/12)): the spread of a random shopper's choices.
RANDOM_PERCENTILE_SD = math.sqrt(1 / 12)
#: Evidence (standard deviations above chance) below which the taste counts for nothing, and the span over
#: which it grows to count fully: one sd is what one random shopper in six reaches by luck.
CONFIDENCE_FROM_SDS = 1.0
CONFIDENCE_SPAN_SDS = 1.0
#: How many of the latest choices a taste remembers, so that one choice is predicted once (a click, then a
#: purchase of the same product from the same search, is one choice with more weight, not more evidence).
MAX_CHOICES = 200


@dataclass
class Taste:
    """The weighted sum of choice contrasts, and the decayed record of how well it predicted choices."""

    contrast: list[float] | None = None
    predicted: float = 0.0  # decayed sum of (percentile - 0.5) over predicted choices
    predictions: float = 0.0  # decayed count of predicted choices
    choices: list[str] = field(default_factory=list)  # the latest choices' keys (search and product), oldest first
    _unit: list[float] | None = field(default=None, init=False, repr=False, compare=False)  # vector(), cached

    def learn(
        self, chosen: Sequence[float], others: Sequence[Sequence[float]], weight: float, choice: str | None = None
    ) -> None:
        """Learn one choice of `chosen` among `others` (the rest of what was shown), `weight` strong (a
        purchase says more than a click); predict it first with the taste so far, unless the choice (`choice`,
        naming its search and product) was predicted before."""
        others = [o for o in others if len(o) == len(chosen)]
        if not others or weight <= 0:
            return
        if self.contrast is not None and len(self.contrast) != len(chosen):
            self.contrast = self._unit = None  # another embedding model: the old taste means nothing now
        direction = self.vector()
        if choice is not None and not self.remember(choice):
            direction = None  # the same choice again: more weight, no more evidence
        if direction is not None:
            self.predicted += percentile(_dot(direction, chosen), [_dot(direction, other) for other in others]) - 0.5
            self.predictions += 1.0
        mean = [statistics.fmean(values) for values in zip(*others, strict=True)]
        current = self.contrast or [0.0] * len(chosen)
        self.contrast = [t + weight * (c - m) for t, c, m in zip(current, chosen, mean, strict=True)]
        self._unit = None

    def remember(self, choice: str) -> bool:
        """Record `choice` (naming its search and product) as made; False when it was made before."""
        if choice in self.choices:
            return False
        self.choices = [*self.choices, choice][-MAX_CHOICES:]
        return True

    def decay(self, factor: float) -> None:
        """Age the taste and its evidence by `factor` (in (0, 1])."""
        if factor >= 1.0:
            return
        if self.contrast is not None:
            self.contrast = [x * factor for x in self.contrast]
        self.predicted *= factor
        self.predictions *= factor

    def merge(self, other: Taste) -> None:
        """Add `other` (aged to the same time) to this taste."""
        if other.contrast is not None:
            if self.contrast is None or len(self.contrast) != len(other.contrast):
                self.contrast = list(other.contrast)
            else:
                self.contrast = [a + b for a, b in zip(self.contrast, other.contrast, strict=True)]
        self.predicted += other.predicted
        self.predictions += other.predictions
        self.choices = list(dict.fromkeys([*self.choices, *other.choices]))[-MAX_CHOICES:]
        self._unit = None

    def vector(self) -> list[float] | None:
        """The taste's unit direction, or None before any choice was learned."""
        if self._unit is None and self.contrast is not None:
            norm = math.sqrt(sum(x * x for x in self.contrast))
            self._unit = [x / norm for x in self.contrast] if norm > 0 else None
        return self._unit

    def evidence(self) -> float:
        """How far the taste's predictions were above chance, in standard deviations (0 without any)."""
        return evidence(self.predicted, self.predictions)

    def confidence(self) -> float:
        """How much the taste may count, in [0, 1]: nothing until its predictions were clearly better than
        chance, then growing with the evidence."""
        return confidence(self.evidence()) if self.vector() is not None else 0.0

    def to_state(self) -> dict[str, Any]:
        """The stored form; the vector as base64 float32 (a fifth of a JSON list, and profiles are read for
        every search)."""
        packed = base64.b64encode(array("f", self.contrast).tobytes()).decode() if self.contrast is not None else None
        return {"contrast_f32": packed, "predicted": self.predicted, "predictions": self.predictions,
                "choices": self.choices}  # fmt: skip

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Taste:
        """Rebuild a taste from `to_state`'s form (an empty taste from a profile stored before tastes were)."""
        packed = state.get("contrast_f32")
        contrast = list(array("f", base64.b64decode(packed))) if packed else None
        return cls(contrast, float(state.get("predicted") or 0.0), float(state.get("predictions") or 0.0),
                   [str(c) for c in state.get("choices") or []])  # fmt: skip


def percentile(score: float, others: Sequence[float]) -> float:
    """Where a choice scoring `score` lands among `others` (what it was chosen from), in [0, 1]: the share
    scoring below it, ties counting half, so that a choice made at random lands at one half on average even
    when many score alike (a word taste scores most products 0)."""
    below = sum(1 for other in others if other < score)
    tied = sum(1 for other in others if other == score)
    return (below + tied / 2) / len(others)


def evidence(predicted: float, predictions: float) -> float:
    """How far predictions whose percentiles summed to `predicted` above one half each were above chance,
    in standard deviations (0 without any)."""
    return predicted / (RANDOM_PERCENTILE_SD * math.sqrt(predictions)) if predictions > 0 else 0.0


def confidence(evidence_sds: float) -> float:
    """How much a taste with `evidence_sds` may count, in [0, 1]: nothing until its predictions were clearly
    better than chance (`CONFIDENCE_FROM_SDS`), then growing with the evidence."""
    return min(1.0, max(0.0, (evidence_sds - CONFIDENCE_FROM_SDS) / CONFIDENCE_SPAN_SDS))


def taste_fit(similarities: Mapping[str, float], confidence: float) -> dict[str, float]:
    """Each candidate's fit to the taste in [0, 1]: its similarity in standard deviations above the
    candidates' mean (one sd or more fits fully), times the taste's confidence. Relative to the candidates,
    because what they all share with the taste (the query's product type) tells none of them apart."""
    if confidence <= 0 or len(similarities) < 2:
        return {}
    values = list(similarities.values())
    mean, spread = statistics.fmean(values), statistics.pstdev(values)
    if spread <= 0:
        return {}
    return {pid: confidence * min(1.0, max(0.0, (s - mean) / spread)) for pid, s in similarities.items()}


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))
