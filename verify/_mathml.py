"""Statements and formulas as presentation MathML, which browsers render natively (no JavaScript).

SymPy's presentation printer does the formulas; this module adds the statement shapes (equation,
relation, implication, asymptotic, boundedness, several parts), prints placeholder functions such
as ``sigma_j^2(t, rho)`` with proper sub- and superscripts, and escapes the relation signs that the
printer leaves bare (``<`` inside HTML would open a tag).
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.mathml import MathMLPresentationPrinter

from derivations import AllOf, Asymptotic, Bounded, Equation, Holds, Implication, Statement

__all__ = ["expr_mathml", "statement_mathml", "math_block"]


class _Printer(MathMLPresentationPrinter):
    """The presentation printer with placeholder functions named like symbols (``sigma_j^2``)."""

    def _print_Function(self, e):  # noqa: N802 - SymPy's printer protocol
        if not isinstance(e, AppliedUndef):
            return super()._print_Function(e)
        mrow = self.dom.createElement("mrow")
        mrow.appendChild(self._print(sp.Symbol(e.func.__name__)))
        fence = self.dom.createElement("mrow")
        for text, items in (("(", None), (None, e.args), (")", None)):
            if text is not None:
                mo = self.dom.createElement("mo")
                mo.appendChild(self.dom.createTextNode(text))
                fence.appendChild(mo)
                continue
            for i, a in enumerate(items):
                if i:
                    mo = self.dom.createElement("mo")
                    mo.appendChild(self.dom.createTextNode(","))
                    fence.appendChild(mo)
                fence.appendChild(self._print(a))
        mrow.appendChild(fence)
        return mrow


def _escape_bare(text: str) -> str:
    return re.sub(r"<mo>([<>])</mo>", lambda m: "<mo>&lt;</mo>" if m.group(1) == "<" else "<mo>&gt;</mo>", text)


def expr_mathml(expr: object) -> str:
    """One formula (expression, relation or logical condition) as an MathML ``mrow``."""
    p = _Printer({"mat_delim": "("})
    return _escape_bare(p.doprint(sp.sympify(expr)))


def _mo(text: str) -> str:
    return f"<mo>{text}</mo>"


def _mtext(text: str) -> str:
    return f"<mtext>{text}</mtext>"


def statement_mathml(stmt: Statement) -> str:
    """A statement as an MathML ``mrow`` (parts of a compound statement as a table, one per row)."""
    if isinstance(stmt, Equation):
        return f"<mrow>{expr_mathml(stmt.lhs)}{_mo('=')}{expr_mathml(stmt.rhs)}</mrow>"
    if isinstance(stmt, Holds):
        return expr_mathml(stmt.relation)
    if isinstance(stmt, Bounded):
        return (f"<mrow>{expr_mathml(stmt.expr)}{_mtext('&#8195;bounded as&#8195;')}{expr_mathml(stmt.variable)}"
                f"{_mo('&#8594;')}{expr_mathml(stmt.point)}</mrow>")
    if isinstance(stmt, Implication):
        def side(c: object) -> str:
            return statement_mathml(c) if isinstance(c, Bounded) else expr_mathml(c)

        return f"<mrow>{side(stmt.hypothesis)}{_mo('&#8658;')}{side(stmt.conclusion)}</mrow>"
    if isinstance(stmt, Asymptotic):
        return (f"<mrow>{expr_mathml(stmt.expr)}{_mo('=')}{expr_mathml(stmt.leading)}{_mo('+')}<mi>O</mi>"
                f"<mrow>{_mo('(')}{expr_mathml(stmt.remainder)}{_mo(')')}</mrow>{_mtext('&#8195;as&#8195;')}"
                f"{expr_mathml(stmt.variable)}{_mo('&#8594;')}{expr_mathml(stmt.point)}</mrow>")
    if isinstance(stmt, AllOf):
        rows = "".join(f"<mtr><mtd>{_mtext(name + ':')}</mtd><mtd>{statement_mathml(s)}</mtd></mtr>"
                       for name, s in stmt.parts)
        return f"<mtable columnalign='left'>{rows}</mtable>"
    raise TypeError(f"no MathML form for a {type(stmt).__name__}")


def math_block(mrow: str) -> str:
    """A display ``<math>`` element around an ``mrow``."""
    return f'<math display="block">{mrow}</math>'
