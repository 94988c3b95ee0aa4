"""Chen et al. 2023 (arXiv 2310.07269): the signal/noise patch data model, the two-layer convolutional
ReLU network, and SGD / SAM on it, in two implementations of the same model.

Data (docs/catalogue.md): a clean label ``y`` uniform in {±1}, an observed label flipped with probability
``p`` (so the Bayes risk is ``p``: the signal patch reveals the clean label exactly); ``P`` patches in
``R^d``, one equal to ``y mu`` and ``P - 1`` noise patches ``xi ~ N(0, sigma_p^2 (I - mu mu^T/||mu||^2))``.
Network: ``f(W, x) = F_{+1} - F_{-1}``, ``F_j = (1/m) sum_r sum_p ReLU(<w_{j,r}, x^(p)>)``, weights
``N(0, sigma_0^2)``, logistic loss, mini-batches drawn without replacement each epoch. SAM evaluates the
gradient at ``W + tau g / ||g||`` with ``g`` the same mini-batch's gradient.

* **explicit** (:func:`sample_data`, :func:`network_output`, :func:`loss_and_gradient`,
  :func:`train_explicit`): weights and patches as ``d``-dimensional arrays. Used for the gradient
  check and as the reference.
* **reduced** (:func:`sample_gram`, :func:`train_reduced`): every gradient is a combination of data
  patches, so ``W_t = W_0 + C_t V`` with ``V`` = (unit ``mu``, the noise patches). Activations, gradient
  norms (SAM) and the test error need only inner products, i.e. the Gram matrix of
  {``mu``, noise patches, initial weights}; that Gram matrix is a scaled Wishart matrix with ``d - 1``
  degrees of freedom, drawn exactly by Bartlett's decomposition. The reduced dynamics are the explicit
  ones in distribution (and to rounding for the same Gram matrix: a test checks it), at a cost
  independent of ``d``, which is what lets the sweep span decades of ``d``.

The test error is exact given the weights up to a Monte Carlo over test noise: ``<w_{j,r}, xi>`` for a
fresh noise patch is Gaussian in ``R^{2m}`` with covariance ``sigma_p^2 W_perp W_perp^T``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from derivations._validate import check_finite, check_in_range, check_integer, check_nonnegative, check_positive, fail

__all__ = [
    "ChenSetup",
    "GramSample",
    "TrainResult",
    "bayes_risk",
    "noisy_error",
    "sample_data",
    "network_output",
    "loss_and_gradient",
    "train_explicit",
    "sample_gram",
    "gram_from_explicit",
    "train_reduced",
]


@dataclass(frozen=True)
class ChenSetup:
    """The fixed sizes of one experiment (everything except ``d`` and ``||mu||``).

    Scalings with ``d`` (fixed before any run, from the model's own scales, never tuned on results):

    * ``sigma_0 = s0 / (sigma_p sqrt(d))``: an initial activation ``<w, xi>`` has standard deviation
      ``s0`` at every ``d`` (the small-initialisation regime of the theory).
    * ``eta = eta0 m / (sigma_p^2 d)``: one update moves a noise activation by ``~ eta0 |l'| / B``
      whatever ``d``; the per-sample curvature is ``<= sigma_p^2 d / (4 m)``, so ``eta0 = 1`` is 8x
      below the stability limit of a batch of ``B`` near-orthogonal patches.
    * ``tau = tau_coef d^tau_power``: the SAM radius. The experiment sets both from the rule it declares
      (:data:`derivations.chen2023.EXPERIMENT` ``["sam_radius"]``, the paper's scaling with the
      simulator's sizes bound); the defaults (``d^-1/2``, coefficient 1) only serve direct calls.
      How many noise activations the perturbation switches off is measured (``switched_off``), not
      chosen.
    """

    n: int = 20
    P: int = 2
    m: int = 10
    sigma_p: float = 1.0
    label_noise: float = 0.1
    batch: int = 5
    s0: float = 0.1
    eta0: float = 1.0
    tau_coef: float = 1.0
    tau_power: float = -0.5
    max_epochs: int = 400
    loss_target: float = 0.1
    n_test: int = 20_000
    record_epochs: int = 200

    def __post_init__(self) -> None:
        check_integer("n", self.n, minimum=2)
        check_integer("P", self.P, minimum=2)
        check_integer("m", self.m, minimum=1)
        check_positive("sigma_p", self.sigma_p)
        check_in_range("label_noise", self.label_noise, 0.0, 0.5, closed_high=False)
        check_integer("batch", self.batch, minimum=1, maximum=self.n)
        if self.n % self.batch:
            raise fail("batch", self.batch, f"a divisor of n={self.n}", "epochs are split into equal mini-batches")
        check_positive("s0", self.s0)
        check_positive("eta0", self.eta0)
        check_nonnegative("tau_coef", self.tau_coef)
        check_finite("tau_power", self.tau_power)
        check_integer("max_epochs", self.max_epochs, minimum=1)
        check_positive("loss_target", self.loss_target)
        check_integer("n_test", self.n_test, minimum=100)
        check_integer("record_epochs", self.record_epochs, minimum=1)

    @property
    def n_noise(self) -> int:
        """Number of noise patches in the training set, ``n (P - 1)``."""
        return self.n * (self.P - 1)

    def sigma_0(self, d: int) -> float:
        """Initialisation scale at dimension ``d``."""
        return self.s0 / (self.sigma_p * math.sqrt(d))

    def eta(self, d: int) -> float:
        """Learning rate at dimension ``d``."""
        return self.eta0 * self.m / (self.sigma_p**2 * d)

    def tau(self, d: int) -> float:
        """SAM radius at dimension ``d``."""
        return self.tau_coef * float(d) ** self.tau_power

    def check_d(self, d: Any) -> int:
        """Return ``d`` or raise unless the Wishart draw of the Gram matrix exists (``d - 1 >= n(P-1) + 2m``)."""
        d = check_integer("d", d, minimum=1)
        need = self.n_noise + 2 * self.m + 1
        if d < need:
            raise fail("d", d, f">= {need}", "d - 1 >= n(P-1) + 2m keeps noise patches and weights in general position")
        return d


def bayes_risk(label_noise: float) -> float:
    """The Bayes risk of the data model: the flip probability ``p`` (the signal patch reveals the clean label)."""
    return check_in_range("label_noise", label_noise, 0.0, 0.5)


def noisy_error(clean_error: Any, label_noise: float) -> np.ndarray | float:
    """Error against noisy test labels, ``p + (1 - 2p) e``, from the error ``e`` against clean labels."""
    p = bayes_risk(label_noise)
    return p + (1.0 - 2.0 * p) * np.asarray(clean_error, dtype=float)


# ---------------------------------------------------------------------------------------------------
# explicit model
# ---------------------------------------------------------------------------------------------------
def _check_mu(mu_norm: Any) -> float:
    return check_positive("mu_norm", mu_norm)


def sample_data(
    rng: np.random.Generator, *, n: int, d: int, P: int, mu_norm: float, sigma_p: float, label_noise: float,
    mu_direction: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw ``n`` samples: returns ``X`` (n, P, d; patch 0 is the signal), observed labels, clean labels, ``mu``."""
    n = check_integer("n", n, minimum=1)
    d = check_integer("d", d, minimum=2)
    P = check_integer("P", P, minimum=2)
    mu_norm = _check_mu(mu_norm)
    sigma_p = check_positive("sigma_p", sigma_p)
    p = bayes_risk(label_noise)
    u = np.zeros(d) if mu_direction is None else np.asarray(mu_direction, dtype=float)
    if mu_direction is None:
        u[0] = 1.0
    u = u / np.linalg.norm(u)
    y = rng.choice([-1.0, 1.0], size=n)
    flip = rng.random(n) < p
    y_obs = np.where(flip, -y, y)
    xi = sigma_p * rng.standard_normal((n, P - 1, d))
    xi -= np.einsum("ipk,k->ip", xi, u)[..., None] * u  # project out mu: covariance sigma_p^2 (I - u u^T)
    X = np.concatenate([(y[:, None] * mu_norm * u)[:, None, :], xi], axis=1)
    return X, y_obs, y, mu_norm * u


def _sign_rows(m: int) -> np.ndarray:
    return np.concatenate([np.ones(m), -np.ones(m)])


def network_output(W: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``f(W, x) = F_{+1} - F_{-1}`` for weights ``W`` (2m, d; first m rows are j=+1) and inputs ``X`` (n, P, d)."""
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[0] % 2:
        raise fail("W.shape", W.shape, "(2m, d)")
    m = W.shape[0] // 2
    act = np.einsum("rk,ipk->irp", W, X)
    return np.einsum("r,irp->i", _sign_rows(m), np.maximum(act, 0.0)) / m


def loss_and_gradient(W: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean logistic loss ``log(1 + exp(-y f))`` over the samples and its gradient in ``W`` (analytic)."""
    m = W.shape[0] // 2
    act = np.einsum("rk,ipk->irp", W, X)
    s = _sign_rows(m)
    f = np.einsum("r,irp->i", s, np.maximum(act, 0.0)) / m
    z = y * f
    loss = float(np.mean(np.logaddexp(0.0, -z)))
    q = -_expit(-z) * y / len(y)  # dL/df_i
    # d f_i / d w_r = s_r / m * sum_p 1[act > 0] x_i^(p); ReLU'(0) := 0
    grad = np.einsum("i,r,irp,ipk->rk", q, s / m, (act > 0).astype(float), X)
    return loss, grad


def _expit(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # logistic sigmoid without overflow warnings


def train_explicit(
    W0: np.ndarray, X: np.ndarray, y: np.ndarray, batches: Sequence[np.ndarray], *, eta: float, tau: float = 0.0,
    sam: bool = False,
) -> np.ndarray:
    """Run SGD (or SAM with radius ``tau``) over the given sequence of mini-batch index arrays; return ``W``."""
    eta = check_positive("eta", eta)
    tau = check_nonnegative("tau", tau)
    W = np.array(W0, dtype=float)
    for b in batches:
        _, g = loss_and_gradient(W, X[b], y[b])
        if sam:
            gn = np.linalg.norm(g)
            if gn > 0:
                _, g = loss_and_gradient(W + tau * g / gn, X[b], y[b])
        W = W - eta * g
    return W


# ---------------------------------------------------------------------------------------------------
# reduced (Gram) model
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GramSample:
    """The inner products that determine training and testing (see module doc).

    ``G`` (N, N): Gram matrix of the noise patches, ordered ``k = i (P-1) + p``; ``A`` (2m, N):
    ``<w0_r, xi_k>``; ``a`` (2m,): ``<w0_r, mu/||mu||>``; ``S`` (2m, 2m): ``<P_perp w0_r, P_perp w0_s>``.
    """

    G: np.ndarray
    A: np.ndarray
    a: np.ndarray
    S: np.ndarray
    y_obs: np.ndarray
    y_clean: np.ndarray
    P: int


def _bartlett(rng: np.random.Generator, k: int, dof: int) -> np.ndarray:
    """A Wishart(dof, I_k) draw by Bartlett's decomposition (exact; cost independent of ``dof``)."""
    L = np.tril(rng.standard_normal((k, k)), -1)
    L[np.diag_indices(k)] = np.sqrt(rng.chisquare(dof - np.arange(k)))
    return L @ L.T


def sample_gram(rng: np.random.Generator, setup: ChenSetup, d: int) -> GramSample:
    """Draw the Gram data of one training set and initialisation at dimension ``d`` (exact in distribution).

    Noise patches and the components of the initial weights orthogonal to ``mu`` are independent
    Gaussian vectors in the ``(d-1)``-dimensional complement of ``mu``, so their joint Gram matrix is
    ``D Wishart(d-1, I) D`` with ``D = diag(sigma_p, ..., sigma_0, ...)``; the weights' components
    along ``mu`` are independent ``N(0, sigma_0^2)``.
    """
    d = setup.check_d(d)
    N, M = setup.n_noise, 2 * setup.m
    s0 = setup.sigma_0(d)
    y = rng.choice([-1.0, 1.0], size=setup.n)
    flip = rng.random(setup.n) < setup.label_noise
    wish = _bartlett(rng, N + M, d - 1)
    scale = np.concatenate([np.full(N, setup.sigma_p), np.full(M, s0)])
    full = wish * np.outer(scale, scale)
    return GramSample(G=full[:N, :N], A=full[N:, :N], a=s0 * rng.standard_normal(M), S=full[N:, N:],
                      y_obs=np.where(flip, -y, y), y_clean=y, P=setup.P)


def gram_from_explicit(W0: np.ndarray, X: np.ndarray, y_obs: np.ndarray, y_clean: np.ndarray, mu: np.ndarray) -> GramSample:
    """The Gram data of an explicit training set ``X`` (patch 0 the signal) and initial weights ``W0``."""
    u = mu / np.linalg.norm(mu)
    n, P, d = X.shape
    xi = X[:, 1:, :].reshape(n * (P - 1), d)
    W0p = W0 - np.outer(W0 @ u, u)
    return GramSample(G=xi @ xi.T, A=W0 @ xi.T, a=W0 @ u, S=W0p @ W0p.T, y_obs=np.asarray(y_obs, float),
                      y_clean=np.asarray(y_clean, float), P=P)


@dataclass
class TrainResult:
    """Final state and per-epoch records of a batch of paths trained on one Gram sample.

    Paths share the data, initialisation and mini-batch order (common random numbers) and differ in
    ``||mu||`` and in the optimiser. Arrays are indexed ``[path]`` or ``[epoch, path]`` (epochs
    0..``record_epochs``; epoch 0 is the initialisation). ``clean_error`` is the test error against
    clean labels and ``final_loss`` the training loss, both at the end of training.
    """

    clean_error: np.ndarray
    final_loss: np.ndarray
    train_loss: np.ndarray
    stop_epoch: np.ndarray
    signal: np.ndarray
    noise: np.ndarray
    noise_active: np.ndarray
    Cmu: np.ndarray = field(repr=False)
    Cxi: np.ndarray = field(repr=False)
    switched_off: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _activations(g: GramSample, Cmu: np.ndarray, Cxi: np.ndarray, mu: np.ndarray, cols: np.ndarray | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Signal activations per sample ``(paths, 2m)`` (for ``y_clean = +1``) and noise activations ``(paths, 2m, K)``."""
    sig = mu[:, None] * (g.a[None, :] + Cmu)
    if cols is None:
        xi = g.A[None] + Cxi @ g.G
    else:
        xi = g.A[None, :, cols] + Cxi @ g.G[:, cols]
    return sig, xi


def _batch_grad(sig: np.ndarray, xi: np.ndarray, yb: np.ndarray, ycb: np.ndarray, m: int, Pm1: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loss gradient of one batch in coefficient space: ``(dCmu (paths, 2m), D (paths, 2m, B(P-1)), loss (paths,))``.

    ``sig`` (paths, 2m) is the activation of ``+mu``; sample ``b``'s signal activation is ``ycb[b] sig``.
    ``xi`` (paths, 2m, B(P-1)) holds the batch's noise activations, sample-major.
    """
    s = _sign_rows(m)
    Bn = len(yb)
    sa = ycb[None, None, :] * sig[:, :, None]  # (paths, 2m, B)
    xa = xi.reshape(xi.shape[0], 2 * m, Bn, Pm1)
    f = np.einsum("r,qrb->qb", s, np.maximum(sa, 0.0) + np.maximum(xa, 0.0).sum(-1)) / m
    z = yb[None, :] * f
    loss = np.logaddexp(0.0, -z).mean(axis=1)
    qb = -_expit(-z) * yb[None, :] / Bn  # dL/df_b, (paths, B)
    w = qb[:, None, :] * (s / m)[None, :, None]  # (paths, 2m, B)
    dCmu = np.einsum("qrb,qrb,b->qr", w, (sa > 0), ycb)  # x = y_clean mu: coefficient along unit mu is ||mu|| y_c
    D = (w[..., None] * (xa > 0)).reshape(xi.shape)
    return dCmu, D, loss


def train_reduced(
    g: GramSample, setup: ChenSetup, d: int, mu_norms: np.ndarray, sam: np.ndarray, rng: np.random.Generator,
    test_normals: np.ndarray,
) -> TrainResult:
    """Train one path per entry of ``mu_norms`` / ``sam`` (bool) on the Gram sample ``g``; return records.

    Each path stops at the end of the first epoch whose full training loss is ``<= loss_target`` (the
    theorems' "training loss below epsilon"), or after ``max_epochs``. ``test_normals``
    (n_test, P-1, 2m) are standard normals for the test-noise Monte Carlo, shared by all paths.
    """
    mu = np.asarray(mu_norms, dtype=float) * np.ones(len(sam))
    sam = np.asarray(sam, dtype=bool)
    Q, m, n, Pm1 = len(mu), setup.m, setup.n, setup.P - 1
    eta, tau = setup.eta(d), setup.tau(d)
    Cmu = np.zeros((Q, 2 * m))
    Cxi = np.zeros((Q, 2 * m, setup.n_noise))
    live = np.ones(Q, dtype=bool)
    stop = np.full(Q, setup.max_epochs)
    R = min(setup.record_epochs, setup.max_epochs)
    rec = {k: np.zeros((R + 1, Q)) for k in ("signal", "noise", "noise_active", "train_loss")}
    cols_of = np.arange(setup.n_noise).reshape(n, Pm1)
    s = _sign_rows(m)
    own = (s[:, None] == g.y_obs[np.arange(n).repeat(Pm1)][None, :])  # neuron class == sample's label

    def measure(Cm: np.ndarray, Cx: np.ndarray, mu_: np.ndarray) -> dict[str, np.ndarray]:
        sig, xi = _activations(g, Cm, Cx, mu_, None)
        _, _, loss = _batch_grad(sig, xi, g.y_obs, g.y_clean, m, Pm1)
        return {"signal": np.mean(s[None, :] * sig, axis=1),  # mean_{j,r} j <w_{j,r}, mu>
                "noise": np.where(own[None], xi, -np.inf).max(axis=1).mean(axis=1),  # mean_i max_{r: j=y_i} <w, xi_i>
                "noise_active": np.mean(np.where(own[None], xi > 0, False).sum(axis=1) / m, axis=1),
                "train_loss": loss}

    for k, v in measure(Cmu, Cxi, mu).items():
        rec[k][0] = v
    steps_per_epoch = n // setup.batch
    switched = np.full(Q, np.nan)
    for epoch in range(1, setup.max_epochs + 1):
        order = rng.permutation(n)  # drawn every epoch whatever is live: the batch sequence is path-independent
        idx = np.nonzero(live)[0]
        # finished paths are frozen: train only the live ones (views copied out and written back)
        cm, cx, mu_l, sam_l = Cmu[idx], Cxi[idx], mu[idx], sam[idx]
        for k in range(steps_per_epoch):
            b = order[k * setup.batch:(k + 1) * setup.batch]
            cols = cols_of[b].ravel()
            yb, ycb = g.y_obs[b], g.y_clean[b]
            sig, xi = _activations(g, cm, cx, mu_l, cols)
            dCmu, D, _ = _batch_grad(sig, xi, yb, ycb, m, Pm1)
            if sam_l.any():
                Gb = g.G[np.ix_(cols, cols)]
                # ||g||^2 = sum_r (||mu||^2 dCmu_r^2 + D_r Gb D_r^T)   (mu ⊥ noise; the mu part of g is ||mu|| dCmu)
                gmu = dCmu * mu_l[:, None]
                gn = np.sqrt(np.einsum("qr,qr->q", gmu, gmu) + np.einsum("qrk,kl,qrl->q", D, Gb, D))
                c = np.where(sam_l & (gn > 0), tau / np.where(gn > 0, gn, 1.0), 0.0)
                sig_p = sig + mu_l[:, None] * (c[:, None] * gmu)
                xi_p = xi + c[:, None, None] * (D @ Gb)
                if epoch == 1 and k == 0:
                    # own neurons of each batch sample (class == its label), sample-major like xi's columns
                    mine = own[:, cols][None]
                    on = (xi > 0) & mine
                    off = on & (xi_p <= 0)
                    with np.errstate(invalid="ignore"):
                        share = off.sum(axis=(1, 2)) / on.sum(axis=(1, 2))
                    switched[idx] = np.where(sam_l, share, np.nan)
                dCmu_p, D_p, _ = _batch_grad(sig_p, xi_p, yb, ycb, m, Pm1)
                dCmu = np.where(sam_l[:, None], dCmu_p, dCmu)
                D = np.where(sam_l[:, None, None], D_p, D)
            cm -= eta * dCmu * mu_l[:, None]
            cx[:, :, cols] -= eta * D
        Cmu[idx], Cxi[idx] = cm, cx
        now = measure(cm, cx, mu_l)
        if epoch <= R:
            for k, v in now.items():
                rec[k][epoch] = rec[k][epoch - 1]
                rec[k][epoch, idx] = v
        done = now["train_loss"] <= setup.loss_target
        stop[idx[done]] = epoch
        live[idx[done]] = False
        if not live.any():
            break
    for k in rec:  # frozen or finished before the recording horizon: carry the last value forward
        last = int(min(epoch, R))
        rec[k][last + 1:] = rec[k][last]
    final = measure(Cmu, Cxi, mu)["train_loss"]
    return TrainResult(clean_error=_clean_test_error(g, setup, Cmu, Cxi, mu, test_normals), final_loss=final,
                       stop_epoch=stop, signal=rec["signal"], noise=rec["noise"], noise_active=rec["noise_active"],
                       train_loss=rec["train_loss"], Cmu=Cmu, Cxi=Cxi, switched_off=switched)


def _clean_test_error(g: GramSample, setup: ChenSetup, Cmu: np.ndarray, Cxi: np.ndarray, mu: np.ndarray,
                      normals: np.ndarray) -> np.ndarray:
    """Test error against clean labels per path, by Monte Carlo over fresh noise patches (module doc)."""
    m, sp_ = setup.m, setup.sigma_p
    s = _sign_rows(m)
    # <P_perp w_r, P_perp w_s> with P_perp w = P_perp w0 + sum_k C_k xi_k
    M = g.S[None] + Cxi @ g.A.T + g.A @ np.swapaxes(Cxi, 1, 2) + Cxi @ g.G @ np.swapaxes(Cxi, 1, 2)
    lam, V = np.linalg.eigh(0.5 * (M + np.swapaxes(M, 1, 2)))
    root = V * np.sqrt(np.clip(lam, 0.0, None))[:, None, :]  # M = root root^T
    z = sp_ * np.einsum("tpk,qrk->qtpr", normals, root)  # (paths, n_test, P-1, 2m)
    noise_part = np.einsum("r,qtpr->qt", s, np.maximum(z, 0.0)) / m
    sig = mu[:, None] * (g.a[None] + Cmu)  # activation of +mu
    err = np.zeros(len(mu))
    for yv in (1.0, -1.0):
        sig_part = (np.maximum(yv * sig, 0.0) @ s) / m
        margin = yv * (sig_part[:, None] + noise_part)
        err += 0.5 * (np.mean(margin < 0, axis=1) + 0.5 * np.mean(margin == 0, axis=1))
    return err
