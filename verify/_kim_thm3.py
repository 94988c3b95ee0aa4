"""Registered checks of Kim et al. Theorem 3 (``kim2023.thm3``) and its monotonicity claims (gamma, rho, batch).

Every check reads the printed side from the claim it is given: the equation's right side, or the
relation of a ``Holds`` with ``Delta`` measured by the reading's model (:mod:`verify._kim_thm3_model`).
Witness points and grids are ``claim.extras["witnesses"]``.

- ``kim2023.thm3``: ``exact`` the printed formula against the reading's ``Delta`` at the witness points
  (exact rationals / 40 digits); ``exact`` reading-free: the printed formula at ``gamma = 0`` against the
  claim it must reduce to (``extras["reduces_to"]``, Theorem 2 at ``t = eta k``), and its value as
  ``t -> 0`` against every model's ``Delta = 0`` at ``t = 0``.
- ``kim2023.thm3.{gamma,rho,batch}``: ``exact`` the claim's relation searched over the witness grid
  with ``Delta`` the reading's model (a derivative is a difference quotient: by the mean value
  theorem a wrong sign there is a wrong sign of the derivative in the step), and reading-free with
  ``Delta`` the printed Theorem 3 (``extras["printed"]``).
"""

from __future__ import annotations

import time
from fractions import Fraction
from itertools import product
from typing import Any

import numpy as np
import sympy as sp

from derivations import Claim, Equation, Holds, get_claim
from derivations._symbols import B, eta, gamma, lambda_j, rho, t
from derivations.kim2023_ext import Delta, k

from ._engine import Level, register_check
from ._kim_common import certificate, checked, elapsed, evaluate_measured
from ._kim_thm3_model import DPS, grid_delta, model_delta, model_kind
from ._kim_thm3_search import search_relation
from ._results import CheckResult, Counterexample, decide, undecided

__all__ = ["delta_measure", "printed_binding"]

#: Relative agreement that counts as equal at DPS = 40 digits (half the digits kept for cancellation).
EQ_RTOL = 1e-20


def delta_measure(claim: Claim, reading: str, lam: Any, e: Any):
    """``measure(Delta(k, gamma, rho, B)) -> value`` of the reading's model at ``lambda_j = lam``, ``eta = e``."""

    def measure(app: sp.Expr) -> Any:
        if app.func != Delta:
            return None
        kk, g, r, b = app.args
        if not (0 <= g < 1) or kk < 0 or b < 1 or 1 + r * lam == 0:
            return None  # outside the model's domain
        return model_delta(claim, reading, lam, e, kk, g, r, b)

    return measure


def printed_binding(claim: Claim) -> dict[sp.Basic, sp.Lambda]:
    """``{Delta: Lambda((k, gamma, rho, B), printed)}`` from the claim named in ``extras["printed"]``."""
    src = get_claim(claim.extras["printed"]).statement
    if not isinstance(src, Equation):
        raise TypeError(f"{claim.extras['printed']}: statement must be an Equation Delta = printed")
    kk, gg, rr, bb = sp.Dummy("k"), sp.Dummy("gamma"), sp.Dummy("rho"), sp.Dummy("B")
    body = src.rhs.subs({k: kk, gamma: gg, rho: rr, B: bb}, simultaneous=True)
    return {Delta: sp.Lambda((kk, gg, rr, bb), body)}


def _frac(x: Any) -> Fraction:
    return Fraction(str(x)) if not isinstance(x, (int, Fraction)) else Fraction(x)


# ============================================================================ kim2023.thm3


def _exact_gap(claim: Claim, reading: str, params: dict, claimed: Any, actual: Any) -> Any:
    """``claimed - actual`` as a closed form: an over-damped reading's Delta from its binding (not its 40-digit value)."""
    if model_kind(claim, reading)["kind"] == "discrete":
        return claimed - actual
    p = {key: sp.nsimplify(v) for key, v in params.items()}
    body = claim.derivation(reading).bindings[Delta](p["k"], p["gamma"], p["rho"], p["B"])
    return claimed - body.subs({lambda_j: p["lambda_j"], eta: p["eta"]})


