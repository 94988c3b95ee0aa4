"""Coherence of Hessian families and the linear-stability thresholds built on it (CLAIMS.md §2).

Dexter et al. (2024) and Chang & Khanna (2025) measure how the per-sample Hessians ``H_i`` (PSD) of
an interpolating minimum line up: ``S_ij = ||H_i^{1/2} H_j^{1/2}||_F = sqrt(Tr(H_i H_j))`` and the
coherence ``sigma = lambda_max(S) / max_i lambda_max(H_i)``.  This module computes ``S`` and
``sigma`` from validated families, builds random and extremal families, evaluates the printed
thresholds next to the exact ones of :mod:`verify._moments` (the spectral radius of the
second-moment map, derived from the batch model), searches adversarially for the smallest
printed/exact ratio, and holds the two-layer ReLU pieces, the Table 1 training run and the
Figure 1 phase diagram.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from derivations._validate import check_choice, check_nonnegative, check_positive, fail

from ._moments import eta_star, spectral_radius
from ._sim import BATCH_MODELS
from ._validate_arrays import as_float_array, check_count, check_generator, check_psd, check_square, describe

__all__ = [
    "validate_family",
    "coherence_matrix",
    "coherence",
    "Coherence",
    "random_family",
    "orthogonal_rank_one_family",
    "identical_family",
    "phase_family",
    "printed_threshold",
    "ThresholdComparison",
    "compare_thresholds",
    "nelder_mead",
    "adversarial_threshold_search",
    "exact_operator",
    "exact_radius",
    "diagonal_radius",
    "diagonal_eta_star",
    "sam_noise_radius",
    "relu_per_sample_gradients",
    "relu_memorizing",
    "relu_coherence_matrix",
    "memorizing_solution",
    "interpolating_solution",
    "hypercube_sample",
    "family_from_params",
    "cr_solution",
    "ReluNet",
    "train_table1",
    "Table1",
    "phase_diagram_exact",
    "phase_diagram_montecarlo",
    "PhaseDiagram",
]

# --------------------------------------------------------------------------------------------------
# Families and coherence
# --------------------------------------------------------------------------------------------------


def validate_family(H: Any, *, name: str = "H") -> np.ndarray:
    """A family of per-sample Hessians as a ``(n, d, d)`` float array, or a clear error.

    Raises :class:`~derivations.InvalidParameter` naming ``name`` when the family is empty, its
    matrices have mismatched shapes, a matrix is not square, not symmetric or not PSD (to the
    relative tolerances of :mod:`verify._validate_arrays`), or an entry is not finite.
    """
    if isinstance(H, (list, tuple)):
        if len(H) == 0:
            raise fail(name, H, "a non-empty family of PSD matrices (n >= 1)")
        shapes = [np.shape(h) for h in H]
        for i, s in enumerate(shapes):
            if s != shapes[0]:
                raise fail(f"{name}[{i}] of shape {s}", describe(H[i]), f"of shape {shapes[0]} like {name}[0]",
                           "every matrix of a family has the same size d x d")
    arr = as_float_array(name, H, ndim=(2, 3))
    if arr.ndim == 2:
        raise fail(f"{name} of shape {arr.shape}", describe(arr), "a stack (n, d, d) of matrices",
                   "wrap a single matrix as [H] to make a family of one")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise fail(f"{name} of shape {arr.shape}", describe(arr), "non-empty: n >= 1 matrices of size d >= 1")
    check_square(name, arr)
    check_psd(name, arr, what="positive semi-definite for every sample (H_i >= 0)")
    return 0.5 * (arr + arr.transpose(0, 2, 1))


def coherence_matrix(H: Any) -> np.ndarray:
    """The coherence matrix ``S_ij = sqrt(Tr(H_i H_j))`` of a validated PSD family (``(n, n)``)."""
    H = validate_family(H)
    n, d, _ = H.shape
    F = H.reshape(n, d * d)
    G = F @ F.T  # Tr(H_i H_j) = <H_i, H_j>_F for symmetric matrices
    # Tr(H_i H_j) >= 0 for PSD pairs; round-off can make it -1e-16 |H|^2, never more.
    return np.sqrt(np.clip(0.5 * (G + G.T), 0.0, None))


@dataclass(frozen=True)
class Coherence:
    """``S``, ``sigma`` and the spectral numbers of a family that the §2 claims mention."""

    S: np.ndarray = field(repr=False)
    sigma: float
    lambda_max_S: float
    max_lambda_i: float
    lambda_max_H: float
    lambda_min_H: float
    trace_H: float

    def as_dict(self) -> dict[str, float]:
        """The scalar fields as a JSON-ready dict."""
        return {k: float(getattr(self, k)) for k in ("sigma", "lambda_max_S", "max_lambda_i", "lambda_max_H",
                                                      "lambda_min_H", "trace_H")}


def coherence(H: Any) -> Coherence:
    """``S``, ``sigma = lambda_max(S) / max_i lambda_max(H_i)`` and ``lambda(H)`` for a PSD family."""
    H = validate_family(H)
    S = coherence_matrix(H)
    lam_i = float(np.max(np.linalg.eigvalsh(H)[:, -1]))
    if lam_i <= 0:
        raise fail("H", describe(H), "not identically zero (sigma divides by max_i lambda_max(H_i))")
    lS = float(np.linalg.eigvalsh(S)[-1])
    ev = np.linalg.eigvalsh(H.mean(axis=0))
    return Coherence(S, lS / lam_i, lS, lam_i, float(ev[-1]), float(ev[0]), float(ev.sum()))


def random_family(rng: np.random.Generator, *, n: int, d: int, rank: int | None = None, kind: str = "gaussian") -> np.ndarray:
    """A random PSD family ``H_i = A_i A_i^T``: ``gaussian`` factors, or ``sparse`` (axis-aligned rank one).

    ``rank`` (default ``d``) is the width of ``A_i``; ``kind="coherent"`` adds a shared direction so
    that ``sigma`` is large, ``kind="sparse"`` gives ``H_i = m_i e_{k_i} e_{k_i}^T`` (incoherent).
    """
    rng = check_generator("rng", rng)
    n, d = check_count("n", n), check_count("d", d)
    r = d if rank is None else check_count("rank", rank, maximum=d)
    kind = check_choice("kind", kind, ("gaussian", "coherent", "sparse"))
    if kind == "sparse":
        H = np.zeros((n, d, d))
        k = rng.integers(0, d, size=n)
        H[np.arange(n), k, k] = rng.exponential(1.0, size=n) + 0.1
        return H
    A = rng.standard_normal((n, d, r)) * np.exp(rng.normal(0.0, 0.5, size=(n, 1, 1)))
    if kind == "coherent":
        A[:, :, 0] += 2.0 * rng.standard_normal(d)
    return np.einsum("nij,nkj->nik", A, A)


def orthogonal_rank_one_family(n: int, *, m: float = 1.0) -> np.ndarray:
    """``H_i = m e_i e_i^T`` in ``R^n``: the least coherent family, ``sigma = 1``."""
    n = check_count("n", n)
    m = check_positive("m", m)
    H = np.zeros((n, n, n))
    H[np.arange(n), np.arange(n), np.arange(n)] = m
    return H


def identical_family(n: int, H0: Any) -> np.ndarray:
    """``n`` copies of one PSD matrix: the most coherent family, ``sigma = n ||H0||_F / ||H0||_2``."""
    n = check_count("n", n)
    H0 = validate_family([np.asarray(H0, dtype=float)], name="H0")[0]
    return np.broadcast_to(H0, (n,) + H0.shape).copy()


def phase_family(n: int, sigma: int) -> np.ndarray:
    """Figure 1's family: ``H_i = m e_1 e_1^T`` for ``i <= sigma``, else ``m e_{i-sigma+1} e^T``, ``m = 2n/sigma``.

    ``d = n - sigma + 1``; ``lambda_max(H) = 2`` and the coherence is exactly ``sigma``.
    """
    n = check_count("n", n)
    sigma = check_count("sigma", sigma, maximum=n)
    d = n - sigma + 1
    m = 2.0 * n / sigma
    H = np.zeros((n, d, d))
    k = np.r_[np.zeros(sigma, dtype=int), np.arange(1, d)]
    H[np.arange(n), k, k] = m
    return H


# --------------------------------------------------------------------------------------------------
# Thresholds: printed vs exact
# --------------------------------------------------------------------------------------------------


def printed_threshold(H: Any, *, B: int, rho: float = 0.0, alpha: float = 1.0, coh: Coherence | None = None) -> float:
    """The printed divergence threshold ``eta_p = sigma/lambda_1 (n/B - 1)^(-1/2) (1 + (rho/alpha) lambda_min)^(-1)``.

    Dexter's Theorem 1 (``rho = 0``) and Chang & Khanna's eq. (31) read ``lambda_1 >= (sigma/eta)
    (n/B - 1)^(-1/2) (...)^(-1)``, i.e. ``eta >= eta_p``; ``B = n`` gives ``eta_p = inf``.
    """
    H = validate_family(H)
    n = H.shape[0]
    B = check_count("B", B, maximum=n)
    rho, alpha = check_nonnegative("rho", rho), check_positive("alpha", alpha)
    c = coherence(H) if coh is None else coh
    if B == n:
        return math.inf
    return c.sigma / c.lambda_max_H / math.sqrt(n / B - 1.0) / (1.0 + rho / alpha * c.lambda_min_H)


@dataclass(frozen=True)
class ThresholdComparison:
    """The printed threshold next to the exact one for one family, batch model and batch size.

    ``ratio = eta_printed / eta_exact``: the sufficient condition "diverges if ``eta >= eta_p``" holds
    strictly iff ``ratio >= 1``; ``radius_at_printed`` is the spectral radius of the second-moment
    map at ``eta_p`` (< 1 means the printed condition holds yet ``E||w_k||^2 -> 0``).
    """

    n: int
    d: int
    B: int
    batch: str
    rho: float
    alpha: float
    eta_printed: float
    eta_exact: float
    bracket: tuple[float, float]
    ratio: float
    radius_at_printed: float
    sigma: float
    lambda_max_H: float
    lambda_min_H: float

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (infinities as strings)."""
        out: dict[str, Any] = {}
        for k in self.__dataclass_fields__:
            v = getattr(self, k)
            if isinstance(v, tuple):
                v = [_js(x) for x in v]
            out[k] = _js(v) if isinstance(v, float) else v
        return out


