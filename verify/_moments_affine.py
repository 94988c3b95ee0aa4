"""Exact moments of affine recursions (iterates with an offset: random perturbation, starts) and of linear SDEs.

Split from :mod:`verify._moments` (which re-exports both functions): :func:`affine_moments` augments
the state with a constant so an affine recursion becomes a linear one and reuses the second-moment
operators there; :func:`lyapunov_covariance` solves the Lyapunov ODE exactly (Van Loan exponentials;
the stationary covariance from SciPy's Lyapunov solver).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from derivations._validate import check_choice, check_nonnegative, check_positive, fail

from ._moments import _ASCENTS, _check_batch, _Pieces, batch_hessian_moments, enumerate_batches
from ._sim import FiniteSumQuadratic, gaussian_transition
from ._validate_arrays import as_float_array, check_count, check_psd, check_shape, check_square, describe

__all__ = ["affine_moments", "lyapunov_covariance"]


# --------------------------------------------------------------------------------------------------
# Exact moments of the affine recursion (offsets g_i, heavy ball, random perturbation)
# --------------------------------------------------------------------------------------------------


def _augmented_stack(problem: FiniteSumQuadratic) -> np.ndarray:
    """Per-sample ``Ĝ_i = [[H_i, g_i], [0, 0]]`` so that ``Ĝ_i (u, 1) = (grad l_i, 0)``."""
    n, d = problem.n, problem.d
    G = np.zeros((n, d + 1, d + 1))
    G[:, :d, :d] = problem.H
    G[:, :d, d] = problem.g
    return G


def _affine_pieces(problem: FiniteSumQuadratic, *, algorithm: str, batch: str, B: int, rho: float, ascent: str) -> _Pieces:
    G = _augmented_stack(problem)
    s = G.shape[1]
    I = np.eye(s)
    if algorithm == "gd":
        EG = G.mean(axis=0)
        return _Pieces(EG, np.kron(EG, EG), False)
    EG, SG = batch_hessian_moments(G, B=B, batch=batch, symmetric=False)
    if algorithm in ("sgd", "random_perturbation") or rho == 0.0:
        return _Pieces(EG, SG, False)
    P = I + rho * EG
    if ascent == "full":
        return _Pieces(EG @ P, SG @ np.kron(P, P), False)
    if ascent == "independent_batch":
        EPP = np.kron(I, I) + rho * (np.kron(EG, I) + np.kron(I, EG)) + rho * rho * SG
        return _Pieces(EG @ P, SG @ EPP, False)
    W, prob = enumerate_batches(problem.n, B=B, batch=batch)
    Gb = np.einsum("bn,nij->bij", W, G)
    X = Gb + rho * Gb @ Gb
    EX = np.einsum("b,bij->ij", prob, X)
    Xf = X.reshape(len(prob), s * s)
    M = ((Xf * prob[:, None]).T @ Xf).reshape(s, s, s, s)
    return _Pieces(EX, np.ascontiguousarray(M.transpose(0, 2, 1, 3)).reshape(s * s, s * s), False)


def affine_moments(
    problem: FiniteSumQuadratic,
    *,
    algorithm: str,
    batch: str,
    B: int,
    eta: float,
    rho: float = 0.0,
    ascent: str = "same_batch",
    gamma: float = 0.0,
    n_steps: int,
    x0: Any = None,
    stationary: bool = False,
    perturbation_std: float = 0.0,
    perturbation_persists: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact mean and second moment of the discrete iterate on a finite-sum quadratic, per batch model.

    The state ``z = (u, [v], 1)`` (``u = w - d``, ``v`` the heavy-ball velocity when ``gamma > 0``)
    follows ``z' = A z`` with a random matrix ``A`` built from ``X = Ĝ_B (I + rho Ĝ_A)`` on the
    augmented per-sample matrices ``Ĝ_i = [[H_i, g_i], [0, 0]]``; ``E[z z^T]`` then evolves by the
    linear map ``Z -> E[A Z A^T]``, exactly, carrying the mean in its last column.  ``algorithm`` is
    ``"gd"``, ``"sgd"``, ``"sam"`` (plain; ``ascent`` as in :func:`~verify._sim.run_optimizer`;
    same-batch needs batch enumeration, so small ``n``) or ``"random_perturbation"`` (perturbation
    ``N(0, perturbation_std^2 I)`` at the gradient, or persisting when ``perturbation_persists``).

    Returns ``(mean_k, second_moment_k)`` of shapes ``(n_steps + 1, d)`` and ``(n_steps + 1, d, d)``:
    ``mean_k = E[w_k]`` and ``second_moment_k = E[(w_k - d)(w_k - d)^T]`` (the covariance is
    ``second_moment_k - m m^T`` with ``m = mean_k - d``).  With ``stationary=True`` returns the fixed
    point instead, shapes ``(d,)`` and ``(d, d)``, and raises when the recursion is not stable.
    """
    if not isinstance(problem, FiniteSumQuadratic):
        raise fail("problem", describe(problem), "a FiniteSumQuadratic")
    algorithm = check_choice("algorithm", algorithm, ("gd", "sgd", "sam", "random_perturbation"))
    n, d = problem.n, problem.d
    B, batch = _check_batch(B, batch, n)
    eta = check_positive("eta", eta)
    rho = check_nonnegative("rho", rho)
    ascent = check_choice("ascent", ascent, _ASCENTS)
    gamma = float(gamma)
    if not (0.0 <= gamma < 1.0):
        raise fail("gamma", gamma, "in [0, 1)")
    n_steps = check_count("n_steps", n_steps, minimum=0)
    s2 = check_nonnegative("perturbation_std", perturbation_std) ** 2
    if algorithm != "random_perturbation" and s2 > 0:
        raise fail("perturbation_std", perturbation_std, "0 unless algorithm='random_perturbation'")

    pc = _affine_pieces(problem, algorithm=algorithm, batch=batch, B=B, rho=rho, ascent=ascent)
    hb = gamma > 0
    s = 2 * d + 1 if hb else d + 1
    # z' = A0 z - eta L X R z: R picks (u, 1), L sends the gradient to the u (and v) rows.
    A0 = np.eye(s)
    R = np.zeros((d + 1, s))
    R[:d, :d] = np.eye(d)
    R[d, s - 1] = 1.0
    L = np.zeros((s, d + 1))
    L[:d, :d] = np.eye(d)
    if hb:
        A0[:d, d : 2 * d] = gamma * np.eye(d)
        A0[d : 2 * d, d : 2 * d] = gamma * np.eye(d)
        L[d : 2 * d, :d] = np.eye(d)
    # Noise that random perturbation adds: eta^2 E[H_B xi xi^T H_B] = eta^2 s^2 E[H_B H_B] in u and v rows.
    Euu = np.zeros((d + 1, d + 1))
    Euu[:d, :d] = np.eye(d)
    EHH = (pc.SX @ Euu.ravel()).reshape(d + 1, d + 1) if algorithm == "random_perturbation" else None
    Pu = np.zeros((s, s))
    Pu[:d, :d] = np.eye(d)

    def step(Z: np.ndarray) -> np.ndarray:
        if s2 > 0 and perturbation_persists:
            Z = Z + s2 * Pu
        Y = R @ Z @ R.T
        XYX = (pc.SX @ Y.ravel()).reshape(d + 1, d + 1)
        LEXR = L @ pc.EX @ R
        out = A0 @ Z @ A0.T - eta * (LEXR @ Z @ A0.T + A0 @ Z @ LEXR.T) + eta * eta * (L @ XYX @ L.T)
        if s2 > 0 and not perturbation_persists:
            out += eta * eta * s2 * (L @ EHH @ L.T)
        return 0.5 * (out + out.T)

    c = problem.center
    u0 = np.zeros(d) if x0 is None else check_shape("x0", as_float_array("x0", x0, ndim=1), (d,)) - c
    z0 = np.zeros(s)
    z0[:d] = u0
    z0[-1] = 1.0
    if stationary:
        Z = _stationary(step, s, eta)
        m = Z[:d, -1]
        return m + c, Z[:d, :d]
    means = np.empty((n_steps + 1, d))
    seconds = np.empty((n_steps + 1, d, d))
    Z = np.outer(z0, z0)
    for k in range(n_steps + 1):
        if k:
            Z = step(Z)
        means[k] = Z[:d, -1] + c
        seconds[k] = Z[:d, :d]
    return means, seconds


