"""`vindbaar ranking train`: train the learned ranking model from the search log, judge it on held-out
searches, and publish it only if it beats the current ranking. The report is JSON on stdout."""

from __future__ import annotations

import argparse
import json
from typing import Any

from vindbaar.client import create_client
from vindbaar.embedder import create_embedder
from vindbaar.settings import Settings

EXIT_SHIPPED = 0
#: Trained but not shipped (it did not beat the current ranking), or too few logged searches to train.
EXIT_NOT_SHIPPED = 3


def _train(args: argparse.Namespace, settings: Settings) -> int:
    from search.engine import build_engine
    from search.ranking_training import train_ranking_model

    engine = build_engine(settings, create_client(settings), create_embedder(settings))
    report = train_ranking_model(engine, publish=not args.dry_run)
    print(json.dumps(report.as_dict(), indent=2))
    return EXIT_SHIPPED if report.index is not None else EXIT_NOT_SHIPPED


def add_commands(commands: Any) -> None:
    """Add the `ranking` command group to the `vindbaar` parser's subcommands."""
    group = commands.add_parser("ranking", help="the learned ranking model")
    sub = group.add_subparsers(dest="action", required=True)
    train = sub.add_parser(
        "train", help="train from the search log; publish only if it beats the current ranking on held-out "
        f"searches (exit {EXIT_SHIPPED}: shipped, {EXIT_NOT_SHIPPED}: not shipped)",
    )  # fmt: skip
    train.add_argument("--dry-run", action="store_true", help="train and judge, but never publish")
    train.set_defaults(handler=_train)
