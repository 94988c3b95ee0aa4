"""Exact second-moment operators of ``J = I - eta H_B (I + c H)``: rational arithmetic and diagonal closed forms.

The float operator of :mod:`verify._moments` decides most witnesses; these confirm a counterexample
without rounding (small families, every batch enumerated with its exact probability) and give
Figure 1's diagonal families in closed form (no ``d^2 x d^2`` matrix).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from ._validate_arrays import as_float_array

__all__ = ["exact_batches", "exact_operator", "exact_radius", "diagonal_moments", "diagonal_radius", "diagonal_eta_star",
           "diagonal_rates", "diagonal_rates_exact", "noise_rate", "noise_rate_exact"]


def exact_batches(n: int, B: int, batch: str) -> list[tuple[Fraction, list[Fraction]]]:
    """Every batch as (probability, weights) in exact rationals (weights ``count/B``)."""
    out = []
    if batch == "bernoulli":
        p = Fraction(B, n)
        for keep in itertools.product((0, 1), repeat=n):
            k = sum(keep)
            out.append((p**k * (1 - p) ** (n - k), [Fraction(x, B) for x in keep]))
    elif batch == "with_replacement":
        for seq in itertools.product(range(n), repeat=B):
            c = [0] * n
            for i in seq:
                c[i] += 1
            out.append((Fraction(1, n**B), [Fraction(x, B) for x in c]))
    else:
        combos = list(itertools.combinations(range(n), B))
        for combo in combos:
            out.append((Fraction(1, len(combos)), [Fraction(1, B) if i in combo else Fraction(0) for i in range(n)]))
    return out



def exact_operator(H: Sequence[Sequence[Sequence[Any]]], *, B: int, batch: str, eta: Any, c: Any = 0):
    """The second-moment map ``M -> E[J M J^T]`` as an exact SymPy matrix (``J = I - eta H_B (I + c H)``).

    ``H`` holds exact rationals (ints, Fractions or SymPy numbers); batches are enumerated with their
    exact probabilities, so the result is exact.  Small ``n`` and ``d`` only (``d^2 x d^2``).
    """
    Hs = [sp.Matrix(h).applyfunc(sp.nsimplify) for h in H]
    n, d = len(Hs), Hs[0].shape[0]
    Hbar = sum(Hs, sp.zeros(d, d)) / n
    P = sp.eye(d) + sp.nsimplify(c) * Hbar
    T = sp.zeros(d * d, d * d)
    for prob, w in exact_batches(n, B, batch):
        HB = sum((sp.Rational(wi.numerator, wi.denominator) * Hi for wi, Hi in zip(w, Hs)), sp.zeros(d, d))
        J = sp.eye(d) - sp.nsimplify(eta) * HB * P
        T += sp.Rational(prob.numerator, prob.denominator) * sp.kronecker_product(J, J)
    return T


def exact_radius(H: Any, *, B: int, batch: str, eta: Any, c: Any = 0) -> tuple[Any, bool]:
    """The exact spectral radius of :func:`exact_operator` and whether its peripheral eigenvalues are semisimple.

    Semisimple peripheral eigenvalues with radius 1 mean ``E||w_k||^2`` stays bounded (no divergence).
    """
    T = exact_operator(H, B=B, batch=batch, eta=eta, c=c)
    ev = T.eigenvals()
    # Moduli from 30-digit evaluations (eigenvalues of a d^2 x d^2 rational matrix can be nested
    # radicals with round-off imaginary parts); within 1e-12 of the largest modulus is peripheral.
    mods = {e: abs(complex(sp.N(e, 30))) for e in ev}
    top = max(mods.values())
    peripheral = [e for e in ev if abs(mods[e] - top) <= 1e-12 * max(top, 1.0)]
    rad = sp.Abs(peripheral[0]) if all(e.is_rational for e in peripheral) else sp.Float(top, 15)
    semisimple = True
    for e in peripheral:
        if ev[e] > 1 and e.is_rational:
            nullity = T.shape[0] - (T - e * sp.eye(T.shape[0])).rank()
            semisimple = semisimple and nullity == ev[e]
        elif ev[e] > 1:
            semisimple = False  # not decided exactly: report as not shown semisimple
    return rad, semisimple



def diagonal_moments(D: np.ndarray, B: np.ndarray, batch: str) -> tuple[np.ndarray, np.ndarray]:
    """``E[h_j]`` and ``E[h_j^2]`` of the batch mean ``h = diag(H_B)`` for each batch size in ``B``.

    ``D`` is ``(n, d)`` (the diagonals ``H_i``).  Same closed forms as
    :func:`verify._moments.batch_hessian_moments`, on the diagonal only.
    """
    n = D.shape[0]
    s1 = (D * D).sum(axis=0)  # Σ_i D_ij^2
    s = D.sum(axis=0)
    Bc = B.astype(float)[:, None]
    mean = np.broadcast_to(s / n, (B.size, D.shape[1]))
    if batch == "bernoulli":
        p = Bc / n
        sq = ((p - p * p) * s1 + p * p * s * s) / (Bc * Bc)
    elif batch == "with_replacement":
        sq = s1 / (n * Bc) + (1.0 - 1.0 / Bc) * (s / n) ** 2
    else:
        pair = Bc * (Bc - 1) / (n * (n - 1)) if n > 1 else np.zeros_like(Bc)
        sq = ((Bc / n) * s1 + pair * (s * s - s1)) / (Bc * Bc)
    return mean, sq


def diagonal_radius(D: Any, *, B: Any, batch: str, eta: float, c: float = 0.0) -> np.ndarray:
    """The exact spectral radius of ``M -> E[J M J^T]`` for diagonal ``H_i = diag(D_i)`` (one per ``B``).

    ``J = I - eta H_B (I + c Hbar)`` is diagonal, so ``T`` maps ``M_jj -> E[J_jj^2] M_jj`` and
    ``M_jk -> E[J_jj J_kk] M_jk``; by Cauchy–Schwarz ``|E[J_jj J_kk]| <= max(E J_jj^2, E J_kk^2)``,
    hence ``rho(T) = max_j E[(1 - eta s_j h_j)^2]`` with ``s_j = 1 + c Hbar_jj`` (exact, no eigensolve).
    """
    D = as_float_array("D", D, ndim=2)
    Bs = np.atleast_1d(np.asarray(B, dtype=int))
    mean, sq = diagonal_moments(D, Bs, batch)
    s = 1.0 + c * D.mean(axis=0)
    return np.max(1.0 - 2.0 * eta * s * mean + eta * eta * s * s * sq, axis=1)


def diagonal_eta_star(D: Any, *, B: Any, batch: str, c: float = 0.0) -> np.ndarray:
    """The exact threshold ``eta* = min_j 2 E[X_j] / E[X_j^2]`` (``X_j = s_j h_j``) for a diagonal family."""
    D = as_float_array("D", D, ndim=2)
    Bs = np.atleast_1d(np.asarray(B, dtype=int))
    mean, sq = diagonal_moments(D, Bs, batch)
    s = 1.0 + c * D.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(sq > 0, 2.0 * mean / (s * sq), np.inf)
    return per.min(axis=1)



def noise_rate(H: Any, *, B: int, eta: float, c: float) -> float:
    """The growth rate of the trace of Chang & Khanna's noise term ``N_k`` (eq. 47, the claim's notes).

    ``N_k = eta^2k (1/(nB) - 1/n^2)^k Phi^k(I)`` with ``Phi(M) = Σ_y P H_y M H_y P``, ``P = I + c H``, so
    ``Tr N_k`` grows like ``r_N^k`` with ``r_N = eta^2 (1/(nB) - 1/n^2) rho(Phi)``.
    """
    H = np.asarray(H, dtype=float)
    n, d, _ = H.shape
    P = np.eye(d) + c * H.mean(axis=0)
    A = np.einsum("ab,nbc->nac", P, H)  # P H_y
    Phi = np.einsum("nij,nkl->ikjl", A, A).reshape(d * d, d * d)  # vec(A M A^T) = (A ⊗ A) vec M
    rphi = float(np.max(np.abs(np.linalg.eigvals(Phi))))
    return eta * eta * (1.0 / (n * B) - 1.0 / n**2) * rphi


def diagonal_rates_exact(D: Sequence[Sequence[Any]], *, B: int, batch: str, eta: Any, c: Any = 0) -> list[sp.Expr]:
    """Per coordinate, ``E[(1 - eta s_j h_j)^2]`` of a diagonal family in exact rationals (see :func:`diagonal_radius`).

    Same closed forms as :func:`diagonal_moments`, with the batch moments of each coordinate
    computed in rationals; ``M_jj`` evolves by exactly this factor, and the map is diagonal in the
    basis ``E_jk``, so its peripheral eigenvalues are always semisimple.
    """
    Dm = sp.Matrix(D)  # exact entries (ints, Rationals): rational arithmetic throughout
    n, d = Dm.shape
    eta, c, Bq = sp.sympify(eta), sp.sympify(c), sp.Integer(B)  # exact: rationals or algebraic numbers
    out = []
    for j in range(d):
        col = [Dm[i, j] for i in range(n)]
        s, s1 = sum(col), sum(x * x for x in col)
        mean = s / n
        if batch == "bernoulli":
            p = Bq / n
            sq = ((p - p * p) * s1 + p * p * s * s) / (Bq * Bq)
        elif batch == "with_replacement":
            sq = s1 / (n * Bq) + (1 - 1 / Bq) * (s / n) ** 2
        else:
            pair = Bq * (Bq - 1) / (n * (n - 1)) if n > 1 else sp.S.Zero
            sq = ((Bq / n) * s1 + pair * (s * s - s1)) / (Bq * Bq)
        sj = 1 + c * mean
        out.append(1 - 2 * eta * sj * mean + eta * eta * sj * sj * sq)
    return out


def diagonal_rates(D: Any, *, B: int, batch: str, eta: float, c: float = 0.0) -> np.ndarray:
    """Per coordinate, ``E[(1 - eta s_j h_j)^2]`` of a diagonal family (float; :func:`diagonal_radius` is its max)."""
    D = as_float_array("D", D, ndim=2)
    mean, sq = diagonal_moments(D, np.atleast_1d(np.asarray(B, dtype=int)), batch)
    s = 1.0 + c * D.mean(axis=0)
    return (1.0 - 2.0 * eta * s * mean + eta * eta * s * s * sq)[0]


def noise_rate_exact(H: Sequence[Sequence[Sequence[Any]]], *, B: int, eta: Any, c: Any) -> sp.Expr:
    """:func:`noise_rate` in exact arithmetic for an exact family (``rho(Phi)`` from the ``d^2 x d^2`` rational ``Phi``).

    The largest-modulus eigenvalue is kept as an exact algebraic number; small ``d`` only.
    """
    Hs = [sp.Matrix(h).applyfunc(sp.nsimplify) for h in H]
    n, d = len(Hs), Hs[0].shape[0]
    P = sp.eye(d) + sp.nsimplify(c) * sum(Hs, sp.zeros(d, d)) / n
    Phi = sum((sp.kronecker_product(P * h, P * h) for h in Hs), sp.zeros(d * d, d * d))
    top = max(Phi.eigenvals(), key=lambda e: abs(complex(sp.N(e, 30))))
    eta, Bq = sp.nsimplify(eta), sp.Integer(B)
    return eta**2 * (1 / (n * Bq) - sp.Rational(1, n**2)) * sp.Abs(top)