def _js(x: float) -> float | str:
    return x if math.isfinite(x) else ("inf" if x > 0 else ("-inf" if x < 0 else "nan"))


def compare_thresholds(
    H: Any, *, B: int, batch: str, rho: float = 0.0, alpha: float = 1.0, rtol: float = 1e-10, radius: bool = True,
    printed: Callable[[Coherence, int, int, float, float], float] | None = None,
) -> ThresholdComparison:
    """Compare the printed threshold (Dexter Thm 1 / Chang–Khanna eq. 31) with the exact ``eta*`` (module doc).

    ``printed(coh, n, B, rho, alpha)`` evaluates the printed threshold (default
    :func:`printed_threshold`; the checks pass the claim's own statement, so a mutated claim is
    checked as printed).  ``radius=False`` skips the spectral radius at ``eta_p`` (``nan``), for searches.
    """
    H = validate_family(H)
    n, d, _ = H.shape
    batch = check_choice("batch", batch, BATCH_MODELS)
    c = coherence(H)
    ep = printed_threshold(H, B=B, rho=rho, alpha=alpha, coh=c) if printed is None else float(printed(c, n, int(B), rho, alpha))
    kw: dict[str, Any] = {"kind": "sam", "rho": rho, "alpha": alpha} if rho > 0 else {"kind": "sgd"}
    th = eta_star(H, B=B, batch=batch, rtol=rtol, **kw)
    ex = th.eta_star
    rad = math.nan if not radius else spectral_radius(H, B=B, batch=batch, eta=ep, **kw) if math.isfinite(ep) else math.inf
    ratio = ep / ex if ex > 0 else math.inf
    return ThresholdComparison(n, d, int(B), batch, float(rho), float(alpha), ep, ex, th.bracket, ratio, rad,
                               c.sigma, c.lambda_max_H, c.lambda_min_H)


