"""Linear stability of GD and SAM at a critical point of a quadratic loss (Kim et al. 2023, Theorem 1).

Everything here is derived from the algorithms' definitions by differentiation, never typed in:
the loss per eigendirection is ``l(w) = lambda_j/2 (w - d)^2`` and

* gradient flow of plain SAM: ``dw/dt = -grad l(w + rho grad l(w))``;
* discrete plain SAM: ``w' = w - eta grad l(w + rho grad l(w))``;
* GD: ``w' = w - eta grad l(w)``;
* normalised SAM (Foret et al.): ``w' = w - eta grad l(w + rho g/||g||)`` with ``g = grad l(w)``.

The printed Theorem 1 (for the flow) says the saddle is an attractor if ``rho > -1/lambda_1``. For the
discrete iteration, the attraction condition is ``|mu_j| < 1`` for every eigendirection; this module
derives it as an interval in ``rho`` and shows where the printed condition is not sufficient (an
upper limit on ``rho`` set by ``eta``) and what happens at the equality ``rho = -1/lambda_1``.

Normalised SAM is not differentiable at ``d`` (``g/||g||`` jumps), so it is analysed on its own:
one step near ``d`` moves by ``eta rho ||H n||`` however close ``w`` is to ``d``; along a positive
eigendirection the iteration ends in a 2-cycle of amplitude ``eta rho lambda/(2 - eta lambda)``;
along a negative one ``(-rho, rho)`` is invariant (trapped, not convergent); on a 2-D saddle the axis
2-cycle is stable transversally under a derived condition. Pure SymPy: never import numpy here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy as sp

from ._symbols import eta, lambda_j, rho
from ._validate import check_choice, check_positive, fail

__all__ = [
    "lambda_j",
    "rho",
    "eta",
    "u",
    "sam_update_map",
    "gd_multiplier",
    "sam_multiplier",
    "gd_flow_rate",
    "sam_flow_rate",
    "sam_update_jacobian",
    "theorem1_condition",
    "flow_attraction_condition",
    "discrete_attraction_bounds",
    "discrete_attraction_set",
    "multiplier_at_threshold",
    "Theorem1Counterexample",
    "theorem1_discrete_counterexample",
    "normalised_sam_step",
    "sam_step",
    "flow_rate_at",
    "normalised_step_size_at_saddle",
    "NormalisedCycle1D",
    "normalised_1d_cycle",
    "normalised_negative_invariant_interval",
    "AxisCycleStability",
    "normalised_axis_cycle_stability",
]

# The shared symbols carry the parameter domains of docs/catalogue.md so that SymPy's assumptions can do sign work.
u = sp.Symbol("u", real=True)  # displacement w - d along one eigendirection
_w = sp.Symbol("w", real=True)
_d = sp.Symbol("d", real=True)

Reading = Literal["gd", "plain"]


def _loss_1d(lam: sp.Expr) -> sp.Expr:
    return lam / 2 * (_w - _d) ** 2


def _grad(loss: sp.Expr) -> sp.Expr:
    return sp.diff(loss, _w)


def sam_update_map(*, reading: Reading = "plain", lam: sp.Expr = lambda_j) -> sp.Expr:
    """One step of GD or plain SAM along one eigendirection, as a function of ``u = w - d``.

    Built from the definition: ``w_p = w + rho l'(w)`` then ``w' = w - eta l'(w_p)``; returned in the
    shifted variable ``u`` so that the multiplier is ``d u'/d u``.
    """
    check_choice("reading", reading, ("gd", "plain"))
    loss = _loss_1d(lam)
    g = _grad(loss)
    if reading == "gd":
        new_w = _w - eta * g
    else:
        w_p = _w + rho * g
        new_w = _w - eta * g.subs(_w, w_p)
    return sp.expand((new_w - _d).subs(_w, _d + u))


def gd_multiplier(*, lam: sp.Expr = lambda_j) -> sp.Expr:
    """The GD multiplier ``d u'/d u`` along an eigendirection (derived: ``1 - eta lambda_j``)."""
    return sp.expand(sp.diff(sam_update_map(reading="gd", lam=lam), u))


def sam_multiplier(*, lam: sp.Expr = lambda_j) -> sp.Expr:
    """The discrete plain-SAM multiplier ``mu_j = d u'/d u`` (derived: ``1 - eta lambda_j (1 + rho lambda_j)``)."""
    return sp.expand(sp.diff(sam_update_map(reading="plain", lam=lam), u))


