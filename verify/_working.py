"""Check a working step by step with the engine's methods; the chain's verdict is its weakest step's.

Each step (line ``i`` to line ``i + 1``) becomes one or more scalar statements
(:func:`verify._working_algebra.step_meaning`) checked like a claim's: symbolic first (a proof or an
exact witness), then high-precision evaluation at the domain's edges, boundaries and random points,
then a Hypothesis search for a counterexample. A wrong step reports a counterexample and what the
previous line actually equals, in the author's shape. Assumption steps are reported, never checked.
Declared scalings are checked on every line: the first line whose scaling exponent differs from the
first line's is named even when no counterexample has been found.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import sympy as sp

from derivations import Asymptotic, Statement, latex
from derivations._validate import check_choice, fail
from derivations._working import Working, WorkingStep

from ._budget import OutOfTime, within_budget
from ._domain import Domain, point_to_json
from ._engine import LEVELS, Level, resolve_seed
from ._pointwise import evaluate_point, statement_symbols
from ._precision import precision_check
from ._property import property_check
from ._results import CheckResult, Counterexample, PartResult, combine_checks, combine_parts, decide, undecided
from ._symbolic import symbolic_check
from ._working_algebra import StepMeaning, evaluate_line, expected_next, line_exponent, step_meaning

__all__ = ["StepResult", "LineScaling", "WorkingResult", "check_working", "working_domain", "STEP_VERDICTS"]

#: A step's verdict: the engine's four, plus ``assumption`` for a step taken on trust.
STEP_VERDICTS: tuple[str, ...] = ("proved", "supported", "refuted", "inconclusive", "assumption")
_RANK = {"refuted": 0, "inconclusive": 1, "supported": 2, "proved": 3}

#: Effort per step part: (random precision points besides the edges, Hypothesis examples). A step is
#: one small identity, and a wrong step (a dropped term, factor or sign) fails on most of the domain,
#: so at ``fast`` a third of a claim's points and a quarter of its examples keep a ten-step working
#: near ten seconds; ``full`` uses the claim sizes.
_SIZES = {"fast": (8, 30), "full": (LEVELS["full"].precision_points, LEVELS["full"].property_examples)}
#: Scale factors 2^j tried along a scaling orbit when two lines scale differently: |j| <= 12 spans
#: seven decades either way, enough for any exponent mismatch >= 1/4 to move a ratio by 8x.
_ORBIT = [j * s for j in range(1, 13) for s in (1, -1)]


@dataclass(frozen=True)
class StepResult:
    """The verdict on one step, with its checks, counterexample and the corrected next line."""

    index: int
    relation: str
    verdict: str
    checks: tuple[CheckResult, ...]
    parts: tuple[PartResult, ...] = ()
    counterexample: Counterexample | None = None
    expected_next: dict[str, Any] | None = None
    justification: str | None = None
    statement: str = ""
    reason: str = ""
    remainder: str | None = None

    def __post_init__(self) -> None:
        if self.verdict not in STEP_VERDICTS:
            raise ValueError(f"verdict={self.verdict!r} must be one of {STEP_VERDICTS}")
        if self.verdict == "refuted" and self.counterexample is None:
            raise ValueError(f"step {self.index}: a refuted verdict needs its counterexample")
        if self.verdict == "assumption" and self.checks:
            raise ValueError(f"step {self.index}: an assumption is never checked")


@dataclass(frozen=True)
class LineScaling:
    """The scaling exponent of every line under one declared scaling, and the first line breaking it."""

    name: str
    text: str
    exponents: tuple[tuple[int, str | None, str], ...]  # (line, exponent or None, note)
    first_break: int | None


@dataclass(frozen=True)
class WorkingResult:
    """The verdict on a whole working: the weakest step's, the first refuted step, every step's evidence."""

    working: Working
    verdict: str
    first_failure: int | None
    steps: tuple[StepResult, ...]
    scaling: tuple[LineScaling, ...] = ()
    seed: int | None = None
    level: str = "fast"
    elapsed: float = 0.0
    assumptions: tuple[int, ...] = field(default=())

    @property
    def first_scaling_break(self) -> int | None:
        """The first line (from 1) whose scaling exponent differs from the first line's, under any scaling."""
        breaks = [s.first_break for s in self.scaling if s.first_break is not None]
        return min(breaks) if breaks else None

    def to_dict(self) -> dict[str, Any]:
        """The ``samverify.derivation/1`` JSON document."""
        from ._working_output import to_json

        return to_json(self)

    def _repr_html_(self) -> str:
        """Jupyter's rich display: the chain with each step's verdict, counterexample and corrected line."""
        from ._working_output import to_html

        return to_html(self)


