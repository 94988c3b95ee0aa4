"""Chen et al. 2023: decide a claim's statement in every exponent fit window, and combine the windows.

A statement about a fitted exponent (``Derivative(log(mu_c(d)), d)``) is evaluated once per fit window
the experiment declares (``exponent_fit``); windows with the same ``d`` values are one window (their
names joined), and windows with fewer than ``fit_min_points`` values of ``d`` are set aside (a slope
through two points is not a fit). The statement is decided only when every window agrees:

* *holds* when it holds with confidence in every window;
* *refuted* when it is false with confidence in every window;
* *undecided* otherwise, e.g. when one window's interval excludes the claimed exponent and another's
  contains it.

Refuting only when every window refutes is an intersection–union test: the chance of a false
refutation is at most that of any one window, so every window is evaluated at the family's whole
``alpha`` (Bonferroni over its own (relation, point) tests). A statement without a fitted exponent
has one window.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from scipy.stats import t as t_dist

from derivations import Claim

from ._chen_analysis import ChenAnalysis, ExperimentSpec
from ._chen_logic import Evaluation, evaluate
from ._chen_measure import Bound, bind

__all__ = ["WindowEvaluation", "Windows", "evaluate_windows", "exponents_of"]


@dataclass(frozen=True)
class WindowEvaluation:
    """The statement bound and evaluated with its exponents fitted over one window of ``d``."""

    name: str | None
    d: tuple[int, ...]
    bound: Bound
    ev: Evaluation
    n_seeds: int

    @property
    def outcome(self) -> str:
        """``holds``, ``refuted`` or ``undecided`` (with confidence, in this window)."""
        return "holds" if self.ev.holds else "refuted" if self.ev.refuted else "undecided"


@dataclass(frozen=True)
class Windows:
    """Every admissible window's evaluation, the windows set aside, and the combined outcome."""

    evaluated: tuple[WindowEvaluation, ...]
    set_aside: tuple[dict[str, Any], ...]

    @property
    def primary(self) -> WindowEvaluation:
        """The first admissible window (the primary one when it is admissible)."""
        return self.evaluated[0]

    @property
    def holds(self) -> bool:
        """Holds with confidence in every window."""
        return bool(self.evaluated) and all(w.ev.holds for w in self.evaluated)

    @property
    def refuted(self) -> bool:
        """False with confidence in every window."""
        return bool(self.evaluated) and all(w.ev.refuted for w in self.evaluated)

    @property
    def lower(self) -> float:
        """The least lower confidence margin over the windows (> 0: holds in every window)."""
        return min(w.ev.lower for w in self.evaluated)

    @property
    def upper(self) -> float:
        """The largest upper confidence margin over the windows (< 0: false in every window)."""
        return max(w.ev.upper for w in self.evaluated)

    @property
    def power(self) -> float:
        """The least power of any test in any window (module doc of :mod:`verify._chen_logic`)."""
        return min(w.ev.power for w in self.evaluated)

    @property
    def weakest_power(self) -> WindowEvaluation:
        """The window holding the least-powered test."""
        return min(self.evaluated, key=lambda w: w.ev.power)

    @property
    def disagree(self) -> bool:
        """Some windows decide differently from others (or some decide and others cannot)."""
        return len({w.outcome for w in self.evaluated}) > 1


def exponents_of(w: WindowEvaluation) -> dict[str, Any]:
    """The window's fitted exponents: estimate, standard error and the t interval its tests use (``_chen_logic``)."""
    alpha_each = 1.0 - w.ev.level_each
    ns = w.n_seeds
    z = float(t_dist.isf(alpha_each / 2, ns - 1)) if alpha_each > 0 else float("nan")
    out = {}
    for sym, kind in w.bound.kinds.items():
        if kind != "exponent":
            continue
        arr = np.asarray(w.bound.samples[sym], float).reshape(w.bound.samples[sym].shape[0], -1)[:, 0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all replicates censored: reported as None
            se = float(np.nanstd(arr[1:], ddof=1)) * math.sqrt(ns / (ns - 1))  # as the tests use it
        est = float(arr[0])
        ok = np.isfinite(est) and np.isfinite(se)
        out[w.bound.labels[sym]] = {
            "estimate": round(est, 4) if ok else None, "se": round(se, 4) if ok else None,
            "interval": [round(est - z * se, 4), round(est + z * se, 4)] if ok and np.isfinite(z) else None,
            "interval_level": 1.0 - alpha_each if alpha_each > 0 else None}
    return out


def _windows(spec: ExperimentSpec) -> tuple[list[tuple[str, sp.Basic, tuple[int, ...]]], list[dict[str, Any]]]:
    """Admissible windows (same ``d`` sets merged, names joined) and the ones set aside, with why."""
    groups: dict[tuple[int, ...], list[tuple[str, sp.Basic]]] = {}
    for name, rel in spec.windows:
        groups.setdefault(spec.window_d(rel), []).append((name, rel))
    keep, aside = [], []
    for ds, members in groups.items():
        name = " = ".join(m[0] for m in members)
        if len(ds) < spec.fit_min_points:
            aside.append({"window": name, "d": list(ds),
                          "why": f"{len(ds)} values of d: fewer than fit_min_points = {spec.fit_min_points}"})
        else:
            keep.append((name, members[0][1], ds))
    return keep, aside


def evaluate_windows(claim: Claim, spec: ExperimentSpec, an: ChenAnalysis, *, alpha: float, effect_size: float
                     ) -> Windows:
    """Bind and evaluate the claim's statement in every admissible fit window (one if it fits no exponent)."""
    resolution = claim.extras.get("resolution")
    res = None if resolution is None else float(resolution)
    kinds = dict(spec.resolution)

    def run(window: sp.Basic | None) -> tuple[Bound, Evaluation]:
        b = bind(claim, spec, an, window)
        effects = {s: kinds[k] for s, k in b.kinds.items() if k in kinds}
        ev = evaluate(b.hypothesis, b.conclusion, grid=b.grid, samples=b.samples, where=b.where, alpha=alpha,
                      resolution=res, effects=effects, effect_size=effect_size, n_seeds=an.grid.n_seeds)
        return b, ev

    b0, ev0 = run(None)
    if not b0.fitted:
        return Windows((WindowEvaluation(None, (), b0, ev0, an.grid.n_seeds),), ())
    keep, aside = _windows(spec)
    evaluated = []
    for name, rel, ds in keep:
        b, ev = (b0, ev0) if rel == spec.exponent_fit else run(rel)
        evaluated.append(WindowEvaluation(name, ds, b, ev, an.grid.n_seeds))
    return Windows(tuple(evaluated), tuple(aside))
