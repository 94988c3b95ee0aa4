"""One generic method: find a point of a claim's witness space where its statement fails.

The claim declares its witness space (``extras["witnesses"]``, a :class:`derivations.coherence.Witnesses`,
or one per reading); the statement is the claim's own, bound by the reading.  Four searches draw
witnesses from the space — random families, the extremal families, integer families shrunk by
Hypothesis, and a Nelder–Mead descent — and each becomes one counted ``exact`` check whose
decision is the number of witnesses where the statement fails (``== 0`` passes).  A search that
decides no witness, or one that Hypothesis cannot feed, is ``inconclusive`` with its reason.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import numpy as np
import sympy as sp
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample, Unsatisfiable

from derivations import Claim, Implication, Statement
from derivations.coherence import Witnesses

from ._coh_descent import adversarial_family_search
from ._coh_eval import Undecidable, _Ctx
from ._certify import enclose
from ._coh_judge import Judgement, judge, threshold_margin
from ._coh_margin import Margin
from ._coh_notions import notions_result
from ._coh_model import FamilyModel, FamilyWitness
from ._coh_witness import extremal_witnesses, integer_strategy, random_witnesses, with_settings
from ._engine import Level
from ._results import CheckResult, Counterexample, decide, undecided

__all__ = ["witness_space", "search_checks", "counterexample_of", "seed_of", "hypothesis_settings", "jsonable",
           "statement_text"]


def seed_of(ss: np.random.SeedSequence) -> int:
    """A 63-bit integer seed drawn from ``ss`` (recorded in the result)."""
    return int(ss.generate_state(1, dtype=np.uint64)[0] % (2**63))


def hypothesis_settings(max_examples: int) -> settings:
    """Hypothesis settings for a reproducible search (no database, no deadline, generate and shrink only)."""
    return settings(max_examples=max_examples, database=None, deadline=None, suppress_health_check=list(HealthCheck),
                    phases=[Phase.generate, Phase.shrink])


def witness_space(claim: Claim, reading: str) -> Witnesses:
    """The witness space the claim declares for ``reading`` (one space, or a mapping reading -> space)."""
    spec = claim.extras.get("witnesses")
    if isinstance(spec, dict):
        spec = spec.get(reading)
    if not isinstance(spec, Witnesses):
        raise TypeError(f"claim {claim.id} [{reading}] declares no Witnesses in extras['witnesses'] (got {spec!r})")
    return spec


def jsonable(v: Any) -> Any:
    """A JSON-ready form of a model value (exact numbers as strings, floats as floats)."""
    if isinstance(v, (bool, int, float, str)) or v is None:
        return v
    if isinstance(v, sp.Integer):
        return int(v)
    if isinstance(v, sp.Float):
        return float(v)
    if v in (sp.true, sp.false):
        return bool(v)
    return str(v)


def statement_text(stmt: Statement) -> str:
    """The statement as one line of text (the ``claimed`` side of a counterexample)."""
    if isinstance(stmt, Implication):
        c = stmt.conclusion
        concl = f"{c.expr} bounded as {c.variable} -> {c.point}" if hasattr(c, "variable") else str(c)
        return f"{stmt.hypothesis} implies {concl}"
    return str(getattr(stmt, "relation", stmt))


#: The backend of an exact counterexample's certificate.
EXACT_BACKEND = "exact rational / algebraic arithmetic (SymPy)"
#: Why a float counterexample is not certified.
FLOAT_WHY = ("the witness is not an integer family (or its exact operator is out of reach), so the statement was "
             "evaluated in float64 (eigen-solves, 1e-10 relative tie band), not enclosed")


def _enclosure(m: Margin) -> dict[str, Any]:
    """The decisive gap of an exact counterexample, enclosed by ball / interval arithmetic (exact zero for a tie)."""
    gap = sp.sympify(m.gap) if m.gap is not None else None
    base = {"backend": EXACT_BACKEND, "quantity": m.what, "relative_margin": m.value}
    if gap is None or not gap.is_number or gap.has(sp.Float):
        return base
    if gap == 0:
        return {**base, "lo": "0", "hi": "0", "excludes_zero": False}
    enc = enclose(gap, {})
    return {**base, **enc.to_dict()} if enc is not None else {**base, "exact": str(gap)}


def _degenerate(w: FamilyWitness) -> str:
    if w.start == "generic":
        return ""
    return (f"w0 = {w.start}: a start in the invariant subspace of one coordinate, orthogonal to the other modes "
            "(measure zero; a generic start reaches the top mode)")


def counterexample_of(stmt: Statement, j: Judgement) -> Counterexample:
    """The counterexample of a failing judgement: the witness, the point, what the model gives there, and its standing.

    Exact judgements are certified (exact arithmetic decides the statement; the decisive gap is
    enclosed); a zero margin is a boundary tie; a basis start is a degenerate witness.
    """
    o = j.outcome
    params = {**j.witness.params(), **{str(k): jsonable(v) for k, v in j.point.items()}}
    values = {k: jsonable(v) for k, v in (o.values if o else {}).items() if k not in params}
    claimed = {"statement": statement_text(stmt)}
    if o is not None and o.hypothesis is not None:
        claimed["hypothesis_holds"] = bool(o.hypothesis)
    actual = {"statement_holds": False, **values}
    how = "exact rational arithmetic" if j.exact else "float64 with a 1e-10 relative tie band"
    m = j.margin
    rel = None if m is None or not math.isfinite(m.value) else float(m.value)
    note = (f"the claim's statement evaluated at this witness is false ({how}); "
            f"hypothesis {o.hypothesis if o else None}, conclusion {o.conclusion if o else None}")
    if j.tie:
        note += f"; fails only with equality (a boundary tie: {m.what} is exactly 0)"
    elif m is not None:
        note += f"; decided by {m.what} (relative margin {m.value:.3g}: persists on a neighbourhood)"
    return Counterexample(params, claimed, actual, note=note, exact=j.exact, certified=j.exact,
                          why="" if j.exact else FLOAT_WHY, enclosure=_enclosure(m) if j.exact and m is not None else None,
                          tie=j.tie, persists=None if m is None else m.value > 0, relative_violation=rel,
                          degenerate=_degenerate(j.witness))


def _result(stmt: Statement, what: str, js: list[Judgement], *, seed: int | None, t0: float,
            extra: dict[str, Any] | None = None) -> CheckResult:
    counts = {s: sum(j.status == s for j in js) for s in ("fails", "holds", "vacuous", "undecided")}
    fails = [j for j in js if j.status == "fails"]
    # report the most instructive failing witness: exact, not a tie, a generic start, the largest margin, small
    fails.sort(key=Judgement.rank)
    data = {"witnesses": len(js), **counts, "points": sum(j.n_points for j in js),
            "points_with_hypothesis": sum(j.n_hypothesis for j in js), **(extra or {})}
    detail = (f"{what}: the statement fails at {counts['fails']} of {len(js)} witnesses "
              f"(holds at {counts['holds']}, vacuously at {counts['vacuous']}, undecided at {counts['undecided']})")
    elapsed = time.perf_counter() - t0
    if not fails and counts["holds"] == 0:
        why = ("no witness was drawn" if not js else
               "the hypothesis held at no witness point" if counts["vacuous"] else "no witness could be decided")
        return undecided("exact", why, detail, data=data, seed=seed, elapsed=elapsed)
    return decide("exact", detail, quantity=f"witnesses where the statement fails ({what})", value=counts["fails"],
                  op="==", threshold=0, counterexample=lambda: counterexample_of(stmt, fails[0]), data=data, seed=seed,
                  elapsed=elapsed)


def _judge_all(stmt: Statement, spec: Witnesses, ws: Iterable[FamilyWitness]) -> list[Judgement]:
    return [judge(stmt, spec, w) for w in ws]


def _integer_search(stmt: Statement, spec: Witnesses, batch: str | None, level: Level, seed: int
                    ) -> tuple[CheckResult, list[Judgement]]:
    t0 = time.perf_counter()
    n_ex = spec.examples[0 if level.name == "fast" else 1]
    what = f"integer families n <= {spec.integer[0]}, d <= {spec.integer[1]}, entries |a| <= {spec.integer[2]} (Hypothesis)"
    try:
        w = find(integer_strategy(spec, batch=batch), lambda w: judge(stmt, spec, w, exact_ok=False).status == "fails",
                 settings=hypothesis_settings(n_ex), random=random.Random(seed))
    except NoSuchExample:
        return decide("exact", f"{what}: no family among {n_ex} examples where the statement fails",
                      quantity=f"witnesses where the statement fails ({what})", value=0, op="==", threshold=0,
                      data={"examples": n_ex}, seed=seed, elapsed=time.perf_counter() - t0), []
    except Unsatisfiable:
        return undecided("exact", "no example satisfied the assumptions", what, seed=seed, elapsed=time.perf_counter() - t0), []
    js = [judge(stmt, spec, w)]
    return _result(stmt, what + ", shrunk", js, seed=seed, t0=t0, extra={"examples": n_ex}), js


def _descent(stmt: Statement, spec: Witnesses, batch: str | None, level: Level, rng: np.random.Generator,
             objective: Callable[[FamilyWitness], float]) -> list[FamilyWitness]:
    out = []
    fast = level.name == "fast"
    for n, d, B in spec.descent:
        for c in (spec.c[:1] if fast else spec.c):
            def obj(H: np.ndarray, B: int = B, c: sp.Expr = c) -> float:
                return objective(FamilyWitness(H, batch if B else None, B or None, c, "generic", spec.s, "descent"))

            rec = adversarial_family_search(obj, sizes=[(n, d)], rng=rng, starts=1 if fast else 2,
                                            max_evals=100 if fast else 300, rank=1 if spec.rank_one else None)[0]
            if rec["H"] is not None:
                out += with_settings(spec, np.asarray(rec["H"]), batch, B or None, c, "descent (Nelder–Mead)")
    return out


def slack(stmt: Statement, spec: Witnesses, w: FamilyWitness) -> float:
    """The smallest normalised gap of the conclusion's relations (negative: violated), for a descent."""
    concl = stmt.conclusion if isinstance(stmt, Implication) else getattr(stmt, "relation", None)
    rels = [a for a in sp.preorder_traversal(concl) if isinstance(a, sp.core.relational.Relational)] if concl is not None else []
    ctx, gaps = _Ctx(FamilyModel(w), {}), []
    for r in rels:
        try:
            a, b = float(ctx.num(r.lhs)), float(ctx.num(r.rhs))
        except (Undecidable, TypeError):
            return float("inf")  # an undefined point scores +inf: the descent moves on

        g = (a - b) if r.rel_op in (">", ">=") else (b - a) if r.rel_op in ("<", "<=") else -abs(a - b)
        gaps.append(g / max(1.0, abs(a), abs(b)))
    return min(gaps) if gaps else float("inf")


