"""Chen et al. 2023: the experiment a claim declares, run once per (sizes, seed), and its bootstrap replicates.

The claim's ``extras["experiment"]`` declares the simulation's sizes per level, the values bound to the
model's symbols, the definition of the critical signal strengths and the range of ``d`` over which
exponents are fitted (:func:`experiment_spec`). One sweep serves every claim that declares the same
sizes (:func:`analysis` caches it); :class:`ChenAnalysis` holds the seed-bootstrap replicates from
which every measured placeholder is computed (:mod:`verify._chen_measure`).
"""

from __future__ import annotations

import time
import warnings
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import sympy as sp

from derivations import Claim
from derivations import chen2023 as ch
from derivations._validate import check_choice, fail

from ._chen_boot import bootstrap_weights, critical_signal, crossing_index, seed_means
from ._chen_model import ChenSetup
from ._chen_sweep import ALGS, Sweep, SweepGrid, run_sweep

__all__ = ["ExperimentSpec", "experiment_spec", "ChenAnalysis", "analysis", "run_seed", "stream", "CONVERGED_SHARE"]

#: A cell's test error is the end-of-training error the claims are about only where at least half of
#: its replicates reached the training-loss target (a majority: the seed mean is then dominated by
#: trained runs).
CONVERGED_SHARE = 0.5


@dataclass(frozen=True)
class ExperimentSpec:
    """The sizes and bindings of one level of a claim's declared experiment.

    ``windows`` are the exponent fit windows ``(name, relation in d)``, the primary one first;
    ``resolution`` maps a kind of quantity (``"exponent"``) to the smallest error a pass must have
    power to detect; ``sam_radius`` is the declared radius rule with its constant bound (text).
    """

    setup: ChenSetup
    grid: SweepGrid
    n_boot: int
    constants: tuple[tuple[sp.Symbol, sp.Expr], ...]
    critical: tuple[tuple[Any, sp.Rel], ...]
    windows: tuple[tuple[str, sp.Basic], ...]
    fit_min_points: int = 3
    resolution: tuple[tuple[str, float], ...] = ()
    sam_radius: str = ""

    @property
    def key(self) -> tuple[Any, ...]:
        """What identifies the sweep and its bootstrap (claims with equal keys share them)."""
        return self.setup, self.grid, self.n_boot

    @property
    def exponent_fit(self) -> sp.Basic:
        """The primary fit window (the first declared)."""
        return self.windows[0][1]

    def window_d(self, relation: sp.Basic) -> tuple[int, ...]:
        """The grid's ``d`` values inside a fit window (``d_lo``, ``d_hi``: the grid's smallest and largest)."""
        ds = self.grid.d_values
        env = {**dict(self.constants), ch.d_lo: min(ds), ch.d_hi: max(ds)}
        rel = sp.sympify(relation).subs(env)
        out = []
        for v in ds:
            truth = rel.subs(ch.d, v)
            if truth not in (sp.true, sp.false):
                raise fail("exponent_fit", relation,
                           "a relation in d and bound constants (d_lo, d_hi: the grid's ends)")
            if truth is sp.true:
                out.append(int(v))
        return tuple(out)


def _sam_radius(ex: Mapping[str, Any], setup: ChenSetup, claim_id: str) -> tuple[ChenSetup, str]:
    """The setup with its SAM radius ``tau_coef d^tau_power`` from the declared rule (sizes of ``setup`` bound)."""
    decl = ex.get("sam_radius")
    if not isinstance(decl, Mapping) or "rule" not in decl:
        raise fail(f"{claim_id}.extras['experiment']['sam_radius']", decl,
                   "a mapping with the radius 'rule' (and its 'bind')")
    env = {**dict(ex["bind"]), **dict(decl.get("bind", {})), ch.m_width: setup.m, ch.B: setup.batch}
    rule = sp.sympify(decl["rule"]).subs(env)
    power = sp.simplify(ch.exponent_in_d(rule))
    coef = sp.simplify(rule / ch.d**power)
    if rule.free_symbols - {ch.d} or not power.is_number or not coef.is_number or not coef.is_positive:
        raise fail(f"{claim_id}.extras['experiment']['sam_radius']['rule']", decl["rule"],
                   "a positive constant times a power of d once the experiment's values are bound")
    return replace(setup, tau_coef=float(coef), tau_power=float(power)), f"tau = {rule} (rule {decl['rule']})"


