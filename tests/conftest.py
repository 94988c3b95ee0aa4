"""Shared fixtures: one fast catalogue run per test session, reused by the conformance tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def fast_report() -> dict:
    """The whole catalogue checked once at the fast level with seed 0 (the README's default run)."""
    from verify._run import run_catalogue

    return run_catalogue(level="fast", seed=0, figures_dir=None)
