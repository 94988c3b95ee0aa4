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

The reading's ``a`` and ``q`` are read off the SAM update in :mod:`derivations.sam_sde` (one definition
per reading); nothing printed by a paper lives here (Theorem 3's printed formula is in the claim module
:mod:`derivations.kim2023_ext`). Pure SymPy: never import numpy here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import sympy as sp

from ._symbols import B, eta, gamma, lambda_j, rho, t
from ._validate import check_choice, check_in_range, check_integer, check_positive
from .sam_sde import drift_and_noise

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
    "overdamped_delta",
    "overdamped_validity",
    "last_kick_coefficient",
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
    """The curvature ``a`` and noise variance ``q`` of a reading of mini-batch SAM (docs/catalogue.md).

    Read off the reading's update rule by :func:`derivations.sam_sde.drift_and_noise` (the one
    definition of each reading): ``plain``: ``a = lam (1 + rho lam)``, ``q = |lam|/B``; ``same_batch``:
    same ``a``, ``q = (1 + rho lam)^2 |lam|/B``; ``composed_gradient``: ``a = lam (1 + rho lam)^2``,
    ``q = |lam|/B``; ``positive_part``: as plain with ``q = max(lam, 0)/B``. SGD is any reading at ``rho = 0``.
    """
    check_choice("reading", reading, READINGS)
    a_, q_ = drift_and_noise(reading)
    subs = {lambda_j: lam, rho: radius, B: batch}
    return a_.subs(subs, simultaneous=True), q_.subs(subs, simultaneous=True)


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


def last_kick_coefficient() -> sp.Expr:
    """``d w'/d xi``: how the newest noise kick enters ``w`` (derived: ``-eta``).

    The kick is independent of ``(w, v)``, so ``E w_k^2 >= eta^2 q`` for ``k >= 1``: the variance is
    positive whenever ``q > 0`` (the lemma behind the batch-size monotonicity proof).
    """
    w1, _ = _update()
    return sp.diff(w1, _xi)


@lru_cache(maxsize=1)
def overdamped_delta() -> sp.Expr:
    """``E w^2`` at time ``t`` in the over-damped limit, derived from the discrete model (in ``a``, ``q``).

    ``eta`` times :attr:`OverdampedLimit.limit_over_eta` of :func:`overdamped_limit_of_discrete`: the
    ``eta -> 0`` limit of the exact heavy-ball variance at ``k = t/eta`` steps. The algebra of the limit
    is done for ``a > 0``; the result is analytic in ``a`` and equals the over-damped SDE's variance for
    ``a < 0`` too (checked numerically against the exact recursion in the tests).
    """
    return sp.simplify(eta * overdamped_limit_of_discrete().limit_over_eta)


def overdamped_validity() -> sp.Boolean:
    """Where the over-damped limit exists: the roots of the ``eta = 0`` map other than 1 lie inside the unit circle.

    Derived: at ``eta = 0`` the characteristic polynomial of the 2x2 map factors as ``(z - 1)(z - gamma)``;
    the root 1 is the slow mode that becomes the SDE and the other must decay (``|gamma| < 1``), else
    ``(r1 r2)^k`` and ``r2^(2k)`` do not vanish at ``k = t/eta``.
    """
    z = sp.Symbol("z")
    poly = sp.Poly((deterministic_matrix() - z * sp.eye(2)).det().subs(eta, 0), z)
    fast = [r for r in sp.roots(poly, multiple=True) if sp.simplify(r - 1) != 0]
    return sp.And(*[sp.Abs(r) < 1 for r in fast])
