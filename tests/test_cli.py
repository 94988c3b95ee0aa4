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
