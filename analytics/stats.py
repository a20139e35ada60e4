"""Experiment statistics: is variant B better than A, by how much, and how many sessions does it take?

Pure functions on counts and sums, so that they run on what OpenSearch aggregations return (a `sum` and an
`extended_stats` give a mean's sum, sum of squares and count) as well as on a simulation's tallies. Only the
standard library: the normal distribution comes from `statistics.NormalDist`, and Student's t from the
regularized incomplete beta function below, which keeps scipy (no type information, and not our dependency)
out of the product.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

_NORMAL = NormalDist()
#: Above this many trials the sign test uses the normal approximation; below it, exact sums of binomial
#: coefficients (integer arithmetic, about a millisecond at this size).
EXACT_BINOMIAL_MAX = 10_000
#: Above this many degrees of freedom Student's t is the normal distribution to within 0.1 % on the quantile
#: and the incomplete beta's continued fraction would need thousands of steps.
_T_AS_NORMAL_DF = 1_000


@dataclass(frozen=True)
class Comparison:
    """Variant B against variant A on one metric (a rate or a mean).

    `difference` is ``b - a`` and ``(low, high)`` its confidence interval; `relative_lift` is
    ``difference / a`` (None when ``a`` is 0); `significant` says that `p_value` (two-sided) is below
    ``1 - confidence``.
    """

    a: float
    b: float
    difference: float
    low: float
    high: float
    relative_lift: float | None
    p_value: float
    significant: bool


@dataclass(frozen=True)
class Preference:
    """Which variant a paired comparison (interleaving) prefers.

    `delta` is ``(wins_b - wins_a) / (wins_a + wins_b)``, in [-1, 1], positive when B wins more;
    ``(low, high)`` is the confidence interval of B's share of the wins.
    """

    wins_a: int
    wins_b: int
    delta: float
    low: float
    high: float
    p_value: float
    significant: bool


def _z(confidence: float) -> float:
    """The two-sided critical value: 1.96 for 95 %."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    return _NORMAL.inv_cdf(0.5 + confidence / 2)


