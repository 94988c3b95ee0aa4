"""Statistical acceptance: Monte Carlo estimates against a formula, with a stated false-alarm rate.

The decision for one comparison (:func:`compare`) is three-valued:

- ``fail`` when the discrepancy exceeds the stated bias bound plus sampling error, i.e. the
  two-sided p-value of the excess ``max(|estimate - claimed| - bias_bound, 0)`` is below ``alpha``.
  If the bias bound is valid and the standard error is accurate, a true formula fails with
  probability at most ``alpha`` (asymptotically; the estimate is a mean of i.i.d. terms).
- ``pass`` when it does not fail and the test had power at least ``min_power`` to detect a relative
  error of ``rtol_decide`` (``(tol - bias)/SE - z_{1-alpha/2} >= z_{min_power}``, ``tol =
  max(rtol_decide |claimed|, atol_decide)``). The default ``min_power = 0.8`` is the power a
  sampling pass needs to count as evidence (with 0.5 this would be exactly "the bias-widened
  interval contains the claimed value and its half-width is below ``tol``").
- ``inconclusive`` otherwise: the interval is too wide to decide.

A run's comparisons are controlled together with Holm's step-down procedure (:func:`holm`,
:func:`decide_family`): the probability that *any* true formula of the family is reported as
``fail`` is at most ``alpha`` (strong family-wise error control, valid under any dependence).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Any, Sequence

import numpy as np

from derivations._validate import check_finite, check_in_range, check_nonnegative, fail

from ._validate_arrays import as_float_array

__all__ = [
    "OUTCOMES",
    "MCComparison",
    "mean_estimate",
    "variance_estimate",
    "compare",
    "holm",
    "decide_family",
    "binomial_tail",
    "binomial_interval",
    "comparison_result",
]

OUTCOMES = ("pass", "fail", "inconclusive")
_N = NormalDist()


def mean_estimate(samples: Any, *, axis: int = 0) -> tuple[np.ndarray | float, np.ndarray | float]:
    """The sample mean along ``axis`` and its standard error ``s / sqrt(n)``."""
    x = as_float_array("samples", samples)
    n = x.shape[axis]
    if n < 2:
        raise fail(f"samples of shape {x.shape}", "...", f"at least 2 samples along axis {axis}")
    return x.mean(axis=axis), x.std(axis=axis, ddof=1) / math.sqrt(n)


def variance_estimate(samples: Any, *, axis: int = 0) -> tuple[np.ndarray | float, np.ndarray | float]:
    """The unbiased sample variance along ``axis`` and its kurtosis-aware standard error.

    ``Var(s^2) = (mu_4 - sigma^4 (n-3)/(n-1)) / n`` exactly for i.i.d. samples; plugging in the
    sample fourth central moment ``m_4`` and ``s^2`` gives the SE.  It reduces to
    ``sigma^2 sqrt(2/(n-1))`` for Gaussian data and stays right for heavy tails (SGD iterates with
    multiplicative noise are not Gaussian).
    """
    x = as_float_array("samples", samples)
    n = x.shape[axis]
    if n < 4:
        raise fail(f"samples of shape {x.shape}", "...", f"at least 4 samples along axis {axis} (a fourth moment)")
    c = x - x.mean(axis=axis, keepdims=True)
    c2 = c * c
    s2 = c2.sum(axis=axis) / (n - 1)
    m4 = (c2 * c2).mean(axis=axis)
    var_s2 = np.maximum(m4 - s2 * s2 * (n - 3) / (n - 1), 0.0) / n
    return s2, np.sqrt(var_s2)


@dataclass(frozen=True)
class MCComparison:
    """One Monte Carlo estimate compared with a claimed value: the numbers and the three-valued outcome.

    ``ci`` is the two-sided ``1 - alpha`` interval widened by ``bias_bound``; ``z`` is the excess
    discrepancy in standard errors and ``p_value`` its two-sided normal p-value; ``power`` is the
    probability of a ``fail`` had the truth been off by ``tol`` (worst case over the bias).
    """

    estimate: float
    std_error: float
    claimed: float
    bias_bound: float
    alpha: float
    ci: tuple[float, float]
    z: float
    p_value: float
    tol: float
    power: float
    min_power: float
    outcome: str
    n_samples: int | None = None
    label: str = ""

    def __post_init__(self) -> None:
        assert self.outcome in OUTCOMES, self.outcome  # programmer invariant
        assert self.ci[0] <= self.ci[1], self.ci

    @property
    def relative_error(self) -> float:
        """``(estimate - claimed) / |claimed|`` (``nan`` when ``claimed == 0``)."""
        return (self.estimate - self.claimed) / abs(self.claimed) if self.claimed else math.nan

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["ci"] = list(self.ci)
        return d


def _z(alpha: float) -> float:
    return _N.inv_cdf(1.0 - alpha / 2.0)


def compare(
    estimate: Any,
    std_error: Any,
    claimed: Any,
    *,
    bias_bound: float = 0.0,
    alpha: float,
    rtol_decide: float,
    atol_decide: float = 0.0,
    min_power: float = 0.8,
    n_samples: int | None = None,
    label: str = "",
) -> MCComparison:
    """Decide whether a Monte Carlo ``estimate`` (with ``std_error``) agrees with ``claimed`` (module doc).

    ``bias_bound`` is a known bound on ``|E[estimate] - true value|`` (e.g. the discretisation bias
    of Euler–Maruyama); it widens the interval and never counts as evidence against the claim.
    """
    est = check_finite("estimate", estimate)
    se = check_nonnegative("std_error", std_error)
    c = check_finite("claimed", claimed)
    bias = check_nonnegative("bias_bound", bias_bound)
    alpha = check_in_range("alpha", alpha, 0.0, 1.0, closed_low=False, closed_high=False)
    rtol = check_nonnegative("rtol_decide", rtol_decide)
    atol = check_nonnegative("atol_decide", atol_decide)
    min_power = check_in_range("min_power", min_power, 0.0, 1.0, closed_high=False)
    zc = _z(alpha)
    excess = max(abs(est - c) - bias, 0.0)
    if se > 0:
        z = excess / se
        p = 2.0 * (1.0 - _N.cdf(z))
    else:  # an exact number: any excess beyond the bias is decisive
        z = math.inf if excess > 0 else 0.0
        p = 0.0 if excess > 0 else 1.0
    tol = max(rtol * abs(c), atol)
    if tol <= bias:
        power = 0.0
    elif se == 0:
        power = 1.0
    else:
        power = _N.cdf((tol - bias) / se - zc)
    if p < alpha:
        outcome = "fail"
    elif power >= min_power and tol > 0:
        outcome = "pass"
    else:
        outcome = "inconclusive"
    half = zc * se + bias
    return MCComparison(
        estimate=est, std_error=se, claimed=c, bias_bound=bias, alpha=alpha, ci=(est - half, est + half),
        z=z, p_value=p, tol=tol, power=power, min_power=min_power, outcome=outcome,
        n_samples=n_samples, label=label,
    )  # fmt: skip


def holm(p_values: Sequence[float], *, alpha: float) -> list[bool]:
    """Holm's step-down procedure: which hypotheses to reject with family-wise error rate <= ``alpha``.

    Sort the p-values ascending; reject ``p_(k)`` while ``p_(k) <= alpha / (m - k)`` (``k = 0..m-1``),
    stop at the first that is not.  Valid under arbitrary dependence (Holm 1979).
    """
    alpha = check_in_range("alpha", alpha, 0.0, 1.0, closed_low=False, closed_high=False)
    p = [check_in_range(f"p_values[{i}]", v, 0.0, 1.0) for i, v in enumerate(p_values)]
    m = len(p)
    reject = [False] * m
    for k, i in enumerate(sorted(range(m), key=lambda j: p[j])):
        if p[i] <= alpha / (m - k):
            reject[i] = True
        else:
            break
    return reject


def decide_family(comparisons: Sequence[MCComparison], *, alpha: float) -> list[MCComparison]:
    """Re-decide a run's comparisons together so the chance of any false ``fail`` is at most ``alpha``.

    ``fail`` where Holm rejects; otherwise ``pass`` if the comparison had the power it asks for at the
    Bonferroni level ``alpha / m`` (conservative for Holm), else ``inconclusive``.  Each returned
    comparison carries the family's ``alpha`` and the Bonferroni interval.
    """
    m = len(comparisons)
    if m == 0:
        return []
    rejected = holm([c.p_value for c in comparisons], alpha=alpha)
    out = []
    for c, rej in zip(comparisons, rejected):
        r = compare(
            c.estimate, c.std_error, c.claimed, bias_bound=c.bias_bound, alpha=alpha / m,
            rtol_decide=0.0, atol_decide=c.tol, min_power=c.min_power, n_samples=c.n_samples, label=c.label,
        )  # fmt: skip
        outcome = "fail" if rej else ("inconclusive" if r.outcome == "fail" else r.outcome)
        out.append(replace(r, outcome=outcome, alpha=alpha))
    return out


def binomial_tail(k: int, n: int, p: float, *, upper: bool = True) -> float:
    """``P(X >= k)`` (or ``P(X <= k)`` with ``upper=False``) for ``X ~ Binomial(n, p)`` (scipy; no overflow)."""
    from scipy.stats import binom

    if not 0 <= p <= 1:
        raise fail("p", p, "in [0, 1]")
    return float(binom.sf(k - 1, n, p) if upper else binom.cdf(k, n, p))


def binomial_interval(k: int, n: int, *, alpha: float) -> tuple[float, float]:
    """The exact (Clopper–Pearson) two-sided ``1 - alpha`` interval of a binomial proportion ``k / n``."""
    from scipy.stats import binomtest

    if n < 1 or not 0 <= k <= n:
        raise fail("k, n", (k, n), "0 <= k <= n with n >= 1")
    alpha = check_in_range("alpha", alpha, 0.0, 1.0, closed_low=False, closed_high=False)
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=1 - alpha, method="exact")
    return float(ci.low), float(ci.high)


def comparison_result(method: str, cmp: MCComparison, detail: str, *, counterexample: Any = None,
                      **kwargs: Any) -> Any:
    """The check result a Monte Carlo comparison decides, with its decision and power in the open.

    ``fail`` when the p-value of the excess discrepancy is below the family's ``alpha``; ``pass``
    when it is not and the comparison had power ``>= cmp.min_power`` against its stated effect;
    ``inconclusive`` (with the decision attached as context) when it lacked that power.
    """
    from ._results import Decision, decide, undecided

    data = {**cmp.as_dict(), "effect_size": cmp.tol / abs(cmp.claimed) if cmp.claimed else None,
            **kwargs.pop("data", {})}
    q = "two-sided p-value of |estimate - claimed| beyond the bias bound"
    if cmp.p_value >= cmp.alpha and not (cmp.power >= cmp.min_power and cmp.tol > 0):
        return undecided(method, f"no evidence against the claim, but power {cmp.power:.2f} < {cmp.min_power} to see a "
                                 f"relative error of {data['effect_size']}", detail,
                         decision=Decision(q, cmp.p_value, ">=", cmp.alpha), data=data, **kwargs)
    return decide(method, detail, quantity=q, value=cmp.p_value, op=">=", threshold=cmp.alpha,
                  counterexample=counterexample, data=data, **kwargs)
