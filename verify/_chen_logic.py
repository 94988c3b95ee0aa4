"""Decide a statement about measured quantities from bootstrap replicates, at every point of a grid.

A statement (:class:`~derivations.Equation`, :class:`~derivations.Holds` or
:class:`~derivations.Implication` over ``And`` / ``Or`` / ``Not`` of relations) whose placeholders have
been replaced by *sampled* symbols is evaluated on a grid of points (one axis per free symbol). A
sampled symbol's array has the replicates first: row 0 the estimate, rows ``1..`` bootstrap replicates.

Each relation with a sampled side gets, at each point, a Bonferroni interval of ``lhs - rhs``
(family-wise level ``1 - alpha`` over every such (relation, point) pair that can matter): the
estimate plus or minus ``c`` standard errors, a Student-t interval. The standard error is the
bootstrap's, times ``sqrt(n / (n - 1))`` for the plug-in bias of resampling ``n`` seeds, and ``c`` is the
``1 - alpha_each/2`` quantile of Student's t with ``n - 1`` degrees of freedom: for a seed mean this is
the exact t interval, and a quantity combining several ``d`` (each with its own ``n`` seeds) has a
Satterthwaite df of at least ``n - 1``, so the interval is conservative. (At the per-test levels of a
run's error budget, ~1e-6, a percentile interval would need millions of replicates, and a normal one
would understate the tails of a standard error estimated from 8 seeds by orders of magnitude.) A
point where more than ``alpha_each/2`` of the replicates are censored (not finite: a crossing off the
grid) is left undecided. From the interval come a pair of *confidence margins* ``(lower, upper)``:
``lower > 0`` when the interval lies wholly on the claimed side (the relation holds with confidence),
``upper < 0`` when it lies wholly on the other side (false with confidence). An equation holds with confidence when its interval contains 0
and is at most ``resolution`` wide on either side, and is false with confidence when the interval
excludes 0. A relation without a sampled side is decided exactly (margins ``±inf``). Margins combine
as in robustness semantics: ``And`` takes minima, ``Or`` maxima, ``Not`` swaps and negates, an
implication is ``Or(Not(hypothesis), conclusion)``, and "at every point of the domain" is the minimum
over the points where ``where`` holds. So the statement holds with confidence iff ``lower > 0`` and is
false with confidence iff ``upper < 0``; otherwise the data cannot decide it.

Power: each test also gets the probability that it would have shown a violation of the stated size
``delta`` false with confidence, ``Phi(delta / SE - c)`` (the normal approximation of the noncentral
t): ``delta`` is the absolute effect declared for a sampled quantity it involves (an exponent's
resolution) or ``effect_size`` times the larger of its two sides' estimates. :attr:`Evaluation.power`
is the least power over the tests that can matter; a caller counts a pass only when it reaches its
required power.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from statistics import NormalDist

from derivations import Equation, Holds, Implication, Statement
from derivations._validate import fail

__all__ = ["Grid", "AtomSummary", "Evaluation", "as_boolean", "evaluate"]

_INF = math.inf
_N = NormalDist()


@dataclass(frozen=True)
class Grid:
    """Points at which a statement is evaluated: one axis of values per symbol (their outer product)."""

    axes: tuple[sp.Symbol, ...]
    values: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        if len(self.axes) != len(self.values):
            raise fail("values", len(self.values), f"one array per axis ({len(self.axes)})")

    @property
    def shape(self) -> tuple[int, ...]:
        """The grid's shape ``(len(axis_0), len(axis_1), ...)``."""
        return tuple(len(v) for v in self.values)

    def coordinate(self, k: int) -> np.ndarray:
        """Axis ``k``'s values shaped to broadcast against ``(replicates, *shape)``."""
        shape = [1] * (len(self.axes) + 1)
        shape[k + 1] = len(self.values[k])
        return np.asarray(self.values[k], float).reshape(shape)

    def point(self, flat_index: int) -> dict[str, float]:
        """The coordinates of one point (by its flat index in the grid)."""
        idx = np.unravel_index(flat_index, self.shape)
        return {s.name: _num(self.values[k][i]) for k, (s, i) in enumerate(zip(self.axes, idx))}


def _num(x: Any) -> float | int:
    f = float(x)
    return int(f) if f.is_integer() else f


