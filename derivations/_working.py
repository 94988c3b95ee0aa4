"""Workings: a derivation written as data, a chain of lines joined by relations, checkable step by step.

A :class:`Working` is what a researcher writes on paper: an ordered list of :class:`WorkingLine`,
each joined to the previous one by a relation (``=``, ``≈`` with a stated order, ``<=``, ``<``,
``>=``, ``>``, or ``=>`` between conditions) and optionally carrying a :class:`Justification` tag
(``expand``, ``substitute x = ...``, ``expectation``, ``assumption: Fisher approximation``). Step
``i`` joins line ``i`` to line ``i + 1`` (both counted from 1). ``verify`` checks each step; this
module is pure SymPy and only says what the lines mean.

Non-commutative symbols (``Symbol("H", commutative=False)``) stand for matrices. Lines may apply
*operators* (undefined SymPy functions such as ``E`` or ``tr``) whose evaluation rules the working
declares in ``operators``; ``matrices`` may model non-commutative symbols as explicit symbolic
matrices, so that trace identities become scalar identities.

Catalogue workings are found through the entry-point group ``samverify.workings`` (each entry point
names a function returning workings), exactly like claim catalogues.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef, FunctionClass

from ._claim import Parameter, Source
from ._errors import RegistryError, UnknownClaim
from ._latex import _Printer, latex
from ._validate import fail

__all__ = [
    "RELATIONS",
    "JUSTIFICATION_KINDS",
    "Justification",
    "WorkingLine",
    "WorkingStep",
    "Working",
    "ENTRY_POINT_GROUP",
    "working_catalogue",
    "get_working",
    "reset_workings",
]

#: Relations joining consecutive lines (canonical spellings).
RELATIONS: tuple[str, ...] = ("=", "≈", "<=", "<", ">=", ">", "=>")
_ALIASES = {"==": "=", "approx": "≈", "\\approx": "≈", "~": "≈", "≤": "<=", "≥": ">=", "⇒": "=>",
            "implies": "=>", "\\implies": "=>", "\\Rightarrow": "=>"}
#: Justification tags; ``substitute`` is applied to the previous line, ``assumption`` makes the step
#: an assumption (reported, never checked); the others are printed with the step.
JUSTIFICATION_KINDS: tuple[str, ...] = ("expand", "simplify", "factor", "collect", "substitute", "expectation",
                                        "series", "definition", "cyclicity", "transpose", "assumption", "note")
_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_LATEX_REL = {"=": "=", "≈": r"\approx", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">", "=>": r"\implies"}


@dataclass(frozen=True)
class Justification:
    """Why a line follows from the previous one: a tag ``kind`` with its free text.

    ``substitutions`` (for ``substitute`` only) are ``(old, new)`` pairs applied to the previous
    line before the step is checked. An ``assumption`` step is reported as an assumption and never
    checked (``text`` names it, e.g. "Fisher approximation").
    """

    kind: str
    text: str = ""
    substitutions: tuple[tuple[sp.Basic, sp.Basic], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", " ".join(str(self.text).split()))
        if self.kind not in JUSTIFICATION_KINDS:
            raise fail("justification", self.kind, "one of " + ", ".join(JUSTIFICATION_KINDS),
                       "free text goes in Justification('note', text)")
        subs = self.substitutions.items() if isinstance(self.substitutions, Mapping) else self.substitutions
        pairs = tuple((sp.sympify(a), sp.sympify(b)) for a, b in subs)
        if self.kind == "substitute" and not pairs:
            raise fail("substitutions", self.substitutions, "non-empty for a 'substitute' tag", "e.g. {t: eta*k}")
        if pairs and self.kind != "substitute":
            raise fail("substitutions", self.substitutions, "empty unless kind='substitute'")
        object.__setattr__(self, "substitutions", pairs)

    @classmethod
    def parse(cls, text: str) -> "Justification":
        """A tag from text without formulas: ``"expand"``, ``"assumption: Fisher approximation"``, free text."""
        s = text.strip()
        head, _, rest = s.partition(":")
        word = head.strip().lower()
        if word in JUSTIFICATION_KINDS and word != "substitute":
            return cls(word, rest.strip())
        first = s.split()[0].lower() if s.split() else ""
        if first in JUSTIFICATION_KINDS and first != "substitute":
            return cls(first, s[len(first):].strip())
        return cls("note", s)

    @property
    def is_assumption(self) -> bool:
        """Whether the step is an assumption (reported as such, never checked)."""
        return self.kind == "assumption"

    def label(self) -> str:
        """The tag as printed, e.g. ``substitute t = eta*k`` or ``assumption: Fisher approximation``."""
        if self.kind == "substitute":
            return "substitute " + ", ".join(f"{a} = {b}" for a, b in self.substitutions)
        if self.kind == "note":
            return self.text
        return f"{self.kind}: {self.text}" if self.text else self.kind

    def to_latex(self) -> str:
        """The tag as LaTeX text for the third column of an ``align`` row."""
        if self.kind == "substitute":
            return r"\text{substitute } " + ",\\ ".join(f"{latex(a)} = {latex(b)}" for a, b in self.substitutions)
        return r"\text{" + _tex_text(self.label()) + "}"


def _tex_text(s: str) -> str:
    special = {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}
    return "".join(special.get(c, "\\" + c if c in "&%$#_{}" else c) for c in str(s))


def _as_justification(j: Any) -> Justification | None:
    if j is None or isinstance(j, Justification):
        return j
    if isinstance(j, str):
        return Justification.parse(j)
    raise fail("justification", j, "a Justification, a tag string such as 'expand', or None")


@dataclass(frozen=True)
class WorkingLine:
    """One line of a working: an expression (or a condition, in an ``=>`` chain).

    ``relation`` joins the *previous* line to this one (None for the first line); ``justification``
    says why it follows (a :class:`Justification` or a tag string). ``order`` is the
    remainder of a line written ``... + O(order)``: a step into such a line holds up to that order as
    ``variable -> point``. ``latex`` and ``position`` (line, column in the source file) are kept
    for messages when the line was read from LaTeX.
    """

    expr: sp.Basic
    relation: str | None = None
    justification: Justification | None = None
    order: sp.Expr | None = None
    latex: str = ""
    position: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "expr", sp.sympify(self.expr))
        rel = _ALIASES.get(self.relation, self.relation) if self.relation is not None else None
        if rel is not None and rel not in RELATIONS:
            raise fail("relation", self.relation, "one of " + ", ".join(RELATIONS))
        object.__setattr__(self, "relation", rel)
        if self.order is not None:
            object.__setattr__(self, "order", sp.sympify(self.order))
        object.__setattr__(self, "justification", _as_justification(self.justification))

    def display(self, tex: Callable[[sp.Basic], str] = latex) -> str:
        """The line as the author wrote it (``latex``) when read from LaTeX, else as SymPy prints it."""
        return " ".join(self.latex.split()) if self.latex else self.to_latex(tex)

    def to_latex(self, tex: Callable[[sp.Basic], str] = latex) -> str:
        """The line's formula as LaTeX (with its ``+ O(order)`` remainder); ``tex`` prints formulas."""
        body = tex(self.expr)
        if self.order is not None:
            body += r" + \mathcal{O}\left(" + tex(self.order) + r"\right)"
        return body


