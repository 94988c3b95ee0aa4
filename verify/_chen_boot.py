"""Chen et al. 2023: critical signal strengths, exponent fits and the seed bootstrap behind every interval.

A bootstrap replicate resamples the replicates (seeds) independently at each ``d`` (the ``d`` tasks are
independent) and jointly across ``||mu||`` and the two optimisers (they share a seed's data, so the
pairing is kept). A replicate is a weight vector over seeds (:func:`bootstrap_weights`); every measured
quantity is a function of weighted seed means, so all quantities of one replicate come from the same
resample. Row 0 of every array holds the plain estimate (equal weights).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from derivations._validate import check_in_range, check_integer, fail

__all__ = [
    "bootstrap_weights",
    "seed_means",
    "critical_signal",
    "crossing_index",
    "rises_after",
    "fit_slopes",
    "CriticalFit",
    "fit_critical",
    "bootstrap_mean_ci",
]


def bootstrap_weights(rng: np.random.Generator, n_d: int, n_seeds: int, n_boot: int) -> np.ndarray:
    """Seed weights ``(1 + n_boot, n_d, n_seeds)``: row 0 equal weights, then multinomial resamples per ``d``."""
    n_boot = check_integer("n_boot", n_boot, minimum=100)
    n_seeds = check_integer("n_seeds", n_seeds, minimum=2)
    counts = rng.multinomial(n_seeds, np.full(n_seeds, 1.0 / n_seeds), size=(n_boot, n_d))
    w = np.concatenate([np.ones((1, n_d, n_seeds)), counts.astype(float)], axis=0)
    return w / n_seeds


def seed_means(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Weighted seed means: ``x`` is ``(n_d, n_seeds, ...)``, the result ``(replicates, n_d, ...)``."""
    x = np.asarray(x, float)
    if x.shape[:2] != weights.shape[1:]:
        raise fail("x.shape", x.shape, f"starting with (n_d, n_seeds) = {weights.shape[1:]}")
    return np.einsum("rds,ds...->rd...", weights, x)


def crossing_index(curve: np.ndarray, threshold: float) -> np.ndarray:
    """Index of the first ``||mu||`` (last axis) where a curve is at or below ``threshold``; -1 if none."""
    below = np.asarray(curve, float) <= threshold
    first = np.argmax(below, axis=-1)
    return np.where(below.any(axis=-1), first, -1)


def critical_signal(mu_values: Sequence[float], curve: np.ndarray, threshold: float) -> np.ndarray:
    """Where a test-error curve over ``||mu||`` first falls to ``threshold`` (log-linear interpolation).

    ``curve`` has ``||mu||`` on its last axis. Returns ``nan`` where the curve never gets down to the
    threshold on the grid (censored above) or is at or below it already at the smallest ``||mu||``
    (censored below): such a crossing is not located by the grid and is not extrapolated. A curve
    that rises above the threshold again at larger ``||mu||`` is reported by :func:`rises_after`.
    """
    x = np.log(np.asarray(mu_values, float))
    c = np.asarray(curve, float)
    k = crossing_index(c, threshold)
    ok = k >= 1
    j = np.where(ok, k - 1, 0)
    cj = np.take_along_axis(c, j[..., None], axis=-1)[..., 0]
    cj1 = np.take_along_axis(c, (j + 1 if c.shape[-1] > 1 else j)[..., None], axis=-1)[..., 0]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # masked cells are discarded below
        t = (cj - threshold) / (cj - cj1)
        out = np.exp(x[j] + t * (x[np.minimum(j + 1, len(x) - 1)] - x[j]))
    return np.where(ok, out, np.nan)


def rises_after(curve: np.ndarray, threshold: float) -> np.ndarray:
    """Whether a test-error curve over ``||mu||`` goes back above ``threshold`` after first reaching it."""
    c = np.asarray(curve, float)
    below = c <= threshold
    reached = np.cumsum(below, axis=-1) > 0
    return np.any(reached & ~below, axis=-1)


def fit_slopes(d_values: Sequence[float], mu_c: np.ndarray) -> np.ndarray:
    """Least-squares slope of ``log mu_c`` on ``log d`` along the last axis; ``nan`` where a ``mu_c`` is not finite."""
    logd = np.log(np.asarray(d_values, float))
    if logd.size < 2:
        raise fail("d_values", tuple(d_values), "at least two values of d to fit a slope")
    xc = logd - logd.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.log(np.asarray(mu_c, float))
    return (y - y.mean(axis=-1, keepdims=True)) @ xc / (xc @ xc)


