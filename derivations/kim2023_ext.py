"""Kim et al. 2023 (arXiv 2301.06308), the rest of docs/catalogue.md: Theorem 1 for the discrete iteration,
the toy experiments and Theorem 3 (momentum), encoded as data.

The printed side of every claim is typed in (marked ``# PRINTED``); every derived side comes from
:mod:`derivations.discrete_sam` (linear stability of plain and normalised SAM) and
:mod:`derivations.heavy_ball` (exact heavy-ball second moments and their over-damped limit), with each
SAM reading's drift and noise from :mod:`derivations.sam_sde`. The experiments are stated as data: the
printed limits are the right side of an equation whose left side names what the runs measure, and the
experiments' settings (loss, start, lr, rhos) and the checks' witness spaces are ``extras`` of the claim.
The registered checks that decide them are in ``verify._kim_*``.

Also here: :func:`normalised_flow_derivation`, the ``normalised`` reading of ``kim2023.thm1.flow``
(that claim is defined in :mod:`derivations.kim2023`). Pure SymPy: never import numpy here.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from . import discrete_sam as ds
from . import heavy_ball as hb
from ._claim import Claim, Derivation, Parameter, Reading
from ._registry import register
from ._statements import Equation, Holds, Implication
from ._symbols import B, eta, gamma, lambda_1, lambda_2, lambda_j, rho
from ._validate import fail
from .kim2023 import NOT_DEGENERATE, P_B, P_ETA, P_L1, P_L2, P_LAMBDA, P_RHO, SOURCE, kappa

__all__ = [
    "claims",
    "mu",
    "Delta",
    "k",
    "P_K",
    "P_GAMMA",
    "normalised_flow_derivation",
    "normalised_flow_reading",
    "discrete_derivation",
    "thm3_derivation",
    "THM3_READINGS",
    "THM3_SAM_READING",
    "THM3_WITNESSES",
    "THM1_DISCRETE_WITNESSES",
    "QUADRATIC_SADDLE_LOSS",
    "BEALE_LOSS",
    "printed_delta",
    "THM3_PARAMS",
]

#: mu(lambda): the one-step contraction factor |u'|/|u| near d along an eigendirection (u -> 0).
mu = sp.Function("mu")
#: Delta(k, gamma, rho, B): the variance E (w_k - d)^2 after k heavy-ball steps (t = eta k), per reading.
Delta = sp.Function("Delta")
#: The step count: Theorem 3 is checked on the step grid t = eta k (the paper's convention).
k = sp.Symbol("k", integer=True, positive=True)

P_K = Parameter(k, sp.Range(1, sp.oo), "number of steps; SDE time t = eta k")
P_GAMMA = Parameter(gamma, sp.Interval.Ropen(0, 1), "heavy-ball momentum")

_u = sp.Symbol("u", positive=True)  # distance from d along one eigendirection (u -> 0+)
_rp = sp.Symbol("rho_p", positive=True)  # rho > 0: the normalised step is only defined that way


# ----------------------------------------------------------------------------- Theorem 1, readings


def _normalised_flow_rate(lam: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """The 1-D normalised SAM flow ``du/dt = -l'(u + rho l'(u)/|l'(u)|)`` and its rate ``-u'/u`` as u -> 0+."""
    w = sp.Symbol("w", real=True)
    loss = lam / 2 * w**2
    g = sp.diff(loss, w)
    g_at = g.subs(w, _u)
    w_p = _u + _rp * g_at / sp.Abs(g_at)
    rhs = sp.simplify(-g.subs(w, w_p))
    rate = sp.limit(sp.simplify(-rhs / _u), _u, 0, "+")
    return rhs, rate


def _normalised_inward_speed(lam: sp.Expr) -> sp.Expr:
    """``-lim_{u -> 0+} du/dt`` of the 1-D normalised flow (``u > 0``): the speed at which it enters d."""
    rhs, _ = _normalised_flow_rate(lam)
    return sp.simplify(-sp.limit(rhs, _u, 0, "+"))


@lru_cache(maxsize=None)
def normalised_flow_derivation() -> Derivation:
    """The ``normalised`` reading of ``kim2023.thm1.flow``: what decides attraction of ``dw/dt = -grad l(w + rho g/||g||)``.

    Along an eigendirection the flow is ``du/dt = -lambda u - rho |lambda| sign(u)`` (derived), so
    ``-u'/u = lambda + rho |lambda|/|u| -> +oo`` as ``u -> 0`` for every ``rho > 0``: there is no
    linearisation, and every direction enters d in finite time once ``|H u| < rho |lambda_1|``, with
    inward speed ``-lim_{u -> 0+} du/dt = rho |lambda|`` (derived) whatever the sign of lambda.

    DEVIATION: ``kappa`` (the linearised Hessian eigenvalue for the plain flow) is bound to the quantity
    whose sign decides attraction here: the inward speed ``rho |lambda|`` for ``rho > 0``, and the GD
    rate ``lambda`` at ``rho = 0`` (normalised SAM with rho = 0 is gradient flow). A finite binding is
    used because SymPy mis-evaluates ``Piecewise((oo, ...), ...) > 0`` (it returns False).
    """
    x = sp.Symbol("x", positive=True)
    rhs_pos, rate_pos = _normalised_flow_rate(x)  # lambda > 0
    rhs_neg, rate_neg = _normalised_flow_rate(-x)  # lambda < 0
    if not (rate_pos == sp.oo and rate_neg == sp.oo):
        raise AssertionError(f"expected an infinite rate at d, got {rate_pos}, {rate_neg}")
    speeds = (_normalised_inward_speed(x), _normalised_inward_speed(-x))
    if any(sp.simplify(sp_ - _rp * x) != 0 for sp_ in speeds):
        raise AssertionError(f"expected the inward speed rho |lambda|, got {speeds}")
    lam = sp.Dummy("lambda")
    bound = sp.Piecewise((lam, sp.Eq(rho, 0)), (rho * sp.Abs(lam), True))
    steps = (
        ("flow along lambda > 0, u > 0", sp.Eq(sp.Symbol("du/dt"), rhs_pos.subs({_rp: rho, x: lambda_j}))),
        ("flow along lambda < 0, u > 0", sp.Eq(sp.Symbol("du/dt"), rhs_neg.subs({_rp: rho, x: -lambda_j}))),
        ("rate -u'/u as u -> 0+ (rho > 0), either sign", sp.Eq(sp.Symbol("r"), rate_pos)),
        ("inward speed -du/dt as u -> 0+ (rho > 0)", sp.Eq(sp.Symbol("v"), rho * sp.Abs(lambda_j))),
        ("bound: kappa(lambda) (sign decides attraction)", sp.Eq(kappa(lambda_j), bound.subs(lam, lambda_j))),
    )
    return Derivation(bindings={kappa: sp.Lambda(lam, bound)}, steps=steps,
                      note="normalised SAM flow: not differentiable at d; finite-time attraction for every rho > 0")


def normalised_flow_reading() -> Reading:
    """The Reading to add to ``kim2023.thm1.flow`` for normalised SAM (Foret et al.)."""
    return Reading("normalised", "normalised SAM flow dw/dt = -grad l(w + rho g/||g||), g = grad l(w)",
                   normalised_flow_derivation)


@lru_cache(maxsize=None)
def discrete_derivation(reading: str) -> Derivation:
    """``mu(lambda)``, the contraction factor of one discrete SAM step at d, for ``plain`` or ``normalised``.

    plain: ``|d u'/d u| = |1 - eta lambda (1 + rho lambda)|`` (the multiplier of
    :func:`derivations.discrete_sam.sam_multiplier`). normalised: ``|u'|/|u| -> +oo`` as ``u -> 0``
    because the step tends to ``eta rho |lambda|`` (:func:`~derivations.discrete_sam.normalised_step_size_at_saddle`):
    d is not even a fixed point; bound for ``rho > 0``, which the hypothesis ``rho > -1/lambda_1`` implies.
    """
    lam = sp.Dummy("lambda")
    if reading == "plain":
        m = ds.sam_multiplier(lam=lam)
        steps = (
            ("one step along an eigendirection", sp.Eq(sp.Symbol("u'"), ds.sam_update_map(reading="plain", lam=lambda_j))),
            ("multiplier du'/du", sp.Eq(sp.Symbol("mu_j"), ds.sam_multiplier(lam=lambda_j))),
            ("attraction set in rho", sp.Eq(sp.Symbol("rho"), sp.Interval.open(
                ds.discrete_attraction_bounds()["lower"], ds.discrete_attraction_bounds()["upper"]))),
            ("multiplier at rho = -1/lambda_j", sp.Eq(sp.Symbol("mu_j"), ds.multiplier_at_threshold())),
        )
        return Derivation(bindings={mu: sp.Lambda(lam, sp.Abs(m))}, steps=steps,
                          note="plain SAM: w' = w - eta grad l(w + rho grad l(w))")
    if reading == "normalised":
        x = sp.Symbol("x", positive=True)
        jumps = [ds.normalised_step_size_at_saddle(lam=s * x) for s in (1, -1)]
        F = ds.normalised_sam_step(sp.Matrix([[lambda_j]]), sp.Matrix([_u]))[0].subs(rho, _rp)
        ratio = sp.limit(sp.Abs(sp.simplify(F.subs(lambda_j, -x))) / _u, _u, 0, "+")
        if ratio != sp.oo:
            raise AssertionError(f"expected |u'|/|u| -> oo, got {ratio}")
        steps = (
            ("one step, u > 0", sp.Eq(sp.Symbol("u'"), sp.simplify(F.subs(_rp, rho)))),
            ("step u' - u as u -> 0+ (lambda > 0)", sp.Eq(sp.Symbol("s"), jumps[0]["u->0+"])),
            ("step u' - u as u -> 0+ (lambda < 0)", sp.Eq(sp.Symbol("s"), jumps[1]["u->0+"])),
            ("|u'|/|u| as u -> 0+", sp.Eq(sp.Symbol("r"), ratio)),
        )
        return Derivation(bindings={mu: sp.Lambda(lam, sp.oo)}, steps=steps,
                          note="normalised SAM: w' = w - eta grad l(w + rho g/||g||); no linearisation at d")
    raise ValueError(f"reading={reading!r} must be 'plain' or 'normalised'")


# ----------------------------------------------------------------------------- Theorem 3

THM3_READINGS: dict[str, str] = {
    "plain": "discrete heavy-ball plain SAM: v' = gamma v - eta g(w_p), w' = w + v', drift and noise of the plain "
             "reading (derivations.sam_sde); exact E w_k^2 from w = v = 0",
    "same_batch": "discrete heavy-ball SAM, ascent on the same mini-batch (same_batch drift and noise); exact E w_k^2",
    "overdamped": "continuous limit eta -> 0 at t = eta k of the plain heavy ball, derived from the discrete variance: "
                  "drift lambda(1+rho lambda)/(1-gamma), diffusion eta |lambda|/(B (1-gamma)^2)",
    "overdamped_composed": "the same limit with the composed-gradient drift lambda(1+rho lambda)^2 (the model that "
                           "reproduces Theorem 2's printed formula at gamma = 0)",
}
#: The SAM reading (derivations.sam_sde) whose drift and noise each Theorem 3 reading uses.
THM3_SAM_READING = {"plain": "plain", "same_batch": "same_batch", "overdamped": "plain",
                    "overdamped_composed": "composed_gradient"}


# PRINTED (as summarised in docs/catalogue.md): Theorem 3 on the step grid t = eta k.
def printed_delta(bb: sp.Expr = B, momentum: sp.Expr = gamma, kk: sp.Expr = k) -> sp.Expr:
    """Theorem 3's printed ``C1 (1 - e^{-C2(1-gamma)})^2/((1-gamma)^3 B) + C3 (1 - e^{-C4/(1-gamma)})/((1-gamma) B)`` at ``t = eta k``.

    ``C1 = eta^2 |lambda|/2``, ``C2 = eta/t``, ``C3 = eta |lambda|/(2 lambda (1+rho lambda)^2)``,
    ``C4 = 2 lambda (1 + rho lambda)^2 t`` (as summarised in docs/catalogue.md; not derived).
    """
    time = eta * kk
    C1 = eta**2 * sp.Abs(lambda_j) / 2
    C2 = eta / time
    C3 = eta * sp.Abs(lambda_j) / (2 * lambda_j * (1 + rho * lambda_j) ** 2)
    C4 = 2 * lambda_j * (1 + rho * lambda_j) ** 2 * time
    g1 = 1 - momentum
    return C1 * (1 - sp.exp(-C2 * g1)) ** 2 / (g1**3 * bb) + C3 * (1 - sp.exp(-C4 / g1)) / (g1 * bb)


@lru_cache(maxsize=None)
def thm3_derivation(reading: str) -> Derivation:
    """``Delta(k, gamma, rho, B)`` for one reading of Theorem 3, derived in :mod:`derivations.heavy_ball`.

    Discrete readings: the closed form ``E w_k^2 = eta^2 q sum_{m<k} h_m^2`` in the roots of the 2x2
    heavy-ball map (:func:`~derivations.heavy_ball.variance_closed_form`), with the reading's drift and
    noise (:func:`derivations.sam_sde.drift_and_noise`). Over-damped readings: the ``eta -> 0`` limit of
    that discrete variance at ``t = eta k`` (:func:`~derivations.heavy_ball.overdamped_delta`), valid
    where the limit exists (:func:`~derivations.heavy_ball.overdamped_validity`).
    """
    if reading not in THM3_READINGS:
        raise fail("reading", reading, "one of " + ", ".join(THM3_READINGS))
    kk, gg, rr, bb = sp.Dummy("k"), sp.Dummy("gamma"), sp.Dummy("rho"), sp.Dummy("B")
    curv, noise = hb.curvature_and_noise(THM3_SAM_READING[reading])
    validity: sp.Basic = sp.true  # a k-step moment from w = v = 0 exists for every parameter value
    if reading.startswith("overdamped"):
        body = hb.overdamped_delta().subs({hb.a: curv, hb.q: noise}).subs(hb.t, eta * k)
        validity = hb.overdamped_validity()
        steps = (
            (f"drift a and noise q of the {THM3_SAM_READING[reading]} reading", sp.Eq(sp.Symbol("a"), curv)),
            ("noise per step", sp.Eq(sp.Symbol("q"), noise)),
            ("lim_{eta -> 0} E w_{t/eta}^2 / eta of the discrete heavy ball", sp.Eq(sp.Symbol("L"), hb.overdamped_delta() / eta)),
            ("the limit exists where", validity),
            ("Delta at t = eta k", sp.Eq(Delta(k, gamma, rho, B), body)),
        )
    else:
        r1, r2 = hb.characteristic_roots()
        body = hb.variance_closed_form().subs({hb._r1: r1, hb._r2: r2}).subs({hb.a: curv, hb.q: noise}).subs(hb.k, k)
        M, c = hb.second_moment_recursion()
        steps = (
            ("drift a", sp.Eq(sp.Symbol("a"), curv)),
            ("noise q", sp.Eq(sp.Symbol("q"), noise)),
            ("second-moment recursion m' = M m + c", sp.Eq(sp.Symbol("M"), M)),
            ("closed form E w_k^2 in the roots r_1, r_2", sp.Eq(sp.Symbol("E w_k^2"), hb.variance_closed_form())),
            ("roots of the 2x2 map", sp.Eq(sp.Symbol("r_1"), r1)),
        )
    lam = sp.Lambda((kk, gg, rr, bb), body.subs({k: kk, gamma: gg, rho: rr, B: bb}, simultaneous=True))
    return Derivation(bindings={Delta: lam}, steps=steps, note=THM3_READINGS[reading], validity=validity,
                       model={"sam_reading": THM3_SAM_READING[reading], "a": curv, "q": noise,
                              "kind": "overdamped" if reading.startswith("overdamped") else "discrete"})


def _thm3_readings() -> tuple[Reading, ...]:
    return tuple(Reading(name, text, lambda name=name: thm3_derivation(name)) for name, text in THM3_READINGS.items())


THM3_PARAMS = (P_LAMBDA, P_RHO, P_ETA, P_GAMMA, P_B, P_K)

R = sp.Rational
#: Witness space of the Theorem 3 checks (exact rationals): escape and stable directions, rho below and
#: above -1/lambda, SDE-like and larger eta, momentum 0 to 0.9, k = 1 (where t = eta) to 40 steps.
THM3_WITNESSES = {
    "points": (  # (lambda_j, rho, gamma, B, t) with eta halved twice (t = eta k on the step grid)
        (-1, R(3, 10), R(1, 2), 4, R(1, 2)), (1, R(1, 2), R(1, 2), 8, 1), (-1, 3, R(9, 10), 2, R(1, 2)),
        (2, 0, 0, 1, R(1, 2)), (-1, R(3, 10), R(1, 2), 4, R(1, 20)),
    ),
    "etas": (R(1, 20), R(1, 40), R(1, 80)),
    "reduction_points": ((-1, R(3, 10), R(1, 10), 4, 1), (1, R(1, 2), R(1, 100), 8, 10)),  # (lambda_j, rho, eta, B, k)
    "grid": {
        "lambda_j": (-2, -1, R(-1, 2), R(1, 2), 1, 2), "rho": (0, R(1, 4), 1, 3), "eta": (R(1, 100), R(1, 10)),
        "gamma": (0, R(1, 4), R(1, 2), R(3, 4), R(9, 10)), "B": (1, 4), "k": (1, 2, 5, 20, 40),
    },
    "full_grid": {"k": (1, 2, 3, 5, 10, 20, 40, 80), "gamma": tuple(R(i, 20) for i in range(19))},
    # finite-difference steps for derivative claims (mean value theorem: a difference of the wrong sign
    # shows a derivative of the wrong sign somewhere in the step)
    "steps": {"gamma": R(1, 20), "rho": R(1, 4)},
}

#: Witnesses of the discrete Theorem 1 experiment: (lambda_1, lambda_2, eta, rho) around the printed
#: threshold, with eta large enough that mu_2 = -1 falls inside the tried rhos; u0 = (1e-3, 1e-3).
THM1_DISCRETE_WITNESSES = {
    "points": ((-1, 1, R(1, 2), 4), (-1, 1, R(1, 2), 2), (-1, 1, R(1, 2), R(3, 4)), (-1, 1, R(1, 2), R(1, 2)),
               (-2, 2, R(1, 100), R(1, 4)), (-2, 2, R(1, 100), 1)),
    "u0": (R(1, 1000), R(1, 1000)),
    "n_steps": 3000,
}

#: The toy losses of Section 3 (PRINTED: the experiments' definitions, in the coordinates x, y).
x_, y_ = sp.symbols("x y", real=True)
QUADRATIC_SADDLE_LOSS = x_**2 - y_**2
BEALE_LOSS = (R(3, 2) - x_ + x_ * y_) ** 2 + (R(9, 4) - x_ + x_ * y_**2) ** 2 + (R(21, 8) - x_ + x_ * y_**3) ** 2


# ----------------------------------------------------------------------------- the claims


@register
def claims() -> tuple[Claim, ...]:
    """The remaining Kim et al. claims of docs/catalogue.md (discrete Theorem 1, experiments, Theorem 3)."""
    discrete = (
        Reading("plain", "discrete plain SAM w' = w - eta grad l(w + rho grad l(w))", lambda: discrete_derivation("plain")),
        Reading("normalised", "discrete normalised SAM w' = w - eta grad l(w + rho g/||g||)",
                lambda: discrete_derivation("normalised")),
    )
    experiment_readings = (
        Reading("plain", "plain SAM: w_p = w + rho grad l(w)"),
        Reading("normalised", "normalised SAM (the authors' code): w_p = w + rho g/||g||"),
    )
    thm3_readings = _thm3_readings()
    kk = sp.Symbol("k")
    dist = sp.Function("dist")  # distance of the k-th iterate to the saddle (measured by the experiment)
    w_gd, w_sam = sp.Function("w_GD"), sp.Function("w_SAM")  # coordinate i of the k-th iterate (measured)
    # window statistics of cos(grad l(w_t), grad l(w_t^p)) after arrival (measured): the largest of the four quarter
    # minima and the smallest quarter maximum, so each printed end must be reached in every quarter
    cos_min, cos_max = sp.Function("cos_min"), sp.Function("cos_max")
    delta = Delta(k, gamma, rho, B)
    lim = lambda e: sp.Limit(e, kk, sp.oo)  # noqa: E731 - local shorthand
    M = sp.ImmutableMatrix
    out = [
        Claim(
            id="kim2023.thm1.discrete",
            title=r"Theorem 1 read for the discrete SAM iteration: $\rho > -1/\lambda_1$ makes the saddle attracting",
            source=SOURCE("Theorem 1 (applied to the discrete experiments)"),
            # PRINTED: the condition of Theorem 1; attraction of the iteration = every contraction factor < 1.
            statement=Implication(rho > -1 / lambda_1, sp.And(mu(lambda_1) < 1, mu(lambda_2) < 1)),
            parameters=(P_L1, P_L2, P_RHO, P_ETA),
            readings=discrete,
            checks=("symbolic", "precision", "property", "experiment"),
            notes=(
                "Attracting = every orbit started near d converges to d: each contraction factor mu_j < 1.",
                "The equality rho = -1/lambda_1 (outside the strict condition) gives mu_1 = 1 exactly: neutral.",
                "Experiment: mu_j is measured as the per-step contraction of coordinate j over the second half of a run.",
            ),
            extras={"witnesses": THM1_DISCRETE_WITNESSES},
        ),
        Claim(
            id="kim2023.exp.quadratic_saddle",
            title=r"$x^2 - y^2$ from (-3, -0.01), lr 0.01, 500 steps: GD crosses the saddle, SAM ($\rho = 0.5$) is attracted",
            source=SOURCE("Section 3, toy example (Figure 2)"),
            # PRINTED: GD's distance to the saddle grows without bound, SAM's tends to 0, and the paper's reason
            # "lambda + rho lambda^2 > 0" holds at every eigenvalue (its sign is 1).
            statement=Equation(M([lim(dist(kk, 0)), lim(dist(kk, rho)), sp.sign(lambda_j + rho * lambda_j**2)]),
                               M([sp.oo, 0, 1])),
            parameters=(P_LAMBDA, P_RHO),
            readings=experiment_readings,
            checks=("exact", "experiment"),
            notes=("The sign entry is evaluated exactly at the Hessian's eigenvalues 2, -2 and rho = 1/2; the limits "
                   "are measured by the runs over the last quarter of the steps (0 up to the step the iteration cannot "
                   "resolve at d; +oo when every iterate there is beyond the escape radius and still moving away).",),
            extras={"experiment": {"loss": QUADRATIC_SADDLE_LOSS, "coords": (x_, y_), "saddle": (0, 0), "start": (-3, R(-1, 100)),
                                   "lr": R(1, 100), "n_steps": 500, "rhos": (R(1, 2),)}},
        ),
        Claim(
            id="kim2023.exp.beale",
            title="Beale from (1, 2): GD reaches (3, 0.5), SAM with rho in {0.1, 0.5, 1.0} stalls at the saddle (0, 1)",
            source=SOURCE("Section 3, Beale experiment (Figure 1)"),
            # PRINTED: the limits of GD's and SAM's iterates (rows: GD, SAM; columns: x, y).
            statement=Equation(M([[lim(w_gd(kk, 1)), lim(w_gd(kk, 2))], [lim(w_sam(kk, rho, 1)), lim(w_sam(kk, rho, 2))]]),
                               M([[3, R(1, 2)], [0, 1]])),
            parameters=(P_RHO,),
            readings=experiment_readings,
            checks=("exact", "experiment"),
            notes=("lr 1.25e-5 (the authors' code: 1e-3/80); the authors cap runs at 100k steps.",
                   "Exact: the printed limit points are critical points of the loss, the SAM one a saddle.",
                   "Experiment: a run is at a printed limit when every iterate of its last quarter of the steps is within "
                   "the tolerance of it (a window statistic, never the last iterate)."),
            extras={"experiment": {"loss": BEALE_LOSS, "coords": (x_, y_), "saddle": (0, 1), "start": (1, 2),
                                   "lr": R(1, 80000), "rhos": (R(1, 10), R(1, 2), 1)}},
        ),
        Claim(
            id="kim2023.exp.beale_cosine",
            title="After SAM converges to the Beale saddle, cos(grad l(w_t), grad l(w_t^p)) keeps oscillating in [-1, 1]",
            source=SOURCE("Section 3, Figure 3"),
            # PRINTED: oscillation between -1 and 1 after arrival at the saddle, in every quarter of the steps.
            statement=Equation(M([cos_min(rho), cos_max(rho)]), M([-1, 1])),
            parameters=(P_RHO,),
            readings=experiment_readings,
            checks=("experiment",),
            notes=("'Keeps oscillating': min and max of the cosine within 0.01 of the printed ends in every quarter of "
                   "the steps after arrival (cos_min: the largest quarter minimum; cos_max: the smallest quarter maximum).",),
            extras={"experiment": {"loss": BEALE_LOSS, "coords": (x_, y_), "saddle": (0, 1), "start": (1, 2),
                                   "lr": R(1, 80000), "rhos": (R(1, 10), R(1, 2), 1),
                                   # plain SAM never reaches the saddle from (1, 2): its premise is met from next to it
                                   "plain_start": (R(1, 100), 1 + R(1, 100))}},
        ),
        Claim(
            id="kim2023.thm3",
            title=r"Theorem 3: $\Delta_{SAM}$ with momentum $\gamma$ and batch $B$ (printed closed form)",
            source=SOURCE("Theorem 3"),
            # PRINTED side: printed_delta (Theorem 3 at t = eta k); the reading's Delta is the derived side.
            statement=Equation(delta, printed_delta()),
            parameters=THM3_PARAMS,
            readings=thm3_readings,
            where=NOT_DEGENERATE,
            # DEVIATION: no generic symbolic/precision/property run. Measured: SymPy's simplify of the
            # discrete closed form exceeds the 20 s budget, and 120 Hypothesis examples of it take ~25 s
            # per part. The exact checks use rational recursions (independent of the closed form), and
            # the reading-free reduction to Theorem 2 at gamma = 0 and the t -> 0 value.
            checks=("exact",),
            notes=("t = eta k: the formula is checked on the step grid (the paper's SDE time).",
                   "Also checked (reading-free, from the printed statements): reduction to Theorem 2 at gamma = 0, "
                   "and Delta -> 0 as t -> 0 (w(0) = d)."),
            extras={"witnesses": THM3_WITNESSES, "reduces_to": "kim2023.thm2"},
        ),
        Claim(
            id="kim2023.thm3.gamma",
            title=r"Theorem 3: $\Delta_{SAM}$ increases as $\gamma \to 1$",
            source=SOURCE("Theorem 3, discussion"),
            statement=Holds(sp.Derivative(delta, gamma) > 0),
            parameters=THM3_PARAMS,
            readings=thm3_readings,
            where=NOT_DEGENERATE,
            checks=("exact",),  # DEVIATION: as kim2023.thm3 (exact grid search of the reading and of the printed formula)
            notes=("Reading: exact grid search; printed formula (reading-free): the same relation at 40 digits.",),
            extras={"witnesses": THM3_WITNESSES, "printed": "kim2023.thm3"},
        ),
        Claim(
            id="kim2023.thm3.batch",
            title=r"Theorem 3: $\Delta_{SAM}$ decreases as $B$ grows",
            source=SOURCE("Theorem 3, discussion"),
            # B is an integer: compare B + 1 with B
            statement=Holds(Delta(k, gamma, rho, B + 1) - delta < 0),
            parameters=THM3_PARAMS,
            readings=thm3_readings,
            where=NOT_DEGENERATE,
            # DEVIATION: as kim2023.thm3; no symbolic check: the generic one on the bound discrete closed form
            # runs out of its 20 s budget under every reading (measured), so the verdict is at best supported.
            checks=("exact",),
            extras={"witnesses": THM3_WITNESSES, "printed": "kim2023.thm3"},
        ),
        Claim(
            id="kim2023.thm3.rho",
            title=r"Theorem 3: $\Delta_{SAM}$ decreases as $\rho$ grows",
            source=SOURCE("Theorem 3, discussion"),
            statement=Holds(sp.Derivative(delta, rho) < 0),
            parameters=THM3_PARAMS,
            readings=thm3_readings,
            where=NOT_DEGENERATE,
            checks=("exact",),  # DEVIATION: as kim2023.thm3.gamma
            extras={"witnesses": THM3_WITNESSES, "printed": "kim2023.thm3"},
        ),
    ]
    return tuple(out)
