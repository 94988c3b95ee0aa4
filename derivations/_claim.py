"""Claim data types: a printed statement, its parameter domain, its source and its readings."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sympy as sp

from ._errors import UnknownReading
from ._validate import fail
from ._latex import latex
from ._statements import Statement

__all__ = ["Source", "Parameter", "Reading", "Claim", "Derivation"]

_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


@dataclass(frozen=True)
class Source:
    """Where a claim is printed: paper title, arXiv id and a locator such as "Theorem 2"."""

    paper: str
    arxiv: str
    locator: str

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d{4}\.\d{4,5}", self.arxiv):
            raise fail("arxiv", self.arxiv, "an arXiv id like '2301.06308'")


@dataclass(frozen=True)
class Parameter:
    """A symbol of the claim with its domain (a SymPy set) and what it means.

    ``domain`` is the set of values the claim quantifies over; it must be consistent with the
    symbol's assumptions (``B`` integer and positive, ``rho`` non-negative, ...).
    """

    symbol: sp.Symbol
    domain: sp.Set
    description: str

    def __post_init__(self) -> None:
        if not isinstance(self.symbol, sp.Symbol):
            raise TypeError(f"symbol={self.symbol!r} must be a SymPy Symbol")
        if not isinstance(self.domain, sp.Set) or self.domain.is_empty:
            raise fail(f"domain of {self.symbol}", self.domain, "a non-empty SymPy set")

    @property
    def name(self) -> str:
        """The symbol's name (used as the parameter's key in reports)."""
        return self.symbol.name

    @property
    def is_integer(self) -> bool:
        """Whether the parameter takes integer values only."""
        return bool(self.symbol.is_integer) or self.domain.is_subset(sp.Integers) is True

    def contains(self, value: Any) -> bool:
        """Whether ``value`` lies in the domain (three-valued SymPy answers count as no)."""
        try:
            return bool(self.domain.contains(sp.nsimplify(value)) == sp.true)
        except (TypeError, ValueError, sp.SympifyError):
            return False

    def domain_text(self) -> str:
        """A short human description of the domain, e.g. ``rho in [0, oo)``."""
        return f"{self.name} in {self.domain}"


@dataclass(frozen=True)
class Derivation:
    """What a reading's model gives: bindings for the placeholders, plus the steps that led there.

    ``bindings`` maps each placeholder (undefined function or symbol) to a SymPy ``Lambda`` or
    expression computed from the model's definition. ``steps`` is the derivation as a sequence of
    (label, SymPy object) pairs, printed in reports (model -> moment ODE -> solution).

    ``validity`` is the condition on the parameters under which the bound quantities exist as
    derived: the model's process exists and, for a stationary value or a limit, converges
    (spectral radius of the moment map < 1 for a recursion, a Hurwitz drift for an SDE). Outside
    it the model's value is infinite (or undefined), so a finite claim there is false, and
    ``proved`` needs the claim's domain to lie inside it. ``sp.true`` (the default) says the
    bound quantities are finite everywhere (e.g. a k-step or finite-time moment).
    """

    bindings: Mapping[sp.Basic, sp.Basic]
    steps: tuple[tuple[str, sp.Basic], ...] = ()
    model: Any = None
    note: str = ""
    validity: sp.Basic = sp.true


@dataclass(frozen=True)
class Reading:
    """One model of the algorithm under which a claim is checked.

    ``derive`` builds the model from its definition and returns a :class:`Derivation`; it is
    called lazily (and cached by the claim) because derivations can take a moment.
    """

    name: str
    description: str
    derive: Callable[[], Derivation] | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise fail("name", self.name, "a lower-case identifier like 'plain' or 'same_batch'")


@dataclass(frozen=True)
class Claim:
    """A closed-form claim from a paper, encoded as data.

    ``statement`` is the printed statement (it may mention placeholders that each reading binds);
    ``parameters`` are its free symbols with their domains; ``where`` narrows the domain (e.g. an
    escape direction ``lambda_j < 0``); ``checks`` are the methods the claim declares.
    """

    id: str
    title: str
    source: Source
    statement: Statement
    parameters: tuple[Parameter, ...]
    readings: tuple[Reading, ...]
    where: sp.Basic = sp.true
    checks: tuple[str, ...] = ("symbolic", "precision", "property")
    notes: tuple[str, ...] = ()
    explain: str | None = None
    time_symbol: sp.Symbol | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _ID.fullmatch(self.id):
            raise fail("id", self.id, "of the form 'paper.part.name': lower-case letters, digits and underscores, "
                       "at least two dot-separated parts, starting with a letter")
        if not self.readings:
            raise fail("readings", self.readings, f"a non-empty tuple of readings (claim {self.id})")
        names = [r.name for r in self.readings]
        if len(set(names)) != len(names):
            raise fail("readings", names, f"readings with distinct names (claim {self.id})")
        allowed = ("symbolic", "precision", "exact", "montecarlo", "property", "experiment")
        bad = [m for m in self.checks if m not in allowed]
        if bad or not self.checks or len(set(self.checks)) != len(self.checks):
            raise fail("checks", self.checks, f"a non-empty tuple of distinct methods from {allowed} (claim {self.id})")

    @classmethod
    def from_latex(cls, id: str, text: str, **kwargs: Any) -> "Claim":
        """A claim whose printed statement is given in LaTeX (see :func:`derivations._user.claim_from_latex`).

        ``text`` is ``lhs = rhs``, a relation, or ``expr = leading + O(remainder)``; keyword arguments
        (``parameters``, ``readings``, ``placeholders``, ``variable``, ``where``, ...) are passed on.
        Unparsable text raises :class:`LatexParseError` pointing at the offending position or name.
        """
        from ._user import claim_from_latex

        return claim_from_latex(id, text, **kwargs)

    # -- lookups -------------------------------------------------------------------------------
    @property
    def reading_names(self) -> tuple[str, ...]:
        """The names of the readings, in declaration order."""
        return tuple(r.name for r in self.readings)

    def reading(self, name: str) -> Reading:
        """Return the reading called ``name`` or raise :class:`UnknownReading` listing the valid ones."""
        for r in self.readings:
            if r.name == name:
                return r
        raise UnknownReading(
            f"reading={name!r} is not a reading of {self.id}; choose one of {', '.join(self.reading_names)}"
        )

    @cached_property
    def symbols(self) -> dict[str, sp.Symbol]:
        """The parameter symbols by name."""
        return {p.name: p.symbol for p in self.parameters}

    def parameter(self, name: str) -> Parameter:
        """Return the parameter called ``name``."""
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    # -- derivation ------------------------------------------------------------------------------
    def derivation(self, reading: str) -> Derivation:
        """The reading's derivation (computed once from the model definition, then cached)."""
        cache = self.__dict__.setdefault("_derivations", {})
        if reading not in cache:
            r = self.reading(reading)
            cache[reading] = r.derive() if r.derive is not None else Derivation(bindings={})
        return cache[reading]

    def statement_for(self, reading: str) -> Statement:
        """The statement with the reading's derived quantities substituted for the placeholders."""
        return self.statement.bind(self.derivation(reading).bindings)

    def to_latex(self) -> str:
        """The printed statement as LaTeX."""
        return self.statement.to_latex()

    def _repr_latex_(self) -> str:
        """Jupyter's rich display: id, title and the printed statement typeset."""
        where = f" \\quad \\text{{where }} {self.where_latex()}" if self.where_latex() else ""
        title = self.title.replace("$", "").replace("{", "(").replace("}", ")")
        return f"$\\text{{{self.id}: {title}}} \\\\ \\displaystyle {self.to_latex()}{where}$"

    def where_latex(self) -> str:
        """The domain restriction as LaTeX ('' when there is none)."""
        return "" if self.where == sp.true else latex(self.where)
