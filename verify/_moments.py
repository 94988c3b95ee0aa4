"""Exact moments of linear stochastic recursions and linear SDEs.

For a random linear map ``w' = J w`` the second moment evolves by the linear operator
``T: M -> E[J M J^T]``; with the row-major ``vec``, ``vec(J M J^T) = (J ⊗ J) vec(M)``, so
``T = E[J ⊗ J]`` (``numpy.kron`` convention).  Writing ``J = I - eta X`` gives
``T(eta) = I - eta (E[X] ⊗ I + I ⊗ E[X]) + eta^2 E[X ⊗ X]``, a quadratic in ``eta`` whose pieces
are built once.  ``E[H_B ⊗ H_B]`` has a closed form for each batch model (:func:`batch_hessian_moments`);
brute-force enumeration over batches (:func:`enumerate_batches`) cross-checks it for small ``n`` and
handles the cases without a closed form (same-batch plain SAM).

``T`` maps symmetric matrices to symmetric matrices and is completely positive, so its spectral
radius is an eigenvalue with a PSD eigenvector (Evans & Høegh-Krohn 1978): it governs
``E||w_k||^2`` and can be computed on the ``d(d+1)/2``-dimensional symmetric subspace.  When every
``X`` is symmetric, ``T`` is self-adjoint there, ``rho(T(eta)) = lambda_max(T(eta))``, and
``lambda_max(T(eta)) >= 1`` iff ``eta >= min_X <X, L X> / <X, S X>`` — the divergence threshold is a
generalised eigenvalue, which :func:`eta_star` then certifies with a bracket.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from derivations._validate import check_choice, check_nonnegative, check_positive, fail

from ._sim import BATCH_MODELS
from ._validate_arrays import (
    as_float_array,
    check_count,
    check_psd,
    check_square,
    check_symmetric,
    describe,
)

__all__ = [
    "KINDS",
    "batch_hessian_moments",
    "enumerate_batches",
    "second_moment_operator",
    "spectral_radius",
    "Threshold",
    "eta_star",
    "affine_moments",
    "lyapunov_covariance",
]

KINDS = ("sgd", "sam", "random_perturbation")
_ASCENTS = ("same_batch", "independent_batch", "full")

# Enumeration is exact but exponential; 2e5 batches x d^4 entries keeps it under ~10 s for d <= 4.
MAX_ENUMERATED_BATCHES = 200_000


# --------------------------------------------------------------------------------------------------
# Batch moments
# --------------------------------------------------------------------------------------------------


def _check_stack(name: str, H: Any, *, symmetric: bool = True) -> np.ndarray:
    H = as_float_array(name, H, ndim=3)
    check_square(name, H)
    if H.shape[0] < 1 or H.shape[1] < 1:
        raise fail(f"{name} of shape {H.shape}", describe(H), "non-empty (n >= 1 matrices of size d >= 1)")
    if symmetric:
        check_symmetric(name, H)
    return H


def _check_batch(B: Any, batch: Any, n: int) -> tuple[int, str]:
    batch = check_choice("batch", batch, BATCH_MODELS)
    B = check_count("B", B, minimum=1, maximum=n)
    return B, batch


def _sum_kron_self(H: np.ndarray) -> np.ndarray:
    """``Σ_i H_i ⊗ H_i`` as one GEMM on the flattened matrices (then an axis permutation)."""
    n, d, _ = H.shape
    Hf = H.reshape(n, d * d)
    G = (Hf.T @ Hf).reshape(d, d, d, d)  # G[i,j,k,l] = Σ H[i,j] H[k,l]
    return np.ascontiguousarray(G.transpose(0, 2, 1, 3)).reshape(d * d, d * d)


def batch_hessian_moments(H: Any, *, B: int, batch: str, symmetric: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The exact ``(E[H_B], E[H_B ⊗ H_B])`` of a mini-batch mean under a batch model (closed forms).

    ``H`` is ``(n, d, d)`` (symmetric unless ``symmetric=False``; the formulas hold for any square
    matrices).  With ``S1 = Σ H_i ⊗ H_i`` and ``Σ = Σ_i H_i``:
    bernoulli (``p = B/n``): ``[(p - p^2) S1 + p^2 Σ ⊗ Σ] / B^2``;
    with_replacement: ``S1 / (n B) + (1 - 1/B) Hbar ⊗ Hbar``;
    without_replacement: ``[(B/n) S1 + B(B-1)/(n(n-1)) (Σ ⊗ Σ - S1)] / B^2``.
    ``E[H_B] = Hbar`` in all three models.
    """
    H = _check_stack("H", H, symmetric=symmetric)
    n = H.shape[0]
    B, batch = _check_batch(B, batch, n)
    Hbar = H.mean(axis=0)
    S1 = _sum_kron_self(H)
    if batch == "bernoulli":
        p = B / n
        Hs = H.sum(axis=0)
        E2 = ((p - p * p) * S1 + p * p * np.kron(Hs, Hs)) / (B * B)
    elif batch == "with_replacement":
        E2 = S1 / (n * B) + (1.0 - 1.0 / B) * np.kron(Hbar, Hbar)
    else:
        Hs = H.sum(axis=0)
        pair = B * (B - 1) / (n * (n - 1)) if n > 1 else 0.0  # no pairs i != j when n = 1
        E2 = ((B / n) * S1 + pair * (np.kron(Hs, Hs) - S1)) / (B * B)
    return Hbar, E2


