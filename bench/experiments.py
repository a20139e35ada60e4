"""Experiment benchmark: how many sessions an A/B test and team-draft interleaving need to tell two real
rankers apart, replayed with simulated shoppers.

Rankers: A is the shipped hybrid ranking (lexical and semantic lists fused by RRF); B the same search with one
list's fusion weight at 0 (`--ranker-b`). Both run through `search.service.search` on the real Vespa catalog
(the `bench-search` alias of bench/search.py) for its simulated queries with a known wanted product; each
ranker's top 10 is cached under <cache_dir>/bench/, so that reruns of the simulation need no node.

Shoppers know the wanted product only, never a ranker's features: a session is one query drawn at random;
the shopper examines rank r with probability 1 / r^0.8 (a position-based model, each rank on its own),
clicks the wanted product when examined with probability 0.9 and any other examined result with 0.05.

A/B: a fair coin sends each session to A or B; the metric is the success rate (the wanted product clicked:
an oracle's metric, the A/B test's best case) or the share of sessions with a click (what a shop observes),
compared by the two-proportion z-test. Interleaving: the team draft of both top 10s (the common prefix
credited to neither; also the textbook draft without that rule), credit by clicks, the sign test on the
sessions that are not ties. Power at N sessions: the share of seeds whose test is significant at 95 % in the
right direction (the ranker with the higher MRR@10 wins); each method runs along a grid of N until its power
reaches 0.8. Two A/A tests give the false-positive rates: B := A, and B := A with every result but the
wanted one shuffled (different lists of the same quality).

Run with `make bench-experiments` (or `python -m bench.experiments --help`). Simulated: it measures the
ratio of sessions under the click model above, not shoppers.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np

from analytics.stats import Comparison, Preference, sample_size_two_proportions, sign_test, two_proportions
from bench.node import opensearch_settings
from bench.search import ALIAS, catalog, ensure_index, relevance_queries
from reranker.interleaving import credit, team_draft
from search.engine import build_engine
from search.params import SearchParams
from search.service import search
from vindbaar.client import create_client
from vindbaar.embedder import create_embedder
from vindbaar.settings import Settings

Metric = Literal["success", "click"]
RESULTS = Path(__file__).resolve().parent / "results" / "experiments-2026-11-29.json"
DEPTH = 10
EXAMINE = [1 / rank**0.8 for rank in range(1, DEPTH + 1)]
CLICK_WANTED, CLICK_OTHER = 0.9, 0.05
POWER, CONFIDENCE = 0.8, 0.95
#: Session counts at which each test is read, 20 to about 600,000 in steps of about 20 % (a run reads them
#: in order, like a team that peeks at its test).
GRID = tuple(sorted({int(float(f"{20 * 1.2**k:.2g}")) for k in range(57)}))
#: The rankers: settings overrides of the fusion weights (hybrid is the shipped default).
RANKERS = {"hybrid": {}, "lexical": {"semantic_weight": 0.0}, "semantic": {"lexical_weight": 0.0}}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Query:
    """A simulated query, the product it wants, and each ranker's top 10 for it."""

    kind: str
    text: str
    wanted: str
    rankings: dict[str, list[str]]


