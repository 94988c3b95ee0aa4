"""Statements for the terminal, typeset by SymPy's pretty printer (LaTeX stays for files)."""

from __future__ import annotations

import sympy as sp

from derivations import AllOf, Asymptotic, Bounded, Equation, Holds, Implication, Statement

__all__ = ["pretty_statement"]


def _p(x: object) -> str:
    return sp.pretty(x, use_unicode=True, wrap_line=False)


def _cond(c: object) -> str:
    if isinstance(c, Bounded):
        return f"{_p(c.expr)}  bounded as {c.variable} → {_p(c.point)}"
    return _p(c)


def pretty_statement(stmt: Statement) -> str:
    """A multi-line Unicode rendering of a statement."""
    if isinstance(stmt, Equation):
        return _p(sp.Eq(stmt.lhs, stmt.rhs, evaluate=False))
    if isinstance(stmt, Holds):
        return _p(stmt.relation)
    if isinstance(stmt, Bounded):
        return _cond(stmt)
    if isinstance(stmt, Implication):
        return f"if\n{_cond(stmt.hypothesis)}\nthen\n{_cond(stmt.conclusion)}"
    if isinstance(stmt, Asymptotic):
        return (_p(sp.Eq(stmt.expr, stmt.leading + sp.Order(stmt.remainder, (stmt.variable, stmt.point)),
                         evaluate=False)) + f"\n(as {stmt.variable} → {_p(stmt.point)})")
    if isinstance(stmt, AllOf):
        return "\n".join(f"[{name}]\n{pretty_statement(s)}" for name, s in stmt.parts)
    return str(stmt)
