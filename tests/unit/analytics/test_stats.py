"""Experiment statistics, against published values and scipy's (computed once, written down here)."""

from __future__ import annotations

import math

import pytest

from analytics.stats import (
    EXACT_BINOMIAL_MAX,
    sample_size_two_proportions,
    sign_test,
    two_means,
    two_proportions,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("successes", "trials", "confidence", "expected"),
    [
        (8, 10, 0.95, (0.4902, 0.9433)),  # Wilson (1927); Agresti & Coull (1998)
        (8, 10, 0.99, (0.4008, 0.9599)),
        (0, 10, 0.95, (0.0, 0.2775)),  # exactly 0 below: no rounding crumb
        (10, 10, 0.95, (0.7225, 1.0)),
        (50, 100, 0.95, (0.4038, 0.5962)),
        (0, 0, 0.95, (0.0, 1.0)),  # nothing known
    ],
)
def test_wilson_interval(successes: int, trials: int, confidence: float, expected: tuple[float, float]) -> None:
    assert wilson_interval(successes, trials, confidence) == pytest.approx(expected, abs=1e-4)


def test_wilson_interval_stays_inside_zero_and_one() -> None:
    for successes in range(6):
        low, high = wilson_interval(successes, 5)
        assert 0.0 <= low <= successes / 5 <= high <= 1.0


def test_two_proportions_matches_the_pooled_z_test() -> None:
    # statsmodels.proportions_ztest([250, 200], [1000, 1000]): z = 2.677, p = 0.00742.
    result = two_proportions(200, 1000, 250, 1000)
    assert (result.a, result.b) == pytest.approx((0.20, 0.25))
    assert result.difference == pytest.approx(0.05)
    assert result.relative_lift == pytest.approx(0.25)
    assert result.p_value == pytest.approx(0.007420, abs=1e-6)
    # The interval uses the unpooled standard error: 0.05 ± 1.96 * sqrt(.2*.8/1000 + .25*.75/1000).
    assert (result.low, result.high) == pytest.approx((0.01346, 0.08654), abs=1e-5)
    assert result.significant


@pytest.mark.parametrize(
    ("counts", "p_value", "significant"),
    [
        ((250, 1000, 200, 1000), 0.007420, True),  # B worse: same p-value, negative difference
        ((200, 1000, 210, 1000), 0.5797, False),
        ((0, 100, 5, 100), 0.02354, True),
        ((0, 10, 0, 10), 1.0, False),  # nobody succeeded anywhere: nothing to tell apart
        ((0, 0, 3, 10), 1.0, False),  # no trials on one side
    ],
)
def test_two_proportions_p_values(counts: tuple[int, int, int, int], p_value: float, significant: bool) -> None:
    result = two_proportions(*counts)
    assert result.p_value == pytest.approx(p_value, abs=1e-4)
    assert result.significant is significant


def test_two_proportions_without_trials_is_unknown() -> None:
    result = two_proportions(0, 0, 3, 10)
    assert (result.low, result.high, result.relative_lift) == (-1.0, 1.0, None)


def test_relative_lift_is_none_when_a_never_succeeds() -> None:
    assert two_proportions(0, 100, 5, 100).relative_lift is None


def _sums(values: list[float]) -> tuple[float, float, int]:
    return sum(values), sum(v * v for v in values), len(values)


