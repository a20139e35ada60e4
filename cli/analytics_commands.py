"""`vindbaar analytics …`: the search analytics report, an experiment's figures, suggestions mined from
searches, and UBI aliases for OpenSearch's own relevance tools. JSON on stdout."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from vindbaar.client import create_client
from vindbaar.index_names import IndexNames
from vindbaar.settings import Settings

EXIT_OK = 0


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from analytics.queries import Scope
    from analytics.report import Analytics

    analytics = Analytics(create_client(settings), IndexNames(settings.index_alias), settings.opensearch_timeout_s)
    scope = Scope(start=args.start, end=args.end, experiment=args.experiment, variant=args.variant)
    lists = ("top", "zero_results", "no_clicks")
    _print({"overview": analytics.overview(scope).model_dump(),
            **{name: [q.model_dump() for q in analytics.queries(scope, name, args.size)] for name in lists}})  # type: ignore[arg-type]  # fmt: skip
    return EXIT_OK


def _experiment(args: argparse.Namespace, settings: Settings) -> int:
    from analytics.experiment_report import experiment_report
    from analytics.report import Analytics
    from reranker.merchandising.config import MerchConfig
    from reranker.merchandising.config_store import ConfigStore
    from reranker.merchandising.experiment_lifecycle import find

    client, names = create_client(settings), IndexNames(settings.index_alias)
    live = ConfigStore(client, names).current()
    experiment = find(live.config if live else MerchConfig(), args.id)  # UnknownExperiment: exit 1
    analytics = Analytics(client, names, settings.opensearch_timeout_s)
    names_ = [v.name for v in experiment.variants]
    _print(experiment_report(analytics, experiment.id, experiment.kind, names_, args.start, args.end).model_dump())
    return EXIT_OK


def _suggestions(args: argparse.Namespace, settings: Settings) -> int:
    from reranker.merchandising.config_store import ConfigStore
    from search.searched_suggestions import rebuild_searched_suggestions

    client, names = create_client(settings), IndexNames(settings.index_alias)
    live = ConfigStore(client, names).current()
    blocked = live.config.blocked_terms if live else []
    result = rebuild_searched_suggestions(client, names, settings, blocked)
    _print({"index": result.index, "suggestions": result.suggestions, "queries_seen": result.queries_seen})
    return EXIT_OK


def _ubi_aliases(args: argparse.Namespace, settings: Settings) -> int:
    from analytics.ubi import point_ubi_aliases

    client, names = create_client(settings), IndexNames(settings.index_alias)
    _print(point_ubi_aliases(client, names, args.queries_alias, args.events_alias))
    return EXIT_OK


def add_commands(commands: Any) -> None:
    """Add the `analytics` command group to the `vindbaar` parser's subcommands."""
    group = commands.add_parser("analytics", help="search analytics, experiments, suggestions from searches")
    sub = group.add_subparsers(dest="action", required=True)

    report = sub.add_parser("report", help="overview, top, zero-result and no-click queries as JSON")
    experiment = sub.add_parser("experiment", help="an experiment's per-variant figures and tests as JSON")
    experiment.add_argument("id", help="experiment id")
    for parser in (report, experiment):
        parser.add_argument("--start", type=datetime.fromisoformat, help="from this time (ISO 8601)")
        parser.add_argument("--end", type=datetime.fromisoformat, help="until this time (ISO 8601)")
    report.add_argument("--experiment", help="only searches of this experiment")
    report.add_argument("--variant", help="only searches of this variant")
    report.add_argument("--size", type=int, default=20, help="queries per list (default 20)")
    report.set_defaults(handler=_report)
    experiment.set_defaults(handler=_experiment)

    suggestions = sub.add_parser("suggestions", help="rebuild autocomplete suggestions from the search log")
    suggestions.set_defaults(handler=_suggestions)

    ubi = sub.add_parser("ubi-aliases", help="point UBI's index names at this shop's search log and events")
    ubi.add_argument("--queries-alias", default="ubi_queries", help="default ubi_queries")
    ubi.add_argument("--events-alias", default="ubi_events", help="default ubi_events")
    ubi.set_defaults(handler=_ubi_aliases)
