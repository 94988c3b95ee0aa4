"""Linear SDE models ``dw = f(w) dt + G dW``: means, covariances and their stationary limits, derived.

From the drift ``f`` (affine in ``w``) and the constant diffusion ``G``: ``A = -df/dw``, ``b = f(0)``,
``Q = G G^T``. The mean solves ``m' = -A m + b``; the covariance the moment (Lyapunov) ODE
``S' = -A S - S A^T + Q``, ``S(0) = 0`` (a deterministic start ``w(0) = init``). For diagonal dynamics
each mode's ODE is solved with ``dsolve``; otherwise with the matrix exponential,

    m(t) = m_oo + e^{-A t} (init - m_oo),   S(t) = S_oo - e^{-A t} S_oo e^{-A^T t},

where ``A m_oo = b`` and ``A S_oo + S_oo A^T = Q`` (the identity holds whenever the Lyapunov equation
is solvable: differentiate ``-e^{-As} S_oo e^{-A^T s}``). ``e^{-A t}`` is symbolic when the
characteristic polynomial of ``A`` splits into factors of degree <= 2, and numeric (mpmath
eigendecomposition, 30 digits) for a numeric ``A`` otherwise. Stationary values exist where ``A``
is Hurwitz-stable (Routh–Hurwitz on its characteristic polynomial): they are ``oo`` elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import sympy as sp

from ._model import Model, check_free_of, guarded, vector
from ._model_stability import stability_condition
from ._symbols import t as _t
from ._user_params import Scaling, _as_symbols, _check_name, _scalings
from ._validate import fail
from .linear_sde import lyapunov_solve, matrix_exponential, solve_variance_ode

__all__ = ["SDEModel", "sde_model", "kim_sde_model", "matrix_exponential"]  # matrix_exponential: re-export

@dataclass(frozen=True, eq=False)
class SDEModel(Model):
    """A linear SDE ``dw = f(w) dt + G dW`` (``f`` affine in ``w``, ``G`` constant), ``w(0) = init``.

    Derived, never typed in: ``A = -df/dw``, ``b = f(0)``, ``Q = G G^T``; means and covariances from
    the mean and moment (Lyapunov) ODEs (``dsolve`` for diagonal dynamics, the matrix exponential
    otherwise); stationary values are their ``t -> oo`` limits, which exist where ``A`` is
    Hurwitz-stable (:attr:`stable`; elsewhere the variance diverges and the quantity is ``oo``).
    """

    name: str
    description: str
    state: tuple[sp.Symbol, ...]
    drift: sp.Matrix
    diffusion: sp.Matrix
    time_symbol: sp.Symbol = _t
    init: sp.Matrix | None = None
    scalings: tuple[Scaling, ...] = ()

    QUANTITIES: ClassVar[dict[str, str]] = {
        "mean": "E w(t) from w(0) = init",
        "variance": "Var w(t) from w(0) = init (the Lyapunov ODE's solution)",
        "second_moment": "E w(t)^2",
        "stationary_mean": "lim E w(t) as t -> oo",
        "stationary_variance": "lim Var w(t) as t -> oo",
        "stationary_second_moment": "lim E w(t)^2 as t -> oo",
    }
    TIME_DEPENDENT: ClassVar[frozenset[str]] = frozenset({"mean", "variance", "second_moment"})

    @property
    def time(self) -> sp.Symbol:
        """The SDE time symbol."""
        return self.time_symbol

    @cached_property
    def A(self) -> sp.Matrix:
        """The drift matrix ``A = -df/dw``."""
        return sp.simplify(-self.drift.jacobian(sp.Matrix(self.state)))

    @cached_property
    def b(self) -> sp.Matrix:
        """The constant part of the drift, ``f(0)``."""
        return sp.simplify(self.drift.subs({s: 0 for s in self.state}, simultaneous=True))

    @cached_property
    def Q(self) -> sp.Matrix:
        """The diffusion matrix ``G G^T``."""
        return sp.simplify(self.diffusion * self.diffusion.T)

    def _init(self) -> sp.Matrix:
        return sp.zeros(len(self.state), 1) if self.init is None else self.init

    def _diagonal(self) -> bool:
        return self.A.is_diagonal() and self.Q.is_diagonal()

    @cached_property
    def stable(self) -> sp.Basic:
        """Where the SDE has a stationary law: every eigenvalue of ``A`` has a positive real part (Routh–Hurwitz)."""
        return stability_condition(self.A, continuous=True)

    def validity(self, name: str, *, component: int = 0) -> sp.Basic:
        """Where ``name`` exists: the stability condition for stationary quantities, everywhere otherwise."""
        return self.stable if name.startswith("stationary") else sp.true

    @cached_property
    def exponential(self) -> sp.Matrix:
        """``e^{-A t}``, the propagator of the mean ODE (see :func:`matrix_exponential`)."""
        return matrix_exponential(self.A, self.time)

    @cached_property
    def _fixed_mean(self) -> sp.Matrix:
        return self.A.LUsolve(self.b) if any(self.b) else sp.zeros(len(self.state), 1)

    def mean(self, j: int = 0) -> sp.Expr:
        """``E w_j(t)`` from the mean ODE ``m' = -A m + b``, ``m(0) = init``."""
        if self.A.is_diagonal():
            m = sp.Function("m")
            s = self.time
            sol = sp.dsolve(sp.Eq(m(s).diff(s), -self.A[j, j] * m(s) + self.b[j]), m(s),
                            ics={m(0): self._init()[j]}).rhs
            return sp.simplify(sol)
        m_oo = self._fixed_mean
        return sp.simplify((m_oo + self.exponential * (self._init() - m_oo))[j])

    @cached_property
    def _covariance(self) -> sp.Matrix:
        E = self.exponential
        S = self.stationary_covariance()
        out = S - E * S * E.T
        # a numeric propagator (Floats) gains nothing from simplify(), which is slow on it
        return out.applyfunc(sp.expand) if E.has(sp.Float) else out.applyfunc(sp.simplify)

    def variance(self, j: int = 0) -> sp.Expr:
        """``Var w_j(t)`` from the Lyapunov ODE with ``S(0) = 0`` (per mode with dsolve when diagonal)."""
        if self._diagonal():
            return solve_variance_ode(self.A[j, j], self.Q[j, j], self.time)
        return self._covariance[j, j]

    def covariance(self) -> sp.Matrix:
        """The whole covariance ``S(t)`` (``S(0) = 0``)."""
        if self._diagonal():
            return sp.diag(*[self.variance(j) for j in range(len(self.state))])
        return self._covariance

    def stationary_covariance(self) -> sp.Matrix:
        """``S_oo`` solving ``A S + S A^T = G G^T`` (for diagonal dynamics the ``t -> oo`` limit of the ODE)."""
        d = len(self.state)
        if self._diagonal():
            out = []
            for j in range(d):
                ap = sp.Dummy("a", positive=True)  # the limit exists for a decaying mode, a > 0
                lim = sp.limit(solve_variance_ode(ap, self.Q[j, j], self.time), self.time, sp.oo)
                out.append(sp.simplify(lim.subs(ap, self.A[j, j])))
            return sp.diag(*out)
        return lyapunov_solve(self.A, self.Q)

    def quantity(self, name: str, *, component: int = 0) -> sp.Expr:
        """The derived quantity ``name`` (see ``QUANTITIES``) of state component ``component``."""
        self._check_quantity(name, component)
        j = component
        noisy = any(self.Q[i, i].is_positive for i in range(self.Q.rows))
        if name == "mean":
            return self.mean(j)
        if name == "variance":
            return self.variance(j)
        if name == "second_moment":
            return sp.simplify(self.variance(j) + self.mean(j) ** 2)
        m = sp.simplify(self._fixed_mean[j])
        if name == "stationary_mean":
            return guarded(m, self.stable, diverges=True)
        v = self.stationary_covariance()[j, j]
        if name == "stationary_variance":
            return guarded(v, self.stable, diverges=noisy)
        return guarded(sp.simplify(v + m**2), self.stable, diverges=noisy)

    def steps(self, quantity: str, component: int = 0) -> tuple[tuple[str, sp.Basic], ...]:
        """The SDE, drift and diffusion read off it, and the moment ODE (component ``component``)."""
        j, s = component, self.time
        out: list[tuple[str, sp.Basic]] = [
            ("SDE drift f(w)", sp.Eq(sp.Symbol("f"), self.drift[j])),
            ("drift rate a = -df/dw", sp.Eq(sp.Symbol("a"), self.A[j, j])),
            ("diffusion q = (G G^T)_jj", sp.Eq(sp.Symbol("q"), self.Q[j, j])),
        ]
        if self._diagonal():
            v = sp.Function("Sigma")(s)
            out.append(("moment (Lyapunov) ODE", sp.Eq(sp.Derivative(v, s), -2 * self.A[j, j] * v + self.Q[j, j])))
            if quantity in ("variance", "second_moment", "stationary_variance", "stationary_second_moment"):
                out.append(("solution with Sigma(0) = 0", sp.Eq(v, self.variance(j))))
        else:
            out.append(("moment (Lyapunov) ODE S' = -A S - S A^T + G G^T, solved with e^{-A t}",
                        sp.Eq(sp.Symbol("A"), self.A)))
        if quantity.startswith("stationary") and self.stable != sp.true:
            out.append(("stationary law exists where (Routh-Hurwitz on A)", self.stable))
        return tuple(out)


