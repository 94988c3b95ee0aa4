"""The pytest plugin: claims declared in a test module run as tests, verdicts in the summary."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "test_my_claims.py"


def _plugin_args() -> list[str]:
    """Load the plugin explicitly only when the installed entry point does not (an uninstalled checkout)."""
    installed = any(ep.value == "verify.pytest_plugin" for ep in entry_points(group="pytest11"))
    return ["-p", "no:cacheprovider"] + ([] if installed else ["-p", "verify.pytest_plugin"])


def test_the_example_module_reports_one_pass_and_one_failure_with_the_counterexample(pytester: pytest.Pytester):
    pytester.makepyfile(test_my_claims=EXAMPLE.read_text())
    result = pytester.runpytest(*_plugin_args())
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*refuted under 'sde'*",
        '*counterexample: {"h": 1, "s": 1, "eta": 1}*',
        "*claimed: 1.0*",
        "*actual:  0.5*",
        "*samverify verdicts*",
        "*proved*example.sde.stationary_variance[[]sde[]]*",
        "*refuted*example.sde.stationary_variance_wrong[[]sde[]]*",
    ])


def test_a_samverify_claims_list_is_collected_and_other_objects_are_left_alone(pytester: pytest.Pytester):
    pytester.makepyfile(test_listed=EXAMPLE.read_text().replace("test_stationary_variance", "right").replace(
        "right_off_by_two", "wrong") + "\nsamverify_claims = [right]\nnot_a_test = right\n\ndef test_plain():\n    pass\n")
    result = pytester.runpytest(*_plugin_args(), "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*example.sde.stationary_variance[[]sde[]]", "*test_plain"])
    assert "stationary_variance_wrong" not in result.stdout.str()


def test_modules_without_claims_are_unaffected(pytester: pytest.Pytester):
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = pytester.runpytest(*_plugin_args())
    result.assert_outcomes(passed=1)
    assert "samverify verdicts" not in result.stdout.str()
