"""Merchandising rules: conditions, filters, conflicts and actions (pure logic)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import TypeAdapter, ValidationError

from reranker.candidates import Candidate
from reranker.merchandising.config import MerchConfig
from reranker.merchandising.plan import apply_boosts, apply_pins, plan_rules
from reranker.merchandising.rules import Condition
from vindbaar.filters import ProductFilter, RuleFilter

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
SONY = {"brand": ["Sony"], "category_ancestors": ["Electronics", "Electronics > Audio"], "price": [199.0],
        "in_stock": [True], "attribute_pairs": ["color=black"]}  # fmt: skip


def _config(*rules: dict[str, object]) -> MerchConfig:
    return MerchConfig.model_validate({"rules": list(rules)})


def test_filter_fields_are_anded_and_values_ored() -> None:
    assert ProductFilter(brand=["Bose", "Sony"], category=["Electronics>Audio"]).matches("p", SONY)
    assert not ProductFilter(brand=["Sony"], price_max=100).matches("p", SONY)
    assert ProductFilter(attributes={"Color": ["Black", "white"]}, in_stock=True).matches("p", SONY)
    assert ProductFilter(ids=["p"]).matches("p", {}) and not ProductFilter(ids=["q"]).matches("p", {})


def test_an_empty_rule_filter_or_an_unknown_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least one"):
        TypeAdapter(RuleFilter).validate_python({})
    with pytest.raises(ValidationError, match="colour"):
        ProductFilter.model_validate({"colour": ["red"]})


@pytest.mark.parametrize(
    ("condition", "query", "holds"),
    [
        ({"query_equals": ["Sony Headphones"]}, "sony  headphones", True),
        ({"query_equals": ["sony"]}, "sony headphones", False),
        ({"query_contains": ["sony"]}, "cheap sony headphones", True),
        ({"query_contains": ["son"]}, "sony", False),
        ({"ends_at": NOW - timedelta(seconds=1)}, "x", False),
        ({"starts_at": NOW + timedelta(days=1)}, "x", False),
        ({"starts_at": NOW - timedelta(days=1), "ends_at": NOW + timedelta(days=1)}, "x", True),
        ({"segment": "returning"}, "x", False),
    ],
)
def test_conditions(condition: dict[str, object], query: str, holds: bool) -> None:
    assert Condition.model_validate(condition).holds(query, [], NOW, returning=False) is holds


def test_higher_priority_wins_a_contested_slot_and_the_loser_is_reported() -> None:
    plan = plan_rules(_config(
        {"id": "low", "pins": [{"product_id": "a", "position": 1}]},
        {"id": "high", "priority": 5, "pins": [{"product_id": "b", "position": 1}]},
    ), "q", [], NOW, False)  # fmt: skip
    assert plan.pins == {1: ("b", "high")}
    assert plan.applied == ["high", "low"]
    assert plan.conflicts == ["rule 'low': position 1 already pinned to 'b' by rule 'high'"]


def test_disabled_rules_do_not_apply_and_rule_ids_are_unique() -> None:
    assert (
        plan_rules(_config({"id": "off", "enabled": False, "banner": {"text": "x"}}), "q", [], NOW, False).applied == []
    )
    with pytest.raises(ValidationError, match="duplicate rule id"):
        _config({"id": "a"}, {"id": "a"})


def _candidates() -> list[Candidate]:
    return [Candidate("a", {"brand": ["Bose"]}, 3.0), Candidate("b", {"brand": ["Sony"]}, 2.0),
            Candidate("c", {"brand": ["JBL"]}, 1.0)]  # fmt: skip


def test_boosts_and_buries_multiply_scores_and_resort() -> None:
    plan = plan_rules(_config(
        {"id": "up", "boosts": [{"filter": {"brand": ["JBL"]}, "factor": 5}]},
        {"id": "down", "boosts": [{"filter": {"brand": ["Bose"]}, "factor": 0.1}]},
    ), "q", [], NOW, False)  # fmt: skip
    assert [c.id for c in apply_boosts(_candidates(), plan)] == ["c", "b", "a"]


def test_pins_insert_at_their_position_and_bring_in_missing_products() -> None:
    pins = [{"product_id": "c", "position": 1}, {"product_id": "z", "position": 3}]
    plan = plan_rules(_config({"id": "p", "pins": pins}), "q", [], NOW, False)
    ranked = apply_pins(_candidates(), plan)
    assert [c.id for c in ranked] == ["c", "a", "z", "b"]
    assert ranked[0].explain["pinned"] == {"rule": "p", "position": 1}


def test_a_hidden_product_is_not_pinned() -> None:
    plan = plan_rules(_config({"id": "pin", "pins": [{"product_id": "c", "position": 1}]},
                              {"id": "recall", "hide": {"ids": ["c"]}}), "q", [], NOW, False)  # fmt: skip
    assert apply_pins(_candidates(), plan)[0].id != "c"
    assert any("hidden" in conflict for conflict in plan.conflicts)


def test_a_time_without_zone_is_utc_and_compares_safely() -> None:
    condition = Condition.model_validate({"starts_at": "2026-11-28T00:00:00"})
    assert condition.starts_at is not None and condition.starts_at.tzinfo is not None
    assert condition.holds("x", [], NOW, returning=False)


def test_a_category_condition_holds_in_the_category_and_below_it() -> None:
    condition = Condition(category=["Electronics > Audio"])
    assert condition.holds("x", ["Electronics>Audio"], NOW, returning=False)
    assert condition.holds("x", ["Electronics > Audio > Headphones"], NOW, returning=False)
    assert not condition.holds("x", ["Electronics > Audiobooks"], NOW, returning=False)


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"synonyms": ["lonely"]}, "synonyms"),
        ({"rules": [{"id": "x", "hide": {"attributes": {"color": []}}}]}, "at least 1 item"),
        ({"rules": [{"id": "x", "filter": {"price_min": 50, "price_max": 10}}]}, "price_min"),
    ],
)
def test_configs_that_would_break_searches_are_refused(config: dict[str, object], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        MerchConfig.model_validate(config)


def test_the_same_product_pinned_twice_is_shown_once() -> None:
    twice = _config({"id": "a", "pins": [{"product_id": "c", "position": 1}]},
                    {"id": "b", "pins": [{"product_id": "c", "position": 2}]})  # fmt: skip
    plan = plan_rules(twice, "q", [], NOW, False)
    assert [c.id for c in apply_pins(_candidates(), plan)].count("c") == 1
    assert any("already pinned" in conflict for conflict in plan.conflicts)


@pytest.mark.parametrize(
    ("line", "accepted"),
    [
        ("tv, television", True),
        ("tv, tele => television", True),
        ("koptelefoon, hoofdtelefoon # nl", True),
        ("# a comment", True),
        ("", True),
        ("кофе, coffee", True),
        ("crème brûlée, creme brulee", True),
        ("lonely", False),
        ("a,,b", False),
        ("a=b, c", False),
        ("€, $", False),
        ("a\x1eb, c", False),  # str.splitlines() would split it in two
    ],
)
def test_a_synonyms_line_is_accepted_exactly_when_its_pattern_says_so(line: str, accepted: bool) -> None:
    """The schema's pattern is the rule: what it allows parses, what it refuses is refused."""
    if accepted:
        assert MerchConfig(synonyms=[line]).synonyms == [line]
    else:
        with pytest.raises(ValidationError, match="pattern"):
            MerchConfig(synonyms=[line])
