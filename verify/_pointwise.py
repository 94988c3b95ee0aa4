"""Evaluate a statement at one exact point: does it hold there, and what are both sides?

Shared by the precision and property checkers. Numbers come from mpmath at a stated working
precision; anything borderline (an equality case of an inequality) is settled in exact arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import mpmath
import sympy as sp

from derivations import AllOf, Asymptotic, Bounded, Equation, Holds, Implication, Statement

from ._budget import OutOfTime, within_budget

__all__ = ["PointOutcome", "evaluate_point", "to_number", "tolerance", "statement_symbols"]

Point = Mapping[sp.Symbol, sp.Expr]


def tolerance(dps: int) -> mpmath.mpf:
    """Relative tolerance at ``dps`` digits: half the digits are kept back for cancellation."""
    return mpmath.mpf(10) ** (-(dps // 2))


def to_number(x: Any) -> float | int | str | None:
    """A JSON-safe number: float where it fits, else a 15-digit string (e.g. '1.2e+900')."""
    if x is None:
        return None
    if isinstance(x, bool):
        return x
    if isinstance(x, int):
        return x
    try:
        if isinstance(x, sp.Basic):
            if x.is_Integer:
                return int(x)
            x = mpmath.mpf(sp.N(x, 30)) if x.is_real is not False else mpmath.mpc(complex(sp.N(x, 30)))
        if isinstance(x, mpmath.mpc):
            return mpmath.nstr(x, 15)
        f = float(x)
        if math.isfinite(f) and (f == 0 or 1e-300 < abs(f) < 1e300):
            return f
        return mpmath.nstr(mpmath.mpf(x), 15)
    except (TypeError, ValueError, OverflowError):
        return str(x)


@lru_cache(maxsize=4096)
def _compile(expr: sp.Expr, symbols: tuple[sp.Symbol, ...]):
    return sp.lambdify(symbols, expr, modules="mpmath")


def _eval(expr: sp.Expr, point: Point, dps: int) -> mpmath.mpf | None:
    syms = tuple(sorted(expr.free_symbols, key=lambda s: s.name))
    missing = [s for s in syms if s not in point]
    if missing:
        raise KeyError(f"no value for {missing}")
    f = _compile(expr, syms)
    with mpmath.workdps(dps):
        try:
            v = f(*[mpmath.mpf(sp.Rational(point[s]).p) / sp.Rational(point[s]).q for s in syms])
        except (ZeroDivisionError, ValueError, OverflowError):
            return None
        if isinstance(v, mpmath.mpc):
            if abs(v.imag) > tolerance(dps) * max(abs(v.real), 1):
                return None
            v = v.real
        v = mpmath.mpf(v)
        if mpmath.isnan(v):
            return None
        # +-inf is a value (a diverging model), not an undefined point: callers compare it
        return +v


@dataclass(frozen=True)
class PointOutcome:
    """What a statement does at one point.

    ``applicable`` is false when the point is outside the statement's scope (a false hypothesis,
    a side undefined there). ``violated`` is None when the point could not be decided.
    """

    applicable: bool
    violated: bool | None
    claimed: Any = None
    actual: Any = None
    note: str = ""
    exact: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    discrepancy: float | None = None


def statement_symbols(stmt: Statement) -> set[sp.Symbol]:
    """Every free symbol of the statement (conditions included)."""
    if isinstance(stmt, Implication):
        out: set[sp.Symbol] = set()
        for c in (stmt.hypothesis, stmt.conclusion):
            out |= c.expr.free_symbols - {c.variable} if isinstance(c, Bounded) else c.free_symbols
        return out
    if isinstance(stmt, Bounded):
        return stmt.expr.free_symbols - {stmt.variable}
    if isinstance(stmt, Asymptotic):
        # the small parameter is swept by the check itself, not sampled
        return (stmt.expr.free_symbols | stmt.leading.free_symbols | stmt.remainder.free_symbols) - {stmt.variable}
    if isinstance(stmt, AllOf):
        out = set()
        for _, s in stmt.parts:
            out |= statement_symbols(s)
        return out
    return stmt.free_symbols()


# -- the sign of lhs - rhs, settled exactly when borderline ------------------------------------------
def _sign(lhs: sp.Expr, rhs: sp.Expr, point: Point, dps: int) -> tuple[int | None, Any, Any, bool]:
    left, right = _eval(lhs, point, dps), _eval(rhs, point, dps)
    if left is None or right is None:
        return None, left, right, False
    if mpmath.isinf(left) or mpmath.isinf(right):
        # an infinite side (a diverging model) is compared as an extended real; inf - inf is undecided
        if left == right:
            return None, left, right, False
        return (1 if left > right else -1), left, right, False
    with mpmath.workdps(dps):
        gap = left - right
        scale = max(abs(left), abs(right))
        if abs(gap) > tolerance(dps) * scale:
            return (1 if gap > 0 else -1), left, right, False
    # Borderline: equal within the working precision. Decide exactly, or at much higher precision.
    diff = (lhs - rhs).subs(dict(point))
    try:
        zero = within_budget(lambda: sp.simplify(diff) == 0, 5.0)
    except OutOfTime:
        zero = False
    if zero:
        return 0, left, right, True
    hi = 4 * dps
    l2, r2 = _eval(lhs, point, hi), _eval(rhs, point, hi)
    if l2 is None or r2 is None:
        return None, left, right, False
    with mpmath.workdps(hi):
        g2 = l2 - r2
        if abs(g2) > tolerance(hi) * max(abs(l2), abs(r2)):
            return (1 if g2 > 0 else -1), l2, r2, False
    return None, left, right, False


_OPS = {
    ">": lambda s: s > 0,
    ">=": lambda s: s >= 0,
    "<": lambda s: s < 0,
    "<=": lambda s: s <= 0,
    "!=": lambda s: s != 0,
}


def _holds_at(rel: sp.Rel, point: Point, dps: int) -> tuple[bool | None, dict[str, Any], bool]:
    op = rel.rel_op
    if op not in _OPS:
        raise ValueError(f"relation {rel} has unsupported operator {op!r}")
    sign, left, right, exact = _sign(rel.lhs, rel.rhs, point, dps)
    info = {"lhs": to_number(left), "rhs": to_number(right)}
    if sign is None:
        return None, info, exact
    return bool(_OPS[op](sign)), info, exact or all(sp.sympify(v).is_Rational for v in point.values()) and (
        rel.lhs - rel.rhs
    ).subs(dict(point)).is_Rational is True


def _bounded_at(b: Bounded, point: Point, budget: float) -> tuple[bool | None, Any]:
    from ._cache import cached

    expr = b.expr.subs({s: v for s, v in point.items() if s != b.variable})
    try:
        lim = cached("limit", (expr, b.variable, b.point),
                     lambda: within_budget(lambda: sp.limit(expr, b.variable, b.point), budget))  # OutOfTime: not stored
    except OutOfTime:
        return None, "limit out of time"
    except (NotImplementedError, ValueError, TypeError):
        return None, "limit not computable"
    if lim in (sp.oo, -sp.oo, sp.zoo) or lim.has(sp.oo, -sp.oo, sp.zoo):
        return False, lim
    if isinstance(lim, sp.AccumBounds) or lim.is_finite:
        return True, lim
    return None, lim


def _condition_at(c: Any, point: Point, dps: int, budget: float) -> tuple[bool | None, Any, bool]:
    if isinstance(c, Bounded):
        ok, lim = _bounded_at(c, point, budget)
        return ok, {"limit": str(lim)}, ok is not None
    val = sp.sympify(c).subs(dict(point))
    if val in (sp.true, sp.false):
        return bool(val), {"value": str(val)}, True
    if isinstance(c, sp.core.relational.Relational):
        ok, info, exact = _holds_at(c, point, dps)
        return ok, info, exact
    if isinstance(c, (sp.And, sp.Or)):
        vals = [_condition_at(a, point, dps, budget) for a in c.args]
        oks = [v[0] for v in vals]
        if None in oks:
            return None, {}, False
        return (all(oks) if isinstance(c, sp.And) else any(oks)), {str(a): v[1] for a, v in zip(c.args, vals)}, all(v[2] for v in vals)
    return None, {"value": str(val)}, False


def _asymptotic_at(a: Asymptotic, point: Point, dps: int, inside: Callable[[Point], bool] | None = None) -> PointOutcome:
    x = a.variable
    ks = list(range(3, 13))  # x = 10^-3 .. 10^-12: nine decades show a power-law blow-up unambiguously
    if inside is not None:
        # a `where` that mentions x restricts the sweep to the part of the limit it allows
        ks = [k for k in ks if inside({**point, x: sp.Rational(1, 10**k)})]
        if len(ks) < 4 or ks[-1] != 12:
            return PointOutcome(False, None, note=f"the domain does not contain {x} = 1e-k down to 1e-12 here")
    work = max(dps, 4 * max(ks) + 30)  # the difference cancels ~2k digits at x = 10^-k
    ratios: list[tuple[int, mpmath.mpf]] = []
    for k in ks:
        p = {**point, x: sp.Rational(1, 10**k)}
        e, lead, rem = _eval(a.expr, p, work), _eval(a.leading, p, work), _eval(a.remainder, p, work)
        if e is None or lead is None or rem is None or rem == 0:
            return PointOutcome(True, None, note=f"undefined at {x}=1e-{k}")
        with mpmath.workdps(work):
            # a difference within the working precision's round-off of the values is exactly 0 here
            # (an identically equal stated part), not a growing remainder
            noise = mpmath.mpf(10) ** (-(work - 10)) * max(abs(e), abs(lead))
            diff = e - lead
            ratios.append((k, mpmath.mpf(0) if abs(diff) <= noise else abs(diff / rem)))
    with mpmath.workdps(work):
        logs = [(k, mpmath.log10(r) if r > 0 else mpmath.mpf(-work)) for k, r in ratios]
        # slope of log|r| against log(1/x) over the last three decades
        slope = (logs[-1][1] - logs[-4][1]) / (logs[-1][0] - logs[-4][0])
    k_last = ks[-1]
    p_last = {**point, x: sp.Rational(1, 10**k_last)}
    claimed = _eval(a.leading, p_last, work)
    actual = _eval(a.expr, p_last, work)
    data = {
        "ratio_(expr-leading)/remainder": {f"1e-{k}": to_number(r) for k, r in ratios},
        "growth_exponent": to_number(slope),
        x.name: f"1e-{k_last}",
    }
    if slope > 0.5:  # |r| grows at least like x^(-1/2): not bounded as x -> 0 (analytic: x^-1 or faster)
        return PointOutcome(True, True, to_number(claimed), to_number(actual),
                            note=(f"at {x} = 1e-{k_last}: claimed leading term vs actual value; "
                                  f"(expr - leading)/remainder grows like {x}^-{float(slope):.2f} as {x} -> 0"),
                            data=data)
    if abs(slope) < 0.1:
        return PointOutcome(True, False, to_number(claimed), to_number(actual), data=data)
    return PointOutcome(True, None, to_number(claimed), to_number(actual), note="growth undecided", data=data)


def evaluate_point(
    stmt: Statement, point: Point, *, dps: int = 50, budget: float = 10.0, label: str | None = None,
    validity: sp.Basic | None = None, inside: Callable[[Point], bool] | None = None,
) -> PointOutcome:
    """Evaluate ``stmt`` at ``point`` (exact values for every symbol) at ``dps`` digits.

    ``label`` is the printed statement's text, used as the ``claimed`` side of a sign claim.
    ``validity`` is the reading's validity region (:attr:`derivations.Derivation.validity`): at a
    point outside it an equation's model side is infinite, so a finite claim is violated there.
    ``inside`` (the domain's membership test) restricts an asymptotic claim's sweep of its small
    parameter to values the domain allows.
    """
    if validity is not None and validity is not sp.true:
        valid = sp.sympify(validity).subs(dict(point))
        if valid == sp.false and isinstance(stmt, (Equation, Asymptotic)):
            # outside the model's validity region the process diverges: its value is infinite
            side = stmt.rhs if isinstance(stmt, Equation) else stmt.leading
            claimed = _eval(side.subs(stmt.variable, sp.Rational(1, 1000)) if isinstance(stmt, Asymptotic) else side,
                            point, dps)
            if claimed is not None and mpmath.isfinite(claimed):
                return PointOutcome(True, True, claimed=to_number(claimed), actual="inf", exact=True,
                                    note=f"outside the model's validity region ({validity}): the model's process "
                                         "diverges there, so its value is infinite while the claim is finite",
                                    data={"validity": str(validity)})
    if isinstance(stmt, Equation):
        left, right = _eval(stmt.lhs, point, dps), _eval(stmt.rhs, point, dps)
        if left is None or right is None:
            return PointOutcome(False, None, note="a side is undefined here")
        if mpmath.isinf(left) or mpmath.isinf(right):
            bad = left != right
            return PointOutcome(True, bool(bad), claimed=to_number(right) if mpmath.isfinite(right) else str(right),
                                actual=to_number(left) if mpmath.isfinite(left) else str(left), exact=True,
                                discrepancy=math.inf if bad else 0.0,
                                note="one side is infinite here (the model diverges)" if bad else "")
        with mpmath.workdps(dps):
            scale = max(abs(left), abs(right))
            rel = abs(left - right) / scale if scale > 0 else mpmath.mpf(0)
            bad = rel > tolerance(dps)
        return PointOutcome(True, bool(bad), claimed=to_number(right), actual=to_number(left),
                            discrepancy=float(rel))
    if isinstance(stmt, Holds):
        ok, info, exact = _holds_at(stmt.relation, point, dps)
        if ok is None:
            return PointOutcome(False, None, note="could not evaluate here", data=info)
        return PointOutcome(True, not ok, claimed=label or str(stmt.relation), actual=info, exact=exact, data=info)
    if isinstance(stmt, Implication):
        hyp, hinfo, _ = _condition_at(stmt.hypothesis, point, dps, budget)
        if hyp is None:
            return PointOutcome(True, None, note="hypothesis undecided", data={"hypothesis": hinfo})
        if not hyp:
            return PointOutcome(False, None, note="hypothesis false: vacuous here")
        concl, cinfo, exact = _condition_at(stmt.conclusion, point, dps, budget)
        data = {"hypothesis": hinfo, "conclusion": cinfo}
        if concl is None:
            return PointOutcome(True, None, note="conclusion undecided", data=data)
        if label:
            concl_text = label
        elif isinstance(stmt.conclusion, Bounded):
            concl_text = f"hypothesis holds, so the expression stays bounded as {stmt.conclusion.variable} -> {stmt.conclusion.point}"
        else:
            concl_text = f"hypothesis holds, so {stmt.conclusion}"
        return PointOutcome(True, not concl, claimed=concl_text, actual=cinfo,
                            exact=exact, data=data)
    if isinstance(stmt, Bounded):
        ok, lim = _bounded_at(stmt, point, budget)
        return PointOutcome(ok is not None, None if ok is None else not ok, claimed="bounded",
                            actual=str(lim), exact=ok is not None)
    if isinstance(stmt, Asymptotic):
        return _asymptotic_at(stmt, point, dps, inside)
    raise TypeError(f"cannot evaluate a {type(stmt).__name__} pointwise")
