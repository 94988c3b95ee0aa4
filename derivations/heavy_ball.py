"""Heavy-ball SGD/SAM along one eigendirection: exact second moments, their limits, and Theorem 3 as printed.

Model (per eigendirection, displacement ``w`` from the critical point): ``v' = gamma v - eta (a w + xi)``,
``w' = w + v'``, with curvature ``a`` and zero-mean noise ``xi`` of variance ``q``, independent across
steps and of ``(w, v)``. The reading fixes ``a`` and ``q`` (:func:`curvature_and_noise`).

Derived here from that definition (never typed in):

* the exact linear recursion ``m' = M m + c`` of ``m = (E w^2, E w v, E v^2)`` by expanding the update;
* ``E w_k^2`` from ``w = v = 0``: exactly by iterating ``M`` (rational inputs give rational outputs) and
  in closed form through the impulse response ``h_m = (r1^(m+1) - r2^(m+1))/(r1 - r2)`` of the
  deterministic 2x2 map (``r1, r2`` its eigenvalues), summed as geometric series;
* the stationary moments ``(I - M)^(-1) c`` and their existence condition (Jury's test on the
  characteristic polynomial of the 2x2 map: ``0 < eta a < 2 (1 + gamma)``, ``gamma < 1``);
* the over-damped limit ``t = eta k``, ``eta -> 0`` at fixed ``gamma``: ``E w^2 / eta`` converges to the
  solution of the Lyapunov ODE of ``dw = -(a/(1-gamma)) w dt + sqrt(eta q)/(1-gamma) dW``.

Theorem 3's printed formula is encoded separately and marked PRINTED; comparison helpers evaluate it
against the exact and limiting variances. Pure SymPy: never import numpy here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy as sp

from ._symbols import B, eta, gamma, lambda_j, rho, t
from ._validate import check_choice, check_in_range, check_integer, check_positive, fail

__all__ = [
    "a",
    "q",
    "k",
    "READINGS",
    "curvature_and_noise",
    "second_moment_recursion",
    "deterministic_matrix",
    "second_moments_exact",
    "impulse_response",
    "variance_closed_form",
    "characteristic_roots",
    "stationary_second_moments",
    "stationarity_condition",
    "overdamped_variance",
    "OverdampedLimit",
    "overdamped_limit_of_discrete",
    "printed_theorem3",
    "printed_theorem2",
    "theorem3_minus_theorem2_at_gamma_zero",
    "printed_theorem3_at_t_zero",
    "Thm3Comparison",
    "compare_theorem3",
    "printed_theorem3_derivative",
    "SignDecision",
    "printed_theorem3_derivative_sign",
]

a = sp.Symbol("a", real=True, nonzero=True)  # curvature seen by the update
q = sp.Symbol("q", nonnegative=True)  # per-step gradient-noise variance
k = sp.Symbol("k", integer=True, nonnegative=True)  # step count
_w, _v, _xi = sp.symbols("w v xi", real=True)
_W, _X, _V = sp.symbols("W X V", real=True)  # E w^2, E w v, E v^2

READINGS = ("plain", "same_batch", "composed_gradient", "positive_part")
ReadingName = Literal["plain", "same_batch", "composed_gradient", "positive_part"]


def curvature_and_noise(
    reading: ReadingName, *, lam: sp.Expr = lambda_j, radius: sp.Expr = rho, batch: sp.Expr = B
) -> tuple[sp.Expr, sp.Expr]:
    """The curvature ``a`` and noise variance ``q`` of a reading of mini-batch SAM (CLAIMS.md §1).

    ``plain``: ``a = lam (1 + rho lam)``, ``q = |lam|/B``; ``same_batch``: same ``a``,
    ``q = (1 + rho lam)^2 |lam|/B``; ``composed_gradient``: ``a = lam (1 + rho lam)^2``, ``q = |lam|/B``;
    ``positive_part``: as plain with ``q = max(lam, 0)/B``. SGD is any reading at ``rho = 0``.
    """
    check_choice("reading", reading, READINGS)
    s = 1 + radius * lam
    if reading == "plain":
        return lam * s, sp.Abs(lam) / batch
    if reading == "same_batch":
        return lam * s, s**2 * sp.Abs(lam) / batch
    if reading == "composed_gradient":
        return lam * s**2, sp.Abs(lam) / batch
    return lam * s, sp.Max(lam, 0) / batch


def _update() -> tuple[sp.Expr, sp.Expr]:
    v_new = gamma * _v - eta * (a * _w + _xi)
    return _w + v_new, v_new


def _moment(expr: sp.Expr) -> sp.Expr:
    """Replace each monomial of a quadratic polynomial in (w, v, xi) by its expectation."""
    poly = sp.Poly(sp.expand(expr), _w, _v, _xi)
    table = {(2, 0, 0): _W, (1, 1, 0): _X, (0, 2, 0): _V, (0, 0, 2): q}
    out = sp.Integer(0)
    for monom, coeff in poly.terms():
        if monom[2] == 1:
            continue  # E[xi] = 0 and xi is independent of (w, v)
        if monom not in table:
            raise AssertionError(f"unexpected monomial {monom} in a quadratic form")
        out += coeff * table[monom]
    return sp.expand(out)


def second_moment_recursion() -> tuple[sp.Matrix, sp.Matrix]:
    """The exact recursion ``(E w'^2, E w'v', E v'^2) = M (E w^2, E w v, E v^2) + c`` of the heavy ball.

    Obtained by expanding ``w'^2, w' v', v'^2`` and taking expectations monomial by monomial;
    ``c = eta^2 q (1, 1, 1)``.
    """
    w1, v1 = _update()
    rows = [_moment(w1 * w1), _moment(w1 * v1), _moment(v1 * v1)]
    M = sp.Matrix([[sp.expand(r).coeff(s) for s in (_W, _X, _V)] for r in rows])
    c = sp.Matrix([sp.expand(r).subs({_W: 0, _X: 0, _V: 0}) for r in rows])
    return M, c


def deterministic_matrix() -> sp.Matrix:
    """The 2x2 matrix ``A`` of the noiseless update ``(w', v') = A (w, v)`` (derived by differentiation)."""
    w1, v1 = _update()
    return sp.Matrix([w1, v1]).subs(_xi, 0).jacobian([_w, _v])


def _subs_params(expr: sp.Expr | sp.Matrix, curvature: sp.Expr, noise: sp.Expr, step: sp.Expr, momentum: sp.Expr):
    return expr.subs({a: curvature, q: noise, eta: step, gamma: momentum}, simultaneous=True)


def second_moments_exact(
    n_steps: int, *, curvature: sp.Expr, noise: sp.Expr, step: sp.Expr, momentum: sp.Expr
) -> sp.Matrix:
    """``(E w_k^2, E w_k v_k, E v_k^2)`` after ``n_steps`` steps from ``w = v = 0``, by iterating the recursion.

    Exact: with Rational inputs every entry is a Rational.
    """
    n_steps = check_integer("n_steps", n_steps, minimum=0)
    check_positive("step", step)
    check_in_range("momentum", momentum, 0, 1, closed_high=False)
    M, c = second_moment_recursion()
    M = _subs_params(M, curvature, noise, step, momentum)
    c = _subs_params(c, curvature, noise, step, momentum)
    m = sp.zeros(3, 1)
    for _ in range(n_steps):
        m = (M * m + c).applyfunc(sp.nsimplify if m.has(sp.Float) else sp.expand)
    return m


def characteristic_roots() -> tuple[sp.Expr, sp.Expr]:
    """The eigenvalues ``(r1, r2)`` of the noiseless map ``A``; ``r1 -> 1`` and ``r2 -> gamma`` as ``eta -> 0``."""
    z = sp.Symbol("z")
    poly = sp.Poly((deterministic_matrix() - z * sp.eye(2)).det(), z)
    b, c0 = poly.all_coeffs()[1:]
    disc = sp.expand(b**2 - 4 * c0)
    return (-b + sp.sqrt(disc)) / 2, (-b - sp.sqrt(disc)) / 2


_r1, _r2 = sp.symbols("r_1 r_2")
_m = sp.Symbol("m", integer=True, nonnegative=True)


def impulse_response() -> sp.Expr:
    """``h_m = e1^T A^m (1, 1)^T`` (how a noise kick moves ``w`` ``m`` steps later, up to ``-eta``), in ``r1, r2``.

    Solved from the two-term recurrence of Cayley-Hamilton: ``h_m = C1 r1^m + C2 r2^m`` with ``C1, C2``
    fitted to ``h_0``, ``h_1`` computed from ``A``; the result is ``(r1^(m+1) - r2^(m+1))/(r1 - r2)``.
    """
    A = deterministic_matrix()
    one = sp.Matrix([1, 1])
    h0 = (A**0 * one)[0]
    h1 = sp.expand((A * one)[0])
    # h1 is the trace of A = r1 + r2, and det A = r1 r2: express in the roots.
    assert sp.simplify(h1 - A.trace()) == 0
    C1, C2 = sp.symbols("C1 C2")
    sol = sp.solve([sp.Eq(C1 + C2, h0), sp.Eq(C1 * _r1 + C2 * _r2, _r1 + _r2)], [C1, C2], dict=True)[0]
    return sp.simplify(sol[C1] * _r1**_m + sol[C2] * _r2**_m)


def _geometric(x: sp.Expr, n: sp.Expr) -> sp.Expr:
    """``sum_{m=0}^{n-1} x^m`` for ``x != 1`` (SymPy's summation, generic branch)."""
    s = sp.summation(x**_m, (_m, 0, n - 1))
    if isinstance(s, sp.Piecewise):
        s = s.args[-1][0] if s.args[-1][1] == sp.true else next(e for e, c in s.args if c != sp.true)
    return sp.simplify(s)


def variance_closed_form() -> sp.Expr:
    """``E w_k^2`` in closed form in ``k``, in terms of the roots ``r_1, r_2`` (symbols) of the 2x2 map.

    ``E w_k^2 = eta^2 q sum_{m<k} h_m^2`` (independent kicks); ``h_m^2`` expands into three geometric
    series in ``r1^2``, ``r1 r2`` and ``r2^2``. Substitute :func:`characteristic_roots` for numbers.
    """
    h = impulse_response()
    h2 = sp.expand(sp.expand_power_base(sp.expand(h**2 * (_r1 - _r2) ** 2), force=True))
    # h^2 (r1 - r2)^2 = r1^2 (r1^2)^m - 2 r1 r2 (r1 r2)^m + r2^2 (r2^2)^m
    total = sp.Integer(0)
    for base, weight in ((_r1**2, _r1**2), (_r1 * _r2, -2 * _r1 * _r2), (_r2**2, _r2**2)):
        total += weight * _geometric(base, k)
    check = sp.expand(h2 - (_r1**2 * _r1 ** (2 * _m) - 2 * _r1 * _r2 * (_r1 * _r2) ** _m + _r2**2 * _r2 ** (2 * _m)))
    assert sp.simplify(sp.powsimp(check, force=True)) == 0, check
    return eta**2 * q * total / (_r1 - _r2) ** 2


def stationary_second_moments() -> sp.Matrix:
    """The stationary ``(E w^2, E w v, E v^2) = (I - M)^(-1) c`` (exists under :func:`stationarity_condition`)."""
    M, c = second_moment_recursion()
    return ((sp.eye(3) - M).LUsolve(c)).applyfunc(sp.factor)


def stationarity_condition() -> sp.Boolean:
    """The condition for both roots of ``A`` inside the unit circle (so ``M``'s spectral radius < 1).

    Jury's test on ``z^2 + b z + c``: ``|c| < 1`` and ``|b| < 1 + c``; with the coefficients of
    ``A``'s characteristic polynomial this reads ``gamma < 1`` and ``0 < eta a < 2 (1 + gamma)``.
    The eigenvalues of ``M`` are ``r1^2, r1 r2, r2^2`` (checked in the tests).
    """
    z = sp.Symbol("z")
    poly = sp.Poly((deterministic_matrix() - z * sp.eye(2)).det(), z)
    _, b, c0 = poly.all_coeffs()
    return sp.And(sp.Abs(c0) < 1, b < 1 + c0, -b < 1 + c0)


def overdamped_variance(*, time: sp.Expr = t) -> sp.Expr:
    """The variance of ``dw = -(a/(1-gamma)) w dt + sqrt(eta q)/(1-gamma) dW`` from ``w(0) = 0``.

    Solves the Lyapunov ODE ``S' = -2 a/(1-gamma) S + eta q/(1-gamma)^2``, ``S(0) = 0`` with ``dsolve``.
    """
    S = sp.Function("S")
    s = sp.Symbol("s", positive=True)
    ode = sp.Eq(S(s).diff(s), -2 * a / (1 - gamma) * S(s) + eta * q / (1 - gamma) ** 2)
    sol = sp.dsolve(ode, S(s), ics={S(0): 0})
    return sp.simplify(sol.rhs.subs(s, time))


@dataclass(frozen=True)
class OverdampedLimit:
    """The ``eta -> 0`` limit of the exact heavy-ball variance at ``k = t/eta`` steps, and the SDE variance.

    ``limit_over_eta`` is ``lim E w_{t/eta}^2 / eta`` computed from :func:`variance_closed_form`;
    ``sde_over_eta`` is :func:`overdamped_variance` divided by ``eta``; ``difference`` simplifies to 0
    when the over-damped SDE is the correct limit. ``r1_series`` is ``r1 = 1 - eta a/(1-gamma) + O(eta^2)``.
    """

    r1_series: sp.Expr
    exponent_limit: sp.Expr
    limit_over_eta: sp.Expr
    sde_over_eta: sp.Expr
    difference: sp.Expr


def overdamped_limit_of_discrete() -> OverdampedLimit:
    """Derive the over-damped limit of the exact discrete variance (``gamma`` in ``[0, 1)`` fixed, ``a > 0``).

    Steps: ``r1^(2k) = exp(2 (t/eta) log r1) -> exp(L)`` with ``L = lim 2 t log(r1)/eta``; ``(r1 r2)^k``
    and ``r2^(2k)`` tend to 0 because ``r2 -> gamma < 1``; the remaining algebraic factor's limit is
    taken by ``sp.limit``. For ``a < 0`` the same algebra holds with ``exp(L)`` growing.
    """
    r1e, r2e = characteristic_roots()
    gm = sp.Symbol("g", positive=True)  # gamma in (0, 1) as 1 - g... use gamma = 1 - g with 0 < g <= 1
    ap = sp.Symbol("a_p", positive=True)
    subs = {gamma: 1 - gm, a: ap}
    r1s = r1e.subs(subs)
    r1_series = sp.simplify(sp.series(r1s, eta, 0, 2).removeO())
    L = sp.simplify(sp.limit(2 * t * sp.log(r1s) / eta, eta, 0))
    expr = variance_closed_form()
    pw1, pw12, pw2 = sp.Symbol("P1"), sp.Symbol("P12"), sp.Symbol("P2")
    expr = sp.powsimp(sp.expand_power_base(expr, force=True), force=True)
    expr = expr.subs({_r1 ** (2 * k): pw1, (_r1 * _r2) ** k: pw12, _r2 ** (2 * k): pw2})
    expr = expr.subs({_r1**k * _r2**k: pw12})
    if expr.has(k):
        raise AssertionError(f"could not isolate the k-th powers in {expr}")
    expr = expr.subs({pw1: sp.exp(L), pw12: 0, pw2: 0}).subs({_r1: r1s, _r2: r2e.subs(subs)}).subs(subs)
    lim = sp.simplify(sp.limit(expr / eta, eta, 0))
    sde = sp.simplify(overdamped_variance().subs(subs) / eta)
    back = {gm: 1 - gamma, ap: a}
    return OverdampedLimit(
        r1_series.subs(back),
        L.subs(back),
        sp.simplify(lim.subs(back)),
        sp.simplify(sde.subs(back)),
        sp.simplify((lim - sde).subs(back)),
    )


# ----------------------------------------------------------------------------- printed statements


# PRINTED (as summarised in CLAIMS.md): Theorem 3, momentum gamma and batch B.
def printed_theorem3(
    *, lam: sp.Expr = lambda_j, radius: sp.Expr = rho, step: sp.Expr = eta, momentum: sp.Expr = gamma,
    batch: sp.Expr = B, time: sp.Expr = t,
) -> sp.Expr:
    """Theorem 3's printed ``Delta_SAM = C1 (1 - e^{-C2(1-gamma)})^2/((1-gamma)^3 B) + C3 (1 - e^{-C4/(1-gamma)})/((1-gamma) B)``.

    ``C1 = eta^2 |lambda|/2``, ``C2 = eta/t``, ``C3 = eta |lambda|/(2 lambda (1+rho lambda)^2)``,
    ``C4 = 2 lambda (1 + rho lambda)^2 t`` (as summarised in CLAIMS.md; not derived).
    """
    C1 = step**2 * sp.Abs(lam) / 2
    C2 = step / time
    C3 = step * sp.Abs(lam) / (2 * lam * (1 + radius * lam) ** 2)
    C4 = 2 * lam * (1 + radius * lam) ** 2 * time
    g1 = 1 - momentum
    return C1 * (1 - sp.exp(-C2 * g1)) ** 2 / (g1**3 * batch) + C3 * (1 - sp.exp(-C4 / g1)) / (g1 * batch)


# PRINTED (as summarised in CLAIMS.md): Theorem 2's variance, for comparison with Theorem 3 at gamma = 0.
def printed_theorem2(
    *, lam: sp.Expr = lambda_j, radius: sp.Expr = rho, step: sp.Expr = eta, batch: sp.Expr = B, time: sp.Expr = t
) -> sp.Expr:
    """Theorem 2's printed ``sigma_j^2(t) = eta|lambda|/(2 B lambda (1+rho lambda)^2) (1 - exp(-2 lambda (1+rho lambda)^2 t))``."""
    s = lam * (1 + radius * lam) ** 2
    return step * sp.Abs(lam) / (2 * batch * s) * (1 - sp.exp(-2 * s * time))


def theorem3_minus_theorem2_at_gamma_zero() -> sp.Expr:
    """``printed_theorem3(gamma=0) - printed_theorem2``, simplified.

    Derived: ``eta^2 |lambda| (1 - exp(-eta/t))^2 / (2 B)`` -- not zero, so the printed Theorem 3 does
    not reduce to Theorem 2 at ``gamma = 0`` (its ``C4`` exponent does equal Theorem 2's).
    """
    diff = sp.simplify(printed_theorem3(momentum=0) - printed_theorem2())
    return sp.factor(sp.simplify(sp.expand(diff)))


def printed_theorem3_at_t_zero() -> sp.Expr:
    """``lim_{t -> 0+} printed_theorem3`` (a variance started at 0 must vanish there); derived: ``C1/((1-gamma)^3 B)``."""
    g1 = sp.Symbol("g1", positive=True)  # 1 - gamma > 0 fixes the sign Gruntz needs
    return sp.simplify(sp.limit(printed_theorem3().subs(gamma, 1 - g1), t, 0, "+").subs(g1, 1 - gamma))


@dataclass(frozen=True)
class Thm3Comparison:
    """Printed Theorem 3 against the exact discrete heavy-ball variance and the over-damped SDE, at one point.

    All values are exact SymPy numbers (or high-precision floats where exponentials appear); ``k`` is
    the step count ``t/eta``; ``relative_error_exact`` is ``printed/exact - 1``.
    """

    reading: str
    params: dict
    k: int
    printed: sp.Expr
    exact_discrete: sp.Expr
    overdamped: sp.Expr
    relative_error_exact: sp.Expr
    relative_error_overdamped: sp.Expr


def compare_theorem3(
    *, reading: ReadingName, lam: sp.Expr, radius: sp.Expr, step: sp.Expr, momentum: sp.Expr, batch: sp.Expr,
    n_steps: int, dps: int = 30,
) -> Thm3Comparison:
    """Evaluate printed Theorem 3, the exact heavy-ball ``E w_k^2`` and the over-damped SDE variance at ``t = eta k``.

    Inputs are made exact with ``nsimplify``; ``dps`` is the precision used to evaluate exponentials.
    """
    lam, radius, step, momentum, batch = (sp.nsimplify(x) for x in (lam, radius, step, momentum, batch))
    check_positive("step", step)
    check_positive("batch", batch)
    if lam == 0:
        raise fail("lam", lam, "non-zero")
    n_steps = check_integer("n_steps", n_steps, minimum=1)
    curv, noise = curvature_and_noise(reading, lam=lam, radius=radius, batch=batch)
    if curv == 0:
        raise fail("radius", radius, "!= -1/lam (the curvature a vanishes there)")
    time = step * n_steps
    exact = second_moments_exact(n_steps, curvature=curv, noise=noise, step=step, momentum=momentum)[0]
    printed = printed_theorem3(lam=lam, radius=radius, step=step, momentum=momentum, batch=batch, time=time)
    od = overdamped_variance(time=time).subs({a: curv, q: noise, eta: step, gamma: momentum})
    printed_n, od_n, exact_n = (sp.N(x, dps) for x in (printed, od, exact))
    return Thm3Comparison(
        reading,
        {"lambda": lam, "rho": radius, "eta": step, "gamma": momentum, "B": batch, "t": time},
        n_steps,
        printed_n,
        exact,
        od_n,
        sp.N(printed_n / exact_n - 1, dps),
        sp.N(printed_n / od_n - 1, dps),
    )


def printed_theorem3_derivative(wrt: Literal["gamma", "B", "rho"]) -> sp.Expr:
    """The derivative of the printed Theorem 3 with respect to ``gamma``, ``B`` or ``rho``."""
    check_choice("wrt", wrt, ("gamma", "B", "rho"))
    var = {"gamma": gamma, "B": B, "rho": rho}[wrt]
    return sp.diff(printed_theorem3(), var)


@dataclass(frozen=True)
class SignDecision:
    """Whether a derivative is positive on a stated domain: ``positive`` is True, False or None (undecided).

    ``method`` says how: ``"sympy"`` (assumption system decided it), ``"factorisation"`` (an exact
    identity checked by SymPy plus the lemma ``1 + z < e^z`` for ``z != 0``), or ``"undecided"``.
    ``domain`` states the assumptions; ``identity`` is the factorisation used, if any.
    """

    wrt: str
    domain: str
    derivative: sp.Expr
    positive: bool | None
    method: str
    identity: sp.Expr | None = None


def printed_theorem3_derivative_sign(
    wrt: Literal["gamma", "B", "rho"], *, lambda_sign: int, rho_side: Literal["below", "above"] | None = None
) -> SignDecision:
    """Decide the sign of a derivative of the printed Theorem 3 for ``lambda > 0`` or ``lambda < 0``.

    ``rho_side`` (only for ``lambda_sign=-1``) restricts to ``rho < -1/lambda`` or ``rho > -1/lambda``.
    SymPy's assumption system is tried first. When it cannot decide, the decision comes from exact
    identities: with ``s = lambda (1+rho lambda)^2`` and ``T = t/(1-gamma)`` the printed formula is
    ``C1 E(C2(1-gamma))^2 C2^2/((1-gamma) B) + eta |lambda| T F(s)/((1-gamma) B)``-type products of
    ``E(z) = (1-e^{-z})/z`` (positive, decreasing: ``1 + z < e^z``) and positive powers, whose
    monotonicity is then read off factor by factor.
    """
    check_choice("wrt", wrt, ("gamma", "B", "rho"))
    if lambda_sign not in (1, -1):
        raise fail("lambda_sign", lambda_sign, "1 or -1")
    if rho_side is not None:
        check_choice("rho_side", rho_side, ("below", "above"))
        if lambda_sign == 1:
            raise fail("rho_side", rho_side, "None when lambda_sign=1", "the threshold -1/lambda is negative")
    L = sp.Symbol("L", positive=True)
    lam = lambda_sign * L
    g1 = sp.Symbol("g1", positive=True)  # 1 - gamma in (0, 1]
    domain = f"lambda {'>' if lambda_sign > 0 else '<'} 0, 0 <= gamma < 1, eta, t, B > 0, rho >= 0"
    r = rho
    if rho_side == "below":
        r = (1 - sp.Symbol("p", positive=True)) / L  # rho in [0, 1/L) as (1-p)/L with 0 < p <= 1
        domain += ", rho < -1/lambda"
    elif rho_side == "above":
        r = (1 + sp.Symbol("p", positive=True)) / L
        domain += ", rho > -1/lambda"
    deriv = printed_theorem3_derivative(wrt)
    d = deriv.subs(lambda_j, lam).subs(rho, r).subs(gamma, 1 - g1)
    d = sp.simplify(d)
    for method, value in (("sympy", d.is_positive), ("sympy", None if d.is_negative is None else not d.is_negative)):
        if value is not None:
            return SignDecision(wrt, domain, deriv, bool(value), method)
    return _decide_by_factorisation(wrt, lambda_sign, rho_side, deriv, domain)


def _decide_by_factorisation(wrt: str, lambda_sign: int, rho_side: str | None, deriv: sp.Expr, domain: str) -> SignDecision:
    """Sign of a Theorem-3 derivative from an exact identity (checked here) and monotone factors."""
    s_sym = sp.Symbol("s", real=True, nonzero=True)
    T = t / (1 - gamma)
    delta = printed_theorem3()
    # F(s) = (1 - e^{-2 s T})/(2 s) = T E(2 s T) > 0 and dF/ds = ((1 + z) e^{-z} - 1)/(2 s^2) < 0, z = 2 s T.
    F = (1 - sp.exp(-2 * s_sym * T)) / (2 * s_sym)
    s_of = lambda_j * (1 + rho * lambda_j) ** 2
    second = eta * sp.Abs(lambda_j) / ((1 - gamma) * B) * F.subs(s_sym, s_of)
    first = delta - second
    assert sp.simplify(first - printed_theorem3(radius=0) + second.subs(rho, 0)) == 0
    if wrt == "B":
        identity = sp.simplify(deriv + delta / B)
        # dDelta/dB = -Delta/B and Delta > 0 (first term: square of 1 - e^{-x}, x > 0; second: |lambda| T E(.) > 0).
        return SignDecision(wrt, domain, deriv, False if identity == 0 else None, "factorisation", sp.Eq(deriv, -delta / B))
    if wrt == "rho":
        dF = sp.diff(F, s_sym)
        z = 2 * s_sym * T
        assert sp.simplify(dF - ((1 + z) * sp.exp(-z) - 1) / (2 * s_sym**2)) == 0
        chain = eta * sp.Abs(lambda_j) / ((1 - gamma) * B) * dF.subs(s_sym, s_of) * sp.diff(s_of, rho)
        identity = sp.simplify(deriv - chain)
        if identity != 0:
            return SignDecision(wrt, domain, deriv, None, "undecided")
        # dF/ds < 0 for every s != 0 (1 + z < e^z), so sign(dDelta/drho) = -sign(ds/drho) = -sign(1 + rho lambda).
        if lambda_sign == 1 or rho_side == "below":
            positive: bool | None = False
        elif rho_side == "above":
            positive = True
        else:
            positive = None  # changes sign at rho = -1/lambda
        return SignDecision(wrt, domain, deriv, positive, "factorisation", sp.Eq(deriv, chain))
    # gamma: with x = 1 - gamma in (0, 1], split Delta into two products of monotone factors.
    x = sp.Symbol("x", positive=True)
    E = lambda zz: (1 - sp.exp(-zz)) / zz  # noqa: E731 - local shorthand for the lemma's function
    first_x = eta**2 * sp.Abs(lambda_j) / (2 * B) * (eta / t) ** 2 * E(eta / t * x) ** 2 / x
    second_x = sp.Abs(lambda_j) * eta * t / B * E(2 * s_of * t / x) / x**2
    identity = sp.simplify(delta.subs(gamma, 1 - x) - first_x - second_x)
    if identity != 0:
        return SignDecision(wrt, domain, deriv, None, "undecided")
    # first_x = const * E(c x)^2 / x with c = eta/t > 0: E is positive and decreasing, so it grows as x
    # shrinks. second_x = |lambda| eta t/B * (1 - e^{-y/x})/(y x) with y = 2 s t: for y > 0 both
    # (1 - e^{-y/x}) and 1/x grow as x shrinks; for y < 0 it is (e^{|y|/x} - 1)/(|y| x), which grows too.
    # Hence Delta increases with gamma = 1 - x (for s != 0, i.e. rho != -1/lambda).
    return SignDecision(wrt, domain, deriv, True, "factorisation", sp.Eq(delta, first_x + second_x))
