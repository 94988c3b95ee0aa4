"""Sweeps inside checks run on the run's executor and give the same results as serially."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from verify._sweep import current_executor, sweep_map, use_executor


def _mean_of_draws(seed_and_n: tuple[np.random.SeedSequence, int]) -> float:
    ss, n = seed_and_n
    return float(np.random.default_rng(ss).standard_normal(n).mean())


ITEMS = [(ss, 1000) for ss in np.random.SeedSequence(5).spawn(6)]


def test_a_sweep_gives_the_same_results_serially_and_on_an_executor():
    serial = sweep_map(_mean_of_draws, ITEMS)
    assert current_executor() == "serial"
    with ProcessPoolExecutor(2) as ex, use_executor(ex):
        assert current_executor() == "executor"
        assert sweep_map(_mean_of_draws, ITEMS) == serial


def test_a_sweep_inside_a_dask_task_runs_on_the_cluster():
    distributed = pytest.importorskip("distributed")

    def task() -> tuple[str, list[float]]:
        return current_executor(), sweep_map(_mean_of_draws, ITEMS)

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as c, \
            distributed.Client(c) as client:
        where, values = client.submit(task).result()
    assert where == "dask" and values == sweep_map(_mean_of_draws, ITEMS)
