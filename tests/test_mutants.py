"""A verifier that never says no is worthless: mutants of every true claim must come out refuted.

For each (claim, reading) whose verdict is ``proved`` or ``supported``, the printed statement is
mutated (a coefficient doubled, a sign flipped, an exponent changed, a factor dropped, a condition
weakened) and checked again under the same reading: every mutant must be ``refuted``.
"""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from derivations import AllOf, Asymptotic, Claim, Equation, Holds, Implication, Statement, catalog
from verify import check


def _pow_with_symbol(e: sp.Expr) -> sp.Pow | None:
    for p in sp.preorder_traversal(e):
        if isinstance(p, sp.Pow) and p.exp.is_Integer and p.exp != -1 and p.base.free_symbols:
            return p
    return None


def _drop_factor(e: sp.Expr) -> sp.Expr | None:
    if isinstance(e, sp.Mul):
        factors = [f for f in e.args if f.free_symbols]
        if len(factors) >= 2:
            return e / factors[0]
    return None


def mutants(stmt: Statement) -> list[tuple[str, Statement]]:
    """Non-equivalent mutants of a printed statement (each must be refuted)."""
    out: list[tuple[str, Statement]] = []
    if isinstance(stmt, Equation):
        rhs = stmt.rhs
        out += [("coefficient doubled", Equation(stmt.lhs, 2 * rhs)), ("sign flipped", Equation(stmt.lhs, -rhs))]
        p = _pow_with_symbol(rhs)
        if p is not None:
            out.append(("exponent changed", Equation(stmt.lhs, rhs.xreplace({p: p.base ** (p.exp + 1)}))))
        d = _drop_factor(rhs)
        if d is not None:
            out.append(("factor dropped", Equation(stmt.lhs, d)))
        if rhs == 0:  # an identity to zero: perturb it by a non-zero term instead
            out = [("offset added", Equation(stmt.lhs, sp.Integer(1)))]
    elif isinstance(stmt, Holds):
        rel = stmt.relation
        flipped = {">": sp.Lt, ">=": sp.Lt, "<": sp.Gt, "<=": sp.Gt}[rel.rel_op](rel.lhs, rel.rhs)
        out.append(("sign flipped", Holds(flipped)))
        if rel.rhs != 0:
            out.append(("coefficient doubled", Holds(rel.func(2 * rel.lhs, rel.rhs))))
    elif isinstance(stmt, Asymptotic):
        L, R, x = stmt.leading, stmt.remainder, stmt.variable
        out += [("coefficient doubled", dataclasses.replace(stmt, leading=2 * L)),
                ("sign flipped", dataclasses.replace(stmt, leading=-L)),
                ("exponent changed", dataclasses.replace(stmt, leading=L * x))]
    elif isinstance(stmt, Implication) and isinstance(stmt.hypothesis, sp.core.relational.Relational):
        h = stmt.hypothesis
        if h.rhs != 0:
            # weaken the condition: halve its threshold (x > g becomes x > g/2 for g > 0 thresholds)
            weaker = h.func(h.lhs, h.rhs / 2)
        else:
            # f > 0 becomes f > -1 (f < 0 becomes f < 1): the condition is dropped near its boundary
            weaker = h.func(h.lhs, -1 if h.rel_op in (">", ">=") else 1)
        out.append(("condition weakened", Implication(weaker, stmt.conclusion)))
    elif isinstance(stmt, AllOf):
        for name, sub in stmt.parts:
            for what, m in mutants(sub):
                parts = tuple((n, m if n == name else s) for n, s in stmt.parts)
                out.append((f"{name}: {what}", AllOf(parts)))
    return out


def _true_pairs(report: dict) -> list[tuple[str, str]]:
    return [(c["id"], r["reading"]) for c in report["claims"] for r in c["results"]
            if r["verdict"] in ("proved", "supported")]


def _mutant_claim(claim: Claim, stmt: Statement, k: int) -> Claim:
    # a fresh id, so no registered exact / Monte Carlo check runs: the mutant is judged by the
    # generic symbolic, precision and property checks alone
    return dataclasses.replace(claim, id=f"{claim.id}.mutant{k}", statement=stmt,
                               checks=tuple(m for m in claim.checks if m in ("symbolic", "precision", "property")) or ("precision",))


def test_mutants_of_every_true_reading_are_refuted(fast_report: dict):
    by_id = {c.id: c for c in catalog()}
    pairs = [(cid, r) for cid, r in _true_pairs(fast_report)
             if by_id[cid].checks and set(by_id[cid].checks) & {"symbolic", "precision", "property"}]
    assert pairs, "expected at least one proved or supported symbolic claim in the catalogue"
    survivors = []
    n = 0
    for cid, reading in pairs:
        claim = by_id[cid]
        for k, (what, stmt) in enumerate(mutants(claim.statement)):
            mc = _mutant_claim(claim, stmt, k)
            (res,) = check(mc, reading, level="fast", rng=1)
            n += 1
            if res.verdict != "refuted":
                survivors.append((cid, reading, what, res.verdict))
    assert n >= 8
    assert not survivors, survivors


def test_a_mutant_of_theorem_2_composed_gradient_is_refuted_with_both_values():
    claim = next(c for c in catalog() if c.id == "kim2023.thm2")
    stmt = Equation(claim.statement.lhs, 2 * claim.statement.rhs)
    (res,) = check(_mutant_claim(claim, stmt, 0), "composed_gradient", rng=0)
    assert res.verdict == "refuted"
    cx = res.counterexample
    assert cx is not None and abs(cx.claimed - 2 * cx.actual) <= 1e-12 * abs(cx.actual)
