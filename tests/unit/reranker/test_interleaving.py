"""Team-draft interleaving: the drafted list, and how clicks credit the rankers."""

from __future__ import annotations

import random

import pytest

from analytics.stats import sign_test
from reranker.interleaving import Interleaved, credit, team_draft

A = ["a1", "a2", "shared1", "a3", "a4", "shared2", "a5", "a6", "a7", "a8"]
B = ["shared1", "b1", "b2", "shared2", "b3", "a2", "b4", "b5", "b6", "b7"]


def _draft(a: list[str], b: list[str], length: int = 10, seed: int = 0, common_prefix: bool = True) -> Interleaved:
    return team_draft(a, b, length, random.Random(seed), common_prefix)


def _own_picks(drafted: Interleaved, team: str) -> list[str]:
    return [i for i, t in zip(drafted.ids, drafted.teams, strict=True) if t == team]


@pytest.mark.parametrize("seed", range(50))
def test_draft_has_no_duplicates_and_the_requested_length(seed: int) -> None:
    drafted = _draft(A, B, seed=seed)
    assert len(drafted.ids) == len(set(drafted.ids)) == len(drafted.teams) == 10


@pytest.mark.parametrize("seed", range(50))
def test_each_team_keeps_its_own_rankings_order(seed: int) -> None:
    drafted = _draft(A, B, seed=seed)
    for team, ranking in (("a", A), ("b", B)):
        picked = _own_picks(drafted, team)
        assert picked == sorted(picked, key=ranking.index)


@pytest.mark.parametrize("seed", range(50))
def test_picks_are_balanced_at_every_position(seed: int) -> None:
    drafted = _draft(A, B, seed=seed)
    for end in range(1, len(drafted.teams) + 1):
        assert abs(drafted.teams[:end].count("a") - drafted.teams[:end].count("b")) <= 1


@pytest.mark.parametrize("seed", range(50))
def test_a_team_picks_its_best_result_not_shown_yet(seed: int) -> None:
    drafted = _draft(A, B, seed=seed)
    for position, (result, team) in enumerate(zip(drafted.ids, drafted.teams, strict=True)):
        assert team is not None  # A and B begin differently: no common prefix
        ranking = A if team == "a" else B
        assert result == next(r for r in ranking if r not in drafted.ids[:position])


@pytest.mark.parametrize("seed", range(20))
def test_identical_rankings_give_that_ranking_credited_to_neither(seed: int) -> None:
    drafted = _draft(A, A, seed=seed)
    assert drafted.ids == tuple(A)
    assert drafted.teams == (None,) * len(A)
    assert credit(drafted, A[:3]) == "tie"


@pytest.mark.parametrize("seed", range(20))
def test_the_textbook_draft_of_identical_rankings_gives_that_ranking_in_balanced_teams(seed: int) -> None:
    drafted = _draft(A, A, seed=seed, common_prefix=False)
    assert drafted.ids == tuple(A)
    assert drafted.teams.count("a") == drafted.teams.count("b") == 5


@pytest.mark.parametrize("seed", range(20))
def test_the_common_prefix_comes_first_and_earns_no_credit(seed: int) -> None:
    drafted = _draft(["x", "y", "p", "q", "r"], ["x", "y", "q", "p", "s"], seed=seed)
    assert drafted.ids[:2] == ("x", "y")
    assert drafted.teams[:2] == (None, None)
    assert set(drafted.ids[2:4]) == {"p", "q"}  # each team's best after the prefix
    assert None not in drafted.teams[2:]
    assert "x" not in drafted.team_of()
    assert credit(drafted, ["x", "y"]) == "tie"


def test_the_common_prefix_is_cut_by_the_length() -> None:
    assert _draft(A, A, length=3) == Interleaved(tuple(A[:3]), (None, None, None))


def test_when_one_ranking_runs_out_the_other_keeps_picking() -> None:
    drafted = _draft(["x"], ["b1", "b2", "b3", "b4"], length=4)
    assert sorted(drafted.ids) == ["b1", "b2", "b3", "x"]
    assert drafted.teams.count("a") == 1
    assert _own_picks(drafted, "b") == ["b1", "b2", "b3"]


def test_draft_stops_when_both_rankings_are_used_up() -> None:
    drafted = _draft(["x", "y"], ["y", "z"], length=10)
    assert sorted(drafted.ids) == ["x", "y", "z"]
    assert _draft([], [], length=10) == Interleaved((), ())


def test_length_caps_the_draft() -> None:
    assert len(_draft(A, B, length=3).ids) == 3
    assert _draft(A, B, length=0).ids == ()


def test_the_same_seed_replays_the_same_draft() -> None:
    # The service seeds the draft from the query id: a logged search can be reproduced.
    first = team_draft(A, B, 10, random.Random("query-42"))
    assert team_draft(A, B, 10, random.Random("query-42")) == first


def test_the_coin_decides_who_picks_first() -> None:
    firsts = {_draft(A, B, seed=seed).teams[0] for seed in range(20)}
    assert firsts == {"a", "b"}


DRAFTED = Interleaved(("x", "y", "z", "w"), ("a", "b", "b", "a"))


@pytest.mark.parametrize(
    ("clicked", "outcome"),
    [
        ([], "tie"),
        (["x"], "a"),
        (["y"], "b"),
        (["x", "y"], "tie"),
        (["x", "y", "z"], "b"),
        (["x", "x", "y"], "tie"),  # a result clicked twice counts once
        (["elsewhere"], "tie"),  # not drafted: counts for neither
        (["w", "x", "elsewhere", "y"], "a"),
    ],
)
def test_credit_goes_to_the_team_clicked_more(clicked: list[str], outcome: str) -> None:
    assert credit(DRAFTED, clicked) == outcome
    assert credit(DRAFTED.team_of(), clicked) == outcome  # the logged map credits the same


@pytest.mark.parametrize(
    ("a", "b", "common_prefix"),
    [
        (A, A, False),  # the same ranking, drafted by coin flips
        (A, B, True),  # different rankings, but the clicks ignore what is shown: equally good
        (A, list(reversed(A)), True),
    ],
)
def test_rankers_of_equal_quality_win_equally_often(a: list[str], b: list[str], common_prefix: bool) -> None:
    # Clicks by position only: no ranker is better, so neither may be preferred; the draft is fair.
    wins = {"a": 0, "b": 0, "tie": 0}
    clicks = random.Random(7)
    for seed in range(4000):
        drafted = _draft(a, b, seed=seed, common_prefix=common_prefix)
        clicked = [r for rank, r in enumerate(drafted.ids, start=1) if clicks.random() < 0.5 / rank]
        wins[credit(drafted, clicked)] += 1
    assert wins["a"] + wins["b"] > 1500
    assert abs(wins["a"] - wins["b"]) / (wins["a"] + wins["b"]) < 0.05
    assert not sign_test(wins["a"], wins["b"], confidence=0.99).significant


def test_the_same_ranking_on_both_sides_is_always_a_tie() -> None:
    clicks = random.Random(7)
    outcomes = {credit(_draft(A, A, seed=seed), [r for r in A if clicks.random() < 0.3]) for seed in range(500)}
    assert outcomes == {"tie"}
