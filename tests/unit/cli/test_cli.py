"""The `vindbaar` command line conventions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import EXIT_NOT_RUNNING, default_workers, main


def test_help_exits_zero_and_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "opensearch" in out and "demo" in out and "serve" in out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_status_without_a_node_prints_json_and_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["opensearch", "status", "--data-dir", str(tmp_path)]) == EXIT_NOT_RUNNING
    assert json.loads(capsys.readouterr().out) == {"running": False}


def test_status_of_a_local_cluster_that_is_not_running_exits_3_and_leaves_nothing_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["opensearch", "status", "--nodes", "3", "--data-dir", str(tmp_path / "cluster")]) == EXIT_NOT_RUNNING
    assert json.loads(capsys.readouterr().out)["running"] == 0
    assert not (tmp_path / "cluster").exists()


def test_start_on_a_port_outside_the_range_fails_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["opensearch", "start", "--data-dir", str(tmp_path), "--port", "8080"]) == 1
    assert "outside 9200-9299" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("cores", "url", "workers"),
    [
        (2, None, 1),  # the local node shares the cores
        (2, "http://127.0.0.1:9200", 1),
        (8, "http://localhost:9200", 4),
        (1, "http://127.0.0.1:9200", 1),
        (8, "https://search.internal:9200", 8),  # OpenSearch elsewhere: one worker per core
        (8, "http://127.0.0.1:9201,http://127.0.0.1:9202", 4),  # a local cluster: its nodes, comma-separated
    ],
)
def test_serve_runs_as_many_workers_as_fit_the_cores(cores: int, url: str | None, workers: int) -> None:
    assert default_workers(cores, url) == workers
