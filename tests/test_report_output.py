"""Reports: Markdown with math, a LaTeX document that compiles cleanly, and per-claim fragments."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from derivations import catalog
from verify._latex_out import fragment, label_of


def test_every_claim_has_a_fragment_with_a_stable_label():
    for c in catalog():
        tex = fragment(c)
        assert f"\\label{{{label_of(c.id)}}}" in tex
        assert tex.count("\\begin{") == tex.count("\\end{")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex (TeX Live) not installed; .ci/run installs it")
def test_the_report_compiles_without_undefined_references_or_overfull_lines(fast_report: dict, tmp_path: Path):
    src = tmp_path / "report.json"
    src.write_text(json.dumps(fast_report, default=str))
    out = tmp_path / "reports"
    p = subprocess.run([sys.executable, "-m", "verify._cli", "report", "--from", str(src), "--out", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert (out / "README.md").read_text().count("$$") >= 2
    log = (out / "samverify.log").read_text(errors="replace")
    assert (out / "samverify.pdf").stat().st_size > 10_000
    assert "undefined" not in log.lower()
    assert not re.search(r"Overfull \\hbox \((\d+\.\d+)pt", log), re.findall(r"Overfull.*", log)[:5]


def test_report_refuses_a_missing_or_foreign_json(tmp_path: Path):
    p = subprocess.run([sys.executable, "-m", "verify._cli", "report", "--from", str(tmp_path / "nope.json")],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "file not found" in p.stderr
    bad = tmp_path / "x.json"
    bad.write_text('{"schema": "other"}')
    p = subprocess.run([sys.executable, "-m", "verify._cli", "report", "--from", str(bad)], capture_output=True, text=True)
    assert p.returncode == 2 and "samverify.report/1" in p.stderr


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex (TeX Live) not installed; .ci/run installs it")
def test_a_report_built_from_another_directory_finds_and_copies_the_figures(tmp_path: Path):
    """`samverify report --from RUN.json --out DIR` from elsewhere: figures resolve against the run, PDF builds."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from verify._report import build_report, write_json

    run = tmp_path / "run"
    (run / "figures").mkdir(parents=True)
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1])
    fig.savefig(run / "figures" / "line.png", dpi=60)
    plt.close(fig)
    write_json(run / "report.json", build_report([], level="fast", seed=0, extra={"figures": ["figures/line.png"]}))
    elsewhere, out = tmp_path / "elsewhere", tmp_path / "out"
    elsewhere.mkdir()
    p = subprocess.run([sys.executable, "-m", "samverify", "report", "--from", str(run / "report.json"), "--out", str(out)],
                       capture_output=True, text=True, cwd=elsewhere)
    assert p.returncode == 0, p.stderr
    assert (out / "figures" / "line.png").is_file() and (out / "samverify.pdf").stat().st_size > 1000
    assert "figures/line.png" in (out / "samverify.tex").read_text()
    for f in ("README.md", "samverify.html", "samverify.pdf"):
        assert (out / f).stat().st_mode & 0o044 == 0o044, f  # readable by group and others, not 0600