def enumerate_batches(n: int, *, B: int, batch: str, max_batches: int = MAX_ENUMERATED_BATCHES) -> tuple[np.ndarray, np.ndarray]:
    """Every possible batch with its probability: ``(W, prob)``, ``W[b] @ X_stack`` is batch ``b``'s mean.

    ``W`` has shape ``(m, n)`` (weights ``count/B``); ``prob`` sums to one.  Raises when more than
    ``max_batches`` batches exist (bernoulli: ``2^n``; with_replacement: ``C(n+B-1, B)`` multisets;
    without_replacement: ``C(n, B)``).
    """
    n = check_count("n", n)
    B, batch = _check_batch(B, batch, n)
    count = {
        "bernoulli": 2**n,
        "with_replacement": math.comb(n + B - 1, B),
        "without_replacement": math.comb(n, B),
    }[batch]
    if count > max_batches:
        raise fail(
            "n", n, f"small enough to enumerate {batch} batches (B={B} gives {count} > max_batches={max_batches})",
            "use the closed forms or Monte Carlo",
        )
    W = np.zeros((count, n))
    prob = np.empty(count)
    if batch == "bernoulli":
        p = B / n
        for b, keep in enumerate(itertools.product((0, 1), repeat=n)):
            k = sum(keep)
            W[b] = np.asarray(keep) / B
            prob[b] = p**k * (1 - p) ** (n - k)
    elif batch == "with_replacement":
        for b, combo in enumerate(itertools.combinations_with_replacement(range(n), B)):
            c = np.bincount(combo, minlength=n)
            W[b] = c / B
            # multinomial: B! / prod(c_i!) orderings, each of probability n^-B
            prob[b] = math.factorial(B) / math.prod(math.factorial(int(x)) for x in c) / n**B
    else:
        for b, combo in enumerate(itertools.combinations(range(n), B)):
            W[b, list(combo)] = 1.0 / B
        prob[:] = 1.0 / count
    return W, prob


# --------------------------------------------------------------------------------------------------
# The second-moment operator
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pieces:
    """``E[X]`` and ``E[X ⊗ X]`` for ``J = I - eta X``; ``symmetric`` when every ``X`` is symmetric."""

    EX: np.ndarray
    SX: np.ndarray
    symmetric: bool


def _check_kind(kind: str, rho: float, alpha: float | None, ascent: str) -> tuple[str, float, float | None, str]:
    kind = check_choice("kind", kind, KINDS)
    rho = check_nonnegative("rho", rho)
    if alpha is not None:
        alpha = check_positive("alpha", alpha)
    ascent = check_choice("ascent", ascent, _ASCENTS)
    return kind, rho, alpha, ascent


def _sam_scale(H: np.ndarray, rho: float, alpha: float | None, ascent: str) -> float | None:
    """``c`` with ``X = H_B (I + c H)`` (scalar-alpha or full-batch ascent), else ``None``."""
    if alpha is not None:
        return rho / alpha
    if ascent == "full" or rho == 0.0:
        return rho
    return None


