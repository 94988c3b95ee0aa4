"""Experiment checks for the Chen et al. 2023 claims (CLAIMS.md §3), and their figures.

One sweep per (level, run seed) is shared by the four claims: SGD and SAM over the ``(||mu||, d)``
grid of :data:`verify._chen.LEVEL_SWEEPS`. From it:

* the critical signal strength ``mu_c(d)`` where the seed-mean test error first falls to the
  Bayes risk plus :data:`MARGIN`, with seed-bootstrap intervals, and the slope of ``log mu_c`` on
  ``log d`` with its bootstrap interval (:func:`verify._chen.fit_critical`);
* signal and noise coefficient growth over early training, paired by seed.

Verdict rules (stated before any run, applied mechanically by :func:`exponent_outcome` and
friends): an exponent interval that excludes the claimed value refutes; one that contains it and
is at most :data:`MAX_HALF_WIDTH` wide supports; otherwise inconclusive.
"""

from __future__ import annotations

import math
import pathlib
import time
import zlib
from typing import Any

import numpy as np

from derivations import Claim

from . import _chen
from ._engine import Level, register_check
from ._results import CheckResult, Counterexample

__all__ = [
    "MARGIN",
    "CONTEXT_MARGINS",
    "MAX_HALF_WIDTH",
    "CI_LEVEL",
    "N_BOOT",
    "ChenAnalysis",
    "analysis",
    "exponent_outcome",
    "sam_threshold_outcome",
    "figures",
]

#: The test error counts as "at the Bayes risk" when it is within 0.05 of p (= 0.1). The margin sits
#: in the steep part of the error curves (they fall from 0.5 to p), where adjacent grid points differ
#: by several standard errors, so the crossing is located by interpolation rather than by noise.
MARGIN = 0.05
#: Other margins whose exponents are reported (never used for the verdict) to show sensitivity.
CONTEXT_MARGINS = (0.025, 0.1)
#: A 95% interval with half-width above 0.1 is too wide: the nearest alternatives to d^(1/4), namely
#: Õ(1) (exponent 0) and sqrt(d) (1/2), are 0.25 away, so a narrower interval separates them.
MAX_HALF_WIDTH = 0.1
#: Two-sided level of every bootstrap interval.
CI_LEVEL = 0.95
#: 4000 bootstrap replicates put the Monte Carlo error of a 2.5% quantile at ~0.25 percentage points.
N_BOOT = 4000

_CACHE: dict[tuple[str, int], "ChenAnalysis"] = {}


def _run_seed(seedseq: np.random.SeedSequence) -> int:
    """The run's integer seed: the engine's per-check SeedSequence has entropy ``[seed, crc32(...), ...]``."""
    ent = seedseq.entropy
    if isinstance(ent, (list, tuple, np.ndarray)) and len(ent):
        return int(ent[0])
    return int(ent) if isinstance(ent, int) else int(seedseq.generate_state(1)[0])


def _ss(seed: int, key: str) -> np.random.SeedSequence:
    return np.random.SeedSequence([seed, zlib.crc32(key.encode())])


def _f(v: Any) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