# --------------------------------------------------------------------------------------------------
# Exact operators in rational arithmetic (small families: confirms a counterexample without rounding)
# --------------------------------------------------------------------------------------------------


def _exact_batches(n: int, B: int, batch: str) -> list[tuple[Fraction, list[Fraction]]]:
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
    import sympy as sp

    Hs = [sp.Matrix(h).applyfunc(sp.nsimplify) for h in H]
    n, d = len(Hs), Hs[0].shape[0]
    Hbar = sum(Hs, sp.zeros(d, d)) / n
    P = sp.eye(d) + sp.nsimplify(c) * Hbar
    T = sp.zeros(d * d, d * d)
    for prob, w in _exact_batches(n, B, batch):
        HB = sum((sp.Rational(wi.numerator, wi.denominator) * Hi for wi, Hi in zip(w, Hs)), sp.zeros(d, d))
        J = sp.eye(d) - sp.nsimplify(eta) * HB * P
        T += sp.Rational(prob.numerator, prob.denominator) * sp.kronecker_product(J, J)
    return T


def exact_radius(H: Any, *, B: int, batch: str, eta: Any, c: Any = 0) -> tuple[Any, bool]:
    """The exact spectral radius of :func:`exact_operator` and whether its peripheral eigenvalues are semisimple.

    Semisimple peripheral eigenvalues with radius 1 mean ``E||w_k||^2`` stays bounded (no divergence).
    """
    import sympy as sp

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


# --------------------------------------------------------------------------------------------------
# Diagonal families: the exact operator in closed form (Figure 1)
# --------------------------------------------------------------------------------------------------


def _diag_moments(D: np.ndarray, B: np.ndarray, batch: str) -> tuple[np.ndarray, np.ndarray]:
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
    mean, sq = _diag_moments(D, Bs, batch)
    s = 1.0 + c * D.mean(axis=0)
    return np.max(1.0 - 2.0 * eta * s * mean + eta * eta * s * s * sq, axis=1)


