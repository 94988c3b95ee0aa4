"""Chen et al. 2023 (arXiv 2310.07269): the experiment's numerics, re-exported from their modules.

* :mod:`verify._chen_model`: the data model, the network, SGD / SAM (explicit and reduced Gram form);
* :mod:`verify._chen_sweep`: the ``(||mu||, d)`` sweep over replicates;
* :mod:`verify._chen_boot`: critical signal strengths, exponent fits, the seed bootstrap;
* :mod:`verify._chen_analysis`: the experiment a claim declares, cached per (sizes, seed).
"""

from __future__ import annotations

from ._chen_analysis import ChenAnalysis, ExperimentSpec, analysis, experiment_spec
from ._chen_boot import (
    CriticalFit,
    bootstrap_mean_ci,
    bootstrap_weights,
    critical_signal,
    crossing_index,
    fit_critical,
    fit_slopes,
    rises_after,
    seed_means,
)
from ._chen_model import (
    ChenSetup,
    GramSample,
    TrainResult,
    bayes_risk,
    gram_from_explicit,
    loss_and_gradient,
    network_output,
    noisy_error,
    sample_data,
    sample_gram,
    train_explicit,
    train_reduced,
)
from ._chen_sweep import ALGS, Sweep, SweepGrid, run_sweep

__all__ = [
    "ALGS", "ChenAnalysis", "ChenSetup", "CriticalFit", "ExperimentSpec", "GramSample", "Sweep", "SweepGrid",
    "TrainResult", "analysis", "bayes_risk", "bootstrap_mean_ci", "bootstrap_weights", "critical_signal",
    "crossing_index", "experiment_spec", "fit_critical", "fit_slopes", "gram_from_explicit", "loss_and_gradient",
    "network_output", "noisy_error", "rises_after", "run_sweep", "sample_data", "sample_gram", "seed_means",
    "train_explicit", "train_reduced",
]