def fetch_rankings(settings: Settings, generated: int, items: int, seed: int, refresh: bool) -> tuple[int, list[Query]]:
    """The catalog's size and each ranker's top 10 for the simulated queries, from the cache or else from
    the real engine."""
    path = settings.cache_dir / "bench" / f"experiments-rankings-{generated}-{items}-{seed}.json"
    if path.exists() and not refresh:
        _log(f"rankings from {path}")
        cached = json.loads(path.read_text(encoding="utf-8"))
        return cached["catalog_products"], [Query(**row) for row in cached["queries"]]
    products = catalog(generated)
    queries = relevance_queries(products, items, seed)
    with opensearch_settings() as base:
        node = base.model_copy(update={"index_alias": ALIAS})
        ensure_index(node, products)
        client, embedder = create_client(node), create_embedder(node)
        engines = {name: build_engine(node.model_copy(update=w), client, embedder) for name, w in RANKERS.items()}
        for name, engine in engines.items():  # a stored merchandising config would override the weights
            weights, given = engine.merchandising().weights, engine.settings
            assert (weights.lexical, weights.semantic) == (given.lexical_weight, given.semantic_weight), name
        rows: list[Query] = []
        for number, (kind, text, wanted) in enumerate(queries, start=1):
            params = SearchParams(q=text, size=DEPTH, facets=[], highlight=False)
            rankings = {name: [item.id for item in search(engine, params).items] for name, engine in engines.items()}
            rows.append(Query(kind, text, wanted, rankings))
            if number % 100 == 0:
                _log(f"  {number}/{len(queries)} queries searched")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"catalog_products": len(products), "queries": [asdict(r) for r in rows]}))
    return len(products), rows


def _rank(query: Query, ranker: str) -> int:
    """The wanted product's rank in the ranker's top 10; 0 when it is not there."""
    ranking = query.rankings[ranker]
    return ranking.index(query.wanted) + 1 if query.wanted in ranking else 0


def mrr_at_10(queries: list[Query], ranker: str) -> float:
    """Mean reciprocal rank of the wanted product in the ranker's top 10 (0 when absent)."""
    return statistics.fmean(1 / rank if (rank := _rank(q, ranker)) else 0.0 for q in queries)


def success_rate(queries: list[Query], ranker: str) -> float:
    """The chance that a session shown this ranker clicks the wanted product, under the click model."""
    return statistics.fmean(EXAMINE[rank - 1] * CLICK_WANTED if (rank := _rank(q, ranker)) else 0.0 for q in queries)


def ab_runs(queries: list[Query], a: str, b: str, seed: int, metric: Metric = "success") -> Iterator[Comparison]:
    """An A/B test read at each grid size: B's rate against A's, of sessions that clicked the wanted product
    (`success`: what an A/B test would measure if it knew what the shopper wanted) or clicked anything
    (`click`: what it can observe)."""
    ranks = {name: np.array([_rank(q, name) for q in queries]) for name in (a, b)}
    lengths = {name: np.array([len(q.rankings[name]) for q in queries]) for name in (a, b)}
    rng = np.random.default_rng(seed)
    hits, trials, done = [0, 0], [0, 0], 0
    for n in GRID:
        size, done = n - done, n
        picked = rng.integers(len(queries), size=size)
        to_b = rng.random(size) < 0.5
        rank = np.asarray(np.where(to_b, ranks[b][picked], ranks[a][picked]), dtype=np.int64)  # 0: not shown
        shown = np.arange(DEPTH) < np.where(to_b, lengths[b][picked], lengths[a][picked])[:, None]
        wanted = np.arange(1, DEPTH + 1) == rank[:, None]
        clicks = (shown & (rng.random((size, DEPTH)) < EXAMINE)
                  & (rng.random((size, DEPTH)) < np.where(wanted, CLICK_WANTED, CLICK_OTHER)))  # fmt: skip
        hit = (clicks & wanted if metric == "success" else clicks).any(axis=1)
        for arm, mask in enumerate((~to_b, to_b)):
            hits[arm] += int(np.count_nonzero(np.logical_and(hit, mask)))
            trials[arm] += int(np.count_nonzero(mask))
        yield two_proportions(hits[0], trials[0], hits[1], trials[1], CONFIDENCE)


