"""Time budgets bound SymPy work in the main thread, in worker threads and in worker processes."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from verify._budget import OutOfTime, within_budget


def _spin() -> int:
    x = 0
    while True:  # pure Python, like SymPy: interruptible between bytecodes
        x += 1


def _bounded(seconds: float) -> str:
    t0 = time.perf_counter()
    try:
        within_budget(_spin, seconds)
    except OutOfTime:
        return f"out of time after {time.perf_counter() - t0:.2f}"
    return "finished"


def test_the_main_thread_budget_interrupts():
    assert _bounded(0.2).startswith("out of time")


def test_a_worker_thread_budget_interrupts():
    with ThreadPoolExecutor(2) as ex:
        results = list(ex.map(_bounded, [0.2, 0.3]))
    assert all(r.startswith("out of time") for r in results), results
    assert all(float(r.split()[-1]) < 2.0 for r in results)


def test_a_worker_process_budget_interrupts():
    with ProcessPoolExecutor(1) as ex:
        assert ex.submit(_bounded, 0.2).result(timeout=60).startswith("out of time")


def test_a_call_within_its_budget_returns_its_value_and_leaves_no_pending_interrupt():
    with ThreadPoolExecutor(1) as ex:
        assert ex.submit(within_budget, lambda: 41 + 1, 5.0).result() == 42
        time.sleep(0.05)
        assert ex.submit(lambda: sum(range(10**5))).result() == sum(range(10**5))


def test_no_time_left_is_out_of_time():
    with pytest.raises(OutOfTime):
        within_budget(lambda: 1, 0)
