"""Which arm of the running experiment a search is in, and the interleaving of two rankings.

An A/B search runs under its shopper's variant of the config. An interleaving search ranks the same
candidates twice, once per variant, and shows a team-draft mix, each item remembering which ranking
put it there, so that the shopper's clicks can credit one of the two.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from reranker.candidates import Candidate
from reranker.interleaving import team_draft
from search.engine import Merchandising, SearchEngine
from search.params import SearchParams

#: The variant name a search reports while it shows an interleaved list.
INTERLEAVED = "interleaved"


@dataclass(frozen=True)
class Arm:
    """The experiment a search belongs to and its variant; for interleaving, both variants' configs."""

    experiment: str
    variant: str
    interleave: tuple[Merchandising, Merchandising] | None = None


def arm_for(
    engine: SearchEngine, params: SearchParams, merchandising: Merchandising, hybrid: bool
) -> tuple[Merchandising, Arm | None]:
    """The config this search runs under and its arm (None: no experiment runs, or it does not take
    part: a shopper with no id in an A/B test, a sorted or browsing page in an interleaving test)."""
    experiment = merchandising.config.running_experiment()
    if experiment is None or engine.behaviour is None:
        return merchandising, None
    settings = engine.settings
    if experiment.kind == "interleaving":
        if not hybrid:
            return merchandising, None
        a, b = experiment.variants
        both = (merchandising.with_variant(a, settings), merchandising.with_variant(b, settings))
        return merchandising, Arm(experiment.id, INTERLEAVED, both)
    assignments = engine.behaviour.assignments
    variant = assignments.variant(experiment, params.user_id, params.session_id, params.client_id)
    if variant is None:
        return merchandising, None
    return merchandising.with_variant(variant, settings), Arm(experiment.id, variant.name)


def interleave(a: Sequence[Candidate], b: Sequence[Candidate], seed: str) -> list[Candidate]:
    """Team-draft interleaving of two rankings of the same candidates; each item's `explain["team"]` says
    which ranking contributed it. Seeded by the search's `query_id`: the same search mixes the same way."""
    mixed = team_draft([c.id for c in a], [c.id for c in b], len(a) + len(b), random.Random(seed))
    by_id = {c.id: c for c in b} | {c.id: c for c in a}
    candidates = []
    for doc_id, team in zip(mixed.ids, mixed.teams, strict=True):
        candidate = by_id[doc_id]
        candidate.explain["team"] = team
        candidates.append(candidate)
    return candidates


def teams(items: Sequence[Candidate]) -> tuple[list[str], list[str]]:
    """The ids each ranking contributed to the page shown."""
    return ([c.id for c in items if c.explain.get("team") == "a"],
            [c.id for c in items if c.explain.get("team") == "b"])  # fmt: skip
