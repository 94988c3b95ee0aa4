"""The experiment check of the Chen et al. 2023 claims (docs/catalogue.md): one checker, driven by each claim's data.

For a claim, :func:`experiment_check` runs (or reuses) the sweep its ``extras["experiment"]``
declares at the run's level and seed, binds the statement's placeholders to the measured quantities
(:mod:`verify._chen_measure`), and decides the statement at every grid point of its domain from
Bonferroni bootstrap intervals (:mod:`verify._chen_logic`), in every exponent fit window
(:mod:`verify._chen_decide`):

* ``pass`` when the statement holds with confidence everywhere, in every window, and every test had
  power ``level.min_power`` against the violation size it states: the decision is
  ``lower confidence margin > 0``;
* ``fail`` when it is false with confidence at some point, in every window: the decision is
  ``upper confidence margin >= 0`` (false), with that point as the counterexample;
* ``inconclusive`` otherwise (an interval straddles the claimed side or is wider than the
  resolution, the windows disagree, the tests lack power, or a quantity is not measured: e.g. SAM did
  not reach the loss target at a crossing).

Error budget: each claim is one sampling family (:data:`FAMILIES`) and spends at most
``level.family_alpha``, its share of the run's budget, over all its tests. The four claims share one
sweep; their families are dependent through it, which the engine's Bonferroni split across families
allows. Nothing about what the claims assert is written here: the claimed exponents, directions and
thresholds are read from the statement, the grid and sizes from the claim's extras.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from derivations import Claim

from ._chen_analysis import ChenAnalysis, ExperimentSpec, analysis, experiment_spec, run_seed
from ._chen_decide import Windows, WindowEvaluation, evaluate_windows, exponents_of
from ._chen_figures import figures
from ._chen_logic import Evaluation
from ._chen_measure import Bound
from ._engine import Level, register_check
from ._results import CheckResult, Counterexample, Decision, decide, undecided

__all__ = ["FAMILIES", "IDS", "experiment_check", "figures"]

#: Sampling families per claim: one, covering every (relation, grid point) test of its statement in
#: every fit window (Bonferroni over the tests; the windows are an intersection-union test).
FAMILIES = 1

IDS = ("chen2023.sgd.harmful_as_quoted", "chen2023.sgd.threshold_scaling", "chen2023.sam.threshold",
       "chen2023.sam.noise_memorization")


def _float(x: Any) -> float | None:
    v = float(x)
    return v if np.isfinite(v) else None


def _atoms(ev: Evaluation, b: Bound, point: int) -> list[dict[str, Any]]:
    """Each sampled relation: its test counts, its interval of ``lhs - rhs`` and its power at ``point``."""
    out = []
    for a in ev.atoms:
        def at(arr: np.ndarray) -> float | None:
            return _float(np.broadcast_to(arr, b.grid.shape).ravel()[point])

        out.append({"relation": _text(a.relation, b), "tests": a.tests, "held": a.held, "failed": a.failed,
                    "undecided": a.undecided, "gap_estimate": at(a.estimate), "gap_interval": [at(a.low), at(a.high)],
                    "se": at(a.se), "effect": at(a.effect), "power": at(a.power),
                    "least_power": round(a.power_min, 4),
                    "least_power_at": _point(b, a.power_min_at, a.axes)})
    return out


def _point(b: Bound, flat: int | None, axes: tuple[str, ...]) -> dict[str, Any] | None:
    """A grid point restricted to the axes a quantity varies along (a fitted exponent varies along none)."""
    return None if flat is None else {k: v for k, v in b.grid.point(flat).items() if k in axes}


def _text(text: str, b: Bound) -> str:
    for s, label in sorted(b.labels.items(), key=lambda kv: -len(str(kv[0]))):
        text = text.replace(str(s), label)
    return text


def _statement_text(b: Bound) -> str:
    return _text(str(b.conclusion) if b.hypothesis is None else f"{b.hypothesis} implies {b.conclusion}", b)


def _window_row(w: WindowEvaluation) -> dict[str, Any]:
    ev = w.ev
    return {"window": w.name, "d": list(w.d), "outcome": w.outcome, "exponents": exponents_of(w),
            "margins": {"lower": _float(ev.lower), "upper": _float(ev.upper)}, "n_tests": ev.n_tests,
            "least_power": round(ev.power, 4), "measured": w.bound.measured}


def _exponent_text(w: WindowEvaluation) -> str:
    """``label estimate in [lo, hi] (level)`` for each fitted exponent of a window."""
    parts = []
    for label, e in exponents_of(w).items():
        if e["estimate"] is None:
            parts.append(f"{label} not measured")
        else:
            parts.append(f"{label} = {e['estimate']:.3f} in {e['interval']} at {e['interval_level']:.4%}")
    return ", ".join(parts)


def _counterexample(b: Bound, ev: Evaluation, ws: Windows, alpha: float) -> Counterexample:
    params = {**b.grid.point(ev.worst), **{s.name: int(v) if v.is_Integer else _float(v) for s, v in b.constants.items()}}
    actual = {label: _float(b.value_at(s, ev.worst)) for s, label in b.labels.items()}
    windows = "" if ws.primary.name is None else " in every fit window (" + "; ".join(
        f"{w.name}: {_exponent_text(w)}" for w in ws.evaluated) + ")"
    return Counterexample(
        params, _statement_text(b), actual,
        note=f"false with confidence at this point{windows} (Bonferroni bootstrap intervals, family-wise level "
             f"{1 - alpha:.4%} over {ev.n_tests} tests): "
             + "; ".join(f"{a['relation']}: lhs - rhs in {a['gap_interval']}" for a in _atoms(ev, b, ev.worst)),
        certified=False,
        why="the measured side comes from a simulation (seed-bootstrap intervals of a finite sweep), which no "
            "interval arithmetic can enclose")


def _design(spec: ExperimentSpec) -> dict[str, Any]:
    g = spec.grid
    return {"d_range": [min(g.d_values), max(g.d_values)], "n_d": len(g.d_values), "n_seeds": g.n_seeds,
            "n_mu": len(g.mu_values), "mu_range": [round(min(g.mu_values), 4), round(max(g.mu_values), 4)],
            "max_epochs": spec.setup.max_epochs, "n_boot": spec.n_boot, "sam_radius": spec.sam_radius}


def _error_control(claim: Claim, level: Level, alpha: float, ws: Windows) -> dict[str, Any]:
    tests = {("primary" if w.name is None else w.name): w.ev.n_tests for w in ws.evaluated}
    return {"family": f"{claim.id} [default] experiment", "families": FAMILIES, "family_alpha": alpha,
            "run_alpha": level.alpha, "tests_per_window": tests,
            "per_test_alpha": {k: alpha / max(v, 1) for k, v in tests.items()},
            "covers": [f"{a['relation']}: {a['tests']} grid points"
                       for a in _atoms(ws.primary.ev, ws.primary.bound, ws.primary.ev.weakest)],
            "procedure": "Bonferroni over the family's (relation, grid point) tests in each fit window; a "
                         "refutation needs every window (intersection-union test), so the windows share the "
                         "family's alpha",
            "shared_sweep": "the four chen2023 claims read one sweep (d, ||mu||, seed); each claim is its own "
                            "family, dependent on the others through the shared data, which the run's Bonferroni "
                            "split across families allows"}


def _power(level: Level, ws: Windows) -> dict[str, Any]:
    w = ws.weakest_power
    return {"required": level.min_power, "least": round(ws.power, 4), "window": w.name,
            "relation": _text(w.ev.power_atom, w.bound),
            "at": _point(w.bound, w.ev.power_at, w.ev.power_axes),
            "effect": "exponents: the declared resolution (absolute); other quantities: "
                      f"{level.effect_size:.0%} of the larger side's estimate at the point",
            "effect_size": level.effect_size,
            "applies_to": "a pass: it counts only with this power (a refutation needs none)"}


def _vs_fast(claim: Claim, spec: ExperimentSpec, an: ChenAnalysis, level: Level, alpha: float,
             ws: Windows) -> dict[str, Any] | None:
    """At a level above fast: the exponents' intervals on fast's sub-design of this sweep, and how much narrower."""
    if level.name == "fast" or ws.primary.name is None:
        return None
    try:
        fast = experiment_spec(claim, "fast")
    except ValueError:
        return None
    sub = an.subdesign(fast.grid)
    if sub is None:
        return {"note": "fast's design is not a sub-design of this level's grid"}
    fw = evaluate_windows(claim, fast, sub, alpha=alpha, effect_size=level.effect_size)
    rows = {}
    for w in ws.evaluated:
        f = next((x for x in fw.evaluated if x.name == w.name), None)
        if f is None:
            continue
        here, there = exponents_of(w), exponents_of(f)
        rows[w.name] = {q: {"here": here[q], "fast_subdesign": there.get(q),
                            "se_ratio": (None if not (here[q]["se"] and there.get(q, {}).get("se"))
                                         else round(here[q]["se"] / there[q]["se"], 3))}
                        for q in here}
    return {"what": "the same windows fitted on fast's design (its d, ||mu|| and first n_seeds replicates) taken "
                    "from this sweep; trained for this level's epochs", "windows": rows}


def experiment_check(claim: Claim, reading: str, level: Level, seedseq: np.random.SeedSequence) -> list[CheckResult]:
    """Decide the claim's statement on the experiment it declares, at every point of its domain and fit window."""
    t0 = time.perf_counter()
    spec = experiment_spec(claim, level.name)
    seed = run_seed(seedseq)
    an = analysis(spec, seed)
    alpha = FAMILIES * (level.family_alpha if level.family_alpha is not None else level.montecarlo_alpha)
    ws = evaluate_windows(claim, spec, an, alpha=alpha, effect_size=level.effect_size)
    data: dict[str, Any] = {**an.common(), "design": _design(spec),
                            "error_control": _error_control(claim, level, alpha, ws)}
    if not ws.evaluated:
        return [undecided("experiment", "no fit window has enough values of d: " + str(list(ws.set_aside)),
                          elapsed=time.perf_counter() - t0, data=data, seed=seed)]
    w0 = ws.primary
    b, ev = w0.bound, w0.ev
    data.update({"statement_evaluated": _statement_text(b), "where": str(b.where),
                 "axes": {s.name: [float(v) for v in vals] for s, vals in zip(b.grid.axes, b.grid.values)},
                 "alpha": alpha, "n_points": ev.n_points, "n_tests": ev.n_tests, "level_each": ev.level_each,
                 "margins": {"lower": _float(ws.lower), "upper": _float(ws.upper)},
                 "weakest_point": b.grid.point(ev.weakest), "atoms_at_weakest": _atoms(ev, b, ev.weakest),
                 "power": _power(level, ws), "measured": b.measured, "notes": b.notes,
                 "mean_error_sgd": an.error_table("sgd"), "mean_error_sam": an.error_table("sam")})
    if w0.name is not None:
        data["fit_windows"] = [_window_row(w) for w in ws.evaluated]
        data["fit_windows_set_aside"] = list(ws.set_aside)
        vs = _vs_fast(claim, spec, an, level, alpha, ws)
        if vs is not None:
            data["vs_fast"] = vs
    common = {"data": data, "seed": seed}
    head = f"{_statement_text(b)} at {ev.n_points} grid points of the domain ({ev.n_tests} sampled tests" + (
        ")" if w0.name is None else f" per window, {len(ws.evaluated)} fit windows)")
    if ev.n_points == 0:
        return [undecided("experiment", "no grid point lies in the claim's domain", head,
                          elapsed=time.perf_counter() - t0, **common)]
    if ev.n_tests == 0:
        return [undecided("experiment", "no sampled test: the hypothesis holds at no grid point of the domain",
                          head, elapsed=time.perf_counter() - t0, **common)]
    if ws.refuted:
        pt = b.grid.point(ev.worst)
        return [decide("experiment", f"{head}: false with confidence at {pt}" + ("" if w0.name is None else
                                                                                   " in every fit window"),
                       quantity="upper confidence margin of the statement at its most violated grid point (the most "
                                "its Bonferroni bootstrap intervals allow; the largest over the fit windows; < 0: "
                                "false there in every window)",
                       value=ws.upper, op=">=", threshold=0.0,
                       counterexample=lambda: _counterexample(b, ev, ws, alpha), elapsed=time.perf_counter() - t0,
                       **common)]
    if ws.holds and ws.power >= level.min_power:
        return [decide("experiment", f"{head}: holds with confidence at every point" + (
                           "" if w0.name is None else " in every fit window") + f", power >= {ws.power:.2f}",
                       quantity="lower confidence margin of the statement at its weakest grid point (the least "
                                "its Bonferroni bootstrap intervals allow, over every fit window; > 0: holds "
                                "everywhere)",
                       value=ws.lower, op=">", threshold=0.0, elapsed=time.perf_counter() - t0, **common)]
    return [undecided("experiment", _reason(ws, level), f"{head}: undecided", elapsed=time.perf_counter() - t0,
                      decision=_context(ws, level), **common)]


