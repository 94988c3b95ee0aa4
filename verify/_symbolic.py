"""Symbolic checks: identities by simplification, signs under assumptions, series for asymptotics.

Every SymPy call runs under a time budget; running out of time is ``inconclusive``, never a pass.
A ``pass`` here is a proof on the whole (refined) domain; a ``fail`` carries a witness point where
the claim is false, evaluated exactly or at high precision.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import mpmath
import sympy as sp

from derivations import Asymptotic, Bounded, Equation, Holds, Implication, Statement, latex, ou_parameters

from ._budget import OutOfTime, within_budget
from ._domain import Domain, point_to_json
from ._pointwise import evaluate_point, statement_symbols, to_number
from ._results import CheckResult, Counterexample

__all__ = ["symbolic_check", "explain_ou"]

_SIGN_TESTS: dict[str, Callable[[sp.Expr], bool | None]] = {
    ">": lambda e: e.is_positive,
    ">=": lambda e: e.is_nonnegative,
    "<": lambda e: e.is_negative,
    "<=": lambda e: e.is_nonpositive,
    "!=": lambda e: e.is_nonzero,
}
_SIGN_REFUTES: dict[str, Callable[[sp.Expr], bool | None]] = {
    ">": lambda e: e.is_nonpositive,
    ">=": lambda e: e.is_negative,
    "<": lambda e: e.is_nonnegative,
    "<=": lambda e: e.is_positive,
    "!=": lambda e: e.is_zero,
}


def _exp_minus_one(e: sp.Expr) -> sp.Expr:
    """Replace each ``exp(u) - 1`` by ``u * p`` with a fresh positive symbol ``p``.

    Sound for sign inference: ``exp(u) - 1 = u * (exp(u) - 1)/u`` and the second factor is > 0 for
    every real ``u`` (it is ``int_0^1 exp(s u) ds``). SymPy's assumptions cannot see this itself.
    """
    def is_target(a: sp.Basic) -> bool:
        if not isinstance(a, sp.Add) or len(a.args) != 2:
            return False
        terms = set(a.args)
        return any(isinstance(x, sp.exp) for x in terms) and (sp.S.NegativeOne in terms or sp.S.One in terms)

    def repl(a: sp.Add) -> sp.Expr:
        (ex,) = [x for x in a.args if isinstance(x, sp.exp)]
        const = [x for x in a.args if x.is_Number][0]
        p = sp.Dummy("phi", positive=True)
        u = ex.args[0]
        return u * p if const == -1 else p  # exp(u) + 1 is simply positive

    return e.replace(is_target, repl)


def _forms(e: sp.Expr) -> list[sp.Expr]:
    """The expression in a few normal forms SymPy's sign inference does well on."""
    out = [e]
    s = sp.simplify(e)
    out += [s, sp.factor(s), sp.factor(sp.together(sp.expand(e)))]
    out += [_exp_minus_one(sp.factor(f)) for f in out[1:]]
    return out


def _monotone_from_zero(gap: sp.Expr, op: str, budget: float) -> tuple[sp.Symbol, sp.Expr] | None:
    """Prove ``gap op 0`` as ``gap -> 0`` when a positive symbol ``x -> 0+`` and ``d gap/dx op 0``.

    If the gap vanishes at the left end of ``x > 0`` and its derivative has the relation's sign on
    the whole domain, the gap itself has that sign for every ``x > 0`` (fundamental theorem of
    calculus); strict derivative signs give strict gaps.
    """
    den = sp.denom(sp.together(gap))
    for x in sorted(gap.free_symbols, key=lambda s: s.name):
        if not x.is_positive:
            continue
        # the argument needs gap continuous on x > 0: allow x in denominators only inside exp()
        factors = sp.Mul.make_args(sp.factor(den))
        if any(f.has(x) and not isinstance(sp.powsimp(f), sp.exp) and not (isinstance(f, sp.Pow) and isinstance(f.base, sp.exp))
               for f in factors):
            continue
        try:
            at_zero = within_budget(lambda: sp.limit(gap, x, 0, "+"), budget)
        except (NotImplementedError, ValueError, TypeError):
            continue
        if at_zero != 0:
            continue
        d = sp.diff(gap, x)
        verdict, form = _sign_proof(d, op)
        if verdict is True:
            return x, form
    return None


