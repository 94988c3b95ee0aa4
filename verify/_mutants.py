"""Mutants of a printed statement that are false by construction, for mutation testing of checks.

A verifier that never says no is worthless: replacing a claim's statement (on the same claim id,
so the same checks run) by one of these mutants must turn a ``proved`` or ``supported`` verdict
into ``refuted``. Each mutant is false wherever the original is true and non-degenerate:

- an equation's right side doubled (false wherever the right side is non-zero; shifted by 1 when it is 0);
- an asymptotic claim's stated part doubled (false wherever its leading coefficient is non-zero);
- a relation negated (``a < b`` becomes ``a >= b``);
- an implication's conclusion negated (false wherever the hypothesis holds);
- for a compound statement, each part mutated on its own (the other parts dropped).
"""

from __future__ import annotations

import sympy as sp

from derivations import AllOf, Asymptotic, Bounded, Equation, Holds, Implication, Statement

__all__ = ["generic_mutants"]


def _negate(cond: object) -> object | None:
    if isinstance(cond, Bounded):
        return None  # "unbounded" is not a statement samverify encodes
    c = sp.sympify(cond)
    if isinstance(c, sp.core.relational.Relational):
        return c.negated
    neg = sp.Not(c)
    return None if isinstance(neg, sp.Not) else neg


def generic_mutants(stmt: Statement) -> list[tuple[str, Statement]]:
    """``(name, mutant)`` pairs, each false by construction where ``stmt`` holds (see module doc)."""
    if isinstance(stmt, Equation):
        if sp.simplify(stmt.rhs) == 0:
            return [("right side shifted by 1", Equation(stmt.lhs, stmt.rhs + 1))]
        return [("right side doubled", Equation(stmt.lhs, 2 * stmt.rhs))]
    if isinstance(stmt, Asymptotic):
        return [("stated part doubled", Asymptotic(stmt.expr, 2 * stmt.leading, stmt.remainder, stmt.variable,
                                                   stmt.point))]
    if isinstance(stmt, Holds):
        neg = stmt.relation.negated
        if isinstance(neg, sp.Eq):
            return [("relation negated", Equation(neg.lhs, neg.rhs))]
        return [("relation negated", Holds(neg))]
    if isinstance(stmt, Implication):
        neg = _negate(stmt.conclusion)
        return [] if neg is None else [("conclusion negated", Implication(stmt.hypothesis, neg))]
    if isinstance(stmt, AllOf):
        out: list[tuple[str, Statement]] = []
        for name, part in stmt.parts:
            out += [(f"{name}: {m}", AllOf(((name, sub),))) for m, sub in generic_mutants(part)]
        return out
    return []
