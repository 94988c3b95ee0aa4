"""Kim, Park, Choi, Lee — "Stability Analysis of Sharpness-Aware Minimization" (arXiv 2301.06308).

Claims of docs/catalogue.md encoded as data. The printed side of each claim is typed in from the paper
(that is what is being checked); every derived side comes from :mod:`derivations.sam_sde`.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from ._claim import Claim, Derivation, Parameter, Reading, Source
from ._registry import register
from ._statements import AllOf, Asymptotic, Bounded, Equation, Holds, Implication
from ._symbols import B, eta, lambda_1, lambda_2, lambda_j, rho, t
from .sam_sde import READINGS, sam_sde, variance_derivation

__all__ = ["claims", "printed_variance", "SOURCE", "sigma2", "kappa"]

SOURCE_PAPER = "Stability Analysis of Sharpness-Aware Minimization (Kim, Park, Choi, Lee)"
ARXIV = "2301.06308"


def SOURCE(locator: str) -> Source:  # noqa: N802 - reads like a constant at the call sites
    """The paper's source record with a locator ("Theorem 2", ...)."""
    return Source(paper=SOURCE_PAPER, arxiv=ARXIV, locator=locator)


#: sigma_j^2(t, rho, B): the variance along eigendirection j, bound by each reading.
sigma2 = sp.Function("sigma_j^2")
#: kappa(lambda): the eigenvalue of the linearised SAM flow's Hessian for a Hessian eigenvalue lambda.
kappa = sp.Function("kappa")


def printed_variance(tt: sp.Expr = t, rr: sp.Expr = rho, bb: sp.Expr = B, lam: sp.Expr = lambda_j) -> sp.Expr:
    """Theorem 2's printed variance (PRINTED: typed in from the paper, the side under test)."""
    a = lam * (1 + rr * lam) ** 2
    return eta * sp.Abs(lam) / (2 * bb * a) * (1 - sp.exp(-2 * a * tt))


# -- parameters -------------------------------------------------------------------------------------
_NONZERO = sp.Union(sp.Interval.open(-sp.oo, 0), sp.Interval.open(0, sp.oo))
P_LAMBDA = Parameter(lambda_j, _NONZERO, "Hessian eigenvalue along direction j")
P_RHO = Parameter(rho, sp.Interval(0, sp.oo), "SAM radius")
P_ETA = Parameter(eta, sp.Interval.open(0, sp.oo), "learning rate")
P_B = Parameter(B, sp.Range(1, sp.oo), "batch size")
P_T = Parameter(t, sp.Interval.open(0, sp.oo), "SDE time t = eta k")
P_L1 = Parameter(lambda_1, sp.Interval.open(-sp.oo, 0), "negative Hessian eigenvalue of the saddle")
P_L2 = Parameter(lambda_2, sp.Interval.open(0, sp.oo), "a positive Hessian eigenvalue of the saddle")
SDE_PARAMS = (P_LAMBDA, P_RHO, P_ETA, P_B, P_T)

# DEVIATION: the printed variance (and the readings' generic solutions) are 0/0 where the drift
# rate vanishes (1 + rho*lambda_j = 0); those points are excluded from every domain below. The
# Piecewise solution of the moment ODE covers them (linear growth eta*q*t) and is shown in reports.
NOT_DEGENERATE = sp.Ne(1 + rho * lambda_j, 0)


@lru_cache(maxsize=None)
def _variance_bindings(reading: str) -> Derivation:
    d = variance_derivation(reading)
    (lam,) = d.bindings.values()
    tt, rr, bb = sp.Dummy("t"), sp.Dummy("rho"), sp.Dummy("B")
    body = lam(tt, rr).subs(B, bb)
    return Derivation(bindings={sigma2: sp.Lambda((tt, rr, bb), body)}, steps=d.steps, model=d.model, note=d.note)


def _sde_readings() -> tuple[Reading, ...]:
    return tuple(Reading(name, text, lambda name=name: _variance_bindings(name)) for name, text in READINGS.items())


@lru_cache(maxsize=None)
def _flow_bindings(reading: str) -> Derivation:
    if reading != "plain":
        raise ValueError(f"reading={reading!r}: the flow linearisation is derived for 'plain' only")
    m = sam_sde("plain")
    # The linearised flow dw/dt = -A w has Hessian A; along one eigendirection A = kappa(lambda_j).
    x = sp.Dummy("lambda")
    k = m.sde.A[0, 0]
    steps = (
        ("loss", sp.Eq(sp.Symbol("l"), m.loss)),
        ("perturbed point w_p", sp.Eq(sp.Symbol("w_p"), m.perturbed[0])),
        ("flow dw/dt = -grad l(w_p)", sp.Eq(sp.Symbol("u"), m.update[0].subs(m.xi[0], 0))),
        ("linearised Hessian -du/dw", sp.Eq(kappa(lambda_j), k)),
    )
    return Derivation(bindings={kappa: sp.Lambda(x, k.subs(lambda_j, x))}, steps=steps, model=m, note=READINGS["plain"])


