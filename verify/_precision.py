"""High-precision numerics: both sides in mpmath at exact points drawn from the domain."""

from __future__ import annotations

import time

import numpy as np

from derivations import Asymptotic, Bounded, Implication, Statement

from ._domain import Domain, point_to_json
from ._pointwise import evaluate_point, statement_symbols
from ._results import CheckResult, Counterexample

__all__ = ["precision_check"]


def _needs_limits(stmt: Statement) -> bool:
    return isinstance(stmt, Bounded) or (
        isinstance(stmt, Implication) and any(isinstance(c, Bounded) for c in (stmt.hypothesis, stmt.conclusion))
    )


#: relative offsets from a hypothesis boundary x = g(...): a counterexample confined to a thin band
#: next to the boundary (a threshold off by a few percent) is missed by log-uniform draws alone
_BOUNDARY_OFFSETS = ("0.001", "0.03", "0.3")


def _boundary_points(stmt: Statement, domain: Domain, base: list[dict]) -> list[dict]:
    """Points just inside the hypothesis of an implication ``x op g(...)``, next to its boundary."""
    import sympy as sp

    from ._symbolic import _isolate

    if not isinstance(stmt, Implication) or not isinstance(stmt.hypothesis, sp.core.relational.Relational):
        return []
    try:
        iso = _isolate(stmt.hypothesis, set())
    except (TypeError, ValueError, sp.PolynomialError):
        return []
    if iso is None or iso[0] not in domain.sets:
        return []
    x, bound, op = iso
    out = []
    for p in base:
        try:
            b = sp.N(bound.subs(p), 30)
        except (TypeError, ValueError):
            continue
        if not b.is_finite or not b.is_real:
            continue
        for off in _BOUNDARY_OFFSETS:
            step = abs(b) * sp.Rational(off) if b != 0 else sp.Rational(off)
            v = sp.Rational(str(sp.N(b + step if op in (">", ">=") else b - step, 12)))
            q = {**p, x: v}
            if domain.contains(q):
                out.append(q)
    return out


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
) -> CheckResult:
    """Evaluate ``stmt`` at the domain's edge points and ``n_random`` random points at ``dps`` digits.

    A violation is confirmed at twice the precision before it is reported (the tolerance is
    ``10^(-dps/2)`` relative, see :func:`verify._pointwise.tolerance`).
    """
    t0 = time.perf_counter()
    if _needs_limits(stmt) or isinstance(stmt, Asymptotic):
        # an exact limit / a nine-decade sweep per point: fewer points, same edges
        n_random = max(4, n_random // 4)
    points = domain.points(statement_symbols(stmt), rng=rng, n_random=n_random)
    points += _boundary_points(stmt, domain, points[: max(n_random, 8)])
    applicable = undecided = 0
    worst = 0.0
    for p in points:
        out = evaluate_point(stmt, p, dps=dps, label=label)
        if not out.applicable:
            continue
        applicable += 1
        if out.violated is None:
            undecided += 1
            continue
        if out.discrepancy is not None:
            worst = max(worst, out.discrepancy)
        if out.violated:
            confirm = evaluate_point(stmt, p, dps=2 * dps, label=label)
            if confirm.violated:
                cx = Counterexample(point_to_json(p), confirm.claimed, confirm.actual,
                                    note=(confirm.note or f"confirmed at {2 * dps} digits"), exact=confirm.exact)
                return CheckResult("precision", "fail",
                                   f"violated at {cx.params} (checked at {dps} and {2 * dps} digits); {confirm.note}".rstrip("; "),
                                   part=part, seed=seed, elapsed=time.perf_counter() - t0, counterexample=cx,
                                   counts=counts, data={"n_points": len(points), "dps": dps, **confirm.data})
    data = {"n_points": len(points), "n_applicable": applicable, "n_undecided": undecided, "dps": dps,
            "max_relative_discrepancy": worst}
    decided = applicable - undecided
    if decided == 0:
        why = (f"{undecided} undecided" if undecided else
               "the hypothesis is false at every point, so the implication holds only vacuously there")
        return CheckResult("precision", "inconclusive",
                           f"no point of {len(points)} could be decided ({why})",
                           part=part, seed=seed, elapsed=time.perf_counter() - t0, data=data, counts=counts)
    detail = f"holds at all {decided} decided points of {len(points)} (edges, extreme scales, random) at {dps} digits"
    if worst:
        detail += f"; max relative discrepancy {worst:.1e}"
    if undecided:
        detail += f"; {undecided} undecided"
    return CheckResult("precision", "pass", detail, part=part, seed=seed, elapsed=time.perf_counter() - t0,
                       data=data, counts=counts)
