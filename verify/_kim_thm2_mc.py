"""Monte Carlo of Kim et al. Theorem 2: path counts sized for power, samplers shared with the calibration.

Two sampling families per reading of ``kim2023.thm2`` (``register_check(..., sampling_families=2)``):

- ``sde``: the printed variance against exact-transition paths of the reading's SDE at every
  (point, time) of ``extras["witnesses"]["mc_points"] x ["mc_times"]``, Holm within the family at
  the family's share ``level.family_alpha`` of the run's budget;
- ``selftest``: the Monte Carlo of real discrete mini-batch SAM against its exact second moment
  (batch enumeration): two of samverify's own computations, a self-test that never bears on the claim.

Each family's path count is sized so that a pass has power ``level.min_power`` to detect a relative
error ``level.effect_size`` at the per-comparison (Bonferroni) level: :func:`paths_for_power`. The
same samplers (:func:`sde_draw`, :func:`discrete_draw`) feed the check and ``samverify calibrate``
(:func:`_families`), so the calibration measures exactly what the check does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from statistics import NormalDist
from typing import Any

import numpy as np
import sympy as sp

from derivations import Claim, get_claim
from derivations._symbols import B, eta, lambda_j, rho

from ._calibrate import SamplingFamily, register_family
from ._engine import Level
from ._moments import affine_moments, lyapunov_covariance
from ._sim import FiniteSumQuadratic, run_optimizer, simulate_linear_sde
from ._stats import mean_estimate

__all__ = ["paths_for_power", "sde_coefficients", "sde_exact", "sde_draw", "mc_grid", "discrete_problem",
           "discrete_exact", "discrete_draw", "discrete_paths", "sde_paths", "KURTOSIS_BOUND", "PATH_MARGIN"]

#: Kurtosis bound of every sampled iterate: the SDE's are Gaussian (kurtosis 3); discrete SAM's with equal
#: per-sample curvatures is linear in independent symmetric batch noises of kurtosis 2, so at most 3.
#: The second moment of n such samples has relative standard error sqrt((kurtosis - 1)/n).
KURTOSIS_BOUND = 3.0
#: Paths beyond the bare power requirement: the check's power uses the *estimated* standard error, which
#: fluctuates by ~1 % at these n; 25 % more paths keep the stated power with room (tol/SE up by 12 %).
PATH_MARGIN = 1.25


def paths_for_power(alpha: float, level: Level, *, kurtosis: float = KURTOSIS_BOUND) -> int:
    """Paths for power ``level.min_power`` against a relative error ``level.effect_size`` at two-sided ``alpha``.

    A second-moment estimate has relative SE ``sqrt((kurtosis - 1)/n)``; power ``p`` at level ``alpha``
    needs ``effect / SE >= z_{1-alpha/2} + z_p``. Never fewer than the level's ``montecarlo_paths``.
    """
    z = NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(level.min_power)
    need = math.ceil(PATH_MARGIN * (kurtosis - 1) * (z / level.effect_size) ** 2)
    return max(level.montecarlo_paths, need)


def _point(lam: float, r: float, e: float, b: int) -> dict[sp.Symbol, Any]:
    return {lambda_j: lam, rho: r, eta: e, B: b}


def sde_coefficients(claim: Claim, reading: str, point: dict[sp.Symbol, float]) -> tuple[float, float]:
    """The reading's drift rate ``a`` and diffusion ``q = eta D`` at a numeric point."""
    m = claim.derivation(reading).model
    a = float(m.sde.A[0, 0].subs(point))
    q = float((m.sde.eta * m.sde.D[0, 0]).subs(point))
    return a, q


def mc_grid(claim: Claim) -> tuple[list[tuple[float, float, float, int]], list[float]]:
    """The Monte Carlo witness points ``(lambda_j, rho, eta, B)`` and times declared with the claim."""
    w = claim.extras["witnesses"]
    pts = [(float(lam), float(r), float(e), int(b)) for lam, r, e, b in w["mc_points"]]
    return pts, [float(x) for x in w["mc_times"]]


def sde_paths(claim: Claim, level: Level) -> int:
    """Paths per point of the SDE family: power at the Bonferroni level ``family_alpha / comparisons``."""
    pts, times = mc_grid(claim)
    return paths_for_power(level.montecarlo_alpha / (len(pts) * len(times)), level)


def sde_exact(claim: Claim, reading: str, point: tuple[float, float, float, int], t: float) -> float:
    """The reading's exact ``E (w(t) - d)^2`` from ``w(0) = d``: its Lyapunov ODE solved by Van Loan exponentials."""
    lam, r, e, b = point
    a, q = sde_coefficients(claim, reading, _point(lam, r, e, b))
    return float(lyapunov_covariance(np.array([[a]]), np.array([[q / e]]), eta=e, t=t)[0, 0])


