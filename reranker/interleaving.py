"""Team-draft interleaving (Radlinski, Kurup and Joachims, 2008): compare two rankers on the same searches.

An A/B test shows each shopper one ranker and compares two groups of shoppers; the difference between
rankers drowns in the difference between shoppers and queries. Interleaving shows each shopper *one* list
drafted from both rankings, and credits each click to the ranker ("team") that contributed the clicked
result: every search is a paired comparison, so far fewer searches tell the rankers apart
(`bench/experiments.py` measures how many fewer).

The draft is random (a coin decides who picks first in each round), so it takes a `random.Random`. The
service seeds it from the search's `query_id` (``random.Random(query_id)``; a string seed is hashed
deterministically), so that a logged search can be replayed: the same query id drafts the same list and the
same teams, and clicks logged against it can be credited later.

Where both rankings begin alike (the same results at the same ranks), that common prefix is shown first and
credited to neither team, as the reference implementations do (Lerot's `TeamDraft`, Oosterhuis's
`TeamDraftMultileave`): a click there says nothing about which ranker is better, and handing those results
to teams by coin flips only adds noise (`bench/experiments.py` measures both ways).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Team = Literal["a", "b"]
Outcome = Literal["a", "b", "tie"]
TEAMS: tuple[Team, Team] = ("a", "b")


@dataclass(frozen=True)
class Interleaved:
    """The list shown and, aligned with it, which ranker contributed each result (None: the common prefix,
    where both rankings agree, credited to neither)."""

    ids: tuple[str, ...]
    teams: tuple[Team | None, ...]

    def team_of(self) -> dict[str, Team]:
        """Result id -> the team that picked it, for the results that earn credit (what the service logs to
        credit clicks later)."""
        return {pid: team for pid, team in zip(self.ids, self.teams, strict=True) if team is not None}


def team_draft(
    a: Sequence[str], b: Sequence[str], length: int, rng: random.Random, common_prefix: bool = True
) -> Interleaved:
    """Interleave rankings `a` and `b` into at most `length` distinct results.

    First the common prefix (results at the same ranks in both), credited to neither; `common_prefix=False`
    gives the textbook draft, which drafts those too. Then in each round the team with fewer picks picks
    next (a coin flip when they are even), taking its highest-ranked result not shown yet; once one ranking
    has nothing new left, the other keeps picking. So each team's results keep their own relative order,
    and the teams' counts differ by at most one while both rankings have results to give.
    """
    shown: list[str] = []
    teams: list[Team | None] = []
    seen: set[str] = set()
    for mine, theirs in zip(a, b, strict=False) if common_prefix else ():  # the shorter ranking ends it
        if mine != theirs or mine in seen or len(shown) >= length:
            break
        shown.append(mine)
        teams.append(None)
        seen.add(mine)
    rankings: dict[Team, Sequence[str]] = {"a": a, "b": b}
    cursor: dict[Team, int] = {"a": len(shown), "b": len(shown)}
    picks: dict[Team, int] = {"a": 0, "b": 0}

    def has_new(team: Team) -> bool:
        ranking = rankings[team]
        while cursor[team] < len(ranking) and ranking[cursor[team]] in seen:
            cursor[team] += 1  # already shown (picked by the other team): skip it for good
        return cursor[team] < len(ranking)

    while len(shown) < length:
        able = [team for team in TEAMS if has_new(team)]
        if not able:
            break
        team: Team
        if len(able) == 1:
            team = able[0]
        elif picks["a"] != picks["b"]:
            team = "a" if picks["a"] < picks["b"] else "b"
        else:
            team = "a" if rng.random() < 0.5 else "b"
        chosen = rankings[team][cursor[team]]
        shown.append(chosen)
        teams.append(team)
        seen.add(chosen)
        picks[team] += 1
    return Interleaved(tuple(shown), tuple(teams))


def credit(interleaved: Interleaved | Mapping[str, str], clicked_ids: Iterable[str]) -> Outcome:
    """Which ranker the clicks prefer: the team whose results were clicked more; "tie" when even or none.

    `interleaved` is the drafted list or its logged id -> team map. Each clicked result counts once (a
    shopper who clicks a result twice prefers it no more); clicks on the common prefix and on results that
    were not drafted (a recommendation on the same page) count for neither.
    """
    team_of = interleaved.team_of() if isinstance(interleaved, Interleaved) else interleaved
    clicks = {"a": 0, "b": 0}
    for result in set(clicked_ids):
        team = team_of.get(result)
        if team in clicks:
            clicks[team] += 1
    if clicks["a"] == clicks["b"]:
        return "tie"
    return "a" if clicks["a"] > clicks["b"] else "b"