#: Witness space of Theorem 2's exact and Monte Carlo checks: (lambda_j, rho, eta, B) on escape and stable
#: directions, rho below and above the Theorem 1 threshold -1/lambda_j, small and large batches.
THM2_WITNESSES = {
    "exact_points": ((-1, sp.Rational(3, 10), sp.Rational(1, 10), 4), (-1, 3, sp.Rational(1, 10), 4),
                     (-2, sp.Rational(1, 10), sp.Rational(1, 20), 1), (1, sp.Rational(1, 2), sp.Rational(1, 10), 8),
                     (sp.Rational(1, 2), 2, sp.Rational(1, 100), 32)),
    "exact_times": (sp.Rational(1, 20), sp.Rational(1, 2), 2),
    # Monte Carlo: fewer points, each costs n_paths samples per time
    "mc_points": ((-1, sp.Rational(3, 10), sp.Rational(1, 10), 4), (1, sp.Rational(1, 2), sp.Rational(1, 10), 8),
                  (-1, 3, sp.Rational(1, 10), 4)),
    "mc_times": (sp.Rational(1, 5), 1),
    # real mini-batch SAM (context): lambda_j, rho, B, t and the step sizes of the eta -> 0 sweep
    "discrete_point": (-1, sp.Rational(3, 10), 2, sp.Rational(1, 2)),
    "discrete_etas": (sp.Rational(1, 50), sp.Rational(1, 100), sp.Rational(1, 200)),
}


def _sgd_minus_sam(bb: sp.Expr = B) -> sp.Expr:
    return sigma2(t, 0, bb) - sigma2(t, rho, bb)


