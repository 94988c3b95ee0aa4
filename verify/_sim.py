"""Simulators: linear SDEs with exact Gaussian transitions, Euler–Maruyama, and SGD/SAM-type optimisers.

All simulators are vectorised over independent paths (the leading ``n_paths`` axis), work in float64,
and draw every random number from an explicit :class:`numpy.random.Generator` (``rng``); independent
streams come from :meth:`numpy.random.SeedSequence.spawn`, never from global state.  Normals are drawn
in blocks into preallocated buffers and updates happen in place, because random-number generation
dominates the cost of a step (see :mod:`verify._bench`).

Conventions follow ``docs/catalogue.md``: the loss near a critical point ``d`` is a finite sum of
per-sample quadratics; batch models are ``bernoulli``, ``with_replacement`` and
``without_replacement``. The optimiser simulators live in :mod:`verify._sim_optimizer` (re-exported
here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from derivations._validate import (
    check_positive,
    fail,
)

from ._validate_arrays import (
    as_float_array,
    check_count,
    check_generator,
    check_nondecreasing,
    check_psd,
    check_shape,
    check_square,
    check_symmetric,
    describe,
)

__all__ = [
    "BATCH_MODELS",
    "ALGORITHMS",
    "ASCENTS",
    "FiniteSumQuadratic",
    "PerSampleGradients",
    "expm",
    "psd_sqrt",
    "gaussian_transition",
    "simulate_linear_sde",
    "euler_maruyama",
    "sample_batch_weights",
    "run_optimizer",
    "spawn_generators",
]

BATCH_MODELS = ("bernoulli", "with_replacement", "without_replacement")
ALGORITHMS = ("gd", "sgd", "sam", "normalized_sam", "random_perturbation")
ASCENTS = ("same_batch", "independent_batch", "full")

# Normals per block: 2**20 doubles = 8 MiB, large enough that per-call overhead of the generator is
# negligible (< 1 %) and small enough to stay in the last-level cache of a typical CPU.
_BLOCK_NORMALS = 1 << 20


def spawn_generators(seed: int | np.random.SeedSequence, n: int) -> list[np.random.Generator]:
    """Return ``n`` independent generators spawned from ``seed`` (NEP 19 style, no shared state)."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [np.random.default_rng(s) for s in ss.spawn(check_count("n", n))]


# --------------------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FiniteSumQuadratic:
    """A finite-sum quadratic loss ``(1/n) Σ l_i`` with ``l_i(w) = 1/2 (w-d)^T H_i (w-d) + g_i^T (w-d)``.

    ``grad l_i(w) = H_i (w - d) + g_i``.  ``H`` is ``(n, d, d)`` and symmetric; it need not be PSD
    (a saddle has negative eigenvalues) — call :meth:`require_psd` where a method needs PSD.  ``g``
    (``(n, d)``) are the per-sample gradients at ``d`` (the noise at the critical point; ``None`` means
    zeros) and ``center`` is ``d`` (``None`` means the origin).  Arrays are stored as float64 copies.
    """

    H: np.ndarray
    g: np.ndarray | None = None
    center: np.ndarray | None = None
    H_mean: np.ndarray = field(init=False, repr=False, compare=False)
    g_mean: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        H = as_float_array("H", self.H, ndim=3).copy()
        check_square("H", H)
        check_symmetric("H", H)
        n, d, _ = H.shape
        if n < 1 or d < 1:
            raise fail(f"H of shape {H.shape}", describe(H), "non-empty: (n >= 1, d >= 1, d)")
        g = np.zeros((n, d)) if self.g is None else as_float_array("g", self.g, ndim=2).copy()
        check_shape("g", g, (n, d), hint=f"one gradient offset per sample, matching H of shape {H.shape}")
        c = np.zeros(d) if self.center is None else as_float_array("center", self.center, ndim=1).copy()
        check_shape("center", c, (d,), hint=f"the critical point in R^{d}")
        for a in (H, g, c):
            a.setflags(write=False)
        object.__setattr__(self, "H", H)
        object.__setattr__(self, "g", g)
        object.__setattr__(self, "center", c)
        object.__setattr__(self, "H_mean", H.mean(axis=0))
        object.__setattr__(self, "g_mean", g.mean(axis=0))

    @property
    def n(self) -> int:
        """The number of samples."""
        return int(self.H.shape[0])

    @property
    def d(self) -> int:
        """The dimension of the parameter."""
        return int(self.H.shape[1])

    def require_psd(self) -> FiniteSumQuadratic:
        """Return ``self``, raising :class:`InvalidParameter` unless every ``H_i`` is PSD."""
        check_psd("H", self.H, what="positive semi-definite for every sample (H_i >= 0)")
        return self

    def loss(self, w: np.ndarray) -> np.ndarray:
        """The full-batch loss at each row of ``w`` (shape ``(..., d)``)."""
        u = np.asarray(w, dtype=np.float64) - self.center
        return 0.5 * np.einsum("...i,ij,...j->...", u, self.H_mean, u) + u @ self.g_mean

    def grad(self, w: np.ndarray) -> np.ndarray:
        """The full-batch gradient at each row of ``w`` (shape ``(..., d)``)."""
        u = np.asarray(w, dtype=np.float64) - self.center
        return u @ self.H_mean + self.g_mean  # H_mean symmetric, so u @ H = (H u)^T

    def per_sample_grads(self, w: np.ndarray) -> np.ndarray:
        """All per-sample gradients: ``out[p, i] = grad l_i(w[p])`` of shape ``(n_paths, n, d)``."""
        u = np.asarray(w, dtype=np.float64) - self.center
        n, d = self.n, self.d
        # One GEMM (P, d) x (d, n*d) instead of n small products: BLAS does the work.
        out = (u @ self.H.reshape(n * d, d).T).reshape(u.shape[0], n, d)
        out += self.g
        return out


