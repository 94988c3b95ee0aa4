"""How robustly a statement has its truth value at a witness: the relative margin of the relations that decide it.

A counterexample teaches most when its violation is large and survives a small move of the point.
:func:`margin` measures that, in the spirit of signal-temporal-logic robustness: a relation's
margin is its relative gap ``|lhs - rhs| / max(|lhs|, |rhs|)``; a limit of a sequence, or a bound on
one, is decided by the growth rate ``R`` of its leading term ``A R^k k^m``, with margin
``|R - 1| / max(R, 1)``; conjunctions take the smallest margin of what makes them true (the largest
of what makes them false), disjunctions the reverse, and a failing implication the smaller of its
true hypothesis' and false conclusion's.  Margin ``0`` is a boundary tie (the statement fails only
with equality: a multiplier exactly 1, a hypothesis met with equality); a positive margin means the
violation persists on a neighbourhood of the point (every quantity is continuous in it).  The
decisive relation's gap (``lhs - rhs``, or ``R - 1``) is kept, exact when the model is, for an enclosure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from derivations import AllOf, Bounded, Equation, Holds, Implication, Statement

from ._coh_eval import Model, Undecidable, _cond, _Ctx, evaluate

__all__ = ["Margin", "margin"]


@dataclass(frozen=True)
class Margin:
    """A relative margin (``0``: a boundary tie; ``inf``: nothing constrains), the decisive gap and what it measures."""

    value: float
    gap: Any = None
    what: str = ""


_FREE = Margin(math.inf)
_TIE = Margin(0.0, None, "undecided")


def _float(x: Any) -> float:
    return float(sp.N(x, 30)) if isinstance(x, sp.Basic) else float(x)


def _rate(ctx: _Ctx, f: sp.Basic, var: sp.Symbol) -> Margin:
    s = ctx.asym(f, var)
    R = sp.sympify(s.R if s.robust is None else s.robust).xreplace(ctx.rates)
    r = _float(R)
    return Margin(abs(r - 1.0) / max(r, 1.0), R - 1, f"growth rate of {f} minus 1")


def _relation(ctx: _Ctx, r: sp.Rel, truth: bool) -> Margin:
    lims = [a for a in sp.preorder_traversal(r) if isinstance(a, sp.Limit)]
    if lims:
        return _rate(ctx, lims[0].args[0], lims[0].args[1])
    if r.rel_op == "==" and truth:
        return _FREE  # an identity that holds constrains nothing
    a, b = ctx.num(r.lhs), ctx.num(r.rhs)
    fa, fb = _float(a), _float(b)
    scale = max(abs(fa), abs(fb))
    return Margin(abs(fa - fb) / scale if scale else 0.0, a - b, f"{r.lhs} - ({r.rhs})")


def _rob(ctx: _Ctx, c: Any) -> tuple[bool | None, Margin]:
    truth = _cond(ctx, c)
    if truth is None:
        return None, _TIE
    try:
        return truth, _rob_known(ctx, c, truth)
    except (Undecidable, TypeError, ValueError, ZeroDivisionError):
        return truth, _TIE


def _rob_known(ctx: _Ctx, c: Any, truth: bool) -> Margin:
    if isinstance(c, Bounded):
        return _rate(ctx, c.expr, c.variable)
    if c in (sp.true, sp.false, True, False) or isinstance(c, AppliedUndef):
        return _FREE
    syms = [s for s in c.free_symbols if s in ctx.forall and s not in ctx.point]
    if syms:
        s = syms[0]
        try:
            return _combine([_rob(ctx.bind(s, v), c) for v in ctx.model.forall(s)], conj=True, truth=truth)
        finally:
            ctx.point.pop(s, None)
    if isinstance(c, sp.Not):
        return _rob(ctx, c.args[0])[1]
    if isinstance(c, sp.Implies):
        return _rob_known(ctx, sp.Or(sp.Not(c.args[0]), c.args[1]), truth)
    if isinstance(c, (sp.And, sp.Or)):
        return _combine([_rob(ctx, a) for a in c.args], conj=isinstance(c, sp.And), truth=truth)
    if isinstance(c, sp.core.relational.Relational):
        return _relation(ctx, c, truth)
    return _TIE


def _combine(parts: list[tuple[bool | None, Margin]], *, conj: bool, truth: bool) -> Margin:
    """A conjunction (``conj``) or disjunction with truth ``truth``: the margins of the arguments that decide it."""
    if conj == truth:  # a true conjunction / false disjunction: every argument decides, the weakest counts
        return min((m for _, m in parts), key=lambda m: m.value, default=_FREE)
    deciding = [m for t, m in parts if t is (not conj)]  # a false conjunct / true disjunct: the strongest counts
    return max(deciding, key=lambda m: m.value, default=_TIE)


def margin(stmt: Statement, model: Model, point: Mapping[sp.Symbol, Any], *, forall: tuple[sp.Symbol, ...] = ()) -> Margin:
    """The relative margin of ``stmt``'s truth value at ``point`` (module doc); ``0`` where it is undecided."""
    ctx = _Ctx(model, point, forall)
    if isinstance(stmt, Implication):
        th, mh = _rob(ctx, stmt.hypothesis)
        if th is False:
            return mh
        tc, mc = _rob(ctx, stmt.conclusion)
        if tc is True:
            return mc
        return min(mh, mc, key=lambda m: m.value) if th is True and tc is False else _TIE
    if isinstance(stmt, Holds):
        return _rob(ctx, stmt.relation)[1]
    if isinstance(stmt, Equation):
        return _rob(ctx, sp.Eq(stmt.lhs, stmt.rhs, evaluate=False))[1]
    if isinstance(stmt, Bounded):
        return _rob(ctx, stmt)[1]
    if isinstance(stmt, AllOf):
        parts = [(margin(s, model, point, forall=forall), evaluate(s, model, point, forall=forall).truth) for _, s in stmt.parts]
        failing = [m for m, t in parts if t is False]
        return max(failing, key=lambda m: m.value) if failing else min((m for m, _ in parts), key=lambda m: m.value, default=_FREE)
    return _TIE