@dataclass(frozen=True)
class WorkingStep:
    """Step ``index`` (from 1): line ``index`` joined to line ``index + 1`` by ``relation``.

    ``remainder`` is the order up to which the step holds (the later line's, or the one carried from
    the earlier line when the later one writes none); None for an exact step.
    """

    index: int
    before: WorkingLine
    after: WorkingLine
    relation: str
    remainder: sp.Expr | None

    @property
    def justification(self) -> Justification | None:
        """The later line's tag: why it follows."""
        return self.after.justification

    @property
    def is_assumption(self) -> bool:
        """Whether this step is an assumption (reported, never checked)."""
        return self.justification is not None and self.justification.is_assumption


def _params(spec: Iterable[Any]) -> tuple[Parameter, ...]:
    from . import default_domain  # noqa: PLC0415 - the public API, whichever private module holds it

    out: list[Parameter] = []
    for p in spec:
        if isinstance(p, Parameter):
            out.append(p)
        elif isinstance(p, sp.Symbol):
            out.append(Parameter(p, default_domain(p), p.name))
        else:
            raise fail("parameters", p, "Parameters or SymPy Symbols")
    names = [p.name for p in out]
    if len(set(names)) != len(names):
        raise fail("parameters", names, "free of duplicate names")
    return tuple(out)


