"""Theorem 3.5 of Chang & Khanna (SGD's coherence on two-layer ReLU networks) by Monte Carlo.

The claim declares points ``(d, C, n, delta)``; at each, ``r`` is put where the statement's
hypothesis puts it, the (C, r) solution is built, and data sets of ``n`` uniform points of
``{±1}^d`` are drawn.  ``P(lambda_max(S) > b)`` for the printed bound ``b`` (read from the
statement) is an exact Clopper–Pearson interval, ``lambda_max(S)`` of each data set a certified
Collatz–Wielandt bracket.

Error control: the declared points form **one sampling family** (``sampling_families=1``): the
statement is refuted at a point only where Holm's step-down over the points, at the family's share
``level.family_alpha`` of the run's budget, rejects it.  Power: a pass counts only if, at every
point, the test would refute a printed bound ``level.effect_size`` (5 %) below the true
``(1 - delta)``-quantile of ``lambda_max(S)`` with probability ``>= level.min_power``; that
probability is a plug-in estimate (the sampled ``lambda_max(S)`` rescaled so that their quantile
sits there, then the exact binomial tail of the refutation threshold).

Calibration (:func:`_families`): the exceedance probability has no closed form, so the family's
statistic is the mean over data sets of ``1^T K 1 / n`` (``K_ij = g_i . g_j``), drawn exactly as the
check draws its data sets; its exact value ``E||g||^2 + (n - 1) ||E g||^2`` comes from enumerating
all of ``{±1}^d`` through the network's own gradient.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from derivations import Claim, get_claim
from derivations import coherence_claims as cc
from derivations.coherence import C, d, r

from ._calibrate import SamplingFamily, register_family
from ._coh_eval import _Ctx, evaluate, free_roots, root_values
from ._coh_relu import cr_solution, hypercube_sample, relu_per_sample_gradients
from ._coh_search import jsonable, seed_of
from ._engine import Level, register_check
from ._results import CheckResult, Counterexample, Decision, decide, undecided
from ._stats import binomial_interval, binomial_tail

__all__ = ["datasets", "refutation_power", "point_net"]

#: Data sets per chunk: K is (chunk, n, n), below ~16 MB for n <= 100.
_CHUNK = 200
#: Why a counterexample from this check is not certified: the probability is a sampled interval.
_WHY = ("P(lambda_max(S) > bound) is a Clopper–Pearson interval from sampled data sets (a Monte Carlo "
        "estimate), not a closed form: no enclosure certifies it")


def _perron_bracket(S: np.ndarray, n_iter: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Certified ``(lower, upper)`` bounds on ``lambda_max`` of each non-negative matrix in a stack.

    Collatz–Wielandt: for ``v > 0``, ``min_i (Sv)_i / v_i <= lambda_max(S) <= max_i (Sv)_i / v_i``; a
    few power steps from ``v = 1`` make the bracket tight (matrix-vector products only).
    """
    v = np.ones(S.shape[:2])
    for _ in range(n_iter):
        v = np.einsum("sij,sj->si", S, v)
        v /= v.max(axis=1, keepdims=True)
    ratio = np.einsum("sij,sj->si", S, v) / v  # v > 0: S has a positive diagonal (||g_i||^2 > 0)
    return ratio.min(axis=1), ratio.max(axis=1)


