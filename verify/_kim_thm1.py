"""Registered checks of Kim et al. Theorem 1: the flow (exact rates, Euler runs) and the discrete iteration (runs).

Each check substitutes what its method measures for the claim's placeholders and evaluates the
claim's own statement at the witness points declared with the claim (``extras["witnesses"]``):

- ``kim2023.thm1.flow``: ``kappa(lambda)`` is the rate ``-u'/u`` of the reading's flow, exactly at
  distance ``u_probe`` from ``d`` (``exact``) and as the decay rate of a simulated 2-D flow
  (``experiment``); every part of the statement is evaluated with it.
- ``kim2023.thm1.discrete``: ``mu(lambda)`` is the per-step contraction of that coordinate over the
  second half of a run of the discrete iteration (``experiment``).

The simulators are generated from :func:`derivations.discrete_sam.sam_step` (one step of the reading;
an Euler step of its flow when ``eta`` is read as ``dt``), never retyped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from derivations import Claim
from derivations import discrete_sam as ds
from derivations._symbols import lambda_1, lambda_2, lambda_j, rho

from ._engine import Level, register_check
from ._kim_common import PointResult, checked, elapsed, evaluate_measured, parts_of
from ._results import CheckResult, Counterexample, decide, undecided

__all__ = ["stepper", "run_iteration", "flow_rates", "contraction_factors"]

_a, _b, _eta, _rho = sp.symbols("a b eta_num rho_num", real=True)


@lru_cache(maxsize=None)
def _step_fn(reading: str, l1: Any, l2: Any) -> Callable[..., list[float]]:
    step = ds.sam_step(sp.diag(sp.nsimplify(l1), sp.nsimplify(l2)), sp.Matrix([_a, _b]), reading=reading)
    step = step.subs({ds.eta: _eta, ds.rho: _rho}, simultaneous=True)
    return sp.lambdify((_a, _b, _eta, _rho), list(step), modules="math")


def stepper(reading: str, lams: tuple[Any, Any], eta: float, r: float) -> Callable[[float, float], tuple[float, float]]:
    """One step of the reading's iteration on ``diag(lams)``, generated from :func:`derivations.discrete_sam.sam_step`."""
    f = _step_fn(reading, *lams)

    def step(a: float, b: float) -> tuple[float, float]:
        if a == 0.0 and b == 0.0:
            return 0.0, 0.0  # d itself: g/||g|| undefined, no ascent step
        x, y = f(a, b, eta, r)
        return float(x), float(y)

    return step


def run_iteration(step: Callable[[float, float], tuple[float, float]], u0: tuple[float, float], n: int) -> np.ndarray:
    """Iterate ``step`` from ``u0`` for ``n`` steps (stops early once ``|u|`` exceeds 1e12); rows are iterates."""
    a, b = u0
    out = [(a, b)]
    for _ in range(n):
        try:
            a, b = step(a, b)
        except (OverflowError, ZeroDivisionError):
            a, b = math.inf, math.inf
        out.append((a, b))
        if not (math.isfinite(a) and math.isfinite(b)) or abs(a) + abs(b) > 1e12:
            break
    return np.array(out)


#: Below this a coordinate has reached d to float64 resolution (subnormals round to a fixed point).
TINY = 1e-250


