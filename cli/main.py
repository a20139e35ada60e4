"""The `vindbaar` command line. Data goes to stdout, logs to stderr; non-zero exit on failure.

Without ``VINDBAAR_OPENSEARCH_URL`` every command uses the running local development node
(`vindbaar opensearch start`); the product code itself only ever gets a URL.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

from cli.analytics_commands import add_commands as add_analytics_commands
from cli.ranking_commands import add_commands as add_ranking_commands
from devtools.localnode.cluster import LocalCluster
from devtools.localnode.node import LocalNode, cluster_health
from indexer.commands import add_commands as add_indexer_commands
from vindbaar import OPENSEARCH_VERSION
from vindbaar.client import create_client
from vindbaar.errors import VindbaarError
from vindbaar.memory import resident_memory_mb
from vindbaar.settings import Settings

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NOT_RUNNING = 3  # as in LSB `status`: program is not running

log = logging.getLogger("vindbaar")


def with_local_node(settings: Settings) -> Settings:
    """`settings` with ``opensearch_url`` set to the running local node's when none is configured."""
    if settings.opensearch_url:
        return settings
    info = LocalNode(settings).info()
    return settings if info is None else settings.model_copy(update={"opensearch_url": info.url})


def _node(args: argparse.Namespace, settings: Settings) -> LocalNode:
    return LocalNode(settings, data_dir=args.data_dir, port=getattr(args, "port", None))


def _cluster(args: argparse.Namespace, settings: Settings) -> LocalCluster:
    base = args.data_dir or settings.cache_dir / f"opensearch-{OPENSEARCH_VERSION}" / f"cluster-{args.nodes}"
    return LocalCluster(settings, base, args.nodes)


def _opensearch_start(args: argparse.Namespace, settings: Settings) -> int:
    if args.nodes > 1:
        cluster = _cluster(args, settings)
        log.info("starting a local cluster of %d OpenSearch %s nodes (data: %s)", args.nodes, OPENSEARCH_VERSION,
                 cluster.base_dir)  # fmt: skip
        print(LocalCluster.urls(cluster.start()))  # for VINDBAAR_OPENSEARCH_URL
        return EXIT_OK
    node = _node(args, settings)
    log.info("starting OpenSearch %s (data: %s); the first start fetches it from Maven Central",
             OPENSEARCH_VERSION, node.data_dir)  # fmt: skip
    info = node.start()
    print(info.url)
    return EXIT_OK


def _opensearch_stop(args: argparse.Namespace, settings: Settings) -> int:
    stopped = _cluster(args, settings).stop() if args.nodes > 1 else _node(args, settings).stop()
    log.info("stopped" if stopped else "no local node was running")
    return EXIT_OK


def _opensearch_status(args: argparse.Namespace, settings: Settings) -> int:
    if args.nodes > 1:
        members = _cluster(args, settings).info()
        running = [info for info in members if info is not None]
        print(json.dumps({"running": len(running), "nodes": len(members), "url": LocalCluster.urls(running),
                          "health": cluster_health(running[0].url) if running else None}, indent=2))  # fmt: skip
        return EXIT_OK if running else EXIT_NOT_RUNNING
    info = _node(args, settings).info()
    if info is None:
        print(json.dumps({"running": False}))
        return EXIT_NOT_RUNNING
    report = {"running": True, "url": info.url, **asdict(info), "health": cluster_health(info.url),
              "rss_mb": resident_memory_mb(info.pid)}  # fmt: skip
    print(json.dumps(report, indent=2))
    return EXIT_OK


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from cli.demo import run_demo

    run_demo(settings, args.host, args.port, args.nl_products)
    return EXIT_OK