def sde_model(
    drift: Any,
    diffusion: Any,
    *,
    state: Any,
    name: str = "sde",
    description: str | None = None,
    time: sp.Symbol = _t,
    init: Any = None,
    scalings: Any = (),
) -> SDEModel:
    """A linear SDE ``dw = drift dt + diffusion dW`` as a model (drift affine in ``state``, diffusion constant).

    ``diffusion`` is a scalar (one noise per component along the diagonal) or a ``d x m`` matrix;
    ``init`` is the deterministic start ``w(0)`` (default 0). Example:
    ``sde_model(-h * w, sp.sqrt(eta) * s, state=w)`` is ``dw = -h w dt + sqrt(eta s^2) dW``.
    """
    st = _as_symbols("state", state)
    d = len(st)
    f = vector("drift", drift, d)
    if isinstance(diffusion, sp.MatrixBase):
        G = sp.Matrix(diffusion)
        if G.rows != d:
            raise fail("diffusion", diffusion, f"a matrix with {d} rows (one per state component)")
    else:
        g = sp.sympify(diffusion)
        G = sp.eye(d) * g
    check_free_of("diffusion", G, st, "samverify solves SDEs with state-independent (additive) noise")
    J = f.jacobian(sp.Matrix(st))
    check_free_of("drift", J, st, "the drift must be affine in the state: the moment equations then close exactly")
    x0 = None if init is None else vector("init", init, d)
    if x0 is not None:
        check_free_of("init", x0, st, "the start is a point, not a function of the state")
    return SDEModel(_check_name(name), description or f"SDE dw = ({', '.join(map(str, f))}) dt + G dW", st, f, G, time,
                    x0, _scalings(scalings))


def kim_sde_model(reading: str, *, name: str | None = None, init: Any = None) -> SDEModel:
    """One of the catalogue's SAM SDE readings (docs/catalogue.md: ``plain``, ``same_batch``, ...) as a model.

    ``dw = -a w dt + sqrt(eta q) dW`` along one eigendirection with the drift rate ``a`` and noise
    ``q`` that :func:`derivations.sam_sde.drift_and_noise` reads off the reading's update rule (the one
    definition of each reading; symbols ``lambda_j``, ``rho``, ``eta``, ``B``, time ``t``).
    """
    from ._symbols import eta
    from .sam_sde import READINGS, drift_and_noise

    if reading not in READINGS:
        raise fail("reading", reading, "one of " + ", ".join(repr(r) for r in READINGS))
    a, q = drift_and_noise(reading)
    w = sp.Symbol("w_1", real=True)
    return SDEModel(_check_name(name or reading), READINGS[reading], (w,), sp.Matrix([-a * w]),
                    sp.Matrix([[sp.sqrt(eta * q)]]), _t, None if init is None else vector("init", init, 1))
