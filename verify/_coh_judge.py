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
from ._coh_margin import Margin, margin
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
    """The statement at one witness: ``fails``, ``holds``, ``vacuous`` (hypothesis never true) or ``undecided``.

    A failing judgement keeps the point of largest :func:`verify._coh_margin.margin` (at simple
    values where the violation stays at least half as large) and that margin.
    """

    witness: FamilyWitness
    status: str
    point: dict[sp.Symbol, Any] = field(default_factory=dict)
    outcome: Outcome | None = None
    exact: bool = False
    n_points: int = 0
    n_hypothesis: int = 0
    margin: Margin | None = None

    @property
    def tie(self) -> bool:
        """Whether the statement fails here only with equality (margin exactly 0)."""
        return self.margin is not None and self.margin.value == 0

    def rank(self) -> tuple:
        """Sort key, most instructive first: exact, not a tie, a generic start, larger margin, smaller family."""
        m = self.margin.value if self.margin is not None else 0.0
        return (not self.exact, self.tie, self.witness.start != "generic", -m, self.witness.n * self.witness.d, self.witness.d)


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


#: Denominators tried, in order, for a simpler coordinate of a failing point.
_SIMPLE_DENOMINATORS = (1, 2, 4, 5, 10, 20, 50, 100, 1000)


def _simplest(stmt: Statement, spec: Witnesses, model: FamilyModel, p: dict, o: Outcome, m: Margin
              ) -> tuple[dict, Outcome, Margin]:
    """The failing point with its step-size coordinates at the simplest rationals within 5 % that keep half the margin."""
    for sym in (cc.eta, cc.eps):
        if sym not in p:
            continue
        x = float(p[sym])
        for den in _SIMPLE_DENOMINATORS:
            q = sp.Rational(round(x * den), den)
            if q <= 0 or abs(float(q) - x) > 0.05 * abs(x) or q == p[sym]:
                continue
            p2 = {**p, sym: q}
            try:
                o2 = evaluate(stmt, model, p2, forall=spec.forall)
                m2 = margin(stmt, model, p2, forall=spec.forall) if o2.truth is False else None
            except Undecidable:
                continue
            if m2 is not None and m2.value >= 0.5 * m.value and (m2.value > 0 or m.value == 0):
                p, o, m = p2, o2, m2
                break
    return p, o, m


def _exact_at(stmt: Statement, spec: Witnesses, w: FamilyWitness, p: dict) -> Judgement | None:
    """The statement at one point in exact rational arithmetic (``None`` unless it fails there)."""
    model = FamilyModel(w, exact=True)
    px = {k: _rational(v) for k, v in p.items()}
    try:
        o = evaluate(stmt, model, px, forall=spec.forall)
        if o.truth is not False:
            return None
        return Judgement(w, "fails", px, o, not o.inexact, margin=margin(stmt, model, px, forall=spec.forall))
    except Undecidable:
        return None


def judge(stmt: Statement, spec: Witnesses, w: FamilyWitness, *, exact_ok: bool = True) -> Judgement:
    """Evaluate ``stmt`` at every point of witness ``w``; redo undecided and failing points exactly when ``w`` is integer.

    ``exact_ok=False`` (a search's predicate) only says whether a float point fails; otherwise a
    failing witness keeps its most robust failing point, simplified (:func:`_simplest`) and, for an
    integer family, confirmed in exact arithmetic.
    """
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
    if fails and not exact_ok:
        return Judgement(w, "fails", fails[0][0], fails[0][1], False, len(pts), n_hyp)
    if fails:
        m, p, o = max(((margin(stmt, model, p, forall=spec.forall), p, o) for p, o in fails), key=lambda t: t[0].value)
        p, o, m = _simplest(stmt, spec, model, p, o, m)
        if w.integer:
            ex = _exact_at(stmt, spec, w, p)
            if ex is not None:
                ex.n_points, ex.n_hypothesis = len(pts), n_hyp
                return ex
    if (fails or undecided) and exact_ok and w.integer:
        ex = _judge_exact(stmt, spec, w)
        if ex is not None and ex.status in ("fails", "holds"):
            if ex.status == "holds" and isinstance(stmt, Implication) and ex.n_hypothesis == 0:
                ex.status = "vacuous"
            return ex  # exact arithmetic settles what the floats could not (or overrules a float tie)
    if fails:
        return Judgement(w, "fails", p, o, False, len(pts), n_hyp, margin=m)
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
    undecided, n_hyp, fails = False, 0, []
    for p in pts[:_MAX_EXACT_POINTS]:
        o = evaluate(stmt, model, p, forall=spec.forall)
        n_hyp += o.hypothesis is True
        if o.truth is False:
            fails.append((margin(stmt, model, p, forall=spec.forall), p, o))
        undecided |= o.truth is None
    if fails:
        m, p, o = max(fails, key=lambda t: t[0].value)
        return Judgement(w, "fails", p, o, not o.inexact, len(pts), n_hyp, margin=m)
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