def datasets(rng: np.random.Generator, *, d: int, C: int, n: int, r: float, n_sets: int) -> dict[str, np.ndarray]:
    """``n_sets`` data sets of ``n`` uniform points of ``{±1}^d`` at the (C, r) solution.

    Per set: the bracket ``lam_lo <= lambda_max(S) <= lam_hi`` (``S = |K|``), ``max_i ||g_i||^2``
    (``= max_i lambda_max(H_i)``) and the Rayleigh statistic ``1^T K 1 / n``.
    """
    net = cr_solution(C=C, d=d, r=r)
    out: dict[str, list[np.ndarray]] = {"lam_lo": [], "lam_hi": [], "max_li": [], "rayleigh": []}
    for start in range(0, n_sets, _CHUNK):
        m = min(_CHUNK, n_sets - start)
        G = relu_per_sample_gradients(net, hypercube_sample(rng, n=m * n, d=d)).reshape(m, n, -1)
        K = np.einsum("sip,sjp->sij", G, G)  # g_i . g_j per data set
        lo, hi = _perron_bracket(np.abs(K))
        out["lam_lo"].append(lo)
        out["lam_hi"].append(hi)
        out["max_li"].append(np.einsum("sii->si", K).max(axis=1))
        out["rayleigh"].append(K.sum(axis=(1, 2)) / n)
    return {k: np.concatenate(v) for k, v in out.items()}


def _k_crit(n: int, delta: float, alpha: float) -> int | None:
    """The fewest exceedances out of ``n`` whose Clopper–Pearson lower bound (level ``alpha``) exceeds ``delta``."""
    if binomial_interval(n, n, alpha=alpha)[0] <= delta:
        return None
    lo, hi = 0, n  # invariant: the bound at hi exceeds delta, at lo it does not (k = 0 gives 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if binomial_interval(mid, n, alpha=alpha)[0] > delta else (mid, hi)
    return hi


def refutation_power(lam: np.ndarray, *, delta: float, alpha: float, effect: float) -> tuple[float, float]:
    """``(power, p_alt)``: the chance to refute a bound ``effect`` (relative) below the ``(1 - delta)``-quantile.

    Plug-in: the sampled ``lambda_max(S)`` rescaled so that their ``(1 - delta)``-quantile is
    ``(1 + effect) b`` exceed ``b`` with frequency ``p_alt``; the power is ``P(Bin(n, p_alt) >= k*)``
    with ``k*`` the refutation threshold of the Clopper–Pearson test.
    """
    n = lam.size
    q = float(np.quantile(lam, 1 - delta))
    p_alt = float(np.mean(lam > q / (1 + effect)))
    k = _k_crit(n, delta, alpha)
    return (0.0 if k is None else binomial_tail(k, n, p_alt)), p_alt


class _CoherenceModel:
    """Theorem 3.5's quantities at one point: ``P(lambda_max(S) > b)`` as an interval, ``max_i lambda_max(H_i)``."""

    exact = False

    def __init__(self, prob: Callable[[float], tuple[float, float]], max_li: float) -> None:
        self.prob, self.max_li = prob, max_li

    def value(self, obj: sp.Basic, point: Mapping[sp.Symbol, Any]) -> Any:
        if getattr(obj, "func", None) == cc.Prob:
            b = float(_Ctx(self, point).num(obj.args[1]))  # the printed bound, from the statement
            lo, hi = self.prob(b)
            return sp.AccumBounds(sp.Float(lo), sp.Float(hi))
        if obj == cc.max_lambda_i:
            return sp.Float(self.max_li)
        raise KeyError(obj)

    def sequence(self, obj: sp.Basic, point: Mapping[sp.Symbol, Any]) -> Any:
        raise KeyError(obj)

    def forall(self, sym: sp.Symbol) -> tuple[Any, ...]:
        raise KeyError(sym)


def _point(pt: tuple) -> dict[sp.Symbol, Any]:
    dd, CC, n, dl = pt
    return {d: sp.Integer(dd), C: sp.Integer(CC), cc.n: sp.Integer(n), cc.delta: sp.nsimplify(dl)}


def point_net(claim: Claim, pt: tuple) -> float | None:
    """The ``r`` the statement's hypothesis puts at a declared point (``None`` when it gives none)."""
    rs = [v for v in root_values(free_roots(claim.statement, r), _CoherenceModel(lambda b: (0, 1), 0.0), _point(pt))
          if v.is_positive]
    return float(rs[0]) if rs else None