def working_domain(working: Working) -> Domain:
    """The working's domain: parameter sets narrowed by the single-symbol conditions of ``where``."""
    where = working.where
    atoms = [] if where in (sp.true, True) else (list(where.args) if isinstance(where, sp.And) else [where])
    single = [a for a in atoms if isinstance(a, sp.core.relational.Relational) and len(a.free_symbols) == 1
              and not isinstance(a, (sp.Ne, sp.Eq))]
    sets: dict[sp.Symbol, sp.Set] = {}
    integer: dict[sp.Symbol, bool] = {}
    for p in working.parameters:
        S = p.domain
        for a in single:
            if p.symbol in a.free_symbols:
                S = S.intersect(a.as_set())
        if S.is_empty:
            raise fail("where", where, f"satisfiable: it leaves no value of {p.name} in {p.domain}")
        sets[p.symbol] = S
        integer[p.symbol] = p.is_integer
    return Domain(sets=sets, integer=integer, where=where)


def _seq(seed: int, *keys: str) -> np.random.SeedSequence:
    """An independent stream per (working, step, part, method), whatever ran before."""
    return np.random.SeedSequence([seed, *[zlib.crc32(k.encode()) for k in keys]])


def _label(stmt: Statement) -> str | None:
    rel = getattr(stmt, "relation", None)
    return str(rel) if rel is not None else None


def _difference_form(stmt: Asymptotic, budget: float) -> Asymptotic:
    """``a - b = 0 + O(R)`` for ``a = b + O(R)``, the difference simplified first.

    Same statement, but evaluated without cancelling ``a`` against ``b`` in floating point: when the
    difference is identically zero the pointwise sweep would otherwise read round-off that grows
    relative to ``R`` as the variable shrinks as a violation.
    """
    diff = stmt.expr - stmt.leading
    try:
        diff = within_budget(lambda: sp.simplify(sp.expand(diff)), budget)
    except OutOfTime:
        pass
    return Asymptotic(diff, sp.S.Zero, stmt.remainder, stmt.variable, stmt.point)


def _check_part(working: Working, step: WorkingStep, name: str | None, stmt: Statement, domain: Domain,
                level: Level, seed: int) -> list[CheckResult]:
    n_points, n_examples = _SIZES[level.name]
    key = (working.id, str(step.index), name or "")
    label = _label(stmt)
    out = [symbolic_check(stmt, domain, budget=level.symbolic_budget, part=name, label=label)]
    numeric = _difference_form(stmt, level.symbolic_budget) if isinstance(stmt, Asymptotic) else stmt
    out.append(precision_check(numeric, domain, rng=np.random.default_rng(_seq(seed, *key, "precision")), seed=seed,
                               n_random=n_points, dps=level.dps, part=name, label=label))
    prop_seed = int(_seq(seed, *key, "property").generate_state(1)[0])
    out.append(property_check(numeric, domain, seed=prop_seed, max_examples=n_examples, part=name, label=label))
    if numeric is not stmt:  # say which statement the numeric witnesses are about
        out = [r if r.counterexample is None or r.method == "symbolic" else
               replace(r, counterexample=replace(r.counterexample, note="claimed: line "
                       f"{step.index} minus line {step.index + 1} is O({stmt.remainder}); actual: that difference; "
                       + r.counterexample.note)) for r in out]
    return out


