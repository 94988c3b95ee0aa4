"""Hypothesis strategies for a claim's parameters: values that respect assumptions and domains.

:func:`parameters` draws one value per parameter from its domain (narrowed by the claim's ``where``),
the same exact values the property check searches (two-digit mantissas over ``10^-3..10^3``, both
signs where allowed, integers up to 4096). Bounds between two parameters in ``where`` (``B <= n``,
``x < y``) are honoured by drawing the bounding parameter first, so integer batch sizes come out as
``1 <= B <= n`` without rejection; any other condition of ``where`` filters. A domain that admits no
value is an error, never an empty pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sympy as sp
from hypothesis import strategies as st

from derivations import Claim
from derivations._validate import fail

from ._domain import Domain, domain_of
from ._property import value_strategy

__all__ = ["parameters", "values"]

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _pair_bounds(where: sp.Basic, syms: set[sp.Symbol]) -> list[tuple[sp.Symbol, str, sp.Symbol]]:
    """The conditions ``x op y`` of ``where`` between two parameters, as ``(x, op, y)``."""
    atoms = list(where.args) if isinstance(where, sp.And) else [where]
    out = []
    for a in atoms:
        if not isinstance(a, sp.core.relational.Relational) or a.rel_op not in _FLIP:
            continue
        lhs, rhs = a.lhs, a.rhs
        if lhs in syms and rhs in syms:
            out.append((lhs, a.rel_op, rhs))
    return out


def _order(syms: list[sp.Symbol], bounds: list[tuple[sp.Symbol, str, sp.Symbol]]) -> tuple[list[sp.Symbol], dict]:
    """Draw order (bounding symbols first) and, per symbol, the bounds by earlier symbols."""
    deps: dict[sp.Symbol, list[tuple[str, sp.Symbol]]] = {s: [] for s in syms}
    for x, op, y in bounds:
        deps[x].append((op, y))  # x is drawn after y, inside the bound
    order: list[sp.Symbol] = []
    pending = list(syms)
    while pending:
        ready = [s for s in pending if all(y in order for _, y in deps[s])]
        if not ready:  # a cycle of bounds: draw the rest independently, the filter enforces them
            ready = pending[:1]
            deps[ready[0]] = [(op, y) for op, y in deps[ready[0]] if y in order]
        for s in ready:
            order.append(s)
            pending.remove(s)
    return order, {s: [(op, y) for op, y in deps[s] if order.index(y) < order.index(s)] for s in syms}


def _narrowed(domain: Domain, s: sp.Symbol, S: sp.Set) -> Domain:
    return Domain(sets={**domain.sets, s: S}, integer=dict(domain.integer), where=sp.true)


def _interval(op: str, bound: sp.Expr) -> sp.Set:
    return {"<": sp.Interval.open(-sp.oo, bound), "<=": sp.Interval(-sp.oo, bound),
            ">": sp.Interval.open(bound, sp.oo), ">=": sp.Interval(bound, sp.oo)}[op]


def values(claim: Claim, *, names: Iterable[str] | None = None) -> st.SearchStrategy[dict[sp.Symbol, sp.Expr]]:
    """Exact points ``{symbol: Rational or Integer}`` of the claim's domain (``where`` included)."""
    if not isinstance(claim, Claim):
        raise fail("claim", claim, "a Claim")
    domain = domain_of(claim)
    wanted = None if names is None else set(names)
    if wanted is not None:
        unknown = sorted(wanted - {p.name for p in claim.parameters})
        if unknown:
            raise fail("names", unknown[0], f"a parameter of {claim.id} ({', '.join(p.name for p in claim.parameters)})")
    syms = [p.symbol for p in claim.parameters if wanted is None or p.name in wanted]
    for s in syms:
        if domain.sets[s].is_empty:
            raise fail(s.name, domain.sets[s], "a non-empty domain", f"the claim's where={claim.where} leaves no value")
    order, deps = _order(syms, _pair_bounds(domain.where, set(syms)))

    @st.composite
    def point(draw: Any) -> dict[sp.Symbol, sp.Expr]:
        out: dict[sp.Symbol, sp.Expr] = {}
        for s in order:
            S = domain.sets[s]
            for op, y in deps[s]:
                S = S.intersect(_interval(op, out[y]))
            if S.is_empty:
                # a dependent bound leaves nothing (e.g. x < y with y at its lowest): reject this draw
                from hypothesis import assume

                assume(False)
            out[s] = draw(value_strategy(_narrowed(domain, s, S), s))
        return out

    def inside(p: Mapping[sp.Symbol, sp.Expr]) -> bool:
        full = len(syms) == len(claim.parameters)
        return domain.contains(p) if full else all(domain.member(s, v) for s, v in p.items())

    return point().filter(inside)




def parameters(claim: Claim, *, names: Iterable[str] | None = None, exact: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Hypothesis strategy of ``{parameter name: value}`` respecting the claim's assumptions and domain.

    Integer parameters come as ``int`` (``1 <= B <= n`` when ``where`` says ``B <= n``), others as
    ``float``; ``exact=True`` gives SymPy ``Integer``/``Rational`` values instead (what the checks
    evaluate, free of rounding). ``names`` restricts the draw to some parameters (only their own
    domains then apply). Use it in your own property tests::

        @given(verify.strategies.parameters(claim))
        def test_my_formula(p): ...
    """
    integer = {p.symbol for p in claim.parameters if p.is_integer}
    if exact:
        return values(claim, names=names).map(lambda p: {s.name: v for s, v in p.items()})
    return values(claim, names=names).map(lambda p: {s.name: int(v) if s in integer else float(v) for s, v in p.items()})