def _pairs(value: Any, name: str) -> tuple[tuple[Any, Any], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    try:
        return tuple((a, b) for a, b in items)
    except (TypeError, ValueError):
        raise fail(name, value, "a mapping or a sequence of pairs") from None


@dataclass(frozen=True)
class Working:
    """A derivation as data: an id, parameters with domains, ``where``, and an ordered list of lines.

    ``variable`` and ``point`` give the limit of ``≈`` steps and ``O(...)`` remainders (``t -> 0``
    with every other parameter fixed). ``scaling`` lists :class:`derivations.Scaling` symmetries
    every line must respect (dimensional analysis at every step). ``operators`` maps undefined
    functions used in the lines (``E``, ``tr``, ``T``) to pure-SymPy rules that evaluate them on
    evaluated arguments; ``matrices`` maps non-commutative symbols to explicit symbolic matrices;
    ``latex_names`` overrides how symbols print (``{Ht2: r"\\mathbb{E}[H_t^2]"}``).
    """

    id: str
    lines: tuple[WorkingLine, ...]
    parameters: tuple[Parameter, ...]
    where: sp.Basic = sp.true
    variable: sp.Symbol | None = None
    point: sp.Expr = sp.S.Zero
    scaling: tuple[Any, ...] = ()
    title: str = ""
    source: Source | None = None
    notes: tuple[str, ...] = ()
    operators: tuple[tuple[FunctionClass, Callable[..., sp.Basic]], ...] = ()
    matrices: tuple[tuple[sp.Symbol, sp.Matrix], ...] = ()
    latex_names: tuple[tuple[sp.Symbol, str], ...] = ()
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise fail("id", self.id, "dotted lower-case words such as 'kim2023.working.cor1'")
        lines = tuple(self.lines)
        if len(lines) < 2 or not all(isinstance(ln, WorkingLine) for ln in lines):
            raise fail("lines", self.lines, "at least two WorkingLines")
        object.__setattr__(self, "lines", lines)
        object.__setattr__(self, "parameters", _params(self.parameters))
        object.__setattr__(self, "where", sp.sympify(self.where))
        object.__setattr__(self, "point", sp.sympify(self.point))
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "operators", _pairs(self.operators, "operators"))
        object.__setattr__(self, "matrices", tuple((s, sp.ImmutableMatrix(m)) for s, m in _pairs(self.matrices, "matrices")))
        object.__setattr__(self, "latex_names", tuple((s, str(n)) for s, n in _pairs(self.latex_names, "latex_names")))
        sc = self.scaling if isinstance(self.scaling, (tuple, list)) else (self.scaling,)
        object.__setattr__(self, "scaling", tuple(sc))
        self._validate()

    def _validate(self) -> None:
        from . import Scaling  # noqa: PLC0415

        if self.lines[0].relation is not None:
            raise fail("lines[0].relation", self.lines[0].relation, "None (the first line has no predecessor)")
        if self.lines[0].justification is not None and self.lines[0].justification.kind == "substitute":
            raise fail("lines[0].justification", self.lines[0].justification.label(), "not a substitution (nothing precedes it)")
        carried: sp.Expr | None = None
        for i, ln in enumerate(self.lines[1:], start=2):
            if ln.relation is None:
                raise fail(f"lines[{i - 1}].relation", None, "one of " + ", ".join(RELATIONS))
            if ln.relation in ("<=", "<", ">=", ">", "=>") and (ln.order is not None or carried is not None):
                raise fail(f"lines[{i - 1}].relation", ln.relation, "'=' or '≈' when a line carries an O(...) remainder")
            if ln.relation == "≈" and ln.order is None and carried is None:
                raise fail(f"lines[{i - 1}].order", None, "the stated order of an '≈' step", "write '... + O(t^3)'")
            carried = ln.order if ln.order is not None else (carried if ln.relation in ("=", "≈") else None)
        if any(ln.order is not None for ln in self.lines):
            if not isinstance(self.variable, sp.Symbol):
                raise fail("variable", self.variable, "the small parameter of the O(...) remainders (a Symbol)")
        names = {p.symbol for p in self.parameters}
        if self.variable is not None and self.variable not in names:
            raise fail("variable", self.variable, "one of the parameters " + ", ".join(p.name for p in self.parameters))
        for s in self.scaling:
            if not isinstance(s, Scaling):
                raise fail("scaling", s, "derivations.Scaling instances")
        ops = {f for f, _ in self.operators}
        for f, rule in self.operators:
            if not isinstance(f, FunctionClass) or not callable(rule):
                raise fail("operators", (f, rule), "pairs (undefined SymPy function, rule callable)")
        for s, _ in self.matrices:
            if not isinstance(s, sp.Symbol) or s.is_commutative:
                raise fail("matrices", s, "keyed by non-commutative Symbols")
        targets = {a for ln in self.lines if ln.justification for a, _ in ln.justification.substitutions}
        allowed = names | targets
        for i, ln in enumerate(self.lines, start=1):
            atoms = ln.expr.free_symbols | (ln.order.free_symbols if ln.order is not None else set())
            unknown = sorted(s.name for s in atoms if s not in allowed and s.is_commutative)
            if unknown:
                raise fail(f"line {i}", str(ln.expr), "written in the declared parameters",
                           f"undeclared symbol(s) {', '.join(unknown)}; declare them in parameters=")
            bad = sorted({str(f.func) for f in ln.expr.atoms(AppliedUndef) if f.func not in ops})
            if bad:
                raise fail(f"line {i}", str(ln.expr), "free of undefined functions without a rule",
                           f"{', '.join(bad)}: declare them in operators=")
        unknown_where = sorted(s.name for s in self.where.free_symbols if s not in names)
        if unknown_where:
            raise fail("where", self.where, "a condition on the parameters", f"undeclared: {', '.join(unknown_where)}")

    # -- views ---------------------------------------------------------------------------------
    @property
    def steps(self) -> tuple[WorkingStep, ...]:
        """The steps, ``steps[i - 1]`` joining line ``i`` to line ``i + 1``."""
        out: list[WorkingStep] = []
        carried: sp.Expr | None = None
        for i in range(1, len(self.lines)):
            a, b = self.lines[i - 1], self.lines[i]
            rem = b.order if b.order is not None else (carried if b.relation in ("=", "≈") else None)
            if rem is None and a.order is not None and b.relation in ("=", "≈"):
                rem = a.order
            out.append(WorkingStep(i, a, b, b.relation, rem))
            carried = rem
        return tuple(out)

    @property
    def operator_rules(self) -> dict[FunctionClass, Callable[..., sp.Basic]]:
        """``operators`` as a dict."""
        return dict(self.operators)

    @property
    def matrix_models(self) -> dict[sp.Symbol, sp.ImmutableMatrix]:
        """``matrices`` as a dict."""
        return dict(self.matrices)

    def symbol(self, name: str) -> sp.Symbol:
        """The parameter symbol called ``name``."""
        for p in self.parameters:
            if p.name == name:
                return p.symbol
        raise fail("name", name, "a parameter of " + self.id, ", ".join(p.name for p in self.parameters))

    def latex_of(self, expr: sp.Basic) -> str:
        """``expr`` as LaTeX, with the working's ``latex_names``."""
        if not self.latex_names:
            return latex(expr)
        return _Printer({"mul_symbol": "dot", "symbol_names": dict(self.latex_names)}).doprint(expr)

    def to_latex(self) -> str:
        """The working as an ``align*`` block, with relations and justification tags (no verdicts)."""
        rows = [self.lines[0].to_latex(self.latex_of)]
        for ln in self.lines[1:]:
            row = f"&{_LATEX_REL[ln.relation]} {ln.to_latex(self.latex_of)}"
            if ln.justification is not None:
                row += f" && {ln.justification.to_latex()}"
            rows.append(row)
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


