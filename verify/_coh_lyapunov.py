"""Almost-sure divergence: the top Lyapunov exponent of the random product ``J_k ... J_1``, ``J = I - eta H_B (I + c H)``.

Linear-stability theorems speak of *mean-square* divergence (``E||w_k||^2 -> oo``: the spectral
radius ``R`` of the second-moment map ``M -> E[J M J^T]`` is above 1).  A single run follows the
*almost-sure* growth rate ``lambda = lim (1/k) log ||J_k ... J_1 w_0||`` instead; by Jensen
``lambda <= (1/2) log R``, and ``lambda < 0 < log R`` is common: the second moment is carried by
rare runs while a typical run contracts.  That is why an empirical protocol ("``||w||^2`` grew
1000x in a majority of runs") sees a boundary beyond the exact mean-square threshold.

- Where the recursion decouples into scalars (diagonal families: ``J`` is diagonal with entries
  ``1 - eta s_j h_j``, ``s_j = 1 + c Hbar_jj``) ``lambda = max_j E log|1 - eta s_j h_j|``, exact: a sum
  over the batch law (:func:`diagonal_lyapunov`; Figure 1's family in closed form by binomial and
  hypergeometric laws, :func:`phase_lyapunov`).
- Otherwise it is estimated (:func:`simulated_lyapunov`): independent runs of renormalised products,
  each run's mean log-growth an i.i.d. estimate, with a normal interval over runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from scipy import stats

from ._moments import enumerate_batches

__all__ = ["Lyapunov", "diagonal_lyapunov", "phase_e1_lyapunov", "phase_lyapunov", "simulated_lyapunov", "lyapunov"]


@dataclass(frozen=True)
class Lyapunov:
    """A top Lyapunov exponent (per step, of ``||w_k||``): ``value``, ``exact`` or an interval ``ci`` at level ``alpha``."""

    value: float
    exact: bool
    ci: tuple[float, float]
    alpha: float = 0.0
    runs: int = 0
    steps: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (``-inf``, the product hitting 0 with positive probability, as a string)."""
        f = lambda x: x if math.isfinite(x) else ("-inf" if x < 0 else "inf")  # noqa: E731
        out: dict[str, Any] = {"lyapunov": f(self.value), "exact": self.exact}
        if not self.exact:
            out.update({"ci": [f(self.ci[0]), f(self.ci[1])], "ci_alpha": self.alpha, "runs": self.runs, "steps": self.steps})
        return out


def _elog(x: np.ndarray, p: np.ndarray, axis: int = -1) -> np.ndarray:
    """``E log|x|`` under probabilities ``p`` (``-inf`` where an atom of positive probability is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lg = np.log(np.abs(x))
        return np.where(p > 0, p * lg, 0.0).sum(axis=axis)


def diagonal_lyapunov(D: Any, *, B: int, batch: str, eta: float, c: float = 0.0) -> np.ndarray:
    """Per coordinate, ``E log|1 - eta s_j h_j|`` of a diagonal family ``H_i = diag(D_i)`` (batches enumerated).

    Exact up to round-off; the top exponent of the product from a generic start is the maximum.
    """
    D = np.asarray(D, dtype=float)
    W, prob = enumerate_batches(D.shape[0], B=B, batch=batch)
    s = 1.0 + c * D.mean(axis=0)
    J = 1.0 - eta * s[None, :] * (W @ D)  # (batches, d)
    return _elog(J.T, prob[None, :])


def _phase_laws(n: int, sigma: int, B: np.ndarray, batch: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(K, P(K))`` of the batch members among the first ``sigma`` samples and ``(c, P(c))`` of one sample's count.

    Rows follow ``B``; columns the support ``0..max``.  bernoulli: ``K ~ Bin(sigma, B/n)``,
    ``c ~ Bern(B/n)``; with_replacement: ``K ~ Bin(B, sigma/n)``, ``c ~ Bin(B, 1/n)``;
    without_replacement: ``K ~ Hypergeom(n, sigma, B)``, ``c ~ Bern(B/n)``.
    """
    Bc = B[:, None].astype(float)
    if batch == "with_replacement":
        k = np.arange(int(B.max()) + 1)[None, :]
        return k, stats.binom.pmf(k, B[:, None], sigma / n), k, stats.binom.pmf(k, B[:, None], 1.0 / n)
    one = np.arange(2)[None, :]
    pc = np.where(one == 1, Bc / n, 1.0 - Bc / n)
    if batch == "bernoulli":
        k = np.arange(sigma + 1)[None, :]
        return k, stats.binom.pmf(k, sigma, Bc / n), one, pc
    k = np.arange(min(sigma, int(B.max())) + 1)[None, :]
    return k, stats.hypergeom.pmf(k, n, sigma, B[:, None]), one, pc