def default_workers(cores: int, opensearch_url: str | None) -> int:
    """API workers for `cores`: one per core when OpenSearch runs elsewhere, half the cores when it runs on
    this machine (measured on 2 cores with a local node: 2 workers were slower than 1 at every load)."""
    first = (opensearch_url or "http://127.0.0.1").split(",")[0].strip()  # a cluster: its URLs, comma-separated
    host = urlsplit(first).hostname or ""
    local = host in {"127.0.0.1", "localhost", "::1"}
    return max(1, cores // 2) if local else cores


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    # uvicorn's access log prints whole URLs, whose query strings hold what shoppers type and their ids: the
    # app logs its own access line (route template, status, time, request id) instead.
    import uvicorn

    from search.http.app import create_app

    workers = args.workers or default_workers(os.cpu_count() or 1, settings.opensearch_url)
    if workers > 1:
        # Each worker process builds its own app, with settings from the environment: pass the node's URL on.
        if settings.opensearch_url:
            os.environ["VINDBAAR_OPENSEARCH_URL"] = settings.opensearch_url
        uvicorn.run("search.http.app:create_app", factory=True, host=args.host, port=args.port, workers=workers,
                    access_log=False)  # fmt: skip
    else:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info", access_log=False)
    return EXIT_OK


def _events_purge(args: argparse.Namespace, settings: Settings) -> int:
    from reranker.behaviour.config import BehaviourConfig
    from reranker.behaviour.store import BehaviourStore

    config = BehaviourConfig.from_settings(settings)
    deleted = BehaviourStore(create_client(settings), config).purge_expired()
    print(json.dumps({"deleted": deleted, "retention_days": config.retention_days}))
    return EXIT_OK


def _events_learn(args: argparse.Namespace, settings: Settings) -> int:
    from reranker.behaviour.config import BehaviourConfig
    from reranker.behaviour.store import BehaviourStore
    from reranker.merchandising.config import MerchConfig
    from reranker.merchandising.config_store import ConfigStore
    from vindbaar.index_names import IndexNames

    client = create_client(settings)
    live = ConfigStore(client, IndexNames(settings.index_alias)).current()
    weights = (live.config if live else MerchConfig()).weights(settings)
    report = BehaviourStore(client, BehaviourConfig.from_settings(settings)).learn_pending(weights.event_weights,
                                                                                         args.grace_s)  # fmt: skip
    print(json.dumps({"learned": report.stored, "withdrawn": report.skipped_no_consent}))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `vindbaar` command."""
    parser = argparse.ArgumentParser(prog="vindbaar", description="Personalized on-site search for web shops.")
    parser.add_argument("-q", "--quiet", action="store_true", help="only print warnings and errors")
    commands = parser.add_subparsers(dest="command", required=True)

    node = commands.add_parser("opensearch", help="manage the local OpenSearch node")
    node_commands = node.add_subparsers(dest="action", required=True)
    for name, handler, help_text in (
        ("start", _opensearch_start, "start the node (fetching it once) and print its URL"),
        ("stop", _opensearch_stop, "stop the node"),
        ("status", _opensearch_status, "print the node's state as JSON; exit 3 if not running"),
    ):
        sub = node_commands.add_parser(name, help=help_text)
        sub.add_argument("--data-dir", type=Path, default=None, help="node data folder (default: in the cache)")
        sub.add_argument("--nodes", type=int, default=1, help="a local cluster of this many nodes (default 1)")
        if name == "start":
            sub.add_argument("--port", type=int, default=None, help="HTTP port (default: first free of 9200-9299)")
        sub.set_defaults(handler=handler)

    demo = commands.add_parser("demo", help="serve a demo shop: local node, demo catalog, storefront and console")
    demo.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    demo.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    demo.add_argument("--nl-products", type=int, default=140, help="generated Dutch/English products added (140)")
    demo.set_defaults(handler=_demo)

    add_indexer_commands(commands)
    add_analytics_commands(commands)
    add_ranking_commands(commands)

    events = commands.add_parser("events", help="shopper behaviour data")
    events_commands = events.add_subparsers(dest="action", required=True)
    purge = events_commands.add_parser("purge", help="delete events older than VINDBAAR_EVENT_RETENTION_DAYS")
    purge.set_defaults(handler=_events_purge)
    learn = events_commands.add_parser("learn", help="learn stored events whose profile update failed unretried")
    learn.add_argument("--grace-s", type=float, default=60.0, help="only events at least this old (default 60)")
    learn.set_defaults(handler=_events_learn)

    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--workers", type=int, default=0, help="worker processes (default: one per core; half with a local node)"
    )
    serve.set_defaults(handler=_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `vindbaar` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)  # fmt: skip
    # opensearch-py logs every request at INFO; that is noise on a CLI.
    logging.getLogger("opensearch").setLevel(logging.WARNING)
    try:
        code: int = args.handler(args, with_local_node(Settings()))
    except VindbaarError as exc:
        print(f"vindbaar: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("vindbaar: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