def test_two_means_is_welchs_t_test() -> None:
    # scipy.stats.ttest_ind(b, a, equal_var=False): p = 0.049284, df = 6.97, interval (0.01653, 7.98347).
    a, b = [1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
    result = two_means(*_sums(a), *_sums(b))
    assert (result.a, result.b, result.difference) == pytest.approx((3.0, 7.0, 4.0))
    assert result.relative_lift == pytest.approx(4 / 3)
    assert result.p_value == pytest.approx(0.049284, abs=1e-6)
    assert (result.low, result.high) == pytest.approx((0.016531, 7.983469), abs=1e-5)
    assert result.significant


def test_two_means_with_many_observations_uses_the_normal_limit() -> None:
    # scipy (t, df = 6034): interval (0.39155, 0.60729); the normal limit agrees to 1e-4.
    a = [float(i % 7) for i in range(3000)]
    b = [float(i % 8) for i in range(3100)]
    result = two_means(*_sums(a), *_sums(b))
    assert (result.low, result.high) == pytest.approx((0.39155, 0.60729), abs=1e-4)
    assert 0 < result.p_value < 1e-18


def test_two_means_needs_two_observations_a_side() -> None:
    result = two_means(*_sums([5.0]), *_sums([1.0, 2.0, 3.0]))
    assert (result.p_value, result.significant) == (1.0, False)
    assert (result.low, result.high) == (-math.inf, math.inf)


def test_two_means_of_constants_is_certain_about_a_difference() -> None:
    assert two_means(*_sums([2.0, 2.0]), *_sums([3.0, 3.0])).p_value == 0.0
    assert two_means(*_sums([2.0, 2.0]), *_sums([2.0, 2.0])).p_value == 1.0


@pytest.mark.parametrize(
    ("baseline", "effect", "relative", "alpha", "power", "expected"),
    [
        # Evan Miller's calculator gives 14,751; statsmodels' NormalIndPower (arcsine, Cohen's h) 14,744.
        (0.10, 0.10, True, 0.05, 0.8, 14_751),
        (0.10, -0.10, True, 0.05, 0.8, 13_495),
        (0.20, 0.05, False, 0.05, 0.8, 1_094),
        (0.05, 0.20, True, 0.05, 0.8, 8_158),
        (0.50, -0.10, True, 0.01, 0.9, 2_966),
    ],
)
def test_sample_size_two_proportions(
    baseline: float, effect: float, relative: bool, alpha: float, power: float, expected: int
) -> None:
    assert sample_size_two_proportions(baseline, effect, alpha, power, relative) == expected


@pytest.mark.parametrize(
    ("baseline", "effect", "relative"),
    [(0.0, 0.1, True), (1.0, -0.1, True), (0.5, 0.0, True), (0.9, 0.2, False), (0.5, -1.0, True)],
)
def test_sample_size_rejects_rates_outside_zero_and_one(baseline: float, effect: float, relative: bool) -> None:
    with pytest.raises(ValueError, match="must"):
        sample_size_two_proportions(baseline, effect, relative=relative)


@pytest.mark.parametrize(
    ("wins_a", "wins_b", "p_value", "delta", "significant"),
    [
        (1, 9, 0.021484375, 0.8, True),  # 2 * 11 / 1024, exactly
        (9, 1, 0.021484375, -0.8, True),
        (0, 10, 2 / 1024, 1.0, True),
        (2, 8, 0.109375, 0.6, False),
        (5, 5, 1.0, 0.0, False),
        (0, 0, 1.0, 0.0, False),  # no wins: no preference
        (40, 60, 0.056887, 0.2, False),  # scipy.stats.binomtest(60, 100)
    ],
)
def test_sign_test(wins_a: int, wins_b: int, p_value: float, delta: float, significant: bool) -> None:
    result = sign_test(wins_a, wins_b)
    assert result.p_value == pytest.approx(p_value, abs=1e-6)
    assert result.delta == pytest.approx(delta)
    assert result.significant is significant


def test_sign_test_interval_is_wilsons_on_the_share_of_b_wins() -> None:
    result = sign_test(2, 8)
    assert (result.low, result.high) == pytest.approx(wilson_interval(8, 10))


def test_sign_test_switches_to_the_normal_approximation_smoothly() -> None:
    # scipy.stats.binomtest: 5100 of 10000 -> 0.046586 (exact here); 5151 of 10101 -> 0.046588 (approximated).
    assert 4900 + 5100 <= EXACT_BINOMIAL_MAX < 4950 + 5151
    assert sign_test(4900, 5100).p_value == pytest.approx(0.046586, abs=1e-6)
    assert sign_test(4950, 5151).p_value == pytest.approx(0.046588, abs=2e-5)