class ChenAnalysis:
    """The shared sweep of one (level, seed) and every number the four checks report."""

    def __init__(self, level: str, seed: int, *, executor: Any = None, max_workers: int | None = None) -> None:
        t0 = time.perf_counter()
        self.level, self.seed = level, seed
        setup, grid = _chen.LEVEL_SWEEPS[level]
        self.setup, self.grid = setup, grid
        self.sweep = _chen.run_sweep(setup, grid, _ss(seed, "chen2023.sweep"), executor=executor,
                                     max_workers=max_workers)
        self.sweep_seconds = time.perf_counter() - t0
        p = self.sweep.bayes
        self.threshold = p + MARGIN
        rng = np.random.default_rng(_ss(seed, "chen2023.bootstrap"))
        self.noisy = {a: self.sweep.noisy_error(a) for a in _chen.ALGS}
        # the theory's high-dimensional condition d = Ω̃(n^2) (as recalled): only such d enter the slopes
        self.d_min = setup.n**2
        self.fits = {a: _chen.fit_critical(grid.mu_values, grid.d_values, self.noisy[a], self.threshold, rng=rng,
                                           n_boot=N_BOOT, level=CI_LEVEL, d_min=self.d_min) for a in _chen.ALGS}
        self.context_fits = {f"{a}@{mg}": _chen.fit_critical(grid.mu_values, grid.d_values, self.noisy[a], p + mg,
                                                             rng=rng, n_boot=1000, level=CI_LEVEL,
                                                             d_min=self.d_min).as_dict()
                             for a in _chen.ALGS for mg in CONTEXT_MARGINS}
        self.context_fits.update({f"{a}@{MARGIN}_all_d": _chen.fit_critical(
            grid.mu_values, grid.d_values, self.noisy[a], self.threshold, rng=rng, n_boot=1000,
            level=CI_LEVEL).as_dict() for a in _chen.ALGS})
        #: share of seeds whose run reached the training-loss target, [d, mu]
        self.converged = {a: (self.sweep.final_loss[a] <= setup.loss_target).mean(axis=1) for a in _chen.ALGS}
        self.rises = {a: _chen.rises_after(self.noisy[a].mean(axis=1), self.threshold).tolist() for a in _chen.ALGS}
        self.elapsed = time.perf_counter() - t0

    def common(self) -> dict[str, Any]:
        """Grid, sizes and seeds, for every check's data."""
        s, g = self.setup, self.grid
        return {"grid": {"d": list(g.d_values), "mu": [round(v, 6) for v in g.mu_values], "n_seeds": g.n_seeds},
                "setup": {k: getattr(s, k) for k in ("n", "P", "m", "sigma_p", "label_noise", "batch", "s0", "eta0",
                                                     "kappa", "max_epochs", "loss_target", "n_test")},
                "bayes_risk": self.sweep.bayes, "margin": MARGIN, "threshold": self.threshold,
                "ci_level": CI_LEVEL, "n_boot": N_BOOT, "run_seed": self.seed,
                "sweep_entropy": str(self.sweep.entropy), "sweep_seconds": round(self.sweep_seconds, 2),
                "fit_d_min": self.d_min,
                "converged_fraction": {a: np.round(self.converged[a], 3).tolist() for a in _chen.ALGS}}

    def mean_error_table(self, alg: str) -> list[list[float]]:
        """Seed-mean test error (noisy labels) ``[d][mu]``, rounded for reports."""
        return np.round(self.noisy[alg].mean(axis=1), 4).tolist()

    def regime(self) -> np.ndarray:
        """Grid cells ``[d, mu]`` inside the theory's high-dimensional regime.

        ``d >= n^2`` and ``d >= n ||mu||^2 / sigma_p^2`` (the condition d = Ω̃(max{n ||mu||^2/sigma_p^2, n^2})
        of this line of work, as recalled; logs dropped). Outside it the signal dominates the
        mini-batch gradient and SAM's normalised perturbation points along ``mu``.
        """
        s = self.setup
        D, M = np.meshgrid(np.asarray(self.grid.d_values, float), np.asarray(self.grid.mu_values), indexing="ij")
        return (D >= s.n**2) & (D >= s.n * M**2 / s.sigma_p**2)

    # -- early-training window ---------------------------------------------------------------------
    def early_epoch(self) -> int:
        """First epoch at which SGD's median training loss (all cells) is at most half its initial value."""
        loss = np.median(self.sweep.traj["sgd"]["train_loss"], axis=(0, 1, 2))
        hit = np.nonzero(loss <= loss[0] / 2)[0]
        return int(hit[0]) if len(hit) else int(len(loss) - 1)


def analysis(level: str, seed: int, **kw: Any) -> ChenAnalysis:
    """The cached shared analysis for (level, seed): computed once per process."""
    key = (level, seed)
    if key not in _CACHE:
        _CACHE[key] = ChenAnalysis(level, seed, **kw)
    return _CACHE[key]


# -- verdict rules (pure functions of the numbers, tested on synthetic inputs) ----------------------
def exponent_outcome(ci: tuple[float, float], claimed: float, *, max_half_width: float = MAX_HALF_WIDTH) -> str:
    """``fail`` if the interval excludes ``claimed``; ``pass`` if it contains it and is narrow enough; else ``inconclusive``."""
    lo, hi = ci
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "inconclusive"
    if claimed < lo or claimed > hi:
        return "fail"
    return "pass" if (hi - lo) / 2 <= max_half_width else "inconclusive"


