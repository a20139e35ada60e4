"""Experiments in the merchandising config: stable assignment, variants as config changes, one at a time."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from reranker.merchandising.config import MerchConfig
from reranker.merchandising.experiments import Experiment

AB: dict[str, Any] = {"id": "e1", "variants": [{"name": "a"}, {"name": "b", "personalization_strength": 0.0}]}


def test_assignment_is_a_stable_hash_of_experiment_and_shopper() -> None:
    experiment = Experiment.model_validate(AB)
    assert all(experiment.assign(f"s{n}") == experiment.assign(f"s{n}") for n in range(100))
    other = Experiment.model_validate({**AB, "id": "e2"})
    # Another experiment splits the same shoppers independently.
    differs = sum(experiment.assign(f"s{n}").name != other.assign(f"s{n}").name for n in range(1000))
    assert 400 < differs < 600


@pytest.mark.parametrize(("shares", "expected_a"), [((1, 1), 0.5), ((9, 1), 0.9), ((1, 3), 0.25)])
def test_the_split_follows_the_shares(shares: tuple[float, float], expected_a: float) -> None:
    variants = [{"name": "a", "share": shares[0]}, {"name": "b", "share": shares[1]}]
    experiment = Experiment.model_validate({"id": "split", "variants": variants})
    got = sum(experiment.assign(f"shopper-{n}").name == "a" for n in range(20_000)) / 20_000
    assert got == pytest.approx(expected_a, abs=0.015)


def test_a_variant_changes_the_config_only_where_it_says() -> None:
    base = MerchConfig.model_validate({"ranking": {"semantic_weight": 2.0, "personalization_strength": 0.4},
                                       "rules": [{"id": "r1"}], "experiments": [AB]})  # fmt: skip
    experiment = base.running_experiment()
    assert experiment is not None
    b = base.with_variant(experiment.variant("b"))
    assert (b.ranking.semantic_weight, b.ranking.personalization_strength) == (2.0, 0.0)
    assert [r.id for r in b.rules] == ["r1"]
    replaced = base.with_variant(Experiment.model_validate({"id": "x", "variants": [{"name": "a"},
                                                             {"name": "c", "rules": []}]}).variant("c"))  # fmt: skip
    assert replaced.rules == []


@pytest.mark.parametrize(
    ("config", "message"),
    [({"experiments": [AB, {**AB, "id": "e2"}]}, "only one experiment may run"),
     ({"experiments": [AB, {**AB, "status": "stopped"}]}, "duplicate experiment id"),
     ({"experiments": [{**AB, "variants": [{"name": "a"}, {"name": "a"}]}]}, "unique"),
     ({"experiments": [{**AB, "kind": "interleaving", "variants": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}]},
      "exactly two"),
     ({"experiments": [{**AB, "promoted": "z"}]}, "promoted variant")],
)  # fmt: skip
def test_inconsistent_experiments_are_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        MerchConfig.model_validate(config)
