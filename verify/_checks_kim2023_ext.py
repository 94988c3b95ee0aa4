"""Registered checks for the rest of Kim et al. 2023 (docs/catalogue.md), one module per job.

Importing this module (the ``samverify.checkers`` entry point ``kim2023_ext``) registers them:

- :mod:`verify._kim_thm1`: ``kim2023.thm1.flow`` (exact rates, Euler runs of the flow) and
  ``kim2023.thm1.discrete`` (runs of the iteration), both readings;
- :mod:`verify._kim_exp_checks`: the toy experiments (``kim2023.exp.*``) from the runs of
  :mod:`verify._kim_experiments`;
- :mod:`verify._kim_thm3`: Theorem 3 and its monotonicity claims, with the models of
  :mod:`verify._kim_thm3_model` and the grid search of :mod:`verify._kim_thm3_search`.

Every check takes the printed side from the claim it is given and its witness space from the claim's
``extras``; see the modules for the details.
"""

from __future__ import annotations

from . import _kim_exp_checks, _kim_thm1, _kim_thm3
from ._kim_exp_checks import beale_results, plain_cosine_runs, quadratic_results
from ._kim_thm3 import delta_measure, printed_binding
from ._kim_thm3_model import exact_delta, model_delta

__all__ = ["beale_results", "quadratic_results", "plain_cosine_runs", "exact_delta", "model_delta", "delta_measure",
           "printed_binding", "_kim_exp_checks", "_kim_thm1", "_kim_thm3"]