def sam_threshold_outcome(exponent_ci: tuple[float, float], ratio_ci: list[tuple[float, float]], *,
                          converged: bool = True, sgd_exponent: float = 0.25,
                          max_half_width: float = MAX_HALF_WIDTH) -> tuple[str, str]:
    """Outcome for SAM's threshold from its exponent interval and the intervals of ``mu_c^SAM / mu_c^SGD`` per ``d``.

    fail: SAM's critical strength is above SGD's at some ``d`` (ratio interval above 1), or its exponent
    interval lies at or above SGD's claimed 1/4 (polynomial growth at least as fast as SGD's).
    pass: the exponent interval contains 0, is narrow enough, and every ratio interval lies below 1.
    inconclusive otherwise (in particular an exponent interval strictly between 0 and 1/4, which
    polylogarithmic growth allowed by Õ(1) can produce over a finite range of d), and always when
    ``converged`` is false: SAM stopped short of the training-loss target where its crossing was
    read, so its test error there is not the end-of-training error the claim is about.
    """
    if not converged:
        return "inconclusive", "SAM did not reach the training-loss target at its crossings"
    lo, hi = exponent_ci
    finite = math.isfinite(lo) and math.isfinite(hi)
    if any(math.isfinite(a) and a > 1 for a, _ in ratio_ci):
        return "fail", "SAM's critical signal strength is above SGD's"
    if finite and lo >= sgd_exponent:
        return "fail", f"SAM's exponent interval lies at or above SGD's {sgd_exponent}"
    below = all(math.isfinite(b) and b < 1 for _, b in ratio_ci)
    if finite and lo <= 0 <= hi and (hi - lo) / 2 <= max_half_width and below:
        return "pass", "exponent interval contains 0 and SAM's critical strength is below SGD's at every d"
    return "inconclusive", "interval too wide, censored, strictly between 0 and 1/4, or a ratio interval contains 1"


# -- checks ----------------------------------------------------------------------------------------
def _result(outcome: str, detail: str, data: dict[str, Any], an: ChenAnalysis, t0: float,
            cx: Counterexample | None = None) -> list[CheckResult]:
    return [CheckResult("experiment", outcome, detail, data=data, seed=an.seed, elapsed=time.perf_counter() - t0,
                        counterexample=cx if outcome == "fail" else None)]


@register_check("chen2023.sgd.threshold_scaling", methods=('experiment',))
def sgd_threshold_scaling(claim: Claim, reading: str, level: Level, seedseq: np.random.SeedSequence) -> list[CheckResult]:
    """SGD's fitted exponent of ``mu_c`` in ``d`` against the claimed 1/4."""
    t0 = time.perf_counter()
    an = analysis(level.name, _run_seed(seedseq))
    fit = an.fits["sgd"]
    outcome = exponent_outcome(fit.exponent_ci, 0.25)
    lo, hi = fit.exponent_ci
    detail = (f"SGD: mu_c(d) = {[round(v, 3) for v in fit.mu_c]} at d = {list(fit.d_values)}; exponent fitted on "
              f"d >= {an.d_min}: "
              f"{fit.exponent:.3f}, {CI_LEVEL:.0%} bootstrap interval [{lo:.3f}, {hi:.3f}] (claimed 0.25; "
              f"an interval of half-width above {MAX_HALF_WIDTH} would be inconclusive) -> {outcome}")
    allf = an.context_fits[f"sgd@{MARGIN}_all_d"]
    if allf["exponent"] is not None and None not in allf["exponent_ci"]:
        detail += (f" (context, not the verdict: including d < {an.d_min} the fit gives {allf['exponent']:.3f} "
                   f"[{allf['exponent_ci'][0]:.3f}, {allf['exponent_ci'][1]:.3f}])")
    data = {**an.common(), "sgd": fit.as_dict(), "claimed_exponent": 0.25,
            "context_exponents": {k: v for k, v in an.context_fits.items() if k.startswith("sgd")},
            "mean_error_sgd": an.mean_error_table("sgd")}
    cx = Counterexample({"d_range": [an.d_min, max(fit.d_values)], "n": an.setup.n, "P": an.setup.P,
                         "sigma_p": an.setup.sigma_p}, 0.25, _f(fit.exponent),
                        note=f"fitted exponent of SGD's critical ||mu|| in d; {CI_LEVEL:.0%} interval "
                             f"[{lo:.3f}, {hi:.3f}] excludes 1/4 over this range of d")
    return _result(outcome, detail, data, an, t0, cx)