def _pieces(H: np.ndarray, *, B: int, batch: str, rho: float, alpha: float | None, kind: str, ascent: str) -> _Pieces:
    n, d, _ = H.shape
    EH, SH = batch_hessian_moments(H, B=B, batch=batch)
    if kind != "sam":
        return _Pieces(EH, SH, True)
    c = _sam_scale(H, rho, alpha, ascent)
    if c is not None:
        P = np.eye(d) + c * EH
        return _Pieces(EH @ P, SH @ np.kron(P, P), False)
    if ascent == "independent_batch":
        I = np.eye(d)
        EPP = np.kron(I, I) + rho * (np.kron(EH, I) + np.kron(I, EH)) + rho * rho * SH
        return _Pieces(EH @ (I + rho * EH), SH @ EPP, False)
    # same-batch plain SAM: X_b = H_b + rho H_b^2 has fourth batch moments; enumerate exactly.
    W, prob = enumerate_batches(n, B=B, batch=batch)
    Hb = np.einsum("bn,nij->bij", W, H)
    X = Hb + rho * Hb @ Hb
    EX = np.einsum("b,bij->ij", prob, X)
    Xf = X.reshape(len(prob), d * d)
    G = ((Xf * prob[:, None]).T @ Xf).reshape(d, d, d, d)
    SX = np.ascontiguousarray(G.transpose(0, 2, 1, 3)).reshape(d * d, d * d)
    return _Pieces(EX, SX, True)


def second_moment_operator(
    H: Any,
    *,
    B: int,
    batch: str,
    eta: float,
    rho: float = 0.0,
    alpha: float | None = None,
    kind: str = "sgd",
    ascent: str = "full",
) -> np.ndarray:
    """The ``(d^2, d^2)`` matrix of ``M -> E[J M J^T]`` (row-major vec) for the linearised update.

    ``kind="sgd"`` and ``"random_perturbation"``: ``J = I - eta H_B`` (random perturbation only adds
    a noise term, see :func:`affine_moments`).  ``kind="sam"`` with scalar ``alpha`` (Chang &
    Khanna): ``J = I - eta H_B (I + (rho/alpha) H)``; with ``alpha=None`` plain SAM at an
    interpolating minimum, ``J = I - eta H_B (I + rho H_A)`` with ascent Hessian ``H_A = H``
    (``ascent="full"``), an independent batch, or the same batch (exact enumeration; small ``n``).
    """
    H = _check_stack("H", H)
    B, batch = _check_batch(B, batch, H.shape[0])
    eta = check_positive("eta", eta)
    kind, rho, alpha, ascent = _check_kind(kind, rho, alpha, ascent)
    pc = _pieces(H, B=B, batch=batch, rho=rho, alpha=alpha, kind=kind, ascent=ascent)
    return _operator(pc.EX, pc.SX, eta)


def _operator(EX: np.ndarray, SX: np.ndarray, eta: float) -> np.ndarray:
    d = EX.shape[0]
    I = np.eye(d)
    return np.kron(I, I) - eta * (np.kron(EX, I) + np.kron(I, EX)) + eta * eta * SX


class _SymBasis:
    """An orthonormal basis of symmetric matrices (``e_aa`` and ``(e_ab + e_ba)/sqrt 2``) in vec space."""

    def __init__(self, d: int) -> None:
        a, b = np.triu_indices(d)
        self.i1 = a * d + b
        self.i2 = b * d + a
        self.c = np.where(a == b, 0.5, 1 / math.sqrt(2))  # diagonal: (e + e)/2 = e
        self.m = a.size

    def restrict(self, T: np.ndarray) -> np.ndarray:
        """``U^T T U`` for the ``(d^2, d^2)`` operator ``T`` that maps symmetric to symmetric matrices."""
        TU = (T[:, self.i1] + T[:, self.i2]) * self.c
        return (TU[self.i1] + TU[self.i2]) * self.c[:, None]


@dataclass(frozen=True)
class _SymProblem:
    """The symmetric-path pieces on the symmetric subspace, in the eigenbasis of ``E[X]``."""

    ell: np.ndarray  # L = E[X] ⊗ I + I ⊗ E[X] is diagonal there: mu_a + mu_b
    S: np.ndarray  # E[X ⊗ X] restricted, (m, m)


