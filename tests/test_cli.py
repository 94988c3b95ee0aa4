"""The samverify command line: readable output, JSON, exit 0 on completion and 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from verify._cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verify._cli", *args], capture_output=True, text=True)


def test_list_prints_every_claim_with_its_source(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "kim2023.thm2\t" in out and "arXiv:2301.06308 Theorem 2" in out


def test_show_prints_statement_domains_readings_and_latex(capsys):
    assert main(["show", "kim2023.cor1"]) == 0
    out = capsys.readouterr().out
    for needle in ("Corollary 1", "rho", "Interval(0, oo)", "same_batch", "LaTeX:", "\\lambda_{j}"):
        assert needle in out


def test_latex_prints_printed_and_derived_forms(capsys):
    assert main(["latex", "kim2023.cor1"]) == 0
    out = capsys.readouterr().out
    assert "% printed statement" in out and "% reading composed_gradient" in out and "moment (Lyapunov) ODE" in out


def test_check_prints_the_verdict_and_counterexample(capsys):
    assert main(["check", "kim2023.thm2", "--reading", "plain", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "REFUTED" in out and "counterexample" in out and "drift rate" in out


def test_check_json_follows_the_report_schema(capsys):
    assert main(["check", "kim2023.thm1.flow", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "samverify.report/1"
    (entry,) = doc["claims"]
    assert entry["results"][0]["verdict"] in ("proved", "supported", "refuted", "inconclusive")


@pytest.mark.parametrize("args, needle", [
    (["check", "kim2023.nope"], "not in the catalogue"),
    (["check", "kim2023.thm2", "--reading", "bogus"], "reading='bogus'"),
    (["check", "kim2023.thm2", "--seed", "-4"], "seed=-4"),
    (["run", "--level", "medium"], "invalid choice"),
    (["frobnicate"], "invalid choice"),
], ids=["unknown id", "unknown reading", "negative seed", "unknown level", "unknown command"])
def test_bad_input_exits_2_with_a_one_line_reason(args, needle):
    p = run(*args)
    assert p.returncode == 2
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and needle in lines[0], p.stderr


def test_fail_on_sets_the_exit_status_for_ci(capsys):
    assert main(["check", "kim2023.thm2", "--fail-on", "refuted"]) == 1
    assert main(["check", "kim2023.thm2.suppression", "--reading", "plain", "--fail-on", "refuted"]) == 0
    assert main(["check", "kim2023.thm2.suppression", "--reading", "plain", "--fail-on", "never"]) == 0


def test_check_format_json_validates_against_the_shipped_schema(capsys):
    import jsonschema

    from verify._schemas import load_schema

    assert main(["check", "kim2023.thm2", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    jsonschema.validate(doc, load_schema("report"))
    assert doc["version"] and doc["error_control"]["alpha"] == 0.01
    assert sum(f["alpha"] for f in doc["error_control"]["families"]) <= doc["error_control"]["alpha"]
    for r in doc["claims"][0]["results"]:
        for k in r["checks"]:
            assert ("decision" in k) if k["outcome"] in ("pass", "fail") else k["reason"]


def test_several_ids_and_k_select_claims(capsys):
    assert main(["check", "kim2023.thm2.suppression", "kim2023.cor1.positive", "--reading", "plain", "-k",
                 "positive or suppression", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in doc["claims"]] == ["kim2023.thm2.suppression", "kim2023.cor1.positive"]
    assert main(["check", "kim2023.thm2.suppression", "kim2023.cor1.positive", "--reading", "plain", "-k",
                 "not cor1", "--format", "json"]) == 0
    assert [c["id"] for c in json.loads(capsys.readouterr().out)["claims"]] == ["kim2023.thm2.suppression"]


def test_user_claims_in_a_module_are_checked_from_the_command_line(tmp_path, capsys):
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples" / "test_my_claims.py"
    assert main(["check", f"{example}::test_stationary_variance_off_by_two", "--fail-on", "refuted"]) == 1
    out = capsys.readouterr().out
    assert "REFUTED" in out and "example.sde.stationary_variance_wrong" in out
    md = tmp_path / "claims.md"
    assert main(["check", str(example), "--format", "md", "--output", str(md)]) == 0
    assert "example.sde.stationary_variance" in md.read_text()


def test_terminal_formulas_are_pretty_printed(capsys):
    assert main(["check", "kim2023.thm2.suppression", "--reading", "plain"]) == 0
    out = capsys.readouterr().out
    assert "σ" in out and "\\sigma" not in out


def test_python_m_samverify_and_a_fast_version():
    import time

    p = subprocess.run([sys.executable, "-m", "samverify", "list"], capture_output=True, text=True)
    assert p.returncode == 0 and "kim2023.thm2" in p.stdout
    best = min(_timed([sys.executable, "-m", "samverify", "--version"]) for _ in range(3))
    assert best < 0.3 + _python_startup(), best


def _timed(cmd: list[str]) -> float:
    import time

    t0 = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True)
    return time.perf_counter() - t0


def _python_startup() -> float:
    """The interpreter's own start-up on this machine (not samverify's cost)."""
    return min(_timed([sys.executable, "-c", "pass"]) for _ in range(3))
