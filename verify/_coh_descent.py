"""Derivative-free descent over families of per-sample Hessians: Nelder–Mead from random starts."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._coh_families import family_from_params
from ._validate_arrays import check_generator

__all__ = ["nelder_mead", "adversarial_family_search"]


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



def adversarial_family_search(
    objective: Callable[[np.ndarray], float],
    *,
    sizes: Sequence[tuple[int, int]],
    rng: np.random.Generator,
    starts: int,
    max_evals: int,
    rank: int | None = None,
) -> list[dict[str, Any]]:
    """Minimise ``objective(H)`` over PSD families ``H_i = A_i A_i^T`` by Nelder–Mead from random starts, per ``(n, d)``.

    Returns one record per size with the best family found (``H`` as nested lists) and its value.
    An evaluation that raises a domain error (a degenerate family) scores ``+inf``: the descent must
    keep moving, and the caller re-evaluates the best family without this guard.
    """
    rng = check_generator("rng", rng)
    out = []
    for n, d in sizes:
        r = d if rank is None else rank
        best: tuple[float, np.ndarray | None] = (math.inf, None)

        def f(x: np.ndarray, n: int = n, d: int = d, r: int = r) -> float:
            try:
                v = objective(family_from_params(x, n, d, r))
            except (ValueError, FloatingPointError, np.linalg.LinAlgError):
                return math.inf
            return v if math.isfinite(v) else math.inf

        for _ in range(starts):
            x, v, _ = nelder_mead(f, rng.standard_normal(n * d * r), max_evals=max_evals)
            if v < best[0]:
                best = (v, x)
        H = None if best[1] is None else family_from_params(best[1], n, d, r)
        out.append({"n": n, "d": d, "value": best[0], "H": None if H is None else H.tolist()})
    return out
