"""High-precision numerics: both sides in mpmath at exact points drawn from the domain."""

from __future__ import annotations

import time

import numpy as np
import sympy as sp

from derivations import Asymptotic, Bounded, Implication, Statement

from ._boundary import boundary_points
from ._domain import Domain, Point, point_to_json
from ._pointwise import evaluate_point, statement_symbols
from ._results import CheckResult, decide, undecided
from ._witnesses import best_counterexample

#: confirmed violations collected before choosing the one to report (each costs a 2x-precision re-evaluation)
_MAX_VIOLATIONS = 8

__all__ = ["precision_check", "sample_points", "statement_conditions"]


def _needs_limits(stmt: Statement) -> bool:
    return isinstance(stmt, Bounded) or (
        isinstance(stmt, Implication) and any(isinstance(c, Bounded) for c in (stmt.hypothesis, stmt.conclusion))
    )


def statement_conditions(stmt: Statement) -> list[object]:
    """The conditions whose boundaries a statement's checks must sample: an implication's hypothesis
    and a relation's own inequality (its equality case)."""
    from derivations import Holds

    if isinstance(stmt, Implication):
        return [c for c in (stmt.hypothesis, stmt.conclusion) if not isinstance(c, Bounded)]
    if isinstance(stmt, Holds):
        return [stmt.relation]
    return []


def _membership(stmt: Statement, domain: Domain):
    """The membership test for a statement's points (an asymptotic claim's variable fixed near its limit)."""
    if isinstance(stmt, Asymptotic) and stmt.variable in domain.where.free_symbols:
        x = stmt.variable
        return lambda p: domain.contains({**p, x: sp.Rational(1, 10**12)})
    return domain.contains


def sample_points(
    stmt: Statement, domain: Domain, *, rng: np.random.Generator, n_random: int, validity: sp.Basic = sp.true
) -> list[Point]:
    """Edge, random and boundary points for ``stmt``: the boundaries of ``where``, of the statement's
    own conditions and of the model's validity region are sampled exactly (rational points)."""
    syms = statement_symbols(stmt)
    if validity is not sp.true:
        syms = syms | (sp.sympify(validity).free_symbols & set(domain.sets))
    inside = _membership(stmt, domain)
    points = [p for p in domain.points(syms, rng=rng, n_random=n_random, check=inside)]
    conds: list[object] = [domain.where, validity, *statement_conditions(stmt)]
    points += [p for p in boundary_points(conds, domain, points[: max(n_random, 8)], check=inside)]
    return points


def precision_check(
    stmt: Statement,
    domain: Domain,
    *,
    rng: np.random.Generator,
    seed: int | None,
    n_random: int,
    dps: int = 50,
    part: str | None = None,
    counts: bool = True,
    label: str | None = None,
    validity: sp.Basic = sp.true,
) -> CheckResult:
    """Evaluate ``stmt`` at the domain's edges, boundaries and ``n_random`` random points at ``dps`` digits.

    A violation is confirmed at twice the precision before it is reported (the tolerance is
    ``10^(-dps/2)`` relative, see :func:`verify._pointwise.tolerance`). The decision is the number
    of confirmed violations, which must be 0; a point where the model diverges (outside
    ``validity``) while the claim is finite is a violation, never skipped.
    """
    t0 = time.perf_counter()
    if _needs_limits(stmt) or isinstance(stmt, Asymptotic):
        # an exact limit / a nine-decade sweep per point: fewer points, same edges
        n_random = max(4, n_random // 4)
    points = sample_points(stmt, domain, rng=rng, n_random=n_random, validity=validity)
    inside = _membership(stmt, domain)
    applicable = undecided_n = 0
    worst = 0.0
    violations: list[tuple[Point, object]] = []
    for p in points:
        out = evaluate_point(stmt, p, dps=dps, label=label, validity=validity, inside=inside)
        if not out.applicable:
            continue
        applicable += 1
        if out.violated is None:
            undecided_n += 1
            continue
        if out.discrepancy is not None:
            worst = max(worst, out.discrepancy)
        if out.violated and len(violations) < _MAX_VIOLATIONS:
            confirm = evaluate_point(stmt, p, dps=2 * dps, label=label, validity=validity, inside=inside)
            if confirm.violated:
                violations.append((p, confirm))
    if violations:
        cx = best_counterexample(stmt, violations, inside=inside, integer=lambda s: domain.integer[s],
                                 validity=validity, dps=dps, label=label, note=f"confirmed at {2 * dps} digits")
        best = next(o for p, o in violations if point_to_json(p) == cx.params)
        return decide("precision",
                      f"violated at {len(violations)} point(s); reported: {cx.params} (checked at {dps} and {2 * dps} "
                      f"digits{', certified' if cx.certified else ''}); {cx.note}".rstrip("; "),
                      quantity=f"confirmed violations at {dps} and {2 * dps} digits", value=len(violations), op="==",
                      threshold=0, counterexample=cx, part=part, seed=seed,
                      elapsed=time.perf_counter() - t0, counts=counts,
                      data={"n_points": len(points), "dps": dps, "n_violations": len(violations), **best.data})
    data = {"n_points": len(points), "n_applicable": applicable, "n_undecided": undecided_n, "dps": dps,
            "max_relative_discrepancy": worst}
    decided = applicable - undecided_n
    if decided == 0:
        why = (f"{undecided_n} undecided" if undecided_n else
               "the hypothesis is false at every point, so the implication holds only vacuously there"
               if isinstance(stmt, Implication) else "no point of the domain could be evaluated")
        return undecided("precision", f"no point of {len(points)} could be decided ({why})", part=part, seed=seed,
                         elapsed=time.perf_counter() - t0, data=data, counts=counts)
    detail = f"holds at all {decided} decided points of {len(points)} (edges, boundaries, extreme scales, random) at {dps} digits"
    if worst:
        detail += f"; max relative discrepancy {worst:.1e}"
    if undecided_n:
        detail += f"; {undecided_n} undecided"
    return decide("precision", detail, quantity=f"confirmed violations among {decided} decided points", value=0,
                  op="==", threshold=0, part=part, seed=seed, elapsed=time.perf_counter() - t0, data=data,
                  counts=counts)
