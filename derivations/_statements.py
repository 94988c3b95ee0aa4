"""Statement types: the logical shape of a printed claim, as frozen SymPy data.

A statement may mention *placeholders* (undefined SymPy functions such as ``sigma_j^2(t, rho)``)
that a reading binds to the quantity its model derives; :meth:`Statement.bind` substitutes them.
Every statement is checked on the claim's whole parameter domain (restricted by ``where``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Union

import sympy as sp

from ._latex import latex

__all__ = [
    "Statement",
    "Equation",
    "Holds",
    "Asymptotic",
    "Bounded",
    "Implication",
    "AllOf",
    "Condition",
]

Bindings = Mapping[sp.Basic, sp.Basic]
#: a LaTeX printer: :func:`derivations.latex` (round trip) or :func:`derivations.paper_latex`
Printer = Callable[[sp.Basic], str]


def _bind(expr: sp.Basic, bindings: Bindings) -> sp.Basic:
    if not bindings:
        return expr
    out = expr.subs(dict(bindings))
    # A derivative of a placeholder becomes a derivative of the derived expression: evaluate it.
    return out.replace(lambda e: isinstance(e, sp.Derivative), lambda e: e.doit())


class Statement:
    """Base class of statement types (all are frozen dataclasses)."""

    kind: ClassVar[str] = "statement"

    def bind(self, bindings: Bindings) -> "Statement":  # pragma: no cover - abstract
        """Return the statement with placeholders replaced by ``bindings``."""
        raise NotImplementedError

    def to_latex(self, printer: Printer = latex) -> str:  # pragma: no cover - abstract
        """Return the statement as LaTeX (formulas from the SymPy printer)."""
        raise NotImplementedError

    def formulas(self) -> dict[str, sp.Expr]:
        """Return the named formulas (SymPy expressions) the statement is built from."""
        return {}

    def _latex(self, printer: object = None) -> str:
        """SymPy's printer hook: ``sympy.latex(statement)`` gives :meth:`to_latex`."""
        return self.to_latex()

    def _repr_latex_(self) -> str:
        """Jupyter's rich display: the statement typeset."""
        return f"$\\displaystyle {self.to_latex()}$"

    def free_symbols(self) -> set[sp.Symbol]:
        """Return every symbol the statement mentions."""
        out: set[sp.Symbol] = set()
        for e in self.formulas().values():
            out |= e.free_symbols
        return out


@dataclass(frozen=True)
class Equation(Statement):
    """``lhs == rhs`` identically on the domain (``rhs`` is usually the printed closed form)."""

    lhs: sp.Expr
    rhs: sp.Expr
    kind: ClassVar[str] = "equation"

    def bind(self, bindings: Bindings) -> "Equation":
        return Equation(_bind(self.lhs, bindings), _bind(self.rhs, bindings))

    def to_latex(self, printer: Printer = latex) -> str:
        return f"{printer(self.lhs)} = {printer(self.rhs)}"

    def formulas(self) -> dict[str, sp.Expr]:
        return {"lhs": self.lhs, "rhs": self.rhs}


@dataclass(frozen=True)
class Holds(Statement):
    """A relation (``>``, ``>=``, ``<``, ``<=``, ``!=``) that holds at every point of the domain."""

    relation: sp.Rel
    kind: ClassVar[str] = "inequality"

    def __post_init__(self) -> None:
        if not isinstance(self.relation, sp.core.relational.Relational):
            raise TypeError(f"relation={self.relation!r} must be a SymPy relational such as x > 0")

    def bind(self, bindings: Bindings) -> "Holds":
        return Holds(_bind(self.relation, bindings))

    def to_latex(self, printer: Printer = latex) -> str:
        return printer(self.relation)

    @property
    def gap(self) -> sp.Expr:
        """``lhs - rhs``: the relation holds iff ``gap`` has the relation's sign."""
        return self.relation.lhs - self.relation.rhs

    def formulas(self) -> dict[str, sp.Expr]:
        return {"lhs": self.relation.lhs, "rhs": self.relation.rhs}


