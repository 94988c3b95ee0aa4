"""``samverify calibrate``: measure each sampling family's false-refutation rate and power.

A sampling family (a Monte Carlo comparison or an experiment statistic that can refute a claim)
registers a :class:`SamplingFamily`: the model's exact value of the sampled quantity and a sampler
returning ``(estimate, standard error)``. Calibration replaces the claimed value by the exact
value (a true claim by construction) and by one off by the family's stated effect size, runs
``N`` independent seeds, and counts how often each is refuted at the family's share of the run's
false-alarm budget: the first rate must stay within binomial error of that share, the second (the
power) must reach 0.8. Rates come with exact Clopper–Pearson intervals.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from derivations import catalog
from derivations._validate import check_choice, check_integer

from ._engine import LEVELS, Level, family_share
from ._stats import binomial_interval, compare
from ._sweep import sweep_map

__all__ = ["SamplingFamily", "register_family", "calibrate", "families_of"]


@dataclass(frozen=True)
class SamplingFamily:
    """One sampling family of a claim under a reading, as the calibration sees it.

    ``exact`` is the model's exact value of the sampled quantity; ``sample(rng, level)`` draws the
    estimate and its standard error exactly as the check does; ``effect_size`` is the relative
    error the check states it can detect; ``bias_bound`` a known bound on the estimator's bias.
    """

    claim: str
    reading: str
    name: str
    exact: float
    sample: Callable[[np.random.Generator, Level], tuple[float, float]]
    effect_size: float = 0.05
    bias_bound: float = 0.0


Factory = Callable[[str, Level], Sequence[SamplingFamily]]
_FACTORIES: dict[str, list[Factory]] = {}


def register_family(claim_id: str) -> Callable[[Factory], Factory]:
    """Decorator: ``factory(reading, level) -> [SamplingFamily, ...]`` for a claim's sampling checks."""

    def deco(fn: Factory) -> Factory:
        _FACTORIES.setdefault(claim_id, []).append(fn)
        return fn

    return deco


def families_of(claim_id: str, reading: str, level: Level) -> list[SamplingFamily]:
    """Every registered sampling family of ``claim_id`` under ``reading``."""
    from ._engine import _ensure_extras_loaded

    _ensure_extras_loaded()
    return [f for fn in _FACTORIES.get(claim_id, []) for f in fn(reading, level)]


def _rng(seed: int, fam: SamplingFamily, i: int) -> np.random.Generator:
    keys = [zlib.crc32(k.encode()) for k in (fam.claim, fam.reading, fam.name)]
    return np.random.default_rng(np.random.SeedSequence([seed, *keys, i]))


def _family_outcomes(args: tuple[SamplingFamily, int, int, Level, float]) -> tuple[list[bool], list[bool]]:
    """For each run: was the true claim refuted, and was the claim off by the effect size refuted?"""
    fam, runs, seed, lv, share = args
    false_flags, detect_flags = [], []
    for i in range(runs):
        est, se = fam.sample(_rng(seed, fam, i), lv)
        kw = dict(alpha=share, rtol_decide=fam.effect_size, bias_bound=fam.bias_bound, min_power=lv.min_power)
        false_flags.append(compare(est, se, fam.exact, **kw).outcome == "fail")
        detect_flags.append(compare(est, se, fam.exact * (1 + fam.effect_size), **kw).outcome == "fail")
    return false_flags, detect_flags


def calibrate(*, runs: int = 50, level: str = "fast", seed: int = 0, claim_filter: str | None = None,
              families: Sequence[SamplingFamily] | None = None, progress: Callable[[str], None] | None = None
              ) -> dict[str, Any]:
    """The ``samverify.calibrate/1`` document: per family and overall false-refutation rate and power."""
    from samverify import __version__

    check_choice("level", level, tuple(LEVELS))
    runs = check_integer("runs", runs, minimum=1)
    lv = LEVELS[level]
    share = family_share(lv.alpha)
    if families is None:
        families = [f for c in catalog() if claim_filter is None or c.id.startswith(claim_filter)
                    for r in c.reading_names for f in families_of(c.id, r, lv)]
    t0 = time.perf_counter()
    rows = []
    any_false = np.zeros(runs, dtype=bool)
    # each family's runs are one task of the run's executor (verify._sweep), in order
    outcomes = sweep_map(_family_outcomes, [(fam, runs, seed, lv, share) for fam in families])
    for fam, (false_flags, detect_flags) in zip(families, outcomes):
        if progress is not None:
            progress(f"{fam.claim} [{fam.reading}] {fam.name}")
        false_ref, detect = int(sum(false_flags)), int(sum(detect_flags))
        any_false |= np.asarray(false_flags, dtype=bool)
        ci_alpha = 0.05  # 95% intervals on the calibration rates themselves
        rows.append({"claim": fam.claim, "reading": fam.reading, "family": fam.name, "family_alpha": share,
                     "effect_size": fam.effect_size, "runs": runs, "false_refutations": false_ref,
                     "false_refutation_rate": false_ref / runs,
                     "false_refutation_ci": list(binomial_interval(false_ref, runs, alpha=ci_alpha)),
                     "detections": detect, "power": detect / runs,
                     "power_ci": list(binomial_interval(detect, runs, alpha=ci_alpha)),
                     "false_rate_consistent": binomial_interval(false_ref, runs, alpha=ci_alpha)[0] <= share,
                     "power_ok": detect / runs >= lv.min_power or binomial_interval(detect, runs, alpha=ci_alpha)[1] >= lv.min_power})
    n_false = int(any_false.sum()) if rows else 0
    overall = {"false_refutation_rate": n_false / runs if rows else 0.0,
               "false_refutation_ci": list(binomial_interval(n_false, runs, alpha=0.05)) if rows else [0.0, 1.0],
               "alpha": lv.alpha,
               "power": min((r["power"] for r in rows), default=None),
               "mean_power": float(np.mean([r["power"] for r in rows])) if rows else None,
               "n_families": len(rows)}
    return {"schema": "samverify.calibrate/1", "version": __version__, "level": level, "seed": seed, "runs": runs,
            "alpha": lv.alpha, "effect_size": 0.05, "families": rows, "overall": overall,
            "elapsed_s": round(time.perf_counter() - t0, 2)}