# Stationary solves build the s^2 x s^2 operator column by column; 4000 unknowns ~ 0.5 GB of work.
_MAX_STATIONARY_UNKNOWNS = 4000


def _stationary(step, s: int, eta: float) -> np.ndarray:
    """The fixed point of ``Z -> step(Z) = F(Z) + N`` (``F`` linear) with ``Z[-1, -1] = 1``, if stable."""
    m = s * s
    if m > _MAX_STATIONARY_UNKNOWNS:
        raise fail(
            "stationary", True, f"used with a state of at most {_MAX_STATIONARY_UNKNOWNS} second moments (here {m})",
            "iterate with n_steps instead",
        )
    N = step(np.zeros((s, s)))
    T = np.empty((m, m))
    E = np.zeros((s, s))
    for j in range(m):
        E.flat[j] = 1.0
        T[:, j] = (step(E) - N).ravel()
        E.flat[j] = 0.0
    # Stability: the homogeneous block (drop the constant coordinate) must contract.
    h = [i * s + j for i in range(s - 1) for j in range(s - 1)]
    rad = float(np.max(np.abs(np.linalg.eigvals(T[np.ix_(h, h)])))) if h else 0.0
    if rad >= 1.0:
        raise fail(
            "eta", eta, "below the divergence threshold for stationary=True",
            f"the second-moment map has spectral radius {rad:.6g} >= 1: no stationary law",
        )
    M = np.eye(m) - T
    rhs = N.ravel().copy()
    M[m - 1] = 0.0
    M[m - 1, m - 1] = 1.0  # Z[-1, -1] = 1 pins the constant coordinate
    rhs[m - 1] = 1.0
    Z = np.linalg.solve(M, rhs).reshape(s, s)
    return 0.5 * (Z + Z.T)


