"""The scheduled training of the ranking model, in a child process at the lowest CPU priority.

Training replays thousands of logged searches and grows trees. Run on a serving worker's own thread, it
held the interpreter and the cores for the whole run: searches on the Vespa catalog went from a p50 of
20 ms to 55 ms for the 40 s it took to learn from 7,000 logged searches (a shop's 90 days take longer).
In a child process at nice 19 the worker's searches come first. The child builds its own engine from the
worker's settings (sent on stdin, secrets included, never on the command line) and publishes a model
only if it wins, as `vindbaar ranking train` does; workers notice a new model by its generation.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from typing import Any

from pydantic import SecretStr

from vindbaar.errors import VindbaarError
from vindbaar.settings import Settings

LOWEST_PRIORITY = 19


class TrainingFailed(VindbaarError):
    """The training child process failed or ran past its time."""


def train_in_child_process(settings: Settings, timeout_s: float | None = None) -> dict[str, Any]:
    """Train (and publish if it wins) in a child process at the lowest priority; its report."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "search.ranking_job"], input=_settings_json(settings), capture_output=True,
            text=True, timeout=timeout_s, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise TrainingFailed(f"ranking model training ran past {timeout_s} s") from exc
    if done.stderr:
        sys.stderr.write(done.stderr)  # the child's log lines, in the worker's log
    if done.returncode != 0:  # whether a model shipped is in the report
        raise TrainingFailed(f"ranking model training exited with {done.returncode}: {done.stderr[-500:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _settings_json(settings: Settings) -> str:
    values = {name: value.get_secret_value() if isinstance(value, SecretStr) else value
              for name, value in settings.model_dump().items()}  # fmt: skip
    return json.dumps(values, default=str)


def main() -> int:
    """The child: settings from stdin, the training report (and the priority it ran at) on stdout; exit 0
    whether or not the model shipped."""
    os.nice(LOWEST_PRIORITY - os.nice(0))
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("opensearch").setLevel(logging.WARNING)
    from search.engine import build_engine  # the engine and the embedder only in the child
    from search.ranking_training import train_ranking_model
    from vindbaar.client import create_client
    from vindbaar.embedder import create_embedder

    settings = Settings.model_validate(json.loads(sys.stdin.read()))
    engine = build_engine(settings, create_client(settings), create_embedder(settings))
    try:
        report = train_ranking_model(engine)
    finally:
        if engine.behaviour is not None:
            engine.behaviour.searches.close()
    print(json.dumps({**report.as_dict(), "niceness": os.nice(0)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