def _context(ws: Windows, level: Level) -> Decision | None:
    """The decision that fell short, attached as context: the power of a statement that held."""
    if ws.holds:
        return Decision("least power of the tests against the stated violation size", round(ws.power, 6), ">=",
                        level.min_power)
    return None


def _reason(ws: Windows, level: Level) -> str:
    if ws.holds:
        p = _power(level, ws)
        return (f"the statement holds with confidence everywhere, but its least-powered test ({p['relation']} at "
                f"{p['at']}{'' if p['window'] is None else ', window ' + p['window']}) had power {ws.power:.2f} < "
                f"{level.min_power} to show a violation of the stated size ({p['effect']})")
    if ws.disagree:
        return ("the fit windows do not agree (a fitted exponent is decided only when every window does): "
                + "; ".join(f"{w.name}: {w.outcome} ({_exponent_text(w)})" for w in ws.evaluated))
    w0 = ws.primary
    b, ev = w0.bound, w0.ev
    open_atoms = [a for a in _atoms(ev, b, ev.weakest) if a["undecided"]]
    why = "; ".join(f"{a['relation']} undecided at {a['undecided']}/{a['tests']} points (e.g. lhs - rhs in "
                    f"{a['gap_interval']} at {b.grid.point(ev.weakest)})" for a in open_atoms)
    return ("the bootstrap intervals neither confirm nor exclude the statement" + (f": {why}" if why else "")
            + (f"; not measured: {'; '.join(b.notes)}" if b.notes else ""))


for _cid in IDS:
    register_check(_cid, methods=("experiment",), sampling_families=FAMILIES)(experiment_check)

from . import _chen_calibration  # noqa: E402,F401  (registers the calibration families)
