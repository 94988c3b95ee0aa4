"""Parameters of a user's claim: symbols with domains, the claim's source, and scaling symmetries.

A parameter's domain defaults to what its symbol's assumptions allow (:func:`default_domain`); a
given domain must lie inside it. A :class:`Scaling` declares a change of units under which both
sides of a claim must transform alike. Pure SymPy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ._claim import Parameter, Source
from ._validate import fail

__all__ = ["UserSource", "default_domain", "as_parameters", "Scaling"]


@dataclass(frozen=True)
class UserSource(Source):
    """Where a user's own claim comes from: free text, with an arXiv id only when there is one."""

    paper: str = "user claim"
    arxiv: str = ""
    locator: str = ""

    def __post_init__(self) -> None:
        if self.arxiv:  # a given arXiv id must still be well formed
            super().__post_init__()


def default_domain(symbol: sp.Symbol) -> sp.Set:
    """The largest domain a symbol's assumptions allow (``positive=True`` gives ``(0, oo)``, ...)."""
    if symbol.is_integer:
        if symbol.is_positive:
            return sp.Range(1, sp.oo)
        if symbol.is_nonnegative:
            return sp.Range(0, sp.oo)
        if symbol.is_negative:
            return sp.Range(-sp.oo, 0)
        return sp.Integers
    if symbol.is_positive:
        return sp.Interval.open(0, sp.oo)
    if symbol.is_nonnegative:
        return sp.Interval(0, sp.oo)
    if symbol.is_negative:
        return sp.Interval.open(-sp.oo, 0)
    if symbol.is_nonpositive:
        return sp.Interval(-sp.oo, 0)
    if symbol.is_nonzero and symbol.is_real:
        return sp.Union(sp.Interval.open(-sp.oo, 0), sp.Interval.open(0, sp.oo))
    return sp.Reals


def _parameter(symbol: Any, spec: Any) -> Parameter:
    if isinstance(spec, Parameter):
        return spec
    if not isinstance(symbol, sp.Symbol):
        raise fail("parameters", symbol, "keyed by SymPy Symbols", "e.g. {eta: 'learning rate'}")
    domain, description = None, symbol.name
    if isinstance(spec, str):
        description = spec
    elif isinstance(spec, sp.Set):
        domain = spec
    elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], sp.Set) and isinstance(spec[1], str):
        domain, description = spec
    elif spec is not None:
        raise fail(f"parameters[{symbol.name}]", spec, "a description, a SymPy Set, a (Set, description) pair or a Parameter")
    allowed = default_domain(symbol)
    if domain is None:
        domain = allowed
    elif domain.is_subset(allowed) is False:
        raise fail(f"parameters[{symbol.name}]", domain,
                   f"inside {allowed}, the values {symbol.name}'s assumptions {_assumptions(symbol)} allow",
                   "give the symbol matching assumptions or narrow the domain")
    if symbol.is_integer is not True and domain.is_subset(sp.Integers) is True:
        # integer domains need integer symbols, or SymPy proofs would quantify over the reals
        raise fail(f"parameters[{symbol.name}]", domain, "given with an integer symbol",
                   f"declare sp.Symbol({symbol.name!r}, integer=True, positive=True)")
    return Parameter(symbol, domain, description)


def _assumptions(symbol: sp.Symbol) -> str:
    keys = ("integer", "positive", "nonnegative", "negative", "nonpositive", "nonzero", "real")
    on = [k for k in keys if symbol.assumptions0.get(k)]
    return "(" + ", ".join(f"{k}=True" for k in on) + ")" if on else "(none)"