def diagonal_eta_star(D: Any, *, B: Any, batch: str, c: float = 0.0) -> np.ndarray:
    """The exact threshold ``eta* = min_j 2 E[X_j] / E[X_j^2]`` (``X_j = s_j h_j``) for a diagonal family."""
    D = as_float_array("D", D, ndim=2)
    Bs = np.atleast_1d(np.asarray(B, dtype=int))
    mean, sq = _diag_moments(D, Bs, batch)
    s = 1.0 + c * D.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(sq > 0, 2.0 * mean / (s * sq), np.inf)
    return per.min(axis=1)


def sam_noise_radius(H: Any, *, B: int, eta: float, c: float) -> tuple[float, float]:
    """``(epsilon_max, r_N)`` of Chang & Khanna's convergence criterion (49) for a family.

    ``epsilon_max = min(eta min_i kappa_i, 2 - eta max_i kappa_i)`` with ``kappa_i = lambda_i + c lambda_i^2``
    (the largest ``epsilon`` with ``epsilon/eta <= kappa_i <= (2 - epsilon)/eta``), and
    ``r_N = eta^2 (1/(nB) - 1/n^2) rho(Phi)`` with ``Phi(M) = Σ_y P H_y M H_y P``, ``P = I + c H``:
    ``epsilon^-k N_k -> 0`` iff ``r_N < epsilon``.
    """
    H = validate_family(H)
    n, d, _ = H.shape
    Hbar = H.mean(axis=0)
    lam = np.linalg.eigvalsh(Hbar)
    kappa = lam + c * lam * lam
    eps = float(min(eta * kappa.min(), 2.0 - eta * kappa.max()))
    P = np.eye(d) + c * Hbar
    A = np.einsum("ab,nbc->nac", P, H)  # P H_y
    Phi = np.einsum("nij,nkl->ikjl", A, A).reshape(d * d, d * d)  # vec(A M A^T) = (A ⊗ A) vec M
    rphi = float(np.max(np.abs(np.linalg.eigvals(Phi))))
    return eps, eta * eta * (1.0 / (n * B) - 1.0 / n**2) * rphi


# --------------------------------------------------------------------------------------------------
# Adversarial search
# --------------------------------------------------------------------------------------------------


def nelder_mead(
    f: Callable[[np.ndarray], float], x0: np.ndarray, *, step: float = 0.5, max_evals: int = 400, xtol: float = 1e-8,
) -> tuple[np.ndarray, float, int]:
    """Minimise ``f`` by the Nelder–Mead simplex (standard coefficients 1, 2, 1/2, 1/2); returns ``(x, f(x), evals)``."""
    x0 = np.asarray(x0, dtype=float)
    k = x0.size
    simplex = [x0] + [x0 + step * np.eye(k)[i] for i in range(k)]
    vals = [f(x) for x in simplex]
    evals = k + 1
    while evals < max_evals:
        order = np.argsort(vals)
        simplex = [simplex[i] for i in order]
        vals = [vals[i] for i in order]
        if np.max(np.abs(np.asarray(simplex[1:]) - simplex[0])) < xtol:
            break
        centroid = np.mean(simplex[:-1], axis=0)
        xr = centroid + (centroid - simplex[-1])
        fr = f(xr)
        evals += 1
        if fr < vals[0]:
            xe = centroid + 2.0 * (centroid - simplex[-1])
            fe = f(xe)
            evals += 1
            simplex[-1], vals[-1] = (xe, fe) if fe < fr else (xr, fr)
        elif fr < vals[-2]:
            simplex[-1], vals[-1] = xr, fr
        else:
            xc = centroid + 0.5 * (simplex[-1] - centroid)
            fc = f(xc)
            evals += 1
            if fc < vals[-1]:
                simplex[-1], vals[-1] = xc, fc
            else:
                best = simplex[0]
                simplex = [best] + [best + 0.5 * (x - best) for x in simplex[1:]]
                vals = [vals[0]] + [f(x) for x in simplex[1:]]
                evals += k
    i = int(np.argmin(vals))
    return simplex[i], float(vals[i]), evals


def family_from_params(x: np.ndarray, n: int, d: int) -> np.ndarray:
    """The PSD family ``H_i = A_i A_i^T`` whose factors ``A_i`` (``d x d``) are the entries of ``x``."""
    A = np.asarray(x, dtype=float).reshape(n, d, d)
    return np.einsum("nij,nkj->nik", A, A)