@dataclass(frozen=True)
class AtomSummary:
    """One sampled relation: its text, how many (point) tests it took, and its intervals at the points."""

    relation: str
    tests: int
    estimate: np.ndarray
    low: np.ndarray
    high: np.ndarray
    held: int
    failed: int
    undecided: int
    se: np.ndarray
    effect: np.ndarray
    power: np.ndarray
    power_min: float = 1.0
    power_min_at: int | None = None
    axes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    """The statement's confidence margins over the domain's points and the evidence behind them."""

    lower: float
    upper: float
    n_points: int
    n_tests: int
    level_each: float
    weakest: int
    worst: int
    atoms: tuple[AtomSummary, ...]
    power: float = 1.0
    power_at: int | None = None
    power_atom: str = ""
    power_axes: tuple[str, ...] = ()

    @property
    def holds(self) -> bool:
        """True when the statement holds with confidence at every point (``lower > 0``)."""
        return self.lower > 0

    @property
    def refuted(self) -> bool:
        """True when the statement is false with confidence at some point (``upper < 0``)."""
        return self.upper < 0


def as_boolean(stmt: Statement) -> tuple[sp.Basic | None, sp.Basic]:
    """``(hypothesis or None, conclusion)`` of a statement, each a SymPy boolean of relations."""
    if isinstance(stmt, Equation):
        return None, sp.Eq(stmt.lhs, stmt.rhs)
    if isinstance(stmt, Holds):
        return None, stmt.relation
    if isinstance(stmt, Implication):
        for side, c in (("hypothesis", stmt.hypothesis), ("conclusion", stmt.conclusion)):
            if not isinstance(c, sp.logic.boolalg.Boolean):
                raise fail(f"statement.{side}", c, "a SymPy relation or boolean combination of relations")
        return stmt.hypothesis, stmt.conclusion
    raise fail("statement", type(stmt).__name__, "an Equation, Holds or Implication to evaluate on measured data")


