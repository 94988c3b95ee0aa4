"""Figures for Kim et al. 2023 (written by ``samverify run``): Beale trajectories, Theorem 2 and Theorem 3."""

from __future__ import annotations

import dataclasses
import pathlib
from fractions import Fraction

import numpy as np
import sympy as sp

__all__ = ["figures", "THM2_POINT", "THM3_POINT"]

#: Theorem 2 figure: an escape direction with rho below the threshold 1/|lambda| and an SDE-like eta.
THM2_POINT = {"lambda_j": -1.0, "rho": 0.3, "eta": 0.1, "B": 4}
#: Theorem 3 figure: t = eta k = 0.5 with eta = 1/20 (k = 10), gamma from 0 to 0.95.
THM3_POINT = {"lambda_j": Fraction(-1), "rho": Fraction(3, 10), "eta": Fraction(1, 20), "B": 4, "k": 10}
#: Monte Carlo paths per time for the Theorem 2 figure: standard errors ~ sigma^2 sqrt(2/n), i.e. ~2 %
#: at the fast level (4000 paths) and ~0.5 % at the full level; exact transitions, so no bias.
MC_PATHS = {"fast": 4_000, "full": 64_000}


def _beale_figures(out_dir: pathlib.Path, level: str) -> list[pathlib.Path]:
    from derivations import get_claim

    from ._kim_exp_checks import _beale_setting, beale_results
    from ._kim_plots import plot_beale_trajectories

    res = beale_results(level, *_beale_setting(get_claim("kim2023.exp.beale")))
    paths = []
    for reading in ("plain", "normalised"):
        runs = {k: v for k, v in res.runs.items() if k == "gd" or k.startswith(reading + " ")}
        sub = dataclasses.replace(res, runs=runs)
        p = out_dir / f"kim2023_beale_{reading}.png"
        plot_beale_trajectories(sub, str(p))
        paths.append(p)
    return paths


def _thm2_figure(out_dir: pathlib.Path, level: str, seed: int) -> pathlib.Path:
    from matplotlib.figure import Figure  # no pyplot: library code leaves global state alone

    from derivations import get_claim
    from derivations._symbols import B, eta, lambda_j, rho, t

    from ._checks_kim2023 import sde_coefficients
    from ._sim import simulate_linear_sde
    from ._stats import mean_estimate

    claim = get_claim("kim2023.thm2")
    lam, r, e, b = (THM2_POINT[x] for x in ("lambda_j", "rho", "eta", "B"))
    point = {lambda_j: lam, rho: r, eta: e, B: b}
    ts = np.linspace(0.0, 2.0, 81)
    fig = Figure(figsize=(7.5, 5))

    ax = fig.subplots()
    printed = sp.lambdify(t, claim.statement.rhs.subs(point), "numpy")  # the printed side, read from the claim
    ax.plot(ts, printed(ts), "k-", lw=2.5, label="printed Theorem 2")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2301]))
    t_mc = np.array([0.25, 0.5, 1.0, 1.5, 2.0])
    for i, reading in enumerate(claim.reading_names):
        (lam_fn,) = claim.derivation(reading).bindings.values()
        f = sp.lambdify(t, lam_fn(t, r, b).subs(point), "numpy")
        line, = ax.plot(ts, np.broadcast_to(f(ts), ts.shape), lw=1.3, ls="--", label=f"{reading} (derived)")
        a, q = sde_coefficients(claim, reading, point)
        paths = simulate_linear_sde(np.array([[a]]), np.array([[q / e]]), eta=e, x0=np.zeros(1), times=t_mc,
                                    n_paths=MC_PATHS.get(level, MC_PATHS["fast"]), rng=rng)[:, :, 0]
        est, se = mean_estimate(paths * paths, axis=1)
        ax.errorbar(t_mc + 0.02 * (i - 1.5), est, yerr=1.96 * np.asarray(se), fmt="o", ms=4, color=line.get_color(),
                    capsize=3, label=f"{reading} Monte Carlo (95 % CI)")
    ax.set_xlabel("SDE time t = eta k (eta = %g: k = t / eta steps)" % e)
    ax.set_ylabel("variance sigma_j^2(t) along the escape direction")
    ax.set_title(f"Theorem 2: lambda_j = {lam:g}, rho = {r:g}, eta = {e:g}, B = {b}")
    ax.legend(fontsize=7)
    fig.tight_layout()
    p = out_dir / "kim2023_thm2_variance.png"
    fig.savefig(p, dpi=120)
    return p


def _thm3_figure(out_dir: pathlib.Path) -> pathlib.Path:
    from matplotlib.figure import Figure  # no pyplot: library code leaves global state alone

    from derivations import get_claim
    from derivations._symbols import B, eta, gamma, lambda_j, rho
    from derivations.kim2023_ext import k

    from ._kim_thm3_model import model_delta

    claim = get_claim("kim2023.thm3")
    lam, r, e, b, kk = (THM3_POINT[x] for x in ("lambda_j", "rho", "eta", "B", "k"))
    gammas = [Fraction(i, 40) for i in range(39)]
    printed = claim.statement.rhs.subs({lambda_j: lam, rho: r, eta: e, B: b, k: kk})  # the printed side, from the claim
    fig = Figure(figsize=(7.5, 5))

    ax = fig.subplots()
    g = [float(x) for x in gammas]
    ax.semilogy(g, [float(sp.N(printed.subs(gamma, sp.Rational(x.numerator, x.denominator)), 30)) for x in gammas], "k-",
                lw=2.5, label="printed Theorem 3")
    styles = {"plain": "o-", "same_batch": "s-", "overdamped": "--", "overdamped_composed": ":"}
    for reading in claim.reading_names:
        vals = [float(model_delta(claim, reading, lam, e, kk, x, r, b)) for x in gammas]
        kind = claim.derivation(reading).model["kind"]
        ax.semilogy(g, vals, styles.get(reading, "-"), ms=3, lw=1.2,
                    label=f"{reading} ({'exact discrete' if kind == 'discrete' else 'continuous limit'})")
    ax.set_xlabel("momentum gamma")
    ax.set_ylabel("Delta_SAM = E (w - d)^2")
    ax.set_title(f"Theorem 3 at t = eta k = {float(e * kk):g} (eta = {float(e):g}, k = {kk}), lambda = {float(lam):g}, "
                 f"rho = {float(r):g}, B = {b}")
    ax.legend(fontsize=7)
    fig.tight_layout()
    p = out_dir / "kim2023_thm3_gamma.png"
    fig.savefig(p, dpi=120)
    return p


def figures(out_dir: pathlib.Path, *, level: str, seed: int) -> list[pathlib.Path]:
    """Write the Kim et al. figures into ``out_dir`` and return their paths.

    Beale trajectories of GD and SAM per reading (saddle and minimum marked); Theorem 2's variance
    against t (printed, each reading's derived variance, Monte Carlo with 95 % error bars); Theorem 3's
    Delta against gamma (printed, read from the claim, against each reading's model).
    """
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [*_beale_figures(out_dir, level), _thm2_figure(out_dir, level, seed), _thm3_figure(out_dir)]
