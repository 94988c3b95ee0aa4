"""Symbolic checks: identities by simplification, signs under assumptions, series for asymptotics.

Every SymPy call runs under a time budget; running out of time is ``inconclusive``, never a pass.
A ``pass`` here is a proof on the whole (refined) domain; a ``fail`` carries a witness point where
the claim is false, evaluated exactly or at high precision.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import mpmath
import sympy as sp

from derivations import Asymptotic, Bounded, Equation, Holds, Implication, Statement, latex, ou_parameters

from ._budget import OutOfTime, within_budget
from ._domain import Domain
from ._pointwise import evaluate_point, to_number
from ._results import CheckResult, Counterexample, decide, undecided
from ._witnesses import best_counterexample
from ._working_algebra import power_of

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


def _witness(stmt: Statement, domain: Domain, *, dps: int = 60, label: str | None = None,
             validity: sp.Basic = sp.true) -> Counterexample | None:
    """Look for a violation at the domain's edge and boundary points (exact values, high precision)."""
    import numpy as np

    from ._precision import _membership, sample_points

    pts = sample_points(stmt, domain, rng=np.random.default_rng(0), n_random=0, validity=validity)
    inside = _membership(stmt, domain)
    found = []
    for p in pts[:60]:
        out = evaluate_point(stmt, p, dps=dps, label=label, validity=validity, inside=inside)
        if out.applicable and out.violated:
            found.append((p, out))
            if len(found) >= 6:  # enough to choose a teaching witness from
                break
    if not found:
        return None
    return best_counterexample(stmt, found, inside=inside, integer=lambda s: domain.integer[s], validity=validity,
                               dps=dps, label=label)


def symbolic_check(
    stmt: Statement,
    domain: Domain,
    *,
    budget: float,
    part: str | None = None,
    explain: str | None = None,
    time_symbol: sp.Symbol | None = None,
    label: str | None = None,
    validity: sp.Basic = sp.true,
) -> CheckResult:
    """Try to prove or refute ``stmt`` on ``domain`` symbolically within ``budget`` seconds.

    A proof of a statement about a model's derived quantity counts only where the quantity exists:
    when ``validity`` (the reading's validity region) is not shown to contain the whole domain, the
    algebraic proof is reported but the outcome is ``inconclusive``; a witness point outside the
    region (the model diverges, the claim is finite) refutes the claim.
    """
    result = _symbolic_check(stmt, domain, budget=budget, part=part, explain=explain, time_symbol=time_symbol,
                             label=label, validity=validity)
    if not result.proof or validity in (sp.true, True):
        return result
    try:
        inside = within_budget(lambda: validity_contains_domain(validity, domain, budget), budget)
    except OutOfTime:
        inside = None
    if inside is True:
        return replace(result, detail=result.detail + f"; the domain lies inside the model's validity region {validity}")
    cx = _witness(stmt, domain, label=label, validity=validity)
    why = (f"the algebra holds ({result.detail}) but the domain was not shown to lie inside the model's validity "
           f"region {validity}, where its process exists and converges")
    if cx is not None:
        return decide("symbolic", why + f"; violated at {cx.params}", quantity="violations at exact witness points",
                      value=1, op="==", threshold=0, counterexample=cx, part=part, data=result.data,
                      elapsed=result.elapsed)
    return undecided("symbolic", why, part=part, data=result.data, elapsed=result.elapsed)


def validity_contains_domain(validity: sp.Basic, domain: Domain, budget: float) -> bool | None:
    """Whether every point of ``domain`` satisfies ``validity`` (True proved, None not shown)."""
    refine = domain.refinement()
    V = sp.sympify(validity).xreplace(refine)
    if V == sp.true:
        return True
    if V == sp.false:
        return False
    atoms = list(V.args) if isinstance(V, sp.And) else [V]
    where = sp.sympify(domain.where).xreplace(refine)
    hyps = [a for a in (list(where.args) if isinstance(where, sp.And) else [where])
            if isinstance(a, sp.core.relational.Relational) and a.rel_op in (">", ">=", "<", "<=")]
    # each parameter's own interval (gamma in [0, 1)) is a hypothesis too
    for s_, S in domain.sets.items():
        if isinstance(S, sp.Interval):
            rel = S.as_relational(s_).xreplace(refine)
            hyps += [a for a in (rel.args if isinstance(rel, sp.And) else [rel])
                     if isinstance(a, sp.core.relational.Relational) and a.rel_op in (">", ">=", "<", "<=")]
    for atom in atoms:
        if not isinstance(atom, sp.core.relational.Relational) or atom.rel_op not in _SIGN_TESTS:
            return None
        verdict, _ = _sign_proof(atom.lhs - atom.rhs, atom.rel_op)
        if verdict is True:
            continue
        shown = False
        for h in hyps:
            iso = _isolate(h, atom.free_symbols)
            if iso is None:
                continue
            x, bound, op = iso
            s_ = sp.Symbol("s_", positive=op in (">", "<"), nonnegative=True)
            gap = (atom.lhs - atom.rhs).subs(x, bound + s_ if op in (">", ">=") else bound - s_)
            if _sign_proof(gap, atom.rel_op)[0] is True:
                shown = True
                break
        if not shown:
            return None
    return True


