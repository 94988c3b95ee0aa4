"""Table 1 of Chang & Khanna (2025) re-run: SGD vs normalised SAM on a two-layer ReLU net, batched over seeds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from derivations._validate import check_positive

from ._coh_relu import ReluNet, hypercube_sample, relu_per_sample_gradients
from ._validate_arrays import check_count, check_generator

__all__ = ["Table1", "TABLE1_SETTINGS", "train_table1", "table1_init", "table1_batch", "initial_loss", "exact_initial_loss"]


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


def table1_init(rng: np.random.Generator, *, d: int, h: int, n: int, n_seeds: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per seed: the data ``X`` (uniform on ``{±1}^d``), labels ``y = x[0] x[1]`` and the initial ``W1``, ``W2``.

    The first draws of :func:`train_table1` (the calibration of Table 1 redraws exactly these).
    """
    Xs = np.stack([hypercube_sample(rng, n=n, d=d) for _ in range(n_seeds)])
    ys = Xs[:, :, 0] * Xs[:, :, 1]
    W1s = rng.standard_normal((n_seeds, h, d)) / math.sqrt(d)
    W2s = rng.standard_normal((n_seeds, h)) / math.sqrt(h)
    return Xs, ys, W1s, W2s


def table1_batch(rng: np.random.Generator, *, P: int, n: int, batch_size: int) -> np.ndarray:
    """One step's mini-batches: a uniform ``batch_size``-subset of ``range(n)`` per path (``(P, batch_size)``)."""
    return np.argpartition(rng.random((P, n)), batch_size - 1, axis=1)[:, :batch_size]


def initial_loss(Xs: np.ndarray, ys: np.ndarray, W1s: np.ndarray, W2s: np.ndarray) -> np.ndarray:
    """The training loss ``mean (f - y)^2 / 2`` of each seed's initial network (``b = 0``)."""
    f = np.einsum("sih,sh->si", np.maximum(np.einsum("sid,shd->sih", Xs, W1s), 0.0), W2s)
    return 0.5 * ((f - ys) ** 2).mean(axis=1)


def exact_initial_loss(*, d: int, h: int) -> float:
    """``E[(f(x) - y)^2 / 2]`` at the initialisation of :func:`table1_init`, from its variances.

    ``f(x) = Σ_k W2_k ReLU(W1_k . x)`` with independent ``W1_k ~ N(0, I/d)``, ``W2_k ~ N(0, 1/h)``: on
    ``{±1}^d``, ``W1_k . x ~ N(0, ||x||^2/d)`` and ``E[ReLU(z)^2] = Var(z)/2``, so ``E[f^2] = h (1/h) (d/d) / 2``;
    ``E[f y] = 0`` (``W2`` is symmetric) and ``y^2 = 1``.
    """
    var_w1, var_w2 = 1.0 / d, 1.0 / h
    e_f2 = h * var_w2 * (d * var_w1) / 2.0
    return 0.5 * (e_f2 + 1.0)


#: Table 1's setting (Chang & Khanna): d = 15, hidden width 10, n = 50, learning rate 0.1, batch size 10.
TABLE1_SETTINGS: dict[str, Any] = {"d": 15, "h": 10, "n": 50, "lr": 0.1, "batch_size": 10}


def train_table1(
    rng: np.random.Generator, *, d: int = TABLE1_SETTINGS["d"], h: int = TABLE1_SETTINGS["h"], n: int = TABLE1_SETTINGS["n"],
    rhos: Sequence[float] = (0.01, 0.05, 0.1), n_seeds: int = 3, lr: float = TABLE1_SETTINGS["lr"],
    batch_size: int = TABLE1_SETTINGS["batch_size"], n_steps: int = 20_000,
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
    Xs, ys, W1s, W2s = table1_init(rng, d=d, h=h, n=n, n_seeds=S_)
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
        idx = table1_batch(rng, P=P, n=n, batch_size=batch_size)
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