def _sign_proof(gap: sp.Expr, op: str) -> tuple[bool | None, sp.Expr]:
    """True if ``gap op 0`` is proved under the symbols' assumptions, False if refuted everywhere."""
    last = gap
    for f in _forms(gap):
        last = f
        if _SIGN_TESTS[op](f) is True:
            return True, f
        if _SIGN_REFUTES[op](f) is True:
            return False, f
    return None, last


def _relations(c: sp.Basic) -> list[sp.Rel] | None:
    if isinstance(c, sp.core.relational.Relational):
        return [c]
    if isinstance(c, sp.And) and all(isinstance(a, sp.core.relational.Relational) for a in c.args):
        return list(c.args)
    return None


def _isolate(hyp: sp.Rel, prefer: set[sp.Symbol]) -> tuple[sp.Symbol, sp.Expr, str] | None:
    """Rewrite a hypothesis ``g(x) op 0`` linear in one symbol as ``x op' bound``."""
    gap = sp.expand(hyp.lhs - hyp.rhs)
    op = hyp.rel_op
    if op not in (">", ">=", "<", "<="):
        return None
    for x in sorted(gap.free_symbols, key=lambda s: (s not in prefer, s.name)):
        poly = sp.Poly(gap, x) if gap.is_polynomial(x) else None
        if poly is None or poly.degree() != 1:
            continue
        c1, c0 = poly.all_coeffs()
        if c1.is_positive:
            return x, sp.simplify(-c0 / c1), op
        if c1.is_negative:
            flip = {">": "<", ">=": "<=", "<": ">", "<=": ">="}[op]
            return x, sp.simplify(-c0 / c1), flip
    return None


def explain_ou(derived: sp.Expr, printed: sp.Expr, t: sp.Symbol) -> tuple[str, dict[str, str]]:
    """Read the drift rate and diffusion an OU variance formula implies, for printed and derived."""
    try:
        dp = within_budget(lambda: ou_parameters(derived, t), 20.0)
        pp = within_budget(lambda: ou_parameters(printed, t), 20.0)
    except OutOfTime:
        return "", {}
    if dp is None or pp is None:
        return "", {}
    (ad, qd), (ap, qp) = dp, pp
    same_a = sp.simplify(ad - ap) == 0
    same_q = sp.simplify(qd - qp) == 0
    parts = []
    parts.append(
        f"the printed formula is the variance of an OU process with drift rate a = {sp.factor(ap)} and "
        f"diffusion q = {sp.factor(qp)}; the reading's model has a = {sp.factor(ad)}, q = {sp.factor(qd)}"
    )
    if same_a and same_q:
        parts.append("(both agree)")
    else:
        which = [w for w, same in (("drift rate", same_a), ("diffusion", same_q)) if not same]
        parts.append("(they differ in the " + " and the ".join(which) + ")")
    data = {"printed_drift_rate": latex(ap), "printed_diffusion": latex(qp),
            "reading_drift_rate": latex(ad), "reading_diffusion": latex(qd)}
    return " ".join(parts), data


def _witness(stmt: Statement, domain: Domain, *, dps: int = 60, label: str | None = None) -> Counterexample | None:
    """Look for a violation at the domain's edge points (exact values, high precision)."""
    import numpy as np

    pts = domain.points(statement_symbols(stmt), rng=np.random.default_rng(0), n_random=0)
    for p in pts[:40]:
        out = evaluate_point(stmt, p, dps=dps, label=label)
        if out.applicable and out.violated:
            return Counterexample(point_to_json(p), out.claimed, out.actual, note=out.note, exact=True)
    return None


