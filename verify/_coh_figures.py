"""Figures and benchmark entries for docs/catalogue.md: Table 1's bar chart and Figure 1's phase diagrams.

The lines drawn are the claims' own hypotheses evaluated on the grid (Theorem 3.2's for SAM, Dexter's
Theorem 1 for SGD and random perturbation), never a formula typed here.
"""

from __future__ import annotations

import pathlib
import time

import numpy as np

from derivations import get_claim

from ._coh_checks_experiments import _arrays, phase_diagram, phase_diagram_montecarlo
from ._coh_checks_table1 import table1_run
from ._coh_grid import grid_truth
from ._moments import spectral_radius
from ._coh_families import phase_family

__all__ = ["figures", "bench_entries"]


def _table1_figure(out_dir: pathlib.Path, level: str, seed: int) -> pathlib.Path:
    from matplotlib.figure import Figure  # no pyplot: library code leaves global state alone

    spec = get_claim("chang2025.exp.table1").extras["witnesses"]
    lv = 0 if level == "fast" else 1
    tab = table1_run(tuple(float(x) for x in spec["rho"]), spec["seeds"][lv], spec["steps"][lv], int(seed))
    summ = tab.summary()
    fig = Figure(figsize=(12, 3.6))

    axes = fig.subplots(1, 3)
    for ax, q, label in zip(axes, ("sigma", "lambda_max_H", "trace_H"), (r"coherence $\sigma$", r"$\lambda_{max}(H)$", r"Tr $H$")):
        xs = np.arange(len(tab.optimizers))
        ax.bar(xs, [summ[o][q]["mean"] for o in tab.optimizers], yerr=[summ[o][q]["std"] for o in tab.optimizers],
               capsize=4, color=["tab:gray"] + ["tab:blue"] * (len(xs) - 1), label="mean ± sd over seeds")
        for i, o in enumerate(tab.optimizers):
            ax.plot(np.full(len(tab.metrics[o][q]), i), tab.metrics[o][q], "k.", ms=4, label="seeds" if i == 0 else None)
        ax.set_xticks(xs, [o.upper() if o == "sgd" else o.replace("sam_rho=", "SAM ρ=") for o in tab.optimizers], fontsize=8)
        ax.set_xlabel("optimiser")
        ax.set_ylabel(label)
        ax.legend(fontsize=7)
    fig.suptitle(f"Table 1 re-run: two-layer ReLU, d=15, h=10, n=50 ({tab.settings['n_seeds']} seeds, "
                 f"{tab.settings['n_steps']} steps)")
    fig.tight_layout()
    p = out_dir / "chang2025_table1.png"
    fig.savefig(p, dpi=120)
    return p


def _phase_figure(out_dir: pathlib.Path, level: str, seed: int) -> pathlib.Path:
    from matplotlib.figure import Figure  # no pyplot: library code leaves global state alone

    claim = get_claim("chang2025.exp.phase_diagram")
    spec = claim.extras["witnesses"]
    fig = Figure(figsize=(14, 4.2))

    axes = fig.subplots(1, 3, sharey=True)
    for ax, batch in zip(axes, ("bernoulli", "with_replacement", "without_replacement")):
        pd = phase_diagram(claim, batch)
        Bv, Sv = np.meshgrid(pd.B_grid, pd.sigma_grid)
        ax.contourf(Bv, Sv, (pd.radius["sgd"] >= 1).astype(float) + (pd.radius["sam"] >= 1), levels=[-0.5, 0.5, 1.5, 2.5],
                    colors=["white", "#f4c7a1", "#d9534f"], alpha=0.8)
        ax.contour(Bv, Sv, pd.radius["sgd"], levels=[1.0], colors="k", linewidths=1.2)
        ax.contour(Bv, Sv, pd.radius["sam"], levels=[1.0], colors="tab:red", linewidths=1.2)
        shape = pd.radius["sam"].shape
        arrays = _arrays(claim, pd)
        for cid, col, label in (("dexter2024.thm1", "k", "Dexter / Thm 3.1 hypothesis (SGD, RP)"),
                                ("chang2025.exp.phase_diagram", "tab:red", "Thm 3.2 hypothesis (SAM)")):
            h = grid_truth(get_claim(cid).statement_for(batch).hypothesis, arrays, {}, shape)
            ax.contour(Bv, Sv, (h == 1).astype(float), levels=[0.5], colors=col, linestyles="--", linewidths=1.0)
            ax.plot([], [], color=col, ls="--", label=label)
        ax.plot([], [], "k-", label="exact boundary SGD = RP")
        ax.plot([], [], color="tab:red", ls="-", label="exact boundary SAM")
        if level == "full":
            g = spec.grid
            sub = phase_diagram(claim, batch, B_grid=g["mc_B"][1], sigma_grid=g["mc_sigma"][1])
            pdm = phase_diagram_montecarlo(sub, rng=np.random.default_rng(int(seed)), n_runs=g["runs"], n_steps=g["steps"],
                                           growth=float(g["growth"]), perturbation_std=float(spec.s))
            Bm, Sm = np.meshgrid(pdm.B_grid, pdm.sigma_grid)
            for a, mk, col in (("sgd", "o", "k"), ("sam", "x", "tab:red")):
                sel = pdm.empirical[a]
                ax.scatter(Bm[sel], Sm[sel], marker=mk, s=14, c=col, label=f"MC diverged ({a.upper()})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("batch size B")
        ax.set_title(f"{batch} (n = {pd.n}, η = {pd.eta}, ρ/α = {pd.c})", fontsize=9)
        ax.legend(fontsize=6, loc="upper right")
    axes[0].set_ylabel(r"coherence $\sigma$")
    fig.tight_layout()
    p = out_dir / "chang2025_phase_diagram.png"
    fig.savefig(p, dpi=120)
    return p


def figures(out_dir: pathlib.Path, *, level: str, seed: int) -> list[pathlib.Path]:
    """Write Table 1's bar chart and Figure 1's phase diagrams (one panel per batch model); return the paths."""
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [_table1_figure(out_dir, level, seed), _phase_figure(out_dir, level, seed)]


def bench_entries(*, quick: bool) -> list[dict]:
    """Benchmark entries for ``samverify bench``: the full (B, sigma) phase diagram at n = 100 by exact operators."""
    claim = get_claim("chang2025.exp.phase_diagram")
    t = time.perf_counter()
    cells = 0
    for batch in ("bernoulli", "with_replacement", "without_replacement"):
        cells += phase_diagram(claim, batch).radius["sgd"].size
    el = time.perf_counter() - t
    out = [{"name": "phase_diagram_exact_n100_seconds", "value": el, "unit": "s", "baseline": 60.0, "ratio": el / 60.0,
            "cells": cells, "batch_models": 3, "algorithms": ["sgd", "random_perturbation", "sam"]}]
    if not quick:
        # the generic operator on one cell (d = 100 - sigma + 1) for scale: the diagonal closed form avoids d^2 x d^2
        H = phase_family(100, 90)
        t = time.perf_counter()
        spectral_radius(H, B=10, batch="bernoulli", eta=float(claim.extras["witnesses"].eta_abs[0]))
        g = time.perf_counter() - t
        out.append({"name": "phase_diagram_generic_operator_one_cell_d11_seconds", "value": g, "unit": "s",
                    "baseline": None, "ratio": None})
    return out
