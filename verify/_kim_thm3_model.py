"""The Theorem 3 readings' ``Delta(k, gamma, rho, B)`` as numbers: exact rationals, float64 grids, 40 digits.

Each reading's model comes from its derivation (``claim.derivation(reading).model``): the drift ``a``
and noise ``q`` read off the SAM update (:func:`derivations.sam_sde.drift_and_noise`) and the kind
(``discrete`` heavy ball or ``overdamped`` limit). Discrete readings iterate the derived second-moment
recursion (:func:`derivations.heavy_ball.second_moment_recursion`) in exact rationals or, for grid
screening, in float64 vectorised over points; over-damped readings evaluate the derived limit (the
reading's binding) at 40 digits. Nothing here depends on the printed formula.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from derivations import Claim
from derivations import heavy_ball as hb
from derivations._symbols import B, eta, gamma, lambda_j, rho
from derivations._validate import fail

__all__ = ["DPS", "exact_delta", "model_delta", "grid_delta", "model_kind"]

#: Working precision of over-damped values and printed formulas: exponents reach 2|a|t/(1-gamma) ~ 4000
#: on the witness grid (float64 overflows), and 40 digits leave 20 for the relative comparisons at 1e-20.
DPS = 40


@lru_cache(maxsize=None)
def _recursion_fn() -> Callable[..., tuple[list[list[Any]], list[Any]]]:
    M, c = hb.second_moment_recursion()
    return sp.lambdify((hb.a, hb.q, eta, gamma), (M.tolist(), list(c)), modules=[{"Abs": abs}, "math"])


def model_kind(claim: Claim, reading: str) -> dict[str, Any]:
    """The reading's model record: ``kind`` ('discrete' / 'overdamped'), drift ``a`` and noise ``q`` (SymPy)."""
    m = claim.derivation(reading).model
    if not isinstance(m, dict) or m.get("kind") not in ("discrete", "overdamped"):
        raise fail("reading", reading, f"a Theorem 3 reading with a heavy-ball model (got {m!r})")
    return m


@lru_cache(maxsize=None)
def _aq_fn(a: sp.Expr, q: sp.Expr, modules: str) -> Callable[..., tuple[Any, Any]]:
    mods = [{"Abs": abs}] if modules == "python" else "numpy"
    return sp.lambdify((lambda_j, rho, B), (a, q), modules=mods)


def exact_delta(claim: Claim, reading: str, lam: Any, r: Any, e: Any, g: Any, b: Any, n_steps: int) -> Fraction:
    """``E w_k^2`` of a discrete reading after ``n_steps`` from ``w = v = 0``, in exact rational arithmetic."""
    m = model_kind(claim, reading)
    if m["kind"] != "discrete":
        raise fail("reading", reading, "a discrete heavy-ball reading (plain, same_batch)")
    a, q = _aq_fn(m["a"], m["q"], "python")(Fraction(lam), Fraction(r), Fraction(b))
    M, c = _recursion_fn()(a, q, Fraction(e), Fraction(g))
    v = [Fraction(0)] * 3
    for _ in range(int(n_steps)):
        v = [sum((M[i][j] * v[j] for j in range(3)), Fraction(0)) + c[i] for i in range(3)]
    return v[0]


def _binding_fn(claim: Claim, reading: str) -> Callable[..., Any]:
    (lam,) = claim.derivation(reading).bindings.values()
    return _lambda_fn(lam)


@lru_cache(maxsize=None)
def _lambda_fn(lam: sp.Lambda) -> Callable[..., Any]:
    kk, gg, rr, bb = sp.symbols("k_ g_ r_ b_")
    return sp.lambdify((lambda_j, eta, kk, gg, rr, bb), lam(kk, gg, rr, bb), modules="mpmath")


def _mp(x: Any) -> mpmath.mpf:
    f = Fraction(str(x)) if not isinstance(x, (Fraction, int)) else Fraction(x)
    return mpmath.mpf(f.numerator) / f.denominator


def model_delta(claim: Claim, reading: str, lam: Any, e: Any, k: Any, g: Any, r: Any, b: Any) -> sp.Expr:
    """``Delta(k, gamma, rho, B)`` of the reading at ``lambda_j = lam``, ``eta = e`` (exact for discrete readings)."""
    if model_kind(claim, reading)["kind"] == "discrete":
        v = exact_delta(claim, reading, lam, r, e, g, b, int(k))
        return sp.Rational(v.numerator, v.denominator)
    with mpmath.workdps(DPS):
        return sp.Float(_binding_fn(claim, reading)(*[_mp(x) for x in (lam, e, k, g, r, b)]), DPS)


def grid_delta(claim: Claim, reading: str, pts: Sequence[dict[str, Any]]) -> np.ndarray:
    """``Delta`` at many points (keys lambda_j, eta, k, gamma, rho, B) for screening: float64 or 40 digits.

    Discrete readings run the recursion vectorised over points in float64 (<= 80 steps: ~1e-13
    relative); over-damped readings use 40-digit values rounded to float (inf where they overflow).
    """
    m = model_kind(claim, reading)
    if m["kind"] == "overdamped":
        fn = _binding_fn(claim, reading)
        out = []
        with mpmath.workdps(DPS):
            for p in pts:
                v = fn(*[_mp(p[x]) for x in ("lambda_j", "eta", "k", "gamma", "rho", "B")])
                out.append(float(v) if abs(v) < 1e300 else float(mpmath.sign(v)) * np.inf)
        return np.array(out)
    col = lambda key: np.array([float(p[key]) for p in pts])  # noqa: E731
    lam, r, e, g, b = col("lambda_j"), col("rho"), col("eta"), col("gamma"), col("B")
    ks = np.array([int(p["k"]) for p in pts])
    a, q = _aq_fn(m["a"], m["q"], "numpy")(lam, r, b)
    M, c = _recursion_fn()(np.asarray(a, dtype=float), np.asarray(q, dtype=float), e, g)
    M = [[np.broadcast_to(np.asarray(x, dtype=float), lam.shape) for x in row] for row in M]
    c = [np.broadcast_to(np.asarray(x, dtype=float), lam.shape) for x in c]
    v = np.zeros((3, len(pts)))
    out = np.full(len(pts), np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, int(ks.max(initial=0)) + 1):
            v = np.array([M[i][0] * v[0] + M[i][1] * v[1] + M[i][2] * v[2] + c[i] for i in range(3)])
            out[ks == step] = v[0, ks == step]
    out[ks == 0] = 0.0
    return out
