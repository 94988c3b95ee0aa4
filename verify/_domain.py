"""Parameter domains made concrete: refined symbols for proofs, exact sample points for numerics.

Points are exact SymPy rationals (so a counterexample can be re-checked in exact arithmetic) and
include each parameter's edges and extreme scales, one parameter at a time, plus random draws.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp

from derivations import Claim, Parameter

__all__ = ["Domain", "Point", "domain_of", "point_to_json"]

Point = dict[sp.Symbol, sp.Rational]

_MAX_INT = 4096  # largest batch size / sample count drawn: beyond it nothing new happens at 50 digits
_DECADES = (-3, 3)  # random magnitudes 10^-3 .. 10^3: extreme scales without overflowing floats in reports


def _single_symbol_atoms(where: sp.Basic) -> list[sp.Rel]:
    if where in (sp.true, True):
        return []
    atoms = list(where.args) if isinstance(where, sp.And) else [where]
    return [a for a in atoms if isinstance(a, sp.core.relational.Relational) and len(a.free_symbols) == 1
            and not isinstance(a, (sp.Ne, sp.Eq))]


def _refined_assumptions(interval: sp.Set) -> dict[str, bool]:
    if interval.is_subset(sp.Interval.open(0, sp.oo)):
        return {"positive": True}
    if interval.is_subset(sp.Interval.open(-sp.oo, 0)):
        return {"negative": True}
    if interval.is_subset(sp.Interval(0, sp.oo)):
        return {"nonnegative": True}
    if interval.is_subset(sp.Interval(-sp.oo, 0)):
        return {"nonpositive": True}
    return {}


def _rat(x: float | int | str) -> sp.Rational:
    return sp.Rational(str(x))


def _frac(x: sp.Expr) -> Fraction | None:
    if x in (sp.oo, -sp.oo):
        return None
    r = sp.Rational(x)
    return Fraction(int(r.p), int(r.q))


Pieces = list[tuple[Fraction | None, Fraction | None, bool, bool]]


def _pieces(S: sp.Set) -> Pieces | None:
    """``S`` as (low, high, low_open, high_open) pieces with exact bounds (None: unbounded)."""
    if isinstance(S, sp.Interval):
        return [(_frac(S.inf), _frac(S.sup), bool(S.left_open), bool(S.right_open))]
    if isinstance(S, sp.Union):
        out: Pieces = []
        for a in S.args:
            p = _pieces(a)
            if p is None:
                return None
            out += p
        return out
    if isinstance(S, sp.Range) and S.step == 1:
        return [(_frac(S.inf), _frac(S.sup), False, False)]
    return None


def _in_pieces(pieces: Pieces, v: Fraction) -> bool:
    for lo, hi, lo_open, hi_open in pieces:
        if lo is not None and (v < lo or (lo_open and v == lo)):
            continue
        if hi is not None and (v > hi or (hi_open and v == hi)):
            continue
        return True
    return False


def _to_frac(v: sp.Expr) -> Fraction:
    r = sp.Rational(v)
    return Fraction(int(r.p), int(r.q))


@dataclass(frozen=True)
class Domain:
    """The effective domain of a claim: each parameter's set narrowed by the claim's ``where``."""

    sets: Mapping[sp.Symbol, sp.Set]
    integer: Mapping[sp.Symbol, bool]
    where: sp.Basic
    _fast: dict = field(default_factory=dict, repr=False, compare=False)

    def member(self, s: sp.Symbol, v: sp.Expr) -> bool:
        """Whether the exact value ``v`` lies in the set of parameter ``s`` (fast path for numerics)."""
        key = ("pieces", s)
        if key not in self._fast:
            self._fast[key] = _pieces(self.sets[s])
        pieces = self._fast[key]
        if pieces is None:
            return self.sets[s].contains(v) == sp.true
        try:
            f = _to_frac(v)
        except (TypeError, ValueError):
            return False
        if self.integer[s] and f.denominator != 1:
            return False
        return _in_pieces(pieces, f)

    def _where_fn(self) -> tuple[tuple[sp.Symbol, ...], Callable[..., bool]] | None:
        if "where" not in self._fast:
            if self.where in (sp.true, True):
                self._fast["where"] = None
            else:
                syms = tuple(sorted(self.where.free_symbols, key=lambda x: x.name))
                self._fast["where"] = (syms, sp.lambdify(syms, self.where, modules=["math"]))
        return self._fast["where"]

    # -- symbolic -----------------------------------------------------------------------------
    def refinement(self) -> dict[sp.Symbol, sp.Symbol]:
        """Replacement symbols whose assumptions encode the narrowed sets (for SymPy proofs)."""
        out: dict[sp.Symbol, sp.Symbol] = {}
        for s, S in self.sets.items():
            extra = _refined_assumptions(S)
            base = {k: v for k, v in s.assumptions0.items() if v is not None}
            if not extra or all(base.get(k) == v for k, v in extra.items()):
                continue
            if self.integer[s]:
                extra["integer"] = True
            out[s] = sp.Symbol(s.name, real=True, **extra)
        return out

    # -- numeric ------------------------------------------------------------------------------
    def contains(self, point: Mapping[sp.Symbol, sp.Expr]) -> bool:
        """Whether ``point`` (exact values for every parameter) satisfies every domain condition."""
        for s in self.sets:
            if s in point and not self.member(s, point[s]):
                return False
        fn = self._where_fn()
        if fn is None:
            return True
        syms, f = fn
        if any(s not in point for s in syms):
            return False
        try:
            # exact rational arithmetic: equality cases such as 1 + rho*lambda = 0 are seen exactly
            return bool(f(*[_to_frac(point[s]) for s in syms]))
        except (TypeError, ZeroDivisionError, ValueError):
            return False

    def edges(self, s: sp.Symbol) -> list[sp.Rational]:
        """Edge and extreme-scale values of one parameter (0 where allowed, tiny, huge, ±)."""
        S = self.sets[s]
        if self.integer[s]:
            cand = [1, 2, 3, 8, 64, 1024]
        else:
            mags = ["0.001", "0.1", "0.5", "1", "2", "10", "1000"]
            cand = ["0"] + mags + ["-" + m for m in mags]
        vals = [_rat(c) for c in cand]
        return [v for v in vals if S.contains(v) == sp.true]

    def typical(self, s: sp.Symbol) -> sp.Rational:
        """A middle-of-the-road value (1, or -1 where only negatives are allowed)."""
        S = self.sets[s]
        for c in (1, -1, sp.Rational(1, 2), 2):
            if S.contains(c) == sp.true:
                return sp.Integer(c) if isinstance(c, int) else c
        inf, sup = S.inf, S.sup
        return (inf + sup) / 2

    def draw(self, s: sp.Symbol, rng: np.random.Generator) -> sp.Rational:
        """One random value: log-uniform magnitude over six decades, 2 significant digits."""
        S = self.sets[s]
        for _ in range(200):
            if self.integer[s]:
                lo = max(int(S.inf), 1) if S.inf.is_finite else 1
                hi = min(int(S.sup), _MAX_INT) if S.sup.is_finite else _MAX_INT
                v = sp.Integer(int(round(np.exp(rng.uniform(np.log(lo), np.log(hi + 0.49))))))
            else:
                sign = -1 if (S.sup <= 0 or (S.inf < 0 and rng.random() < 0.5)) else 1
                mag = float(10 ** rng.uniform(*_DECADES))
                v = _rat(f"{sign * mag:.2g}")
                if S.sup.is_finite and S.inf.is_finite:
                    v = _rat(f"{float(S.inf) + (float(S.sup) - float(S.inf)) * rng.random():.3g}")
            if S.contains(v) == sp.true:
                return v
        raise RuntimeError(f"could not draw a value of {s} from {S}")

    def points(
        self, symbols: Iterable[sp.Symbol], *, rng: np.random.Generator, n_random: int, edges: bool = True,
        check: Callable[[Point], bool] | None = None,
    ) -> list[Point]:
        """Exact sample points over ``symbols``: one-at-a-time edges, then ``n_random`` draws.

        ``check`` replaces :meth:`contains` as the membership test (e.g. with an asymptotic
        claim's small parameter fixed near its limit).
        """
        syms = [s for s in self.sets if s in set(symbols)]
        out: list[Point] = []
        seen: set[tuple] = set()
        inside = self.contains if check is None else check

        def add(p: Point) -> None:
            key = tuple(p[s] for s in syms)
            if key not in seen and inside(p):
                seen.add(key)
                out.append(p)

        base = {s: self.typical(s) for s in syms}
        if edges:
            add(dict(base))
            for s in syms:
                for v in self.edges(s):
                    add({**base, s: v})
        tries = 0
        target = len(out) + n_random
        while len(out) < target and tries < 50 * max(n_random, 1):
            tries += 1
            add({s: self.draw(s, rng) for s in syms})
        return out


def domain_of(claim: Claim, extra_where: sp.Basic = sp.true) -> Domain:
    """The claim's domain: parameter sets narrowed by single-symbol conditions of ``where``."""
    where = sp.And(claim.where, extra_where)
    sets: dict[sp.Symbol, sp.Set] = {}
    integer: dict[sp.Symbol, bool] = {}
    for p in claim.parameters:
        S = p.domain
        for atom in _single_symbol_atoms(where):
            if p.symbol in atom.free_symbols:
                S = S.intersect(atom.as_set())
        sets[p.symbol] = S
        integer[p.symbol] = p.is_integer
    return Domain(sets=sets, integer=integer, where=where)


def point_to_json(point: Mapping[sp.Symbol, sp.Expr]) -> dict[str, int | float]:
    """A point as ``{name: number}`` (integers stay integers; rationals become floats)."""
    out: dict[str, int | float] = {}
    for s, v in point.items():
        v = sp.nsimplify(v)
        out[s.name] = int(v) if v.is_integer else float(v)
    return out


def parameter_names(params: Iterable[Parameter]) -> list[str]:
    """The names of ``params`` in order."""
    return [p.name for p in params]
