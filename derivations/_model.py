"""The base of user models: derived quantities by name, and readings that bind them to a claim's placeholders.

A model derives quantities (``"stationary_variance"``, ``"variance"``, ...) from its definition. A
stationary quantity exists only where the model's moments converge: the model says where
(:attr:`Model.stable`, a symbolic stability condition), the reading puts it in
:attr:`Derivation.validity`, and the bound value is ``oo`` outside it (``Piecewise((value, stable),
(oo, True))``) so that a finite claim there is false rather than "proved" on the algebra of a fixed
point the process never reaches. Pure SymPy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Union

import sympy as sp
from sympy.core.function import UndefinedFunction

from ._claim import Derivation, Reading
from ._user_params import Scaling
from ._validate import fail

__all__ = ["Model", "ModelReading", "Placeholder", "Quantity", "step_symbol"]

#: The step counter of discrete models (``k`` steps from the initial state).
step_symbol = sp.Symbol("k", integer=True, nonnegative=True)

Placeholder = Union[sp.Symbol, UndefinedFunction]
Quantity = Union[str, Callable[["Model"], sp.Expr]]


@dataclass(frozen=True)
class ModelReading(Reading):
    """A reading built from a :class:`Model`: which placeholders it binds, and to what."""

    placeholders: tuple[sp.Basic, ...] = ()
    model: Any = None
    needs: tuple[sp.Symbol, ...] = ()  # symbols the bound values bring in (the time of a Symbol placeholder)


def tidy(expr: sp.Expr) -> sp.Expr:
    """``expr`` factored, with a leading minus absorbed into one factor of the denominator (for printing)."""
    e = sp.factor(expr)
    n, d = sp.fraction(e)
    adds = [f for f in sp.Mul.make_args(d) if isinstance(f, sp.Add)]
    if n.could_extract_minus_sign() and len(adds) == 1:
        return -n / sp.Mul(*[-f if f is adds[0] else f for f in sp.Mul.make_args(d)])
    return e


def guarded(value: sp.Expr, cond: sp.Basic, *, diverges: bool) -> sp.Expr:
    """``value`` where the dynamics are stable (``cond``), ``oo`` (or ``nan`` without noise) elsewhere."""
    value = tidy(value)
    if cond == sp.true:
        return value
    if cond == sp.false:
        return sp.oo if diverges else sp.nan
    return sp.Piecewise((value, cond), (sp.oo if diverges else sp.nan, True))


def vector(name: str, value: Any, d: int | None = None) -> sp.Matrix:
    """``value`` (a Matrix, a sequence or a scalar) as a column vector, of ``d`` rows when given."""
    if isinstance(value, sp.MatrixBase):
        m = sp.Matrix(value)
        if m.cols != 1:
            m = m.reshape(m.rows * m.cols, 1) if m.rows == 1 else m
    elif isinstance(value, (list, tuple)):
        m = sp.Matrix([sp.sympify(v) for v in value])
    else:
        m = sp.Matrix([sp.sympify(value)])
    if d is not None and m.shape != (d, 1):
        raise fail(name, value, f"{d} expression(s), one per state component")
    return m


def check_free_of(name: str, expr: Any, symbols: Iterable[sp.Symbol], why: str) -> None:
    """Raise unless ``expr`` is free of ``symbols`` (``why`` says what needs it)."""
    free = expr.free_symbols if isinstance(expr, sp.MatrixBase) else sp.sympify(expr).free_symbols
    bad = free & set(symbols)
    if bad:
        raise fail(name, expr, f"free of {sorted(map(str, bad))}", why)


class Model:
    """Base class of user models: derived quantities by name, readings that bind them to placeholders.

    Subclasses define :attr:`QUANTITIES` (name -> what it is), :attr:`time` (the symbol a
    time-dependent quantity depends on), :meth:`quantity` and :meth:`validity` (where a quantity
    exists as derived: ``sp.true`` for finite-time moments, the stability condition for limits).
    """

    name: str
    description: str
    state: tuple[sp.Symbol, ...]
    scalings: tuple[Scaling, ...]
    QUANTITIES: ClassVar[dict[str, str]] = {}
    TIME_DEPENDENT: ClassVar[frozenset[str]] = frozenset()

    @property
    def time(self) -> sp.Symbol:  # pragma: no cover - abstract
        """The symbol time-dependent quantities depend on."""
        raise NotImplementedError

    def quantity(self, name: str, *, component: int = 0) -> sp.Expr:  # pragma: no cover - abstract
        """The derived quantity ``name`` for state component ``component``."""
        raise NotImplementedError

    def validity(self, name: str, *, component: int = 0) -> sp.Basic:
        """Where the quantity ``name`` exists as derived (``sp.true``: everywhere)."""
        return sp.true

    def steps(self, quantity: str, component: int = 0) -> tuple[tuple[str, sp.Basic], ...]:
        """The derivation steps behind ``quantity`` (printed in reports)."""
        return ()

    def _check_quantity(self, name: str, component: int) -> None:
        if name not in self.QUANTITIES:
            raise fail("quantity", name, "one of " + ", ".join(repr(q) for q in self.QUANTITIES),
                       f"or a function model -> expression; {type(self).__name__} {self.name!r}")
        if not (isinstance(component, int) and 0 <= component < len(self.state)):
            raise fail("component", component, f"an index in [0, {len(self.state) - 1}] of the state {self.state}")

    def reading(
        self,
        bindings: Mapping[Placeholder, Quantity],
        *,
        name: str | None = None,
        description: str | None = None,
        component: int = 0,
    ) -> ModelReading:
        """A reading of a claim under this model: each placeholder gets the quantity the model derives.

        ``bindings`` maps a placeholder (a Symbol such as ``V_infty``, or an undefined function such
        as ``Var`` used as ``Var(t)``) to a quantity name (``"stationary_variance"``, ``"variance"``,
        ... see ``QUANTITIES``) or to a function ``model -> expression``. A time-dependent quantity
        bound to a Symbol depends on :attr:`time`; bound to a function, its argument is the time.
        The derivation's ``validity`` is where every bound quantity exists (the model's stability
        condition for a stationary quantity); outside it a stationary quantity is ``oo``.
        """
        if not isinstance(bindings, Mapping) or not bindings:
            raise fail("bindings", bindings, "a non-empty mapping {placeholder: quantity}",
                       "e.g. {V: 'stationary_variance'}")
        for ph, q in bindings.items():
            if not isinstance(ph, (sp.Symbol, UndefinedFunction)):
                raise fail("bindings", ph, "keyed by placeholders: SymPy Symbols or undefined functions (sp.Function('V'))")
            if isinstance(q, str):
                self._check_quantity(q, component)
            elif not callable(q):
                raise fail(f"bindings[{ph}]", q, "a quantity name or a function model -> expression")
        frozen = dict(bindings)

        def derive() -> Derivation:
            out: dict[sp.Basic, sp.Basic] = {}
            steps: list[tuple[str, sp.Basic]] = []
            valid: list[sp.Basic] = []
            for ph, q in frozen.items():
                expr = self.quantity(q, component=component) if isinstance(q, str) else sp.sympify(q(self))
                if isinstance(q, str):
                    steps += [s for s in self.steps(q, component) if s not in steps]
                    valid.append(self.validity(q, component=component))
                if isinstance(ph, UndefinedFunction):
                    if isinstance(q, str) and q in self.TIME_DEPENDENT:
                        x = sp.Dummy(self.time.name)
                        out[ph] = sp.Lambda((x,), expr.xreplace({self.time: x}))
                    else:
                        out[ph] = sp.Lambda((sp.Dummy("x"),), expr)
                else:
                    out[ph] = expr
                    label = q if isinstance(q, str) else "user quantity"
                    steps.append((f"{ph} := {label}", sp.Eq(ph, expr)))
            return Derivation(bindings=out, steps=tuple(steps), model=self, note=self.description,
                              validity=sp.And(*valid))

        what = ", ".join(f"{ph} = {q if isinstance(q, str) else 'f(model)'}" for ph, q in frozen.items())
        timed = any(isinstance(ph, sp.Symbol) and q in self.TIME_DEPENDENT for ph, q in frozen.items())
        return ModelReading(
            name or self.name,
            description or f"{self.description} ({what})",
            derive,
            placeholders=tuple(frozen),
            model=self,
            needs=(self.time,) if timed else (),
        )
