"""Synthetic Chen sweeps with known answers, for testing the claim-driven check without training networks.

:func:`synthetic_sweep` builds a :class:`~verify._chen_sweep.Sweep` on an experiment's grid whose test
error curves are sigmoids in ``log ||mu||`` centred on chosen critical strengths ``mu_c(d)`` and whose
coefficient trajectories grow linearly at chosen rates; :func:`install` puts its analysis in the
cache, so that checking a claim at that level and seed reads it instead of running the simulation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import _chen_analysis
from ._chen_analysis import ChenAnalysis, ExperimentSpec, stream
from ._chen_sweep import ALGS, Sweep

__all__ = ["PowerLaw", "synthetic_sweep", "install"]


@dataclass(frozen=True)
class PowerLaw:
    """A critical strength ``c (d / d0)^beta`` (a picklable ``mu_c`` for :func:`synthetic_sweep`)."""

    c: float
    beta: float
    d0: float = 400.0

    def __call__(self, d: np.ndarray) -> np.ndarray:
        return self.c * (np.asarray(d, float) / self.d0) ** self.beta


def synthetic_sweep(
    spec: ExperimentSpec, *, mu_c: dict[str, Callable[[np.ndarray], np.ndarray]], rng: np.random.Generator,
    noise_rate: dict[str, float] | None = None, signal_rate: dict[str, float] | None = None,
    converged: dict[str, bool] | None = None, seed_noise: float = 0.01, epochs: int = 40,
    coefficient_noise: float = 0.1,
) -> Sweep:
    """A sweep on ``spec``'s grid with critical strengths ``mu_c[alg](d)`` and linear coefficient growth.

    Noisy-label error: ``p + (0.5 - p) / (1 + (||mu|| / mu_c(d))^3)`` plus Gaussian seed noise of
    standard deviation ``seed_noise``; coefficients grow by ``rate * t`` per epoch plus seed noise of
    ``coefficient_noise`` times the rate; SGD's training loss halves at epoch ~10; ``converged[alg] =
    False`` leaves the final training loss above the target at every cell.
    """
    s, g = spec.setup, spec.grid
    d = np.asarray(g.d_values, float)[:, None, None]
    mu = np.asarray(g.mu_values, float)[None, None, :]
    shape = (len(g.d_values), g.n_seeds, len(g.mu_values))
    p = s.label_noise
    noise_rate = noise_rate or {"sgd": 0.1, "sam": 0.03}
    signal_rate = signal_rate or {"sgd": 0.003, "sam": 0.002}
    converged = converged or {"sgd": True, "sam": True}
    t = np.arange(epochs + 1, dtype=float)
    error, final, traj = {}, {}, {}
    for a in ALGS:
        noisy = p + (0.5 - p) / (1 + (mu / mu_c[a](d)) ** 3) + seed_noise * rng.standard_normal(shape)
        error[a] = (noisy - p) / (1 - 2 * p)  # the sweep stores the error against clean labels
        final[a] = np.full(shape, s.loss_target / 10 if converged[a] else 10 * s.loss_target)
        traj[a] = {}
        for name, rate in (("noise", noise_rate[a]), ("signal", signal_rate[a])):
            jitter = coefficient_noise * rate * rng.standard_normal((*shape, epochs + 1))
            traj[a][name] = rate * t + jitter - jitter[..., :1]
        traj[a]["noise_active"] = np.ones((*shape, epochs + 1))
        traj[a]["train_loss"] = np.broadcast_to(np.log(2) * np.exp(-t / 15), (*shape, epochs + 1)).copy()
    stop = {a: np.full(shape, epochs) for a in ALGS}
    return Sweep(setup=s, grid=g, error=error, stop_epoch=stop, final_loss=final, traj=traj,
                 entropy="synthetic", spawn_key=())


def install(spec: ExperimentSpec, sweep: Sweep, seed: int) -> ChenAnalysis:
    """Cache ``sweep``'s analysis as the one a check of ``spec`` at run ``seed`` uses; return it."""
    rng = np.random.default_rng(stream(seed, "chen2023.bootstrap"))
    an = ChenAnalysis(sweep, n_boot=spec.n_boot, rng=rng, seed=seed)
    _chen_analysis._CACHE[(*spec.key, seed)] = an  # looked up at call time: a test may swap the cache
    return an
