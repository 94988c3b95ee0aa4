"""What a working's lines mean: operators evaluated, matrices expanded, each step as scalar statements.

A step between scalar lines is one statement (``Equation`` for ``=``, ``Asymptotic`` for ``≈``,
``Holds`` for an inequality, ``Implication`` for ``=>``). Lines that are non-commutative
polynomials (matrix algebra) are equal iff every word has the same scalar coefficient, so such a
step is one statement per word; lines that evaluate to explicit matrices give one per entry. Also
here: the form of the previous line in the author's shape (``expected_next``) and the scaling
exponent of a line.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from derivations import Asymptotic, Equation, Holds, Implication, Statement
from derivations._working import Working, WorkingStep

__all__ = ["StepMeaning", "evaluate_line", "step_meaning", "expected_next", "line_exponent", "word_coefficients",
           "power_of"]

_REL = {"<=": sp.Le, "<": sp.Lt, ">=": sp.Ge, ">": sp.Gt}


# -- evaluation of operators and explicit matrices ---------------------------------------------------
def _is_matrix(v: Any) -> bool:
    return isinstance(v, sp.MatrixBase)


def _add(vals: list[Any]) -> Any:
    mats = [v for v in vals if _is_matrix(v)]
    if not mats:
        return sp.Add(*vals)
    n = mats[0].rows
    out = sp.zeros(n, n)
    for v in vals:
        out += v if _is_matrix(v) else v * sp.eye(n)
    return sp.ImmutableMatrix(out)


def _mul(vals: list[Any]) -> Any:
    if not any(_is_matrix(v) for v in vals):
        return sp.Mul(*vals)
    out: Any = sp.S.One
    for v in vals:
        out = out * v
    return sp.ImmutableMatrix(out) if _is_matrix(out) else out


def evaluate_line(expr: sp.Basic, working: Working) -> Any:
    """The line's value: operators applied (innermost first), non-commutative symbols replaced by
    the working's explicit matrices where it declares them. Scalars stay as written."""
    rules, mats = working.operator_rules, working.matrix_models
    if not expr.atoms(AppliedUndef) and not (set(mats) & expr.free_symbols):
        return expr

    def ev(e: sp.Basic) -> Any:
        if e in mats:
            return mats[e]
        if isinstance(e, AppliedUndef) and e.func in rules:
            return rules[e.func](*[ev(a) for a in e.args])
        if not e.args:
            return e
        args = [ev(a) for a in e.args]
        if isinstance(e, sp.Add):
            return _add(args)
        if isinstance(e, sp.Mul):
            return _mul(args)
        if isinstance(e, sp.Pow) and _is_matrix(args[0]):
            return sp.ImmutableMatrix(args[0] ** args[1])
        if any(_is_matrix(a) for a in args):
            raise ValueError(f"{e.func} cannot take a matrix argument (in {e})")
        return e.func(*args)

    return ev(expr)


# -- non-commutative polynomials ------------------------------------------------------------------
def word_coefficients(expr: sp.Expr) -> dict[sp.Expr, sp.Expr]:
    """The scalar coefficient of each non-commutative word of an expanded polynomial (``{word: c}``)."""
    out: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(expr)):
        c, nc = term.args_cnc()
        word = sp.Mul(*nc) if nc else sp.S.One
        out[word] = out.get(word, sp.S.Zero) + sp.Mul(*c)
    return {w: c for w, c in out.items() if sp.expand(c) != 0}


def _is_noncommutative(v: Any) -> bool:
    return isinstance(v, sp.Basic) and not _is_matrix(v) and v.is_commutative is False


