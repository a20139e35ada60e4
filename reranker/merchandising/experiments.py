"""Experiments: a merchandiser's change treated as a hypothesis. An A/B test serves each shopper one
variant of the config; an interleaving test shows every shopper a team-draft mix of two rankings and
lets their clicks say which is better. Experiments live in the versioned config, so starting, stopping
and promoting one are config versions like any other change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from reranker.merchandising.rules import Rule, _aware, _Strict
from vindbaar.wire_types import Timestamp


class Variant(_Strict):
    """One arm of an experiment: the live config with these overrides (none: the live config itself)."""

    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    share: float = Field(default=1.0, gt=0, description="Relative share of shoppers (A/B); 1 and 1 split 50/50.")
    lexical_weight: float | None = Field(default=None, ge=0)
    semantic_weight: float | None = Field(default=None, ge=0)
    personalization_strength: float | None = Field(default=None, ge=0, le=1, description="0: not personalized.")
    click_learning_strength: float | None = Field(default=None, ge=0, le=5, description="0: no click learning.")
    learned_ranking: bool | None = Field(default=None, description="false: the hand-set ranking; true: the model.")
    rules: list[Rule] | None = Field(default=None, description="Replaces the live rules (A/B only); unset: keep.")


class Experiment(_Strict):
    """An A/B or interleaving test of config variants."""

    id: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = Field(default="", max_length=1000)
    kind: Literal["ab", "interleaving"] = "ab"
    status: Literal["running", "stopped"] = "running"
    variants: list[Variant] = Field(min_length=2, max_length=5, description="The first is the control.")
    started_at: Timestamp | None = None
    stopped_at: Timestamp | None = None
    promoted: str | None = Field(default=None, description="The variant made live when it stopped.")

    @field_validator("started_at", "stopped_at")
    @classmethod
    def _with_zone(cls, value: datetime | None) -> datetime | None:
        return _aware(value)

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError("variant names must be unique")
        if self.kind == "interleaving":
            if len(self.variants) != 2:
                raise ValueError("an interleaving experiment compares exactly two variants")
            if any(v.rules is not None for v in self.variants):
                # Both rankings come from one retrieval: rules that filter or hide would make them differ in
                # what may be shown at all, which interleaving cannot compare fairly.
                raise ValueError("interleaving variants may change ranking weights only, not rules")
        if self.promoted is not None and self.promoted not in names:
            raise ValueError(f"promoted variant {self.promoted!r} is not one of {names}")
        return self

    def variant(self, name: str) -> Variant:
        """The variant called `name`."""
        for variant in self.variants:
            if variant.name == name:
                return variant
        raise KeyError(name)

    def assign(self, unit: str) -> Variant:
        """The variant of the shopper identified by `unit`: a stable hash of the experiment and the unit,
        so the same shopper gets the same variant in every worker, every time, with no state."""
        digest = hashlib.sha256(f"{self.id}\0{unit}".encode()).digest()
        point = int.from_bytes(digest[:8], "big") / 2**64
        total = sum(v.share for v in self.variants)
        edge = 0.0
        for variant in self.variants:
            edge += variant.share / total
            if point < edge:
                return variant
        return self.variants[-1]


def running(experiments: Sequence[Experiment]) -> Experiment | None:
    """The experiment that is running (at most one is)."""
    return next((e for e in experiments if e.status == "running"), None)