@dataclass(frozen=True)
class CriticalFit:
    """Critical ``||mu||`` per ``d`` (point estimate and bootstrap interval) and the fitted exponent.

    ``exponent`` is the least-squares slope of ``log mu_c`` on ``log d``; ``exponent_ci`` its bootstrap
    percentile interval; ``censored_fraction`` the share of bootstrap replicates in which some fitted
    ``mu_c`` fell outside the grid (those give no slope); only ``d >= d_min`` enter the slope.
    """

    d_values: tuple[int, ...]
    mu_c: tuple[float, ...]
    mu_c_ci: tuple[tuple[float, float], ...]
    exponent: float
    exponent_ci: tuple[float, float]
    censored_fraction: float
    level: float
    n_boot: int
    boot_mu_c: np.ndarray = field(repr=False)
    d_min: int = 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready numbers."""
        f = lambda v: None if not np.isfinite(v) else float(v)  # noqa: E731
        return {"d": list(self.d_values), "mu_c": [f(v) for v in self.mu_c],
                "mu_c_ci": [[f(a), f(b)] for a, b in self.mu_c_ci], "exponent": f(self.exponent),
                "exponent_ci": [f(self.exponent_ci[0]), f(self.exponent_ci[1])],
                "censored_fraction": self.censored_fraction, "ci_level": self.level, "n_boot": self.n_boot,
                "fit_d_min": self.d_min}


def _interval(x: np.ndarray, a: float) -> tuple[float, float]:
    """Percentile interval of the finite replicates; ``nan`` when more than ``a`` of them are censored."""
    ok = np.isfinite(x)
    if ok.mean() < 1 - a:
        return math.nan, math.nan
    return float(np.quantile(x[ok], a)), float(np.quantile(x[ok], 1 - a))


def fit_critical(
    mu_values: Sequence[float], d_values: Sequence[int], noisy_err: np.ndarray, threshold: float, *,
    rng: np.random.Generator, n_boot: int = 2000, level: float = 0.95, d_min: int = 1,
) -> CriticalFit:
    """Critical signal strength per ``d`` and the exponent of ``mu_c`` in ``d``, with seed-bootstrap intervals.

    ``noisy_err`` is ``[d, seed, mu]``. Only ``d >= d_min`` enter the slope (all ``d`` get a ``mu_c``);
    an exponent interval is the whole line when more than ``(1 - level)/2`` of the replicates are
    censored (a ``mu_c`` off the grid gives no slope).
    """
    level = check_in_range("level", level, 0.5, 1.0, closed_high=False)
    e = np.asarray(noisy_err, float)
    nd, ns, _ = e.shape
    w = bootstrap_weights(rng, nd, ns, n_boot)
    mc = critical_signal(mu_values, seed_means(w, e), threshold)  # (1 + n_boot, nd)
    a = (1 - level) / 2
    cis = tuple(_interval(mc[1:, i], a) for i in range(nd))
    use = np.asarray(d_values) >= d_min
    if use.sum() >= 2:
        sl = fit_slopes(np.asarray(d_values)[use], mc[:, use])
        cens = float(1 - np.isfinite(sl[1:]).mean())
        lo, hi = _interval(sl[1:], a)
        ci = (lo, hi) if math.isfinite(lo) else (-math.inf, math.inf)
        slope = float(sl[0])
    else:
        slope, ci, cens = math.nan, (-math.inf, math.inf), 1.0
    return CriticalFit(tuple(int(v) for v in d_values), tuple(float(v) for v in mc[0]), cis, slope, ci, cens,
                       level, n_boot, mc[1:], int(d_min))


def bootstrap_mean_ci(samples: np.ndarray, *, rng: np.random.Generator, n_boot: int = 2000, level: float = 0.95,
                      axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over ``axis`` (the seeds) and its bootstrap percentile interval: ``(mean, low, high)``."""
    x = np.moveaxis(np.asarray(samples, float), axis, 0)
    ns = x.shape[0]
    if ns < 2:
        raise fail("samples", f"shape {x.shape}", "at least 2 seeds along the resampled axis")
    idx = rng.integers(0, ns, size=(n_boot, ns))
    bm = x[idx].mean(axis=1)
    a = (1 - level) / 2
    return x.mean(axis=0), np.quantile(bm, a, axis=0), np.quantile(bm, 1 - a, axis=0)
