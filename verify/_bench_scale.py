"""Scale benchmarks: parallel catalogue runs, the persistent cache, the full level, compiled kernels.

Every target is a ratio measured in the same run on the same machine (never a timed test):

- ``catalogue_speedup_jobs2``: wall time of a serial catalogue run over that of ``--jobs 2``
  (target >= 1.6 on 2 cores; the cache is off in both so they do the same work);
- ``cache_warm_over_cold``: a second run with a warm cache over the first with an empty one
  (target <= 0.3);
- ``full_level_seconds``: wall time of ``--level full`` (target <= 1200 s on 2 cores); measured only
  with ``include_full=True`` (``samverify bench --full-level``), since it takes many minutes;
- ``compiled_fraction_of_normal_rate``: compiled (numba) path-steps per second over the rate at which
  numpy's default generator draws normals, both in this process (target >= 2).

``quick=True`` runs the catalogue entries on one claim (``kim2023.thm2.suppression``) as a smoke test.
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

import numpy as np

__all__ = ["scale_entries"]

_QUICK_SUBSET = "kim2023.thm2.suppression"  # four quick readings: a smoke test of the machinery


def _timed_run(**kw: Any) -> float:
    from ._run import run_catalogue

    t0 = time.perf_counter()
    run_catalogue(**kw)
    return time.perf_counter() - t0


def _with_cache(enabled: bool, fn):
    from . import _cache

    old_dir, old_flag = os.environ.get("SAMVERIFY_CACHE_DIR"), _cache.enabled()
    old_results = os.environ.get("SAMVERIFY_CACHE_RESULTS")
    with tempfile.TemporaryDirectory(prefix="samverify-bench-cache-") as d:
        os.environ["SAMVERIFY_CACHE_DIR"] = d
        os.environ["SAMVERIFY_CACHE_RESULTS"] = "1"
        _cache.set_enabled(enabled)
        try:
            return fn()
        finally:
            _cache.set_enabled(old_flag)
            if old_results is None:
                os.environ.pop("SAMVERIFY_CACHE_RESULTS", None)
            else:
                os.environ["SAMVERIFY_CACHE_RESULTS"] = old_results
            if old_dir is None:
                os.environ.pop("SAMVERIFY_CACHE_DIR", None)
            else:
                os.environ["SAMVERIFY_CACHE_DIR"] = old_dir


def _entry(name: str, value: float | None, unit: str, *, baseline: float | None = None, ratio: float | None = None,
           target: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "baseline": baseline, "ratio": ratio, "target": target, **extra}


def scale_entries(*, quick: bool = False, include_full: bool = False) -> list[dict[str, Any]]:
    """The four scale benchmark entries (see the module doc)."""
    subset = _QUICK_SUBSET if quick else None
    base = dict(level="fast", seed=0, claim_filter=subset, figures_dir=None)
    out: list[dict[str, Any]] = []

    serial = _with_cache(False, lambda: _timed_run(**base))
    par = _with_cache(False, lambda: _timed_run(**base, jobs=2))
    out.append(_entry("catalogue_speedup_jobs2", serial / par, "x", baseline=serial, ratio=serial / par,
                      target=">= 1.6", serial_s=round(serial, 2), jobs2_s=round(par, 2), claims=subset or "all"))

    def cold_then_warm() -> tuple[float, float]:
        return _timed_run(**base), _timed_run(**base)

    cold, warm = _with_cache(True, cold_then_warm)
    out.append(_entry("cache_warm_over_cold", warm / cold, "ratio", baseline=cold, ratio=warm / cold, target="<= 0.3",
                      cold_s=round(cold, 2), warm_s=round(warm, 2), claims=subset or "all"))

    if include_full:
        full = _with_cache(False, lambda: _timed_run(level="full", seed=0, figures_dir=None, claim_filter=subset))
        out.append(_entry("full_level_seconds", full, "s", target="<= 1200", claims=subset or "all"))
    else:
        out.append(_entry("full_level_seconds", None, "s", target="<= 1200",
                          note="not measured: run `samverify bench --full-level` (takes many minutes)"))

    out.append(_compiled_entry(quick=quick))
    return out


def _compiled_entry(*, quick: bool) -> dict[str, Any]:
    from ._kernels import available, ou_paths

    n_paths, n_steps = (20_000, 20) if quick else (400_000, 100)
    rng = np.random.default_rng(0)
    draws = n_paths * n_steps
    t0 = time.perf_counter()
    rng.standard_normal(draws)
    normal_rate = draws / (time.perf_counter() - t0)
    if not available():
        return _entry("compiled_fraction_of_normal_rate", None, "ratio", baseline=normal_rate, target=">= 2",
                      note="numba not installed (extra 'fast')")
    ou_paths([0.9], [0.1], [1.0], n_steps=2, n_paths=64, seed=0)  # compile outside the timing
    t0 = time.perf_counter()
    ou_paths([0.9], [0.1], [1.0], n_steps=n_steps, n_paths=n_paths, seed=1)
    rate = draws / (time.perf_counter() - t0)
    return _entry("compiled_fraction_of_normal_rate", rate / normal_rate, "ratio", baseline=normal_rate,
                  ratio=rate / normal_rate, target=">= 2", compiled_path_steps_per_s=rate, numpy_normals_per_s=normal_rate)
