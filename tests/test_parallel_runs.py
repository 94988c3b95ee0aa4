"""Parallel and distributed runs give the serial run's report, apart from timing fields."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from verify._run import run_catalogue

#: a few fast claims with several readings each (the order of completion differs between workers)
SUBSET = "kim2023.thm2"


def _strip_timing(doc: dict) -> dict:
    """The report without its timing fields (elapsed seconds), which differ from run to run."""
    def walk(x):
        if isinstance(x, dict):
            return {k: walk(v) for k, v in x.items() if not (k in ("elapsed", "elapsed_s") or k.endswith("_elapsed_s"))}
        if isinstance(x, list):
            return [walk(v) for v in x]
        return x

    return walk(json.loads(json.dumps(doc, default=str)))


@pytest.fixture(scope="module")
def serial() -> dict:
    return _strip_timing(run_catalogue(level="fast", seed=3, claim_filter=SUBSET))


def test_two_worker_processes_give_the_serial_report(serial):
    assert _strip_timing(run_catalogue(level="fast", seed=3, claim_filter=SUBSET, jobs=2)) == serial


def test_any_concurrent_futures_executor_is_accepted(serial):
    with ThreadPoolExecutor(2) as ex:
        assert _strip_timing(run_catalogue(level="fast", seed=3, claim_filter=SUBSET, executor=ex)) == serial


def test_a_local_dask_cluster_with_two_worker_processes_gives_the_serial_report(serial):
    pytest.importorskip("dask.distributed")
    assert _strip_timing(run_catalogue(level="fast", seed=3, claim_filter=SUBSET, jobs=2, executor="dask")) == serial


def test_reports_do_not_depend_on_the_process_hash_seed(tmp_path):
    """Two processes with different PYTHONHASHSEED print the same report (no set or Dummy order leaks)."""
    import os
    import subprocess
    import sys

    docs = []
    for seed in ("1", "2"):
        out = tmp_path / f"h{seed}.json"
        env = {**os.environ, "PYTHONHASHSEED": seed, "SAMVERIFY_NO_CACHE": "1"}
        subprocess.run([sys.executable, "-m", "samverify", "check", "chang2025.exp.table1", "kim2023.thm2.suppression",
                        "--format", "json", "--output", str(out)], env=env, capture_output=True, check=False)
        docs.append(out)
    if not all(d.is_file() for d in docs):
        pytest.skip("the claims could not be checked here")
    a, b = (_strip_timing(json.loads(d.read_text())) for d in docs)
    assert a == b


def test_bad_parallel_arguments_are_rejected_before_any_work():
    from derivations import InvalidParameter

    with pytest.raises(InvalidParameter, match="jobs=0"):
        run_catalogue(jobs=0)
    with pytest.raises(InvalidParameter, match="scheduler"):
        run_catalogue(jobs=1, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(InvalidParameter, match="json_path"):
        run_catalogue(json_path="/etc/passwd/out.json")
