"""Families of per-sample Hessians and their coherence (Dexter et al. 2024, docs/catalogue.md).

``S_ij = ||H_i^{1/2} H_j^{1/2}||_F = sqrt(Tr(H_i H_j))`` and ``sigma = lambda_max(S) / max_i lambda_max(H_i)``
of validated PSD families, random and extremal families to search over, and the diagonal shortcut
that makes Figure 1's ``n = 100`` families cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from derivations._validate import check_choice, check_positive, fail

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
    "family_from_params",
    "is_diagonal",
]


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


def family_from_params(x: np.ndarray, n: int, d: int, r: int | None = None) -> np.ndarray:
    """The PSD family ``H_i = A_i A_i^T`` whose factors ``A_i`` (``d x r``, default ``d x d``) are the entries of ``x``."""
    A = np.asarray(x, dtype=float).reshape(n, d, d if r is None else r)
    return np.einsum("nij,nkj->nik", A, A)


def is_diagonal(H: np.ndarray) -> bool:
    """Whether every matrix of the stack is diagonal (then the second-moment map has closed forms)."""
    d = H.shape[-1]
    return bool(np.count_nonzero(H * (1 - np.eye(d))) == 0)