def _symmetric_problem(pc: _Pieces) -> _SymProblem:
    d = pc.EX.shape[0]
    mu, Q = np.linalg.eigh(0.5 * (pc.EX + pc.EX.T))
    QQ = np.kron(Q, Q)
    basis = _SymBasis(d)
    S = basis.restrict(QQ.T @ pc.SX @ QQ)
    a, b = np.triu_indices(d)
    return _SymProblem(mu[a] + mu[b], 0.5 * (S + S.T))


def _symmetric_problem_from_stack(H: np.ndarray, *, B: int, batch: str) -> _SymProblem:
    """Like :func:`_symmetric_problem` for ``X = H_B`` but rotating the ``H_i`` first (``O(n d^3)``, not ``O(d^6)``)."""
    d = H.shape[1]
    mu, Q = np.linalg.eigh(H.mean(axis=0))
    Hr = np.einsum("ai,nab,bj->nij", Q, H, Q, optimize=True)
    Hr = 0.5 * (Hr + Hr.transpose(0, 2, 1))
    _, SH = batch_hessian_moments(Hr, B=B, batch=batch)
    S = _SymBasis(d).restrict(SH)
    a, b = np.triu_indices(d)
    return _SymProblem(mu[a] + mu[b], 0.5 * (S + S.T))


def _sym_radius(sp: _SymProblem, eta: float) -> float:
    T = eta * eta * sp.S
    T[np.diag_indices_from(T)] += 1.0 - eta * sp.ell
    ev = np.linalg.eigvalsh(T)
    return float(max(abs(ev[0]), abs(ev[-1])))


def _general_radius(pc: _Pieces, eta: float) -> float:
    T = _SymBasis(pc.EX.shape[0]).restrict(_operator(pc.EX, pc.SX, eta))
    return float(np.max(np.abs(np.linalg.eigvals(T))))


def _prepare(H: np.ndarray, *, B: int, batch: str, rho: float, alpha: float | None, kind: str, ascent: str):
    """The cheapest exact representation: a symmetric problem when one exists, else general pieces."""
    if kind == "sam":
        c = _sam_scale(H, rho, alpha, ascent)
        if c is not None:
            Hbar = H.mean(axis=0)
            ev, V = np.linalg.eigh(Hbar)
            pdiag = 1.0 + c * ev
            if np.all(pdiag > 0):
                # K = P^{1/2} makes K J K^{-1} = I - eta K H_B K symmetric: same spectrum, SGD form.
                K = (V * np.sqrt(pdiag)) @ V.T
                return _symmetric_problem_from_stack(K @ H @ K, B=B, batch=batch)
            return _pieces(H, B=B, batch=batch, rho=rho, alpha=alpha, kind=kind, ascent=ascent)
        pc = _pieces(H, B=B, batch=batch, rho=rho, alpha=alpha, kind=kind, ascent=ascent)
        return _symmetric_problem(pc) if pc.symmetric else pc
    return _symmetric_problem_from_stack(H, B=B, batch=batch)


def _radius(prep: Any, eta: float) -> float:
    return _sym_radius(prep, eta) if isinstance(prep, _SymProblem) else _general_radius(prep, eta)


def spectral_radius(
    H: Any,
    *,
    B: int,
    batch: str,
    eta: float,
    rho: float = 0.0,
    alpha: float | None = None,
    kind: str = "sgd",
    ascent: str = "full",
) -> float:
    """The spectral radius of ``M -> E[J M J^T]`` (see :func:`second_moment_operator`): ``E||w_k||^2`` grows iff >= 1."""
    H = _check_stack("H", H)
    B, batch = _check_batch(B, batch, H.shape[0])
    eta = check_positive("eta", eta)
    kind, rho, alpha, ascent = _check_kind(kind, rho, alpha, ascent)
    return _radius(_prepare(H, B=B, batch=batch, rho=rho, alpha=alpha, kind=kind, ascent=ascent), eta)


