"""``samverify derivation``: JSON that follows the shipped schema, Markdown/LaTeX/HTML, exit 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verify._cli import main
from verify._working_output import schema, validate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "workings"
OU_PARAMS = ["--param", "h>0", "--param", "eta>0", "--param", "B>=1 integer", "--param", "t>0", "--variable", "t"]


def test_the_cli_reports_the_wrong_second_step_with_a_counterexample_and_the_corrected_line():
    p = subprocess.run([sys.executable, "-m", "verify._cli", "derivation", str(EXAMPLES / "ou_expansion_wrong.tex"),
                        *OU_PARAMS, "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    validate(doc)
    assert doc["schema"] == "samverify.derivation/1" and doc["verdict"] == "refuted"
    assert doc["first_failure"] == 2
    step = doc["steps"][1]
    assert step["index"] == 2 and step["relation"] == "=" and step["verdict"] == "refuted"
    assert step["counterexample"]["params"] and step["expected_next"]["latex"]
    assert step["expected_next"]["missing_text"] == "eta*h*t**2/B"
    assert {c["method"] for c in step["checks"]} >= {"symbolic", "precision", "property"}


def test_a_correct_working_has_no_first_failure_and_every_step_proved_or_supported(capsys):
    assert main(["derivation", str(EXAMPLES / "ou_expansion.tex"), *OU_PARAMS, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    validate(doc)
    assert doc["first_failure"] is None
    assert all(s["verdict"] in ("proved", "supported") for s in doc["steps"])


def test_the_schema_is_shipped_inside_the_verify_package():
    from importlib import resources

    assert resources.files("verify").joinpath("schemas/derivation.schema.json").is_file()
    assert schema()["properties"]["schema"]["const"] == "samverify.derivation/1"


def test_latex_markdown_and_html_mark_each_relation(tmp_path, capsys):
    src = str(EXAMPLES / "square_wrong.tex")
    params = ["--param", "x", "--param", "y"]
    assert main(["derivation", src, *params, "--format", "tex"]) == 0
    tex = capsys.readouterr().out
    assert "\\begin{align}" in tex and "\\overset{\\checkmark}{=}" in tex and "\\overset{\\times}{=}" in tex
    assert "\\footnotemark" in tex and "\\footnotetext{Step 2 is refuted." in tex and "x^{2} + 2 \\cdot x \\cdot y" in tex
    assert main(["derivation", src, *params, "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert "first wrong step: 2" in md and "line 2 actually equals" in md
    out = tmp_path / "w.html"
    assert main(["derivation", src, *params, "--format", "html", "--output", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and 'class="refuted"' in page


def test_a_catalogue_working_is_checked_by_id(capsys):
    assert main(["derivation", "chang2025.working.base_case_literal", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["first_failure"] == 1 and doc["first_scaling_break"] == 1


def test_list_shows_the_workings(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "kim2023.working.cor1\t" in out and "dexter2024.working.coherence_identity\t" in out


@pytest.mark.parametrize("args, needle", [
    (["derivation", "nope.working.x"], "not in the catalogue"),
    (["derivation", "missing.tex"], "file not found"),
    (["derivation", str(EXAMPLES / "square_wrong.tex")], "--param"),
    (["derivation", str(EXAMPLES / "square_wrong.tex"), "--param", "x"], "square_wrong.tex:3:6: unknown symbol 'y'"),
    (["derivation", str(EXAMPLES / "square_wrong.tex"), "--param", "x>>1"], "--param='x>>1'"),
    (["derivation", str(EXAMPLES / "square_wrong.tex"), "--param", "x", "--param", "y", "--variable", "z"], "--variable"),
    (["derivation", str(EXAMPLES / "square_wrong.tex"), "--param", "x", "--param", "y", "--where", "q > 0"], "--where"),
    (["derivation", "kim2023.working.cor1", "--param", "x"], ".tex file only"),
], ids=["unknown id", "missing file", "no params", "undeclared symbol", "bad param", "bad variable", "bad where",
        "params with an id"])
def test_bad_input_exits_2_with_a_one_line_message(args, needle, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_an_unknown_format_is_an_argparse_error():
    with pytest.raises(SystemExit) as e:
        main(["derivation", "kim2023.working.cor1", "--format", "pdf"])
    assert e.value.code == 2
