"""Your own claims: parameters with domains, models given by drift/diffusion or update rules, scalings.

A researcher states a claim over symbols with domains (:func:`user_claim`, :func:`claim_from_latex`),
attaches it to models, and checks it with :func:`verify.check` exactly like a catalogue claim.
Models are SymPy derivations, never typed-in answers:

* :func:`sde_model` — a linear SDE ``dw = f(w) dt + G dW`` given by its drift ``f`` (affine in ``w``)
  and diffusion ``G``; means from the mean ODE, covariances from the moment (Lyapunov) ODE, and the
  stationary law as its ``t -> oo`` limit;
* :func:`discrete_model` — a linear stochastic recursion ``w' = F(w, xi)`` (affine in ``w``, at most
  linear in the zero-mean, independent noises ``xi``, multiplicative noise allowed); the exact
  first- and second-moment recursion is obtained by expanding ``F`` and taking expectations
  monomial by monomial, then iterated (``k`` steps) or solved for its fixed point;
* :func:`sgd_model`, :func:`sam_model`, :func:`heavy_ball_model` — the discrete algorithms built from
  a stochastic gradient oracle ``G(w, xi)`` (a per-sample gradient), and
  :meth:`DiscreteModel.sde` — the first-order SDE read off such an update by differentiation.

A model's :meth:`Model.reading` binds placeholders of the claim (a SymPy symbol such as ``V_infty``,
or an undefined function such as ``Var(t)``) to a quantity the model derives (``"stationary_variance"``,
``"variance"``, ...). A :class:`Scaling` declares a scaling symmetry of the parameters (a change of
time or length units); ``verify`` checks that both sides of a claim transform alike under it.

The implementation lives in small modules, one job each: :mod:`._user_params` (parameters, domains,
scalings), :mod:`._model` (the model base and readings), :mod:`._model_stability` (Schur/Hurwitz
validity regions), :mod:`._sde_model`, :mod:`._recursion` (discrete models and their moment
recursion), :mod:`._model_algorithms` (SGD, SAM, heavy ball, mini-batch), :mod:`._user_claim` and
:mod:`._parse_latex`. This module re-exports the public names. Pure SymPy: never import numpy here.
"""

from __future__ import annotations

from ._model import Model, ModelReading, Placeholder, Quantity, step_symbol
from ._model_algorithms import (
    BATCH_MODELS,
    batch_weight_covariance,
    heavy_ball_model,
    kim_heavy_ball_model,
    minibatch_sam_model,
    minibatch_sgd_model,
    sam_model,
    sgd_model,
)
from ._model_stability import stability_condition
from ._parse_latex import claim_from_latex
from ._recursion import DiscreteModel, discrete_model
from ._sde_model import SDEModel, kim_sde_model, matrix_exponential, sde_model
from ._user_claim import user_claim
from ._user_params import Scaling, UserSource, as_parameters, default_domain

__all__ = [
    "UserSource",
    "Scaling",
    "Model",
    "ModelReading",
    "SDEModel",
    "DiscreteModel",
    "default_domain",
    "as_parameters",
    "user_claim",
    "claim_from_latex",
    "sde_model",
    "discrete_model",
    "sgd_model",
    "sam_model",
    "heavy_ball_model",
    "kim_sde_model",
    "kim_heavy_ball_model",
    "minibatch_sgd_model",
    "minibatch_sam_model",
    "batch_weight_covariance",
    "step_symbol",
    "stability_condition",
    "matrix_exponential",
    "BATCH_MODELS",
    "Placeholder",
    "Quantity",
]