@dataclass(frozen=True)
class PerSampleGradients:
    """A finite-sum problem given only by its per-sample gradients: ``grad(w)[p, i] = grad l_i(w[p])``.

    ``grad`` maps ``w`` of shape ``(n_paths, d)`` to an array of shape ``(n_paths, n, d)``.
    ``full_grad`` (optional) maps ``w`` to the full-batch gradient ``(n_paths, d)``; by default it is
    the mean of ``grad(w)`` over samples.
    """

    grad: Callable[[np.ndarray], np.ndarray]
    n: int
    d: int
    full_grad: Callable[[np.ndarray], np.ndarray] | None = None

    def __post_init__(self) -> None:
        if not callable(self.grad):
            raise fail("grad", describe(self.grad), "callable: w (n_paths, d) -> (n_paths, n, d)")
        object.__setattr__(self, "n", check_count("n", self.n))
        object.__setattr__(self, "d", check_count("d", self.d))

    def per_sample_grads(self, w: np.ndarray) -> np.ndarray:
        """All per-sample gradients at each row of ``w``, checked for shape."""
        out = np.asarray(self.grad(w), dtype=np.float64)
        check_shape("grad(w)", out, (w.shape[0], self.n, self.d), hint="grad must return (n_paths, n, d)")
        return out

    def grad_full(self, w: np.ndarray) -> np.ndarray:
        """The full-batch gradient at each row of ``w``."""
        if self.full_grad is not None:
            out = np.asarray(self.full_grad(w), dtype=np.float64)
            check_shape("full_grad(w)", out, (w.shape[0], self.d))
            return out
        return self.per_sample_grads(w).mean(axis=1)


# --------------------------------------------------------------------------------------------------
# Linear algebra helpers
# --------------------------------------------------------------------------------------------------

def expm(A: np.ndarray) -> np.ndarray:
    """The matrix exponential (SciPy's Pade scaling and squaring, Al-Mohy and Higham 2009)."""
    from scipy.linalg import expm as _expm

    A = np.asarray(A, dtype=np.float64)
    check_square("A", A)
    return _expm(A)


def psd_sqrt(S: np.ndarray, *, name: str = "S") -> np.ndarray:
    """A factor ``L`` with ``L L^T = S`` for a symmetric PSD ``S`` (works when ``S`` is singular)."""
    S = 0.5 * (S + S.T)
    w, V = np.linalg.eigh(S)
    tol = 1e-12 * max(1.0, float(np.max(np.abs(w))) if w.size else 1.0)  # round-off of eigh on a PSD input
    if w.size and w[0] < -tol:
        raise fail(f"{name} of shape {S.shape}", describe(S), "positive semi-definite", f"eigenvalue {w[0]:.6g} < 0")
    return V * np.sqrt(np.clip(w, 0.0, None))


