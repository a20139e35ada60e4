"""The figures of one experiment: per A/B variant its outcome and its difference from the control with a
confidence interval and a significance test; for interleaving, which ranking the clicks preferred."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel

from analytics.queries import Scope, interleaving_body, overview_body
from analytics.report import NO_SEARCHES, Analytics, Outcome, outcome
from analytics.stats import Comparison, sign_test, two_means, two_proportions


class VariantFigures(BaseModel):
    """One A/B variant: its outcome, and (except for the control) its differences from the control."""

    name: str
    outcome: Outcome
    # Each against the control (a): the variant (b), the difference b - a with its 95 % interval, p-value.
    click_through_rate: Comparison | None = None
    conversion_rate: Comparison | None = None
    revenue_per_search: Comparison | None = None


class InterleavingFigures(BaseModel):
    """An interleaving test: searches whose clicks preferred ranking a or b (ties left out of the test)."""

    searches: int
    searches_with_clicks: int
    wins_a: int
    wins_b: int
    ties: int
    preference_for_b: float  # (wins_b - wins_a) / (wins_a + wins_b)
    low: float
    high: float
    p_value: float
    significant: bool
    preferred: str | None


class ExperimentReport(BaseModel):
    """What an experiment measured so far."""

    experiment: str
    kind: Literal["ab", "interleaving"]
    variants: list[VariantFigures]
    interleaving: InterleavingFigures | None = None


def experiment_report(
    analytics: Analytics, experiment: str, kind: Literal["ab", "interleaving"], variants: Sequence[str],
    start: Any = None, end: Any = None,
) -> ExperimentReport:  # fmt: skip
    """The report of `experiment`, whose variants are `variants` (the first is the control)."""
    scope = Scope(start=start, end=end, experiment=experiment)
    answer = analytics.run(overview_body(scope))
    buckets = {b["key"]: b for b in answer["aggregations"]["variants"]["buckets"]} if answer else {}
    if kind == "interleaving":
        total = int(answer["hits"]["total"]["value"]) if answer else 0
        mixed = [VariantFigures(name="interleaved", outcome=outcome(answer["aggregations"], total))] if answer else []
        return ExperimentReport(experiment=experiment, kind=kind, variants=mixed,
                                interleaving=_interleaving(analytics, scope, variants))  # fmt: skip
    control = buckets.get(variants[0])
    report = []
    for name in variants:
        bucket = buckets.get(name)
        figures = VariantFigures(
            name=name, outcome=outcome(bucket or NO_SEARCHES, int(bucket["doc_count"]) if bucket else 0)
        )
        if name != variants[0] and bucket is not None and control is not None:
            figures.click_through_rate = _rates(control, bucket, "clicked")
            figures.conversion_rate = _rates(control, bucket, "purchased")
            figures.revenue_per_search = _revenue(control, bucket)
        report.append(figures)
    return ExperimentReport(experiment=experiment, kind=kind, variants=report)


def _rates(control: dict[str, Any], variant: dict[str, Any], which: str) -> Comparison:
    return two_proportions(control[which]["doc_count"], control["doc_count"],
                           variant[which]["doc_count"], variant["doc_count"])  # fmt: skip


def _revenue(control: dict[str, Any], variant: dict[str, Any]) -> Comparison | None:
    if control["doc_count"] < 2 or variant["doc_count"] < 2:
        return None  # no spread to measure yet: no interval, no test
    a, b = control["revenue"], variant["revenue"]
    return two_means(a["sum"] or 0.0, a["sum_of_squares"] or 0.0, control["doc_count"],
                     b["sum"] or 0.0, b["sum_of_squares"] or 0.0, variant["doc_count"])  # fmt: skip


def _interleaving(analytics: Analytics, scope: Scope, variants: Sequence[str]) -> InterleavingFigures:
    answer = analytics.run(interleaving_body(scope))
    aggs = answer["aggregations"] if answer else {"a": {"doc_count": 0}, "b": {"doc_count": 0},
                                                  "clicked": {"doc_count": 0}}  # fmt: skip
    wins_a, wins_b, clicked = aggs["a"]["doc_count"], aggs["b"]["doc_count"], aggs["clicked"]["doc_count"]
    test = sign_test(wins_a, wins_b)
    preferred = (variants[1] if wins_b > wins_a else variants[0]) if test.significant else None
    return InterleavingFigures(
        searches=int(answer["hits"]["total"]["value"]) if answer else 0, searches_with_clicks=clicked,
        wins_a=wins_a, wins_b=wins_b, ties=clicked - wins_a - wins_b, preference_for_b=test.delta, low=test.low,
        high=test.high, p_value=test.p_value, significant=test.significant, preferred=preferred,
    )  # fmt: skip
