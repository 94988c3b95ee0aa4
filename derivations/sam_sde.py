"""SDE models of SAM near a critical point (Kim et al., Theorem 2), built from the update rule.

Each reading is a *definition* of the stochastic update on the quadratic loss
``l(w) = 1/2 (w - d)^T H (w - d)`` with a stochastic gradient oracle ``G(w, xi) = grad l(w) + xi``,
``Cov(xi) = C``. From the update direction ``u(w, xi)`` we differentiate to get the SDE

    drift matrix  A = -du/dw |_{xi=0},   noise loading  N = du/dxi,   D = N C N^T,

and the covariance by solving the Lyapunov ODE (:mod:`derivations.linear_sde`). Nothing here is a
typed-in solution: change the update and everything downstream follows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ._claim import Derivation
from ._symbols import B, eta, lambda_j, rho, t
from .linear_sde import LinearSDE

__all__ = ["READINGS", "SamSdeModel", "sam_sde", "drift_and_noise", "variance_placeholder", "variance_derivation",
           "fisher_noise"]

#: Placeholder for the variance along eigendirection j at time t and radius rho (bound by a reading).
variance_placeholder = sp.Function("sigma_j^2")

READINGS: dict[str, str] = {
    "plain": "drift -H(I + rho H)(w - d) (gradient at the perturbed point); diffusion eta |H| / B",
    "same_batch": "the ascent uses the same noisy mini-batch gradient: diffusion eta (I + rho H)|H|(I + rho H) / B",
    "composed_gradient": "drift is the full gradient of l(w + rho grad l(w)): -(I + rho H) H (I + rho H)(w - d)",
    "positive_part": "as plain, with [H]^+ read as the positive part of H (no noise along lambda < 0)",
}


def fisher_noise(H: sp.Matrix, *, reading: str) -> sp.Matrix:
    """The gradient-noise covariance ``C = [H]^+ / B`` (Fisher approximation) for diagonal ``H``.

    ``[H]^+`` is ``|H|`` for every reading but ``positive_part``, where it is ``max(H, 0)``.
    """
    part = (lambda x: sp.Max(x, 0)) if reading == "positive_part" else sp.Abs
    return sp.diag(*[part(H[i, i]) for i in range(H.rows)]) / B


@dataclass(frozen=True)
class SamSdeModel:
    """A reading's derivation: the update direction and the SDE read off it by differentiation."""

    reading: str
    H: sp.Matrix
    w: sp.Matrix
    xi: sp.Matrix
    loss: sp.Expr
    perturbed: sp.Matrix
    update: sp.Matrix
    sde: LinearSDE


def _grad(loss: sp.Expr, w: sp.Matrix) -> sp.Matrix:
    return sp.Matrix([loss]).jacobian(w).T


def sam_sde(reading: str, H: sp.Matrix | None = None) -> SamSdeModel:
    """Build the SAM SDE of ``reading`` on the quadratic loss with diagonal Hessian ``H``.

    ``H`` defaults to the single eigendirection ``diag(lambda_j)``; the critical point ``d`` is
    the origin of the coordinates ``w`` (so ``w`` here is ``w - d``).
    """
    if reading not in READINGS:
        raise ValueError(f"reading={reading!r} must be one of {', '.join(READINGS)}")
    H = sp.Matrix([[lambda_j]]) if H is None else H
    k = H.rows
    w = sp.Matrix(sp.symbols(f"w_1:{k + 1}", real=True))
    xi = sp.Matrix(sp.symbols(f"xi_1:{k + 1}", real=True))
    loss = sp.expand((w.T * H * w)[0, 0] / 2)
    grad: Callable[[sp.Matrix], sp.Matrix] = lambda x: _grad(loss, w).subs(dict(zip(w, x)), simultaneous=True)  # noqa: E731
    oracle = lambda x: grad(x) + xi  # noqa: E731  (stochastic gradient at x)

    if reading in ("plain", "positive_part"):
        perturbed = w + rho * grad(w)
        update = -oracle(perturbed)
    elif reading == "same_batch":
        perturbed = w + rho * oracle(w)
        update = -oracle(perturbed)
    else:  # composed_gradient: the gradient of w -> l(w + rho grad l(w)), plus the oracle's noise
        perturbed = w + rho * grad(w)
        composed = loss.subs(dict(zip(w, perturbed)), simultaneous=True)
        update = -_grad(sp.expand(composed), w) - xi

    at_zero_noise = update.subs({x: 0 for x in xi})
    A = sp.simplify(-at_zero_noise.jacobian(w))
    N = sp.simplify(update.jacobian(xi))
    D = sp.simplify(N * fisher_noise(H, reading=reading) * N.T)
    return SamSdeModel(reading, H, w, xi, loss, perturbed, update, LinearSDE(A=A, D=D, eta=eta))


@lru_cache(maxsize=None)
def drift_and_noise(reading: str) -> tuple[sp.Expr, sp.Expr]:
    """The drift rate ``a`` and per-step gradient-noise variance ``q`` of ``reading`` along one eigendirection.

    ``a = -du/dw`` and ``q = (du/dxi) C (du/dxi)`` read off the update by :func:`sam_sde` with
    ``H = diag(lambda_j)``, in the symbols ``lambda_j``, ``rho``, ``B``. This is the one definition of the
    SAM readings' drift and noise: the heavy ball (:mod:`derivations.heavy_ball`), the SDE claims and every
    simulator in ``verify`` take them from here.
    """
    m = sam_sde(reading)
    return m.sde.A[0, 0], m.sde.D[0, 0]


@lru_cache(maxsize=None)
def variance_derivation(reading: str) -> Derivation:
    """The reading's variance ``sigma_j^2(t, rho)`` along one eigendirection, with its steps."""
    m = sam_sde(reading)
    v = m.sde.variance(0, t)
    tt, rr = sp.Dummy("t"), sp.Dummy("rho")
    lam = sp.Lambda((tt, rr), v.subs({t: tt, rho: rr}, simultaneous=True))
    steps = (
        ("loss", sp.Eq(sp.Symbol("l"), m.loss)),
        ("perturbed point w_p", sp.Eq(sp.Symbol("w_p"), m.perturbed[0])),
        ("update direction u(w, xi)", sp.Eq(sp.Symbol("u"), m.update[0])),
        ("drift rate a = -du/dw", sp.Eq(sp.Symbol("a"), m.sde.A[0, 0])),
        ("diffusion eta D = eta (du/dxi) C (du/dxi)^T", sp.Eq(sp.Symbol("q"), m.sde.eta * m.sde.D[0, 0])),
        ("moment (Lyapunov) ODE", m.sde.variance_ode(0, t)),
        ("solution with Sigma(0) = 0", sp.Eq(variance_placeholder(t, rho), v)),
    )
    return Derivation(bindings={variance_placeholder: lam}, steps=steps, model=m, note=READINGS[reading])
