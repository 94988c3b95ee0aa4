"""Figure 1 of Chang & Khanna (2025): the ``(B, sigma)`` grid of Figure 1's family, by exact operators and by the paper's protocol.

The exact side uses the diagonal closed forms of :mod:`verify._coh_operators`; the Monte Carlo side
runs the paper's empirical protocol (runs of ``n_steps`` steps, diverged when ``||w||^2`` grows
``growth`` times, majority vote).  Which cells the printed line puts on the diverging side is not
computed here: the checks evaluate the claim's own statement at each cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from derivations._validate import check_choice

from ._coh_families import phase_family
from ._coh_operators import diagonal_eta_star, diagonal_radius
from ._sim import BATCH_MODELS
from ._validate_arrays import check_count, check_generator

__all__ = ["PhaseDiagram", "phase_diagram_exact", "phase_diagram_montecarlo", "phase_cell_coherence", "e1_log_factors"]


@dataclass(frozen=True)
class PhaseDiagram:
    """Divergence over a ``(B, sigma)`` grid for one batch model: exact radii and, when run, Monte Carlo.

    Arrays are indexed ``[i_sigma, i_B]``.  ``radius[alg]`` is the exact spectral radius of the
    second-moment map (``sgd`` and ``random_perturbation`` share it), ``eta_star[alg]`` the exact
    threshold; ``coherence[name]`` holds, per row, the family's ``sigma``, ``lambda_max_H`` and
    ``lambda_min_H`` computed from the family; ``empirical[alg]`` (Monte Carlo, when run) whether
    the majority of runs grew ``||w||^2`` by ``growth``.
    """

    batch: str
    n: int
    eta: float
    c: float
    B_grid: np.ndarray
    sigma_grid: np.ndarray
    radius: dict[str, np.ndarray]
    eta_star: dict[str, np.ndarray]
    coherence: dict[str, np.ndarray]
    empirical: dict[str, np.ndarray] = field(default_factory=dict)
    mc_settings: dict[str, Any] = field(default_factory=dict)
    #: Per cell, how many of the runs grew ``growth`` times (``[i_sigma, i_B]``), and how many of the
    #: first ``protocol_runs`` (the paper's 10; ``empirical`` is their majority vote).
    counts: dict[str, np.ndarray] = field(default_factory=dict)
    protocol_counts: dict[str, np.ndarray] = field(default_factory=dict)


def phase_cell_coherence(n: int, sigma: int) -> dict[str, float]:
    """``sigma``, ``lambda_max(H)`` and ``lambda_min(H)`` of Figure 1's family, from its diagonals (no ``d x d`` eigensolve).

    For diagonal ``H_i = diag(D_i)``: ``Tr(H_i H_j) = D_i · D_j``, ``lambda_max(H_i) = max D_i`` and the
    mean's eigenvalues are the column means of ``D``.
    """
    D = np.einsum("nii->ni", phase_family(n, sigma))
    S = np.sqrt(np.clip(D @ D.T, 0.0, None))
    lam = D.mean(axis=0)
    return {"sigma": float(np.linalg.eigvalsh(S)[-1]) / float(D.max()), "lambda_max_H": float(lam.max()),
            "lambda_min_H": float(lam.min())}


def phase_diagram_exact(*, n: int = 100, batch: str, eta: float, c: float,
                        B_grid: Any = None, sigma_grid: Any = None) -> PhaseDiagram:
    """Figure 1's diagram by exact second-moment operators (diagonal closed forms) for one batch model."""
    n = check_count("n", n, minimum=2)
    batch = check_choice("batch", batch, BATCH_MODELS)
    Bs = np.arange(1, n + 1) if B_grid is None else np.asarray(B_grid, dtype=int)
    sg = np.arange(1, n + 1) if sigma_grid is None else np.asarray(sigma_grid, dtype=int)
    rad = {a: np.empty((sg.size, Bs.size)) for a in ("sgd", "sam")}
    est = {a: np.empty((sg.size, Bs.size)) for a in ("sgd", "sam")}
    coh = {k: np.empty(sg.size) for k in ("sigma", "lambda_max_H", "lambda_min_H")}
    for i, s in enumerate(sg):
        D = np.einsum("nii->ni", phase_family(n, int(s)))
        for key, v in phase_cell_coherence(n, int(s)).items():
            coh[key][i] = v
        for a, cc in (("sgd", 0.0), ("sam", c)):
            rad[a][i] = diagonal_radius(D, B=Bs, batch=batch, eta=eta, c=cc)
            est[a][i] = diagonal_eta_star(D, B=Bs, batch=batch, c=cc)
    # Random perturbation w' = (I - eta H_B)(w + xi): its second moment is M' = T(M + s^2 I), whose
    # homogeneous map T is SGD's (xi is independent of the batch); the forcing only matters at radius
    # exactly 1, where it makes E||w_k||^2 grow linearly (the checks settle those cells exactly).
    for i, s in enumerate(sg):
        D = np.einsum("nii->ni", phase_family(n, int(s)))
        rad.setdefault("random_perturbation", np.empty((sg.size, Bs.size)))[i] = diagonal_radius(D, B=Bs, batch=batch, eta=eta)
    est["random_perturbation"] = est["sgd"]
    return PhaseDiagram(batch, n, eta, c, Bs, sg, rad, est, coh)


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
                             n_steps: int = 1000, growth: float = 1000.0, perturbation_std: float = 0.01,
                             protocol_runs: int | None = None) -> PhaseDiagram:
    """Add the paper's empirical protocol to an exact diagram: ``n_runs`` runs of ``n_steps``, diverged when
    ``||w||^2`` grows ``growth`` times; SGD, random perturbation and SAM (scalar ``alpha``).

    ``counts[alg]`` is the number of grown runs per cell; ``empirical[alg]`` the paper's majority
    vote over the first ``protocol_runs`` runs of each cell (default: all ``n_runs``).
    """
    rng = check_generator("rng", rng)
    n_runs = check_count("n_runs", n_runs)
    vote = n_runs if protocol_runs is None else check_count("protocol_runs", protocol_runs, maximum=n_runs)
    n, Bs, sg = diagram.n, diagram.B_grid, diagram.sigma_grid
    # Every cell and run is one row: coordinate e_1 (shared by the first sigma samples) is w0, and
    # the coordinate owned by sample i >= sigma is wown[:, i] (zero and unused for i < sigma).
    sig_p = np.repeat(sg, Bs.size * n_runs)
    Bp = np.tile(np.repeat(Bs, n_runs), sg.size)
    P = Bp.size
    m_p = 2.0 * n / sig_p
    own = np.arange(n)[None, :] >= sig_p[:, None]
    emp: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    pcounts: dict[str, np.ndarray] = {}
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
        runs = div.reshape(sg.size, Bs.size, n_runs)
        counts[a] = runs.sum(axis=2)
        pcounts[a] = runs[:, :, :vote].sum(axis=2)
        emp[a] = pcounts[a] > vote // 2
    settings = {"n_runs": n_runs, "protocol_runs": vote, "n_steps": n_steps, "growth": growth,
                "perturbation_std": perturbation_std, "w0": "uniform on the unit sphere"}
    return PhaseDiagram(diagram.batch, n, diagram.eta, diagram.c, Bs, diagram.sigma_grid, diagram.radius,
                        diagram.eta_star, diagram.coherence, emp, settings, counts, pcounts)


def e1_log_factors(rng: np.random.Generator, *, n: int, sigma: int, B: int, batch: str, eta: float, c: float,
                   n_runs: int, n_steps: int) -> np.ndarray:
    """``log|1 - eta (1 + 2c) h_1|`` of every step of ``n_runs`` protocol runs at one cell (``(n_steps, n_runs)``).

    ``h_1 = m K / B`` is the batch curvature along ``e_1`` drawn exactly as :func:`phase_diagram_montecarlo`
    draws it (same batch sampler); its mean is the ``e_1`` Lyapunov exponent of the product.
    """
    Bp = np.full(n_runs, int(B))
    m = 2.0 * n / sigma
    out = np.empty((n_steps, n_runs))
    with np.errstate(divide="ignore"):
        for t in range(n_steps):
            h0 = _sample_counts(rng, Bp, n, batch)[:, :sigma].sum(axis=1) * m / B
            out[t] = np.log(np.abs(1.0 - eta * (1.0 + 2.0 * c) * h0))
    return out