def interleaving_runs(queries: list[Query], a: str, b: str, seed: int, prefix: bool = True) -> Iterator[Preference]:
    """Interleaving read at each grid size: the sign test on the sessions whose clicks preferred a ranker."""
    draft = random.Random(seed)  # the service seeds it from the query id; here one stream per run
    rng = np.random.default_rng(seed)
    wins = {"a": 0, "b": 0, "tie": 0}
    done = 0
    for n in GRID:
        size, done = n - done, n
        picked = rng.integers(len(queries), size=size).tolist()
        looks = (rng.random((size, DEPTH)) < np.array(EXAMINE)).tolist()
        draws = rng.random((size, DEPTH)).tolist()
        for i, index in enumerate(picked):
            query = queries[index]
            shown = team_draft(query.rankings[a], query.rankings[b], DEPTH, draft, prefix)
            odds = [CLICK_WANTED if pid == query.wanted else CLICK_OTHER for pid in shown.ids]
            clicked = [pid for r, pid in enumerate(shown.ids) if looks[i][r] and draws[i][r] < odds[r]]
            wins[credit(shown, clicked)] += 1
        yield sign_test(wins["a"], wins["b"], CONFIDENCE)


#: The methods compared: A/B, interleaving, and the textbook draft (no common prefix) to show what it costs.
METHODS: dict[str, Callable[[list[Query], str, str, int], Iterator[Comparison | Preference]]] = {
    "ab": ab_runs,
    "ab_any_click": partial(ab_runs, metric="click"),
    "interleaving": interleaving_runs,
    "interleaving_textbook_draft": partial(interleaving_runs, prefix=False),
}


def _effect(result: Comparison | Preference) -> float:
    return result.difference if isinstance(result, Comparison) else result.delta


def power_curve(
    runs: Sequence[Iterator[Comparison | Preference]], direction: float, stop_at: int = 0
) -> dict[str, Any]:
    """Read all seeds' runs along the grid: the share significant at each N in `direction` (the sign B - A
    should have), until power reaches 0.8; A/A (`direction` 0, up to `stop_at` sessions): the share
    significant either way, the false-positive rate."""
    curve: list[dict[str, float]] = []
    first: list[float] = [math.inf] * len(runs)  # when each run first became significant, peeking at each N
    for n in GRID:
        results = [next(run) for run in runs]
        hits = [r.significant and (direction == 0 or _effect(r) * direction > 0) for r in results]
        first = [min(f, n) if hit else f for f, hit in zip(first, hits, strict=True)]
        mean_effect = round(statistics.fmean(_effect(r) for r in results), 4)
        curve.append({"sessions": n, "share_significant": round(statistics.fmean(hits), 3), "mean_effect": mean_effect})
        if (direction != 0 and curve[-1]["share_significant"] >= POWER) or (direction == 0 and n >= stop_at):
            break
    report: dict[str, Any] = {"curve": curve}
    if direction == 0:
        report["mean_false_positive_rate"] = round(statistics.fmean(row["share_significant"] for row in curve), 4)
        return report
    report["sessions_for_power_0_8"] = _crossing(curve)
    median = statistics.median(first)
    report["median_sessions_first_significant_when_peeking"] = None if math.isinf(median) else median
    return report


def _crossing(curve: list[dict[str, float]]) -> int | None:
    """Where power reaches 0.8, interpolated linearly between the last two grid sizes (None: not reached)."""
    before, last = ([{"sessions": 0, "share_significant": 0.0}, *curve])[-2:]
    if last["share_significant"] < POWER:
        return None
    n0, p0, n1, p1 = before["sessions"], before["share_significant"], last["sessions"], last["share_significant"]
    return round(n0 + (POWER - p0) / (p1 - p0) * (n1 - n0))


def equal_quality(queries: list[Query], ranker: str, seed: int = 5) -> list[Query]:
    """The queries with one more ranking, "<ranker>_shuffled": the ranker's list with every result but the
    wanted one shuffled, so different lists of the same quality under the click model (an A/A test)."""
    rng = random.Random(seed)
    shuffled = []
    for q in queries:
        others = [pid for pid in q.rankings[ranker] if pid != q.wanted]
        rng.shuffle(others)
        if rank := _rank(q, ranker):
            others.insert(rank - 1, q.wanted)
        shuffled.append(Query(q.kind, q.text, q.wanted, {**q.rankings, f"{ranker}_shuffled": others}))
    return shuffled