def _statement_latex(meaning: StepMeaning) -> str:
    return " \\\\ ".join((f"\\text{{{name}: }}" if name else "") + s.to_latex() for name, s in meaning.parts)


def _line_values(working: Working) -> list[Any]:
    """Each line's value for dimensional analysis (a placeholder line read through the next step's substitution)."""
    vals = []
    for i, ln in enumerate(working.lines):
        expr = ln.expr
        nxt = working.lines[i + 1].justification if i + 1 < len(working.lines) else None
        if nxt is not None and nxt.substitutions:
            expr = expr.subs(dict(nxt.substitutions), simultaneous=True)
        try:
            vals.append(evaluate_line(expr, working))
        except (ValueError, TypeError, NotImplementedError):
            vals.append(None)
    return vals


def _scalings(working: Working) -> tuple[tuple[LineScaling, ...], list[list[tuple[Any, str]]]]:
    vals = _line_values(working)
    out, per = [], []
    for sc in working.scaling:
        ks = [line_exponent(sc, v) if v is not None else (None, "the line could not be evaluated") for v in vals]
        known = [k for k, _ in ks if k is not None and k is not sp.nan]
        ref = known[0] if known else None
        first = next((i for i, (k, _) in enumerate(ks, start=1)
                      if k is sp.nan or (k is not None and ref is not None and k != ref)), None)
        rows = tuple((i, None if k is None else ("inconsistent" if k is sp.nan else str(k)), note)
                     for i, (k, note) in enumerate(ks, start=1))
        out.append(LineScaling(sc.name, sc.text(), rows, first))
        per.append(ks)
    return tuple(out), per


def _orbit_counterexample(stmt: Statement, sc: Any, domain: Domain, dps: int) -> Counterexample | None:
    syms = [s for s in domain.sets if s in statement_symbols(stmt)]
    base = {s: domain.typical(s) for s in syms}
    if not domain.contains(base):
        pts = domain.points(syms, rng=np.random.default_rng(0), n_random=20)
        if not pts:
            return None
        base = pts[0]
    for j in [0, *_ORBIT]:
        c = sp.Integer(2) ** j
        p = {s: v * c ** sc.exponents.get(s, 0) for s, v in base.items()}
        if any(not v.is_Rational for v in p.values()) or not domain.contains(p):
            continue
        o = evaluate_point(stmt, p, dps=dps, label=_label(stmt))
        if o.applicable and o.violated:
            return Counterexample(point_to_json(p), o.claimed, o.actual, exact=o.exact,
                                  note=f"{sc.name}: scaled image (c = 2^{j}) of {point_to_json(base)}")
    return None


def _scaling_checks(step: WorkingStep, meaning: StepMeaning, working: Working, per: list[list[tuple[Any, str]]],
                    domain: Domain, level: Level) -> list[CheckResult]:
    out: list[CheckResult] = []
    for sc, ks in zip(working.scaling, per):
        (ka, na), (kb, nb) = ks[step.index - 1], ks[step.index]
        head = f"scaling {sc.text()}"
        if ka is None or kb is None or ka is sp.nan or kb is sp.nan:
            why = "; ".join(f"line {i}: {n}" for i, (k, n) in ((step.index, (ka, na)), (step.index + 1, (kb, nb)))
                            if k is None or k is sp.nan)
            out.append(undecided("symbolic", f"{head}: no common exponent ({why})", counts=False))
            continue
        diff = sp.nsimplify(kb - ka)
        cx = None
        if diff != 0 and len(meaning.parts) == 1:
            cx = _orbit_counterexample(meaning.parts[0][1], sc, domain, level.dps)
        detail = (f"{head}: line {step.index} scales as c^{ka}, line {step.index + 1} as c^{kb}"
                  + ("" if diff == 0 else (f"; violated at {cx.params}" if cx else "; no violating point found on the "
                                            "scaling orbit yet")))
        # a mismatch without a witness is reported (context) but cannot refute; with one it counts
        out.append(decide("symbolic", detail, quantity=f"scaling exponent of line {step.index + 1} minus line {step.index}",
                          value=str(diff), op="==", threshold="0", counterexample=cx, counts=cx is not None,
                          data={"scaling": sc.name, "exponent_before": str(ka), "exponent_after": str(kb)}))
    return out