@register_check("chen2023.sam.threshold", methods=('experiment',))
def sam_threshold(claim: Claim, reading: str, level: Level, seedseq: np.random.SeedSequence) -> list[CheckResult]:
    """SAM's exponent (claimed 0, up to logs) and its critical strength relative to SGD's, per d."""
    t0 = time.perf_counter()
    an = analysis(level.name, _run_seed(seedseq))
    fs, fg = an.fits["sam"], an.fits["sgd"]
    a = (1 - CI_LEVEL) / 2
    ratio = fs.boot_mu_c / fg.boot_mu_c  # same bootstrap size; independent resamples per algorithm
    fitted = [i for i, dv in enumerate(fs.d_values) if dv >= an.d_min]
    # the grid cell where SAM's mean error first reaches the threshold, per fitted d: converged there?
    mean_sam = an.noisy["sam"].mean(axis=1)
    conv_at = {}
    for i in fitted:
        hit = np.nonzero(mean_sam[i] <= an.threshold)[0]
        conv_at[int(fs.d_values[i])] = float(an.converged["sam"][i, hit[0]]) if len(hit) else None
    # a majority of seeds must have reached the loss target at every crossing
    converged = all(v is not None and v >= 0.5 for v in conv_at.values())
    ratio_ci = []
    for i in fitted:
        r = ratio[:, i]
        ok = np.isfinite(r)
        ratio_ci.append((float(np.quantile(r[ok], a)), float(np.quantile(r[ok], 1 - a)))
                        if ok.mean() >= 1 - a else (math.nan, math.nan))
    outcome, why = sam_threshold_outcome(fs.exponent_ci, ratio_ci, converged=converged)
    lo, hi = fs.exponent_ci
    detail = (f"SAM: mu_c(d) = {[round(v, 3) for v in fs.mu_c]} vs SGD {[round(v, 3) for v in fg.mu_c]} at "
              f"d = {list(fs.d_values)}; SAM exponent (d >= {an.d_min}) {fs.exponent:.3f} [{lo:.3f}, {hi:.3f}]; "
              f"ratio SAM/SGD intervals {[[round(x, 3), round(y, 3)] for x, y in ratio_ci]}; share of SAM seeds "
              f"at the loss target at the crossing {conv_at}; {why} -> {outcome}")
    if any(an.rises["sam"]):
        detail += (f"; SAM's mean error rises above the threshold again at large ||mu|| for d = "
                   f"{[d for d, r in zip(fs.d_values, an.rises['sam']) if r]}")
    data = {**an.common(), "sam": fs.as_dict(), "sgd": fg.as_dict(),
            "ratio_d": [int(fs.d_values[i]) for i in fitted],
            "ratio_ci": [[_f(x), _f(y)] for x, y in ratio_ci], "rises_after_crossing": an.rises,
            "sam_converged_at_crossing": {str(k): v for k, v in conv_at.items()},
            "context_exponents": an.context_fits, "mean_error_sam": an.mean_error_table("sam"),
            "mean_error_sgd": an.mean_error_table("sgd")}
    bad = [i for i, (x, _) in enumerate(ratio_ci) if math.isfinite(x) and x > 1]
    if bad:
        k = bad[0]
        i = fitted[k]
        cx = Counterexample({"d": fs.d_values[i], "n": an.setup.n, "P": an.setup.P}, "mu_c_SAM < mu_c_SGD",
                            {"mu_c_SAM": _f(fs.mu_c[i]), "mu_c_SGD": _f(fg.mu_c[i]), "ratio_ci": list(ratio_ci[k])},
                            note="SAM's critical signal strength is above SGD's")
    else:
        cx = Counterexample({"d_range": [an.d_min, max(fs.d_values)], "n": an.setup.n}, 0.0, _f(fs.exponent),
                            note=f"SAM exponent interval [{lo:.3f}, {hi:.3f}] lies at or above SGD's 1/4")
    return _result(outcome, detail, data, an, t0, cx)


