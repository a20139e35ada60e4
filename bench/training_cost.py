"""What the scheduled ranking-model training costs the searches a worker serves meanwhile.

The API runs in its own process on the `bench-search` alias, with its background jobs on (the other two
rebuilds off, so that only the training runs). The alias's ranking model is removed first, so the job is
due at the worker's first check, a minute after start. One client searches unseen-at-first queries
throughout, and the report gives search p50 and p90 per 15 s window, with when the new model appeared.

The training learns from the alias's search log: run `make bench-personalization-latent` (or any
benchmark that logs searches) first; the report says how many logged searches there were. Run with
`python -m bench.training_cost`. The model it trained is removed afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench.node import run
from bench.personalization_latent import forget_ranking_models
from bench.search import ALIAS, catalog, ensure_index, relevance_queries, start_api
from search.engine import build_engine
from search.jobs import built_at
from search.ranking_training import logged_searches
from vindbaar.client import create_client
from vindbaar.embedder import create_embedder
from vindbaar.index_names import IndexNames
from vindbaar.settings import Settings

PORT = 8799
WINDOW_S = 15


def _benchmark(args: argparse.Namespace, base: Settings) -> dict[str, Any]:
    settings = base.model_copy(update={"index_alias": ALIAS})
    products = catalog(0)
    ensure_index(settings, products)
    client, names = create_client(settings), IndexNames(ALIAS)
    engine = build_engine(settings, client, create_embedder(settings))
    days = timedelta(days=settings.ranking_model_days)
    report: dict[str, Any] = {"logged_searches": len(logged_searches(engine, datetime.now(UTC) - days)),
                              "models_removed_before": forget_ranking_models(client, names)}  # fmt: skip
    queries = [q for _, q, _ in relevance_queries(products, 400, seed=31)]
    only_training = {"VINDBAAR_SUGGESTIONS_REFRESH_S": "0", "VINDBAAR_CLICK_LEARNING_REFRESH_S": "0",
                     "VINDBAAR_RANKING_MODEL_MIN_SEARCHES": str(args.min_searches)}  # fmt: skip
    api = start_api(settings, PORT, env=only_training)
    started, wall_start = time.monotonic(), datetime.now(UTC)
    timings: list[tuple[float, float]] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as http:
            while time.monotonic() - started < args.seconds:
                began = time.perf_counter()
                http.get("/search", params={"q": queries[len(timings) % len(queries)]}).raise_for_status()
                timings.append((time.monotonic() - started, (time.perf_counter() - began) * 1000))
    finally:
        api.terminate()
        api.wait(timeout=30)
    shipped = built_at(client, names.ranker)
    report["model_published_after_s"] = round((shipped - wall_start).total_seconds(), 1) if shipped else None
    report["windows"] = []
    for low in range(0, args.seconds, WINDOW_S):
        ms = sorted(m for t, m in timings if low <= t < low + WINDOW_S)
        if ms:
            report["windows"].append({"from_s": low, "searches": len(ms), "p50_ms": round(statistics.median(ms), 1),
                                      "p90_ms": round(ms[int(0.9 * len(ms))], 1)})  # fmt: skip
    report["models_removed_after"] = forget_ranking_models(client, names)  # other benchmarks must not rank with it
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.training_cost", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--seconds", type=int, default=180, help="how long the client searches")
    parser.add_argument("--min-searches", type=int, default=100, help="logged searches the training needs")
    return run(parser, argv, _benchmark)


if __name__ == "__main__":
    sys.exit(main())
