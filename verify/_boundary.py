"""Exact points on (and next to) the boundaries of a claim's conditions.

A claim that fails only where an inequality of its hypothesis, its ``where`` or its model's
validity region holds with equality is missed by random draws (the boundary has measure zero).
For every relational atom ``g(x, y, ...) op 0`` that is linear in some parameter ``x``, the points
here put ``x`` exactly on the boundary ``x = bound(y, ...)`` (a rational whenever the other
coordinates are rational and ``bound`` is a rational function of them) and at small relative
offsets on either side; the domain filters out the ones it does not contain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sympy as sp

from ._domain import Domain, Point

__all__ = ["isolate", "relational_atoms", "boundary_points"]

#: relative offsets from a boundary: a counterexample confined to a thin band next to it (a
#: threshold off by a few percent) is missed by log-uniform draws alone
OFFSETS: tuple[sp.Rational, ...] = (sp.Rational(1, 1000), sp.Rational(3, 100), sp.Rational(3, 10))
_CAP = 64  # boundary points per check: each may need an exact limit (~0.1 s), so keep the total bounded


def isolate(rel: sp.Rel, x: sp.Symbol) -> tuple[sp.Expr, str] | None:
    """Rewrite ``rel`` (an order relation linear in ``x``) as ``x op' bound``; None if it is not."""
    op = rel.rel_op
    if op not in (">", ">=", "<", "<="):
        return None
    gap = sp.expand(rel.lhs - rel.rhs)
    if not gap.has(x) or not gap.is_polynomial(x):
        return None
    try:
        poly = sp.Poly(gap, x)
    except sp.PolynomialError:
        return None
    if poly.degree() != 1:
        return None
    c1, c0 = poly.all_coeffs()
    if c1.is_positive:
        return sp.simplify(-c0 / c1), op
    if c1.is_negative:
        return sp.simplify(-c0 / c1), {">": "<", ">=": "<=", "<": ">", "<=": ">="}[op]
    return None


def relational_atoms(cond: object) -> list[sp.Rel]:
    """The order relations inside a condition (through And / Or / Not)."""
    if cond is None or cond in (sp.true, sp.false, True, False):
        return []
    c = sp.sympify(cond)
    if isinstance(c, sp.core.relational.Relational):
        return [c] if c.rel_op in (">", ">=", "<", "<=") else []
    out: list[sp.Rel] = []
    for a in getattr(c, "args", ()):
        if isinstance(a, sp.Basic) and (isinstance(a, sp.core.relational.Relational) or isinstance(a, sp.logic.boolalg.Boolean)):
            out += relational_atoms(a)
    return out


def _rational_near(v: sp.Expr) -> list[sp.Rational]:
    """``v`` itself when rational, else rational approximations from both sides (30 digits)."""
    if v.is_Rational:
        return [sp.Rational(v)]
    f = sp.N(v, 30)
    if not (f.is_real and f.is_finite):
        return []
    r = sp.Rational(str(f))
    eps = abs(r) * sp.Rational(1, 10**25) + sp.Rational(1, 10**28)
    return [r - eps, r + eps]


def boundary_points(
    conditions: Iterable[object], domain: Domain, base: list[Point], *, check: Callable[[Point], bool] | None = None
) -> list[Point]:
    """Points of ``domain`` on and beside the boundary of each order relation in ``conditions``.

    ``base`` supplies the other coordinates (typically the domain's edge and random points). Each
    relation contributes, per base point and per parameter it is linear in, the point exactly on
    the boundary and points at relative offsets :data:`OFFSETS` on both sides. ``check`` replaces
    the domain's membership test.
    """
    inside = domain.contains if check is None else check
    atoms: list[sp.Rel] = []
    for c in conditions:
        for a in relational_atoms(c):
            if a not in atoms:
                atoms.append(a)
    out: list[Point] = []
    seen: set[tuple] = set()
    per_atom = max(_CAP // max(len(atoms), 1), 4)
    for rel in atoms:
        n_atom = 0
        for x in sorted(rel.free_symbols & set(domain.sets), key=lambda s: s.name):
            iso = isolate(rel, x)
            if iso is None:
                continue
            bound, _ = iso
            for p in base:
                if n_atom >= per_atom:
                    break
                try:
                    b = sp.nsimplify(bound.subs({s: v for s, v in p.items() if s != x}))
                except (TypeError, ValueError, ZeroDivisionError):
                    continue
                if b.free_symbols or not b.is_real or not b.is_finite:
                    continue
                cand = _rational_near(b)
                scale = abs(cand[0]) if cand and cand[0] != 0 else sp.Integer(1)
                for off in OFFSETS:
                    cand += [cand[0] - off * scale, cand[0] + off * scale] if cand else []
                for v in cand:
                    q = {**p, x: v}
                    key = tuple(sorted((s.name, q[s]) for s in q))
                    if key in seen or not inside(q):
                        continue
                    seen.add(key)
                    out.append(q)
                    n_atom += 1
    return out
