"""Linear SDEs ``dw = -A (w - d) dt + sqrt(eta D) dW``: covariance from the moment (Lyapunov) ODE.

The covariance ``Sigma(t) = E[(w - d)(w - d)^T]`` of a process started at ``w(0) = d`` obeys

    dSigma/dt = -A Sigma - Sigma A^T + eta D,   Sigma(0) = 0,

which follows from Ito's formula applied to ``(w - d)(w - d)^T``. When ``A`` and ``D`` are diagonal
(the eigenbasis of a quadratic loss, where every reading of Kim et al. lives) the ODE splits into one
scalar equation per eigendirection, ``v' = -2 a v + q``, which :func:`solve_variance_ode` solves with
``sympy.dsolve`` — the solution is derived, not typed in. Otherwise ``Sigma(t) = S - e^{-At} S e^{-A^T t}``
with the stationary ``S`` of :func:`lyapunov_solve` and ``e^{-At}`` from :func:`matrix_exponential`
(symbolic when ``A``'s characteristic polynomial splits into factors of degree <= 2, numeric for a
numeric ``A`` otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sympy as sp

__all__ = ["LinearSDE", "solve_variance_ode", "ou_parameters", "variance_ode_residual", "matrix_exponential",
           "lyapunov_solve"]


@lru_cache(maxsize=None)
def _dsolve_generic() -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Symbol, sp.Symbol, sp.Symbol]:
    a = sp.Symbol("a", real=True, nonzero=True)
    q = sp.Symbol("q", real=True)
    s = sp.Symbol("s", nonnegative=True)
    v = sp.Function("v")
    generic = sp.dsolve(sp.Eq(v(s).diff(s), -2 * a * v(s) + q), v(s), ics={v(0): 0}).rhs
    # a = 0 is a different ODE (pure diffusion), solved on its own rather than as a limit.
    degenerate = sp.dsolve(sp.Eq(v(s).diff(s), q), v(s), ics={v(0): 0}).rhs
    return sp.simplify(generic), degenerate, sp.S.Zero, a, q, s


def solve_variance_ode(a: sp.Expr, q: sp.Expr, t: sp.Symbol, *, piecewise: bool = False) -> sp.Expr:
    """Solve ``v' = -2 a v + q``, ``v(0) = 0`` for ``v(t)`` with ``sympy.dsolve``.

    ``a`` is the drift rate of one eigendirection and ``q`` its diffusion coefficient (``eta D_jj``).
    With ``piecewise=True`` the result covers ``a = 0`` too; by default it is the ``a != 0`` branch,
    which is what every closed form in the catalogue states (their domains exclude ``a = 0``).
    """
    generic, degenerate, _, A, Q, S = _dsolve_generic()
    g = generic.subs({A: a, Q: q, S: t})
    if not piecewise:
        return g
    return sp.Piecewise((g, sp.Ne(a, 0)), (degenerate.subs({Q: q, S: t}), True))


def variance_ode_residual(v: sp.Expr, t: sp.Symbol, a: sp.Expr, q: sp.Expr) -> sp.Expr:
    """Return ``v' + 2 a v - q`` simplified: zero iff ``v`` solves the OU variance ODE."""
    return sp.simplify(sp.diff(v, t) + 2 * a * v - q)


def ou_parameters(v: sp.Expr, t: sp.Symbol) -> tuple[sp.Expr, sp.Expr] | None:
    """The drift rate ``a`` and diffusion ``q`` an OU variance formula ``v(t)`` implies, or None.

    For ``v(0) = 0`` and ``v' = -2 a v + q``: ``q = v'(0)`` and ``a = -v''(0) / (2 q)``. The pair is
    returned only if ``v`` really solves that ODE with those constants (checked symbolically).
    """
    v1 = sp.limit(sp.diff(v, t), t, 0)
    v2 = sp.limit(sp.diff(v, t, 2), t, 0)
    if v1 == 0 or not v1.is_finite or not v2.is_finite:
        return None
    q = sp.simplify(v1)
    a = sp.simplify(-v2 / (2 * v1))
    if sp.simplify(v.subs(t, 0)) != 0 or variance_ode_residual(v, t, a, q) != 0:
        return None
    return a, q


#: Digits of the numeric eigendecomposition used when ``e^{-A t}`` has no usable closed form: far
#: more than the 15-17 digits any float check compares, and cheap for the small matrices of models.
_NUMERIC_DPS = 30


def _splits_in_small_factors(A: sp.Matrix) -> bool:
    z = sp.Dummy("z")
    _, factors = sp.factor_list(sp.fraction(sp.together(A.charpoly().as_expr(z)))[0])
    return all(sp.degree(f, z) <= 2 for f, _ in factors)