def _symbolic_check(
    stmt: Statement,
    domain: Domain,
    *,
    budget: float,
    part: str | None,
    explain: str | None,
    time_symbol: sp.Symbol | None,
    label: str | None,
    validity: sp.Basic,
) -> CheckResult:
    t0 = time.perf_counter()
    refine = domain.refinement()
    data: dict[str, object] = {}

    def done(outcome: str, detail: str, *, proof: bool = False, cx: Counterexample | None = None,
             quantity: str = "", value: object = None, threshold: object = None) -> CheckResult:
        kw = dict(part=part, data=data, elapsed=time.perf_counter() - t0)
        if outcome == "pass":
            return decide("symbolic", detail, quantity=quantity, value=value, op="==", threshold=threshold,
                          proof=proof, **kw)
        if outcome == "fail":
            return decide("symbolic", detail, quantity="violations at exact witness points of the domain's edges "
                          "and boundaries", value=1, op="==", threshold=0, counterexample=cx, **kw)
        return undecided("symbolic", detail, **kw)

    witness = lambda st_=stmt: _witness(st_, domain, label=label, validity=validity)  # noqa: E731

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
                            proof=True, quantity="simplify(derived - printed)", value=str(simplified), threshold="0")
            data["difference"] = latex(simplified)
            cx = witness()
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
                return done("pass", f"lhs - rhs = {form} is {rel.rel_op} 0 under the domain's assumptions", proof=True,
                            quantity=f"SymPy proves lhs - rhs {rel.rel_op} 0 from the assumptions", value=True,
                            threshold=True)
            if verdict is None and rel.rel_op in (">", ">=", "<", "<="):
                mono = within_budget(lambda: _monotone_from_zero(gap, rel.rel_op, budget), budget)
                if mono is not None:
                    x, dform = mono
                    data["derivative"] = latex(dform)
                    return done("pass", f"lhs - rhs -> 0 as {x} -> 0+ and d(lhs - rhs)/d{x} = {dform} is "
                                        f"{rel.rel_op} 0 on the whole domain, so lhs - rhs {rel.rel_op} 0 for {x} > 0",
                                proof=True, quantity=f"SymPy proves lhs - rhs -> 0 as {x} -> 0+ and its derivative "
                                f"{rel.rel_op} 0", value=True, threshold=True)
            cx = witness()
            if cx is not None:
                why = " (refuted everywhere)" if verdict is False else ""
                return done("fail", f"lhs - rhs = {form}{why}; violated at {cx.params}", cx=cx)
            return done("inconclusive", f"SymPy could not decide the sign of lhs - rhs = {form}")

        if isinstance(stmt, Implication):
            return _implication(stmt, domain, refine, budget, done, witness)

        if isinstance(stmt, Asymptotic):
            return _asymptotic(stmt, domain, refine, budget, done, data, witness)

        if isinstance(stmt, Bounded):
            return done("inconclusive", "boundedness is decided pointwise in exact arithmetic (precision check)")
    except OutOfTime as exc:
        return done("inconclusive", f"SymPy ran out of time ({exc}); no conclusion drawn")
    raise TypeError(f"no symbolic checker for {type(stmt).__name__}")


