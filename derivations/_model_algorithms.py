"""The discrete algorithms as models: SGD, SAM, heavy ball, and their mini-batch versions on a finite sum.

Each is built from a stochastic gradient oracle ``G(w, xi)`` (an expression in the state and the
noises, or a callable) and handed to :func:`derivations._recursion.discrete_model`, which derives the
exact moment recursion. Every constructor takes ``init=`` (the start ``w_0``; for the heavy ball the
position, or position and velocity), so k-step moments from a start can be claimed. Mini-batch
models use the exact batch-sampling randomness (:func:`batch_weight_covariance`), not an assumed
gradient noise. Pure SymPy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sympy as sp

from ._model import vector
from ._recursion import DiscreteModel, _noise, discrete_model
from ._user_params import _as_symbols
from ._validate import fail

__all__ = [
    "BATCH_MODELS",
    "batch_weight_covariance",
    "sgd_model",
    "sam_model",
    "heavy_ball_model",
    "minibatch_sgd_model",
    "minibatch_sam_model",
    "kim_heavy_ball_model",
]


def _gradient(gradient: Any, state: tuple[sp.Symbol, ...]) -> Callable[[sp.Matrix], sp.Matrix]:
    """The oracle as a function of a point: ``gradient`` is an expression in ``state`` or a callable."""
    if callable(gradient) and not isinstance(gradient, sp.Basic):
        base = vector("gradient", gradient(*state), len(state))
    else:
        base = vector("gradient", gradient, len(state))
    return lambda x: base.subs(dict(zip(state, x)), simultaneous=True)


def sgd_model(gradient: Any, *, state: Any, noise: Mapping[sp.Symbol, Any], lr: Any, name: str = "sgd",
              scalings: Any = (), init: Any = None) -> DiscreteModel:
    """Discrete SGD ``w' = w - lr G(w, xi)`` for a stochastic gradient oracle ``G`` (a per-sample gradient).

    ``gradient`` is an expression in ``state`` and the noises (e.g. ``h * w + xi``) or a callable
    ``G(*state)`` returning one; ``init`` is ``w_0`` (default 0). :meth:`DiscreteModel.sde` gives its
    SDE (``t = lr k``).
    """
    st = _as_symbols("state", state)
    G = _gradient(gradient, st)
    W = sp.Matrix(st)
    return discrete_model(list(W - sp.sympify(lr) * G(W)), state=st, noise=noise, name=name,
                          description=f"SGD w' = w - {lr} G(w), G = {list(G(W))}", scalings=scalings, lr=lr,
                          init=init)


def _sam_update(G: Callable[[sp.Matrix], sp.Matrix], W: sp.Matrix, noises: Sequence[sp.Symbol], lr: Any,
                radius: Any, ascent: str) -> sp.Matrix:
    """``w - lr G(w + radius a(w))`` with the ascent ``a`` the noisy oracle (same batch) or its noiseless part."""
    a = G(W) if ascent == "same_batch" else G(W).subs({x: 0 for x in noises}, simultaneous=True)
    return W - sp.sympify(lr) * G(W + sp.sympify(radius) * a)


def sam_model(gradient: Any, *, state: Any, noise: Mapping[sp.Symbol, Any], lr: Any, radius: Any,
              ascent: str = "same_batch", name: str = "sam", scalings: Any = (), init: Any = None) -> DiscreteModel:
    """Plain SAM ``w_p = w + radius a(w)``, ``w' = w - lr G(w_p, xi)``, from ``w_0 = init``.

    The ascent direction ``a`` is the same noisy oracle ``G(w, xi)`` (``ascent="same_batch"``, what
    SAM implementations do) or the noiseless gradient (``ascent="full"``).
    """
    if ascent not in ("same_batch", "full"):
        raise fail("ascent", ascent, "'same_batch' or 'full'")
    st = _as_symbols("state", state)
    G = _gradient(gradient, st)
    nz = _noise(noise)
    W = sp.Matrix(st)
    update = _sam_update(G, W, [x for x, _ in nz], lr, radius, ascent)
    return discrete_model(list(update), state=st, noise=noise, name=name,
                          description=f"SAM (radius {radius}, {ascent} ascent) with G = {list(G(W))}", scalings=scalings,
                          lr=lr, init=init)


def heavy_ball_model(gradient: Any, *, state: Any, velocity: Any, noise: Mapping[sp.Symbol, Any], lr: Any,
                     momentum: Any, name: str = "heavy_ball", scalings: Any = (), init: Any = None) -> DiscreteModel:
    """Heavy-ball SGD ``v' = momentum v - lr G(w, xi)``, ``w' = w + v'`` on the state ``(w, v)``.

    ``init`` is the start: the position ``w_0`` (velocity 0) or the whole ``(w_0, v_0)``.
    """
    st = _as_symbols("state", state)
    vel = _as_symbols("velocity", velocity)
    if len(vel) != len(st):
        raise fail("velocity", velocity, f"{len(st)} symbol(s), one per state component")
    G = _gradient(gradient, st)
    W, V = sp.Matrix(st), sp.Matrix(vel)
    v_new = sp.sympify(momentum) * V - sp.sympify(lr) * G(W)
    start = None
    if init is not None:
        x0 = vector("init", init)
        if x0.rows == len(st):
            x0 = x0.col_join(sp.zeros(len(st), 1))
        if x0.rows != 2 * len(st):
            raise fail("init", init, f"{len(st)} position(s) or {2 * len(st)} position(s) and velocities")
        start = list(x0)
    return discrete_model(list(W + v_new) + list(v_new), state=st + vel, noise=noise, name=name,
                          description=f"heavy ball (momentum {momentum}) with G = {list(G(W))}", scalings=scalings,
                          init=start)


def kim_heavy_ball_model(reading: str, *, momentum: Any = None, name: str | None = None,
                         init: Any = None) -> DiscreteModel:
    """Heavy-ball SAM along one eigendirection under a catalogue reading (docs/catalogue.md), as a model.

    ``v' = gamma v - eta (a w + xi)``, ``w' = w + v'`` with ``Var xi = q``, where ``a`` and ``q`` are
    those :func:`derivations.heavy_ball.curvature_and_noise` takes from the reading's update rule
    (never retyped here). ``momentum`` defaults to the catalogue's ``gamma``.
    """
    from . import heavy_ball as hb
    from ._symbols import eta, gamma

    if reading not in hb.READINGS:
        raise fail("reading", reading, "one of " + ", ".join(repr(r) for r in hb.READINGS))
    a, q = hb.curvature_and_noise(reading)
    w, v, xi = sp.symbols("w_1 v_1 xi_1", real=True)
    return heavy_ball_model(a * w + xi, state=w, velocity=v, noise={xi: q}, lr=eta,
                            momentum=gamma if momentum is None else momentum,
                            name=name or f"heavy_ball_{reading}", init=init)


BATCH_MODELS = ("bernoulli", "with_replacement", "without_replacement")


def batch_weight_covariance(n: int, B: Any, batch: str) -> sp.Matrix:
    """``Cov(omega)`` of the batch weights ``omega_i`` (``G_B = sum_i omega_i g_i``, ``E omega_i = 1/n``).

    ``with_replacement`` (``B`` uniform draws, counts/B): ``(delta_ij/n - 1/n^2)/B``;
    ``without_replacement`` (a uniform ``B``-subset): ``Var = p(1-p)/B^2``, ``Cov = (B(B-1)/(n(n-1)) - p^2)/B^2``
    with ``p = B/n``; ``bernoulli`` (each index kept with probability ``p``, divided by ``B``):
    ``p(1-p)/B^2`` on the diagonal, 0 elsewhere (docs/catalogue.md batch sampling models).
    """
    if batch not in BATCH_MODELS:
        raise fail("batch", batch, "one of " + ", ".join(repr(b) for b in BATCH_MODELS))
    B = sp.sympify(B)
    p = B / n
    if batch == "with_replacement":
        return sp.Matrix(n, n, lambda i, j: ((1 if i == j else 0) / sp.Integer(n) - 1 / sp.Integer(n) ** 2) / B)
    if batch == "bernoulli":
        return sp.eye(n) * sp.factor(p * (1 - p) / B**2)
    pair = B * (B - 1) / (n * (n - 1)) if n > 1 else sp.Integer(0)
    return sp.Matrix(n, n, lambda i, j: sp.factor((p * (1 - p) if i == j else pair - p**2) / B**2))


def _batch(per_sample_gradients: Sequence[Any], st: tuple[sp.Symbol, ...], B: Any, batch: str):
    """The per-sample gradients as vectors, the batch weights' fluctuations ``eps_i`` and their covariance."""
    gs = [vector(f"per_sample_gradients[{i}]", g, len(st)) for i, g in enumerate(per_sample_gradients)]
    n = len(gs)
    if n < 1:
        raise fail("per_sample_gradients", per_sample_gradients, "at least one per-sample gradient")
    Bs = sp.sympify(B)
    if Bs.is_Integer and not 1 <= int(Bs) <= n:
        raise fail("B", B, f"an integer in [1, n={n}]")
    if not Bs.is_Integer and Bs.is_integer is not True:
        raise fail("B", B, "an integer or an integer symbol", "sp.Symbol('B', integer=True, positive=True)")
    K = batch_weight_covariance(n, Bs, batch)
    eps = sp.symbols(f"epsilon_1:{n + 1}", real=True)
    return gs, eps, K


