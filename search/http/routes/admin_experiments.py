"""`/admin/experiments`: start an A/B or interleaving test, read its figures, stop it, promote a variant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from analytics.experiment_report import ExperimentReport, experiment_report
from analytics.queries import Scope
from analytics.stats import sample_size_two_proportions
from reranker.merchandising import experiment_lifecycle
from reranker.merchandising.experiments import Experiment
from search.http.deps import AdminDep, AnalyticsDep, ConfigStoreDep, EngineDep
from search.http.responses import ADMIN, BODY, STRICT, documented
from search.http.routes.admin_config import Author, VersionInfo
from vindbaar.wire_types import Timestamp

router = APIRouter(
    prefix="/admin/experiments",
    tags=["admin: experiments"],
    dependencies=[AdminDep],
    responses={**ADMIN, **BODY, **documented(404, 409)},
)


class Stop(BaseModel):
    """Stop the experiment; `promote` names the variant whose changes become the live config."""

    model_config = STRICT

    promote: str | None = Field(default=None, max_length=40)


class SampleSizeRequest(BaseModel):
    """What the experiment must be able to see."""

    model_config = STRICT

    minimum_detectable_effect: float = Field(
        ge=0.0001, lt=1, description="Relative change of the CTR, e.g. 0.05; baseline * (1 + effect) must stay below 1."
    )
    baseline: float | None = Field(
        default=None, ge=0.0001, le=0.9999, description="CTR today; unset: measured over the last 30 days of searches."
    )
    # Bounds that keep the arithmetic meaningful (a power or confidence below one half tests nothing).
    power: float = Field(default=0.8, ge=0.5, le=0.9999)
    confidence: float = Field(default=0.95, ge=0.5, le=0.9999)


class SampleSize(BaseModel):
    """Searches needed per variant to detect the effect."""

    baseline: float
    minimum_detectable_effect: float
    searches_per_variant: int


@router.get("", summary="The experiments of the live config")
def list_experiments(engine: EngineDep) -> list[Experiment]:
    """Running and stopped experiments, as the live config holds them."""
    return engine.merchandising().config.experiments


@router.post("", summary="Start an experiment", status_code=status.HTTP_201_CREATED)
def start(experiment: Experiment, store: ConfigStoreDep, author: Author) -> VersionInfo:
    """Publish the live config with this experiment running (409 while another runs)."""
    return VersionInfo.model_validate(experiment_lifecycle.start(store, experiment, author).summary())


@router.get("/{experiment_id}/report", summary="Per-variant figures with confidence intervals and tests")
def report(
    experiment_id: str, engine: EngineDep, analytics: AnalyticsDep, start: Timestamp | None = None,
    end: Timestamp | None = None,
) -> ExperimentReport:  # fmt: skip
    """A/B: per variant CTR, conversion and revenue per search, each variant against the control with a
    95 % interval and p-value. Interleaving: which ranking the clicks preferred, with a sign test."""
    experiment = experiment_lifecycle.find(engine.merchandising().config, experiment_id)
    names = [v.name for v in experiment.variants]
    return experiment_report(analytics, experiment.id, experiment.kind, names, start, end)


@router.post("/{experiment_id}/stop", summary="Stop an experiment, optionally promoting a variant")
def stop(experiment_id: str, body: Stop, store: ConfigStoreDep, author: Author) -> VersionInfo:
    """A new config version: the experiment stopped, and the promoted variant's changes live."""
    return VersionInfo.model_validate(experiment_lifecycle.stop(store, experiment_id, author, body.promote).summary())


def _invalid(field: str, given: float | None, message: str) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": ("body", field), "input": given, "msg": message}])


@router.post("/sample-size", summary="Searches an A/B test needs")
def sample_size(body: SampleSizeRequest, analytics: AnalyticsDep) -> SampleSize:
    """Searches per variant to detect a relative CTR change of `minimum_detectable_effect`."""
    baseline = body.baseline
    if baseline is None:
        measured = analytics.overview(Scope(start=datetime.now(UTC) - timedelta(days=30))).total
        if not 0 < measured.click_through_rate < 1:
            raise _invalid("baseline", None, "no click-through rate measured in the last 30 days: give a baseline")
        baseline = measured.click_through_rate
    try:
        needed = sample_size_two_proportions(baseline, body.minimum_detectable_effect, 1 - body.confidence,
                                             body.power)  # fmt: skip
    except ValueError as exc:
        # A rule across the fields (the rate with the effect must stay below 1), which JSON Schema cannot state.
        raise _invalid("minimum_detectable_effect", body.minimum_detectable_effect, str(exc)) from exc
    return SampleSize(baseline=baseline, minimum_detectable_effect=body.minimum_detectable_effect,
                      searches_per_variant=needed)  # fmt: skip
