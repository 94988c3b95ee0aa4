"""The checkers of docs/catalogue.md (Dexter et al. 2024, Chang & Khanna 2025): importing this module registers them.

Every checker reads the printed side from the claim it is given (its statement, bound by the
reading) and the witnesses from the claim's declared witness space; the modules below hold:

- :mod:`verify._coh_checks_search` — the claims decided by the generic witness search
  (:mod:`verify._coh_search`): thresholds, random perturbation, eq. (30), eq. (49), ``sigma in [1, n]``;
- :mod:`verify._coh_checks_formulas` — the identity of ``S``, the base case of Theorem 3.2, the (C, r) trace;
- :mod:`verify._coh_checks_relu` — Theorem 3.4 on two-layer ReLU networks;
- :mod:`verify._coh_theorem35` — Theorem 3.5 by Monte Carlo (one sampling family, with its calibration);
- :mod:`verify._coh_checks_table1` — Table 1 (paired t-tests, one sampling family, with its calibration);
- :mod:`verify._coh_checks_experiments` — Figure 1 (exact and the paper's Monte Carlo protocol);
- :mod:`verify._coh_figures` — the figures and the benchmark entry (re-exported here).
"""

from __future__ import annotations

from . import (  # noqa: F401  (importing registers the checks)
    _coh_checks_experiments,
    _coh_checks_formulas,
    _coh_checks_relu,
    _coh_checks_search,
    _coh_checks_table1,
    _coh_theorem35,
)
from ._coh_figures import bench_entries, figures

__all__ = ["figures", "bench_entries"]