def experiment_spec(claim: Claim, level: str) -> ExperimentSpec:
    """Read the experiment declared in ``claim.extras["experiment"]`` at ``level``."""
    ex = claim.extras.get("experiment")
    if not isinstance(ex, Mapping):
        raise fail(f"{claim.id}.extras['experiment']", ex,
                   "a mapping declaring the experiment (bind, levels, critical)")
    levels = ex["levels"]
    check_choice("level", level, tuple(levels))
    lv, bind = levels[level], dict(ex["bind"])
    missing = [s.name for s in (ch.n, ch.P, ch.sigma_p, ch.p, ch.epsilon) if s not in bind]
    if missing:
        raise fail(f"{claim.id}.extras['experiment']['bind']", sorted(s.name for s in bind), f"values for {missing}")
    setup = ChenSetup(n=int(bind[ch.n]), P=int(bind[ch.P]), sigma_p=float(bind[ch.sigma_p]),
                      label_noise=float(bind[ch.p]), max_epochs=int(lv["max_epochs"]),
                      **dict(ex.get("simulator", {})))
    setup, radius = _sam_radius(ex, setup, claim.id)
    grid = SweepGrid(d_values=tuple(int(v) for v in lv["d"]), mu_values=tuple(float(v) for v in lv["mu"]),
                     n_seeds=int(lv["n_seeds"]))
    fit = ex.get("exponent_fit", sp.true)
    windows = tuple((str(k), sp.sympify(v)) for k, v in fit.items()) if isinstance(fit, Mapping) else (
        (str(fit), sp.sympify(fit)),)
    resolution = tuple((str(k), float(v)) for k, v in dict(ex.get("resolution", {})).items())
    return ExperimentSpec(setup, grid, int(lv["n_boot"]), tuple((s, sp.sympify(v)) for s, v in bind.items()),
                          tuple(ex["critical"].items()), windows, int(ex.get("fit_min_points", 3)), resolution, radius)


def run_seed(seedseq: np.random.SeedSequence) -> int:
    """The run's integer seed from the engine's per-check stream (entropy ``[seed, crc32(...), ...]``).

    The sweep is shared by the four claims, so it is keyed on the run seed, not on the per-claim stream.
    """
    ent = seedseq.entropy
    if isinstance(ent, (list, tuple, np.ndarray)) and len(ent):
        return int(ent[0])
    return int(ent) if isinstance(ent, int) else int(seedseq.generate_state(1)[0])


def stream(seed: int, key: str) -> np.random.SeedSequence:
    """An independent stream of the run ``seed`` named by ``key``."""
    return np.random.SeedSequence([seed, zlib.crc32(key.encode())])