def adversarial_threshold_search(
    objective: Callable[[np.ndarray], float],
    *,
    sizes: Sequence[tuple[int, int]],
    rng: np.random.Generator,
    starts: int,
    max_evals: int,
) -> list[dict[str, Any]]:
    """Minimise ``objective(H)`` (e.g. ``log(eta_p/eta*)``) by Nelder–Mead from random starts, per ``(n, d)``.

    Returns one record per size with the best family found (``H`` as nested lists) and its value.
    A failing evaluation (a degenerate family) scores ``+inf``.
    """
    rng = check_generator("rng", rng)
    out = []
    for n, d in sizes:
        best: tuple[float, np.ndarray | None] = (math.inf, None)

        def f(x: np.ndarray) -> float:
            try:
                v = objective(family_from_params(x, n, d))
            except (ValueError, FloatingPointError, np.linalg.LinAlgError):
                return math.inf
            return v if math.isfinite(v) else math.inf

        for _ in range(starts):
            x, v, _ = nelder_mead(f, rng.standard_normal(n * d * d), max_evals=max_evals)
            if v < best[0]:
                best = (v, x)
        H = None if best[1] is None else family_from_params(best[1], n, d)
        out.append({"n": n, "d": d, "value": best[0], "H": None if H is None else H.tolist()})
    return out


# --------------------------------------------------------------------------------------------------
# Two-layer ReLU networks: per-sample Gauss–Newton Hessians
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReluNet:
    """``f(x) = W2 · ReLU(W1 x + b)`` with ``W1`` ``(h, d)``, ``b`` ``(h,)``, ``W2`` ``(h,)`` (scalar output)."""

    W1: np.ndarray
    b: np.ndarray
    W2: np.ndarray

    def __post_init__(self) -> None:
        W1 = as_float_array("W1", self.W1, ndim=2)
        h = W1.shape[0]
        b = as_float_array("b", self.b, ndim=1)
        W2 = as_float_array("W2", self.W2, ndim=1)
        if b.shape != (h,) or W2.shape != (h,):
            raise fail(f"b, W2 of shapes {b.shape}, {W2.shape}", describe(b), f"of shape ({h},) to match W1 {W1.shape}")
        object.__setattr__(self, "W1", W1)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "W2", W2)

    def preactivations(self, X: np.ndarray) -> np.ndarray:
        """``W1 x_i + b`` for each row of ``X``: ``(n, h)``."""
        return np.asarray(X, dtype=float) @ self.W1.T + self.b

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """The outputs ``f(x_i)``: ``(n,)``."""
        return np.maximum(self.preactivations(X), 0.0) @ self.W2


def relu_per_sample_gradients(net: ReluNet, X: Any) -> np.ndarray:
    """``g_i = grad_theta f(x_i)`` for each row of ``X``, parameters ordered ``(W1 row-major, b, W2)``: ``(n, p)``.

    At an interpolating MSE solution the per-sample Hessian is ``H_i = g_i g_i^T`` (Gauss–Newton: the
    residual term vanishes), so ``Tr(H_i H_j) = (g_i · g_j)^2`` and ``S_ij = |g_i · g_j|``.
    """
    X = as_float_array("X", X, ndim=2)
    A = net.preactivations(X)
    act = (A > 0).astype(float)
    gW1 = (act * net.W2)[:, :, None] * X[:, None, :]
    gb = act * net.W2
    gW2 = np.maximum(A, 0.0)
    return np.concatenate([gW1.reshape(X.shape[0], -1), gb, gW2], axis=1)


def relu_memorizing(net: ReluNet, X: Any) -> bool:
    """Whether every training point activates a hidden unit and no unit is active on two training points."""
    act = net.preactivations(as_float_array("X", X, ndim=2)) > 0
    return bool(np.all(act.sum(axis=1) >= 1) and np.all(act.sum(axis=0) <= 1))


def relu_coherence_matrix(net: ReluNet, X: Any) -> np.ndarray:
    """``S_ij = |g_i · g_j|`` of the Gauss–Newton Hessians ``g_i g_i^T`` (exact for integer inputs)."""
    G = relu_per_sample_gradients(net, X)
    return np.abs(G @ G.T)


def memorizing_solution(X: Any, y: Any, *, rng: np.random.Generator, extra_units: int = 0) -> ReluNet:
    """A memorising interpolating net for distinct ``X`` on ``{±1}^d``: unit ``i`` fires on ``x_i`` only.

    Unit ``i`` has ``W1_i = k_i x_i``, ``b_i = -k_i (d - 1)``: pre-activation ``k_i`` on ``x_i`` and
    ``<= -k_i`` on every other hypercube point; ``W2_i = y_i / k_i``.  ``extra_units`` dead units
    (never active on the data) get random output weights.
    """
    X = as_float_array("X", X, ndim=2)
    y = as_float_array("y", y, ndim=1)
    n, d = X.shape
    k = rng.uniform(0.5, 2.0, size=n)
    W1 = k[:, None] * X
    b = -k * (d - 1)
    W2 = y / k
    if extra_units:
        W1 = np.vstack([W1, rng.standard_normal((extra_units, d))])
        b = np.r_[b, -(np.abs(W1[n:]).sum(axis=1) + 1.0)]  # below -sum|w|: never active on {±1}^d
        W2 = np.r_[W2, rng.standard_normal(extra_units)]
    return ReluNet(W1, b, W2)


