"""samverify's symbolic core: claims as SymPy data and the models they are checked against.

Pure SymPy (no numpy): numerical back ends live in :mod:`verify`. The public API is re-exported
here from small private modules.
"""

from __future__ import annotations

from ._claim import Claim, Derivation, Parameter, Reading, Source
from ._errors import (
    InvalidParameter,
    LatexParseError,
    RegistryError,
    SamverifyError,
    UnknownClaim,
    UnknownReading,
)
from ._latex import latex, parse_latex
from ._latex_paper import paper_latex
from ._working import Justification, Working, WorkingLine, get_working, working_catalogue
from ._working_latex import working_from_latex
from ._registry import catalog, catalogue_sources, get_claim, register
from ._statements import AllOf, Asymptotic, Bounded, Equation, Holds, Implication, Statement
from ._user import (
    DiscreteModel,
    Model,
    ModelReading,
    SDEModel,
    Scaling,
    UserSource,
    as_parameters,
    batch_weight_covariance,
    claim_from_latex,
    default_domain,
    discrete_model,
    heavy_ball_model,
    kim_heavy_ball_model,
    kim_sde_model,
    minibatch_sam_model,
    minibatch_sgd_model,
    sam_model,
    sde_model,
    sgd_model,
    step_symbol,
    user_claim,
)
from .linear_sde import LinearSDE, ou_parameters, solve_variance_ode

from importlib.metadata import PackageNotFoundError as _NotFound
from importlib.metadata import version as _version

try:
    __version__ = _version("samverify")  # the one place the version is kept: pyproject.toml
except _NotFound:  # pragma: no cover - a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Justification",
    "Working",
    "WorkingLine",
    "get_working",
    "working_catalogue",
    "working_from_latex",
    "DiscreteModel",
    "Model",
    "ModelReading",
    "SDEModel",
    "Scaling",
    "UserSource",
    "as_parameters",
    "batch_weight_covariance",
    "claim_from_latex",
    "default_domain",
    "discrete_model",
    "heavy_ball_model",
    "kim_heavy_ball_model",
    "kim_sde_model",
    "minibatch_sam_model",
    "minibatch_sgd_model",
    "sam_model",
    "sde_model",
    "sgd_model",
    "step_symbol",
    "user_claim",
    "AllOf",
    "Asymptotic",
    "Bounded",
    "Claim",
    "Derivation",
    "Equation",
    "Holds",
    "Implication",
    "InvalidParameter",
    "LatexParseError",
    "RegistryError",
    "LinearSDE",
    "Parameter",
    "Reading",
    "SamverifyError",
    "Source",
    "Statement",
    "UnknownClaim",
    "UnknownReading",
    "catalog",
    "catalogue_sources",
    "get_claim",
    "latex",
    "paper_latex",
    "ou_parameters",
    "parse_latex",
    "register",
    "solve_variance_ode",
]