def _implication(stmt: Implication, domain: Domain, refine: dict, budget: float, done, witness) -> CheckResult:
    if isinstance(stmt.hypothesis, Bounded) or isinstance(stmt.conclusion, Bounded):
        cx = witness()
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
            cx = witness()
            if cx is not None:
                return done("fail", f"with {x} = {x_of_s}, {c} is not implied; violated at {cx.params}", cx=cx)
            return done("inconclusive", f"with {x} = {x_of_s} (s > 0), SymPy could not decide {c.rel_op} 0 for {form}")
        proved.append(f"{c.lhs - c.rhs} = {sp.factor(form)}")
    return done("pass", f"hypothesis <=> {x} {op} {bound}; substituting {x} = {x_of_s}: " + "; ".join(proved)
                + f" are {', '.join(c.rel_op + ' 0' for c in concl)}", proof=True,
                quantity="SymPy proves each conclusion's sign on the hypothesis region", value=True, threshold=True)


def _orders(lead: sp.Expr, x: sp.Symbol) -> dict[int, sp.Expr] | None:
    """The stated part ``sum_k c_k x^k`` as ``{k: c_k}`` (integer ``k``, ``c_k`` free of ``x``); None otherwise."""
    out: dict[int, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(lead)):
        k = power_of(term, x)
        if k is None or not k.is_integer:
            return None
        c = sp.simplify(term / x**k)
        if c.has(x):
            return None
        out[int(k)] = out.get(int(k), sp.S.Zero) + c
    return {k: c for k, c in out.items() if c != 0}


def _asymptotic(stmt: Asymptotic, domain: Domain, refine: dict, budget: float, done, data: dict, witness) -> CheckResult:
    """``expr = sum_k c_k x^k + O(x^p)`` as ``x -> 0``: every series coefficient below ``x^p`` must match."""
    x = stmt.variable
    if stmt.point != 0:
        return done("inconclusive", f"only expansions at {x} -> 0 are handled symbolically")
    expr = stmt.expr.xreplace(refine)
    lead = stmt.leading.xreplace(refine)
    p = power_of(stmt.remainder.xreplace(refine), x)
    stated = _orders(lead, x)
    if p is None or not p.is_integer or stated is None:
        return done("inconclusive", "the stated part must be a polynomial in the small parameter (integer powers) and "
                                    "the remainder a monomial")
    p = int(p)
    if any(k >= p for k in stated):
        return done("inconclusive", f"the stated part has a term of order >= the remainder's {x}^{p}")
    lo = min([0, *stated])
    ser = within_budget(lambda: sp.series(expr, x, 0, p).removeO(), budget)
    coeffs = {k: within_budget(lambda k=k: sp.simplify(sp.expand(ser).coeff(x, k)), budget) for k in range(lo, p)}
    first = next((k for k in range(lo, p) if coeffs[k] != 0), None)
    actual_lead = sp.factor(coeffs[first]) * x**first if first is not None else sp.S.Zero
    actual_part = sum((sp.factor(coeffs[k]) * x**k for k in range(lo, p) if coeffs[k] != 0), sp.S.Zero)
    data["actual_leading_term"] = latex(actual_lead)
    data["actual_terms_below_remainder"] = latex(actual_part)
    data["claimed_leading_term"] = latex(lead)
    bad = [k for k in range(lo, p) if sp.simplify(coeffs[k] - stated.get(k, 0)) != 0]
    if not bad:
        return done("pass", f"series in {x}: expr = {actual_part} + O({x}^{p}); matches the stated terms and remainder",
                    proof=True, quantity=f"series coefficients of {x}^k, k < {p}, differing from the stated ones",
                    value=0, threshold=0)
    k = bad[0]
    extra = sp.factor(sp.simplify(coeffs[k] - stated.get(k, 0)))
    msg = (f"series in {x}: expr = {actual_part} + O({x}^{p}) while the claim is {lead} + O({stmt.remainder}); "
           f"expr - stated part has the term ({extra})*{x}^{k}, of lower order than the remainder {x}^{p}")
    q = min(stated) if stated else None
    if first == q and first is not None:
        ratio = sp.simplify(coeffs[q] / stated[q])
        data["actual_over_claimed_leading"] = latex(ratio)
        msg += f"; actual/claimed leading coefficient = {ratio}"
    cx = witness()
    if cx is None:
        return done("inconclusive", msg + "; no witness found at the domain's edge points")
    return done("fail", msg, cx=cx)


def _as_number(x: object) -> object:
    return to_number(mpmath.mpf(x)) if isinstance(x, (int, float)) else x