def _batch_gradient(gs: Sequence[sp.Matrix], st: tuple[sp.Symbol, ...], weights: Sequence[sp.Expr]):
    """``x -> sum_i weights_i g_i(x)``."""
    def G(x: sp.Matrix) -> sp.Matrix:
        at = dict(zip(st, x))
        return sum((w * g.subs(at, simultaneous=True) for w, g in zip(weights, gs)), sp.zeros(len(st), 1))

    return G


def minibatch_sgd_model(
    per_sample_gradients: Sequence[Any],
    *,
    state: Any,
    lr: Any,
    B: Any,
    batch: str = "with_replacement",
    name: str = "minibatch_sgd",
    scalings: Any = (),
    init: Any = None,
) -> DiscreteModel:
    """Mini-batch SGD on a finite sum: ``w' = w - lr sum_i omega_i g_i(w)`` with random batch weights.

    ``per_sample_gradients`` lists ``g_i(w)`` for ``i = 1..n`` (expressions in ``state``, affine);
    ``B`` is the batch size (an integer or an integer symbol, ``1 <= B <= n``) and ``batch`` the
    sampling model; ``init`` is ``w_0``. The gradient noise is not assumed: it is the exact
    randomness of the batch, ``omega_i = 1/n + eps_i`` with ``Cov(eps)`` from
    :func:`batch_weight_covariance`, so the noise is multiplicative where the per-sample Hessians differ.
    """
    st = _as_symbols("state", state)
    gs, eps, K = _batch(per_sample_gradients, st, B, batch)
    n = len(gs)
    W = sp.Matrix(st)
    G = _batch_gradient(gs, st, [sp.Rational(1, n) + e for e in eps])
    return discrete_model(list(W - sp.sympify(lr) * G(W)), state=st, noise={e: K[i, i] for i, e in enumerate(eps)},
                          noise_cov=K, name=name, scalings=scalings, lr=lr, init=init,
                          description=f"mini-batch SGD ({batch}, B = {B}) on {n} per-sample gradients")


