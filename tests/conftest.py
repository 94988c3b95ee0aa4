"""Shared fixtures: one fast catalogue run per test session, reused by the conformance tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def fast_report() -> dict:
    """The whole catalogue checked once at the fast level with seed 0 (the README's default run)."""
    from verify._run import run_catalogue

    return run_catalogue(level="fast", seed=0, figures_dir=None)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001
    """Print the whole-catalogue mutation score (tests/test_catalogue_mutants.py) when it ran."""
    import sys

    mod = sys.modules.get("test_catalogue_mutants") or sys.modules.get("tests.test_catalogue_mutants")
    score = getattr(mod, "SCORE", None)
    if not score:
        return
    killed = sum(v == "refuted" for v in score.values())
    terminalreporter.write_sep("-", f"samverify mutation score: {killed}/{len(score)} mutants refuted")
    for (cid, reading, name), verdict in sorted(score.items()):
        if verdict != "refuted":
            terminalreporter.write_line(f"  survived: {cid} [{reading}] {name} -> {verdict}")



def pytest_configure(config) -> None:  # noqa: ARG001
    """Tests never read or fill the user's samverify cache: each session gets an empty one."""
    import os
    import tempfile

    os.environ["SAMVERIFY_CACHE_DIR"] = tempfile.mkdtemp(prefix="samverify-test-cache-")
    # whole (claim, reading) results are not reused inside the test session: tests patch internals
    os.environ["SAMVERIFY_CACHE_RESULTS"] = "0"