def _flow_rhs(*, reading: Reading, lam: sp.Expr) -> sp.Expr:
    g = _grad(_loss_1d(lam))
    rhs = -g if reading == "gd" else -g.subs(_w, _w + rho * g)
    return sp.expand(rhs.subs(_w, _d + u))


def gd_flow_rate(*, lam: sp.Expr = lambda_j) -> sp.Expr:
    """The Jacobian eigenvalue of gradient flow ``dw/dt = -grad l(w)`` along an eigendirection."""
    return sp.expand(sp.diff(_flow_rhs(reading="gd", lam=lam), u))


def sam_flow_rate(*, lam: sp.Expr = lambda_j) -> sp.Expr:
    """The Jacobian eigenvalue of the SAM flow ``dw/dt = -grad l(w + rho grad l(w))`` (derived: ``-(lambda + rho lambda^2)``)."""
    return sp.expand(sp.diff(_flow_rhs(reading="plain", lam=lam), u))


def sam_update_jacobian(H: sp.Matrix) -> sp.Matrix:
    """The Jacobian of one discrete plain-SAM step for ``l(w) = 1/2 w^T H w`` with a symmetric matrix ``H``.

    Differentiates the vector update ``w - eta H (w + rho H w)`` component by component; the result is
    ``I - eta H (I + rho H)``, whose eigenvalues are the per-direction ``mu_j``.
    """
    H = sp.Matrix(H)
    if H.shape[0] != H.shape[1] or H != H.T:
        raise fail("H", H.shape, "a square symmetric matrix")
    n = H.shape[0]
    w = sp.Matrix(sp.symbols(f"w_1:{n + 1}", real=True))
    loss = (w.T * H * w)[0, 0] / 2
    grad = sp.Matrix([sp.diff(loss, wi) for wi in w])
    w_p = w + rho * grad
    grad_at_p = grad.subs(dict(zip(w, w_p)), simultaneous=True)
    new_w = w - eta * grad_at_p
    return new_w.jacobian(w).applyfunc(sp.expand)


# PRINTED (as summarised in docs/catalogue.md): Theorem 1's condition for the negative eigenvalue lambda_1.
def theorem1_condition(*, lam1: sp.Expr = lambda_j) -> sp.Rel:
    """Theorem 1's printed attraction condition ``rho > -1/lambda_1`` (for ``lambda_1 < 0``)."""
    return sp.StrictGreaterThan(rho, -1 / lam1)


def flow_attraction_condition(lambdas: list[sp.Expr]) -> sp.Boolean:
    """The exact condition for ``d`` to be a (hyperbolic) attractor of the SAM flow: every rate < 0."""
    return sp.And(*[sp.StrictLessThan(sam_flow_rate(lam=lam), 0) for lam in lambdas])


