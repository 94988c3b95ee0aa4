"""Figures of the Kim et al. toy experiments: trajectories on x^2 - y^2 and on Beale's function."""

from __future__ import annotations

import numpy as np
import sympy as sp

from ._kim_experiments import BEALE_MINIMUM, BEALE_SADDLE, BealeResults, QuadraticSaddleResults, _beale_expr, _x, _y

__all__ = ["plot_quadratic_saddle", "plot_beale_trajectories"]


def plot_quadratic_saddle(results: QuadraticSaddleResults, path: str) -> None:
    """Save a figure of the GD and SAM trajectories on ``x^2 - y^2`` (saddle marked) to ``path``."""
    from matplotlib.figure import Figure  # no pyplot: library code leaves global state alone

    fig = Figure(figsize=(11, 4.5))

    ax, ax2 = fig.subplots(1, 2)
    for name, run in results.runs.items():
        label = name if name == "gd" else f"{name} SAM, rho={run.rho:g}: {run.classification}"
        ax.plot(run.path[:, 0], run.path[:, 1], label=label, lw=1.2)
        ax2.semilogy(np.hypot(run.path[:, 0], run.path[:, 1]), label=name)
    ax.plot([0], [0], "kx", ms=10, label="saddle (0, 0)")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"f = x^2 - y^2, lr={results.lr:g}, {results.n_steps} steps")
    ax.set_ylim(-1, 1)  # GD leaves along y; the SAM runs stay within this band
    ax.legend(fontsize=7)
    ax2.set_xlabel("step")
    ax2.set_ylabel("distance to saddle")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def plot_beale_trajectories(results: BealeResults, path: str) -> None:
    """Save a figure of the Beale runs over the loss contours (saddle and minimum marked) to ``path``."""
    from matplotlib.figure import Figure  # no pyplot: library code leaves global state alone

    f = sp.lambdify((_x, _y), _beale_expr(), "numpy")
    xs, ys = np.meshgrid(np.linspace(-1.0, 4.0, 300), np.linspace(-0.5, 2.5, 300))
    fig = Figure(figsize=(12, 5))
    ax, ax2 = fig.subplots(1, 2)
    ax.contour(xs, ys, np.log1p(f(xs, ys)), levels=30, cmap="Greys", linewidths=0.5)
    for name, run in results.runs.items():
        p = run.path[np.all(np.isfinite(run.path), axis=1)]
        p = p[np.all(np.abs(p) < 10, axis=1)]
        ax.plot(p[:, 0], p[:, 1], lw=1.0, label=f"{name}: {run.classification}")
        d = np.hypot(run.path[:, 0] - BEALE_SADDLE[0], run.path[:, 1] - BEALE_SADDLE[1])
        ok = np.isfinite(d) & (d < 1e6) & (d > 0)  # diverged runs leave after a step or two; keep the axis finite
        ax2.semilogy((np.arange(len(d)) * run.stride)[ok], d[ok], label=name)
    ax.plot(*BEALE_SADDLE, "rx", ms=10, label="saddle (0, 1)")
    ax.plot(*BEALE_MINIMUM, "g*", ms=12, label="minimum (3, 0.5)")
    ax.set_xlim(-1, 4)
    ax.set_ylim(-0.5, 2.5)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"Beale, lr={results.lr:g}, {results.n_steps} steps")
    ax.legend(fontsize=6)
    ax2.set_xlabel("step")
    ax2.set_ylabel("distance to saddle (0, 1)")
    ax2.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
