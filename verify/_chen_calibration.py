"""Chen et al. 2023: calibration families (``samverify calibrate``) on synthetic sweeps with known answers.

The real sweep has no exact value to compare with; a synthetic sweep on the claim's declared grid
(:mod:`verify._chen_synthetic`: sigmoid error curves around a chosen ``mu_c(d)``, linear coefficient
growth, Gaussian seed noise) does. Each family draws what the check draws from such a sweep — the seed
bootstrap of :class:`~verify._chen_analysis.ChenAnalysis` and its estimate and bootstrap standard
error of one quantity — and ``exact`` is the synthetic model's value of that quantity:

* ``chen2023.sgd.threshold_scaling``: SGD's fitted exponent in the primary window, ``mu_c ∝ d^(1/4)``;
* ``chen2023.sam.threshold``: SAM's fitted exponent, ``mu_c^SAM ∝ d^(1/8)`` (non-zero: a relative
  effect needs a non-zero exact value);
* ``chen2023.sgd.harmful_as_quoted``: SGD's seed-mean test error at one cell;
* ``chen2023.sam.noise_memorization``: SGD's minus SAM's noise growth at one epoch.

The standard error each family returns is the one the check's test uses (the bootstrap's, corrected
for its plug-in bias) put on :func:`verify._stats.compare`'s normal scale: times ``t / z`` at the
family's alpha, so that compare's normal test is the check's Student-t test with ``n_seeds - 1`` df
(:mod:`verify._chen_logic`). Exponent families state the exponent resolution as their effect
(relative to the exact value); their ``bias_bound`` is the fit's interpolation bias, measured on the
noiseless synthetic sweep (grid-dependent, deterministic), doubled for the curvature bias the seed
noise adds (300 noisy draws at fast put the mean within 0.0011 of the exact exponent, inside it).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import sympy as sp

from derivations import chen2023 as ch
from derivations import get_claim

from ._calibrate import SamplingFamily, register_family
from ._chen_analysis import ChenAnalysis, ExperimentSpec, experiment_spec
from ._chen_boot import fit_slopes
from ._chen_synthetic import PowerLaw, synthetic_sweep
from ._engine import Level

__all__ = ["SEED_NOISE", "EXPONENT_SEED_NOISE", "exponent_sample"]

#: Seed-to-seed standard deviation of a cell's test error in the synthetic sweeps: 0.03, what the real
#: fast sweep shows in the steep part of its error curves (0.02 - 0.05 at seed 0).
SEED_NOISE = 0.03
#: The same for the exponent families: 0.012 gives the fitted SGD exponent the bootstrap SE the real fast
#: sweep shows (0.009 at seed 0; the synthetic sigmoids cross the threshold less steeply than the real
#: curves, so matching the per-cell noise would overstate the exponent's).
EXPONENT_SEED_NOISE = 0.012
#: The standard error that makes compare() undecided (p-value 1, power 0): a fit the check cannot make
#: (a crossing off the grid), which compare's finite inputs cannot express otherwise.
UNDECIDED_SE = 1e300
#: Synthetic coefficient growth rates (per epoch): SGD's noise grows faster than SAM's.
NOISE_RATE = {"sgd": 0.1, "sam": 0.03}
#: Seed noise of a coefficient per epoch, in units of its rate: 0.15 gives SGD's minus SAM's noise growth
#: at epoch 10 a seed-to-seed spread of 3% of its mean, within the 1-5% the real fast sweep shows.
COEFFICIENT_NOISE = 0.15


def _as_checked(se_boot: float, n_seeds: int, level: Level) -> float:
    """The check's standard error on compare's normal scale at the family's alpha (module doc)."""
    from scipy.stats import norm, t

    a = level.montecarlo_alpha / 2
    return se_boot * math.sqrt(n_seeds / (n_seeds - 1)) * float(t.isf(a, n_seeds - 1) / norm.isf(a))


def _threshold(spec: ExperimentSpec, F: object) -> float:
    rel = dict(spec.critical)[F]
    return float(sp.sympify(rel.rhs).subs(dict(spec.constants)))


def _analysis(spec: ExperimentSpec, rng: np.random.Generator, mu_c: dict[str, PowerLaw], noise: float) -> ChenAnalysis:
    sweep = synthetic_sweep(spec, mu_c=mu_c, rng=rng, seed_noise=noise, noise_rate=dict(NOISE_RATE),
                            coefficient_noise=COEFFICIENT_NOISE)
    return ChenAnalysis(sweep, n_boot=spec.n_boot, rng=rng)


