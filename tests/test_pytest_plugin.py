"""The pytest plugin: claims declared in a test module run as tests, by pytest's conventions."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import numpy  # noqa: F401  - loaded once here: in-process pytester runs must not re-import C extensions
import verify._engine  # noqa: F401

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
        "*samverify verdicts*",
        "*proved*test_stationary_variance[[]sde[]]*",
        "*refuted*test_stationary_variance_off_by_two[[]sde[]]*counterexample*",
    ])


def test_items_are_named_after_the_variable_so_k_and_node_ids_select_them(pytester: pytest.Pytester):
    pytester.makepyfile(test_my_claims=EXAMPLE.read_text())
    result = pytester.runpytest(*_plugin_args(), "-k", "off_by_two")
    result.assert_outcomes(failed=1)
    result = pytester.runpytest(*_plugin_args(), "test_my_claims.py::test_stationary_variance[sde]")
    result.assert_outcomes(passed=1)


def test_an_expected_refutation_is_declared_with_pytest_param_and_xfail(pytester: pytest.Pytester):
    src = EXAMPLE.read_text() + (
        "\nimport pytest\ntest_stationary_variance_off_by_two = pytest.param(test_stationary_variance_off_by_two,"
        " marks=pytest.mark.xfail(reason='off by two on purpose', strict=True))\n")
    pytester.makepyfile(test_my_claims=src)
    result = pytester.runpytest(*_plugin_args())
    result.assert_outcomes(passed=1, xfailed=1)


def test_a_samverify_claims_list_is_collected_and_other_objects_are_left_alone(pytester: pytest.Pytester):
    pytester.makepyfile(test_listed=EXAMPLE.read_text().replace("test_stationary_variance", "right").replace(
        "right_off_by_two", "wrong") + "\nsamverify_claims = [right]\nnot_a_test = right\n\ndef test_plain():\n    pass\n")
    result = pytester.runpytest(*_plugin_args(), "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*samverify_claims[[]example.sde.stationary_variance-sde[]]", "*test_plain"])
    assert "stationary_variance_wrong" not in result.stdout.str()


def test_ini_options_set_the_level_and_seed_and_bad_values_are_usage_errors(pytester: pytest.Pytester):
    pytester.makepyfile(test_my_claims=EXAMPLE.read_text())
    pytester.makeini("[pytest]\nsamverify_level = fast\nsamverify_seed = 7\n")
    result = pytester.runpytest(*_plugin_args(), "-k", "not off_by_two", "-rA")
    result.assert_outcomes(passed=1)
    pytester.makeini("[pytest]\nsamverify_seed = -1\n")
    result = pytester.runpytest(*_plugin_args(), "-k", "not off_by_two")
    assert result.ret != 0
    assert "samverify_seed='-1' must be a non-negative integer" in (result.stdout.str() + result.stderr.str())


def test_the_verdict_summary_survives_pytest_xdist(pytester: pytest.Pytester):
    pytest.importorskip("xdist")
    pytester.makepyfile(test_my_claims=EXAMPLE.read_text())
    result = pytester.runpytest_subprocess(*_plugin_args(), "-n", "2")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*samverify verdicts*", "*proved*test_stationary_variance[[]sde[]]*"])


def test_modules_without_claims_are_unaffected(pytester: pytest.Pytester):
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = pytester.runpytest(*_plugin_args())
    result.assert_outcomes(passed=1)
    assert "samverify verdicts" not in result.stdout.str()


def test_the_installed_plugin_costs_a_session_without_claims_under_50_ms():
    code = ("import time, pytest; t = time.perf_counter(); import verify.pytest_plugin; "
            "print(time.perf_counter() - t); import sys; print('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert float(out[0]) < 0.05, out
    assert out[1] == "False"  # SymPy is not imported until a module declares a claim
