"""Check of Theorem 3.4 (a two-layer ReLU interpolating solution is memorising iff S is diagonal).

The claim's statement is evaluated at memorising constructions, at small integer networks shrunk
by Hypothesis and at random interpolating networks (the indicators ``Memorising(theta)`` and
``Diagonal(S)`` computed from the network).  Theorem 3.5 lives in :mod:`verify._coh_theorem35`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp
from hypothesis import find
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable

from derivations import Claim

from ._coh_eval import evaluate
from ._coh_relu import (
    ReluNet,
    hypercube_sample,
    interpolating_solution,
    memorizing_solution,
    relu_coherence_matrix,
    relu_memorizing,
    relu_per_sample_gradients,
)
from ._coh_search import hypothesis_settings, seed_of
from ._engine import Level, register_check
from ._results import CheckResult, Counterexample, decide, undecided

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
                                   + ("integer arithmetic" if exact else "float64"), exact=exact, certified=exact,
                              # an integer network has integer gradients: S and the active sets are exact
                              enclosure={"backend": "exact integer arithmetic (integer network on {±1}^d)"} if exact else None,
                              why="" if exact else "float64 network: S's off-diagonal zeros are read with a 1e-12 relative band")

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
