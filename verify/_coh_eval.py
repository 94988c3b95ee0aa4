"""Evaluate a claim's statement at one witness: three-valued truth from the model's numbers.

A statement of docs/catalogue.md mentions placeholders (``sigma``, ``lambda_max(H)``, ``E_w2(SGD, k)``,
``Tr_M(k)``, ...); a *model* gives their values at a witness (a family, a batch size, a step size).
This module substitutes them into the claim's own SymPy expressions and decides the statement:
``True``, ``False`` or ``None`` (undecided: a float tie, an unknown quantity).  Nothing printed by a
paper is typed here; the printed side is whatever the statement says.

Sequences in ``k`` (``E||w_k||^2``, the noise term ``N_k``) enter through their leading term
``A R^k k^m`` (:class:`Seq`), so ``Limit(., k, oo)`` and ``Bounded(., k)`` are decided from the exact
growth rates rather than from a finite run.  Float comparisons closer than :data:`TIE` (relative)
are ties: an inequality there is undecided (the caller may redo it in exact arithmetic), an
equation holds to that tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import sympy as sp
from sympy.core.function import AppliedUndef

from derivations import AllOf, Bounded, Equation, Holds, Implication, Statement

__all__ = ["POSITIVE", "TIE", "Seq", "Model", "Outcome", "Undecidable", "evaluate", "free_roots", "root_values",
           "condition_truth"]

#: Some finite positive number: a limit that exists, is finite and does not vanish (e.g. a stationary trace).
POSITIVE = sp.Dummy("L", positive=True, finite=True)
#: Relative width of a float tie: float64 eigen-solves on O(1) entries err by ~1e-14, so 1e-10 is far
#: above round-off and far below any genuine gap the searches report.
TIE = 1e-10


class Undecidable(Exception):
    """A quantity or comparison the numbers at hand cannot settle (a tie, an unknown placeholder)."""


@dataclass(frozen=True)
class Seq:
    """The leading term ``A R^k k^m`` of a positive sequence as ``k -> oo``.

    ``robust`` is the rate whose distance from 1 decides the sequence's class when ``R`` does not
    show it (a forced recursion settling at a constant, ``R = 1``, because its homogeneous rate is
    below 1); :mod:`verify._coh_margin` reads it.  ``None``: ``R`` itself.
    """

    A: Any
    R: Any
    m: int = 0
    robust: Any = None


class Model(Protocol):
    """What a witness gives: a value for every placeholder or symbol, and the leading term of every sequence."""

    exact: bool

    def value(self, obj: sp.Basic, point: Mapping[sp.Symbol, Any]) -> Any: ...

    def sequence(self, obj: sp.Basic, point: Mapping[sp.Symbol, Any]) -> Seq: ...

    def forall(self, sym: sp.Symbol) -> tuple[Any, ...]: ...


@dataclass
class Outcome:
    """The statement at one witness: its truth, the hypothesis' and conclusion's, and the values used."""

    truth: bool | None
    hypothesis: bool | None = None
    conclusion: bool | None = None
    values: dict[str, Any] = field(default_factory=dict)
    inexact: bool = False
    reason: str = ""


class _Ctx:
    """One evaluation: the model, the point, and a record of every value used."""

    def __init__(self, model: Model, point: Mapping[sp.Symbol, Any], forall: tuple[sp.Symbol, ...] = (),
                 tie: float = TIE) -> None:
        self.model, self.point, self.forall, self.tie = model, {s: sp.sympify(v) for s, v in point.items()}, forall, tie
        self.values: dict[str, Any] = {str(s): v for s, v in self.point.items()}
        # Float growth rates become symbols, so that a rate divided by itself cancels exactly (the same
        # eigenvalue reached by two sequences) instead of leaving a float 1 +- 1e-16 to compare.
        self.rates: dict[sp.Dummy, sp.Float] = {}
        self._rate_of: dict[float, sp.Dummy] = {}
        self.inexact = not model.exact or any(isinstance(v, sp.Float) for v in self.point.values())

    def bind(self, s: sp.Symbol, v: Any) -> "_Ctx":
        """This context with ``s = v`` (a forall symbol's current value)."""
        self.point[s] = v
        return self

    def leaf(self, e: sp.Basic) -> Any:
        if e in self.point:
            return self.point[e]
        try:
            v = sp.sympify(self.model.value(e, self.point))
        except KeyError as exc:
            raise Undecidable(f"the model gives no value for {e}") from exc
        self.values[str(e)] = v
        if isinstance(v, sp.Float):
            self.inexact = True
        return v

    def num(self, e: sp.Basic) -> Any:
        if e.is_Number or e in (sp.oo, -sp.oo, sp.zoo, POSITIVE) or isinstance(e, sp.NumberSymbol):
            return e
        if isinstance(e, sp.Limit):
            f, var, pt = e.args[0], e.args[1], e.args[2]
            if pt != sp.oo:
                raise Undecidable(f"limit point {pt} (only k -> oo is modelled)")
            return _limit(self.asym(f, var), self.rates)
        if isinstance(e, (sp.Symbol, AppliedUndef)):
            return self.leaf(e)
        if not e.args:
            return e
        return e.func(*[self.num(a) for a in e.args])

    def asym(self, f: sp.Basic, k: sp.Symbol) -> Seq:
        if not f.has(k):
            return Seq(self.num(f), sp.S.One, 0)
        if f == k:
            return Seq(sp.S.One, sp.S.One, 1)
        if isinstance(f, AppliedUndef):
            s = self.model.sequence(f, self.point)
            self.values[str(f)] = f"{s.A} * {s.R}^k * k^{s.m}"
            R = sp.sympify(s.R)
            if isinstance(R, sp.Float):
                self.inexact = True
                if float(R) not in self._rate_of:
                    self._rate_of[float(R)] = sp.Dummy("R", positive=True)
                    self.rates[self._rate_of[float(R)]] = R
                R = self._rate_of[float(R)]
            return Seq(sp.sympify(s.A), R, s.m, s.robust)
        if isinstance(f, sp.Mul):
            out = Seq(sp.S.One, sp.S.One, 0)
            for a in f.args:
                s = self.asym(a, k)
                out = Seq(out.A * s.A, out.R * s.R, out.m + s.m)
            return out
        if isinstance(f, sp.Pow):
            base, ex = f.args
            if ex.has(k):
                if base.has(k):
                    raise Undecidable(f"{f}: a power with k in base and exponent")
                a = ex.coeff(k)
                b = sp.expand(ex - a * k)
                if b.has(k):
                    raise Undecidable(f"{f}: exponent not linear in k")
                v = self.num(base)
                return Seq(v ** self.num(b), v ** self.num(a), 0)
            s, p = self.asym(base, k), self.num(ex)
            if not p.is_Integer and not (s.m == 0):
                raise Undecidable(f"{f}: non-integer power of k^m")
            return Seq(s.A**p, s.R**p, int(s.m * p))
        if isinstance(f, sp.Add):
            terms = [self.asym(a, k) for a in f.args]
            top = terms[0]
            tops = [top]
            for t in terms[1:]:
                c = _cmp_rate(t, top, self.rates)
                if c > 0:
                    top, tops = t, [t]
                elif c == 0:
                    tops.append(t)
            A = sp.Add(*[t.A for t in tops])
            if A == 0 or (A.is_number and abs(complex(sp.N(A))) <= TIE * max(abs(complex(sp.N(t.A))) for t in tops)):
                raise Undecidable(f"{f}: the leading terms cancel")
            return Seq(A, top.R, top.m)
        raise Undecidable(f"{f}: no asymptotic rule")


def _cmp(a: Any, b: Any, rates: Mapping[sp.Dummy, sp.Float] | None = None) -> int:
    """-1, 0 or 1; raises :class:`Undecidable` on a float tie that is not an identity.

    ``rates`` gives the values of rate symbols (see :class:`_Ctx`); they are substituted only after
    the symbolic comparison, so that identical rates compare equal exactly.
    """
    if a == b:
        return 0
    if rates:
        a, b = sp.sympify(a).xreplace(rates), sp.sympify(b).xreplace(rates)
        if a == b:
            return 0
    d = sp.sympify(a - b)
    if isinstance(a, sp.Float) or isinstance(b, sp.Float) or isinstance(d, sp.Float):
        fa, fb = float(a), float(b)
        if abs(fa - fb) <= TIE * max(abs(fa), abs(fb)):
            raise Undecidable(f"{a} and {b} agree to {TIE:g} relative: a float tie")
        return 1 if fa > fb else -1
    if d.is_positive:
        return 1
    if d.is_negative:
        return -1
    v = sp.N(d, 50)
    if v.is_Number and abs(v) > sp.Float(10) ** -40:
        return 1 if v > 0 else -1
    raise Undecidable(f"cannot order {a} and {b}")


def _cmp_rate(s: Seq, t: Seq, rates: Mapping[sp.Dummy, sp.Float]) -> int:
    c = _cmp(s.R, t.R, rates)
    return c if c else (s.m > t.m) - (s.m < t.m)


def _limit(s: Seq, rates: Mapping[sp.Dummy, sp.Float]) -> Any:
    c = _cmp(s.R, sp.S.One, rates)
    if c > 0 or (c == 0 and s.m > 0):
        sign = s.A.is_positive if hasattr(s.A, "is_positive") else None
        if sign is None:
            raise Undecidable(f"the sign of the leading coefficient {s.A}")
        return sp.oo if sign else -sp.oo
    if c < 0 or s.m < 0:
        return sp.S.Zero
    return s.A


def _bounded(s: Seq, rates: Mapping[sp.Dummy, sp.Float]) -> bool:
    c = _cmp(s.R, sp.S.One, rates)
    return c < 0 or (c == 0 and s.m <= 0)


@lru_cache(maxsize=1024)
def _compiled(r: sp.Rel) -> tuple[tuple[sp.Basic, ...], Any, Any]:
    """``(leaves, lhs(*values), rhs(*values))``: a relation lambdified over its placeholders and symbols."""
    leaves = tuple(sorted({a for a in sp.preorder_traversal(r) if isinstance(a, (sp.Symbol, AppliedUndef))}
                          - {x for a in r.atoms(AppliedUndef) for x in a.args}, key=str))
    dums = [sp.Dummy() for _ in leaves]
    rep = dict(zip(leaves, dums))
    return leaves, sp.lambdify(dums, r.lhs.xreplace(rep), "math"), sp.lambdify(dums, r.rhs.xreplace(rep), "math")


def _fast_relation(ctx: _Ctx, r: sp.Rel) -> bool | None | str:
    """The float path: the compiled relation at float values; ``"slow"`` when a value is not a plain float."""
    leaves, fl, fr = _compiled(r)
    vals = []
    for x in leaves:
        v = ctx.leaf(x)
        if not isinstance(v, (sp.Float, sp.Integer, sp.Rational)):
            return "slow"
        vals.append(float(v))
    try:
        a, b = float(fl(*vals)), float(fr(*vals))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return "slow"
    if not (math.isfinite(a) and math.isfinite(b)):
        return "slow"
    if abs(a - b) <= ctx.tie * max(abs(a), abs(b)):
        return {"==": True, "!=": False}.get(r.rel_op)  # an inequality at a float tie is undecided
    return {"==": False, "!=": True, ">": a > b, ">=": a > b, "<": a < b, "<=": a < b}[r.rel_op]


def _relation(ctx: _Ctx, r: sp.Rel) -> bool | None:
    if not ctx.model.exact and not r.has(sp.Limit):
        v = _fast_relation(ctx, r)
        if v != "slow":
            return v
    lhs, rhs = ctx.num(r.lhs), ctx.num(r.rhs)
    res = r.func(lhs, rhs)
    if isinstance(lhs, sp.AccumBounds) or isinstance(rhs, sp.AccumBounds):
        # an interval estimate (a confidence interval): decided only when the whole interval agrees
        return bool(res) if res in (sp.true, sp.false) else None
    floaty = any(isinstance(x, sp.Float) for x in sp.preorder_traversal(sp.Tuple(lhs, rhs)))
    special = any(x in (sp.oo, -sp.oo, POSITIVE, sp.zoo, sp.nan) for x in (lhs, rhs)) or lhs.has(POSITIVE) or rhs.has(POSITIVE)
    if special or not floaty:
        if res in (sp.true, sp.false):
            return bool(res)
        try:
            c = _cmp(lhs, rhs)
        except (Undecidable, TypeError):
            return None
        return {"==": c == 0, "!=": c != 0, ">": c > 0, ">=": c >= 0, "<": c < 0, "<=": c <= 0}[r.rel_op]
    try:
        a, b = complex(sp.N(lhs)), complex(sp.N(rhs))
    except TypeError:
        return None
    if abs(a.imag) > ctx.tie * max(1.0, abs(a.real)) or abs(b.imag) > ctx.tie * max(1.0, abs(b.real)):
        return None
    a, b = a.real, b.real
    if math.isnan(a) or math.isnan(b):
        return None
    if abs(a - b) <= ctx.tie * max(abs(a), abs(b)):
        return {"==": True, "!=": False}.get(r.rel_op)  # an inequality at a float tie is undecided
    return {"==": False, "!=": True, ">": a > b, ">=": a > b, "<": a < b, "<=": a < b}[r.rel_op]


def _and(vals: Any) -> bool | None:
    """Three-valued conjunction of an iterable (stops at the first ``False``)."""
    seen_none = False
    for v in vals:
        if v is False:
            return False
        seen_none |= v is None
    return None if seen_none else True


def _cond(ctx: _Ctx, c: Any) -> bool | None:
    if isinstance(c, Bounded):
        try:
            return _bounded(ctx.asym(c.expr, c.variable), ctx.rates)
        except Undecidable:
            return None
    if c in (sp.true, True):
        return True
    if c in (sp.false, False):
        return False
    syms = [s for s in c.free_symbols if s in ctx.forall and s not in ctx.point]
    if syms:
        s = syms[0]
        try:
            return _and(_cond(ctx.bind(s, v), c) for v in ctx.model.forall(s))
        finally:
            ctx.point.pop(s, None)
    if isinstance(c, sp.And):
        return _and(_cond(ctx, a) for a in c.args)
    if isinstance(c, sp.Or):
        vals = [_cond(ctx, a) for a in c.args]
        return True if any(v is True for v in vals) else (None if any(v is None for v in vals) else False)
    if isinstance(c, sp.Not):
        v = _cond(ctx, c.args[0])
        return None if v is None else not v
    if isinstance(c, sp.Implies):
        return _cond(ctx, sp.Or(sp.Not(c.args[0]), c.args[1]))
    if isinstance(c, sp.core.relational.Relational):
        try:
            return _relation(ctx, c)
        except Undecidable:
            return None
    if isinstance(c, AppliedUndef):  # a predicate placeholder (PSD(H_i), ...): the model says
        try:
            v = ctx.leaf(c)
        except Undecidable:
            return None
        return None if v not in (sp.true, sp.false, True, False) else bool(v)
    return None


def condition_truth(cond: Any, model: Model, point: Mapping[sp.Symbol, Any], *, forall: tuple[sp.Symbol, ...] = ()) -> bool | None:
    """The three-valued truth of one condition (a SymPy boolean or a :class:`Bounded`) at ``point``."""
    return _cond(_Ctx(model, point, forall), cond)


def evaluate(stmt: Statement, model: Model, point: Mapping[sp.Symbol, Any], *,
             forall: tuple[sp.Symbol, ...] = (), tie: float = TIE) -> Outcome:
    """The statement's truth at ``point`` under ``model`` (``None``: undecided there; see module doc).

    ``forall`` names symbols that range over ``model.forall(symbol)`` (a conjunction), e.g. the
    eigenvalues ``lambda_i`` of ``H`` in a hypothesis "for all i"; ``tie`` is the relative width
    within which two floats compare as equal (default :data:`TIE`; a caller whose model is less
    accurate, e.g. a numerical minimiser, passes its own, justified).
    """
    ctx = _Ctx(model, point, forall, tie)
    if isinstance(stmt, Implication):
        h = _cond(ctx, stmt.hypothesis)
        c = None if h is False else _cond(ctx, stmt.conclusion)
        truth = True if h is False or c is True else (False if (h is True and c is False) else None)
        out = Outcome(truth, h, c)
    elif isinstance(stmt, Holds):
        out = Outcome(_cond(ctx, stmt.relation))
    elif isinstance(stmt, Equation):
        out = Outcome(_cond(ctx, sp.Eq(stmt.lhs, stmt.rhs, evaluate=False)))
    elif isinstance(stmt, Bounded):
        out = Outcome(_cond(ctx, stmt))
    elif isinstance(stmt, AllOf):
        parts = {name: evaluate(s, model, point, forall=forall, tie=tie) for name, s in stmt.parts}
        out = Outcome(_and([p.truth for p in parts.values()]))
        out.values.update({f"{name}.truth": p.truth for name, p in parts.items()})
        for p in parts.values():
            ctx.values.update(p.values)
            ctx.inexact |= p.inexact
    else:
        return Outcome(None, reason=f"statement type {type(stmt).__name__} is not evaluated at witnesses")
    out.values.update(ctx.values)
    out.inexact = ctx.inexact
    return out


def _atoms(c: Any) -> list[sp.Rel]:
    if isinstance(c, Bounded) or not isinstance(c, sp.Basic):
        return []
    return [a for a in sp.preorder_traversal(c) if isinstance(a, sp.core.relational.Relational)]


@lru_cache(maxsize=256)
def _solve(gap: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, ...]:
    # Placeholders become plain symbols so that solve treats them as parameters.
    reps = {f: sp.Dummy(f.func.__name__) for f in gap.atoms(AppliedUndef)}
    back = {v: k for k, v in reps.items()}
    try:
        sols = sp.solve(gap.xreplace(reps), x)
    except (NotImplementedError, ValueError, TypeError):
        return ()
    return tuple(s.xreplace(back) for s in sols if not isinstance(s, dict))


def free_roots(stmt: Statement, x: sp.Symbol) -> tuple[sp.Expr, ...]:
    """The boundaries of the hypothesis' relations solved for ``x``, in the statement's own symbols.

    Only relations without a limit are solved; the roots are evaluated at each witness by
    :func:`root_values`.  A statement that is not an implication uses all of its relations.
    """
    cond = stmt.hypothesis if isinstance(stmt, Implication) else getattr(stmt, "relation", None)
    out: list[sp.Expr] = []
    for r in _atoms(cond):
        if r.has(sp.Limit) or not r.has(x):
            continue
        out += [s for s in _solve(sp.expand(r.lhs - r.rhs), x) if s not in out]
    return tuple(out)


def root_values(roots: tuple[sp.Expr, ...], model: Model, point: Mapping[sp.Symbol, Any], *,
                forall: tuple[sp.Symbol, ...] = ()) -> list[Any]:
    """Each root of :func:`free_roots` at the witness (one value per forall value); undecidable ones dropped."""
    out = []
    for r in roots:
        syms = [s for s in forall if r.has(s)]
        for rr in ([r.xreplace({syms[0]: v}) for v in model.forall(syms[0])] if syms else [r]):
            try:
                v = _Ctx(model, point).num(rr)
            except (Undecidable, TypeError, ZeroDivisionError):
                continue
            if v.is_real and v.is_finite:
                out.append(v)
    return out

