"""Simulators of SGD/SAM-type optimisers on finite-sum quadratics, vectorised over paths.

Every random number comes from an explicit :class:`numpy.random.Generator`; batches follow the
batch models of :data:`verify._sim.BATCH_MODELS`. Split from :mod:`verify._sim` (linear SDEs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from derivations._validate import check_choice, check_in_range, check_nonnegative, check_positive, fail

from ._sim import (
    ALGORITHMS,
    ASCENTS,
    BATCH_MODELS,
    FiniteSumQuadratic,
    PerSampleGradients,
    _initial_state,
    psd_sqrt,
)
from ._validate_arrays import (
    as_float_array,
    check_count,
    check_generator,
    check_psd,
    check_shape,
    describe,
)

__all__ = ["sample_batch_weights", "run_optimizer"]


def sample_batch_weights(rng: np.random.Generator, *, n: int, B: int, batch: str, n_paths: int) -> np.ndarray:
    """Per-path batch weights ``W`` (``(n_paths, n)``) with ``grad_B = Σ_i W[p, i] grad l_i``.

    ``bernoulli``: each index kept independently w.p. ``B/n``, weight ``1/B`` (not 1/|batch|, as in
    docs/catalogue.md); ``with_replacement``: counts of ``B`` uniform draws, divided by ``B``;
    ``without_replacement``: indicator of a uniform ``B``-subset, divided by ``B``.
    """
    if batch == "bernoulli":
        return (rng.random((n_paths, n)) < (B / n)) * (1.0 / B)
    if batch == "with_replacement":
        idx = rng.integers(0, n, size=(n_paths, B))
        idx += (np.arange(n_paths) * n)[:, None]
        counts = np.bincount(idx.ravel(), minlength=n_paths * n).reshape(n_paths, n)
        return counts * (1.0 / B)
    if batch == "without_replacement":
        if B == n:
            return np.full((n_paths, n), 1.0 / B)
        keys = rng.random((n_paths, n))
        kept = np.argpartition(keys, B - 1, axis=1)[:, :B]  # B smallest keys: a uniform B-subset
        W = np.zeros((n_paths, n))
        np.put_along_axis(W, kept, 1.0 / B, axis=1)
        return W
    raise fail("batch", batch, "one of " + ", ".join(repr(b) for b in BATCH_MODELS))


def run_optimizer(
    problem: FiniteSumQuadratic | PerSampleGradients,
    *,
    algorithm: str,
    eta: float,
    n_steps: int,
    n_paths: int,
    rng: np.random.Generator,
    batch: str = "with_replacement",
    B: int | None = None,
    rho: float = 0.0,
    ascent: str = "same_batch",
    gamma: float = 0.0,
    perturbation_std: float = 0.0,
    perturbation_persists: bool = False,
    noise_cov: Any = None,
    x0: Any = None,
    record_every: int = 1,
    grad_fn: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Run a first-order method on a finite-sum problem for ``n_paths`` independent paths at once.

    Algorithms (``g`` is the gradient the step uses, ``g_B`` a mini-batch gradient):

    - ``gd``: full-batch gradient.  ``sgd``: ``g_B(w)``.
    - ``sam`` (plain): ``w_p = w + rho * a(w)``, step with ``g_B(w_p)``.
    - ``normalized_sam``: ``w_p = w + rho * a(w) / ||a(w)||`` (zero perturbation when ``a(w) = 0``).
      The ascent gradient ``a`` is ``g_B`` on the same batch (``ascent="same_batch"``), on an
      independent batch (``"independent_batch"``) or the full gradient (``"full"``).
    - ``random_perturbation``: step with ``g_B(w + xi)``, ``xi ~ N(0, perturbation_std^2 I)``; with
      ``perturbation_persists=True`` the iterate keeps the perturbation, ``w' = (w + xi) - eta g``
      (Chang & Khanna's ``w' = (I - eta H_B)(w + xi)``).

    ``gamma > 0`` adds heavy-ball momentum ``v' = gamma v - eta g, w' = w + v'`` (``v_0 = 0``).
    ``noise_cov`` adds Gaussian noise ``N(0, noise_cov)`` to every stochastic gradient evaluation
    (the additive-noise model of SDE comparisons); an evaluation on the same batch shares its noise
    draw, so same-batch SAM reuses it in the ascent and independent-batch SAM draws afresh.  With
    ``algorithm="gd"`` the noise is added to the full gradient.  ``grad_fn`` (``w -> (n_paths, n,
    d)`` per-sample gradients) overrides the quadratic's gradients.  ``x0`` defaults to the
    problem's centre (or the origin).  Returns the iterates at steps ``0, r, 2r, ...``
    (``r = record_every``), shape ``(n_steps // r + 1, n_paths, d)``.
    """
    if isinstance(problem, FiniteSumQuadratic):
        prob: FiniteSumQuadratic | PerSampleGradients = problem
        if grad_fn is not None:
            prob = PerSampleGradients(grad_fn, problem.n, problem.d, full_grad=None)
    elif isinstance(problem, PerSampleGradients):
        prob = problem
        if grad_fn is not None:
            prob = PerSampleGradients(grad_fn, problem.n, problem.d)
    else:
        raise fail("problem", describe(problem), "a FiniteSumQuadratic or PerSampleGradients")
    n, d = prob.n, prob.d

    algorithm = check_choice("algorithm", algorithm, ALGORITHMS)
    eta = check_positive("eta", eta)
    n_steps = check_count("n_steps", n_steps, minimum=0)
    n_paths = check_count("n_paths", n_paths)
    record_every = check_count("record_every", record_every)
    rng = check_generator("rng", rng)
    batch = check_choice("batch", batch, BATCH_MODELS)
    stochastic = algorithm != "gd"
    if B is None:
        if stochastic:
            raise fail("B", B, f"an integer batch size in [1, n={n}] for algorithm={algorithm!r}")
        B = n
    B = check_count("B", B, minimum=1, maximum=n)
    rho = check_nonnegative("rho", rho)
    ascent = check_choice("ascent", ascent, ASCENTS)
    gamma = check_in_range("gamma", gamma, 0.0, 1.0, closed_high=False)
    perturbation_std = check_nonnegative("perturbation_std", perturbation_std)
    noise_L = None
    if noise_cov is not None:
        C = check_shape("noise_cov", as_float_array("noise_cov", noise_cov, ndim=2), (d, d))
        check_psd("noise_cov", C, what="positive semi-definite (a covariance)")
        noise_L = psd_sqrt(C, name="noise_cov")
    if x0 is None:
        x0 = prob.center if isinstance(prob, FiniteSumQuadratic) else (
            problem.center if isinstance(problem, FiniteSumQuadratic) else np.zeros(d)
        )
    w = _initial_state(x0, n_paths, d)
    v = np.zeros_like(w) if gamma > 0 else None

    def noise() -> np.ndarray | float:
        if noise_L is None:
            return 0.0
        return rng.standard_normal((n_paths, d)) @ noise_L.T

    def full_grad(x: np.ndarray) -> np.ndarray:
        return prob.grad(x) if isinstance(prob, FiniteSumQuadratic) else prob.grad_full(x)

    def batch_grad(x: np.ndarray, W: np.ndarray) -> np.ndarray:
        G = prob.per_sample_grads(x)  # (P, n, d)
        return np.matmul(W[:, None, :], G)[:, 0, :]

    out = np.empty((n_steps // record_every + 1, n_paths, d))
    out[0] = w
    for k in range(1, n_steps + 1):
        if algorithm == "gd":
            g = full_grad(w) + noise()
        else:
            W = sample_batch_weights(rng, n=n, B=B, batch=batch, n_paths=n_paths)
            eps = noise()
            if algorithm == "sgd":
                g = batch_grad(w, W) + eps
            elif algorithm in ("sam", "normalized_sam"):
                if ascent == "same_batch":
                    a = batch_grad(w, W) + eps
                elif ascent == "independent_batch":
                    Wa = sample_batch_weights(rng, n=n, B=B, batch=batch, n_paths=n_paths)
                    a = batch_grad(w, Wa) + noise()
                else:
                    a = full_grad(w)
                if algorithm == "normalized_sam":
                    nrm = np.linalg.norm(a, axis=1, keepdims=True)
                    # a = 0 gives no perturbation (the limit of a/(||a|| + eps) used by SAM codes).
                    a = np.divide(a, nrm, out=np.zeros_like(a), where=nrm > 0)
                g = batch_grad(w + rho * a, W) + eps
            else:  # random_perturbation
                xi = rng.standard_normal((n_paths, d))
                xi *= perturbation_std
                g = batch_grad(w + xi, W) + eps
                if perturbation_persists:
                    w += xi
        if v is not None:
            v *= gamma
            v -= eta * g
            w += v
        else:
            w -= eta * g
        if k % record_every == 0:
            out[k // record_every] = w
    return out