def symbolic_check(
    stmt: Statement,
    domain: Domain,
    *,
    budget: float,
    part: str | None = None,
    explain: str | None = None,
    time_symbol: sp.Symbol | None = None,
    label: str | None = None,
) -> CheckResult:
    """Try to prove or refute ``stmt`` on ``domain`` symbolically within ``budget`` seconds."""
    t0 = time.perf_counter()
    refine = domain.refinement()
    data: dict[str, object] = {}

    def done(outcome: str, detail: str, *, proof: bool = False, cx: Counterexample | None = None) -> CheckResult:
        return CheckResult("symbolic", outcome, detail, part=part, data=data, elapsed=time.perf_counter() - t0,
                           proof=proof, counterexample=cx)

    try:
        if isinstance(stmt, Equation):
            diff = (stmt.lhs - stmt.rhs).xreplace(refine)
            simplified = within_budget(lambda: sp.simplify(diff), budget)
            if explain == "ou_variance" and time_symbol is not None:
                text, info = explain_ou(stmt.lhs, stmt.rhs, time_symbol)
                data.update(info)
            else:
                text = ""
            if simplified == 0:
                return done("pass", "derived - printed simplifies to 0 on the whole domain" + (f"; {text}" if text else ""),
                            proof=True)
            data["difference"] = latex(simplified)
            cx = _witness(stmt, domain, label=label)
            msg = "derived - printed does not simplify to 0"
            if text:
                msg = f"{text}; " + msg
            if cx is not None:
                return done("fail", msg + f"; nonzero at {cx.params}", cx=cx)
            return done("inconclusive", msg + "; no witness point found among the domain's edges")

        if isinstance(stmt, Holds):
            rel = stmt.relation
            gap = (rel.lhs - rel.rhs).xreplace(refine)
            verdict, form = within_budget(lambda: _sign_proof(gap, rel.rel_op), budget)
            data["gap"] = latex(form)
            if verdict is True:
                return done("pass", f"lhs - rhs = {form} is {rel.rel_op} 0 under the domain's assumptions", proof=True)
            if verdict is None and rel.rel_op in (">", ">=", "<", "<="):
                mono = within_budget(lambda: _monotone_from_zero(gap, rel.rel_op, budget), budget)
                if mono is not None:
                    x, dform = mono
                    data["derivative"] = latex(dform)
                    return done("pass", f"lhs - rhs -> 0 as {x} -> 0+ and d(lhs - rhs)/d{x} = {dform} is "
                                        f"{rel.rel_op} 0 on the whole domain, so lhs - rhs {rel.rel_op} 0 for {x} > 0",
                                proof=True)
            cx = _witness(stmt, domain, label=label)
            if cx is not None:
                why = " (refuted everywhere)" if verdict is False else ""
                return done("fail", f"lhs - rhs = {form}{why}; violated at {cx.params}", cx=cx)
            return done("inconclusive", f"SymPy could not decide the sign of lhs - rhs = {form}")

        if isinstance(stmt, Implication):
            return _implication(stmt, domain, refine, budget, done, label)

        if isinstance(stmt, Asymptotic):
            return _asymptotic(stmt, domain, refine, budget, done, data, label)

        if isinstance(stmt, Bounded):
            return done("inconclusive", "boundedness is decided pointwise in exact arithmetic (precision check)")
    except OutOfTime as exc:
        return done("inconclusive", f"SymPy ran out of time ({exc}); no conclusion drawn")
    raise TypeError(f"no symbolic checker for {type(stmt).__name__}")