def _equation_check(claim: Claim, reading: str) -> CheckResult:
    t0 = time.perf_counter()
    w = claim.extras["witnesses"]
    stmt = claim.statement
    if not isinstance(stmt, Equation):
        return undecided("exact", f"statement is a {type(stmt).__name__}, not the equation Delta = printed")
    rows, bad = [], []
    for lam, r, g, b, tt in w["points"]:
        errs = []
        for e in w["etas"]:
            n = int(sp.nsimplify(tt) / sp.nsimplify(e))
            pt = {lambda_j: lam, rho: r, eta: e, gamma: g, B: b, k: n}
            out = evaluate_measured(stmt, pt, delta_measure(claim, reading, sp.nsimplify(lam), sp.nsimplify(e)), rtol=EQ_RTOL)
            errs.append(None if out.discrepancy is None else float(out.discrepancy))
            if out.violated:
                bad.append(({"lambda_j": lam, "rho": r, "eta": e, "gamma": g, "B": b, "k": n}, out.claimed, out.actual))
        shrink = errs[-1] / errs[0] if errs[0] else None
        rows.append({"lambda_j": lam, "rho": r, "gamma": g, "B": b, "t": tt, "etas": list(w["etas"]), "relative_error": errs,
                     "ratio_over_the_eta_sweep": shrink})
    kind = model_kind(claim, reading)["kind"]
    what = "the exact discrete heavy-ball E w_k^2 (rational recursion)" if kind == "discrete" else "the over-damped limit (40 digits)"
    detail = (f"printed right side vs {what} at t = eta k: " + "; ".join(
        f"lambda={x['lambda_j']}, rho={x['rho']}, gamma={x['gamma']}, B={x['B']}, t={x['t']}: relative error "
        + ", ".join("?" if v is None else f"{v:.3g}" for v in x["relative_error"]) for x in rows)
        + " (eta halved twice: a ratio ~1/4 means an O(eta) approximation)")
    n = len(w["points"]) * len(w["etas"])
    return decide("exact", detail, quantity=f"(point, eta) pairs of {n} where printed != model (rtol {EQ_RTOL:g})",
                  value=len(bad), op="==", threshold=0, data={"rows": rows, "rtol": EQ_RTOL},
                  counterexample=lambda: Counterexample(*bad[0], note=f"claimed: the printed formula; actual: {what}",
                                                        exact=kind == "discrete", **certificate(_exact_gap(claim, reading, *bad[0]))),
                  elapsed=elapsed(t0))


def _reduction_check(claim: Claim) -> CheckResult:
    """Reading-free: the printed formula at gamma = 0 against the printed formula of ``extras["reduces_to"]``."""
    t0 = time.perf_counter()
    stmt, other = claim.statement, get_claim(claim.extras["reduces_to"]).statement
    if not isinstance(stmt, Equation) or not isinstance(other, Equation):
        return undecided("exact", "both statements must be equations with a printed right side", part="reduces_to_thm2")
    rows, worst, worst_pt, worst_gap = [], 0.0, None, sp.nan
    for lam, r, e, b, n in claim.extras["witnesses"]["reduction_points"]:
        pt = {lambda_j: lam, rho: r, eta: e, B: b, k: n, gamma: 0}
        mine = sp.N(stmt.rhs.subs(pt), DPS)
        theirs = sp.N(other.rhs.subs({t: eta * k}).subs(pt), DPS)
        rel = float(abs(mine - theirs) / max(abs(mine), abs(theirs)))
        rows.append({"point": {str(s): str(v) for s, v in pt.items()}, "thm3_at_gamma0": mine, "reduces_to": theirs, "rel": rel})
        if rel >= worst:
            worst, worst_pt = rel, rows[-1]
            worst_gap = stmt.rhs.subs(pt) - other.rhs.subs({t: eta * k}).subs(pt)  # exact: certified on failure
    diff = sp.simplify(stmt.rhs.subs(gamma, 0) - other.rhs.subs(t, eta * k))
    detail = (f"reading-free: printed right side at gamma = 0 minus the printed right side of {claim.extras['reduces_to']} "
              f"(t = eta k) simplifies to {diff}; max relative difference {worst:.3g} at the witness points")
    # context, not evidence: the two printed statements can disagree because Theorem 2's own printed
    # formula is wrong under a reading, which says nothing about Theorem 3 (its models decide that)
    detail += ("; a consistency check between two printed statements, not counted: the reading's own model "
               "decides the claim")
    return decide("exact", detail, quantity="max relative difference at gamma = 0", value=worst, op="<=", threshold=EQ_RTOL,
                  part="reduces_to_thm2", counts=False, data={"rows": rows, "difference": str(diff), "reading_free": True},
                  counterexample=lambda: Counterexample(worst_pt["point"], worst_pt["thm3_at_gamma0"], worst_pt["reduces_to"],
                                                        note=f"claimed: the printed formula at gamma = 0; actual: "
                                                             f"{claim.extras['reduces_to']}'s printed formula (reading-free)",
                                                        relative_violation=worst, **certificate(worst_gap)),
                  elapsed=elapsed(t0))