@register_check("chen2023.sgd.harmful_as_quoted", methods=('experiment',))
def sgd_harmful_as_quoted(claim: Claim, reading: str, level: Level, seedseq: np.random.SeedSequence) -> list[CheckResult]:
    """The quoted direction: does SGD's test error stay away from the Bayes risk where n||mu||^4/(d P^4 sigma_p^4) is large?"""
    t0 = time.perf_counter()
    an = analysis(level.name, _run_seed(seedseq))
    s, g = an.setup, an.grid
    e = an.noisy["sgd"]  # [d, seed, mu]
    D, M = np.meshgrid(np.asarray(g.d_values, float), np.asarray(g.mu_values), indexing="ij")
    ratio = s.n * M**4 / (D * s.P**4 * s.sigma_p**4)
    regime = an.regime()
    rng = np.random.default_rng(_ss(an.seed, "chen2023.harmful"))
    # Bonferroni over the grid cells: every cell's interval holds together with probability >= 95%
    n_cells = ratio.size
    alpha_cell = (1 - CI_LEVEL) / n_cells
    mean, lo, hi = _chen.bootstrap_mean_ci(e, rng=rng, n_boot=N_BOOT, level=1 - alpha_cell, axis=1)
    # direction: rank correlation of the ratio with the mean error across cells, bootstrap over seeds
    idx = rng.integers(0, g.n_seeds, size=(1000, len(g.d_values), g.n_seeds))
    boot = np.take_along_axis(e[None], idx[..., None], axis=2).mean(axis=2)  # (1000, nd, nmu)
    rk = lambda x: np.argsort(np.argsort(x, axis=-1), axis=-1).astype(float)  # noqa: E731
    rr = rk(ratio.ravel())
    bc = rk(boot.reshape(1000, -1))
    rrc = rr - rr.mean()
    corr = ((bc - bc.mean(1, keepdims=True)) @ rrc) / (np.linalg.norm(bc - bc.mean(1, keepdims=True), axis=1)
                                                         * np.linalg.norm(rrc))
    point_corr = float(np.corrcoef(rr, rk(mean.ravel()))[0, 1])
    corr_ci = (float(np.quantile(corr, 0.025)), float(np.quantile(corr, 0.975)))
    benign = (hi < an.threshold) & regime  # the error interval lies below Bayes risk + margin
    harmful = lo >= an.threshold
    data = {**an.common(), "ratio": np.round(ratio, 6).tolist(), "mean_error_sgd": np.round(mean, 4).tolist(),
            "error_ci_low": np.round(lo, 4).tolist(), "error_ci_high": np.round(hi, 4).tolist(),
            "cell_ci_level": 1 - alpha_cell, "spearman_ratio_vs_error": point_corr, "spearman_ci": list(corr_ci),
            "in_regime": regime.tolist()}
    if benign.any() and corr_ci[1] < 0:
        i, j = np.unravel_index(np.argmax(np.where(benign, ratio, -np.inf)), ratio.shape)
        R = float(ratio[i, j])
        outcome = "fail"
        detail = (f"as quoted, a large n||mu||^4/(d P^4 sigma_p^4) should keep SGD's test error >= p + margin; "
                  f"measured: error falls with the ratio (Spearman {point_corr:.2f}, interval [{corr_ci[0]:.2f}, "
                  f"{corr_ci[1]:.2f}]) and at ratio {R:.3g} (d={g.d_values[i]}, ||mu||={g.mu_values[j]:.3g}) it is "
                  f"{mean[i, j]:.4f} [{lo[i, j]:.4f}, {hi[i, j]:.4f}] < {an.threshold:.3f}: refuted for every C3 <= {R:.3g}")
        cx = Counterexample({"d": int(g.d_values[i]), "mu_norm": float(g.mu_values[j]), "n": s.n, "P": s.P,
                             "sigma_p": s.sigma_p, "ratio": R, "C3_refuted_up_to": R},
                            f"test error >= {an.threshold:.3f} (Bayes risk {an.sweep.bayes} + margin {MARGIN})",
                            {"test_error": float(mean[i, j]), "ci": [float(lo[i, j]), float(hi[i, j])]},
                            note="the direction is reversed: SGD's test error approaches the Bayes risk as the ratio grows")
    elif corr_ci[0] > 0 and harmful[regime & (ratio >= np.quantile(ratio[regime], 0.75))].all():
        outcome, cx = "pass", None
        detail = f"SGD's error rises with the ratio (Spearman {point_corr:.2f}) and is harmful in the top quarter"
    else:
        outcome, cx = "inconclusive", None
        detail = f"no cell both benign with confidence and with a negative direction (Spearman {point_corr:.2f})"
    return _result(outcome, detail, data, an, t0, cx)


