"""Chen et al. 2023: the ``(||mu||, d)`` sweep that trains SGD and SAM on every cell and replicate.

Within a replicate (one data set and initialisation at one ``d``) every ``||mu||`` and both optimisers
are one vectorised computation (common random numbers); replicates are independent tasks, which is
what an executor parallelises and what the bootstrap of :mod:`verify._chen_boot` resamples.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from derivations._validate import check_integer, check_positive, fail

from ._chen_model import ChenSetup, bayes_risk, noisy_error, sample_gram, train_reduced
from ._sweep import current_executor, sweep_map, use_executor

__all__ = ["ALGS", "SweepGrid", "Sweep", "run_sweep"]


@dataclass(frozen=True)
class SweepGrid:
    """The ``(||mu||, d)`` grid and number of independent replicates (seeds) per ``d``."""

    d_values: tuple[int, ...]
    mu_values: tuple[float, ...]
    n_seeds: int

    def __post_init__(self) -> None:
        if len(self.d_values) < 1 or len(self.mu_values) < 2:
            raise fail("grid", (self.d_values, self.mu_values), "at least one d and two ||mu|| values")
        for d in self.d_values:
            check_integer("d", d, minimum=1)
        for v in self.mu_values:
            check_positive("mu_values", v)
        if list(self.mu_values) != sorted(self.mu_values):
            raise fail("mu_values", self.mu_values, "increasing")
        check_integer("n_seeds", self.n_seeds, minimum=2)


@dataclass(frozen=True)
class Sweep:
    """Results of a sweep: arrays ``[d, seed, mu]`` for each optimiser, and per-epoch trajectories.

    ``error[alg]`` is the clean test error; ``traj[alg][name]`` has shape (n_d, n_seeds, n_mu, epochs+1);
    ``switched_off["sam"]`` the share of active noise activations the first SAM perturbation switches off
    (:class:`~verify._chen_model.TrainResult`).
    """

    setup: ChenSetup
    grid: SweepGrid
    error: dict[str, np.ndarray]
    stop_epoch: dict[str, np.ndarray]
    final_loss: dict[str, np.ndarray]
    traj: dict[str, dict[str, np.ndarray]]
    entropy: Any
    spawn_key: tuple[int, ...]
    switched_off: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def bayes(self) -> float:
        """The Bayes risk ``p``."""
        return bayes_risk(self.setup.label_noise)

    def noisy_error(self, alg: str) -> np.ndarray:
        """Test error against noisy labels, ``[d, seed, mu]``."""
        return noisy_error(self.error[alg], self.setup.label_noise)

    def subset(self, grid: SweepGrid) -> Sweep | None:
        """The part of this sweep on a sub-grid (its ``d`` and ``||mu||`` values, the first ``n_seeds`` replicates).

        ``None`` when ``grid`` is not a sub-grid of this sweep's.
        """
        g = self.grid
        di = [g.d_values.index(d) if d in g.d_values else -1 for d in grid.d_values]
        mu = np.asarray(g.mu_values)
        mi = [int(np.argmin(np.abs(mu - v))) for v in grid.mu_values]
        if (min(di) < 0 or grid.n_seeds > g.n_seeds
                or not np.allclose(mu[mi], grid.mu_values, rtol=1e-12, atol=0.0)):
            return None
        ix = np.ix_(di, range(grid.n_seeds), mi)

        def cut(x: np.ndarray) -> np.ndarray:
            return np.asarray(x)[ix]

        return Sweep(setup=self.setup, grid=grid, error={a: cut(v) for a, v in self.error.items()},
                     stop_epoch={a: cut(v) for a, v in self.stop_epoch.items()},
                     final_loss={a: cut(v) for a, v in self.final_loss.items()},
                     traj={a: {k: cut(v) for k, v in t.items()} for a, t in self.traj.items()},
                     entropy=self.entropy, spawn_key=self.spawn_key,
                     switched_off={a: cut(v) for a, v in self.switched_off.items()})


ALGS = ("sgd", "sam")


def _task(args: tuple[ChenSetup, int, tuple[float, ...], Any, tuple[int, ...]]) -> dict[str, Any]:
    """One replicate at one ``d``: draw the Gram sample, train SGD and SAM at every ``||mu||`` (vectorised)."""
    setup, d, mus, entropy, key = args
    ss = np.random.SeedSequence(entropy, spawn_key=key)
    rng = np.random.default_rng(ss)
    g = sample_gram(rng, setup, d)
    normals = rng.standard_normal((setup.n_test, setup.P - 1, 2 * setup.m))
    nm = len(mus)
    mu = np.tile(np.asarray(mus, float), 2)
    sam = np.repeat([False, True], nm)
    r = train_reduced(g, setup, d, mu, sam, rng, normals)
    out: dict[str, Any] = {}
    for a, sl in (("sgd", slice(0, nm)), ("sam", slice(nm, 2 * nm))):
        out[a] = {"error": r.clean_error[sl], "stop": r.stop_epoch[sl], "loss": r.final_loss[sl],
                  "switched_off": r.switched_off[sl],
                  "signal": r.signal[:, sl].T, "noise": r.noise[:, sl].T, "noise_active": r.noise_active[:, sl].T,
                  "train_loss": r.train_loss[:, sl].T}
    return out


def run_sweep(
    setup: ChenSetup, grid: SweepGrid, seedseq: np.random.SeedSequence, *,
    executor: cf.Executor | None = None, max_workers: int | None = None,
) -> Sweep:
    """Run every (d, replicate) task, SGD and SAM over the whole ``||mu||`` grid in each, and collect.

    Within a task the ``2 x n_mu`` paths are one vectorised computation on shared data,
    initialisation and batch order (common random numbers: differences between cells and between
    optimisers carry no sampling noise of their own); replicates are separate tasks, which is what
    the executor parallelises and what the bootstrap resamples.

    Task ``k = i_d * n_seeds + s`` (one replicate at one ``d``: all its ``(||mu||, optimiser)`` cells)
    carries its own seed, the ``k``-th child of ``seedseq`` as ``SeedSequence.spawn`` would make it
    (built from the entropy and spawn key, not from ``spawn()``'s counter), so results do not depend
    on where the tasks run, the number of workers or the completion order. The tasks go through
    :func:`verify._sweep.sweep_map`: on ``executor`` if given, else on the run's executor (a dask
    cluster, or one installed with :func:`verify._sweep.use_executor`), else on a local process pool
    of ``max_workers`` (default ``min(os.cpu_count(), 2)``); ``max_workers=1`` runs serially in-process.
    """
    if not isinstance(seedseq, np.random.SeedSequence):
        raise fail("seedseq", seedseq, "a numpy SeedSequence")
    for d in grid.d_values:
        setup.check_d(d)
    if max_workers is not None:
        check_integer("max_workers", max_workers, minimum=1)
    entropy = seedseq.entropy  # an int or a sequence of ints: either rebuilds the same children
    key0 = tuple(seedseq.spawn_key)
    tasks = [(setup, d, tuple(grid.mu_values), entropy, (*key0, i * grid.n_seeds + s))
             for i, d in enumerate(grid.d_values) for s in range(grid.n_seeds)]
    workers = max_workers if max_workers is not None else min(os.cpu_count() or 1, 2)
    if executor is not None:
        with use_executor(executor):
            results = sweep_map(_task, tasks)
    elif current_executor() != "serial" or workers == 1:
        results = sweep_map(_task, tasks)  # the run's executor, or in this process
    else:
        with cf.ProcessPoolExecutor(max_workers=workers) as ex, use_executor(ex):
            results = sweep_map(_task, tasks)
    nd, ns = len(grid.d_values), grid.n_seeds

    def stack(alg: str, name: str) -> np.ndarray:
        arr = np.array([r[alg][name] for r in results])
        return arr.reshape(nd, ns, *arr.shape[1:])

    return Sweep(
        setup=setup, grid=grid,
        error={a: stack(a, "error") for a in ALGS},
        stop_epoch={a: stack(a, "stop") for a in ALGS},
        final_loss={a: stack(a, "loss") for a in ALGS},
        traj={a: {k: stack(a, k) for k in ("signal", "noise", "noise_active", "train_loss")} for a in ALGS},
        entropy=entropy, spawn_key=key0, switched_off={a: stack(a, "switched_off") for a in ALGS},
    )