def _check_step(working: Working, step: WorkingStep, domain: Domain, level: Level, seed: int,
                per: list[list[tuple[Any, str]]]) -> StepResult:
    j = step.justification
    tag = j.label() if j is not None else None
    rem = None if step.remainder is None else latex(step.remainder)
    if step.is_assumption:
        return StepResult(step.index, step.relation, "assumption", (), justification=tag, remainder=rem,
                          reason=f"assumption ({j.text or 'stated by the author'}): taken on trust, not checked")
    meaning = step_meaning(working, step)
    if meaning.problem:
        c = undecided("symbolic", meaning.problem)
        return StepResult(step.index, step.relation, "inconclusive", (c,), justification=tag, reason=meaning.problem,
                          remainder=rem)
    checks: list[CheckResult] = []
    parts: list[PartResult] = []
    for name, stmt in meaning.parts:
        cs = _check_part(working, step, name, stmt, domain, level, seed)
        v, cx = combine_checks(tuple(cs))
        parts.append(PartResult(name or "step", v, tuple(cs), cx))
        checks += cs
    scal = _scaling_checks(step, meaning, working, per, domain, level) if working.scaling else []
    checks += scal
    counted_scaling = tuple(c for c in scal if c.counts)
    if counted_scaling:
        v, cx = combine_checks(counted_scaling)
        parts.append(PartResult("scaling", v, counted_scaling, cx))
    verdict, cx = combine_parts(tuple(parts))
    # a refuted part's simplest witness is the step's; prefer one from the first refuted part
    first_bad = next((p for p in parts if p.verdict == "refuted"), None)
    if first_bad is not None:
        cx = first_bad.counterexample
        if first_bad.name != "step" and cx is not None:
            cx = replace(cx, note=f"[{first_bad.name}] {cx.note}".rstrip())
    # the corrected line is shown where the step is wrong or undecided, not where it holds
    exp = (expected_next(working, step, meaning, budget_s=level.symbolic_budget)
           if verdict in ("refuted", "inconclusive") else None)
    return StepResult(step.index, step.relation, verdict, tuple(checks), tuple(parts) if len(parts) > 1 else (),
                      cx, exp, tag, _statement_latex(meaning), remainder=rem)


def check_working(working: Working, *, level: str = "fast",
                  rng: int | np.random.Generator | np.random.SeedSequence | None = None) -> WorkingResult:
    """Check every step of ``working`` and return the chain's verdict with each step's evidence.

    ``level`` is ``fast`` or ``full`` (the engine's levels); ``rng`` seeds every random choice and is
    recorded, so the same seed gives the same report. The chain's verdict is the weakest checked
    step's (refuted < inconclusive < supported < proved); assumption steps are listed, not checked.
    """
    if not isinstance(working, Working):
        raise fail("working", working, "a derivations Working")
    check_choice("level", level, tuple(LEVELS))
    seed = resolve_seed(rng)
    lv = LEVELS[level]
    t0 = time.perf_counter()
    domain = working_domain(working)
    scaling, per = _scalings(working)
    steps = tuple(_check_step(working, s, domain, lv, seed, per) for s in working.steps)
    checked = [s for s in steps if s.verdict != "assumption"]
    verdict = min((s.verdict for s in checked), key=_RANK.__getitem__) if checked else "inconclusive"
    first = next((s.index for s in steps if s.verdict == "refuted"), None)
    return WorkingResult(working, verdict, first, steps, scaling, seed=seed, level=level,
                         elapsed=time.perf_counter() - t0,
                         assumptions=tuple(s.index for s in steps if s.verdict == "assumption"))