def interpolating_solution(X: Any, y: Any, *, h: int, rng: np.random.Generator) -> ReluNet | None:
    """A random interpolating net: random ``W1, b``, then ``W2`` solving ``ReLU(W1 X + b) W2 = y`` (None if singular)."""
    X = as_float_array("X", X, ndim=2)
    n, d = X.shape
    W1 = rng.standard_normal((h, d))
    b = rng.standard_normal(h)
    Z = np.maximum(X @ W1.T + b, 0.0)
    if np.linalg.matrix_rank(Z) < n:
        return None
    W2 = np.linalg.lstsq(Z, np.asarray(y, dtype=float), rcond=None)[0]
    return ReluNet(W1, b, W2)


def cr_solution(*, C: int, d: int, r: float) -> ReluNet:
    """The (C, r) solution for ``y = x[0] x[1]`` on ``{±1}^d``: one unit per sign pattern of ``x[:C]``.

    Unit ``s`` (``s in {±1}^C``): ``W1 = r s`` on the first ``C`` coordinates, ``b = -r (C - 1)``,
    ``W2 = s[0] s[1] / r``; on ``x`` with ``x[:C] = s`` it has pre-activation ``r``, otherwise ``<= -r``.
    """
    C = check_count("C", C, minimum=2)
    d = check_count("d", d, minimum=C)
    r = check_positive("r", r)
    pats = np.array(list(itertools.product((-1.0, 1.0), repeat=C)))
    W1 = np.zeros((len(pats), d))
    W1[:, :C] = r * pats
    return ReluNet(W1, np.full(len(pats), -r * (C - 1)), pats[:, 0] * pats[:, 1] / r)


def hypercube_sample(rng: np.random.Generator, *, n: int, d: int) -> np.ndarray:
    """``n`` i.i.d. uniform points of ``{±1}^d`` (rows)."""
    return rng.choice(np.array([-1.0, 1.0]), size=(n, d))


# --------------------------------------------------------------------------------------------------
# Table 1: SGD vs SAM on a two-layer ReLU net
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table1:
    """Per (optimiser, seed) metrics at the end of training: ``metrics[name][k]`` over seeds.

    ``optimizers`` are ``"sgd"`` and ``"sam_rho=<rho>"``; metrics: ``sigma``, ``lambda_max_S``,
    ``max_lambda_i``, ``lambda_max_H``, ``trace_H``, ``train_loss``.
    """

    optimizers: tuple[str, ...]
    rhos: tuple[float, ...]
    metrics: dict[str, dict[str, list[float]]]
    settings: dict[str, Any]

    def summary(self) -> dict[str, dict[str, dict[str, float]]]:
        """Mean and standard deviation of each metric per optimiser."""
        out: dict[str, dict[str, dict[str, float]]] = {}
        for o in self.optimizers:
            out[o] = {}
            for m, v in self.metrics[o].items():
                a = np.asarray(v)
                out[o][m] = {"mean": float(a.mean()), "std": float(a.std(ddof=1)) if a.size > 1 else 0.0}
        return out