def _t0_check(claim: Claim, reading: str) -> CheckResult:
    """The printed formula as t = eta k -> 0+ against the model's Delta at t = 0 (w(0) = d: 0 for every model)."""
    t0 = time.perf_counter()
    stmt = claim.statement
    if not isinstance(stmt, Equation):
        return undecided("exact", "statement is not an equation with a printed right side", part="vanishes_at_t0")
    x = sp.Symbol("x", positive=True)
    rows, worst, worst_row = [], sp.Integer(0), None
    for lam, r, e, b, _ in claim.extras["witnesses"]["reduction_points"]:
        g = sp.Rational(1, 2)  # any momentum in [0, 1): the limit's value is what is compared
        expr = stmt.rhs.subs({lambda_j: lam, rho: r, eta: e, B: b, gamma: g}).subs(k, x)
        lim = sp.limit(expr, x, 0, "+")
        at0 = model_delta(claim, reading, lam, e, 0, g, r, b)
        gap = abs(sp.N(lim - at0, DPS))
        row = {"lambda_j": lam, "rho": r, "eta": e, "gamma": g, "B": b, "limit_printed": lim, "model_at_t0": at0, "gap": gap}
        rows.append(row)
        if gap >= worst:
            worst, worst_row = gap, row
    return decide("exact", f"lim_(t -> 0+) of the printed right side vs the {reading} model's Delta at t = 0 (w(0) = d): "
                  + "; ".join(f"{r_['limit_printed']} vs {r_['model_at_t0']}" for r_ in rows),
                  quantity="max |limit of printed - model at t = 0|", value=worst, op="<=", threshold=0,
                  part="vanishes_at_t0", data={"rows": rows},
                  counterexample=lambda: Counterexample({k_: worst_row[k_] for k_ in ("lambda_j", "rho", "eta", "gamma", "B")}
                                                        | {"t": "0+"}, worst_row["limit_printed"], worst_row["model_at_t0"],
                                                        note="claimed: lim t->0+ of the printed formula; actual: the variance "
                                                             "at t = 0", exact=True,
                                                        **certificate(worst_row["limit_printed"] - worst_row["model_at_t0"])),
                  elapsed=elapsed(t0))


@register_check("kim2023.thm3", methods=("exact",))
@checked
def thm3_checks(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
    """Theorem 3 against the reading's model (exact), its reduction to Theorem 2 and its t -> 0 limit."""
    return [_equation_check(claim, reading), _reduction_check(claim), _t0_check(claim, reading)]


# ============================================================================ monotonicity


def _grid_points(claim: Claim, level: Level) -> list[dict[str, Any]]:
    w = claim.extras["witnesses"]
    g = dict(w["grid"])
    if level.name == "full":
        g.update(w["full_grid"])
    keys = ("lambda_j", "rho", "eta", "gamma", "B", "k")
    return [dict(zip(keys, vals)) for vals in product(*(g[x] for x in keys))]


def _monotone_checks(claim: Claim, reading: str, level: Level) -> list[CheckResult]:
    stmt = claim.statement
    if not isinstance(stmt, Holds):
        return [undecided("exact", f"statement is a {type(stmt).__name__}, not a relation Holds(...)")]
    steps = {gamma: claim.extras["witnesses"]["steps"]["gamma"], rho: claim.extras["witnesses"]["steps"]["rho"]}
    pts = _grid_points(claim, level)
    model = search_relation(stmt, pts, steps,
                            grid=lambda p: grid_delta(claim, reading, p),
                            exact=lambda lam, e: delta_measure(claim, reading, lam, e),
                            what=f"Delta of the {reading} model", part="model")
    bound = stmt.bind(printed_binding(claim))
    printed = search_relation(bound, pts, steps, grid=None, exact=None, what="the printed Theorem 3 (reading-free)",
                              part="printed")
    return [model, printed]


@register_check("kim2023.thm3.gamma", methods=("exact",))
@checked
def thm3_gamma_checks(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
    """The claim's relation in gamma: the reading's Delta (exact grid) and the printed formula (40 digits)."""
    return _monotone_checks(claim, reading, level)


@register_check("kim2023.thm3.rho", methods=("exact",))
@checked
def thm3_rho_checks(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
    """The claim's relation in rho: the reading's Delta (exact grid) and the printed formula (40 digits)."""
    return _monotone_checks(claim, reading, level)


@register_check("kim2023.thm3.batch", methods=("exact",))
@checked
def thm3_batch_checks(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
    """The claim's relation in B: the reading's Delta (exact grid) and the printed formula (40 digits)."""
    return _monotone_checks(claim, reading, level)
