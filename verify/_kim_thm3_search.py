"""Search a witness grid for points where a relation ``Holds(rel)`` about ``Delta`` fails (Theorem 3's claims).

The relation is the claim's own (read from its statement); ``Delta`` is either measured by a model
(screened in float64 over the grid, candidates confirmed exactly) or already bound to a closed form
(evaluated at 40 digits). A derivative ``Derivative(Delta(...), v)`` of a measured ``Delta`` becomes
the difference quotient over ``[v, v + h]`` (``h`` declared with the claim): by the mean value
theorem it equals the derivative somewhere in that step, so a violation found with it is a point
of the domain where the relation fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from derivations import Holds
from derivations._symbols import B, eta, gamma, lambda_j, rho
from derivations.kim2023_ext import Delta, k

from ._kim_common import certificate, elapsed, evaluate_measured
from ._kim_thm3_model import DPS
from ._results import CheckResult, Counterexample, decide, undecided

__all__ = ["search_relation"]

SYMS: dict[str, sp.Symbol] = {"lambda_j": lambda_j, "rho": rho, "eta": eta, "gamma": gamma, "B": B, "k": k}
#: A float64 recursion of <= 80 steps is good to ~1e-13 relative: a relation within 1e-9 of its
#: boundary is a candidate to be decided exactly, not a float verdict.
SCREEN_RTOL = 1e-9
#: Candidates decided exactly per check (ranked: k >= 2 and the most SDE-like points first), stopping
#: after MAX_EXAMPLES confirmed violations: one suffices to refute, three show it is not isolated.
MAX_CONFIRM, MAX_EXAMPLES = 60, 3
_OPS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}


def _frac(x: Any) -> Fraction:
    if isinstance(x, sp.Rational):
        return Fraction(int(x.p), int(x.q))
    return Fraction(x) if isinstance(x, (int, Fraction)) else Fraction(str(x))


def _in_domain(p: Mapping[str, Any]) -> bool:
    return 0 <= p["gamma"] < 1 and p["B"] >= 1 and p["k"] >= 0 and 1 + p["rho"] * p["lambda_j"] != 0


def _rank(p: Mapping[str, Any]) -> tuple:
    a = abs(p["lambda_j"] * (1 + p["rho"] * p["lambda_j"]))
    return (p["k"] < 2, float(p["eta"] * a), int(p["k"]))


def _template(rel: sp.Rel, steps: Mapping[sp.Symbol, Any]) -> tuple[sp.Expr, list[sp.Expr]]:
    """``lhs - rhs`` with every Delta application replaced by a symbol ``V_i``; the applications in order."""
    e = rel.lhs - rel.rhs
    derivs = list(e.atoms(sp.Derivative))
    if len(derivs) > 1:
        raise ValueError(f"{len(derivs)} derivatives: the mean value theorem needs one")
    for d in derivs:
        (var, order), = d.variable_count
        if order != 1 or var not in steps or not isinstance(d.expr, AppliedUndef):
            raise ValueError(f"cannot search {d}: a first derivative of Delta in a variable with a declared step")
        h = sp.nsimplify(steps[var])
        e = e.xreplace({d: (d.expr.subs(var, var + h) - d.expr) / h})
    apps = sorted(e.atoms(AppliedUndef), key=str)
    if any(a.func != Delta for a in apps):
        raise ValueError(f"unknown placeholders in {e}")
    return e, apps


def search_relation(stmt: Holds, pts: Sequence[dict[str, Any]], steps: Mapping[sp.Symbol, Any], *,
                    grid: Callable[[list[dict]], np.ndarray] | None,
                    exact: Callable[[Any, Any], Callable[[sp.Expr], Any]] | None, what: str, part: str) -> CheckResult:
    """Count grid points where ``stmt`` fails with ``Delta`` from ``grid``/``exact`` (or already bound: both None)."""
    t0 = time.perf_counter()
    rel = stmt.relation
    if rel.rel_op not in _OPS:
        return undecided("exact", f"relation {rel.rel_op!r} cannot be searched on a grid", part=part)
    try:
        expr, apps = _template(rel, steps) if grid is not None else (rel.lhs - rel.rhs, [])
    except ValueError as exc:
        return undecided("exact", str(exc), part=part)
    order = tuple(SYMS.values())
    arg_fns = [sp.lambdify(order, list(a.args), modules=[{}]) for a in apps]
    rows: list[dict[str, Any]] = []
    for p in pts:
        p = {k_: _frac(v) for k_, v in p.items()}
        vals_ = [p[name] for name in SYMS]
        calls = [dict(zip(("k", "gamma", "rho", "B"), fn(*vals_)), lambda_j=p["lambda_j"], eta=p["eta"]) for fn in arg_fns]
        if _in_domain(p) and all(_in_domain(c) for c in calls):
            rows.append({"point": p, "calls": calls})
    if not rows:
        return undecided("exact", "no grid point lies in the domain", part=part)
    V = sp.symbols(f"V_0:{max(len(apps), 1)}")
    f_expr = expr.xreplace(dict(zip(apps, V)))
    free = sorted(f_expr.free_symbols - set(V), key=lambda s_: s_.name)
    f = sp.lambdify((*V, *free), f_expr, modules="numpy")
    if grid is not None:
        vals = [grid([r["calls"][i] for r in rows]) for i in range(len(apps))]
        scale = np.max(np.abs(np.array(vals)), axis=0) if vals else np.ones(len(rows))
    else:
        vals = [np.zeros(len(rows))]
        scale = np.ones(len(rows))
    cols = [np.array([float(r["point"][s_.name]) for r in rows]) for s_ in free]
    with np.errstate(all="ignore"):
        e = np.asarray(f(*vals, *cols), dtype=float) * np.ones(len(rows))
        ok = _OPS[rel.rel_op](e, 0) & (np.abs(e) > SCREEN_RTOL * scale) & np.isfinite(e)
    cand = sorted((i for i in range(len(rows)) if not ok[i]), key=lambda i: _rank(rows[i]["point"]))
    confirmed, undecided_n, examples, gaps = [], 0, [], []
    checked_n = 0
    for i in cand[:MAX_CONFIRM]:
        if len(confirmed) >= MAX_EXAMPLES:
            break
        checked_n += 1
        p = {k_: sp.Rational(v.numerator, v.denominator) for k_, v in rows[i]["point"].items()}
        sub = {SYMS[k_]: v for k_, v in p.items()}
        if exact is not None:
            out = evaluate_measured(stmt, sub, exact(p["lambda_j"], p["eta"]), steps=steps)
            viol, claimed, actual = out.violated, out.claimed, out.actual
            gap = actual["lhs"] - actual["rhs"] if isinstance(actual, dict) and "lhs" in actual else None
        else:
            gap = expr.subs(sub)  # the printed closed form at an exact point: certifiable
            with mpmath.workdps(DPS):
                v = sp.N(gap, DPS)
            truth = rel.func(v, 0) if v.is_finite else None
            viol = None if truth not in (sp.true, sp.false) else truth == sp.false
            claimed, actual = str(rel), {"lhs - rhs": v}
        if viol is None:
            undecided_n += 1
        elif viol:
            confirmed.append(i)
            examples.append(({k_: str(v) for k_, v in p.items()}, claimed, actual))
            gaps.append(gap)
    n_k1 = sum(1 for i in cand if rows[i]["point"]["k"] == 1)
    n_sde = sum(1 for i in cand if rows[i]["point"]["k"] >= 2 and _rank(rows[i]["point"])[1] <= 0.1)
    data = {"n_points": len(rows), "n_candidates": len(cand), "n_confirmed": len(confirmed), "n_candidates_at_k1": n_k1,
            "n_candidates_sde_regime": n_sde, "examples": examples[:3], "steps": {str(s_): str(h) for s_, h in steps.items()}}
    how = "float64 screening, candidates confirmed exactly" if grid is not None else "float64 screening, confirmed at 40 digits"
    detail = (f"{stmt.relation} with Delta = {what}, searched over {len(rows)} grid points ({how}): {len(cand)} candidate "
              f"violations ({n_k1} at k = 1; {n_sde} with k >= 2 and eta |lambda (1 + rho lambda)| <= 0.1), "
              f"{len(confirmed)} confirmed of {checked_n} decided exactly")
    if not confirmed and (undecided_n or len(cand) > checked_n):
        return undecided("exact", f"{undecided_n} candidate(s) could not be decided exactly, "
                         f"{len(cand) - checked_n} not checked", detail, part=part, data=data, elapsed=elapsed(t0))
    return decide("exact", detail, quantity="confirmed violations on the grid", value=len(confirmed), op="==", threshold=0,
                  counterexample=lambda: Counterexample(*examples[0], note=f"Delta = {what}" + (
                      "; the derivative is the difference quotient over the declared step, so by the mean value theorem it "
                      f"has this value at some point of [x, x + h] ({data['steps']})" if rel.atoms(sp.Derivative) and grid is not None
                      else ""),
                                                        exact=exact is not None,
                                                        **certificate(gaps[0], rel.rel_op)),
                  part=part, data=data, elapsed=elapsed(t0))