@register
def claims() -> tuple[Claim, ...]:
    """The Kim et al. claims of docs/catalogue.md encoded so far."""
    from .kim2023_ext import normalised_flow_reading  # kim2023_ext imports this module: import here

    sde_readings = _sde_readings()
    thm1_attract = sp.And(kappa(lambda_1) > 0, kappa(lambda_2) > 0)
    out = [
        Claim(
            id="kim2023.thm1.flow",
            title=r"Theorem 1: $\rho > -1/\lambda_1$ makes an index-1 saddle an attractor of the SAM flow",
            source=SOURCE("Theorem 1"),
            statement=AllOf(
                (
                    ("linearised_hessian", Equation(kappa(lambda_j), lambda_j + rho * lambda_j**2)),
                    ("attractor", Implication(rho > -1 / lambda_1, thm1_attract)),
                    ("equivalence", Implication(kappa(lambda_1) > 0, rho > -1 / lambda_1)),
                )
            ),
            parameters=(P_LAMBDA, P_L1, P_L2, P_RHO),
            readings=(Reading("plain", "SAM gradient flow dw/dt = -grad l(w + rho grad l(w))", lambda: _flow_bindings("plain")),
                      normalised_flow_reading()),
            checks=("symbolic", "precision", "property", "exact", "experiment"),
            notes=("The saddle attracts the linearised flow iff every eigenvalue of its Hessian is > 0.",
                   "exact: kappa(lambda) is -u'/u of the reading's flow at u = 1e-6; experiment: the decay rate of a "
                   "simulated flow. Both evaluate every part of the statement with it."),
            # (lambda_1, lambda_2, rho) around the printed threshold 1 (0.75: between half of it and it);
            # u0: |H u0| = 0.14 < rho |lambda_1| for every rho here (inside normalised SAM's trapping region);
            # T = 2 is ~10x the normalised flow's arrival time; dt = 1e-4 keeps Euler's rate error ~1e-4.
            extras={"witnesses": {"points": ((-1, 1, sp.Rational(1, 4)), (-1, 1, sp.Rational(3, 4)), (-1, 1, 2),
                                             (-2, sp.Rational(1, 2), 1)),
                                  "u_probe": sp.Rational(1, 10**6), "u0": (sp.Rational(1, 10), sp.Rational(1, 10)),
                                  "T": 2, "dt": sp.Rational(1, 10**4)}},
        ),
        Claim(
            id="kim2023.thm2",
            title="Theorem 2: variance of the SAM SDE near a saddle along eigendirection j",
            source=SOURCE("Theorem 2"),
            statement=Equation(sigma2(t, rho, B), printed_variance()),
            parameters=SDE_PARAMS,
            readings=sde_readings,
            where=NOT_DEGENERATE,
            checks=("symbolic", "precision", "property", "exact", "montecarlo"),
            explain="ou_variance",
            time_symbol=t,
            extras={"witnesses": THM2_WITNESSES},
        ),
        Claim(
            id="kim2023.thm2.consistency",
            title=r"Theorem 2 agrees with Theorem 1: $\sigma_j^2$ bounded as $t \to \infty$ iff $\rho > -1/\lambda_j$",
            source=SOURCE("Theorems 1 and 2"),
            statement=AllOf(
                (
                    ("sufficiency", Implication(rho > -1 / lambda_j, Bounded(printed_variance(), t))),
                    ("necessity", Implication(Bounded(printed_variance(), t), rho > -1 / lambda_j)),
                )
            ),
            parameters=SDE_PARAMS,
            readings=sde_readings,
            where=sp.And(lambda_j < 0, NOT_DEGENERATE),
            notes=(
                "Compares the two printed statements, so the verdict does not depend on the reading; "
                "the context check shows the reading's own variance against Theorem 1.",
            ),
            extras={
                "context": AllOf(
                    (
                        ("reading_sufficiency", Implication(rho > -1 / lambda_j, Bounded(sigma2(t, rho, B), t))),
                        ("reading_necessity", Implication(Bounded(sigma2(t, rho, B), t), rho > -1 / lambda_j)),
                    )
                )
            },
        ),
        Claim(
            id="kim2023.thm2.suppression",
            title=r"$\rho$ suppresses diffusion: SAM's $\sigma_j^2$ is below SGD's along escape directions",
            source=SOURCE("Theorem 2, discussion"),
            statement=Holds(sigma2(t, rho, B) < sigma2(t, 0, B)),
            parameters=SDE_PARAMS,
            readings=sde_readings,
            where=sp.And(lambda_j < 0, rho > 0, NOT_DEGENERATE),
        ),
        Claim(
            id="kim2023.cor1",
            title=r"Corollary 1: $\Delta_{SGD} - \Delta_{SAM} = 2 \eta t^2 |\lambda_j|^3 \rho / B + O(\eta t^3 \lambda_j^4 / B)$",
            source=SOURCE("Corollary 1"),
            statement=Asymptotic(
                _sgd_minus_sam(),
                2 * eta * t**2 * sp.Abs(lambda_j) ** 3 * rho / B,
                eta * t**3 * lambda_j**4 / B,
                t,
            ),
            parameters=SDE_PARAMS,
            readings=sde_readings,
            where=sp.And(lambda_j < 0, NOT_DEGENERATE),
            notes=("|lambda_j| t << 1 is read as t -> 0 with lambda_j, rho, eta, B fixed.",),
        ),
        Claim(
            id="kim2023.cor1.positive",
            title=r"Corollary 1: $\Delta_{SGD} - \Delta_{SAM} > 0$ for all $\lambda_j \neq 0$, $\rho > 0$, $t > 0$",
            source=SOURCE("Corollary 1"),
            statement=Holds(_sgd_minus_sam() > 0),
            parameters=SDE_PARAMS,
            readings=sde_readings,
            where=sp.And(rho > 0, NOT_DEGENERATE),
        ),
        Claim(
            id="kim2023.cor1.monotone",
            title=r"Corollary 1: larger $\rho$, sharper $|\lambda_j|$ and larger $B$ widen the gap, linearly in $\rho$",
            source=SOURCE("Corollary 1, discussion"),
            statement=AllOf(
                (
                    ("rho", Holds(sp.Derivative(_sgd_minus_sam(), rho) > 0)),
                    # sharper means larger |lambda_j|; along lambda_j < 0 that is d/d(lambda_j) < 0
                    ("sharpness", Holds(sp.Derivative(_sgd_minus_sam(), lambda_j) < 0)),
                    # B is an integer: compare the gap at B + 1 with the gap at B
                    ("batch", Holds(_sgd_minus_sam(B + 1) - _sgd_minus_sam(B) > 0)),
                    ("linear_in_rho", Equation(sp.Derivative(_sgd_minus_sam(), (rho, 2)), sp.S.Zero)),
                )
            ),
            parameters=SDE_PARAMS,
            readings=sde_readings,
            where=sp.And(lambda_j < 0, rho > 0, NOT_DEGENERATE),
        ),
    ]
    return tuple(out)
