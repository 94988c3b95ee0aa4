"""Checks of the two-layer ReLU claims: Theorem 3.4 (memorising iff S diagonal) and Theorem 3.5 (SGD's coherence).

Both evaluate the claim's statement at witnesses: Theorem 3.4 at memorising constructions, at
small integer networks shrunk by Hypothesis and at random interpolating networks (the indicators
``Memorising(theta)`` and ``Diagonal(S)`` computed from the network); Theorem 3.5 at the points the
claim declares, with the printed bound read from the statement and ``P(lambda_max(S) > bound)``
estimated by Monte Carlo with a Clopper–Pearson interval.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp
from hypothesis import find
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable

from derivations import Claim
from derivations import coherence_claims as cc
from derivations.coherence import C, d, r

from ._coh_eval import _Ctx, evaluate, free_roots, root_values
from ._coh_relu import (
    ReluNet,
    cr_solution,
    hypercube_sample,
    interpolating_solution,
    memorizing_solution,
    relu_coherence_matrix,
    relu_memorizing,
    relu_per_sample_gradients,
)
from ._coh_search import hypothesis_settings, jsonable, seed_of
from ._engine import Level, register_check
from ._results import CheckResult, Counterexample, decide, undecided
from ._stats import binomial_tail

__all__: list[str] = []

_MEM, _DIAG = sp.Function("Memorising"), sp.Function("Diagonal")
_CUBE2 = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])


class _NetModel:
    """Theorem 3.4's indicators at one network and data set (1 true, 0 false)."""

    exact = True

    def __init__(self, net: ReluNet, X: np.ndarray, *, exact_S: bool) -> None:
        S = relu_coherence_matrix(net, X)
        off = np.abs(S - np.diag(np.diag(S)))
        # integer networks give exact S; otherwise off-diagonal entries below 1e-12 max|S| are round-off
        self.diag = bool(np.count_nonzero(off) == 0) if exact_S else bool(off.max() <= 1e-12 * np.abs(S).max())
        self.mem = relu_memorizing(net, X)
        self.exact = exact_S

    def value(self, obj: sp.Basic, point: Mapping[sp.Symbol, Any]) -> Any:
        if getattr(obj, "func", None) == _MEM:
            return sp.Integer(int(self.mem))
        if getattr(obj, "func", None) == _DIAG:
            return sp.Integer(int(self.diag))
        raise KeyError(obj)

    def sequence(self, obj: sp.Basic, point: Mapping[sp.Symbol, Any]) -> Any:
        raise KeyError(obj)

    def forall(self, sym: sp.Symbol) -> tuple[Any, ...]:
        raise KeyError(sym)


def _net_result(claim: Claim, what: str, nets: list[tuple[ReluNet, np.ndarray, bool]], *, seed: int | None, t0: float) -> CheckResult:
    bad = None
    for net, X, exact in nets:
        m = _NetModel(net, X, exact_S=exact)
        if evaluate(claim.statement, m, {}).truth is not True:
            bad = (net, X, m, exact)
            break

    def cx() -> Counterexample:
        net, X, m, exact = bad
        act = (net.preactivations(X) > 0).astype(int)
        G = relu_per_sample_gradients(net, X)
        return Counterexample({"X": X.tolist(), "y": net(X).tolist(), "W1": net.W1.tolist(), "b": net.b.tolist(),
                               "W2": net.W2.tolist()}, "Memorising(theta) = Diagonal(S)",
                              {"Memorising": int(m.mem), "Diagonal": int(m.diag), "S": (G @ G.T).round(12).tolist(),
                               "active_units": act.tolist()},
                              note=f"labels y = f(x_i), equal to x[0] x[1]: {bool(np.array_equal(net(X), X[:, 0] * X[:, 1]))}; "
                                   + ("integer arithmetic" if exact else "float64"), exact=exact)

    return decide("exact", f"{what}: {len(nets)} networks", quantity=f"networks where the statement fails ({what})",
                  value=0 if bad is None else 1, op="==", threshold=0, counterexample=cx, seed=seed,
                  data={"n_nets": len(nets)}, elapsed=time.perf_counter() - t0)