def _n_sets(claim: Claim, level: Level) -> int:
    # the claim declares them: 1500 at fast give the plug-in power >= 0.8 at every declared point (the
    # (1 - delta)-quantile of lambda_max(S) is lumpy: block sizes are integers); the Rayleigh statistic's
    # relative SE is then ~0.3 %
    return int(claim.extras["witnesses"]["datasets"][0 if level.name == "fast" else 1])


def _bound_of(stmt: Any, point: Mapping[sp.Symbol, Any]) -> float | None:
    """The printed bound ``b`` of ``P_exceeds(., b)`` in the statement at a point (for the report)."""
    for a in sp.preorder_traversal(getattr(stmt, "conclusion", stmt.relation if hasattr(stmt, "relation") else sp.S.Zero)):
        if getattr(a, "func", None) == cc.Prob:
            return float(_Ctx(_CoherenceModel(lambda b: (0, 1), 0.0), point).num(a.args[1]))
    return None


def _evaluate(stmt: Any, point: dict, rv: float, draw: dict[str, np.ndarray], alpha: float) -> Any:
    lo_a, hi_a, n_sets = draw["lam_lo"], draw["lam_hi"], draw["lam_lo"].size

    def prob(b: float) -> tuple[float, float]:
        # lambda_max in [lo, hi] per data set: certain exceedances where lo > b, possible ones where hi > b
        k_lo, k_hi = int(np.sum(lo_a > b)), int(np.sum(hi_a > b))
        return binomial_interval(k_lo, n_sets, alpha=alpha)[0], binomial_interval(k_hi, n_sets, alpha=alpha)[1]

    return evaluate(stmt, _CoherenceModel(prob, float(draw["max_li"].max())), {**point, r: sp.Float(rv)})