def _normal_p(z: float) -> float:
    """Two-sided p-value of a standard normal statistic (erfc keeps tiny p-values from rounding to 0)."""
    return math.erfc(abs(z) / math.sqrt(2))


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a proportion: unlike the textbook ``p ± z·se`` it stays inside [0, 1]
    and keeps its coverage for small counts and rates near 0 or 1 (a rare click, a handful of sessions).

    No trials: (0.0, 1.0), nothing is known.
    """
    z = _z(confidence)
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    # At 0 or all successes the bound is exactly 0 or 1; the arithmetic would leave a rounding crumb.
    return (0.0 if successes <= 0 else centre - half), (1.0 if successes >= trials else centre + half)


def two_proportions(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, confidence: float = 0.95
) -> Comparison:
    """B's rate against A's (success rate, click-through rate): the difference with its unpooled normal
    interval, and the p-value of the pooled two-proportion z-test (the pooled variance is the right one
    under the null hypothesis of equal rates).

    Zero trials on a side: nothing to compare, p-value 1.0 and the interval (-1, 1).
    """
    z = _z(confidence)
    if trials_a <= 0 or trials_b <= 0:
        a = successes_a / trials_a if trials_a > 0 else 0.0
        b = successes_b / trials_b if trials_b > 0 else 0.0
        return Comparison(a, b, b - a, -1.0, 1.0, None, 1.0, False)
    a, b = successes_a / trials_a, successes_b / trials_b
    difference = b - a
    se = math.sqrt(a * (1 - a) / trials_a + b * (1 - b) / trials_b)
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    se_null = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    p_value = _normal_p(difference / se_null) if se_null > 0 else 1.0  # all or none succeeded on both sides
    return Comparison(a, b, difference, max(-1.0, difference - z * se), min(1.0, difference + z * se),
                      difference / a if a else None, p_value, p_value < 1 - confidence)  # fmt: skip


def two_means(
    sum_a: float, sum_sq_a: float, n_a: int, sum_b: float, sum_sq_b: float, n_b: int, confidence: float = 0.95
) -> Comparison:
    """B's mean against A's (revenue per search, items per order) from sums and sums of squares: Welch's
    t-test, which does not assume equal variances (a variant that sells more also spreads revenue more).

    Fewer than two observations on a side: no variance to estimate, p-value 1.0 and an unbounded interval.
    """
    z = _z(confidence)
    a = sum_a / n_a if n_a > 0 else 0.0
    b = sum_b / n_b if n_b > 0 else 0.0
    difference = b - a
    lift = difference / a if a else None
    if n_a < 2 or n_b < 2:
        return Comparison(a, b, difference, -math.inf, math.inf, lift, 1.0, False)
    # max(0, …): the subtraction of two close sums may round below zero.
    var_a = max(0.0, (sum_sq_a - sum_a * sum_a / n_a) / (n_a - 1)) / n_a
    var_b = max(0.0, (sum_sq_b - sum_b * sum_b / n_b) / (n_b - 1)) / n_b
    se = math.sqrt(var_a + var_b)
    if se == 0:  # both constant: any difference is certain
        p_value = 1.0 if difference == 0 else 0.0
        return Comparison(a, b, difference, difference, difference, lift, p_value, p_value < 1 - confidence)
    # Welch-Satterthwaite degrees of freedom.
    df = (var_a + var_b) ** 2 / (var_a**2 / (n_a - 1) + var_b**2 / (n_b - 1))
    p_value = _t_p(difference / se, df)
    half = _t_critical(1 - confidence, df, z) * se
    return Comparison(a, b, difference, difference - half, difference + half, lift, p_value, p_value < 1 - confidence)


def sample_size_two_proportions(
    baseline: float, minimum_detectable_effect: float, alpha: float = 0.05, power: float = 0.8, relative: bool = True
) -> int:
    """Sessions needed *per variant* for a two-sided two-proportion z-test to detect the effect.

    The usual formula (Fleiss, without continuity correction; what Evan Miller's calculator gives):
    ``n = (z(1 - alpha/2)·sqrt(2·p̄(1-p̄)) + z(power)·sqrt(p1(1-p1) + p2(1-p2)))² / (p2 - p1)²`` with p̄ the mean of
    the two rates. `relative`: the effect is a fraction of `baseline` (0.10 = a 10 % lift), else in points.

    Raises:
        ValueError: `baseline` is not in (0, 1), the effect is 0, or it moves the rate out of (0, 1).
    """
    if not 0 < baseline < 1:
        raise ValueError(f"baseline must be a rate between 0 and 1 (exclusive), not {baseline}")
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError("alpha and power must be between 0 and 1")
    target = baseline * (1 + minimum_detectable_effect) if relative else baseline + minimum_detectable_effect
    if not 0 < target < 1 or target == baseline:
        raise ValueError(f"the effect moves the rate from {baseline} to {target}: it must stay in (0, 1) and differ")
    mean = (baseline + target) / 2
    spread = (_z(1 - alpha) * math.sqrt(2 * mean * (1 - mean))
              + _NORMAL.inv_cdf(power) * math.sqrt(baseline * (1 - baseline) + target * (1 - target)))  # fmt: skip
    needed = (spread / (target - baseline)) ** 2
    if not math.isfinite(needed):  # rates so close to 0 that their difference is below float precision
        raise ValueError(f"the effect moves the rate from {baseline} to {target}: too small to detect")
    return math.ceil(needed)


def sign_test(wins_a: int, wins_b: int, confidence: float = 0.95) -> Preference:
    """Does B win more often than A? The two-sided binomial test of B's wins against a fair coin (the sign
    test), for interleaving: each non-tied session is one win for the team whose results were clicked more.
    Ties are left out by the caller; they carry no preference.
    """
    n = wins_a + wins_b
    low, high = wilson_interval(wins_b, n, confidence)
    if n == 0:
        return Preference(wins_a, wins_b, 0.0, low, high, 1.0, False)
    p_value = _binomial_p(min(wins_a, wins_b), n)
    return Preference(wins_a, wins_b, (wins_b - wins_a) / n, low, high, p_value, p_value < 1 - confidence)


def _binomial_p(k: int, n: int) -> float:
    """Two-sided p-value of k or fewer successes in n fair coin flips (k <= n/2): twice the lower tail."""
    if n > EXACT_BINOMIAL_MAX:
        # Normal approximation with continuity correction; at this n it is exact to about 1e-4.
        return min(1.0, 2 * _NORMAL.cdf((k + 0.5 - n / 2) / math.sqrt(n / 4)))
    tail, coefficient = 0, 1
    for i in range(k + 1):  # exact: sum of C(n, i) in integers, divided once
        tail += coefficient
        coefficient = coefficient * (n - i) // (i + 1)
    return min(1.0, 2 * tail / (1 << n))


def _t_p(t: float, df: float) -> float:
    """Two-sided p-value of Student's t: ``I(df / (df + t²); df/2, 1/2)``."""
    if df > _T_AS_NORMAL_DF:
        return _normal_p(t)
    return _incomplete_beta(df / 2, 0.5, df / (df + t * t))


def _t_critical(alpha: float, df: float, z: float) -> float:
    """The t value with two-sided p-value `alpha` (bisection; `z` is the normal one, a lower bound)."""
    if df > _T_AS_NORMAL_DF:
        return z
    low, high = z, z
    while _t_p(high, df) > alpha:
        high *= 2
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if _t_p(middle, df) > alpha else (low, middle)
    return (low + high) / 2


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b), by its continued fraction (Numerical Recipes 6.4),
    on the side of x where it converges fast."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 10_000):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):  # fmt: skip
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return result