def sde_draw(claim: Claim, reading: str, point: tuple[float, float, float, int], times: list[float], n_paths: int,
             rng: np.random.Generator) -> list[tuple[float, float]]:
    """``(estimate, SE)`` of ``E (w(t) - d)^2`` at each time from ``n_paths`` exact-transition paths of the reading's SDE."""
    lam, r, e, b = point
    a, q = sde_coefficients(claim, reading, _point(lam, r, e, b))
    # simulate_linear_sde draws dw = -A w dt + sqrt(eta D) dW: pass D = q / eta
    paths = simulate_linear_sde(np.array([[a]]), np.array([[q / e]]), eta=e, x0=np.zeros(1), times=np.array(times),
                                n_paths=n_paths, rng=rng)[:, :, 0]
    # w(0) = d, so E[w - d] = 0 exactly: the second moment about d is a plain mean of squares
    return [tuple(float(v) for v in mean_estimate(w * w)) for w in paths]  # type: ignore[misc]


def discrete_problem(lam: float) -> FiniteSumQuadratic:
    """n = 4 samples, curvature ``lam`` each, offsets ``±sqrt|lam|``: batch-gradient noise at d of variance ``|lam|/B``."""
    g = math.sqrt(abs(lam)) * np.array([1.0, -1.0, 1.0, -1.0])
    return FiniteSumQuadratic(H=np.full((4, 1, 1), lam), g=g[:, None])


def _discrete_setting(claim: Claim) -> tuple[float, float, int, float, list[float]]:
    w = claim.extras["witnesses"]
    lam, r, b, tt = (float(x) for x in w["discrete_point"])
    return lam, r, int(b), tt, [float(e) for e in w["discrete_etas"]]


@lru_cache(maxsize=32)
def _discrete_exact_cached(lam: float, r: float, b: int, tt: float, e: float) -> float:
    k = int(round(tt / e))
    _, m2 = affine_moments(discrete_problem(lam), algorithm="sam", batch="with_replacement", B=b, eta=e, rho=r,
                           ascent="same_batch", n_steps=k)
    return float(m2[-1, 0, 0])


def discrete_exact(claim: Claim, e: float) -> float:
    """Exact ``E w_k^2`` of real mini-batch SAM (same-batch ascent, with replacement) at ``t = e k`` (batch enumeration)."""
    lam, r, b, tt, _ = _discrete_setting(claim)
    return _discrete_exact_cached(lam, r, b, tt, e)


def discrete_paths(level: Level) -> int:
    """Paths of the discrete self-test: one comparison at the family's share of the budget."""
    return paths_for_power(level.montecarlo_alpha, level)


def discrete_draw(claim: Claim, n_paths: int, rng: np.random.Generator) -> tuple[float, float]:
    """``(estimate, SE)`` of real mini-batch SAM's ``E w_k^2`` at the smallest declared step (per-sample gradients)."""
    lam, r, b, tt, etas = _discrete_setting(claim)
    e = etas[-1]
    n = int(round(tt / e))
    w = run_optimizer(discrete_problem(lam), algorithm="sam", eta=e, n_steps=n, n_paths=n_paths, rng=rng,
                      batch="with_replacement", B=b, rho=r, ascent="same_batch", record_every=n)[-1, :, 0]
    est, se = mean_estimate(w * w)
    return float(est), float(se)


# ----------------------------------------------------------------------------- calibration families


def _sde_sampler(claim: Claim, reading: str, point: tuple, times: list[float], i: int
                 ) -> Callable[[np.random.Generator, Level], tuple[float, float]]:
    def sample(rng: np.random.Generator, level: Level) -> tuple[float, float]:
        return sde_draw(claim, reading, point, times, sde_paths(claim, level), rng)[i]

    return sample


@register_family("kim2023.thm2")
def _families(reading: str, level: Level) -> list[SamplingFamily]:
    """The Theorem 2 sampling families of one reading: each SDE comparison of the check and the discrete self-test.

    A (point, time) where the reading's variance is exactly 0 (no noise along that direction, e.g.
    ``positive_part`` at ``lambda < 0``) has no sampling error: the check is exact there, so it is no
    sampling family.
    """
    claim = get_claim("kim2023.thm2")
    pts, times = mc_grid(claim)
    out = []
    for p in pts:
        for i, tt in enumerate(times):
            exact = sde_exact(claim, reading, p, tt)
            if exact == 0.0:
                continue
            out.append(SamplingFamily(claim.id, reading, f"sde: lambda={p[0]:g}, rho={p[1]:g}, eta={p[2]:g}, B={p[3]}, t={tt:g}",
                                      exact, _sde_sampler(claim, reading, p, times, i), effect_size=level.effect_size))
    e = _discrete_setting(claim)[4][-1]
    out.append(SamplingFamily(claim.id, reading, f"selftest: discrete mini-batch SAM at eta={e:g}", discrete_exact(claim, e),
                              lambda rng, lv: discrete_draw(claim, discrete_paths(lv), rng), effect_size=level.effect_size))
    return out