def experiment(queries: list[Query], b: str, seeds: int) -> dict[str, Any]:
    """A/B against interleaving for hybrid (A) and `b`, and each method in two A/A tests."""
    a = "hybrid"
    mrr = {name: round(mrr_at_10(queries, name), 4) for name in RANKERS}
    kinds = sorted({q.kind for q in queries})
    p_a, p_b = success_rate(queries, a), success_rate(queries, b)
    report: dict[str, Any] = {
        "mrr_at_10": mrr,
        "mrr_at_10_by_kind": {
            k: {name: round(mrr_at_10([q for q in queries if q.kind == k], name), 4) for name in RANKERS} for k in kinds
        },
        "ranker_a": a,
        "ranker_b": b,
        "mrr_gap_relative": round((mrr[b] - mrr[a]) / mrr[a], 4),
        "success_rate": {"a": round(p_a, 4), "b": round(p_b, 4)},
        # The textbook sample size for these success rates, to check the simulated A/B against.
        "ab_sessions_by_formula": 2 * sample_size_two_proportions(p_a, p_b - p_a, 1 - CONFIDENCE, POWER, False),
        "mean_effect": "A/B: B's rate - A's; interleaving: (wins of B - wins of A) / sessions that are not ties",
    }
    _log(f"MRR@10 {mrr}; success rates A {p_a:.4f}, B {p_b:.4f}")
    direction = math.copysign(1, mrr[b] - mrr[a])  # the better ranker by MRR@10 must win
    for name, runs in METHODS.items():
        _log(f"{name} …")
        report[name] = power_curve([runs(queries, a, b, seed) for seed in range(seeds)], direction)
        _log(f"  power 0.8 at {report[name]['sessions_for_power_0_8']} sessions")
    needed = {name: report[name]["sessions_for_power_0_8"] or GRID[-1] for name in METHODS}
    for name in ("ab", "ab_any_click"):
        report[f"ratio_{name}_to_interleaving"] = round(needed[name] / needed["interleaving"], 2)
    aa = {"identical": (queries, a), "equal_quality": (equal_quality(queries, a), f"{a}_shuffled")}
    for test, (rows, other) in aa.items():  # other seeds than the A/B runs', up to the sessions each needed
        _log(f"A/A {test} …")
        report[f"aa_{test}"] = {name: power_curve([runs(rows, a, other, 10_000 + s) for s in range(seeds)], 0,
                                                  needed[name]) for name, runs in METHODS.items()}  # fmt: skip
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.experiments", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--generated", type=int, default=0,
                        help="generated products added to the real ones (bench/search.py's catalog)")  # fmt: skip
    parser.add_argument("--items", type=int, default=300, help="products drawn for queries (up to 3 queries each)")
    parser.add_argument("--query-seed", type=int, default=11, help="seed of the simulated queries")
    parser.add_argument("--seeds", type=int, default=4000, help="simulated experiments per method")
    parser.add_argument("--ranker-b", choices=sorted(set(RANKERS) - {"hybrid"}), default="lexical",
                        help="B: lexical (semantic weight 0) or semantic (lexical weight 0)")  # fmt: skip
    parser.add_argument("--refresh", action="store_true", help="search again instead of using cached rankings")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON report is written")
    args = parser.parse_args(argv)
    products, queries = fetch_rankings(Settings(), args.generated, args.items, args.query_seed, args.refresh)
    report = {
        "catalog_products": products,
        "queries": len(queries),
        "queries_by_kind": {k: sum(1 for q in queries if q.kind == k) for k in sorted({q.kind for q in queries})},
        "seeds": args.seeds,
        "click_model": {"examine_rank_r": "1 / r^0.8", "click_wanted": CLICK_WANTED, "click_other": CLICK_OTHER},
        "confidence": CONFIDENCE,
        "simulated": True,
        **experiment(queries, args.ranker_b, args.seeds),
    }
    text = json.dumps(report, indent=2)
    args.output.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