def _implication(stmt: Implication, domain: Domain, refine: dict, budget: float, done, label: str | None) -> CheckResult:
    if isinstance(stmt.hypothesis, Bounded) or isinstance(stmt.conclusion, Bounded):
        cx = _witness(stmt, domain, label=label)
        if cx is not None:
            return done("fail", f"boundedness decided by an exact limit: violated at {cx.params}", cx=cx)
        return done("inconclusive", "boundedness is decided pointwise by exact limits (see the precision check)")
    hyp = sp.sympify(stmt.hypothesis).xreplace(refine)
    concl = _relations(sp.sympify(stmt.conclusion).xreplace(refine))
    if not isinstance(hyp, sp.core.relational.Relational) or concl is None:
        return done("inconclusive", "hypothesis or conclusion is not a relation SymPy can rewrite")
    iso = within_budget(lambda: _isolate(hyp, set().union(*[c.free_symbols for c in concl])), budget)
    if iso is None:
        return done("inconclusive", f"could not isolate a symbol in the hypothesis {hyp}")
    x, bound, op = iso
    # x op bound  <=>  x = bound ± s for some s > 0 (>= 0 for non-strict): substitute and prove.
    s = sp.Symbol("s_", positive=op in (">", "<"), nonnegative=True)
    x_of_s = bound + s if op in (">", ">=") else bound - s
    proved = []
    for c in concl:
        gap = (c.lhs - c.rhs).subs(x, x_of_s)
        verdict, form = within_budget(lambda: _sign_proof(gap, c.rel_op), budget)
        if verdict is not True:
            cx = _witness(stmt, domain, label=label)
            if cx is not None:
                return done("fail", f"with {x} = {x_of_s}, {c} is not implied; violated at {cx.params}", cx=cx)
            return done("inconclusive", f"with {x} = {x_of_s} (s > 0), SymPy could not decide {c.rel_op} 0 for {form}")
        proved.append(f"{c.lhs - c.rhs} = {sp.factor(form)}")
    return done("pass", f"hypothesis <=> {x} {op} {bound}; substituting {x} = {x_of_s}: " + "; ".join(proved)
                + f" are {', '.join(c.rel_op + ' 0' for c in concl)}", proof=True)


def _power_of(expr: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    coeff, dep = sp.powsimp(sp.expand_power_base(expr, force=True)).as_independent(x, as_Add=False)
    if dep == 1:
        return sp.S.Zero
    if dep == x:
        return sp.S.One
    if isinstance(dep, sp.Pow) and dep.base == x and dep.exp.is_number:
        return dep.exp
    return None


def _asymptotic(stmt: Asymptotic, domain: Domain, refine: dict, budget: float, done, data: dict, label: str | None) -> CheckResult:
    x = stmt.variable
    if stmt.point != 0:
        return done("inconclusive", f"only expansions at {x} -> 0 are handled symbolically")
    expr = stmt.expr.xreplace(refine)
    lead = stmt.leading.xreplace(refine)
    p = _power_of(stmt.remainder.xreplace(refine), x)
    q = _power_of(lead, x)
    if p is None or q is None or not p.is_integer or not q.is_integer:
        return done("inconclusive", "leading term and remainder must be monomials in the small parameter")
    p, q = int(p), int(q)
    ser = within_budget(lambda: sp.series(expr, x, 0, p).removeO(), budget)
    coeffs = {k: within_budget(lambda k=k: sp.simplify(sp.expand(ser).coeff(x, k)), budget) for k in range(0, p)}
    lead_c = sp.simplify(sp.expand(lead).coeff(x, q))
    first = next((k for k in range(0, p) if coeffs[k] != 0), None)
    actual_lead = sp.factor(coeffs[first]) * x**first if first is not None else sp.S.Zero
    data["actual_leading_term"] = latex(actual_lead)
    data["claimed_leading_term"] = latex(lead)
    bad = [k for k in range(0, p) if sp.simplify(coeffs[k] - (lead_c if k == q else 0)) != 0]
    if not bad:
        return done("pass", f"series in {x}: expr = {actual_lead} + O({x}^{p}); matches the claimed leading term and remainder",
                    proof=True)
    k = bad[0]
    extra = sp.factor(sp.simplify(coeffs[k] - (lead_c if k == q else 0)))
    msg = (f"series in {x}: expr = {actual_lead} + ... while the claim is {lead} + O({stmt.remainder}); "
           f"expr - leading has the term ({extra})*{x}^{k}, of lower order than the remainder {x}^{p}")
    if first == q and first is not None:
        ratio = sp.simplify(coeffs[q] / lead_c) if lead_c != 0 else sp.nan
        data["actual_over_claimed_leading"] = latex(ratio)
        msg += f"; actual/claimed leading coefficient = {ratio}"
    cx = _witness(stmt, domain, label=label)
    if cx is None:
        return done("inconclusive", msg + "; no witness found at the domain's edge points")
    return done("fail", msg, cx=cx)


def _as_number(x: object) -> object:
    return to_number(mpmath.mpf(x)) if isinstance(x, (int, float)) else x