# --------------------------------------------------------------------------------------------------
# The divergence threshold
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """The divergence threshold ``eta* = inf{eta > 0 : rho(T(eta)) >= 1}`` with a certifying bracket.

    ``bracket = (lo, hi)`` with ``rho(T(lo)) < 1 <= rho(T(hi))`` (``radius_at_bracket``), and
    ``lo <= eta_star <= hi``.  ``eta_star = 0`` means unstable for every ``eta > 0`` (e.g. a saddle:
    ``lo = 0``); ``eta_star = inf`` means stable for every ``eta`` tried up to ``hi``.
    ``method`` is ``"generalized_eigen"`` (closed form, then the bracket is certified: a Cholesky of
    ``I - T(lo)`` shows ``rho(T(lo)) < 1`` and the Rayleigh quotient of the threshold eigenvector
    shows ``rho(T(hi)) >= 1``; ``radius_at_bracket`` then holds those Rayleigh quotients, equal to the
    spectral radius up to O(width^2)) or ``"bisection"`` (spectral radii from eigensolves);
    ``iterations`` counts certification rounds or spectral-radius evaluations.
    """

    eta_star: float
    bracket: tuple[float, float]
    radius_at_bracket: tuple[float, float]
    iterations: int
    method: str
    rtol: float

    def __post_init__(self) -> None:
        lo, hi = self.bracket
        assert lo <= self.eta_star <= hi or math.isinf(self.eta_star), self  # programmer invariant
        if 0 < self.eta_star < math.inf:
            assert self.radius_at_bracket[0] < 1.0 <= self.radius_at_bracket[1], self


def eta_star(
    H: Any,
    *,
    B: int,
    batch: str,
    rho: float = 0.0,
    alpha: float | None = None,
    kind: str = "sgd",
    ascent: str = "full",
    rtol: float = 1e-10,
    method: str = "auto",
    require_psd: bool = False,
) -> Threshold:
    """The exact divergence threshold ``eta*`` of the linearised second-moment recursion, with a bracket.

    ``method="auto"``: when every ``J`` is symmetric (after the similarity ``K = (I + c H)^{1/2}`` for
    SAM with a scalar ``alpha`` or full ascent) ``eta* = 1 / lambda_max(L^{-1/2} S L^{-1/2})`` on the
    symmetric subspace, exact up to round-off; the bracket ``eta* (1 ± rtol)`` is then certified by
    two spectral-radius evaluations (widened tenfold until it certifies).  Otherwise (and with
    ``method="bisection"``) bisection on ``rho(T(eta)) - 1`` from a doubling search; that finds the
    first crossing it meets, which is ``eta*`` when ``{eta : rho >= 1}`` is an interval (always so in
    the symmetric case, where ``lambda_max(T(eta))`` is convex in ``eta``).  The bracket's relative
    width is at most ``rtol``.
    """
    H = _check_stack("H", H)
    if require_psd:
        check_psd("H", H, what="positive semi-definite for every sample (H_i >= 0)")
    B, batch = _check_batch(B, batch, H.shape[0])
    kind, rho, alpha, ascent = _check_kind(kind, rho, alpha, ascent)
    if not (1e-15 <= float(rtol) < 1):
        raise fail("rtol", rtol, "in [1e-15, 1)")
    method = check_choice("method", method, ("auto", "bisection", "generalized_eigen"))
    prep = _prepare(H, B=B, batch=batch, rho=rho, alpha=alpha, kind=kind, ascent=ascent)
    if method != "bisection" and isinstance(prep, _SymProblem):
        res = _eta_star_generalized(prep, rtol)
        if res is not None:
            return res
    elif method == "generalized_eigen":
        raise fail("method", method, "'auto' or 'bisection' here", "the operator has no symmetric form")
    return _eta_star_bisection(lambda e: _radius(prep, e), prep, rtol)


def _scale_guess(prep: Any) -> float:
    mu = np.max(np.abs(prep.ell)) / 2 if isinstance(prep, _SymProblem) else float(np.max(np.abs(np.linalg.eigvals(prep.EX))))
    return 1.0 / mu if mu > 0 else 1.0