def gaussian_transition(A: np.ndarray, Q: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """The exact transition of ``dx = -A x dt + Q^{1/2} dW`` over time ``h``: ``(Phi, Sigma_h)``.

    ``x(t+h) = Phi x(t) + N(0, Sigma_h)`` with ``Phi = exp(-A h)`` and
    ``Sigma_h = ∫_0^h exp(-A s) Q exp(-A^T s) ds``, both from one exponential of Van Loan's (1978)
    block matrix ``[[A, Q], [0, -A^T]] h``: ``exp = [[F11, F12], [0, F22]]``, ``Phi = F22^T``,
    ``Sigma_h = Phi F12``.  No discretisation error; ``A`` need not be symmetric or stable.
    """
    d = A.shape[0]
    # Over long horizons the block exponential mixes e^{+A h} and e^{-A h} and cancels
    # catastrophically; so take a short step (||A h||_1 <= 1/2) and double it exactly:
    # Phi_{2h} = Phi_h^2, Sigma_{2h} = Phi_h Sigma_h Phi_h^T + Sigma_h.
    nrm = float(np.linalg.norm(A, 1)) * abs(h)
    k = max(0, int(np.ceil(np.log2(nrm / 0.5)))) if nrm > 0.5 else 0
    hs = h / 2.0**k
    C = np.zeros((2 * d, 2 * d))
    C[:d, :d] = A
    C[:d, d:] = Q
    C[d:, d:] = -A.T
    F = expm(C * hs)
    Phi = F[d:, d:].T
    Sig = Phi @ F[:d, d:]
    Sig = 0.5 * (Sig + Sig.T)
    for _ in range(k):
        Sig = Phi @ Sig @ Phi.T + Sig
        Sig = 0.5 * (Sig + Sig.T)
        Phi = Phi @ Phi
    return Phi, Sig


def _is_diagonal(M: np.ndarray) -> bool:
    return bool(np.count_nonzero(M - np.diag(np.diagonal(M))) == 0)


def _initial_state(x0: Any, n_paths: int, d: int, *, name: str = "x0") -> np.ndarray:
    x = as_float_array(name, x0, ndim=(1, 2))
    if x.ndim == 1:
        check_shape(name, x, (d,), hint=f"a point in R^{d} or one per path ({n_paths}, {d})")
        return np.broadcast_to(x, (n_paths, d)).copy()
    check_shape(name, x, (n_paths, d), hint=f"a point in R^{d} or one per path ({n_paths}, {d})")
    return x.copy()


# --------------------------------------------------------------------------------------------------
# Linear SDEs and Euler–Maruyama
# --------------------------------------------------------------------------------------------------


def simulate_linear_sde(
    A: Any,
    D: Any,
    *,
    x0: Any,
    times: Any,
    n_paths: int,
    rng: np.random.Generator,
    eta: float = 1.0,
    center: Any = None,
) -> np.ndarray:
    """Sample paths of ``dw = -A (w - center) dt + sqrt(eta D) dW`` at the requested ``times``, exactly.

    Each jump between consecutive requested times (starting from ``x0`` at time 0) is the exact
    Gaussian transition (:func:`gaussian_transition`), so there is no discretisation error and
    only the requested marginals cost anything.  ``A`` is any real ``(d, d)`` matrix (a saddle has
    negative eigenvalues); ``D`` must be symmetric PSD.  Returns ``(len(times), n_paths, d)``.
    """
    A = check_square("A", as_float_array("A", A, ndim=2))
    d = A.shape[0]
    D = check_shape("D", as_float_array("D", D, ndim=2), (d, d), hint=f"the diffusion matrix, matching A of shape {A.shape}")
    check_psd("D", D, what="positive semi-definite (a diffusion matrix)")
    eta = check_positive("eta", eta)
    n_paths = check_count("n_paths", n_paths)
    rng = check_generator("rng", rng)
    t = as_float_array("times", times, ndim=1)
    check_nondecreasing("times", t, minimum=0.0)
    c = np.zeros(d) if center is None else check_shape("center", as_float_array("center", center, ndim=1), (d,))
    x = _initial_state(x0, n_paths, d) - c

    out = np.empty((t.size, n_paths, d))
    cache: dict[float, tuple[np.ndarray, np.ndarray, bool]] = {}
    z = np.empty((n_paths, d))
    prev = 0.0
    for k, tk in enumerate(t):
        h = float(tk) - prev
        prev = float(tk)
        if h > 0:
            if h not in cache:
                Phi, Sig = gaussian_transition(A, eta * D, h)
                L = psd_sqrt(Sig, name="Sigma_h")
                cache[h] = (Phi, L, _is_diagonal(Phi) and _is_diagonal(L))
            Phi, L, diag = cache[h]
            rng.standard_normal(out=z)
            if diag:  # elementwise: the common case of a diagonal (eigenbasis) model
                x *= np.diagonal(Phi)
                z *= np.diagonal(L)
                x += z
            else:
                x = x @ Phi.T
                x += z @ L.T
        out[k] = x
    out += c
    return out


def euler_maruyama(
    drift: Callable[[np.ndarray], np.ndarray],
    diffusion: Any,
    *,
    x0: Any,
    dt: float,
    n_steps: int,
    n_paths: int,
    rng: np.random.Generator,
    record_every: int = 1,
) -> np.ndarray:
    """Euler–Maruyama paths of ``dx = drift(x) dt + G(x) dW`` (strong order 1/2, weak order 1).

    ``drift`` maps ``x`` of shape ``(n_paths, d)`` to ``(n_paths, d)``.  ``diffusion`` is the noise
    coefficient ``G`` (not ``G G^T``): a constant ``(d, m)`` matrix, a constant ``(d,)`` diagonal,
    or a callable returning ``(n_paths, d)`` (diagonal) or ``(n_paths, d, m)``.  Records steps
    ``0, r, 2r, ...`` (``r = record_every``); returns ``(n_steps // r + 1, n_paths, d)``.
    """
    if not callable(drift):
        raise fail("drift", describe(drift), "callable: x (n_paths, d) -> (n_paths, d)")
    dt = check_positive("dt", dt)
    n_steps = check_count("n_steps", n_steps, minimum=0)
    n_paths = check_count("n_paths", n_paths)
    record_every = check_count("record_every", record_every)
    rng = check_generator("rng", rng)
    x = as_float_array("x0", x0, ndim=(1, 2))
    d = x.shape[-1]
    x = _initial_state(x, n_paths, d)

    const_G: np.ndarray | None = None
    diag_G: np.ndarray | None = None
    if not callable(diffusion):
        G = as_float_array("diffusion", diffusion, ndim=(1, 2))
        if G.ndim == 1:
            diag_G = check_shape("diffusion", G, (d,), hint="a diagonal noise coefficient")
        else:
            const_G = check_shape("diffusion", G, (d, None), hint="the noise coefficient G (d, m)")
    m = d if const_G is None else const_G.shape[1]

    sq = np.sqrt(dt)
    out = np.empty((n_steps // record_every + 1, n_paths, d))
    out[0] = x
    z = np.empty((n_paths, m))
    for k in range(1, n_steps + 1):
        f = np.asarray(drift(x), dtype=np.float64)
        if f.shape != x.shape:
            raise fail(f"drift(x) of shape {f.shape}", describe(f), f"of shape {x.shape}")
        rng.standard_normal(out=z)
        z *= sq
        if diag_G is not None:
            z *= diag_G
            noise = z
        elif const_G is not None:
            noise = z @ const_G.T
        else:
            Gx = np.asarray(diffusion(x), dtype=np.float64)
            if Gx.shape == x.shape:
                noise = Gx * z
            elif Gx.ndim == 3 and Gx.shape[:2] == x.shape:
                if Gx.shape[2] != m:
                    z = rng.standard_normal((n_paths, Gx.shape[2])) * sq
                    m = Gx.shape[2]
                noise = np.einsum("pij,pj->pi", Gx, z)
            else:
                raise fail(
                    f"diffusion(x) of shape {Gx.shape}", describe(Gx), f"of shape {x.shape} or {x.shape + ('m',)}"
                )
        x += f * dt
        x += noise
        if k % record_every == 0:
            out[k // record_every] = x
    return out


# --------------------------------------------------------------------------------------------------
# Mini-batches and optimisers
# --------------------------------------------------------------------------------------------------


def __getattr__(name: str) -> object:
    """The optimiser simulators, re-exported lazily from :mod:`verify._sim_optimizer` (no import cycle)."""
    if name in ("run_optimizer", "sample_batch_weights"):
        from . import _sim_optimizer

        return getattr(_sim_optimizer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
