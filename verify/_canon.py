"""Text of SymPy objects that does not depend on the process: the same in every worker and every run.

SymPy orders the terms of a printed sum by sort keys that, for ``Dummy`` symbols (the variables of
a bound ``Lambda``), include a counter of how many dummies this process has made; two processes (or
one run and the next) can then print the same relation in two orders. Replacing each dummy by a
plain symbol of the same name before printing makes the text, and any order derived from it, canonical.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["canonical_text"]


def canonical_text(expr: object) -> str:
    """``str`` of ``expr`` with dummies replaced by plain symbols of the same name (lexicographic order)."""
    e = sp.sympify(expr)
    dummies = e.atoms(sp.Dummy) if isinstance(e, sp.Basic) else set()
    if dummies:
        e = e.xreplace({d: sp.Symbol(d.name, **{k: v for k, v in d.assumptions0.items() if v is not None})
                        for d in dummies})
    return sp.sstr(e, order="lex")
