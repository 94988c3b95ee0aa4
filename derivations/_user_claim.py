"""State your own claim: a statement over parameters with domains, checked under each model reading.

:func:`user_claim` validates the id, the statement's symbols (each a parameter or a placeholder the
readings bind) and the readings, and builds a :class:`~derivations.Claim`. A stationary quantity a
model binds is ``Piecewise((value, stable), (oo, True))`` with ``stable`` its validity region; where
the claim's own ``where`` and parameter domains show the region (syntactically, conjunct by
conjunct), the guard is resolved to ``value`` so the symbolic check sees the plain closed form; the
derivation keeps its ``validity`` either way. Pure SymPy.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

import sympy as sp
from sympy.core.function import UndefinedFunction

from ._claim import Claim, Derivation, Parameter, Reading, Source
from ._model import ModelReading, Placeholder
from ._model_stability import implied
from ._statements import AllOf, Asymptotic, Bounded, Equation, Holds, Implication, Statement
from ._user_params import UserSource, _scalings, as_parameters
from ._validate import fail

__all__ = ["user_claim", "check_id"]

#: The claim id grammar of :class:`~derivations.Claim`: lower-case dot-separated identifiers.
_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")


def check_id(id: Any) -> str:
    """The claim id (``user.`` prefixed when it has no dot), or :class:`InvalidParameter` if malformed."""
    if not isinstance(id, str) or not id:
        raise fail("id", id, "a non-empty string such as 'mine.sgd.variance'")
    cid = id if "." in id else f"user.{id}"
    if not _ID.fullmatch(cid):
        raise fail("id", id, "lower-case identifiers separated by dots, such as 'mine.sgd.variance'",
                   "letters a-z, digits and '_', starting with a letter")
    return cid


def _as_statement(statement: Any) -> Statement:
    if isinstance(statement, Statement):
        return statement
    if isinstance(statement, sp.Equality):
        return Equation(statement.lhs, statement.rhs)
    if isinstance(statement, sp.core.relational.Relational):
        return Holds(statement)
    raise fail("statement", statement, "a Statement (Equation, Holds, Asymptotic, ...) or a SymPy Eq / relation",
               "e.g. sp.Eq(V, eta * s**2 / (2 * h)) or eta * h < 2")


def _statement_symbols(stmt: Statement) -> set[sp.Basic]:
    out: set[sp.Basic] = set()
    if isinstance(stmt, AllOf):
        for _, s in stmt.parts:
            out |= _statement_symbols(s)
        return out
    if isinstance(stmt, Implication):
        for c in (stmt.hypothesis, stmt.conclusion):
            out |= (c.expr.free_symbols - {c.variable}) if isinstance(c, Bounded) else sp.sympify(c).free_symbols
        return out
    for e in stmt.formulas().values():
        out |= e.free_symbols
    if isinstance(stmt, (Asymptotic, Bounded)):
        out.discard(stmt.variable)
    return out


def _statement_functions(stmt: Statement) -> set[UndefinedFunction]:
    exprs: list[sp.Basic] = list(stmt.formulas().values())
    if isinstance(stmt, Implication):
        exprs += [c if not isinstance(c, Bounded) else c.expr for c in (stmt.hypothesis, stmt.conclusion)]
    if isinstance(stmt, AllOf):
        return set().union(*[_statement_functions(s) for _, s in stmt.parts])
    out: set[UndefinedFunction] = set()
    for e in exprs:
        out |= {f.func for f in sp.sympify(e).atoms(sp.Function) if isinstance(f.func, UndefinedFunction)}
    return out


def _domain_facts(params: Sequence[Parameter]) -> list[sp.Basic]:
    """The interval domains of the parameters as relations (``gamma in [0, 1)`` gives ``gamma >= 0, gamma < 1``)."""
    out: list[sp.Basic] = []
    for p in params:
        if isinstance(p.domain, sp.Interval):
            rel = p.domain.as_relational(p.symbol)
            out += [r for r in (rel.args if isinstance(rel, sp.And) else (rel,)) if r not in (sp.true, sp.false)]
    return out


def _resolve_piecewise(expr: sp.Basic, facts: sp.Basic) -> sp.Basic:
    """Replace ``Piecewise((value, cond), ...)`` by ``value`` where ``facts`` imply ``cond``."""
    def repl(pw: sp.Piecewise) -> sp.Basic:
        value, cond = pw.args[0]
        return value if implied(cond, facts) else pw

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), repl)


def _resolving(reading: Reading, facts: sp.Basic) -> Reading:
    """The reading with stability Piecewise in its bindings resolved where the claim's ``facts`` imply them."""
    if facts == sp.true or reading.derive is None:
        return reading
    inner = reading.derive

    def derive() -> Derivation:
        d = inner()
        # dataclasses.replace keeps every other field of the derivation (its validity included)
        return dataclasses.replace(d, bindings={k: _resolve_piecewise(v, facts) for k, v in d.bindings.items()})

    return dataclasses.replace(reading, derive=derive)


