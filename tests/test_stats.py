"""Tests of the acceptance statistics, including the calibration of the false-alarm rate and power."""

from __future__ import annotations

import math

import numpy as np
import pytest

from derivations._errors import InvalidParameter
from verify._moments import affine_moments, lyapunov_covariance
from verify._sim import FiniteSumQuadratic, run_optimizer, simulate_linear_sde
from verify._stats import binomial_tail, compare, decide_family, holm, mean_estimate, variance_estimate

ALPHA = 0.05  # the per-comparison false-alarm rate being calibrated
# Each calibration assertion is a two-sided binomial band whose own false-failure probability is
# <= 1e-3 (5e-4 per tail), computed exactly next to the threshold, so the suite flakes < 1e-3.
BAND_TAIL = 5e-4


def _binomial_band(n: int, p: float) -> tuple[int, int]:
    """Smallest/largest counts outside which Binomial(n, p) lies with probability <= BAND_TAIL each."""
    lo = max([k for k in range(n + 1) if binomial_tail(k, n, p, upper=False) <= BAND_TAIL], default=-1) + 1
    hi = min(k for k in range(n + 1) if binomial_tail(k, n, p) <= BAND_TAIL) - 1
    return lo, hi


def test_variance_standard_error_matches_the_spread_of_the_estimate():
    rng = np.random.default_rng(0)
    x = rng.standard_t(df=8, size=(400, 2000))  # heavy-ish tails: the kurtosis term matters
    v, se = variance_estimate(x, axis=1)
    # 400 replicates: the sd of the 400 variances has relative SE ~ sqrt(1/(2*400)) * sqrt(kurt) < 8 %
    assert float(np.std(v, ddof=1)) == pytest.approx(float(np.mean(se)), rel=0.15)


def test_mean_estimate_is_the_mean_and_its_standard_error():
    m, se = mean_estimate([1.0, 2.0, 3.0, 4.0])
    assert m == 2.5 and se == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 2)


def test_compare_outcomes_follow_the_three_valued_rule():
    # 5 SE away: fail.  Within and precise: pass.  Within but imprecise: inconclusive.
    assert compare(1.05, 0.01, 1.0, alpha=0.01, rtol_decide=0.05).outcome == "fail"
    assert compare(1.001, 0.01, 1.0, alpha=0.01, rtol_decide=0.05).outcome == "pass"
    assert compare(1.001, 0.1, 1.0, alpha=0.01, rtol_decide=0.05).outcome == "inconclusive"
    # a stated bias is never evidence against the claim ...
    assert compare(1.05, 0.01, 1.0, bias_bound=0.05, alpha=0.01, rtol_decide=0.2).outcome == "pass"
    # ... and a bias as large as the tolerance makes a pass impossible
    assert compare(1.0, 0.001, 1.0, bias_bound=0.05, alpha=0.01, rtol_decide=0.05).outcome == "inconclusive"
    c = compare(1.0, 0.01, 1.0, alpha=0.05, rtol_decide=0.05, min_power=0.8)
    assert c.outcome == "pass" and c.power >= 0.8 and c.ci == pytest.approx((1 - 0.0196, 1 + 0.0196), rel=1e-3)


def test_holm_rejects_step_down():
    assert holm([0.01, 0.04, 0.03, 0.005], alpha=0.05) == [True, False, False, True]
    assert holm([0.001, 0.2], alpha=0.05) == [True, False]
    assert holm([], alpha=0.05) == []


def test_decide_family_turns_an_isolated_marginal_failure_into_a_non_failure():
    comps = [compare(1.0 + 0.0215, 0.01, 1.0, alpha=0.05, rtol_decide=0.1)] + [
        compare(1.0, 0.01, 1.0, alpha=0.05, rtol_decide=0.1) for _ in range(9)
    ]
    assert comps[0].outcome == "fail"  # p ~ 0.03 alone
    fam = decide_family(comps, alpha=0.05)
    assert fam[0].outcome != "fail" and all(c.alpha == 0.05 for c in fam)


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: compare(1.0, -0.1, 1.0, alpha=0.05, rtol_decide=0.1), "std_error"),
        (lambda: compare(1.0, 0.1, 1.0, alpha=1.5, rtol_decide=0.1), "alpha"),
        (lambda: compare(float("nan"), 0.1, 1.0, alpha=0.05, rtol_decide=0.1), "estimate"),
        (lambda: variance_estimate([1.0, 2.0]), "samples"),
        (lambda: holm([0.5, 1.5], alpha=0.05), "p_values[1]"),
    ],
    ids=["negative_se", "alpha_above_one", "nan_estimate", "too_few_samples", "p_value_above_one"],
)
def test_bad_input_raises_a_clear_error(call, name):
    with pytest.raises(InvalidParameter, match="must be") as info:
        call()
    assert str(info.value).startswith(name)


# --------------------------------------------------------------------------------------------------
# Calibration: stated false-alarm rate on true formulas, power against formulas a few percent off
# --------------------------------------------------------------------------------------------------


