"""Property-based counterexample search with Hypothesis over a claim's domain.

Hypothesis looks for a point where the statement fails and shrinks it to a simple one (values
shrink towards 1 and small exponents); the shrunk point is then confirmed at high precision.
"""

from __future__ import annotations

import random
import time
from typing import Any

import numpy as np
import sympy as sp
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable

from derivations import Statement

from ._domain import Domain, point_to_json
from ._pointwise import evaluate_point, statement_symbols
from ._results import CheckResult, decide, undecided
from ._witnesses import best_counterexample

__all__ = ["property_check", "value_strategy"]

_MAX_INT = 4096


def value_strategy(domain: Domain, s: sp.Symbol) -> st.SearchStrategy[sp.Rational]:
    """Exact values of parameter ``s``: 2-digit mantissas over 10^-3..10^3, both signs where allowed."""
    S, integer = domain.sets[s], domain.integer[s]
    inside = lambda v: domain.member(s, v)  # noqa: E731
    if integer:
        lo = int(S.inf) if S.inf.is_finite else -_MAX_INT
        hi = int(S.sup) if S.sup.is_finite else _MAX_INT
        return st.integers(max(lo, -_MAX_INT), min(hi, _MAX_INT)).map(sp.Integer).filter(inside)
    if S.inf.is_finite and S.sup.is_finite:
        lo, hi = sp.Rational(S.inf), sp.Rational(S.sup)
        return st.integers(0, 1000).map(lambda k: lo + (hi - lo) * sp.Rational(k, 1000)).filter(inside)
    signs = [s for s in (1, -1) if S.intersect(sp.Interval.open(0, sp.oo) if s > 0 else sp.Interval.open(-sp.oo, 0)) != sp.EmptySet]
    magnitude = st.builds(lambda m, e: sp.Rational(m, 10) * sp.Rational(10) ** e, st.integers(10, 99), st.integers(-3, 3))
    nonzero = st.builds(lambda s, v: s * v, st.sampled_from(signs), magnitude)
    strat = nonzero if S.contains(0) != sp.true else st.one_of(nonzero, st.just(sp.Integer(0)))
    return strat.filter(inside)


def property_check(
    stmt: Statement,
    domain: Domain,
    *,
    seed: int,
    max_examples: int,
    dps: int = 30,
    part: str | None = None,
    counts: bool = True,
    label: str | None = None,
    validity: sp.Basic = sp.true,
) -> CheckResult:
    """Search for a counterexample with Hypothesis (``max_examples`` tries, seeded by ``seed``).

    Besides free draws from each parameter's domain, Hypothesis draws exact points on the
    boundaries of ``where``, of the statement's conditions and of the model's ``validity`` region.
    The decision is the number of confirmed counterexamples (0 to pass); a search in which no
    example satisfied the domain is ``inconclusive``, never a pass.
    """
    t0 = time.perf_counter()
    from ._precision import _membership, _needs_limits, sample_points

    if _needs_limits(stmt):
        max_examples = max(10, max_examples // 4)  # an exact SymPy limit per example
    syms = sorted(statement_symbols(stmt) & set(domain.sets), key=lambda s: s.name)
    if validity is not sp.true:
        syms = sorted(set(syms) | (sp.sympify(validity).free_symbols & set(domain.sets)), key=lambda s: s.name)
    by_name = {s.name: s for s in syms}
    free = st.fixed_dictionaries({s.name: value_strategy(domain, s) for s in syms})
    edge = [{s.name: p[s] for s in syms if s in p} for p in
            sample_points(stmt, domain, rng=np.random.default_rng(seed), n_random=8, validity=validity)]
    edge = [e for e in edge if len(e) == len(syms)]
    strategy = st.one_of(free, st.sampled_from(edge)) if edge else free
    inside = _membership(stmt, domain)
    tried = {"n": 0, "applicable": 0}

    def violated(values: dict[str, Any]) -> bool:
        point = {by_name[k]: v for k, v in values.items()}
        if not inside(point):
            return False
        tried["n"] += 1
        out = evaluate_point(stmt, point, dps=dps, label=label, validity=validity, inside=inside)
        tried["applicable"] += int(out.applicable)
        return bool(out.applicable and out.violated)

    cfg = settings(max_examples=max_examples, database=None, deadline=None,
                   suppress_health_check=list(HealthCheck), derandomize=False,
                   # no "explain" phase: it re-runs the slow test function hundreds of times
                   phases=[Phase.generate, Phase.shrink])
    unsatisfiable = False
    try:
        found = find(strategy, violated, settings=cfg, random=random.Random(seed))
    except NoSuchExample:
        found = None
    except Unsatisfiable:
        found, unsatisfiable = None, True
    data = {"max_examples": max_examples, "n_evaluated": tried["n"], "n_applicable": tried["applicable"], "dps": dps,
            "n_boundary_examples": len(edge)}
    elapsed = time.perf_counter() - t0
    if found is None:
        if tried["applicable"] == 0 or unsatisfiable:
            why = "Hypothesis found no example satisfying the domain" if unsatisfiable else \
                "no generated example was applicable (every hypothesis false or a side undefined)"
            return undecided("property", why, part=part, seed=seed, elapsed=elapsed, data=data, counts=counts)
        return decide("property", f"no counterexample in {tried['applicable']} applicable examples (Hypothesis, seed {seed})",
                      quantity=f"confirmed counterexamples among {tried['applicable']} applicable examples", value=0,
                      op="==", threshold=0, part=part, seed=seed, elapsed=elapsed, data=data, counts=counts)
    point = {by_name[k]: v for k, v in found.items()}
    confirm = evaluate_point(stmt, point, dps=100, label=label, validity=validity, inside=inside)
    if not confirm.violated:
        return undecided("property", f"candidate {point_to_json(point)} not confirmed at 100 digits", part=part, seed=seed,
                         elapsed=elapsed, data=data, counts=counts)
    cx = best_counterexample(stmt, [(point, confirm)], inside=inside, integer=lambda s: domain.integer[s],
                             validity=validity, dps=dps, label=label, note="shrunk by Hypothesis, confirmed at 100 digits")
    return decide("property", f"counterexample {cx.params} (shrunk; confirmed at 100 digits)",
                  quantity="confirmed counterexamples (shrunk, re-evaluated at 100 digits)", value=1, op="==",
                  threshold=0, counterexample=cx, part=part, seed=seed, elapsed=elapsed,
                  data={**data, **confirm.data}, counts=counts)