def _linear_in_rho_bound(expr: sp.Expr, *, lam: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """Split ``expr > 0`` (linear in rho) into the coefficient of rho and the bound ``-b/a``."""
    poly = sp.Poly(sp.expand(expr), rho)
    if poly.degree() != 1:
        raise AssertionError(f"expected an expression linear in rho, got {expr}")
    a, b = poly.all_coeffs()
    return sp.simplify(a), sp.simplify(-b / a)


def discrete_attraction_bounds(*, lam: sp.Expr = lambda_j) -> dict[str, sp.Expr]:
    """The two half-lines in ``rho`` that make ``|mu_j| < 1`` for one eigendirection, derived from ``mu_j``.

    ``mu_j < 1`` is linear in rho with coefficient ``eta lambda_j^2 > 0`` and gives ``rho > lower``
    (``lower = -1/lambda_j``, Theorem 1's threshold); ``mu_j > -1`` gives ``rho < upper`` with
    ``upper = (2/eta - lambda_j)/lambda_j^2`` (the role of eta). Returned as
    ``{"lower": ..., "upper": ..., "coefficient": ...}``; ``coefficient`` is that of rho in ``1 - mu_j``.
    """
    mu = sam_multiplier(lam=lam)
    coef_low, lower = _linear_in_rho_bound(1 - mu, lam=lam)  # 1 - mu > 0
    coef_up, upper = _linear_in_rho_bound(1 + mu, lam=lam)  # 1 + mu > 0, coefficient is negative
    # The direction of each inequality depends on the sign of rho's coefficient; both are fixed by
    # eta > 0 and lambda_j != 0, which SymPy proves from the symbols' assumptions.
    assert sp.ask(sp.Q.positive(coef_low), sp.Q.nonzero(lam)) is not False
    assert (-coef_up).is_positive or sp.simplify(coef_up + coef_low) == 0
    return {"lower": lower, "upper": sp.simplify(upper), "coefficient": coef_low}


def discrete_attraction_set(lambdas: list[sp.Expr], step: sp.Expr) -> sp.Set:
    """The exact set of ``rho >= 0`` with ``|mu_j| < 1`` for every eigenvalue, for numeric inputs.

    ``lambdas`` and ``step`` (the learning rate) should be exact numbers (Rationals); the result is a
    SymPy set (an ``Interval`` or ``EmptySet``) computed by solving each inequality in ``rho``.
    """
    step = sp.nsimplify(step)
    check_positive("step", step)
    result: sp.Set = sp.Interval(0, sp.oo)
    for i, lam in enumerate(lambdas):
        lam = sp.nsimplify(lam)
        if lam == 0:
            raise fail(f"lambdas[{i}]", lam, "non-zero (a zero eigenvalue has mu = 1 for every rho)")
        mu = sam_multiplier(lam=lam).subs(eta, step)
        r = sp.Symbol("r", real=True)
        for ineq in (mu.subs(rho, r) < 1, mu.subs(rho, r) > -1):
            result = result.intersect(sp.solve_univariate_inequality(ineq, r, relational=False))
    return result


def multiplier_at_threshold(*, lam: sp.Expr = lambda_j) -> sp.Expr:
    """The discrete SAM multiplier at Theorem 1's equality ``rho = -1/lambda_j`` (derived: exactly 1, neutral)."""
    return sp.simplify(sam_multiplier(lam=lam).subs(rho, -1 / lam))


@dataclass(frozen=True)
class Theorem1Counterexample:
    """A point where the printed Theorem 1 condition holds but the discrete iteration is not attracted.

    ``rho_value`` satisfies ``rho > -1/lambda_1``; ``multipliers`` are the exact ``mu_j`` there and
    ``worst`` is the largest ``|mu_j|`` (>= 1 means not attracting).
    """

    lambdas: tuple[sp.Expr, ...]
    step: sp.Expr
    rho_value: sp.Expr
    multipliers: tuple[sp.Expr, ...]
    worst: sp.Expr

    def __post_init__(self) -> None:
        assert self.worst >= 1, "a counterexample must have some |mu_j| >= 1"


def theorem1_discrete_counterexample(lambdas: list[sp.Expr], step: sp.Expr) -> Theorem1Counterexample:
    """Construct ``rho`` with ``rho > -1/lambda_1`` (lambda_1 the most negative eigenvalue) but some ``|mu_j| >= 1``.

    Takes ``rho`` at the smallest upper limit ``(2/eta - lambda_j)/lambda_j^2`` over the eigenvalues
    (there ``mu_j = -1``), or just above the lower threshold when that limit is already below it.
    """
    lams = tuple(sp.nsimplify(x) for x in lambdas)
    step = sp.nsimplify(step)
    check_positive("step", step)
    negatives = [lam for lam in lams if lam < 0]
    if not negatives:
        raise fail("lambdas", list(lambdas), "to contain a negative eigenvalue (a saddle)")
    lam1 = min(negatives)
    lower = -1 / lam1
    uppers = [discrete_attraction_bounds(lam=lam)["upper"].subs(eta, step) for lam in lams]
    r = max(min(uppers), lower + 1)  # mu_j = -1 at min(uppers); any rho beyond it is a counterexample too
    mus = tuple(sp.nsimplify(sam_multiplier(lam=lam).subs({eta: step, rho: r})) for lam in lams)
    return Theorem1Counterexample(lams, step, r, mus, max(abs(m) for m in mus))


# ----------------------------------------------------------------------------- normalised SAM


def normalised_sam_step(H: sp.Matrix, disp: sp.Matrix) -> sp.Matrix:
    """One normalised-SAM step ``u' = u - eta grad l(u + rho g/||g||)`` for ``l = 1/2 u^T H u``, ``g = H u``.

    ``disp`` is the displacement ``u = w - d``; the result simplifies to
    ``u - eta H u - eta rho H n`` with ``n = H u / ||H u||`` the unit gradient.
    """
    H = sp.Matrix(H)
    disp = sp.Matrix(disp)
    n = len(disp)
    z = sp.Matrix(sp.symbols(f"z_1:{n + 1}", real=True))
    loss = (z.T * H * z)[0, 0] / 2
    grad = sp.Matrix([sp.diff(loss, zi) for zi in z])
    g = grad.subs(dict(zip(z, disp)), simultaneous=True)
    norm = sp.sqrt(sum(gi**2 for gi in g))
    w_p = disp + rho * g / norm
    return disp - eta * grad.subs(dict(zip(z, w_p)), simultaneous=True)


def sam_step(H: sp.Matrix, disp: sp.Matrix, *, reading: Literal["gd", "plain", "normalised"]) -> sp.Matrix:
    """One step ``u' = u - eta grad l(u_p)`` of GD, plain or normalised SAM on ``l = 1/2 u^T H u`` (the one definition).

    ``u_p = u`` (GD), ``u + rho g`` (plain) or ``u + rho g/||g||`` (normalised), ``g = H u``. With ``eta``
    read as a time step ``dt`` this is also one Euler step of the reading's flow ``du/dt = -grad l(u_p)``;
    the simulators in ``verify`` are generated from it.
    """
    check_choice("reading", reading, ("gd", "plain", "normalised"))
    if reading == "normalised":
        return normalised_sam_step(H, disp)
    H, disp = sp.Matrix(H), sp.Matrix(disp)
    g = H * disp
    return disp - eta * H * (disp + (rho * g if reading == "plain" else sp.zeros(*disp.shape)))


def flow_rate_at(*, reading: Literal["gd", "plain", "normalised"], lam: sp.Expr, radius: sp.Expr, at: sp.Expr) -> sp.Expr:
    """``-u'/u`` of the 1-D flow ``du/dt = -l'(u_p)`` of ``reading`` at distance ``at`` from ``d`` (exact).

    Read off :func:`sam_step`: the flow's right side is ``(u' - u)/eta``. For GD and plain SAM it is the
    linear rate ``lambda`` resp. ``lambda (1 + rho lambda)`` whatever ``at``; for normalised SAM it is
    ``lambda + rho |lambda|/|u|`` (no linearisation at ``d``).
    """
    uu = sp.Symbol("u_probe", positive=True)
    rhs = (sam_step(sp.Matrix([[lam]]), sp.Matrix([uu]), reading=reading)[0] - uu) / eta
    return sp.nsimplify(sp.simplify(-rhs / uu).subs({uu: at, rho: radius}))


def normalised_step_size_at_saddle(*, lam: sp.Expr = lambda_j) -> dict[str, sp.Expr]:
    """The one-step displacement ``u' - u`` of 1-D normalised SAM as ``u -> 0`` from each side.

    Derived from :func:`normalised_sam_step` with ``H = [lambda]``: the limits are ``-/+ eta rho |lambda|``
    (the step does not vanish at ``d``, so the iteration cannot converge to ``d`` unless it lands on it).
    """
    step = normalised_sam_step(sp.Matrix([[lam]]), sp.Matrix([u]))[0] - u
    return {
        "u->0+": sp.simplify(sp.limit(step, u, 0, "+")),
        "u->0-": sp.simplify(sp.limit(step, u, 0, "-")),
    }


@dataclass(frozen=True)
class NormalisedCycle1D:
    """The symmetric 2-cycle ``u* -> -u* -> u*`` of 1-D normalised SAM and its stability.

    ``amplitude`` solves ``F(u*) = -u*`` on ``u* > 0``; ``branch_slope`` is ``F'`` on either side of 0
    (the map is affine there), ``cycle_multiplier = branch_slope^2``; ``stable_condition`` is
    ``cycle_multiplier < 1``. ``fixed_points`` are the non-zero fixed points (``F(u) = u``).
    """

    map_positive_branch: sp.Expr
    amplitude: sp.Expr
    branch_slope: sp.Expr
    cycle_multiplier: sp.Expr
    stable_condition: sp.Boolean
    fixed_points: tuple[sp.Expr, ...]


def normalised_1d_cycle(*, lam: sp.Expr = lambda_j) -> NormalisedCycle1D:
    """Derive the 2-cycle and fixed points of 1-D normalised SAM with curvature ``lam``.

    For ``lam > 0`` the amplitude is ``eta rho lam/(2 - eta lam)``, stable when ``0 < eta lam < 2``
    (every orbit not hitting 0 converges to it: ``|u| -> |a|u| - c|`` is a contraction). For
    ``lam < 0`` the amplitude ``eta rho |lam|/(2 + eta |lam|)`` is unstable (slope ``1 + eta|lam| > 1``)
    and ``u = +-rho`` are repelling fixed points (there ``w_p = d`` exactly).
    """
    up = sp.Symbol("u_pos", positive=True)
    F = normalised_sam_step(sp.Matrix([[lam]]), sp.Matrix([up]))[0]
    F = sp.simplify(F)
    amp = sp.solve(sp.Eq(F, -up), up)
    amplitude = sp.simplify(amp[0]) if amp else sp.nan
    slope = sp.simplify(sp.diff(F, up))
    fixed = tuple(sp.simplify(s) for s in sp.solve(sp.Eq(F, up), up))
    mult = sp.expand(slope**2)
    return NormalisedCycle1D(F, amplitude, slope, mult, sp.StrictLessThan(mult, 1), fixed)


def normalised_negative_invariant_interval(*, lam: sp.Expr) -> dict[str, sp.Expr]:
    """For ``lam < 0``: the image of ``(0, rho]`` under 1-D normalised SAM, showing ``[-rho, rho]`` is invariant.

    The positive branch is increasing and affine, so the image of ``(0, rho]`` is ``(F(0+), F(rho)]``;
    derived values: ``F(0+) = -eta rho |lam|`` and ``F(rho) = rho``. Hence ``|u| <= rho`` persists
    whenever ``eta |lam| <= 1``: the orbit is trapped near ``d`` without converging (it cannot settle on
    the unstable 2-cycle). Returns ``{"F(0+)", "F(rho)", "slope"}``.
    """
    c = normalised_1d_cycle(lam=lam)
    up = sp.Symbol("u_pos", positive=True)
    F = c.map_positive_branch
    return {
        "F(0+)": sp.simplify(sp.limit(F, up, 0, "+")),
        "F(rho)": sp.simplify(F.subs(up, rho)),
        "slope": c.branch_slope,
    }


@dataclass(frozen=True)
class AxisCycleStability:
    """Stability of the normalised-SAM 2-cycle on the ``lambda_1`` eigen-axis of a 2-D quadratic.

    ``jacobian`` is the derivative of the one-step map at the cycle point ``(u*, 0)`` (derived by
    differentiating the 2-D map); it is diagonal, with ``along`` (= ``1 - eta lambda_1``) and
    ``transverse`` = ``1 - eta lambda_2 - lambda_2^2 (2 - eta lambda_1)/lambda_1^2`` entries. The
    two-step multipliers are their squares; ``stable_condition`` asks both to be < 1.
    """

    amplitude: sp.Expr
    jacobian: sp.Matrix
    along: sp.Expr
    transverse: sp.Expr
    stable_condition: sp.Boolean


def normalised_axis_cycle_stability(*, lam1: sp.Expr, lam2: sp.Expr) -> AxisCycleStability:
    """Derive whether the axis 2-cycle of normalised SAM on ``diag(lam1, lam2)`` attracts nearby orbits.

    ``lam1 > 0`` carries the cycle ``+-(eta rho lam1/(2 - eta lam1), 0)``. For ``x^2 - y^2``
    (``lam2 = -lam1``) the transverse multiplier is ``2 eta lam1 - 1``, so the cycle is stable iff
    ``0 < eta lam1 < 1``: the orbit oscillates across ``d`` at distance ~ ``eta rho lam1/2``.
    """
    x, y = sp.symbols("x y", real=True)
    H = sp.diag(lam1, lam2)
    step = normalised_sam_step(H, sp.Matrix([x, y]))
    amp = normalised_1d_cycle(lam=lam1).amplitude
    J = step.jacobian([x, y])
    # Evaluate at x = A > 0 (a positive symbol, so |x| needs no case split), then A -> amplitude.
    # Take y -> 0 by a limit: the map is smooth off y = 0 and even in y, so this is the derivative.
    A = sp.Symbol("A", positive=True)
    J0 = J.applyfunc(lambda e: sp.simplify(sp.limit(e.subs(x, A), y, 0).subs(A, amp)))
    along = sp.simplify(J0[0, 0])
    trans = sp.simplify(J0[1, 1])
    cond = sp.And(sp.StrictLessThan(along**2, 1), sp.StrictLessThan(trans**2, 1))
    return AxisCycleStability(amp, J0, along, trans, cond)