def _eta_star_generalized(sp: _SymProblem, rtol: float) -> Threshold | None:
    ell, S = sp.ell, sp.S
    scale = max(float(np.max(np.abs(ell))), 1e-300)
    tol = 1e-12 * scale  # round-off of eigh on E[X]
    if np.any(ell < -tol):
        # an unstable mode: <X, T X> = 1 + eta |ell| + O(eta^2) > 1 for every small eta
        return Threshold(0.0, (0.0, 0.0), (math.nan, math.nan), 0, "generalized_eigen", rtol)
    keep = ell > tol
    s_scale = max(float(np.max(np.abs(S))), 1e-300)
    if np.any(~keep) and float(np.max(np.abs(S[~keep]))) > 1e-10 * s_scale:
        return Threshold(0.0, (0.0, 0.0), (math.nan, math.nan), 0, "generalized_eigen", rtol)
    r = 1.0 / np.sqrt(ell[keep])
    C = S[np.ix_(keep, keep)] * r[:, None] * r[None, :]
    C = 0.5 * (C + C.T)
    top = float(np.linalg.eigvalsh(C)[-1])
    if top <= 0:
        return Threshold(math.inf, (0.0, math.inf), (math.nan, math.nan), 1, "generalized_eigen", rtol)
    est = 1.0 / top
    # The top generalised eigenvector X* is an eigenvector of T(eta*) with eigenvalue exactly 1
    # (T X* = X* - eta* L X* + eta*^2 S X* and S X* = L X* / eta*); two steps of shifted inverse
    # iteration recover it from the eigenvalue at O(n^3/3) cost instead of a full eigh.
    y = np.ones(C.shape[0])
    shifted = C - (top * (1 + 1e-9) + 1e-300) * np.eye(C.shape[0])
    for _ in range(3):
        y = np.linalg.solve(shifted, y)
        y /= np.linalg.norm(y)
    X = np.zeros(ell.size)
    X[keep] = r * y
    a, b = float(X @ (ell * X)), float(X @ S @ X)
    nrm = float(X @ X)

    def rayleigh(eta: float) -> float:
        return (nrm - eta * a + eta * eta * b) / nrm

    width, evals = rtol, 0
    while width <= 1e-4:  # certify; widen when round-off hides the sign of rho - 1
        lo, hi = est * (1 - width / 2), est * (1 + width / 2)  # relative width <= rtol
        evals += 1
        # rho(T(lo)) < 1  <=>  I - T(lo) is positive definite: one Cholesky, not an eigensolve.
        M = -(lo * lo) * S
        M[np.diag_indices_from(M)] += lo * ell
        try:
            np.linalg.cholesky(M)
            ok_lo = True
        except np.linalg.LinAlgError:
            ok_lo = False
        r_lo, r_hi = rayleigh(lo), rayleigh(hi)  # rho(T(hi)) >= r_hi (a Rayleigh quotient)
        if ok_lo and r_hi >= 1.0:
            return Threshold(est, (lo, hi), (r_lo, r_hi), evals, "generalized_eigen", rtol)
        width *= 10
    return None  # fall back to bisection


def _eta_star_bisection(radius, prep: Any, rtol: float) -> Threshold:
    evals = 0
    eta = _scale_guess(prep)
    r = radius(eta)
    evals += 1
    # Doubling/halving search for a bracket; 1100 halvings reach below the smallest float64.
    if r < 1.0:
        lo, r_lo = eta, r
        for _ in range(200):
            hi = lo * 2
            r_hi = radius(hi)
            evals += 1
            if r_hi >= 1.0:
                break
            lo, r_lo = hi, r_hi
        else:
            return Threshold(math.inf, (lo, math.inf), (r_lo, math.nan), evals, "bisection", rtol)
    else:
        hi, r_hi = eta, r
        for _ in range(60):  # 2^-60 ~ 1e-18 relative: treat as eta* = 0
            lo = hi / 2
            r_lo = radius(lo)
            evals += 1
            if r_lo < 1.0:
                break
            hi, r_hi = lo, r_lo
        else:
            return Threshold(0.0, (0.0, hi), (math.nan, r_hi), evals, "bisection", rtol)
    while hi - lo > rtol * hi:
        mid = 0.5 * (lo + hi)
        r_mid = radius(mid)
        evals += 1
        if r_mid >= 1.0:
            hi, r_hi = mid, r_mid
        else:
            lo, r_lo = mid, r_mid
    return Threshold(0.5 * (lo + hi), (lo, hi), (r_lo, r_hi), evals, "bisection", rtol)


def __getattr__(name: str) -> object:
    """Affine moments and the Lyapunov covariance, re-exported lazily from :mod:`verify._moments_affine`."""
    if name in ("affine_moments", "lyapunov_covariance"):
        from . import _moments_affine

        return getattr(_moments_affine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