@register_check("chang2025.relu.memorizing", methods=("exact",))
def _memorizing(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
    s_m, s_h, s_i = ss.spawn(3)
    sizes = claim.extras["witnesses"]
    lv = 0 if level.name == "fast" else 1
    out = []
    # memorising constructions (dead extra units included), data y = x[0] x[1]
    t0 = time.perf_counter()
    rng = np.random.default_rng(s_m)
    nets = []
    for _ in range(sizes["memorising"][lv]):
        dd = int(rng.integers(2, 7))
        n = int(rng.integers(2, min(2**dd, 10) + 1))
        X = np.unique(hypercube_sample(rng, n=3 * n, d=dd), axis=0)[:n]
        nets.append((memorizing_solution(X, X[:, 0] * X[:, 1], rng=rng, extra_units=int(rng.integers(0, 4))), X, False))
    out.append(_net_result(claim, "memorising constructions", nets, seed=seed_of(s_m), t0=t0))
    # small integer networks on the 2-cube, labelled by the network (it interpolates exactly)
    t0 = time.perf_counter()
    hseed = seed_of(s_h)
    w = st.integers(-2, 2)

    def net_of(x: tuple) -> tuple[ReluNet, np.ndarray]:
        idx, W1, b, W2 = x
        return ReluNet(np.array(W1, float).reshape(len(b), 2), np.array(b, float), np.array(W2, float)), _CUBE2[list(idx)]

    def every_point_active(x: tuple) -> bool:
        # A point that activates no unit has H_i = 0 (S_ii = 0): outside the theorem's setting.
        net, X = net_of(x)
        return bool(np.all((net.preactivations(X) > 0).sum(axis=1) >= 1))

    strat = st.tuples(st.lists(st.sampled_from(range(4)), min_size=2, max_size=3, unique=True), st.integers(1, 3)).flatmap(
        lambda t: st.tuples(st.just(t[0]), st.lists(w, min_size=2 * t[1], max_size=2 * t[1]),
                            st.lists(w, min_size=t[1], max_size=t[1]), st.lists(w, min_size=t[1], max_size=t[1]))
    ).filter(every_point_active)

    def fails(x: tuple) -> bool:
        return evaluate(claim.statement, _NetModel(*net_of(x), exact_S=True), {}).truth is False

    n_ex = sizes["integer_nets"][lv]
    try:
        found = find(strat, fails, settings=hypothesis_settings(n_ex), random=random.Random(hseed))
    except NoSuchExample:
        found = None
    except Unsatisfiable:
        out.append(undecided("exact", "no example satisfied the assumptions", "integer networks (Hypothesis)", seed=hseed))
        found = False
    if found is None:
        out.append(decide("exact", f"integer networks (d = 2, h <= 3, Hypothesis): none of {n_ex} examples fails the statement",
                          quantity="networks where the statement fails (integer networks, Hypothesis)", value=0, op="==",
                          threshold=0, seed=hseed, elapsed=time.perf_counter() - t0))
    elif found is not False:
        out.append(_net_result(claim, "integer networks (d = 2, h <= 3, Hypothesis, shrunk)", [(*net_of(found), True)],
                               seed=hseed, t0=t0))
    # random interpolating networks (least-squares output layer)
    t0 = time.perf_counter()
    rng = np.random.default_rng(s_i)
    nets = []
    for _ in range(sizes["interpolating"][lv]):
        dd, n = int(rng.integers(2, 6)), int(rng.integers(2, 6))
        X = np.unique(hypercube_sample(rng, n=3 * n, d=dd), axis=0)[:n]
        net = interpolating_solution(X, X[:, 0] * X[:, 1], h=int(rng.integers(n, 2 * n + 1)), rng=rng)
        if net is not None:
            nets.append((net, X, False))
    out.append(_net_result(claim, "random interpolating networks", nets, seed=seed_of(s_i), t0=t0))
    return out


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


def _clopper_pearson(k: int, n: int, alpha: float) -> tuple[float, float]:
    """Exact two-sided ``1 - alpha`` interval for a binomial proportion (bisection on the binomial tails)."""
    def solve(f: Callable[[float], float]) -> float:
        lo, hi = 0.0, 1.0
        for _ in range(60):  # 2^-60: far below any probability we report
            mid = 0.5 * (lo + hi)
            lo, hi = (lo, mid) if f(mid) > 0 else (mid, hi)
        return 0.5 * (lo + hi)
    lower = 0.0 if k == 0 else solve(lambda p: binomial_tail(k, n, p, upper=True) - alpha / 2)
    upper = 1.0 if k == n else solve(lambda p: alpha / 2 - binomial_tail(k, n, p, upper=False))
    return lower, upper


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


@register_check("chang2025.relu.sgd_coherence", methods=("montecarlo",), montecarlo_families=1)
def _sgd_coherence(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
    t0 = time.perf_counter()
    rng = np.random.default_rng(ss)
    spec = claim.extras["witnesses"]
    n_sets = spec["datasets"][0 if level.name == "fast" else 1]  # 0 failures in 200: 99% upper bound 0.026 < min delta
    pts = spec["points"]
    alpha = level.montecarlo_alpha / len(pts)  # Bonferroni over the declared points
    stmt = claim.statement
    rows, truths = [], []
    for dd, CC, n, dl in pts:
        point = {d: sp.Integer(dd), C: sp.Integer(CC), cc.n: sp.Integer(n), cc.delta: sp.nsimplify(dl)}
        rs = [v for v in root_values(free_roots(stmt, r), _CoherenceModel(lambda b: (0, 1), 0.0), point) if v.is_positive]
        if not rs:
            rows.append({"d": dd, "C": CC, "n": n, "delta": float(dl), "r": None})
            truths.append(None)
            continue
        rv = float(rs[0])
        net = cr_solution(C=CC, d=dd, r=rv)
        lam_hi: list[np.ndarray] = []
        lam_lo: list[np.ndarray] = []
        max_li = 0.0
        for start in range(0, n_sets, 200):  # chunks of 200 data sets keep K below ~16 MB
            m = min(200, n_sets - start)
            G = relu_per_sample_gradients(net, hypercube_sample(rng, n=m * n, d=dd)).reshape(m, n, -1)
            K = np.einsum("sip,sjp->sij", G, G)  # g_i . g_j per data set
            lo_, hi_ = _perron_bracket(np.abs(K))
            lam_lo.append(lo_)
            lam_hi.append(hi_)
            max_li = max(max_li, float(np.max(np.einsum("sii->si", K))))
        lo_a, hi_a = np.concatenate(lam_lo), np.concatenate(lam_hi)

        def prob(b: float, lo_a: np.ndarray = lo_a, hi_a: np.ndarray = hi_a) -> tuple[float, float]:
            # lambda_max in [lo, hi] per data set: exceedances counted where lo > b; undecided ones where lo <= b < hi
            k_lo, k_hi = int(np.sum(lo_a > b)), int(np.sum(hi_a > b))
            return _clopper_pearson(k_lo, n_sets, alpha)[0], _clopper_pearson(k_hi, n_sets, alpha)[1]

        model = _CoherenceModel(prob, max_li)
        o = evaluate(stmt, model, {**point, r: sp.Float(rv)})
        truths.append(o.truth)
        rows.append({"d": dd, "C": CC, "n": n, "delta": float(dl), "r": rv, "holds": o.truth,
                     **{k: jsonable(v) for k, v in o.values.items() if k not in ("d", "C", "n", "delta", "r")}})
    n_false = sum(t is False for t in truths)
    detail = "; ".join(f"d={x['d']}, C={x['C']}, n={x['n']}, delta={x['delta']}: statement {x.get('holds')}" for x in rows)
    data = {"points": rows, "n_datasets": n_sets, "alpha_per_point": alpha}
    if n_false == 0 and any(t is None for t in truths):
        return [undecided("montecarlo", "a Clopper–Pearson interval straddles delta at some point", detail, data=data,
                          seed=seed_of(ss), elapsed=time.perf_counter() - t0)]
    bad = next((x for x, t in zip(rows, truths) if t is False), None)
    return [decide("montecarlo", f"P(lambda_max(S) > printed bound) by Monte Carlo ({n_sets} data sets per point, "
                   f"{100 * (1 - alpha):.2f}% intervals); {detail}", quantity="declared points where the statement fails",
                   value=n_false, op="==", threshold=0, seed=seed_of(ss), data=data, elapsed=time.perf_counter() - t0,
                   counterexample=lambda: Counterexample({k: bad[k] for k in ("d", "C", "n", "delta", "r")},
                                                         "the printed statement", bad,
                                                         note="the interval for P excludes the claimed side, or max_i lambda_max(H_i) differs"))]
