"""Starting, stopping and promoting experiments: each a new config version, so every worker follows within
a second and the audit trail shows who did it."""

from __future__ import annotations

from datetime import UTC, datetime

from reranker.errors import ExperimentConflict, UnknownExperiment
from reranker.merchandising.config import MerchConfig
from reranker.merchandising.config_store import ConfigStore, ConfigVersion
from reranker.merchandising.experiments import Experiment
from vindbaar.errors import InvalidInput


def _live(store: ConfigStore) -> tuple[MerchConfig, int]:
    live = store.current()
    return (live.config, live.version) if live is not None else (MerchConfig(), 0)


def find(config: MerchConfig, experiment_id: str) -> Experiment:
    """The experiment `experiment_id` of `config`."""
    for experiment in config.experiments:
        if experiment.id == experiment_id:
            return experiment
    raise UnknownExperiment(f"no experiment {experiment_id!r}")


def start(store: ConfigStore, experiment: Experiment, author: str) -> ConfigVersion:
    """Publish the live config with `experiment` running.

    Raises:
        ExperimentConflict: another experiment runs, or the id was used before.
    """
    config, version = _live(store)
    running = config.running_experiment()
    if running is not None:
        raise ExperimentConflict(f"experiment {running.id!r} is running; stop it first")
    if any(e.id == experiment.id for e in config.experiments):
        raise ExperimentConflict(f"experiment id {experiment.id!r} was used before; choose another")
    started = experiment.model_copy(
        update={"status": "running", "started_at": datetime.now(UTC), "stopped_at": None, "promoted": None}
    )
    changed = config.model_copy(update={"experiments": [*config.experiments, started]})
    return store.publish(changed, author, f"start experiment {experiment.id}", base_version=version)


def stop(store: ConfigStore, experiment_id: str, author: str, promote: str | None = None) -> ConfigVersion:
    """Stop the running experiment; with `promote`, that variant's changes become the live config.

    Raises:
        UnknownExperiment: no such experiment.
        ExperimentConflict: it is not running.
        InvalidInput: `promote` names no variant of it.
    """
    config, version = _live(store)
    experiment = find(config, experiment_id)
    if experiment.status != "running":
        raise ExperimentConflict(f"experiment {experiment_id!r} is not running")
    if promote is not None and promote not in {v.name for v in experiment.variants}:
        raise InvalidInput(f"experiment {experiment_id!r} has no variant {promote!r}")
    stopped = experiment.model_copy(update={"status": "stopped", "stopped_at": datetime.now(UTC), "promoted": promote})
    experiments = [stopped if e.id == experiment_id else e for e in config.experiments]
    changed = config.model_copy(update={"experiments": experiments})
    if promote is not None:
        changed = changed.with_variant(experiment.variant(promote))
    comment = f"stop experiment {experiment_id}" + (f", promote variant {promote}" if promote else "")
    return store.publish(changed, author, comment, base_version=version)