def power_of(expr: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    """``k`` when ``expr = c * x**k`` with ``c`` free of ``x``; None otherwise."""
    coeff, dep = sp.powsimp(sp.expand_power_base(sp.sympify(expr), force=True)).as_independent(x, as_Add=False)
    if dep == 1:
        return sp.S.Zero
    if dep == x:
        return sp.S.One
    if isinstance(dep, sp.Pow) and dep.base == x and dep.exp.is_number:
        return dep.exp
    return None


# -- a step as statements ------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepMeaning:
    """A step made concrete: named scalar statements that must all hold, and both sides' values.

    ``before`` is the previous line's value after the step's substitutions; ``after`` the later
    line's. ``problem`` is set (and ``parts`` empty) when the step cannot be checked as written.
    """

    kind: str
    parts: tuple[tuple[str | None, Statement], ...]
    before: Any
    after: Any
    remainder: sp.Expr | None = None
    problem: str = ""


def _substituted(step: WorkingStep) -> sp.Basic:
    j = step.justification
    expr = step.before.expr
    if j is not None and j.substitutions:
        expr = expr.subs(dict(j.substitutions), simultaneous=True)
    return expr


def _scalar_statement(kind: str, a: sp.Basic, b: sp.Basic, step: WorkingStep, working: Working) -> Statement:
    if kind == "equation":
        return Equation(a, b)
    if kind == "asymptotic":
        return Asymptotic(a, b, step.remainder, working.variable, working.point)
    if kind == "inequality":
        return Holds(_REL[step.relation](a, b, evaluate=False))  # keep 2x - 1 < 2x a relation, not True
    return Implication(a, b)


def step_meaning(working: Working, step: WorkingStep) -> StepMeaning:
    """The statements that step ``step`` asserts (see the module docstring)."""
    if step.relation in ("=", "≈"):
        kind = "asymptotic" if step.remainder is not None else "equation"
    elif step.relation == "=>":
        kind = "implication"
    else:
        kind = "inequality"
    try:
        a = evaluate_line(_substituted(step), working)
        b = evaluate_line(step.after.expr, working)
    except (ValueError, TypeError, NotImplementedError) as exc:
        return StepMeaning(kind, (), None, None, step.remainder, problem=f"a line could not be evaluated: {exc}")
    if step.remainder is not None and step.before.order is not None:
        p_a, p_b = power_of(step.before.order, working.variable), power_of(step.remainder, working.variable)
        if p_a is not None and p_b is not None and (p_a - p_b).is_negative:
            return StepMeaning(kind, (), a, b, step.remainder,
                               problem=f"line {step.index} is known only up to O({step.before.order}), coarser than the "
                                       f"O({step.remainder}) line {step.index + 1} claims")
    if _is_matrix(a) or _is_matrix(b):
        if not (_is_matrix(a) and _is_matrix(b)) or a.shape != b.shape:
            return StepMeaning(kind, (), a, b, step.remainder, problem="one side is a matrix and the other is not "
                               "(or their shapes differ)")
        if kind not in ("equation", "asymptotic"):
            return StepMeaning(kind, (), a, b, step.remainder, problem=f"'{step.relation}' between matrices is not defined")
        parts, seen = [], set()
        for i in range(a.rows):
            for j in range(a.cols):
                key = (a[i, j], b[i, j])
                if key in seen:
                    continue
                seen.add(key)
                parts.append((f"entry ({i + 1},{j + 1})", _scalar_statement(kind, a[i, j], b[i, j], step, working)))
        return StepMeaning(kind, tuple(parts), a, b, step.remainder)
    if _is_noncommutative(a) or _is_noncommutative(b):
        if kind not in ("equation", "asymptotic"):
            return StepMeaning(kind, (), a, b, step.remainder, problem=f"'{step.relation}' between matrix polynomials is "
                               "not defined")
        ca, cb = word_coefficients(a), word_coefficients(b)
        words = sorted(set(ca) | set(cb), key=lambda w: (len(sp.Mul.make_args(w)), sp.default_sort_key(w)))
        parts = [(f"coefficient of {w}", _scalar_statement(kind, ca.get(w, sp.S.Zero), cb.get(w, sp.S.Zero), step, working))
                 for w in words]
        return StepMeaning(kind, tuple(parts), a, b, step.remainder)
    return StepMeaning(kind, ((None, _scalar_statement(kind, a, b, step, working)),), a, b, step.remainder)


# -- what the previous line equals, in the author's shape -------------------------------------------
def _shape_score(candidate: sp.Basic, target: sp.Basic) -> tuple[int, int, float]:
    """How much ``candidate`` reads like ``target``: same kind of top node (a sum, a product, a
    power), then as many top-level terms, then textual similarity."""
    same_head = int(type(candidate) is type(target))
    nargs = -abs(len(candidate.args) - len(target.args))
    return same_head, nargs, difflib.SequenceMatcher(None, sp.sstr(candidate), sp.sstr(target), autojunk=False).ratio()


def _forms(e: sp.Expr, x: sp.Symbol | None) -> list[sp.Expr]:
    out = [e]
    for f in (sp.expand, sp.factor, sp.simplify, sp.cancel, sp.together):
        try:
            out.append(f(e))
        except (sp.PolynomialError, NotImplementedError, TypeError):
            continue
    if x is not None:
        out.append(sp.collect(sp.expand(e), x))
        out.append(sp.collect(sp.expand(e), x, sp.factor))
    return out


def _in_shape_of(e: sp.Expr, target: sp.Expr, x: sp.Symbol | None) -> sp.Expr:
    return max(_forms(e, x), key=lambda f: (*_shape_score(f, target), -sp.count_ops(f)))


def _series_terms(e: sp.Expr, x: sp.Symbol, point: sp.Expr, p: int) -> dict[int, sp.Expr]:
    """``{k: c_k}`` with ``e = sum_k c_k (x - point)^k + O((x - point)^p)`` (non-zero ``c_k`` only)."""
    u = sp.Dummy("u")
    ser = sp.expand(sp.series(sp.sympify(e).subs(x, point + u), u, 0, p).removeO())
    out: dict[int, sp.Expr] = {}
    for term in sp.Add.make_args(ser):
        k = power_of(term, u)
        if k is None or not k.is_integer:
            raise ValueError(f"the series has a term {term} that is not an integer power of {x} - {point}")
        out[int(k)] = out.get(int(k), sp.S.Zero) + term / u**k
    return {k: sp.simplify(c) for k, c in out.items() if sp.simplify(c) != 0}


def expected_next(working: Working, step: WorkingStep, meaning: StepMeaning, budget_s: float = 20.0) -> dict[str, Any] | None:
    """What the previous line actually equals, written like the next line (None where undefined).

    For ``=`` (and inequalities): the previous line after the step's substitutions, in whichever
    of its expanded / factored / simplified / collected forms reads most like the next line. For
    ``≈``: the correct series terms below the stated remainder, each coefficient in the shape of
    the author's coefficient of the same power. ``missing`` is what the next line lacks
    (previous minus next, to the stated order).
    """
    from ._budget import OutOfTime, within_budget

    if meaning.problem or meaning.kind == "implication":
        return None
    a, b = meaning.before, meaning.after
    x = working.variable
    try:
        return within_budget(lambda: _expected(a, b, meaning, working, x), budget_s)
    except OutOfTime:
        return None
    except (NotImplementedError, ValueError, TypeError, sp.PolynomialError):
        return None


def _expected(a: Any, b: Any, meaning: StepMeaning, working: Working, x: sp.Symbol | None) -> dict[str, Any]:
    if _is_matrix(a):
        best = sp.ImmutableMatrix(a.rows, a.cols, [_in_shape_of(a[i], b[i], x) for i in range(len(a))])
        missing = sp.ImmutableMatrix((a - b).applyfunc(sp.simplify))
        return _pack(best, missing, None, working)
    if _is_noncommutative(a) or _is_noncommutative(b):
        ca, cb = word_coefficients(a), word_coefficients(b)
        best = sp.Add(*[_in_shape_of(c, cb.get(w, c), x) * w for w, c in ca.items()])
        miss = sp.Add(*[sp.factor(ca.get(w, 0) - cb.get(w, 0)) * w for w in set(ca) | set(cb)
                        if sp.simplify(ca.get(w, 0) - cb.get(w, 0)) != 0])
        return _pack(best, miss, None, working)
    if meaning.kind == "asymptotic":
        p = power_of(meaning.remainder, x)
        if p is None or not p.is_integer:
            return _pack(_in_shape_of(a, b, x), None, meaning.remainder, working)
        p = int(p)
        xs = x - working.point
        actual = _series_terms(a, x, working.point, p)
        stated = _series_terms(b, x, working.point, p) if b.has(x) or b != 0 else {}
        best = sp.Add(*[_in_shape_of(c, stated.get(k, c), x) * xs**k for k, c in sorted(actual.items())])
        miss = sp.Add(*[sp.factor(actual.get(k, 0) - stated.get(k, 0)) * xs**k for k in set(actual) | set(stated)
                        if sp.simplify(actual.get(k, 0) - stated.get(k, 0)) != 0])
        return _pack(best, miss, meaning.remainder, working)
    best = _in_shape_of(a, b, x)
    miss = sp.simplify(a - b) if meaning.kind == "equation" else None
    return _pack(best, miss, None, working)


def _pack(best: Any, missing: Any, remainder: sp.Expr | None, working: Working) -> dict[str, Any]:
    latex = working.latex_of
    if missing is not None and (missing == 0 or (_is_matrix(missing) and all(e == 0 for e in missing))):
        missing = None
    tex = latex(best) + (r" + \mathcal{O}\left(" + latex(remainder) + r"\right)" if remainder is not None else "")
    text = sp.sstr(best) + (f" + O({sp.sstr(remainder)})" if remainder is not None else "")
    out: dict[str, Any] = {"latex": tex, "text": text}
    if missing is not None:
        out["missing_latex"] = latex(missing)
        out["missing_text"] = sp.sstr(missing)
    return out


# -- scaling -------------------------------------------------------------------------------------------
def line_exponent(scaling: Any, value: Any) -> tuple[sp.Rational | None, str]:
    """The power of ``c`` a line's value picks up under ``scaling``, with a note.

    ``nan`` (with the reason) when the line is not homogeneous: it adds or compares quantities that
    scale differently, which breaks the scaling as surely as a wrong exponent. None when undecidable.

    A condition (an ``=>`` line) is homogeneous when both sides of each relation scale alike; its
    exponent is then 0 (a condition has no units). A matrix polynomial's exponent is that of every
    word (its coefficient's plus the word's symbols'), which must agree.
    """
    if isinstance(value, sp.core.relational.Relational) or isinstance(value, (sp.And, sp.Or)):
        rels = [value] if isinstance(value, sp.core.relational.Relational) else list(value.args)
        for r in rels:
            if not isinstance(r, sp.core.relational.Relational):
                return None, f"{r} is not a relation"
            kl, kr = _expo(scaling, r.lhs), _expo(scaling, r.rhs)
            if r.lhs == 0 or r.rhs == 0:
                continue
            if kl is None or kr is None:
                return sp.nan, f"not homogeneous: a side of {r} has no single power of c"
            if kl != kr:
                return sp.nan, f"{r} compares a c^{kl} quantity with a c^{kr} one"
        return sp.S.Zero, ""
    if _is_matrix(value):
        ks = {_expo(scaling, e) for e in value if e != 0}
        if not ks:
            return None, "the zero matrix has every exponent"
        return (ks.pop(), "") if len(ks) == 1 and None not in ks else (sp.nan, "not homogeneous: its entries scale differently")
    if _is_noncommutative(value):
        ks = set()
        for w, c in word_coefficients(value).items():
            kw = sum((scaling.exponents.get(f.as_base_exp()[0], 0) * f.as_base_exp()[1] for f in sp.Mul.make_args(w)),
                     sp.S.Zero)
            kc = _expo(scaling, c)
            ks.add(None if kc is None else kc + kw)
        if not ks:
            return None, "zero has every exponent"
        return (ks.pop(), "") if len(ks) == 1 and None not in ks else (sp.nan, "not homogeneous: its words scale differently")
    k = _expo(scaling, value)
    return (k, "") if k is not None else (sp.nan, "not homogeneous: its terms scale with different powers of c")


def _expo(scaling: Any, e: sp.Expr) -> sp.Rational | None:
    e = sp.sympify(e)
    if e == 0:
        return None
    try:
        return scaling.exponent(e)
    except (TypeError, ValueError, NotImplementedError):
        return None
