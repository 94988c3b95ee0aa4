"""Two notions of divergence at the witnesses of a linear-stability claim: mean square and almost sure.

The claims (Dexter's Theorem 1, Chang & Khanna's Theorems 3.1(1) and 3.2(1)) conclude
``E||w_k||^2 -> oo``: the second-moment map's spectral radius ``R`` is above 1.  A single run follows
the top Lyapunov exponent ``lambda`` of the random product instead (:mod:`verify._coh_lyapunov`), and
Jensen's inequality gives ``lambda <= (1/2) log R``: the almost-sure threshold ``eta_as`` lies at or
beyond the mean-square one ``eta*``.  :func:`notions_result` reports both at the reported
counterexample and at witnesses where the statement holds (at the printed threshold), and checks
Jensen's inequality between the two computations: a self-test of samverify, never evidence about the claim.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from derivations import Implication, Statement
from derivations import coherence_claims as cc

from ._coh_eval import Undecidable, free_roots, root_values
from ._coh_judge import Judgement
from ._coh_lyapunov import diagonal_lyapunov, lyapunov
from ._coh_model import FamilyModel
from ._results import CheckResult, decide

__all__ = ["divergence_alg", "notions_result"]

#: Witnesses reported besides the counterexample: where the statement holds, at the printed threshold.
_HOLDING = 2
#: The simulated exponent's interval: 1e-6 two-sided keeps a false self-test alarm out of any run.
_SIM_ALPHA = 1e-6


def divergence_alg(stmt: Statement) -> sp.Symbol | None:
    """The algorithm whose ``E||w_k||^2 -> oo`` an implication concludes (``None`` for any other statement)."""
    if not isinstance(stmt, Implication) or not isinstance(stmt.conclusion, sp.Eq):
        return None
    lhs, rhs = stmt.conclusion.args
    if rhs != sp.oo or not isinstance(lhs, sp.Limit):
        return None
    f = lhs.args[0]
    return f.args[0] if isinstance(f, AppliedUndef) and f.func == cc.Ew2 else None


def _eta_as(D: np.ndarray, B: int, batch: str, c: float, start: float) -> float | None:
    """The smallest step size (from ``start`` = ``eta*`` up to 64x) where the exact exponent reaches 0, by scan and bisection."""
    lam = lambda e: float(np.max(diagonal_lyapunov(D, B=B, batch=batch, eta=e, c=c)))  # noqa: E731
    grid = start * 1.02 ** np.arange(211)  # 1.02^210 ~ 64
    prev = grid[0]
    for e in grid:
        if lam(e) >= 0:
            lo, hi = prev, e
            for _ in range(40):  # 2^-40 relative: far below any digit reported
                mid = 0.5 * (lo + hi)
                lo, hi = (lo, mid) if lam(mid) >= 0 else (mid, hi)
            return hi
        prev = e
    return None


def _row(j: Judgement, alg: sp.Symbol, eta: float, rng: np.random.Generator, *, role: str) -> dict[str, Any]:
    w = j.witness
    model = FamilyModel(w)
    c = float(w.c) if alg == cc.SAM else 0.0  # random perturbation: its additive noise leaves the product's exponent alone
    ms_alg = cc.SAM if alg == cc.SAM else cc.SGD
    R = float(model.radius(ms_alg, sp.Float(eta))[0])
    lam = lyapunov(w.H, B=w.B, batch=w.batch, eta=eta, c=c, rng=rng, alpha=_SIM_ALPHA)
    star = model.threshold(ms_alg)[0]
    row = {"role": role, "witness": w.params(), "eta": eta, "mean_square_radius": R, "mean_square_diverges": R > 1,
           **lam.as_dict(), "eta_star_mean_square": star if math.isfinite(star) else str(star)}
    hi = lam.ci[1]
    row["almost_sure_diverges"] = (True if lam.ci[0] > 0 else False if hi < 0 else None)
    if lam.exact and w.batch is not None and 0 < star < math.inf:
        row["eta_almost_sure"] = _eta_as(np.einsum("nii->ni", w.H), w.B, w.batch, c, star)
    with np.errstate(divide="ignore"):
        bound = 0.5 * math.log(R) if R > 0 else -math.inf
    # Jensen: lambda <= (1/2) log R; 1e-9 absorbs the float operator's round-off
    row["jensen_ok"] = bool(lam.ci[0] <= bound + 1e-9)
    return row


def _threshold_eta(stmt: Statement, j: Judgement) -> float | None:
    """The hypothesis' boundary in ``eta`` at a witness (the printed threshold)."""
    try:
        roots = [float(r) for r in root_values(free_roots(stmt, cc.eta), FamilyModel(j.witness), {}) if r.is_positive]
    except Undecidable:
        return None
    return min(roots) if roots else None


def notions_result(stmt: Statement, js: list[Judgement], rng: np.random.Generator) -> CheckResult | None:
    """The two notions at the reported counterexample and a few holding witnesses, as a self-test of Jensen's inequality."""
    alg = divergence_alg(stmt)
    if alg is None:
        return None
    fails = sorted((j for j in js if j.status == "fails" and cc.eta in j.point), key=Judgement.rank)
    holds = [j for j in js if j.status == "holds" and j.witness.B is not None][:_HOLDING]
    rows = []
    if fails:
        rows.append(_row(fails[0], alg, float(fails[0].point[cc.eta]), rng, role="reported counterexample"))
    for j in holds:
        e = _threshold_eta(stmt, j)
        if e is not None:
            rows.append(_row(j, alg, e, rng, role="statement holds; at the printed threshold"))
    if not rows:
        return None
    bad = sum(not r["jensen_ok"] for r in rows)
    parts = []
    for r in rows:
        lam = r["lyapunov"]
        lam_s = lam if isinstance(lam, str) else f"{lam:.3g}"
        as_ = {True: "diverges", False: "converges",
               None: "neither grows nor decays exponentially" if r["exact"] else "is undecided"}[r["almost_sure_diverges"]]
        parts.append(f"{r['role']} (eta = {r['eta']:.4g}): the second moment {'diverges' if r['mean_square_diverges'] else 'converges'} "
                     f"(radius {r['mean_square_radius']:.4g}, threshold eta* = {r['eta_star_mean_square']}); a typical run "
                     f"{as_} (top Lyapunov exponent {lam_s}{'' if r['exact'] else ' estimated'}"
                     + (f", almost-sure threshold {r['eta_almost_sure']:.4g}" if r.get("eta_almost_sure") else "") + ")")
    detail = ("two notions of divergence (the claim's is mean square; a single run follows the almost-sure one, "
              "lambda <= (1/2) log R by Jensen): " + "; ".join(parts))
    return decide("exact", detail, quantity="witnesses where the Lyapunov exponent exceeds (1/2) log(mean-square radius)",
                  value=bad, op="==", threshold=0, selftest=True, counts=False, data={"witnesses": rows})
