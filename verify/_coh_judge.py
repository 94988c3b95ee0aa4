"""Judge a claim's statement at one witness family: every point of its coordinates, floats first, then exact.

The coordinates of a witness are the step sizes and steps the space declares and a *free*
coordinate searched through its critical values: the boundaries of the hypothesis solved for it
(from the claim's statement), the model's own thresholds and growth rates, and points just beside
and between them.  A float verdict closer than a tie is redone in exact rational arithmetic when
the family is integer; a point where the statement fails is a counterexample, exact when the
rational evaluation confirms it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from derivations import Implication, Statement
from derivations import coherence_claims as cc
from derivations.coherence import Witnesses

from ._coh_eval import Outcome, Undecidable, evaluate, free_roots, root_values
from ._coh_model import FamilyModel, FamilyWitness
from ._coh_operators import noise_rate

__all__ = ["Judgement", "judge", "points_of", "threshold_margin"]

#: Points beside a critical value: 1e-7 relative is far above float round-off (1e-15) and the
#: threshold bracket (1e-10), so the float verdict there is decided; the exact pass redoes ties.
_NUDGE = sp.Rational(1, 10**7)
#: Exact re-evaluation is the expensive step: a few points per witness decide an equality case.
_MAX_EXACT_POINTS = 24


@dataclass
class Judgement:
    """The statement at one witness: ``fails``, ``holds``, ``vacuous`` (hypothesis never true) or ``undecided``."""

    witness: FamilyWitness
    status: str
    point: dict[sp.Symbol, Any] = field(default_factory=dict)
    outcome: Outcome | None = None
    exact: bool = False
    n_points: int = 0
    n_hypothesis: int = 0


def _alg(w: FamilyWitness) -> sp.Symbol:
    return cc.SAM if w.c != 0 else cc.SGD


def _spread(values: list[Any], *, exact: bool) -> list[Any]:
    """Critical values, the points just beside them, midpoints between them and beyond both ends."""
    vals = sorted({v for v in values if v.is_positive and v.is_finite}, key=lambda v: float(v))
    out = list(vals)
    for v in vals:
        out += [v * (1 - _NUDGE), v * (1 + _NUDGE)]
    out += [(a + b) / 2 for a, b in zip(vals, vals[1:])]
    if vals:
        out += [vals[0] / 2, vals[-1] * 2]
    if not exact:
        out = [sp.Float(float(v)) for v in out]
    return out


def _rational(x: Any, *, max_den: int | None = None) -> sp.Rational:
    """An exact rational at (``max_den=None``: exactly) or near (a small denominator) a float point."""
    q = sp.Rational(float(x)) if isinstance(x, (float, sp.Float)) else sp.nsimplify(x)
    return q.limit_denominator(max_den) if max_den else q


def points_of(stmt: Statement, spec: Witnesses, model: FamilyModel) -> list[dict[sp.Symbol, Any]]:
    """Every coordinate point of one witness the space asks for (see module doc)."""
    w, exact = model.w, model.exact
    base: list[dict[sp.Symbol, Any]] = [{}]
    etas: list[Any] = [sp.nsimplify(e) for e in spec.eta_abs]
    if spec.eta or spec.free == cc.eta:
        if w.B is None:
            raise Undecidable("a step-size coordinate needs a batch size")
        star, lo, hi = model.threshold(_alg(w))
        crit = [x for x in (star, lo, hi) if 0 < x < math.inf]
        # grid step sizes are points of the space, not critical values: a small denominator keeps them readable
        etas += [_rational(u * sp.Float(star), max_den=10**4) if exact else sp.Float(float(u) * star)
                 for u in spec.eta if 0 < star < math.inf]
        if spec.free == cc.eta:
            roots = root_values(free_roots(stmt, cc.eta), model, {}, forall=spec.forall)
            crit_v = [_rational(x) if exact else sp.Float(x) for x in crit]
            etas = _spread(list(roots) + crit_v + etas, exact=exact)
    if etas:
        base = [{cc.eta: e} for e in etas]
    elif spec.eta or spec.free == cc.eta:
        raise Undecidable("no step size: the model's threshold is 0 or infinite and the hypothesis gives none")
    if spec.k:
        base = [{**p, cc.k: sp.Integer(kk)} for p in base for kk in spec.k]
    if spec.free == cc.eps:
        out = []
        for p in base:
            crit = [sp.S.One]
            try:
                crit.append(sp.Float(noise_rate(w.H, B=w.B, eta=float(p[cc.eta]), c=float(w.c))))
            except (ValueError, TypeError):
                pass
            roots = root_values(free_roots(stmt, cc.eps), model, p, forall=spec.forall)
            out += [{**p, cc.eps: e} for e in _spread(list(roots) + crit, exact=exact) if e < 1]
        base = out
    return base


def judge(stmt: Statement, spec: Witnesses, w: FamilyWitness, *, exact_ok: bool = True) -> Judgement:
    """Evaluate ``stmt`` at every point of witness ``w``; redo undecided and failing points exactly when ``w`` is integer."""
    model = FamilyModel(w)
    try:
        pts = points_of(stmt, spec, model)
    except Undecidable:
        return Judgement(w, "undecided")
    fails, undecided, n_hyp = [], [], 0
    for p in pts:
        o = evaluate(stmt, model, p, forall=spec.forall)
        n_hyp += o.hypothesis is True
        if o.truth is False:
            fails.append((p, o))
        elif o.truth is None:
            undecided.append((p, o))
    res = Judgement(w, "holds", n_points=len(pts), n_hypothesis=n_hyp)
    if (fails or undecided) and exact_ok and w.integer:
        ex = _judge_exact(stmt, spec, w)
        if ex is not None and ex.status in ("fails", "holds"):
            if ex.status == "holds" and isinstance(stmt, Implication) and ex.n_hypothesis == 0:
                ex.status = "vacuous"
            return ex  # exact arithmetic settles what the floats could not (or overrules a float tie)
    if fails:
        p, o = fails[0]
        return Judgement(w, "fails", p, o, False, len(pts), n_hyp)
    if undecided:
        p, o = undecided[0]
        return Judgement(w, "undecided", p, o, False, len(pts), n_hyp)
    if isinstance(stmt, Implication) and n_hyp == 0:
        res.status = "vacuous"
    return res


def _judge_exact(stmt: Statement, spec: Witnesses, w: FamilyWitness) -> Judgement | None:
    model = FamilyModel(w, exact=True)
    try:
        pts = points_of(stmt, spec, model)
    except Undecidable:
        return None
    undecided, n_hyp = False, 0
    for p in pts[:_MAX_EXACT_POINTS]:
        o = evaluate(stmt, model, p, forall=spec.forall)
        n_hyp += o.hypothesis is True
        if o.truth is False:
            return Judgement(w, "fails", p, o, not o.inexact, len(pts), n_hyp)
        undecided |= o.truth is None
    if undecided or len(pts) > _MAX_EXACT_POINTS:
        return None
    return Judgement(w, "holds", n_points=len(pts), n_hypothesis=n_hyp)


def threshold_margin(stmt: Statement, spec: Witnesses, w: FamilyWitness) -> float:
    """``log(x_h / eta*)``: the smallest boundary of the hypothesis in the free step size over the model's threshold.

    Negative means the hypothesis admits step sizes below the model's exact threshold, where the
    second moment converges: what a descent on families drives down.  ``inf`` when undefined.
    """
    model = FamilyModel(w)
    try:
        star = model.threshold(_alg(w))[0]
        roots = [float(r) for r in root_values(free_roots(stmt, cc.eta), model, {}) if r.is_positive]
    except Undecidable:
        return math.inf  # an undefined point scores +inf: the descent moves on
    if not roots or not 0 < star < math.inf:
        return math.inf
    return math.log(min(roots) / star)