@dataclass(frozen=True)
class Asymptotic(Statement):
    """``expr = leading + O(remainder)`` as ``variable -> point`` with every other parameter fixed."""

    expr: sp.Expr
    leading: sp.Expr
    remainder: sp.Expr
    variable: sp.Symbol
    point: sp.Expr = sp.S.Zero
    kind: ClassVar[str] = "asymptotic"

    def bind(self, bindings: Bindings) -> "Asymptotic":
        return Asymptotic(
            _bind(self.expr, bindings), self.leading, self.remainder, self.variable, self.point
        )

    def to_latex(self, printer: Printer = latex) -> str:
        return (
            f"{printer(self.expr)} = {printer(self.leading)} + O\\left({printer(self.remainder)}\\right)"
            f" \\quad ({printer(self.variable)} \\to {printer(self.point)})"
        )

    def formulas(self) -> dict[str, sp.Expr]:
        return {"expr": self.expr, "leading": self.leading, "remainder": self.remainder}


@dataclass(frozen=True)
class Bounded(Statement):
    """``expr`` stays bounded as ``variable -> point`` (default: ``+oo``)."""

    expr: sp.Expr
    variable: sp.Symbol
    point: sp.Expr = sp.oo
    kind: ClassVar[str] = "bounded"

    def bind(self, bindings: Bindings) -> "Bounded":
        return Bounded(_bind(self.expr, bindings), self.variable, self.point)

    def to_latex(self, printer: Printer = latex) -> str:
        return (
            f"\\sup_{{{printer(self.variable)} \\to {printer(self.point)}}} "
            f"\\left|{printer(self.expr)}\\right| < \\infty"
        )

    def formulas(self) -> dict[str, sp.Expr]:
        return {"expr": self.expr}


#: What an implication may have on either side: a SymPy condition or a boundedness statement.
Condition = Union[sp.Basic, Bounded]


def _cond_latex(c: Condition, printer: Printer = latex) -> str:
    return c.to_latex(printer) if isinstance(c, Bounded) else printer(c)


def _cond_bind(c: Condition, bindings: Bindings) -> Condition:
    return c.bind(bindings) if isinstance(c, Bounded) else _bind(c, bindings)


@dataclass(frozen=True)
class Implication(Statement):
    """``hypothesis => conclusion`` at every point of the domain (a sufficient condition)."""

    hypothesis: Condition
    conclusion: Condition
    kind: ClassVar[str] = "implication"

    def bind(self, bindings: Bindings) -> "Implication":
        return Implication(_cond_bind(self.hypothesis, bindings), _cond_bind(self.conclusion, bindings))

    def to_latex(self, printer: Printer = latex) -> str:
        return f"{_cond_latex(self.hypothesis, printer)} \\implies {_cond_latex(self.conclusion, printer)}"

    def formulas(self) -> dict[str, sp.Expr]:
        out: dict[str, sp.Expr] = {}
        for side, c in (("hypothesis", self.hypothesis), ("conclusion", self.conclusion)):
            if isinstance(c, Bounded):
                out[side] = c.expr
            elif isinstance(c, sp.core.relational.Relational):
                out[side + "_lhs"] = c.lhs
                out[side + "_rhs"] = c.rhs
        return out


@dataclass(frozen=True)
class AllOf(Statement):
    """Several named statements that must all hold (each gets its own sub-result)."""

    parts: tuple[tuple[str, Statement], ...] = field(default_factory=tuple)
    kind: ClassVar[str] = "all_of"

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError("parts=() must name at least one statement")
        names = [p for p, _ in self.parts]
        if len(set(names)) != len(names):
            raise ValueError(f"parts has duplicate names {names!r}")

    def bind(self, bindings: Bindings) -> "AllOf":
        return AllOf(tuple((name, s.bind(bindings)) for name, s in self.parts))

    def to_latex(self, printer: Printer = latex) -> str:
        return " \\\\ ".join(
            f"\\text{{({name.replace('_', ' ')})}}\\; {s.to_latex(printer)}" for name, s in self.parts
        )

    def formulas(self) -> dict[str, sp.Expr]:
        return {f"{name}.{k}": v for name, s in self.parts for k, v in s.formulas().items()}