def _check_where(where: sp.Basic, params: Sequence[Parameter]) -> None:
    """Raise when ``where`` leaves no point: false, or a one-parameter condition empty on its domain."""
    if where == sp.false:
        raise fail("where", where, "satisfiable", "it excludes every point of the domain")
    free = where.free_symbols
    (p,) = [q for q in params if q.symbol in free] if len(free) == 1 else (None,)
    if p is None or where == sp.true:
        return
    try:
        region = where.as_set()
    except (NotImplementedError, TypeError, ValueError):
        return  # not decidable as a set of one variable: the checks will report an empty domain
    if sp.Intersection(region, p.domain).is_empty is True:
        raise fail("where", where, f"satisfiable for {p.name} in {p.domain}", "it excludes every point of the domain")


def user_claim(
    id: str,
    statement: Any,
    *,
    parameters: Any,
    readings: Sequence[Reading],
    title: str | None = None,
    where: sp.Basic = sp.true,
    source: Source | None = None,
    checks: Sequence[str] = ("symbolic", "precision", "property"),
    notes: Sequence[str] = (),
    scaling: Any = (),
    placeholders: Sequence[Placeholder] = (),
) -> Claim:
    """State your own claim: a statement over parameters with domains, checked under each reading.

    ``statement`` is a :class:`Statement` or a SymPy ``Eq`` / relation; ``parameters`` is a mapping
    ``{symbol: description | Set | (Set, description)}`` or a sequence of Symbols (domains default to
    what the symbols' assumptions allow); ``readings`` come from :meth:`Model.reading` (or are plain
    :class:`Reading` objects); ``where`` narrows the domain (e.g. ``eta * h < 2``, ``B <= n``);
    ``scaling`` declares :class:`Scaling` symmetries checked by ``verify``. An ``id`` without a dot is
    prefixed with ``user.``; a malformed id (upper case, empty parts) raises :class:`InvalidParameter`.
    Every symbol of the statement must be a parameter or a placeholder that each reading binds.
    """
    cid = check_id(id)
    stmt = _as_statement(statement)
    params = as_parameters(parameters)
    rs = tuple(readings) if not isinstance(readings, Reading) else (readings,)
    if not rs or not all(isinstance(r, Reading) for r in rs):
        raise fail("readings", readings, "a non-empty sequence of Readings", "use model.reading({V: 'stationary_variance'})")
    where = sp.sympify(where)
    known = {p.symbol for p in params}
    extra_ph = set(placeholders)
    syms = _statement_symbols(stmt) | (where.free_symbols if where != sp.true else set())
    funcs = _statement_functions(stmt)
    _check_where(where, params)
    for r in rs:
        # a plain Reading binds what its derive() returns, unknown until derived: its placeholders
        # must be declared in placeholders=
        bound = set(r.placeholders) if isinstance(r, ModelReading) else set()
        needs = set(r.needs) if isinstance(r, ModelReading) else set()
        missing = sorted(str(s) for s in ((syms | needs) - known - bound - extra_ph))
        missing += sorted(str(f) for f in funcs if f not in bound and f not in extra_ph)
        if missing:
            raise fail("statement", str(stmt.to_latex()),
                       f"written in the parameters ({', '.join(p.name for p in params)}) and placeholders that "
                       f"reading {r.name!r} binds ({', '.join(map(str, bound)) or 'none'})",
                       f"unknown: {', '.join(missing)}; add them to parameters= or bind them in the reading")
    sc = _scalings(scaling)
    facts = sp.And(where, *_domain_facts(params))
    return Claim(
        id=cid,
        title=title or f"{cid}: {stmt.to_latex()}",
        source=source or UserSource(),
        statement=stmt,
        parameters=params,
        readings=tuple(_resolving(r, facts) for r in rs),
        where=where,
        checks=tuple(checks),
        notes=tuple(notes),
        extras={"scaling": sc} if sc else {},
    )