def contraction_factors(path: np.ndarray) -> tuple[float, float]:
    """Per-coordinate contraction per step, ``(|u_i(n)|/|u_i(n/2)|)^(1/(n/2))``, over the steps before it reaches d.

    ``n`` is the last step (or the first where ``|u_i| < TINY``). A converging coordinate gives
    ``|mu| < 1``, one on a cycle or frozen gives 1, a growing one > 1 (``inf`` after a blow-up).
    """
    finite = path[np.all(np.isfinite(path), axis=1)]
    blew_up = len(finite) < len(path)
    out = []
    for i in range(2):
        s = np.abs(finite[:, i])
        if blew_up and s[-1] > s[0]:
            out.append(math.inf)
            continue
        below = np.flatnonzero(s < TINY)
        n = int(below[0]) if len(below) else len(s) - 1
        half = max(n // 2, 1)
        lo, hi = s[max(n - half, 0)], s[n]
        out.append(0.0 if lo == 0.0 else (hi / lo) ** (1.0 / half))
    return out[0], out[1]


def flow_rates(path: np.ndarray, dt: float, floor: float) -> tuple[float, float]:
    """Per-coordinate decay rate ``-log(max(|u_i(T)|, floor)/|u_i(0)|)/T`` of an Euler path of a flow.

    ``floor`` is the chatter level of a discontinuous flow (normalised SAM): a coordinate that reaches
    it has arrived at ``d`` (positive rate); a repelled one gives a negative rate.
    """
    T = dt * (len(path) - 1)
    last = path[-1]
    rates = []
    for i in range(2):
        end = abs(last[i]) if math.isfinite(last[i]) else math.inf
        rates.append(-math.log(max(end, floor) / abs(path[0, i])) / T)
    return rates[0], rates[1]


def _points(witness: dict, with_lambda_j: bool) -> list[dict[sp.Symbol, Any]]:
    out = []
    for l1, l2, *rest in witness["points"]:
        base = {lambda_1: sp.nsimplify(l1), lambda_2: sp.nsimplify(l2), rho: sp.nsimplify(rest[-1])}
        if len(rest) == 2:
            base[ds.eta] = sp.nsimplify(rest[0])
        out += [{**base, lambda_j: lam} for lam in (base[lambda_1], base[lambda_2])] if with_lambda_j else [base]
    return out


def _decide_points(method: str, claim: Claim, reading: str, what: str, results: list[tuple[str | None, dict, PointResult]],
                   t0: float, data: dict) -> CheckResult:
    """One check result from the per-point evaluations of every part: fail on the first violated point."""
    decided = [(p, pt, r) for p, pt, r in results if r.applicable and r.violated is not None]
    bad = [(p, pt, r) for p, pt, r in decided if r.violated]
    rows = [{"part": p, "point": {str(k): str(v) for k, v in pt.items()}, "applicable": r.applicable, "violated": r.violated,
             "claimed": r.claimed, "actual": r.actual, "note": r.note} for p, pt, r in results]
    data = {**data, "rows": rows}
    n_pts = len({tuple(sorted((str(k), str(v)) for k, v in pt.items())) for _, pt, _ in results})
    detail = (f"{claim.id} [{reading}] as printed, with {what}: {len(bad)} violation(s) at {len(decided)} decided "
              f"(part, point) pairs of {len(results)} over {n_pts} witness points")
    if not decided:
        return undecided(method, "no witness point was decided (every hypothesis false or a measurement missing)",
                         detail, data=data, elapsed=elapsed(t0))

    def cx() -> Counterexample:
        p, pt, r = bad[0]
        sim = method != "exact"
        return Counterexample({str(k): str(v) for k, v in pt.items()}, r.claimed, r.actual,
                              note=f"part {p}: {what}" if p else what, exact=not sim, certified=False,
                              why=("the measured side comes from a float64 simulation (a run of the iteration or an Euler "
                                   "run of the flow), not from a closed form: no enclosure certifies it") if sim else
                                  ("the measured rate is exact (SymPy) but the printed relation was decided at 40 digits, "
                                   "not by an enclosure"))

    return decide(method, detail, quantity="witness points where the printed statement fails", value=len(bad), op="==",
                  threshold=0, counterexample=cx, data=data, elapsed=elapsed(t0))


# ============================================================================ Theorem 1, flow


@register_check("kim2023.thm1.flow", methods=("exact", "experiment"))
@checked
def thm1_flow_checks(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
    """Every part of Theorem 1 with ``kappa`` the exact rate of the reading's flow, and with its simulated rate."""
    w = claim.extras["witnesses"]
    stmt = claim.statement  # kappa is what each method measures: the reading's binding is not used here
    t0 = time.perf_counter()
    probe = sp.nsimplify(w["u_probe"])

    def exact_kappa(pt: dict) -> Callable[[sp.Expr], Any]:
        return lambda app: ds.flow_rate_at(reading=reading, lam=app.args[0], radius=pt[rho], at=probe)

    results = [(name, pt, evaluate_measured(part, pt, exact_kappa(pt), rtol=1e-12))
               for name, part in parts_of(stmt) for pt in _points(w, lambda_j in part.free_symbols())]
    exact = _decide_points("exact", claim, reading, f"kappa(lambda) = -u'/u of the {reading} flow at u = {probe} (exact)",
                           results, t0, {"u_probe": str(probe)})
    t1 = time.perf_counter()
    # T, dt: declared with the witnesses; Euler's relative error in a rate kappa is ~ dt kappa / 2 <= 1e-3
    # over the witnesses, so rates are compared at rtol 1e-2.
    dt, T = float(w["dt"]), float(w["T"])
    runs: dict[tuple, tuple[float, float]] = {}
    for pt in _points(w, False):
        lams = (pt[lambda_1], pt[lambda_2])
        step = stepper(reading, lams, dt, float(pt[rho]))
        jump = max(abs(x - 1e-100) for x in step(1e-100, 1e-100))  # the step at d: 0 (plain) or dt rho |lambda|
        floor = 2 * jump * max(abs(float(x)) for x in lams) / min(abs(float(x)) for x in lams) + 1e-290
        path = run_iteration(step, tuple(float(x) for x in w["u0"]), int(round(T / dt)))
        runs[(lams, pt[rho])] = flow_rates(path, dt, floor)

    def sim_kappa(pt: dict) -> Callable[[sp.Expr], Any]:
        lams = (pt[lambda_1], pt[lambda_2])
        rates = runs[(lams, pt[rho])]
        return lambda app: rates[lams.index(app.args[0])] if app.args[0] in lams else None

    results = [(name, pt, evaluate_measured(part, pt, sim_kappa(pt), rtol=1e-2))
               for name, part in parts_of(stmt) for pt in _points(w, lambda_j in part.free_symbols())]
    sim = _decide_points("experiment", claim, reading,
                         f"kappa(lambda) = the decay rate of that coordinate in an Euler run of the {reading} flow "
                         f"(dt = {dt:g}, T = {T:g}, from u0 = {w['u0']})",
                         results, t1, {"dt": dt, "T": T, "rates": {str(k): v for k, v in runs.items()}})
    return [exact, sim]


# ============================================================================ Theorem 1, discrete


@register_check("kim2023.thm1.discrete", methods=("experiment",))
@checked
def thm1_discrete_runs(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
    """Theorem 1 for the discrete iteration, with ``mu`` the measured per-step contraction of each coordinate."""
    t0 = time.perf_counter()
    w = claim.extras["witnesses"]
    factors: dict[tuple, tuple[float, float]] = {}
    for pt in _points(w, False):
        lams = (pt[lambda_1], pt[lambda_2])
        path = run_iteration(stepper(reading, lams, float(pt[ds.eta]), float(pt[rho])),
                             tuple(float(x) for x in w["u0"]), int(w["n_steps"]))
        factors[(lams, pt[ds.eta], pt[rho])] = contraction_factors(path)

    def measured_mu(pt: dict) -> Callable[[sp.Expr], Any]:
        lams = (pt[lambda_1], pt[lambda_2])
        f = factors[(lams, pt[ds.eta], pt[rho])]
        return lambda app: f[lams.index(app.args[0])] if app.args[0] in lams else None

    results = [(name, pt, evaluate_measured(part, pt, measured_mu(pt)))
               for name, part in parts_of(claim.statement) for pt in _points(w, False)]
    data: dict[str, Any] = {"factors": {str(k): v for k, v in factors.items()}, "n_steps": w["n_steps"], "u0": w["u0"]}
    if reading == "plain":
        # context: the exact attracting set in rho at the first witness point, and the multiplier at the threshold
        l1, l2, e, _ = w["points"][0]
        data["attraction_set_at_first_point"] = str(ds.discrete_attraction_set([l1, l2], e))
        data["multiplier_at_threshold"] = str(ds.multiplier_at_threshold())
    return [_decide_points("experiment", claim, reading,
                           f"mu(lambda) = the per-step contraction of that coordinate over the second half of "
                           f"{w['n_steps']} steps of {reading} SAM", results, t0, data)]