@register_check("chang2025.relu.sgd_coherence", methods=("montecarlo",), sampling_families=1)
def _sgd_coherence(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
    t0 = time.perf_counter()
    rng = np.random.default_rng(ss)
    n_sets = _n_sets(claim, level)
    pts = claim.extras["witnesses"]["points"]
    family_alpha = level.montecarlo_alpha  # this family's share of the run's budget
    stmt = claim.statement
    draws: list[tuple[dict, float, dict] | None] = []
    for pt in pts:
        rv = point_net(claim, pt)
        draws.append(None if rv is None else (_point(pt), rv, datasets(rng, d=pt[0], C=pt[1], n=pt[2], r=rv, n_sets=n_sets)))
    # Holm's step-down over the points: evaluate at family_alpha / (points not yet rejected) until no new rejection
    live = [i for i, x in enumerate(draws) if x is not None]
    rejected: set[int] = set()
    outcome: dict[int, Any] = {}
    while True:
        a = family_alpha / max(len(live) - len(rejected), 1)
        for i in live:
            if i not in rejected:
                outcome[i] = (_evaluate(stmt, draws[i][0], draws[i][1], draws[i][2], a), a)
        new = {i for i in live if i not in rejected and outcome[i][0].truth is False}
        if not new:
            break
        rejected |= new
    rows, truths, powers = [], [], []
    for i, pt in enumerate(pts):
        row: dict[str, Any] = {"d": pt[0], "C": pt[1], "n": pt[2], "delta": float(pt[3])}
        if draws[i] is None:
            rows.append({**row, "r": None})
            truths.append(None)
            continue
        o, a = outcome[i]
        point, rv, draw = draws[i]
        # the upper end of the bracket: S is block diagonal (one block per active unit), so the power
        # steps converge on the top block (max ratio -> lambda_max) while the min ratio stays at a smaller block's
        lam = draw["lam_hi"]
        power, p_alt = refutation_power(lam, delta=float(pt[3]), alpha=a, effect=level.effect_size)
        b = _bound_of(stmt, point | {r: sp.Float(rv)})
        truths.append(o.truth)
        powers.append(power)
        rows.append({**row, "r": rv, "holds": o.truth, "alpha": a, "power": power, "p_alt": p_alt,
                     "bound": b, "quantile_1_minus_delta": float(np.quantile(lam, 1 - float(pt[3]))),
                     "exceedances_certain": None if b is None else int(np.sum(draw["lam_lo"] > b)),
                     **{k: jsonable(v) for k, v in o.values.items() if k not in ("d", "C", "n", "delta", "r")}})
    n_false = sum(t is False for t in truths)
    power = min(powers, default=0.0)
    detail = (f"P(lambda_max(S) > printed bound) by Monte Carlo ({n_sets} data sets per point, Clopper–Pearson, Holm over "
              f"{len(pts)} points at alpha = {family_alpha:.3g}); "
              + "; ".join(f"d={x['d']}, C={x['C']}, n={x['n']}, delta={x['delta']}: statement {x.get('holds')}" for x in rows))
    data = {"points": rows, "n_datasets": n_sets, "family_alpha": family_alpha, "effect_size": level.effect_size,
            "effect": "relative error of the printed bound against the true (1 - delta)-quantile of lambda_max(S)",
            "power": power, "min_power": level.min_power}
    q = "declared points where the statement fails (Holm over the points)"
    kw = dict(data=data, seed=seed_of(ss), elapsed=time.perf_counter() - t0)
    if n_false == 0 and any(t is None for t in truths):
        return [undecided("montecarlo", "a Clopper–Pearson interval straddles the statement's delta at some point", detail,
                          decision=Decision(q, 0, "==", 0), **kw)]
    if n_false == 0 and power < level.min_power:
        return [undecided("montecarlo", f"no point fails, but the power {power:.2f} < {level.min_power} to refute a printed "
                                        f"bound {level.effect_size:.0%} below the true quantile", detail,
                          decision=Decision(q, 0, "==", 0), **kw)]
    bad = next((x for x, t in zip(rows, truths) if t is False), None)
    return [decide("montecarlo", detail, quantity=q, value=n_false, op="==", threshold=0, **kw,
                   counterexample=lambda: Counterexample({k: bad[k] for k in ("d", "C", "n", "delta", "r")},
                                                         "the printed statement", bad, certified=False, why=_WHY,
                                                         note="the interval for P excludes the claimed side (Holm), or "
                                                              "max_i lambda_max(H_i) differs"))]


# -- calibration ------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _exact_rayleigh(d_: int, C_: int, n: int, rv: float) -> float:
    """``E[1^T K 1 / n] = E||g||^2 + (n - 1) ||E g||^2`` over all of ``{±1}^d`` (the network's own gradient)."""
    X = np.array(list(np.ndindex(*(2,) * d_)), dtype=float) * 2 - 1
    G = relu_per_sample_gradients(cr_solution(C=C_, d=d_, r=rv), X)
    mean = G.mean(axis=0)
    return float((G * G).sum(axis=1).mean() + (n - 1) * mean @ mean)


def _rayleigh_sampler(claim: Claim, pt: tuple, rv: float) -> Callable[[np.random.Generator, Level], tuple[float, float]]:
    def sample(rng: np.random.Generator, level: Level) -> tuple[float, float]:
        x = datasets(rng, d=pt[0], C=pt[1], n=pt[2], r=rv, n_sets=_n_sets(claim, level))["rayleigh"]
        return float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))

    return sample


@register_family("chang2025.relu.sgd_coherence")
def _families(reading: str, level: Level) -> list[SamplingFamily]:
    """One family per declared point: the Rayleigh statistic of the check's data sets against its exact mean."""
    claim = get_claim("chang2025.relu.sgd_coherence")
    out = []
    for pt in claim.extras["witnesses"]["points"]:
        rv = point_net(claim, pt)
        if rv is None:
            continue
        out.append(SamplingFamily(claim.id, reading, f"mean 1^T K 1 / n: d={pt[0]}, C={pt[1]}, n={pt[2]}",
                                  _exact_rayleigh(pt[0], pt[1], pt[2], rv), _rayleigh_sampler(claim, pt, rv),
                                  effect_size=level.effect_size))
    return out