@register_check("chen2023.sam.noise_memorization", methods=('experiment',))
def sam_noise_memorization(claim: Claim, reading: str, level: Level, seedseq: np.random.SeedSequence) -> list[CheckResult]:
    """Early-training growth of noise and signal coefficients, SAM against SGD, paired by seed, at every cell."""
    t0 = time.perf_counter()
    an = analysis(level.name, _run_seed(seedseq))
    g = an.grid
    T = an.early_epoch()
    tr = an.sweep.traj
    dn = {a: tr[a]["noise"][..., T] - tr[a]["noise"][..., 0] for a in _chen.ALGS}  # [d, seed, mu]
    ds = tr["sam"]["signal"][..., T] - tr["sam"]["signal"][..., 0]
    regime = an.regime()
    n_cells = int(regime.sum())
    lvl = 1 - (1 - CI_LEVEL) / n_cells  # Bonferroni over the regime's cells: their intervals hold together at 95%
    rng = np.random.default_rng(_ss(an.seed, "chen2023.noise"))
    diff, dlo, dhi = _chen.bootstrap_mean_ci(dn["sam"] - dn["sgd"], rng=rng, n_boot=N_BOOT, level=lvl, axis=1)
    sig, slo, shi = _chen.bootstrap_mean_ci(ds, rng=rng, n_boot=N_BOOT, level=lvl, axis=1)
    ratio = dn["sam"].mean(axis=1) / dn["sgd"].mean(axis=1)
    data = {**an.common(), "early_epoch": T, "cell_ci_level": lvl, "in_regime": regime.tolist(),
            "noise_growth_sgd": np.round(dn["sgd"].mean(axis=1), 5).tolist(),
            "noise_growth_sam": np.round(dn["sam"].mean(axis=1), 5).tolist(),
            "noise_growth_ratio_sam_over_sgd": np.round(ratio, 4).tolist(),
            "noise_diff_ci": [np.round(dlo, 5).tolist(), np.round(dhi, 5).tolist()],
            "signal_growth_sam": np.round(sig, 6).tolist(),
            "signal_growth_sam_ci": [np.round(slo, 6).tolist(), np.round(shi, 6).tolist()],
            "signal_growth_sgd": np.round((tr["sgd"]["signal"][..., T] - tr["sgd"]["signal"][..., 0]).mean(axis=1),
                                          6).tolist()}
    worse = (dlo > 0) & regime
    stalled = (shi < 0) & regime
    data["cells_outside_regime_not_below"] = int(((dhi >= 0) & ~regime).sum())
    if worse.any() or stalled.any():
        i, j = np.argwhere(worse | stalled)[0]
        outcome = "fail"
        cx = Counterexample({"d": int(g.d_values[i]), "mu_norm": float(g.mu_values[j]), "epoch": T},
                            "noise growth SAM < SGD and signal growth SAM > 0",
                            {"noise_growth_sam": float(dn["sam"][i, :, j].mean()),
                             "noise_growth_sgd": float(dn["sgd"][i, :, j].mean()),
                             "signal_growth_sam": float(sig[i, j])},
                            note="interval of the paired difference excludes the claimed direction")
        detail = f"at d={g.d_values[i]}, ||mu||={g.mu_values[j]:.3g} the claimed direction is excluded"
    elif (dhi < 0)[regime].all() and (slo > 0)[regime].all():
        outcome, cx = "pass", None
        detail = (f"by epoch {T} (SGD's loss halved) SAM's noise coefficient grew {np.min(ratio[regime]):.2f}-"
                  f"{np.max(ratio[regime]):.2f}x SGD's growth, below it at all {n_cells} cells of the regime "
                  f"(Bonferroni {CI_LEVEL:.0%}), and SAM's signal coefficient grew at every one")
    else:
        outcome, cx = "inconclusive", None
        detail = (f"by epoch {T}: {int((dhi < 0)[regime].sum())}/{n_cells} regime cells with SAM's noise growth below "
                  f"SGD's and {int((slo > 0)[regime].sum())}/{n_cells} with SAM's signal growth > 0 at Bonferroni "
                  f"{CI_LEVEL:.0%}")
    return _result(outcome, detail, data, an, t0, cx)