# -- the catalogue of workings ------------------------------------------------------------------------
#: The entry-point group that step-by-step workings register under.
ENTRY_POINT_GROUP = "samverify.workings"
_CATALOGUE_ID = re.compile(r"^[a-z][a-z0-9_]*\.working\.[a-z0-9_]+$")
_CACHE: dict[str, Working] = {}


def _load() -> dict[str, Working]:
    if _CACHE:
        return _CACHE
    built: dict[str, Working] = {}
    for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            fn = ep.load()
        except Exception as exc:  # noqa: BLE001 - any import failure must name the entry point
            raise RegistryError(f"workings entry point {ep.name!r} = {ep.value!r} (group {ENTRY_POINT_GROUP}) "
                                f"failed to import: {type(exc).__name__}: {exc}") from exc
        if not callable(fn):
            raise RegistryError(f"workings entry point {ep.name!r} = {ep.value!r} is not a function returning workings")
        try:
            items = list(fn())
        except Exception as exc:  # noqa: BLE001
            raise RegistryError(f"workings entry point {ep.name!r} = {ep.value!r} failed to build its workings: "
                                f"{type(exc).__name__}: {exc}") from exc
        for w in items:
            if not isinstance(w, Working):
                raise RegistryError(f"workings entry point {ep.name!r} returned {w!r}, which is not a Working")
            if not _CATALOGUE_ID.match(w.id):
                raise RegistryError(f"workings entry point {ep.name!r}: id {w.id!r} must read 'paper.working.name'")
            if w.id in built:
                raise RegistryError(f"duplicate working id {w.id!r} (entry point {ep.name!r})")
            built[w.id] = w
    _CACHE.update(built)
    return _CACHE


def working_catalogue() -> tuple[Working, ...]:
    """Every working registered under the ``samverify.workings`` entry points."""
    return tuple(_load().values())


def get_working(working_id: str) -> Working:
    """The catalogue working with id ``working_id``; an unknown id lists close matches."""
    ws = _load()
    if working_id in ws:
        return ws[working_id]
    close = difflib.get_close_matches(str(working_id), list(ws), n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; `samverify list` shows the {len(ws)} workings"
    raise UnknownClaim(f"working id {working_id!r} is not in the catalogue{hint}")


def reset_workings() -> None:
    """Forget the loaded workings (after installing a package that adds some)."""
    _CACHE.clear()