def _numeric_exponential(A: sp.Matrix, t: sp.Symbol) -> sp.Matrix:
    """``e^{-A t}`` from a numeric eigendecomposition ``A = V diag(lam) V^{-1}`` (30 digits)."""
    import mpmath

    with mpmath.workdps(_NUMERIC_DPS):
        lam, V = mpmath.eig(mpmath.matrix([[complex(sp.N(A[i, j], _NUMERIC_DPS)) for j in range(A.cols)]
                                           for i in range(A.rows)]))
        Vinv = mpmath.inverse(V)
        n = A.rows

        def num(x: Any) -> sp.Expr:
            c = mpmath.mpc(x)
            re = sp.Float(mpmath.nstr(c.real, _NUMERIC_DPS), _NUMERIC_DPS)
            im = sp.Float(mpmath.nstr(c.imag, _NUMERIC_DPS), _NUMERIC_DPS)
            return re if abs(c.imag) == 0 else re + sp.I * im

        return sp.Matrix(n, n, lambda i, j: sum(num(V[i, k] * Vinv[k, j]) * sp.exp(-num(lam[k]) * t) for k in range(n)))


def matrix_exponential(A: sp.Matrix, t: sp.Symbol) -> sp.Matrix:
    """``e^{-A t}``: symbolic (Jordan form) when ``A``'s characteristic polynomial has factors of degree <= 2,
    numeric for a numeric ``A`` otherwise (a parametric ``A`` then raises ``NotImplementedError``)."""
    if A.is_diagonal():
        return sp.diag(*[sp.exp(-A[i, i] * t) for i in range(A.rows)])
    if _splits_in_small_factors(A):
        return (-A * t).exp().applyfunc(sp.simplify)
    if not A.free_symbols:
        return _numeric_exponential(A, t)
    raise NotImplementedError(
        f"e^(-A t) for A = {A.tolist()}: its characteristic polynomial has an irreducible factor of degree > 2, "
        "so the eigendecomposition has no closed form; give numeric drift coefficients or use the stationary quantities"
    )


def lyapunov_solve(A: sp.Matrix, Q: sp.Matrix) -> sp.Matrix:
    """The symmetric ``S`` with ``A S + S A^T = Q`` (unique when no two eigenvalues of ``A`` sum to 0)."""
    d = A.rows
    S = sp.Matrix(d, d, lambda i, j: sp.Dummy(f"S{min(i, j)}{max(i, j)}"))
    sol = sp.solve(list(A * S + S * A.T - Q), list(S.free_symbols), dict=True)
    if not sol:
        raise NotImplementedError("the stationary Lyapunov equation A S + S A^T = Q has no unique solution")
    return S.subs(sol[0]).applyfunc(sp.factor)


@dataclass(frozen=True)
class LinearSDE:
    """``dw = -A (w - d) dt + sqrt(eta D) dW`` with symbolic matrices ``A`` (drift) and ``D``.

    ``D`` is the per-step gradient-noise covariance (so the diffusion matrix is ``eta D``).
    """

    A: sp.Matrix
    D: sp.Matrix
    eta: sp.Expr

    def __post_init__(self) -> None:
        if self.A.shape != self.D.shape or self.A.rows != self.A.cols:
            raise ValueError(f"A {self.A.shape} and D {self.D.shape} must be square of one size")

    @property
    def dim(self) -> int:
        """The state dimension."""
        return self.A.rows

    def lyapunov_rhs(self, Sigma: sp.Matrix) -> sp.Matrix:
        """The right-hand side ``-A Sigma - Sigma A^T + eta D`` of the covariance ODE."""
        return -self.A * Sigma - Sigma * self.A.T + self.eta * self.D

    def is_diagonal(self) -> bool:
        """Whether ``A`` and ``D`` are diagonal (the ODE then splits per eigendirection)."""
        return self.A.is_diagonal() and self.D.is_diagonal()

    def covariance(self, t: sp.Symbol) -> sp.Matrix:
        """``Sigma(t)`` from ``Sigma(0) = 0``: per eigendirection with dsolve, else by the matrix exponential.

        Non-diagonal: ``Sigma(t) = S - e^{-A t} S e^{-A^T t}`` with ``A S + S A^T = eta D`` (differentiate
        to recover the Lyapunov ODE; it starts at 0). ``e^{-A t}`` is symbolic or numeric as
        :func:`matrix_exponential` can give it.
        """
        if not self.is_diagonal():
            S = lyapunov_solve(self.A, self.eta * self.D)
            E = matrix_exponential(self.A, t)
            out = S - E * S * E.T
            return out.applyfunc(sp.expand) if E.has(sp.Float) else out.applyfunc(sp.simplify)
        # Off-diagonal entries obey s' = -(a_i + a_j) s with s(0) = 0, hence stay zero.
        return sp.diag(*[self.variance(j, t) for j in range(self.dim)])

    def variance(self, j: int, t: sp.Symbol) -> sp.Expr:
        """``Sigma_jj(t)``: the variance along eigendirection ``j``."""
        a, q = self.A[j, j], self.eta * self.D[j, j]
        return solve_variance_ode(a, q, t)

    def variance_ode(self, j: int, t: sp.Symbol) -> sp.Eq:
        """The scalar moment ODE of eigendirection ``j`` as an equation (for reports)."""
        v = sp.Function(f"Sigma_{j + 1}{j + 1}" if self.dim > 1 else "Sigma")(t)
        return sp.Eq(sp.Derivative(v, t), -2 * self.A[j, j] * v + self.eta * self.D[j, j])