class _Evaluator:
    """One evaluation: sampled arrays, the grid, the where-mask and the test budget."""

    def __init__(self, grid: Grid, samples: Mapping[sp.Symbol, np.ndarray], mask: np.ndarray,
                 resolution: float | None, effects: Mapping[sp.Symbol, float] | None = None,
                 effect_size: float = 0.05) -> None:
        self.grid, self.samples, self.mask, self.resolution = grid, dict(samples), mask, resolution
        self.effects, self.effect_size = dict(effects or {}), effect_size
        self.n_seeds: int | None = None
        self.atoms: list[tuple[sp.Rel, np.ndarray, np.ndarray]] = []  # (relation, gap, relevant mask)
        self.alpha_each = 0.0
        self.summaries: list[AtomSummary] = []

    # -- gaps ---------------------------------------------------------------------------------------
    def gap(self, rel: sp.Rel) -> np.ndarray:
        """``lhs - rhs`` as ``(replicates or 1, *shape-broadcastable)``."""
        return self.value(sp.sympify(rel.lhs - rel.rhs), str(rel))

    def value(self, g: sp.Expr, text: str, *, estimate_only: bool = False) -> np.ndarray:
        """An expression of grid symbols and sampled quantities as ``(replicates or 1, *shape-broadcastable)``.

        ``estimate_only``: row 0 (the estimate) only.
        """
        g = sp.sympify(g)
        free = g.free_symbols
        unknown = free - set(self.grid.axes) - set(self.samples)
        if unknown:
            raise fail("statement", text, f"only grid symbols {[s.name for s in self.grid.axes]} and measured "
                       f"quantities; {sorted(s.name for s in unknown)} have no values (bind or declare them)")
        args = [*self.grid.axes, *self.samples]
        fn = sp.lambdify(args, g, modules="numpy")
        vals = [self.grid.coordinate(k) for k in range(len(self.grid.axes))] + [
            v[:1] if estimate_only else v for v in self.samples.values()]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            out = np.asarray(fn(*vals), float)
        # every coordinate and sample has 1 + len(axes) dimensions; only a constant gap has fewer
        return out if out.ndim == 1 + len(self.grid.axes) else np.broadcast_to(out, (1,) * (1 + len(self.grid.axes)))

    def sampled(self, rel: sp.Rel) -> bool:
        return bool(rel.free_symbols & set(self.samples))

    # -- pass 1: collect sampled relations and where they can matter ------------------------------------
    def collect(self, e: sp.Basic, relevant: np.ndarray) -> None:
        if isinstance(e, sp.Rel) and self.sampled(e):
            self.atoms.append((e, self.gap(e), relevant))
        elif isinstance(e, (sp.And, sp.Or, sp.Not)):
            for a in e.args:
                self.collect(a, relevant)
        elif isinstance(e, sp.Implies):
            self.collect_implication(*e.args, relevant)

    def collect_implication(self, hyp: sp.Basic, concl: sp.Basic, relevant: np.ndarray) -> None:
        self.collect(hyp, relevant)
        if not (hyp.free_symbols & set(self.samples)):
            # a conclusion matters only where the (exactly known) hypothesis holds
            lo, _ = self.margins(hyp)
            relevant = relevant & np.broadcast_to(lo > 0, self.grid.shape)
        self.collect(concl, relevant)

    def budget(self) -> int:
        """The number of (sampled relation, point) tests that can matter, counted without repeats."""
        total = 0
        for _, g, rel in self.atoms:
            axes = tuple(k for k, n in enumerate(g.shape[1:]) if n == 1 and self.grid.shape[k] > 1)
            total += int(np.any(rel, axis=axes, keepdims=True).sum())
        return total

    # -- pass 2: margins ------------------------------------------------------------------------------
    def margins(self, e: sp.Basic) -> tuple[np.ndarray, np.ndarray]:
        if e is sp.true or e is sp.false:
            v = _INF if e is sp.true else -_INF
            return np.full(self.grid.shape, v), np.full(self.grid.shape, v)
        if isinstance(e, sp.Not):
            lo, hi = self.margins(e.args[0])
            return -hi, -lo
        if isinstance(e, (sp.And, sp.Or)):
            pairs = [self.margins(a) for a in e.args]
            op = np.minimum if isinstance(e, sp.And) else np.maximum
            lo, hi = pairs[0]
            for a, b in pairs[1:]:
                lo, hi = op(lo, a), op(hi, b)
            return lo, hi
        if isinstance(e, sp.Implies):
            return self.implication(*e.args)
        if isinstance(e, sp.Rel):
            return self.relation(e)
        raise fail("statement", str(e), "a boolean combination of relations (And, Or, Not, Implies, <, <=, ==, ...)")

    def implication(self, hyp: sp.Basic, concl: sp.Basic) -> tuple[np.ndarray, np.ndarray]:
        hlo, hhi = self.margins(hyp)
        clo, chi = self.margins(concl)
        return np.maximum(-hhi, clo), np.maximum(-hlo, chi)

    def relation(self, rel: sp.Rel) -> tuple[np.ndarray, np.ndarray]:
        op = rel.rel_op
        g = self.gap(rel)
        if not self.sampled(rel):  # exact: decided at each point
            g0 = np.broadcast_to(g[0], self.grid.shape)
            with np.errstate(invalid="ignore"):
                truth = {"<": g0 < 0, "<=": g0 <= 0, ">": g0 > 0, ">=": g0 >= 0, "==": g0 == 0, "!=": g0 != 0}[op]
            v = np.where(truth, _INF, -_INF)
            return v, v
        a = self.alpha_each / 2
        est, reps = g[0], g[1:]
        finite = np.isfinite(reps)
        censored = 1.0 - finite.mean(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN point is reported undecided, not an error
            se = np.nanstd(np.where(finite, reps, np.nan), axis=0, ddof=1)
        z = self.critical(a)
        if self.n_seeds is not None:
            se = se * math.sqrt(self.n_seeds / (self.n_seeds - 1))  # the bootstrap's plug-in variance is (n-1)/n
        with np.errstate(invalid="ignore"):
            lo, hi = est - z * se, est + z * se
        unknown = ~np.isfinite(est) | (censored > a) | ~np.isfinite(lo) | ~np.isfinite(hi)
        delta = self.effect(rel, est.shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            power = np.where(se > 0, _phi(delta / np.where(se > 0, se, 1.0) - z), np.where(delta > 0, 1.0, 0.0))
        power = np.where(unknown, 0.0, power)
        if op in ("<", "<="):
            tlo, thi = -hi, -lo
        elif op in (">", ">="):
            tlo, thi = lo, hi
        else:
            if self.resolution is None:
                raise fail("resolution", None, "given (extras['resolution']) to decide an equation between sampled "
                           "quantities: how wide an interval may be and still confirm it")
            tlo = np.minimum(np.minimum(-lo, hi), self.resolution - (hi - lo) / 2)
            thi = np.minimum(-lo, hi)
            if op == "!=":
                tlo, thi = -thi, -tlo
        tlo = np.where(unknown, -_INF, tlo)
        thi = np.where(unknown, _INF, thi)
        self._summarise(rel, g, est, lo, hi, tlo, thi, se, delta, power)
        return np.broadcast_to(tlo, self.grid.shape), np.broadcast_to(thi, self.grid.shape)

    def critical(self, a: float) -> float:
        """The ``1 - a`` quantile of the interval: Student's t with ``n_seeds - 1`` df, or normal (module doc)."""
        if self.n_seeds is None:
            return _N.inv_cdf(1.0 - a)
        from scipy.stats import t

        return float(t.isf(a, self.n_seeds - 1))

    def effect(self, rel: sp.Rel, shape: tuple[int, ...]) -> np.ndarray:
        """The violation size ``delta`` a test of ``rel`` should detect, at each point (module doc)."""
        declared = [self.effects[s] for s in rel.free_symbols if s in self.effects]
        if declared:
            return np.broadcast_to(np.asarray(max(declared), float), shape)
        lhs = self.value(rel.lhs, str(rel), estimate_only=True)[0]
        rhs = self.value(rel.rhs, str(rel), estimate_only=True)[0]
        with np.errstate(invalid="ignore"):
            scale = np.maximum(np.abs(lhs), np.abs(rhs))
        return np.broadcast_to(self.effect_size * scale, shape)

    def _summarise(self, rel: sp.Rel, g: np.ndarray, est: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                   tlo: np.ndarray, thi: np.ndarray, se: np.ndarray, delta: np.ndarray, power: np.ndarray) -> None:
        relevant = next((r for a, gg, r in self.atoms if a == rel), self.mask)
        axes = tuple(k for k, n in enumerate(g.shape[1:]) if n == 1 and self.grid.shape[k] > 1)
        rel_here = np.any(relevant, axis=axes, keepdims=True)
        rel_here = np.broadcast_to(rel_here, tlo.shape) if rel_here.shape != tlo.shape else rel_here
        pw = np.broadcast_to(np.where(rel_here, power, np.inf), tlo.shape)
        full = np.broadcast_to(pw, self.grid.shape).ravel() if pw.shape != self.grid.shape else pw.ravel()
        at = int(np.argmin(full)) if np.isfinite(full).any() else None
        self.summaries.append(AtomSummary(
            str(rel), int(rel_here.sum()), est, lo, hi, int(((tlo > 0) & rel_here).sum()),
            int(((thi < 0) & rel_here).sum()), int(((tlo <= 0) & (thi >= 0) & rel_here).sum()),
            se, np.asarray(delta), np.asarray(power), float(full[at]) if at is not None else 1.0, at,
            tuple(s.name for k, s in enumerate(self.grid.axes) if tlo.shape[k] > 1)))


def _phi(x: np.ndarray) -> np.ndarray:
    """The standard normal CDF, elementwise (scipy)."""
    from scipy.special import ndtr

    return ndtr(np.asarray(x, float))


def evaluate(
    hypothesis: sp.Basic | None, conclusion: sp.Basic, *, grid: Grid, samples: Mapping[sp.Symbol, np.ndarray],
    where: sp.Basic, alpha: float, resolution: float | None = None,
    effects: Mapping[sp.Symbol, float] | None = None, effect_size: float = 0.05, n_seeds: int | None = None,
) -> Evaluation:
    """Evaluate ``hypothesis => conclusion`` (or ``conclusion``) at every grid point where ``where`` holds.

    ``samples`` maps each sampled symbol to its ``(replicates, *shape-broadcastable)`` array;
    ``alpha`` is the family-wise error rate of the intervals (Bonferroni over the tests that can
    matter). Symbols other than the grid's axes and the sampled ones must already be substituted.
    ``effects`` (absolute, per sampled symbol) and ``effect_size`` (relative) state the violation each
    test must have power to detect (module doc). ``n_seeds``: the number of replicates the bootstrap
    resamples per group, for the t interval (module doc); ``None`` gives normal intervals.
    """
    if n_seeds is not None and n_seeds < 2:
        raise fail("n_seeds", n_seeds, ">= 2 (a standard error needs two replicates)")
    if not 0 < alpha < 1:
        raise fail("alpha", alpha, "in (0, 1)")
    ev = _Evaluator(grid, samples, np.ones(grid.shape, bool), resolution, effects, effect_size)
    ev.n_seeds = n_seeds
    wlo, _ = ev.margins(sp.sympify(where))
    mask = np.broadcast_to(wlo > 0, grid.shape)
    ev.mask = mask
    if hypothesis is None:
        ev.collect(conclusion, mask)
    else:
        ev.collect_implication(hypothesis, conclusion, mask)
    n_tests = ev.budget()
    ev.alpha_each = alpha / max(n_tests, 1)
    lo, hi = ev.implication(hypothesis, conclusion) if hypothesis is not None else ev.margins(conclusion)
    n_points = int(mask.sum())
    if n_points == 0:
        return Evaluation(-_INF, _INF, 0, n_tests, 1 - ev.alpha_each, 0, 0, tuple(ev.summaries))
    flat_lo = np.where(mask, lo, _INF).ravel()
    flat_hi = np.where(mask, hi, _INF).ravel()
    # among equally placed points take the last in grid order (the largest coordinates: e.g. the
    # largest witness constant for which the statement fails)
    weakest = int(flat_lo.size - 1 - np.argmin(flat_lo[::-1]))
    worst = int(flat_hi.size - 1 - np.argmin(flat_hi[::-1]))
    weak = min(ev.summaries, key=lambda a: a.power_min, default=None)
    return Evaluation(float(flat_lo[weakest]), float(flat_hi[worst]), n_points, n_tests, 1 - ev.alpha_each,
                      weakest, worst, tuple(ev.summaries), weak.power_min if weak else 1.0,
                      weak.power_min_at if weak else None, weak.relation if weak else "", weak.axes if weak else ())