def search_checks(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence, *,
                  batch: str | None) -> list[CheckResult]:
    """Every search the claim's witness space declares, each one counted ``exact`` check (module doc)."""
    spec = witness_space(claim, reading)
    stmt = claim.statement_for(reading)
    fast = level.name == "fast"
    s_rand, s_hyp, s_nm, s_ly = ss.spawn(4)
    out: list[CheckResult] = []
    judged: list[Judgement] = []
    if spec.extremal:
        t0 = time.perf_counter()
        js = _judge_all(stmt, spec, extremal_witnesses(spec, batch=batch, full=not fast))
        judged += js
        out.append(_result(stmt, "extremal families", js, seed=None, t0=t0))
    if spec.random:
        t0 = time.perf_counter()
        count = spec.sizes[0 if fast else 1]
        js = _judge_all(stmt, spec, random_witnesses(spec, np.random.default_rng(s_rand), count=count, batch=batch))
        judged += js
        out.append(_result(stmt, f"random families ({', '.join(spec.random)})", js, seed=seed_of(s_rand), t0=t0))
    if spec.integer is not None:
        res, js = _integer_search(stmt, spec, batch, level, seed_of(s_hyp))
        judged += js
        out.append(res)
    if spec.descent:
        t0 = time.perf_counter()
        objective = (lambda w: threshold_margin(stmt, spec, w)) if spec.free is not None else (lambda w: slack(stmt, spec, w))
        js = _judge_all(stmt, spec, _descent(stmt, spec, batch, level, np.random.default_rng(s_nm), objective))
        judged += js
        out.append(_result(stmt, "Nelder–Mead descent on the hypothesis' margin", js, seed=seed_of(s_nm), t0=t0))
    if "basis" in spec.starts:
        out.append(_generic_start_result(stmt, judged))
    notions = notions_result(stmt, judged, np.random.default_rng(s_ly))
    if notions is not None:
        out.append(notions)
    return out


def _generic_start_result(stmt: Statement, js: list[Judgement]) -> CheckResult:
    """Context: the statement at the witnesses with a generic start only (a basis start is a measure-zero start)."""
    t0 = time.perf_counter()
    generic = [j for j in js if j.witness.start == "generic"]
    res = _result(stmt, "generic starts only (w0 with a component on every mode; context beside the basis starts)", generic,
                  seed=None, t0=t0)
    return replace(res, counts=False)