def phase_e1_lyapunov(n: int, sigma: int, B: Any, *, batch: str, eta: float, c: float = 0.0,
                      variance: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """The exact exponent ``E log|1 - eta (1 + 2c) m K / B|`` of Figure 1's shared coordinate ``e_1`` (one per ``B``).

    With ``variance=True`` also the variance of one step's log-factor (what an estimate's standard error scales with).
    """
    Bs = np.atleast_1d(np.asarray(B, dtype=int))
    k, pk, _, _ = _phase_laws(n, sigma, Bs, batch)
    x = 1.0 - eta * (1.0 + 2.0 * c) * (2.0 * n / sigma) * k / Bs[:, None]
    mean = _elog(x, pk)
    if not variance:
        return mean
    with np.errstate(divide="ignore", invalid="ignore"):
        sq = np.where(pk > 0, pk * np.log(np.abs(x)) ** 2, 0.0).sum(axis=-1)
        return mean, np.where(np.isfinite(mean), sq - mean**2, np.inf)


def phase_lyapunov(n: int, sigma: int, B: Any, *, batch: str, eta: float, c: float = 0.0) -> np.ndarray:
    """The exact top Lyapunov exponent of Figure 1's family (``phase_family(n, sigma)``) for each batch size in ``B``.

    The family is diagonal: coordinate ``e_1`` is shared by the first ``sigma`` samples (``h = m K / B``,
    ``m = 2n/sigma``, ``Hbar_11 = 2``) and each other coordinate is owned by one sample (``h = m c / B``,
    ``Hbar_jj = 2/sigma``); the exponent is the larger of the two coordinate exponents.
    """
    Bs = np.atleast_1d(np.asarray(B, dtype=int))
    m = 2.0 * n / sigma
    _, _, cc_, pc = _phase_laws(n, sigma, Bs, batch)
    lam0 = phase_e1_lyapunov(n, sigma, Bs, batch=batch, eta=eta, c=c)
    if sigma == n:  # d = 1: no owned coordinate
        return lam0
    lam_own = _elog(1.0 - eta * (1.0 + c * m / n) * m * cc_ / Bs[:, None], pc)
    return np.maximum(lam0, lam_own)


def simulated_lyapunov(H: Any, *, B: int, batch: str, eta: float, c: float = 0.0, rng: np.random.Generator,
                       runs: int = 32, steps: int = 2000, alpha: float = 1e-3) -> Lyapunov:
    """The top Lyapunov exponent by simulation: ``runs`` renormalised products of ``steps`` factors each.

    Each run starts from a random unit vector; its mean log-growth over the steps after a burn-in
    of ``steps // 10`` is one estimate (runs are independent), so the interval is the mean over
    runs plus or minus ``z_{1-alpha/2}`` standard errors.
    """
    H = np.asarray(H, dtype=float)
    n, d, _ = H.shape
    W, prob = enumerate_batches(n, B=B, batch=batch)
    P = np.eye(d) + c * H.mean(axis=0)
    Js = np.eye(d)[None] - eta * np.einsum("bn,nij,jk->bik", W, H, P)  # every batch's factor
    w = rng.standard_normal((runs, d))
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    burn = steps // 10
    total = np.zeros(runs)
    for t in range(burn + steps):
        idx = rng.choice(len(prob), size=runs, p=prob)
        w = np.einsum("rij,rj->ri", Js[idx], w)
        nrm = np.linalg.norm(w, axis=1)
        with np.errstate(divide="ignore"):
            lg = np.log(nrm)
        if t >= burn:
            total += lg
        # a factor that annihilates w (a singular J): restart from a fresh direction, the log records -inf
        dead = nrm == 0
        w[~dead] /= nrm[~dead, None]
        if dead.any():
            w[dead] = rng.standard_normal((int(dead.sum()), d))
            w[dead] /= np.linalg.norm(w[dead], axis=1, keepdims=True)
    per_run = total / steps
    if not np.all(np.isfinite(per_run)):
        return Lyapunov(-math.inf, False, (-math.inf, -math.inf), alpha, runs, steps)
    m, se = float(per_run.mean()), float(per_run.std(ddof=1) / math.sqrt(runs))
    z = NormalDist().inv_cdf(1 - alpha / 2)
    return Lyapunov(m, False, (m - z * se, m + z * se), alpha, runs, steps)


def lyapunov(H: Any, *, B: int, batch: str, eta: float, c: float = 0.0, rng: np.random.Generator,
             **kw: Any) -> Lyapunov:
    """The top Lyapunov exponent: exact for diagonal families (the recursion decouples), simulated otherwise."""
    H = np.asarray(H, dtype=float)
    d = H.shape[-1]
    if np.count_nonzero(H * (1 - np.eye(d))) == 0:
        v = float(np.max(diagonal_lyapunov(np.einsum("nii->ni", H), B=B, batch=batch, eta=eta, c=c)))
        return Lyapunov(v, True, (v, v))
    return simulated_lyapunov(H, B=B, batch=batch, eta=eta, c=c, rng=rng, **kw)
