"""Counterexamples that teach: certified, ranked, with ties and persistence marked.

A violation found at an exact point is (1) *certified* where both sides are closed forms: ball
or interval arithmetic (:mod:`verify._certify`) or exact rational arithmetic excludes the claim
there; (2) marked a *tie* when it fails only with equality (a boundary case); (3) tested for
*persistence*: does it survive relative perturbations of 1% in each coordinate? Among several
violations the reported one is certified, not a tie, persisting, with the largest relative
violation, at the simplest values (:func:`verify._results._simplicity`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import sympy as sp

from derivations import Asymptotic, Bounded, Equation, Holds, Implication, Statement

from ._budget import OutOfTime, within_budget
from ._certify import enclose
from ._domain import Point, point_to_json
from ._pointwise import PointOutcome, evaluate_point
from ._results import Counterexample, _simplicity

__all__ = ["certify", "make_counterexample", "best_counterexample"]

_PERTURB = sp.Rational(1, 100)  # 1% relative: far above round-off, small enough to stay near the witness


def _exact_zero(e: sp.Expr) -> bool:
    try:
        return bool(within_budget(lambda: sp.simplify(e) == 0, 5.0))
    except OutOfTime:
        return False


def _relation_at(rel: sp.Rel, point: Point) -> tuple[bool | None, bool, dict | None]:
    """(truth of ``rel`` at ``point`` certified, equality tie, enclosure of lhs - rhs)."""
    gap = (rel.lhs - rel.rhs).subs(dict(point))
    if gap.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        return None, False, None
    if _exact_zero(gap):
        return rel.rel_op in (">=", "<=", "=="), True, {"lo": "0", "hi": "0", "excludes_zero": False,
                                                         "backend": "exact rational arithmetic"}
    enc = enclose(gap, {})
    if enc is None or not enc.excludes_zero:
        return None, False, None if enc is None else enc.to_dict()
    truth = {">": enc.sign > 0, ">=": enc.sign > 0, "<": enc.sign < 0, "<=": enc.sign < 0,
             "!=": True, "==": False}[rel.rel_op]
    return truth, False, enc.to_dict()


def _bounded_exact(b: Bounded, point: Point) -> tuple[bool | None, dict | None]:
    """Boundedness at ``point`` from SymPy's exact limit (exact symbolic arithmetic, no rounding)."""
    from ._pointwise import _bounded_at

    ok, lim = _bounded_at(b, point, 10.0)
    if ok is None:
        return None, None
    return ok, {"backend": "exact symbolic limit", "limit": str(lim)}


def _condition_at(cond: Any, point: Point) -> tuple[bool | None, bool, dict | None]:
    if isinstance(cond, Bounded):
        ok, enc = _bounded_exact(cond, point)
        return ok, False, enc
    c = sp.sympify(cond)
    v = c.subs(dict(point))
    if v in (sp.true, sp.false):
        return bool(v), False, {"backend": "exact rational arithmetic"}
    if isinstance(c, sp.core.relational.Relational):
        return _relation_at(c, point)
    if isinstance(c, (sp.And, sp.Or)):
        parts = [_condition_at(a, point) for a in c.args]
        truths = [p[0] for p in parts]
        tie = any(p[1] for p in parts)
        if isinstance(c, sp.And):
            if any(t is False for t in truths):
                return False, tie, None
            return (True if all(t is True for t in truths) else None), tie, None
        if any(t is True for t in truths):
            return True, tie, None
        return (False if all(t is False for t in truths) else None), tie, None
    return None, False, None


def certify(stmt: Statement, point: Point, outcome: PointOutcome) -> dict[str, Any]:
    """``{"certified", "why", "enclosure", "tie"}`` for a violation of ``stmt`` at ``point``."""
    if outcome.actual == "inf" or outcome.data.get("validity"):
        return {"certified": True, "why": "", "enclosure": {"backend": "exact rational arithmetic",
                                                             "validity": outcome.data.get("validity", "")},
                "tie": False}
    if isinstance(stmt, Equation):
        gap = (stmt.lhs - stmt.rhs).subs(dict(point))
        if gap.has(sp.oo, -sp.oo, sp.zoo):
            return {"certified": True, "why": "", "enclosure": {"backend": "exact: one side is infinite"}, "tie": False}
        enc = enclose(gap, {})
        if enc is not None and enc.excludes_zero:
            return {"certified": True, "why": "", "enclosure": enc.to_dict(), "tie": False}
        why = ("a side has no rigorous counterpart in ball arithmetic (special function or piecewise)"
               if enc is None else "the enclosure of claimed - actual did not exclude 0 at 1024 bits")
        return {"certified": False, "why": why, "enclosure": None if enc is None else enc.to_dict(), "tie": False}
    if isinstance(stmt, Holds):
        truth, tie, enc = _relation_at(stmt.relation, point)
        if truth is False:
            return {"certified": True, "why": "", "enclosure": enc, "tie": tie}
        return {"certified": False, "why": "the enclosure of lhs - rhs did not decide the relation", "enclosure": enc,
                "tie": tie}
    if isinstance(stmt, Bounded):
        ok, enc = _bounded_exact(stmt, point)
        if ok is False:
            return {"certified": True, "why": "", "enclosure": enc, "tie": False}
        return {"certified": False, "why": "the exact limit could not be computed", "enclosure": None, "tie": False}
    if isinstance(stmt, Implication):
        h, htie, _ = _condition_at(stmt.hypothesis, point)
        c, ctie, enc = _condition_at(stmt.conclusion, point)
        if h is True and c is False:
            return {"certified": True, "why": "", "enclosure": enc, "tie": ctie,
                    "hypothesis_on_boundary": htie}
        return {"certified": False, "why": "the hypothesis or the conclusion was not decided rigorously",
                "enclosure": enc, "tie": ctie}
    if isinstance(stmt, Asymptotic):
        return _certify_asymptotic(stmt, point)
    return {"certified": False, "why": f"no certificate for a {type(stmt).__name__}", "enclosure": None, "tie": False}


