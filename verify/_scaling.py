"""Scaling checks: both sides of a claim must transform alike under a declared scaling symmetry.

A :class:`derivations._user.Scaling` maps each parameter ``x -> c**e_x x`` (a change of time or
length units). Under it each side of an equation or inequality that is a monomial-like expression
picks up a power ``c**k``; the two sides of a true equation must pick up the same power. A
mismatch is turned into a concrete counterexample: the claim is evaluated at a typical point and at
its scaled images ``c = 2**j``, which lie in the domain for scale-invariant domains such as
``(0, oo)``, until it fails there (confirmed at high precision). Scalings come from the claim
(``claim.extras["scaling"]``) and from the reading's model (``Model.scalings``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import sympy as sp

from derivations import AllOf, Claim, Equation, Holds, Statement
from derivations._user import Scaling
from derivations._validate import fail

from ._domain import Domain, domain_of, point_to_json
from ._pointwise import evaluate_point, statement_symbols
from ._results import CheckResult, Counterexample, decide, undecided

__all__ = ["scalings_of", "scaling_check", "scaling_checks", "attach_scaling"]

#: Scale factors tried for a counterexample: 2**j for |j| <= 40 covers twelve decades either way,
#: enough for any exponent mismatch >= 1/8 to move a ratio of sides by a factor > 30.
_POWERS = [j * s for j in range(1, 41) for s in (1, -1)]
#: Working precision of the confirmation (twice the fast level's, as the precision check does).
_DPS = 100


def scalings_of(claim: Claim, reading: str) -> tuple[Scaling, ...]:
    """The scalings declared by the claim (``extras["scaling"]``) and by the reading's model."""
    own = claim.extras.get("scaling", ())
    out = list(own if isinstance(own, (tuple, list)) else (own,))
    model = claim.derivation(reading).model
    out += [s for s in getattr(model, "scalings", ()) if s not in out]
    return tuple(s for s in out if isinstance(s, Scaling))


def _base_point(stmt: Statement, domain: Domain) -> dict[sp.Symbol, sp.Rational]:
    syms = [s for s in domain.sets if s in statement_symbols(stmt)]
    point = {s: domain.typical(s) for s in syms}
    if not domain.contains(point):
        pts = domain.points(syms, rng=np.random.default_rng(0), n_random=20)
        point = pts[0] if pts else point
    return point


def _find_violation(stmt: Statement, sc: Scaling, domain: Domain, label: str) -> Counterexample | None:
    base = _base_point(stmt, domain)
    for j in [0, *_POWERS]:
        c = sp.Integer(2) ** j
        p = {s: v * c ** sc.exponents.get(s, 0) for s, v in base.items()}
        if any(not v.is_Rational for v in p.values()) or not domain.contains(p):
            continue
        out = evaluate_point(stmt, p, dps=_DPS, label=label)
        if out.applicable and out.violated:
            return Counterexample(point_to_json(p), out.claimed, out.actual,
                                  note=f"{sc.name}: scaled image (c = 2^{j}) of {point_to_json(base)}", exact=out.exact)
    return None


def scaling_check(claim: Claim, reading: str, scaling: Scaling | None = None, *, part: str | None = None,
                  stmt: Statement | None = None) -> CheckResult | None:
    """Compare the powers of ``c`` picked up by both sides of ``claim`` under ``scaling``.

    ``scaling`` defaults to the declared ones (the claim's ``extras["scaling"]`` and the reading's
    model): the first failing result is returned, else the first. Returns None for statements
    without two sides (expansions, implications). Equal powers: ``pass`` (necessary, not sufficient:
    never a proof). Different powers: ``fail`` with a counterexample found along the scaling orbit,
    or ``inconclusive`` when the orbit leaves the domain first. A side that is not homogeneous under
    the scaling (the model lacks that symmetry) is ``inconclusive``. The result's ``data`` holds
    ``lhs_exponent``, ``rhs_exponent`` and ``mismatch``.
    """
    if scaling is None:
        results = scaling_checks(claim, reading)
        if not results:
            raise fail("claim", claim.id, "declaring a Scaling for scaling_check",
                       "pass scaling=, or declare one with user_claim(..., scaling=) or a model's scalings=")
        return next((r for r in results if r.outcome == "fail"), results[0])
    t0 = time.perf_counter()
    stmt = claim.statement_for(reading) if stmt is None else stmt
    if isinstance(stmt, Equation):
        lhs, rhs, label = stmt.lhs, stmt.rhs, None
    elif isinstance(stmt, Holds):
        lhs, rhs, label = stmt.relation.lhs, stmt.relation.rhs, str(stmt.relation)
    else:
        return None
    kl, kr = scaling.exponent(lhs), scaling.exponent(rhs)
    data = {"scaling": scaling.name, "exponents": {s.name: str(e) for s, e in scaling.exponents.items()},
            "lhs_exponent": None if kl is None else str(kl), "rhs_exponent": None if kr is None else str(kr)}

    def done(outcome: str, detail: str, cx: Counterexample | None = None) -> CheckResult:
        kw = dict(part=part, data=data, elapsed=time.perf_counter() - t0)
        if outcome == "inconclusive":
            return undecided("symbolic", detail, **kw)
        return decide("symbolic", detail, quantity="scaling exponent of lhs minus that of rhs",
                      value=str(sp.nsimplify(kl - kr)), op="==", threshold="0", counterexample=cx, **kw)

    head = f"scaling {scaling.text()}"
    if kl is None or kr is None:
        which = " and ".join(side for side, k in (("lhs (the reading's derived side)", kl), ("rhs", kr)) if k is None)
        return done("inconclusive", f"{head}: {which} is not homogeneous (a power of c) under it")
    if kl == kr:
        return done("pass", f"{head}: both sides scale as c^{kl} (necessary, not a proof)")
    data["mismatch"] = str(kl - kr)
    msg = f"{head}: lhs scales as c^{kl}, rhs as c^{kr}: exponent mismatch {kl - kr}"
    cx = _find_violation(stmt, scaling, domain_of(claim), label or "")
    if cx is None:
        return done("inconclusive", msg + "; no violating point found on the scaling orbit inside the domain")
    return done("fail", msg + f"; violated at {cx.params}", cx)


def scaling_checks(claim: Claim, reading: str) -> list[CheckResult]:
    """Every declared scaling against every (part of the) statement under ``reading``; [] if none."""
    scs = scalings_of(claim, reading)
    if not scs:
        return []
    stmt = claim.statement_for(reading)
    parts: Sequence[tuple[str | None, Statement]] = stmt.parts if isinstance(stmt, AllOf) else ((None, stmt),)
    out: list[CheckResult] = []
    for sc in scs:
        for name, sub in parts:
            # part=None: the engine folds part-less extra checks into the verdict (an "extra" part)
            r = scaling_check(claim, reading, sc, stmt=sub)
            if r is not None:
                out.append(r if name is None else replace(r, detail=f"[{name}] {r.detail}"))
    return out


_ATTACHED: set[str] = set()


def attach_scaling(claim: Claim) -> None:
    """Make :func:`verify.check` run the scaling checks of ``claim`` (idempotent per claim id).

    Registers them with :func:`verify.register_check`, unless the engine already runs
    :func:`scaling_checks` for every claim (it then imports that name).
    """
    from . import _engine

    if hasattr(_engine, "scaling_checks") or claim.id in _ATTACHED:
        return
    _ATTACHED.add(claim.id)

    @_engine.register_check(claim.id, methods=("symbolic",))
    def _scaling(c: Claim, reading: str, level: object, ss: np.random.SeedSequence) -> list[CheckResult]:
        return scaling_checks(c, reading)