def as_parameters(spec: Any) -> tuple[Parameter, ...]:
    """Parameters from a sequence of Symbols/Parameters or a mapping ``{symbol: description | Set | (Set, text)}``.

    A missing domain is the largest one the symbol's assumptions allow (:func:`default_domain`); a
    given domain must lie inside it (an integer domain needs ``integer=True``).
    """
    if isinstance(spec, Mapping):
        out = tuple(_parameter(s, v) for s, v in spec.items())
    elif isinstance(spec, Iterable) and not isinstance(spec, (str, sp.Basic)):
        out = tuple(p if isinstance(p, Parameter) else _parameter(p, None) for p in spec)
    else:
        raise fail("parameters", spec, "a mapping {symbol: description} or a sequence of Symbols/Parameters")
    if not out:
        raise fail("parameters", spec, "non-empty")
    names = [p.name for p in out]
    if len(set(names)) != len(names):
        raise fail("parameters", names, "free of duplicate names")
    return out


def _as_symbols(name: str, value: Any) -> tuple[sp.Symbol, ...]:
    vals = tuple(value) if isinstance(value, (list, tuple, sp.MatrixBase)) else (value,)
    if not vals or not all(isinstance(v, sp.Symbol) for v in vals):
        raise fail(name, value, "a SymPy Symbol or a sequence of Symbols")
    return vals


@dataclass(frozen=True)
class Scaling:
    """A scaling symmetry of the parameters: ``x -> c**e_x * x`` for every ``c > 0``.

    ``exponents`` maps each scaled symbol to its exponent ``e_x`` (a rational); unlisted symbols do
    not scale. Example, a change of time units for ``dw = -h w dt + sqrt(eta) s dW``:
    ``Scaling({h: -1, eta: -1, t: 1}, name="time units")``. ``verify`` checks that both sides of a
    claim scale with the same power of ``c`` and reports the exponent mismatch when they do not.
    """

    exponents: Mapping[sp.Symbol, Any]
    name: str = "scaling"
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.exponents, Mapping) or not self.exponents:
            raise fail("exponents", self.exponents, "a non-empty mapping {symbol: exponent}")
        clean: dict[sp.Symbol, sp.Rational] = {}
        for s, e in self.exponents.items():
            if not isinstance(s, sp.Symbol):
                raise fail("exponents", s, "keyed by SymPy Symbols")
            r = sp.nsimplify(e)
            if not r.is_Rational:
                raise fail(f"exponents[{s.name}]", e, "a rational number")
            clean[s] = r
        object.__setattr__(self, "exponents", clean)

    def transform(self, expr: sp.Expr, c: sp.Expr) -> sp.Expr:
        """``expr`` with every scaled symbol ``x`` replaced by ``c**e_x * x``."""
        return sp.sympify(expr).xreplace({s: c**e * s for s, e in self.exponents.items()})

    def exponent(self, expr: sp.Expr) -> sp.Rational | None:
        """The power ``k`` with ``expr(scaled) = c**k * expr``, or None when ``expr`` is not homogeneous."""
        expr = sp.sympify(expr)
        if expr == 0 or expr.has(sp.Piecewise):
            return None
        c = sp.Dummy("c", positive=True)
        ratio = sp.simplify(sp.powsimp(self.transform(expr, c) / expr, force=True))
        if ratio.free_symbols - {c}:
            return None
        k = sp.simplify(sp.expand_log(sp.log(ratio), force=True) / sp.log(c))
        return k if k.is_Rational else None

    def text(self) -> str:
        """The scaling as text, e.g. ``time units: h -> c^-1 h, t -> c t``."""
        parts = [f"{s} -> {'c' if e == 1 else f'c^{e}'} {s}" for s, e in self.exponents.items() if e != 0]
        return f"{self.name}: " + ", ".join(parts)


# --------------------------------------------------------------------------------------------------
# Models and their readings
# --------------------------------------------------------------------------------------------------


_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise fail("name", name, "a lower-case identifier such as 'sgd'")
    return name


def _scalings(value: Any) -> tuple[Scaling, ...]:
    if value is None:
        return ()
    if isinstance(value, Scaling):
        return (value,)
    vals = tuple(value)
    if not all(isinstance(v, Scaling) for v in vals):
        raise fail("scalings", value, "a Scaling or a sequence of Scalings")
    return vals