class ChenAnalysis:
    """One sweep and its seed-bootstrap: weighted seed means of everything the claims measure.

    ``weights`` is ``(1 + n_boot, n_d, n_seeds)`` (row 0 the plain means); ``curves[alg]`` the noisy-label
    test error ``(replicates, n_d, n_mu)``; ``converged[alg]`` the share of replicates at the loss target
    ``(n_d, n_mu)``; ``early_epoch`` the first epoch at which SGD's median training loss is at most half
    its initial value.
    """

    def __init__(self, sweep: Sweep, *, n_boot: int, rng: np.random.Generator, seed: int = 0,
                 sweep_seconds: float = 0.0) -> None:
        self.sweep, self.setup, self.grid, self.seed = sweep, sweep.setup, sweep.grid, seed
        self.n_boot, self.sweep_seconds = n_boot, sweep_seconds
        g = sweep.grid
        self.weights = bootstrap_weights(rng, len(g.d_values), g.n_seeds, n_boot)
        self.curves = {a: seed_means(self.weights, sweep.noisy_error(a)) for a in ALGS}
        self.converged = {a: (sweep.final_loss[a] <= self.setup.loss_target).mean(axis=1) for a in ALGS}
        loss = np.median(sweep.traj["sgd"]["train_loss"], axis=(0, 1, 2))
        hit = np.nonzero(loss <= loss[0] / 2)[0]
        self.early_epoch = int(hit[0]) if len(hit) else int(len(loss) - 1)
        self._traj: dict[tuple[str, str, int], np.ndarray] = {}

    @property
    def bayes(self) -> float:
        """The Bayes risk of the simulated data (the label-flip probability)."""
        return self.sweep.bayes

    def critical(self, alg: str, threshold: float) -> tuple[np.ndarray, list[str]]:
        """``mu_c`` per ``d`` for every replicate ``(replicates, n_d)`` and why some ``d`` are not measured.

        A ``d`` whose point-estimate crossing sits at a cell where fewer than :data:`CONVERGED_SHARE`
        of the replicates reached the loss target is not measured (``nan`` in every replicate): the
        error read there is not the end-of-training error.
        """
        mc = critical_signal(self.grid.mu_values, self.curves[alg], threshold)
        notes = []
        k = crossing_index(self.curves[alg][0], threshold)
        for i, d in enumerate(self.grid.d_values):
            if k[i] >= 0 and self.converged[alg][i, k[i]] < CONVERGED_SHARE:
                mc[:, i] = np.nan
                notes.append(f"{alg.upper()} at d={d}: only {self.converged[alg][i, k[i]]:.0%} of the replicates "
                             f"reached the training-loss target at the crossing ||mu||={self.grid.mu_values[k[i]]:.3g}")
            elif not np.isfinite(mc[0, i]):
                notes.append(f"{alg.upper()} at d={d}: the error curve does not cross {threshold:.3g} inside the grid")
        return mc, notes

    def trajectory(self, alg: str, name: str, epoch: int) -> np.ndarray:
        """Weighted seed means of a recorded coefficient at one epoch, ``(replicates, n_d, n_mu)``."""
        key = (alg, name, epoch)
        if key not in self._traj:
            x = self.sweep.traj[alg][name]
            if not 0 <= epoch < x.shape[-1]:
                raise fail("epoch", epoch, f"a recorded epoch in [0, {x.shape[-1] - 1}]")
            self._traj[key] = seed_means(self.weights, x[..., epoch])
        return self._traj[key]

    def error_table(self, alg: str) -> list[list[float]]:
        """Seed-mean test error (noisy labels) ``[d][mu]``, rounded for reports."""
        return np.round(self.curves[alg][0], 4).tolist()

    def common(self) -> dict[str, Any]:
        """Grid, sizes and seeds, for every check's data."""
        s, g = self.setup, self.grid
        return {"grid": {"d": list(g.d_values), "mu": [round(v, 6) for v in g.mu_values], "n_seeds": g.n_seeds},
                "setup": {k: getattr(s, k) for k in ("n", "P", "m", "sigma_p", "label_noise", "batch", "s0", "eta0",
                                                     "tau_coef", "tau_power", "max_epochs", "loss_target", "n_test")},
                "bayes_risk": self.bayes, "n_boot": self.n_boot, "run_seed": self.seed,
                "sweep_entropy": str(self.sweep.entropy), "sweep_elapsed_s": round(self.sweep_seconds, 2),
                "early_epoch": self.early_epoch,
                "converged_fraction": {a: np.round(self.converged[a], 3).tolist() for a in ALGS},
                "sam_switched_off": self.switched_off()}

    def subdesign(self, grid: SweepGrid) -> ChenAnalysis | None:
        """The analysis of this sweep's part on a sub-grid (e.g. fast's design inside full's), own bootstrap stream.

        ``None`` when ``grid`` is not a sub-grid of this sweep's.
        """
        sub = self.sweep.subset(grid)
        if sub is None:
            return None
        rng = np.random.default_rng(stream(self.seed, "chen2023.bootstrap.subdesign"))
        return ChenAnalysis(sub, n_boot=self.n_boot, rng=rng, seed=self.seed)

    def switched_off(self) -> dict[str, Any]:
        """The measured share of active noise activations the first SAM perturbation switches off, per ``d``."""
        x = self.sweep.switched_off.get("sam")
        if x is None or not np.size(x):
            return {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a d with no active own noise activation: nan
            per_d = np.nanmean(x.reshape(len(self.grid.d_values), -1), axis=1)
        return {"mean_per_d": [None if not np.isfinite(v) else round(float(v), 4) for v in per_d],
                "what": "share of the first mini-batch's active noise activations (label's own neurons) that the "
                        "first SAM perturbation switches off, mean over replicates and ||mu||"}


_CACHE: dict[tuple[Any, ...], ChenAnalysis] = {}


def analysis(spec: ExperimentSpec, seed: int, *, executor: Any = None, max_workers: int | None = None) -> ChenAnalysis:
    """The cached sweep and bootstrap of ``spec`` at run ``seed``: computed once per process."""
    key = (*spec.key, seed)
    if key not in _CACHE:
        t0 = time.perf_counter()
        sweep = run_sweep(spec.setup, spec.grid, stream(seed, "chen2023.sweep"), executor=executor,
                          max_workers=max_workers)
        rng = np.random.default_rng(stream(seed, "chen2023.bootstrap"))
        _CACHE[key] = ChenAnalysis(sweep, n_boot=spec.n_boot, rng=rng, seed=seed,
                                   sweep_seconds=time.perf_counter() - t0)
    return _CACHE[key]
