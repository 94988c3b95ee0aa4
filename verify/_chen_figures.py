"""Figures of the Chen et al. 2023 experiment: test-error heatmaps with the critical signal strengths, and
the early-training coefficient trajectories."""

from __future__ import annotations

import math
import pathlib

import numpy as np
import sympy as sp

from derivations import get_claim

from ._chen_analysis import ChenAnalysis, analysis, experiment_spec
from ._chen_boot import critical_signal, fit_slopes
from ._chen_measure import TEST_ERROR
from ._chen_sweep import ALGS

__all__ = ["figures", "FIGURE_CLAIM"]

#: The claim whose declared experiment the figures show (the four claims declare the same one).
FIGURE_CLAIM = "chen2023.sgd.threshold_scaling"


def figures(out_dir: pathlib.Path, *, level: str, seed: int) -> list[pathlib.Path]:
    """Save the test-error heatmaps (with fitted boundaries) and the coefficient trajectories; return the paths."""
    from matplotlib.figure import Figure  # no pyplot: library code leaves global state alone

    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    spec = experiment_spec(get_claim(FIGURE_CLAIM), level)
    an = analysis(spec, seed)
    constants = dict(spec.constants)
    thr = {TEST_ERROR[rel.lhs.func]: float(sp.sympify(rel.rhs).subs(constants)) for _, rel in spec.critical}
    inside = set(spec.window_d(spec.exponent_fit))  # the primary fit window
    fit = np.array([v in inside for v in an.grid.d_values])
    paths = [_heatmaps(Figure, an, thr, fit, out_dir, level), _trajectories(Figure, an, out_dir)]
    return paths


def _heatmaps(Figure, an: ChenAnalysis, thr: dict[str, float], fit: np.ndarray, out_dir: pathlib.Path,
              level: str) -> pathlib.Path:
    g = an.grid
    d = np.asarray(g.d_values, float)
    mus = np.asarray(g.mu_values)
    fig = Figure(figsize=(12, 4.8))

    axes = fig.subplots(1, 2, sharey=True)
    for ax, alg in zip(axes, ALGS):
        im = ax.pcolormesh(mus, d, an.curves[alg][0], shading="nearest", cmap="viridis", vmin=an.bayes, vmax=0.5)
        ax.set_xscale("log")
        ax.set_yscale("log")
        for other, style in (("sgd", "w-"), ("sam", "r--")):
            if other not in thr:
                continue
            mc = critical_signal(mus, an.curves[other][0], thr[other])
            ok = np.isfinite(mc)
            ax.plot(mc[ok & fit], d[ok & fit], style[0] + "o", ms=4)
            ax.plot(mc[ok & ~fit], d[ok & ~fit], style[0] + "o", ms=5, mfc="none")  # context: not fitted
            use = ok & fit
            if use.sum() >= 2:
                beta = float(fit_slopes(d[use], mc[use]))
                c = math.exp(np.mean(np.log(mc[use])) - beta * np.mean(np.log(d[use])))
                ax.plot(c * d[fit] ** beta, d[fit], style, lw=1.5,
                        label=f"{other.upper()} critical ||mu|| (fit on d in the claim's range): ~ d^{beta:.2f}")
        ax.plot(np.sqrt(an.setup.sigma_p**2 * d / an.setup.n), d, color="0.6", ls="-.", lw=1,
                label="regime edge d = n ||mu||^2 / sigma_p^2")
        ax.set_xlim(mus[0] / 1.2, mus[-1] * 1.2)
        ax.set_xlabel("signal strength ||mu||")
        ax.set_title(f"{alg.upper()}: test error (Bayes risk {an.bayes}), level {level}")
        ax.legend(fontsize=6, loc="upper left")
        fig.colorbar(im, ax=ax, label="test error")
    axes[0].set_ylabel("dimension d")
    fig.tight_layout()
    path = out_dir / "chen2023_test_error_heatmaps.png"
    fig.savefig(path, dpi=120)
    return path


def _trajectories(Figure, an: ChenAnalysis, out_dir: pathlib.Path) -> pathlib.Path:
    g = an.grid
    mus = np.asarray(g.mu_values)
    fig = Figure(figsize=(12, 4.5))

    axes = fig.subplots(1, 2)
    T = an.early_epoch
    i = len(g.d_values) - 1
    j = len(mus) // 2
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
        ax.axvline(T, color="k", ls=":", lw=1, label=f"end of early training T_1 (epoch {T})")
        ax.set_xlabel("epoch")
        ax.set_ylabel(lab)
        ax.legend(fontsize=8)
    fig.suptitle(f"coefficient trajectories at d={g.d_values[i]}, ||mu||={mus[j]:.3g} (10-90% band over seeds)")
    fig.tight_layout()
    path = out_dir / "chen2023_coefficient_trajectories.png"
    fig.savefig(path, dpi=120)
    return path
