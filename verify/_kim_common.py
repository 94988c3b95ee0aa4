"""Shared machinery of the Kim et al. checkers: evaluate a printed statement with measured placeholders.

A Kim et al. claim states a relation between printed formulas and *placeholders* (undefined SymPy
functions such as ``kappa(lambda_1)``, ``mu(lambda_2)``, ``Delta(k, gamma, rho, B)``, ``dist(k, rho)``)
that a model or a run gives a value. The checkers never type the printed side: they substitute the
values a method *measures* for the placeholders (an exact rate, a simulated contraction factor, an
exact second moment) into the claim's statement and evaluate what is printed there, at points of the
witness space declared with the claim. :func:`evaluate_measured` does that for one point.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from derivations import AllOf, Claim, Equation, Holds, Implication, Statement

from ._engine import Level
from ._results import CheckResult

__all__ = ["checked", "elapsed", "clean", "num", "parts_of", "applications", "PointResult", "evaluate_measured",
           "Measure", "MeasureUnavailable", "certificate"]

#: ``measure(application) -> value``: the value a method gives a placeholder application whose
#: arguments are numbers (``None``: the method cannot measure it at this point).
Measure = Callable[[sp.Expr], Any]


class MeasureUnavailable(Exception):
    """A placeholder the method cannot measure (no run for it, or not reached yet); the point is undecided."""


def clean(x: Any) -> Any:
    """A strictly JSON-ready copy: non-finite floats become strings ('nan', 'inf'), numpy / SymPy numbers Python ones."""
    if isinstance(x, dict):
        return {str(k): clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, sp.Integer):
        return int(x)
    if isinstance(x, sp.Basic) and x.is_number and x.is_real:
        x = float(x) if x.is_finite else (math.inf if x == sp.oo else -math.inf)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else str(float(x))
    if isinstance(x, sp.Basic):
        return str(x)
    return x


def checked(fn: Callable[..., list[CheckResult]]) -> Callable[..., list[CheckResult]]:
    """Wrap a registered check so its ``data`` and counterexamples are strict JSON (the report sets allow_nan=False)."""

    @functools.wraps(fn)
    def run(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
        out = []
        for r in fn(claim, reading, level, ss):
            cx = r.counterexample
            if cx is not None:
                cx = dataclasses.replace(cx, params=clean(dict(cx.params)), claimed=clean(cx.claimed), actual=clean(cx.actual))
            out.append(dataclasses.replace(r, data=clean(dict(r.data)), counterexample=cx))
        return out

    return run


def certificate(gap: Any, rel_op: str = "==") -> dict[str, Any]:
    """``{"certified", "why", "enclosure", "tie"}`` for a violation whose ``claimed - actual`` (or ``lhs - rhs``) is ``gap``.

    ``rel_op`` is what the claim needs of ``gap`` (``==``: zero; ``<``, ``>``, ...: its sign). Certified
    when ``gap`` is an exact closed form (no float) and ball / interval arithmetic
    (:func:`verify._certify.enclose`) excludes what the claim needs; an exact zero violating a strict
    relation is a boundary ``tie``.
    """
    from ._certify import enclose

    try:
        g = sp.sympify(gap)
    except (sp.SympifyError, TypeError):
        return {"certified": False, "why": "a side is not a closed form", "enclosure": None, "tie": False}
    if not g.is_number or g.has(sp.Float):
        return {"certified": False, "why": "a side was evaluated in floating point (40 digits), not kept as a closed form: "
                "no enclosure", "enclosure": None, "tie": False}
    if g == 0:
        tie = rel_op in ("<", ">")
        return {"certified": tie, "why": "" if tie else "claimed - actual is exactly 0: no violation to certify",
                "enclosure": {"lo": "0", "hi": "0", "excludes_zero": False, "backend": "exact rational arithmetic"}, "tie": tie}
    enc = enclose(g, {})
    if enc is None or not enc.excludes_zero:
        return {"certified": False, "why": "the enclosure did not exclude 0" if enc else "no rigorous counterpart of an "
                "operation in ball arithmetic", "enclosure": None if enc is None else enc.to_dict(), "tie": False}
    need = {"==": lambda s_: False, "<": lambda s_: s_ < 0, "<=": lambda s_: s_ < 0, ">": lambda s_: s_ > 0,
            ">=": lambda s_: s_ > 0}[rel_op]
    ok = not need(enc.sign)
    return {"certified": ok, "why": "" if ok else "the enclosure's sign agrees with the claim", "enclosure": enc.to_dict(),
            "tie": False}


def elapsed(t0: float) -> float:
    """Seconds since ``t0`` (``time.perf_counter``)."""
    return time.perf_counter() - t0


def num(x: Any) -> sp.Expr:
    """An exact SymPy number: Fractions and ints exactly, floats as Floats (infinities as ``oo``)."""
    if isinstance(x, sp.Basic):
        return x
    if isinstance(x, float):
        return sp.oo if x == math.inf else -sp.oo if x == -math.inf else sp.Float(x, 30)
    return sp.nsimplify(x) if not isinstance(x, int) else sp.Integer(x)


def parts_of(stmt: Statement) -> tuple[tuple[str | None, Statement], ...]:
    """The (name, statement) parts of a compound statement, or ``((None, stmt),)``."""
    return stmt.parts if isinstance(stmt, AllOf) else ((None, stmt),)


def applications(expr: Any, funcs: tuple[sp.FunctionClass, ...] | None = None) -> set[sp.Expr]:
    """The placeholder applications (undefined functions, optionally only ``funcs``) in ``expr``."""
    e = sp.sympify(expr)
    apps = e.atoms(AppliedUndef) if hasattr(e, "atoms") else set()
    return {a for a in apps if funcs is None or a.func in funcs}


@dataclass(frozen=True)
class PointResult:
    """A statement at one point with measured placeholders: ``applicable`` (hypothesis true), ``violated``.

    ``violated`` is None when a placeholder could not be measured. ``claimed``/``actual`` are the
    printed and the measured sides, ``discrepancy`` the relative gap of an equation.
    """

    applicable: bool
    violated: bool | None
    claimed: Any = None
    actual: Any = None
    discrepancy: float | None = None
    note: str = ""


def _substitute(expr: Any, point: Mapping[sp.Symbol, Any], measure: Measure, steps: Mapping[sp.Symbol, Any]) -> sp.Expr:
    """``expr`` at ``point`` with every placeholder application replaced by its measured value.

    A derivative ``Derivative(F(args), v)`` becomes the difference quotient over ``[v, v + h]``
    (``h = steps[v]``): by the mean value theorem it *is* the derivative at some point of that
    interval, so a relation violated by it is violated at a point of the domain. Only one derivative
    per expression is accepted (two would be taken at different points).
    """
    e = sp.sympify(expr)
    derivs = list(e.atoms(sp.Derivative))
    if len(derivs) > 1:
        raise MeasureUnavailable(f"{len(derivs)} different derivatives in {e}: the mean value theorem needs one")
    reps: dict[sp.Expr, sp.Expr] = {}
    for d in derivs:
        (var, order), = d.variable_count
        f = d.expr
        if order != 1 or not isinstance(f, AppliedUndef) or var not in steps:
            raise MeasureUnavailable(f"cannot measure {d}: need a first derivative of a placeholder with a step for {var}")
        h = num(steps[var])
        lo = f.subs(point)
        hi = f.subs({**point, var: point[var] + h})
        reps[d] = (num(_measured(hi, measure)) - num(_measured(lo, measure))) / h
    e = e.xreplace(reps)
    for app in applications(e):
        reps[app] = num(_measured(app.subs(point), measure))
    # a measured limit Limit(value, k, oo) is that value
    return e.xreplace(reps).subs(point).replace(lambda x: isinstance(x, sp.Limit), lambda x: x.doit())


def _measured(app: sp.Expr, measure: Measure) -> Any:
    v = measure(app)
    if v is None:
        raise MeasureUnavailable(f"no measured value for {app}")
    return v


def _truth(cond: Any) -> bool | None:
    c = sp.sympify(cond)
    if c in (sp.true, sp.false):
        return bool(c)
    if isinstance(c, sp.Not):
        inner = _truth(c.args[0])
        return None if inner is None else not inner
    if isinstance(c, (sp.And, sp.Or)):
        vals = [_truth(a) for a in c.args]
        if None in vals:
            return None
        return all(vals) if isinstance(c, sp.And) else any(vals)
    if isinstance(c, sp.core.relational.Relational):
        lhs, rhs = (x if not x.is_finite else sp.N(x, 40) for x in (sp.sympify(c.lhs), sp.sympify(c.rhs)))
        v = c.func(lhs, rhs)
        return bool(v) if v in (sp.true, sp.false) else None
    return None


def _real40(x: sp.Expr) -> sp.Expr:
    """``x`` at 40 digits, real when its imaginary part is round-off (a closed form through complex-conjugate roots)."""
    v = sp.N(x, 40)
    if v.has(sp.oo, -sp.oo, sp.zoo, sp.nan) or not v.is_number:
        return v
    re, im = v.as_real_imag()
    return re if abs(im) <= sp.Float("1e-30", 40) * max(1, abs(re)) else v


def _close(a: sp.Expr, b: sp.Expr, rtol: float, atol: float) -> tuple[bool, float]:
    a, b = _real40(a), _real40(b)
    if not (a.is_finite and b.is_finite):
        same = a == b
        return same, 0.0 if same else math.inf
    gap = abs(float(sp.N(a - b, 40)))
    scale = max(abs(float(sp.N(a, 40))), abs(float(sp.N(b, 40))))
    rel = gap / scale if scale > 0 else 0.0
    return gap <= atol + rtol * scale, rel


def evaluate_measured(
    stmt: Statement, point: Mapping[sp.Symbol, Any], measure: Measure, *, rtol: float = 0.0, atol: float = 0.0,
    steps: Mapping[sp.Symbol, Any] | None = None, entries: Callable[[sp.Expr], bool] | None = None,
) -> PointResult:
    """Evaluate ``stmt`` (Equation, Holds or Implication) at ``point`` with placeholders measured by ``measure``.

    Equations (scalar or matrix) hold within ``atol + rtol * scale`` entry by entry; infinite entries
    must be equal. ``entries`` selects which entries of an equation this method decides (default: all).
    """
    steps = steps or {}
    pt = {k: num(v) for k, v in point.items()}
    try:
        if isinstance(stmt, Equation):
            lhs, rhs = sp.sympify(stmt.lhs), sp.sympify(stmt.rhs)
            pairs = list(zip(lhs, rhs)) if isinstance(lhs, sp.MatrixBase) else [(lhs, rhs)]
            if isinstance(lhs, sp.MatrixBase) and getattr(rhs, "shape", None) != lhs.shape:
                return PointResult(True, True, claimed=str(rhs), actual=f"shape {lhs.shape}",
                                   note="the printed side does not have the measured side's shape")
            pairs = [(a, b) for a, b in pairs if entries is None or entries(a)]
            if not pairs:
                return PointResult(False, None, note="no entry of the equation is decided by this method")
            worst, bad, got, want = 0.0, False, [], []
            for a, b in pairs:
                av, bv = _substitute(a, pt, measure, steps), _substitute(b, pt, measure, steps)
                ok, rel = _close(av, bv, rtol, atol)
                got.append(av)
                want.append(bv)
                worst = max(worst, rel)
                bad = bad or not ok
            one = len(pairs) == 1
            return PointResult(True, bad, claimed=want[0] if one else want, actual=got[0] if one else got, discrepancy=worst)
        if isinstance(stmt, Holds):
            rel = stmt.relation
            lhs, rhs = _substitute(rel.lhs, pt, measure, steps), _substitute(rel.rhs, pt, measure, steps)
            ok = _truth(rel.func(lhs, rhs))
            if ok is None:
                return PointResult(True, None, note=f"could not decide {rel.func(lhs, rhs)}")
            return PointResult(True, not ok, claimed=str(rel), actual={"lhs": lhs, "rhs": rhs})
        if isinstance(stmt, Implication):
            hyp = _truth(_substitute(stmt.hypothesis, pt, measure, steps))
            if hyp is None:
                return PointResult(True, None, note="hypothesis undecided")
            if not hyp:
                return PointResult(False, None, note="hypothesis false: vacuous here")
            concl_expr = _substitute(stmt.conclusion, pt, measure, steps)
            concl = _truth(concl_expr)
            if concl is None:
                return PointResult(True, None, note="conclusion undecided")
            measured = {str(a): _measured(a.subs(pt), measure) for a in applications(stmt.conclusion)}
            return PointResult(True, not concl, claimed=f"{stmt.hypothesis} implies {stmt.conclusion}",
                               actual={"conclusion": str(concl_expr), **measured})
    except MeasureUnavailable as exc:
        return PointResult(True, None, note=str(exc))
    raise TypeError(f"cannot evaluate a {type(stmt).__name__} with measured placeholders")