def _gn_metrics(W1: np.ndarray, b: np.ndarray, W2: np.ndarray, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    net = ReluNet(W1, b, W2)
    G = relu_per_sample_gradients(net, X)
    K = G @ G.T  # g_i · g_j
    S = np.abs(K)
    lS = float(np.linalg.eigvalsh(S)[-1])
    li = float(np.max(np.diag(K)))  # lambda_max(g g^T) = ||g||^2
    n = X.shape[0]
    return {"sigma": lS / li, "lambda_max_S": lS, "max_lambda_i": li,
            "lambda_max_H": float(np.linalg.eigvalsh(K)[-1]) / n,  # H = G^T G / n shares G G^T / n's spectrum
            "trace_H": float(np.trace(K)) / n, "train_loss": float(0.5 * np.mean((net(X) - y) ** 2))}


def train_table1(
    rng: np.random.Generator, *, d: int = 15, h: int = 10, n: int = 50, rhos: Sequence[float] = (0.01, 0.05, 0.1),
    n_seeds: int = 3, lr: float = 0.1, batch_size: int = 10, n_steps: int = 20_000,
) -> Table1:
    """Train SGD and normalised SAM (same-batch ascent) at each ``rho`` from the same data and initialisation.

    Data: ``x`` uniform on ``{±1}^d``, ``y = x[0] x[1]``; MSE loss ``mean (f - y)^2 / 2``; He-style
    initialisation ``W1 ~ N(0, 1/d)``, ``b = 0``, ``W2 ~ N(0, 1/h)``; mini-batches without replacement.
    Every (optimiser, seed) pair is one row of a batched computation.
    """
    rng = check_generator("rng", rng)
    rhos = tuple(float(check_positive("rho", x)) for x in rhos)
    opts = ("sgd",) + tuple(f"sam_rho={x:g}" for x in rhos)
    rho_of = np.array([0.0] + list(rhos))
    S_, O = check_count("n_seeds", n_seeds), len(opts)
    P = O * S_
    Xs = np.stack([hypercube_sample(rng, n=n, d=d) for _ in range(S_)])
    ys = Xs[:, :, 0] * Xs[:, :, 1]
    W1s = rng.standard_normal((S_, h, d)) / math.sqrt(d)
    W2s = rng.standard_normal((S_, h)) / math.sqrt(h)
    seed_of = np.tile(np.arange(S_), O)  # path p = o * S + s
    rho_p = np.repeat(rho_of, S_)
    X, y = Xs[seed_of], ys[seed_of]
    W1, b, W2 = W1s[seed_of].copy(), np.zeros((P, h)), W2s[seed_of].copy()
    ar = np.arange(P)[:, None]

    def grads(W1, b, W2, Xb, yb):
        A = np.einsum("pbd,phd->pbh", Xb, W1) + b[:, None, :]
        Z = np.maximum(A, 0.0)
        res = np.einsum("pbh,ph->pb", Z, W2) - yb
        m = Xb.shape[1]
        gW2 = np.einsum("pb,pbh->ph", res, Z) / m
        dZ = res[:, :, None] * W2[:, None, :] * (A > 0)
        return np.einsum("pbh,pbd->phd", dZ, Xb) / m, dZ.mean(axis=1), gW2

    for _ in range(n_steps):
        idx = np.argpartition(rng.random((P, n)), batch_size - 1, axis=1)[:, :batch_size]
        Xb, yb = X[ar, idx], y[ar, idx]
        g1, gb, g2 = grads(W1, b, W2, Xb, yb)
        nrm = np.sqrt((g1 * g1).sum(axis=(1, 2)) + (gb * gb).sum(axis=1) + (g2 * g2).sum(axis=1))
        scale = np.where(nrm > 0, rho_p / np.where(nrm > 0, nrm, 1.0), 0.0)
        if np.any(scale > 0):
            g1, gb, g2 = grads(W1 + scale[:, None, None] * g1, b + scale[:, None] * gb, W2 + scale[:, None] * g2, Xb, yb)
        W1 -= lr * g1
        b -= lr * gb
        W2 -= lr * g2

    metrics: dict[str, dict[str, list[float]]] = {o: {} for o in opts}
    for p in range(P):
        o = opts[p // S_]
        for key, v in _gn_metrics(W1[p], b[p], W2[p], X[p], y[p]).items():
            metrics[o].setdefault(key, []).append(v)
    settings = {"d": d, "h": h, "n": n, "rhos": list(rhos), "n_seeds": S_, "lr": lr, "batch_size": batch_size,
                "n_steps": n_steps, "sam": "normalised, same-batch ascent", "batches": "without replacement"}
    return Table1(opts, rhos, metrics, settings)


# --------------------------------------------------------------------------------------------------
# Figure 1: the (B, sigma) phase diagram
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseDiagram:
    """Divergence over a ``(B, sigma)`` grid for one batch model: exact radii, printed line, Monte Carlo.

    Arrays are indexed ``[i_sigma, i_B]``.  ``radius[alg]`` is the exact spectral radius of the
    second-moment map (``sgd`` and ``random_perturbation`` share it); ``printed[alg]`` whether the
    printed divergence condition holds (Dexter's for SGD/RP, eq. (31) for SAM); ``empirical[alg]``
    (Monte Carlo, when run) whether the majority of runs grew ``||w||^2`` by ``growth``.
    """

    batch: str
    n: int
    eta: float
    c: float
    B_grid: np.ndarray
    sigma_grid: np.ndarray
    radius: dict[str, np.ndarray]
    eta_star: dict[str, np.ndarray]
    printed: dict[str, np.ndarray]
    empirical: dict[str, np.ndarray] = field(default_factory=dict)
    mc_settings: dict[str, Any] = field(default_factory=dict)


def phase_diagram_exact(*, n: int = 100, batch: str, eta: float = 0.5, c: float = 0.1,
                        B_grid: Any = None, sigma_grid: Any = None) -> PhaseDiagram:
    """Figure 1's diagram by exact second-moment operators (:func:`diagonal_radius`) for one batch model."""
    n = check_count("n", n, minimum=2)
    batch = check_choice("batch", batch, BATCH_MODELS)
    Bs = np.arange(1, n + 1) if B_grid is None else np.asarray(B_grid, dtype=int)
    sg = np.arange(1, n + 1) if sigma_grid is None else np.asarray(sigma_grid, dtype=int)
    rad = {a: np.empty((sg.size, Bs.size)) for a in ("sgd", "sam")}
    est = {a: np.empty((sg.size, Bs.size)) for a in ("sgd", "sam")}
    printed = {a: np.empty((sg.size, Bs.size), dtype=bool) for a in ("sgd", "sam")}
    for i, s in enumerate(sg):
        H = phase_family(n, int(s))
        D = np.einsum("nii->ni", H)
        lam = D.mean(axis=0)
        for a, cc in (("sgd", 0.0), ("sam", c)):
            rad[a][i] = diagonal_radius(D, B=Bs, batch=batch, eta=eta, c=cc)
            est[a][i] = diagonal_eta_star(D, B=Bs, batch=batch, c=cc)
            with np.errstate(divide="ignore"):
                line = s / lam.max() / np.sqrt(np.maximum(n / Bs - 1.0, 0.0)) / (1.0 + cc * lam.min())
            printed[a][i] = eta >= line
    rad["random_perturbation"] = rad["sgd"]
    printed["random_perturbation"] = printed["sgd"]
    est["random_perturbation"] = est["sgd"]
    return PhaseDiagram(batch, n, eta, c, Bs, sg, rad, est, printed)


def _sample_counts(rng: np.random.Generator, Bp: np.ndarray, n: int, batch: str) -> np.ndarray:
    """Per-path inclusion counts ``(P, n)`` for per-path batch sizes ``Bp``."""
    P = Bp.size
    if batch == "bernoulli":
        return (rng.random((P, n)) < (Bp[:, None] / n)).astype(float)
    if batch == "with_replacement":
        # max(B) uniform draws per row, the first B_p of them kept: row p gets B_p i.i.d. indices
        Bmax = int(Bp.max())
        idx = rng.integers(0, n, size=(P, Bmax))
        keep = np.arange(Bmax)[None, :] < Bp[:, None]
        flat = (idx + (np.arange(P) * n)[:, None])[keep]
        return np.bincount(flat, minlength=P * n).reshape(P, n).astype(float)
    keys = rng.random((P, n))
    thr = np.sort(keys, axis=1)[np.arange(P), Bp - 1]
    return (keys <= thr[:, None]).astype(float)


def phase_diagram_montecarlo(diagram: PhaseDiagram, *, rng: np.random.Generator, n_runs: int = 10,
                             n_steps: int = 1000, growth: float = 1000.0, perturbation_std: float = 0.01) -> PhaseDiagram:
    """Add the paper's empirical protocol to an exact diagram: ``n_runs`` runs of ``n_steps``, diverged when
    ``||w||^2`` grows ``growth`` times, majority vote; SGD, random perturbation and SAM (scalar ``alpha``)."""
    rng = check_generator("rng", rng)
    n, Bs, sg = diagram.n, diagram.B_grid, diagram.sigma_grid
    # Every cell and run is one row: coordinate e_1 (shared by the first sigma samples) is w0, and
    # the coordinate owned by sample i >= sigma is wown[:, i] (zero and unused for i < sigma).
    sig_p = np.repeat(sg, Bs.size * n_runs)
    Bp = np.tile(np.repeat(Bs, n_runs), sg.size)
    P = Bp.size
    m_p = 2.0 * n / sig_p
    own = np.arange(n)[None, :] >= sig_p[:, None]
    emp: dict[str, np.ndarray] = {}
    for a in ("sgd", "random_perturbation", "sam"):
        c = diagram.c if a == "sam" else 0.0
        scale0 = 1.0 + c * 2.0  # lambda along e_1 is sigma m / n = 2
        scale_own = 1.0 + c * (m_p / n)  # lambda along an owned coordinate is m / n = 2 / sigma
        w0 = rng.standard_normal(P)
        wown = rng.standard_normal((P, n)) * own
        nrm = np.sqrt(w0 * w0 + (wown * wown).sum(axis=1))
        w0 /= nrm
        wown /= nrm[:, None]
        div = np.zeros(P, dtype=bool)
        for _ in range(n_steps):
            cnt = _sample_counts(rng, Bp, n, diagram.batch)
            f = m_p / Bp
            h0 = (cnt * ~own).sum(axis=1) * f
            hown = cnt * f[:, None]
            if a == "random_perturbation":
                w0 += perturbation_std * rng.standard_normal(P)
                wown += perturbation_std * rng.standard_normal((P, n)) * own
            w0 *= 1.0 - diagram.eta * scale0 * h0
            wown *= 1.0 - diagram.eta * scale_own[:, None] * hown
            div |= (w0 * w0 + (wown * wown).sum(axis=1)) >= growth
            w0[div] = 0.0  # stop tracking diverged runs (avoids overflow)
            wown[div] = 0.0
        emp[a] = div.reshape(sg.size, Bs.size, n_runs).sum(axis=2) > n_runs // 2
    settings = {"n_runs": n_runs, "n_steps": n_steps, "growth": growth, "perturbation_std": perturbation_std,
                "w0": "uniform on the unit sphere"}
    return PhaseDiagram(diagram.batch, n, diagram.eta, diagram.c, Bs, diagram.sigma_grid, diagram.radius,
                        diagram.eta_star, diagram.printed, emp, settings)