def minibatch_sam_model(
    per_sample_gradients: Sequence[Any],
    *,
    state: Any,
    lr: Any,
    radius: Any,
    B: Any,
    batch: str = "with_replacement",
    ascent: str = "full",
    name: str = "minibatch_sam",
    scalings: Any = (),
    init: Any = None,
) -> DiscreteModel:
    """Mini-batch SAM on a finite sum: ``w' = w - lr G_B(w + radius grad L(w))``, from ``w_0 = init``.

    The ascent is the full-batch gradient ``grad L = (1/n) sum_i g_i`` (``ascent="full"``, the plain
    reading of docs/catalogue.md); the descent gradient ``G_B = sum_i omega_i g_i`` uses the exact batch
    weights of ``batch`` (see :func:`minibatch_sgd_model`). The same-batch ascent makes the update
    quadratic in the batch weights, whose second moments then need their fourth moments: not derived.
    """
    if ascent != "full":
        raise fail("ascent", ascent, "'full' for a mini-batch model",
                   "a same-batch ascent is quadratic in the batch weights; its moment recursion needs their "
                   "fourth moments, which are not derived")
    st = _as_symbols("state", state)
    gs, eps, K = _batch(per_sample_gradients, st, B, batch)
    n = len(gs)
    W = sp.Matrix(st)
    full = _batch_gradient(gs, st, [sp.Rational(1, n)] * n)
    G = _batch_gradient(gs, st, [sp.Rational(1, n) + e for e in eps])
    update = W - sp.sympify(lr) * G(W + sp.sympify(radius) * full(W))
    return discrete_model(list(update), state=st, noise={e: K[i, i] for i, e in enumerate(eps)}, noise_cov=K,
                          name=name, scalings=scalings, lr=lr, init=init,
                          description=f"mini-batch SAM ({batch}, B = {B}, radius {radius}, full ascent) "
                                      f"on {n} per-sample gradients")
