"""Two-layer ReLU networks ``f(x) = W2 · ReLU(W1 x + b)`` and their per-sample Gauss–Newton Hessians (Chang & Khanna §3.3)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from derivations._validate import check_positive, fail

from ._validate_arrays import as_float_array, check_count, describe

__all__ = ["ReluNet", "relu_per_sample_gradients", "relu_memorizing", "relu_coherence_matrix", "memorizing_solution",
           "interpolating_solution", "cr_solution", "hypercube_sample"]


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