def exponent_sample(spec: ExperimentSpec, alg: str, mu_c: dict[str, PowerLaw], noise: float,
                    rng: np.random.Generator, level: Level) -> tuple[float, float]:
    """A synthetic sweep's fitted exponent of ``alg``'s ``mu_c`` in the primary window and its bootstrap SE."""
    an = _analysis(spec, rng, mu_c, noise)
    F = ch.mu_c if alg == "sgd" else ch.mu_c_sam
    mc, _ = an.critical(alg, _threshold(spec, F))
    inside = set(spec.window_d(spec.exponent_fit))
    use = np.array([d in inside for d in spec.grid.d_values])
    beta = fit_slopes(np.asarray(spec.grid.d_values)[use], mc[:, use])
    if not np.isfinite(beta[0]) or np.isfinite(beta[1:]).mean() < 1 - level.montecarlo_alpha:
        # a crossing off the grid leaves the check undecided: neither a refutation nor a detection
        return float(beta[0]) if np.isfinite(beta[0]) else 0.0, UNDECIDED_SE
    return float(beta[0]), _as_checked(float(np.nanstd(beta[1:], ddof=1)), spec.grid.n_seeds, level)


def _cell_sample(spec: ExperimentSpec, mu_c: dict[str, PowerLaw], cell: tuple[int, int],
                 rng: np.random.Generator, level: Level) -> tuple[float, float]:
    an = _analysis(spec, rng, mu_c, SEED_NOISE)
    x = an.curves["sgd"][:, cell[0], cell[1]]
    return float(x[0]), _as_checked(float(np.std(x[1:], ddof=1)), spec.grid.n_seeds, level)


def _growth_sample(spec: ExperimentSpec, mu_c: dict[str, PowerLaw], epoch: int,
                   rng: np.random.Generator, level: Level) -> tuple[float, float]:
    an = _analysis(spec, rng, mu_c, SEED_NOISE)
    diff = (an.trajectory("sgd", "noise", epoch) - an.trajectory("sam", "noise", epoch))[:, 0, 0]
    return float(diff[0]), _as_checked(float(np.std(diff[1:], ddof=1)), spec.grid.n_seeds, level)


def _spec(cid: str, level: Level) -> ExperimentSpec:
    return experiment_spec(get_claim(cid), level.name)


def _exponent_family(cid: str, alg: str, beta: float, reading: str, level: Level) -> SamplingFamily:
    spec = _spec(cid, level)
    other = "sam" if alg == "sgd" else "sgd"
    mu_c = {alg: PowerLaw(1.5, beta), other: PowerLaw(1.2, 0.0)}  # crossings well inside the declared grids
    noiseless, _ = exponent_sample(spec, alg, mu_c, 0.0, np.random.default_rng(0), level)  # no noise: seed unused
    res = dict(spec.resolution).get("exponent", 0.1)
    return SamplingFamily(cid, reading, f"{alg.upper()} exponent of mu_c, synthetic mu_c ∝ d^{beta:g} "
                                        f"(window {spec.windows[0][0]})", exact=beta,
                          sample=partial(exponent_sample, spec, alg, mu_c, EXPONENT_SEED_NOISE),
                          effect_size=res / beta, bias_bound=2 * abs(noiseless - beta))


@register_family("chen2023.sgd.threshold_scaling")
def _sgd_exponent(reading: str, level: Level) -> list[SamplingFamily]:
    return [_exponent_family("chen2023.sgd.threshold_scaling", "sgd", 0.25, reading, level)]


@register_family("chen2023.sam.threshold")
def _sam_exponent(reading: str, level: Level) -> list[SamplingFamily]:
    return [_exponent_family("chen2023.sam.threshold", "sam", 0.125, reading, level)]


@register_family("chen2023.sgd.harmful_as_quoted")
def _sgd_error(reading: str, level: Level) -> list[SamplingFamily]:
    cid = "chen2023.sgd.harmful_as_quoted"
    spec = _spec(cid, level)
    mu_c = {"sgd": PowerLaw(2.0, 0.25), "sam": PowerLaw(1.2, 0.0)}
    i = len(spec.grid.d_values) // 2
    d, mus = spec.grid.d_values[i], np.asarray(spec.grid.mu_values)
    j = int(np.argmin(np.abs(np.log(mus / mu_c["sgd"](np.array([d]))[0]))))  # the steepest cell of the curve
    p = spec.setup.label_noise
    exact = p + (0.5 - p) / (1 + (mus[j] / mu_c["sgd"](np.array([d]))[0]) ** 3)
    return [SamplingFamily(cid, reading, f"SGD seed-mean test error at d={d}, ||mu||={mus[j]:.3g} (synthetic)",
                           exact=float(exact), sample=partial(_cell_sample, spec, mu_c, (i, j)),
                           effect_size=level.effect_size)]


@register_family("chen2023.sam.noise_memorization")
def _noise_growth(reading: str, level: Level) -> list[SamplingFamily]:
    cid = "chen2023.sam.noise_memorization"
    spec = _spec(cid, level)
    mu_c = {"sgd": PowerLaw(2.0, 0.25), "sam": PowerLaw(1.2, 0.0)}
    epoch = 10  # the synthetic SGD loss halves near epoch 10: early training
    exact = (NOISE_RATE["sgd"] - NOISE_RATE["sam"]) * epoch
    return [SamplingFamily(cid, reading, f"SGD minus SAM noise growth at epoch {epoch} (synthetic)", exact=exact,
                           sample=partial(_growth_sample, spec, mu_c, epoch), effect_size=level.effect_size)]