def _certify_asymptotic(stmt: Asymptotic, point: Point) -> dict[str, Any]:
    """``expr - stated = c x^k + ...`` with ``k`` below the remainder's order and ``c`` enclosed away from 0.

    Then ``(expr - stated)/remainder`` is unbounded as ``x -> 0``: the claim fails at this point. The
    series is exact (SymPy, the other parameters substituted as rationals); ``c`` is enclosed in balls.
    """
    from ._working_algebra import power_of

    x = stmt.variable
    no = {"certified": False, "why": "decided from the growth of (expr - stated part)/remainder over a sweep of the "
          "small parameter; the series coefficient could not be enclosed", "enclosure": None, "tie": False}
    p = power_of(stmt.remainder, x)
    if stmt.point != 0 or p is None or not p.is_integer:
        return no
    gap = (stmt.expr - stmt.leading).subs({s: v for s, v in point.items() if s != x})
    try:
        ser = within_budget(lambda: sp.expand(sp.series(gap, x, 0, int(p)).removeO()), 10.0)
    except (OutOfTime, NotImplementedError, ValueError, TypeError):
        return no
    for k in sorted({int(t.as_coeff_exponent(x)[1]) for t in sp.Add.make_args(ser) if t.has(x) or t != 0}):
        if k >= int(p):
            break
        c = ser.coeff(x, k) if k else ser.subs(x, 0)
        if _exact_zero(c):
            continue
        enc = enclose(c, {})
        if enc is not None and enc.excludes_zero:
            return {"certified": True, "why": "", "tie": False,
                    "enclosure": {**enc.to_dict(), "quantity": f"coefficient of {x}^{k} in expr - stated part, "
                                  f"below the remainder's order {x}^{int(p)}"}}
        return no
    return no


def _relative_violation(outcome: PointOutcome) -> float | None:
    if outcome.discrepancy is not None:
        return float(outcome.discrepancy)
    d = outcome.data or {}
    lhs, rhs = d.get("lhs"), d.get("rhs")
    if isinstance(lhs, (int, float)) and isinstance(rhs, (int, float)):
        scale = max(abs(lhs), abs(rhs))
        return abs(lhs - rhs) / scale if scale else 0.0
    return None


def _persists(stmt: Statement, point: Point, evaluate: Callable[[Point], PointOutcome],
              inside: Callable[[Point], bool], integer: Callable[[sp.Symbol], bool]) -> bool | None:
    """True if every perturbed point (1% per coordinate) inside the domain is violated too."""
    if isinstance(stmt, Bounded) or (isinstance(stmt, Implication) and any(
            isinstance(c, Bounded) for c in (stmt.hypothesis, stmt.conclusion))):
        return None  # an exact limit per evaluation: too costly to probe the neighbourhood
    seen = 0
    for s, v in point.items():
        if integer(s):
            continue
        for sign in (1, -1):
            step = abs(v) * _PERTURB if v != 0 else _PERTURB
            q = {**point, s: v + sign * step}
            if not inside(q):
                continue
            out = evaluate(q)
            if not out.applicable or out.violated is None:
                return False
            if not out.violated:
                return False
            seen += 1
    return True if seen else None


def make_counterexample(stmt: Statement, point: Point, outcome: PointOutcome, *, note: str = "",
                        persists: bool | None = None) -> Counterexample:
    """A certified counterexample from a confirmed violation at ``point``."""
    cert = certify(stmt, point, outcome)
    tie_note = "fails only with equality (a boundary tie)" if cert["tie"] else ""
    text = "; ".join(x for x in (outcome.note or note, tie_note) if x)
    return Counterexample(point_to_json(point), outcome.claimed, outcome.actual, note=text,
                          exact=outcome.exact or cert["certified"], certified=cert["certified"], why=cert["why"],
                          enclosure=cert["enclosure"], tie=cert["tie"], persists=persists,
                          relative_violation=_relative_violation(outcome))


def best_counterexample(
    stmt: Statement,
    violations: Sequence[tuple[Point, PointOutcome]],
    *,
    inside: Callable[[Point], bool],
    integer: Callable[[sp.Symbol], bool],
    validity: sp.Basic = sp.true,
    dps: int = 50,
    label: str | None = None,
    note: str = "",
    probe: int = 3,
) -> Counterexample:
    """Certify each violation, probe the most promising ``probe`` for persistence, return the best."""
    cands = [make_counterexample(stmt, p, o, note=note) for p, o in violations]
    order = sorted(range(len(cands)), key=lambda i: _simplicity(cands[i]))
    evaluate = lambda q: evaluate_point(stmt, q, dps=dps, label=label, validity=validity, inside=inside)  # noqa: E731
    for i in order[:probe]:
        p = violations[i][0]
        c = cands[i]
        cands[i] = replace(c, persists=_persists(stmt, p, evaluate, inside, integer))
    return min(cands, key=_simplicity)