# --------------------------------------------------------------------------------------------------
# Linear SDEs
# --------------------------------------------------------------------------------------------------


def lyapunov_covariance(A: Any, D: Any, *, eta: float = 1.0, t: Any, Sigma0: Any = None) -> np.ndarray:
    """The covariance ``Σ(t)`` of ``dw = -A w dt + sqrt(eta D) dW``: the Lyapunov ODE's exact solution.

    ``dΣ/dt = -A Σ - Σ A^T + eta D``, so ``Σ(t) = e^{-At} Σ0 e^{-A^T t} + ∫_0^t e^{-As} eta D e^{-A^T s} ds``
    (one Van Loan exponential per time).  ``t`` may be a scalar, an array (the result gains a leading
    axis) or ``inf`` (the stationary solution of ``A Σ + Σ A^T = eta D``, requiring every eigenvalue
    of ``A`` to have a positive real part).
    """
    A = check_square("A", as_float_array("A", A, ndim=2))
    d = A.shape[0]
    D = check_shape("D", as_float_array("D", D, ndim=2), (d, d))
    check_psd("D", D, what="positive semi-definite (a diffusion matrix)")
    eta = check_positive("eta", eta)
    S0 = np.zeros((d, d)) if Sigma0 is None else check_shape("Sigma0", as_float_array("Sigma0", Sigma0, ndim=2), (d, d))
    if Sigma0 is not None:
        check_psd("Sigma0", S0, what="positive semi-definite (a covariance)")
    ts = np.asarray(t, dtype=np.float64)
    if np.any(np.isnan(ts)) or np.any(ts < 0):
        raise fail("t", t, ">= 0 (a time, or inf for the stationary covariance)")
    out = np.empty(ts.shape + (d, d))
    for idx in np.ndindex(ts.shape):
        tk = float(ts[idx])
        if math.isinf(tk):
            ev = np.linalg.eigvals(A)
            if np.min(ev.real) <= 0:
                raise fail("t", t, "finite: the stationary covariance needs every eigenvalue of A with real part > 0",
                           f"min real part is {float(np.min(ev.real)):.6g}")
            from scipy.linalg import solve_continuous_lyapunov

            Sig = solve_continuous_lyapunov(A, eta * D)  # A Σ + Σ A^T = eta D
        elif tk == 0:
            Sig = S0.copy()
        else:
            Phi, Sh = gaussian_transition(A, eta * D, tk)
            Sig = Phi @ S0 @ Phi.T + Sh
        out[idx] = 0.5 * (Sig + Sig.T)
    return out