# -- figures ---------------------------------------------------------------------------------------
def figures(out_dir: pathlib.Path, *, level: str, seed: int) -> list[pathlib.Path]:
    """Save the test-error heatmaps (with fitted boundaries) and the coefficient trajectories; return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    an = analysis(level, seed)
    g = an.grid
    d = np.asarray(g.d_values, float)
    mus = np.asarray(g.mu_values)
    paths = []

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True)
    for ax, alg in zip(axes, _chen.ALGS):
        mean = an.noisy[alg].mean(axis=1)
        im = ax.pcolormesh(mus, d, mean, shading="nearest", cmap="viridis", vmin=an.sweep.bayes, vmax=0.5)
        ax.set_xscale("log")
        ax.set_yscale("log")
        fit_d = d >= an.d_min
        for other, style in (("sgd", "w-"), ("sam", "r--")):
            f = an.fits[other]
            mc = np.asarray(f.mu_c)
            ok = np.isfinite(mc)
            ax.plot(mc[ok & fit_d], d[ok & fit_d], style[0] + "o", ms=4)
            ax.plot(mc[ok & ~fit_d], d[ok & ~fit_d], style[0] + "o", ms=5, mfc="none")  # context: not fitted
            use = ok & fit_d
            if math.isfinite(f.exponent) and use.sum() >= 2:
                c = np.exp(np.mean(np.log(mc[use])) - f.exponent * np.mean(np.log(d[use])))
                lo, hi = f.exponent_ci
                ax.plot(c * d[fit_d] ** f.exponent, d[fit_d], style, lw=1.5,
                        label=f"{other.upper()} boundary (fit d>={an.d_min}): mu_c ~ d^{f.exponent:.2f} "
                              f"[{lo:.2f}, {hi:.2f}]")
        sg = np.asarray(an.fits["sgd"].mu_c)
        k0 = int(np.argmax(fit_d & np.isfinite(sg))) if np.any(fit_d & np.isfinite(sg)) else None
        if k0 is not None:
            ax.plot(sg[k0] * (d[k0:] / d[k0]) ** 0.25, d[k0:], "w:", lw=1, label="claimed SGD slope 1/4")
        ax.plot(np.sqrt(an.setup.sigma_p**2 * d / an.setup.n), d, color="0.6", ls="-.", lw=1,
                label="regime edge d = n ||mu||^2 / sigma_p^2")
        ax.set_xlim(mus[0] / 1.2, mus[-1] * 1.2)
        ax.set_xlabel("signal strength ||mu||")
        ax.set_title(f"{alg.upper()}: test error (Bayes risk {an.sweep.bayes}), level {level}")
        ax.legend(fontsize=6, loc="upper left")
        fig.colorbar(im, ax=ax, label="test error")
    axes[0].set_ylabel("dimension d")
    fig.tight_layout()
    p1 = out_dir / "chen2023_test_error_heatmaps.png"
    fig.savefig(p1, dpi=120)
    plt.close(fig)
    paths.append(p1)

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    T = an.early_epoch()
    i = len(g.d_values) - 1
    j = int(np.argmin(np.abs(np.log(mus / np.nanmedian(an.fits["sgd"].mu_c)))))
    horizon = min(an.sweep.traj["sgd"]["noise"].shape[-1] - 1, 4 * max(T, 1))  # recorded epochs only
    ep = np.arange(horizon + 1)
    for alg, col in (("sgd", "C0"), ("sam", "C3")):
        tr = an.sweep.traj[alg]
        for name, ax in (("signal", axes[0]), ("noise", axes[1])):
            x = tr[name][i, :, j, : horizon + 1]
            x = x - x[:, :1]
            ax.plot(ep, x.mean(axis=0), color=col, label=f"{alg.upper()} (mean of {g.n_seeds} seeds)")
            ax.fill_between(ep, np.quantile(x, 0.1, axis=0), np.quantile(x, 0.9, axis=0), color=col, alpha=0.2)
    for ax, lab in ((axes[0], "signal growth mean_{j,r} j<w_{j,r}, mu> - init"),
                    (axes[1], "noise growth mean_i max_r <w_{y_i,r}, xi_i> - init")):
        ax.axvline(T, color="k", ls=":", lw=1, label=f"end of early training (epoch {T})")
        ax.set_xlabel("epoch")
        ax.set_ylabel(lab)
        ax.legend(fontsize=8)
    fig.suptitle(f"coefficient trajectories at d={g.d_values[i]}, ||mu||={mus[j]:.3g} (10-90% band over seeds)")
    fig.tight_layout()
    p2 = out_dir / "chen2023_coefficient_trajectories.png"
    fig.savefig(p2, dpi=120)
    plt.close(fig)
    paths.append(p2)
    return paths
