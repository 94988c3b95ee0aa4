"""The experiment check of the Chen et al. 2023 claims (CLAIMS.md §3): one checker, driven by each claim's data.

For a claim, :func:`experiment_check` runs (or reuses) the sweep its ``extras["experiment"]``
declares at the run's level and seed, binds the statement's placeholders to the measured quantities
(:mod:`verify._chen_measure`), and decides the statement at every grid point of its domain from
Bonferroni bootstrap intervals (:mod:`verify._chen_logic`):

* ``pass`` when the statement holds with confidence everywhere: the decision is
  ``lower confidence margin > 0``;
* ``fail`` when it is false with confidence at some point: the decision is
  ``upper confidence margin >= 0`` (false), with that point as the counterexample;
* ``inconclusive`` otherwise (an interval straddles the claimed side, is wider than the claim's
  ``resolution``, or a quantity is not measured: e.g. SAM did not reach the loss target at a crossing).

Nothing about what the claims assert is written here: the claimed exponents, directions and
thresholds are read from the statement, the grid and sizes from the claim's extras.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from derivations import Claim

from ._chen_analysis import analysis, experiment_spec, run_seed
from ._chen_figures import figures
from ._chen_logic import Evaluation, evaluate
from ._chen_measure import Bound, bind
from ._engine import Level, register_check
from ._results import CheckResult, Counterexample, decide, undecided

__all__ = ["ALPHA", "IDS", "experiment_check", "figures"]

#: Family-wise error rate of one check's intervals (Bonferroni over every test that can matter): a
#: correct statement is refuted, and a false one confirmed, with probability at most 5% per check.
ALPHA = 0.05

IDS = ("chen2023.sgd.harmful_as_quoted", "chen2023.sgd.threshold_scaling", "chen2023.sam.threshold",
       "chen2023.sam.noise_memorization")


def _float(x: Any) -> float | None:
    v = float(x)
    return v if np.isfinite(v) else None


def _atoms(ev: Evaluation, b: Bound, point: int) -> list[dict[str, Any]]:
    """Each sampled relation: its test counts and its interval of ``lhs - rhs`` at ``point``."""
    out = []
    for a in ev.atoms:
        def at(arr: np.ndarray) -> float | None:
            return _float(np.broadcast_to(arr, b.grid.shape).ravel()[point])

        rel = a.relation
        for s, label in sorted(b.labels.items(), key=lambda kv: -len(str(kv[0]))):
            rel = rel.replace(str(s), label)
        out.append({"relation": rel, "tests": a.tests, "held": a.held, "failed": a.failed,
                    "undecided": a.undecided, "gap_estimate": at(a.estimate), "gap_interval": [at(a.low), at(a.high)]})
    return out


def _statement_text(b: Bound) -> str:
    text = str(b.conclusion) if b.hypothesis is None else f"{b.hypothesis} implies {b.conclusion}"
    for s, label in sorted(b.labels.items(), key=lambda kv: -len(str(kv[0]))):
        text = text.replace(str(s), label)
    return text


def _counterexample(claim: Claim, b: Bound, ev: Evaluation) -> Counterexample:
    params = {**b.grid.point(ev.worst), **{s.name: int(v) if v.is_Integer else _float(v) for s, v in b.constants.items()}}
    actual = {label: _float(b.value_at(s, ev.worst)) for s, label in b.labels.items()}
    return Counterexample(params, _statement_text(b), actual,
                          note=f"false with confidence at this point (family-wise {1 - ALPHA:.0%} Bonferroni "
                               f"bootstrap intervals over {ev.n_tests} tests): "
                               + "; ".join(f"{a['relation']}: lhs - rhs in {a['gap_interval']}"
                                           for a in _atoms(ev, b, ev.worst)))


def experiment_check(claim: Claim, reading: str, level: Level, seedseq: np.random.SeedSequence) -> list[CheckResult]:
    """Decide the claim's statement on the experiment it declares, at every point of its domain."""
    t0 = time.perf_counter()
    spec = experiment_spec(claim, level.name)
    seed = run_seed(seedseq)
    an = analysis(spec, seed)
    b = bind(claim, spec, an)
    ev = evaluate(b.hypothesis, b.conclusion, grid=b.grid, samples=b.samples, where=b.where, alpha=ALPHA,
                  resolution=None if claim.extras.get("resolution") is None else float(claim.extras["resolution"]))
    data = {**an.common(), "statement_evaluated": _statement_text(b), "where": str(b.where),
            "axes": {s.name: [float(v) for v in vals] for s, vals in zip(b.grid.axes, b.grid.values)},
            "alpha": ALPHA, "n_points": ev.n_points, "n_tests": ev.n_tests, "level_each": ev.level_each,
            "margins": {"lower": _float(ev.lower), "upper": _float(ev.upper)},
            "weakest_point": b.grid.point(ev.weakest), "atoms_at_weakest": _atoms(ev, b, ev.weakest),
            "measured": b.measured, "notes": b.notes,
            "mean_error_sgd": an.error_table("sgd"), "mean_error_sam": an.error_table("sam")}
    common = {"data": data, "seed": seed}
    head = f"{_statement_text(b)} at {ev.n_points} grid points of the domain ({ev.n_tests} sampled tests)"
    if ev.n_points == 0:
        return [undecided("experiment", "no grid point lies in the claim's domain", head,
                          elapsed=time.perf_counter() - t0, **common)]
    if ev.refuted:
        pt = b.grid.point(ev.worst)
        return [decide("experiment", f"{head}: false with confidence at {pt}",
                       quantity="upper confidence margin of the statement at its most violated grid point "
                                "(the most its Bonferroni bootstrap intervals allow; < 0: false there)",
                       value=ev.upper, op=">=", threshold=0.0,
                       counterexample=lambda: _counterexample(claim, b, ev), elapsed=time.perf_counter() - t0,
                       **common)]
    if ev.holds:
        return [decide("experiment", f"{head}: holds with confidence at every point",
                       quantity="lower confidence margin of the statement at its weakest grid point "
                                "(the least its Bonferroni bootstrap intervals allow; > 0: holds everywhere)",
                       value=ev.lower, op=">", threshold=0.0, elapsed=time.perf_counter() - t0, **common)]
    open_atoms = [a for a in _atoms(ev, b, ev.weakest) if a["undecided"]]
    why = "; ".join(f"{a['relation']} undecided at {a['undecided']}/{a['tests']} points (e.g. lhs - rhs in "
                    f"{a['gap_interval']} at {b.grid.point(ev.weakest)})" for a in open_atoms)
    reason = ("the bootstrap intervals neither confirm nor exclude the statement"
              + (f": {why}" if why else "") + (f"; not measured: {'; '.join(b.notes)}" if b.notes else ""))
    return [undecided("experiment", reason, f"{head}: undecided", elapsed=time.perf_counter() - t0, **common)]


for _cid in IDS:
    register_check(_cid, methods=("experiment",))(experiment_check)
