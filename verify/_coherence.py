"""Numerics of docs/catalogue.md, one flat face over the small modules that hold them.

- :mod:`verify._coh_families` — families of per-sample Hessians, ``S`` and ``sigma``;
- :mod:`verify._coh_operators` — exact (rational) and diagonal closed-form second-moment operators;
- :mod:`verify._coh_descent` — Nelder–Mead over families;
- :mod:`verify._coh_relu` — two-layer ReLU networks and their Gauss–Newton Hessians;
- :mod:`verify._coh_table1` and :mod:`verify._coh_phase` — Table 1's training run, Figure 1's diagram.

Nothing here evaluates a paper's printed formula: the checks read those from the claims.
"""

from __future__ import annotations

from ._coh_descent import adversarial_family_search, nelder_mead
from ._coh_families import (
    Coherence,
    coherence,
    coherence_matrix,
    family_from_params,
    identical_family,
    is_diagonal,
    orthogonal_rank_one_family,
    phase_family,
    random_family,
    validate_family,
)
from ._coh_operators import (
    diagonal_eta_star,
    diagonal_radius,
    diagonal_rates,
    diagonal_rates_exact,
    exact_operator,
    exact_radius,
    noise_rate,
)
from ._coh_phase import PhaseDiagram, phase_cell_coherence, phase_diagram_exact, phase_diagram_montecarlo
from ._coh_relu import (
    ReluNet,
    cr_solution,
    hypercube_sample,
    interpolating_solution,
    memorizing_solution,
    relu_coherence_matrix,
    relu_memorizing,
    relu_per_sample_gradients,
)
from ._coh_table1 import Table1, train_table1

__all__ = [
    "validate_family", "coherence_matrix", "coherence", "Coherence", "random_family", "orthogonal_rank_one_family",
    "identical_family", "phase_family", "family_from_params", "is_diagonal",
    "exact_operator", "exact_radius", "diagonal_radius", "diagonal_eta_star", "diagonal_rates", "diagonal_rates_exact",
    "noise_rate", "nelder_mead", "adversarial_family_search",
    "ReluNet", "relu_per_sample_gradients", "relu_memorizing", "relu_coherence_matrix", "memorizing_solution",
    "interpolating_solution", "cr_solution", "hypercube_sample",
    "Table1", "train_table1", "PhaseDiagram", "phase_diagram_exact", "phase_diagram_montecarlo", "phase_cell_coherence",
]