def _ou_comparisons(n_seeds: int, n_paths: int, factor: float) -> list:
    A, D, t = np.array([[1.0]]), np.array([[1.0]]), 0.7
    truth = float(lyapunov_covariance(A, D, eta=0.5, t=t)[0, 0])
    out = []
    for ss in np.random.SeedSequence(20240601).spawn(n_seeds):  # one independent stream per seed
        x = simulate_linear_sde(A, D, x0=[0.0], times=[t], n_paths=n_paths, rng=np.random.default_rng(ss), eta=0.5)
        v, se = variance_estimate(x[0, :, 0])
        out.append(compare(v, se, truth * factor, alpha=ALPHA, rtol_decide=0.1))
    return out


def _check_calibration(comps_true, comps_off) -> None:
    n = len(comps_true)
    fails = sum(c.outcome == "fail" for c in comps_true)
    lo, hi = _binomial_band(n, ALPHA)
    assert lo <= fails <= hi, f"{fails}/{n} false alarms, band [{lo}, {hi}] for alpha={ALPHA}"
    m = len(comps_off)
    caught = sum(c.outcome == "fail" for c in comps_off)
    # Design power >= 0.95 (errors of 4-5 % at ~1 % relative SE).  Require >= 80 %; a correct
    # implementation falls below with probability P(Bin(m, 0.05) > m/5): 2e-3 at m = 40, 1e-20 at 400.
    need = math.ceil(0.80 * m)
    assert caught >= need, f"refuted {caught}/{m} formulas off by a few percent"


def test_calibration_ou_variance_false_alarm_rate_and_power():
    # 200 seeds x 20000 paths: relative SE of a Gaussian variance sqrt(2/2e4) = 1 %, so a 4 % error
    # is 4 SE away and refuted with probability Phi(4 - 1.96) ~ 0.98.
    true = _ou_comparisons(200, 20_000, 1.0)
    off = [compare(c.estimate, c.std_error, c.claimed * f, alpha=ALPHA, rtol_decide=0.1) for c in true for f in (1.04, 0.96)]
    _check_calibration(true, off)
    # Holm over families of 10 true comparisons: the family-wise false-alarm rate is <= ALPHA
    fams = [decide_family(true[i : i + 10], alpha=ALPHA) for i in range(0, 200, 10)]
    bad = sum(any(c.outcome == "fail" for c in fam) for fam in fams)
    assert binomial_tail(bad, 20, ALPHA) > BAND_TAIL, f"{bad}/20 families with a false alarm"


def _sgd_groups(n_groups: int, per_group: int):
    rng = np.random.default_rng(7)
    A = rng.standard_normal((6, 2, 2))
    prob = FiniteSumQuadratic(np.einsum("nij,nkj->nik", A, A) / 2, g=rng.standard_normal((6, 2)))
    kw = dict(algorithm="sgd", batch="bernoulli", B=2, eta=0.1)
    mean, second = affine_moments(prob, n_steps=20, x0=[1.0, 0.0], **kw)
    truth = second[-1, 0, 0] - mean[-1, 0] ** 2
    X = run_optimizer(prob, n_steps=20, n_paths=n_groups * per_group, rng=np.random.default_rng(8), x0=[1.0, 0.0],
                      record_every=20, **kw)[-1, :, 0]  # fmt: skip
    return truth, X


def test_calibration_sgd_variance_against_its_exact_recursion():
    # One run of 400k independent paths, read as 200 groups of 2000 (false alarms) and as 20 groups
    # of 20000 (power against a 5 % error, ~4 SE at this kurtosis).
    truth, X = _sgd_groups(200, 2000)
    true = [compare(*variance_estimate(x), truth, alpha=ALPHA, rtol_decide=0.2) for x in X.reshape(200, 2000)]
    big = X.reshape(20, 20_000)
    off = [compare(*variance_estimate(x), truth * f, alpha=ALPHA, rtol_decide=0.2) for x in big for f in (1.05, 0.95)]
    _check_calibration(true, off)


@pytest.mark.slow
def test_calibration_at_scale_ou_1000_seeds():
    true = _ou_comparisons(1000, 20_000, 1.0)
    off = [compare(c.estimate, c.std_error, c.claimed * f, alpha=ALPHA, rtol_decide=0.1) for c in true for f in (1.03, 0.97)]
    n = len(true)
    fails = sum(c.outcome == "fail" for c in true)
    lo, hi = _binomial_band(n, ALPHA)
    assert lo <= fails <= hi
    assert sum(c.outcome == "fail" for c in off) >= 0.75 * len(off)  # 3 SE: design power ~0.85


@pytest.mark.slow
def test_calibration_at_scale_sgd_1000_groups():
    truth, X = _sgd_groups(1000, 2000)
    true = [compare(*variance_estimate(x), truth, alpha=ALPHA, rtol_decide=0.2) for x in X.reshape(1000, 2000)]
    off = [compare(*variance_estimate(x), truth * f, alpha=ALPHA, rtol_decide=0.2) for x in X.reshape(100, 20_000) for f in (1.05, 0.95)]
    _check_calibration(true, off)
