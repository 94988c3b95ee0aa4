"""The HTML report opens in a real browser: formulas (MathML) and figures render, no console errors.

Uses Debian's headless ``chromium`` (installed by ``.ci/run``); skipped where it is missing. The
screenshots are kept under ``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import verify
from derivations import Claim, Derivation, Equation, Parameter, Reading, Source
from verify._html_report import report_html
from verify._mathml import math_block
from verify._report import build_report, write_json
from verify._report_files import write_reports

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless chromium is not installed")

q, s = sp.symbols("q s", positive=True)
V = sp.Symbol("V_infty")


def _claim(rhs: sp.Expr, cid: str) -> Claim:
    return Claim(id=cid, title="sum of a geometric series", source=Source("A test paper", "2301.00003", "Lemma 1"),
                 statement=Equation(V, rhs),
                 parameters=(Parameter(q, sp.Interval.open(0, 1), "ratio"), Parameter(s, sp.Interval.open(0, sp.oo), "scale")),
                 readings=(Reading("series", "s (1 + q + q^2 + ...)", lambda: Derivation(
                     bindings={V: s / (1 - q)}, steps=(("sum", sp.Eq(V, sp.Sum(s * sp.Symbol("q") ** sp.Symbol("k"),
                                                                           (sp.Symbol("k"), 0, sp.oo)))),))),))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    d = tmp_path_factory.mktemp("run")
    entries = [(c, list(verify.check(c, level="fast", rng=0)))
               for c in (_claim(s / (1 - q), "test.html.right"), _claim(s / (1 - q) ** 2, "test.html.wrong"))]
    fig, ax = plt.subplots(figsize=(4, 3))
    x = np.linspace(0, 0.9, 50)
    ax.plot(x, 1 / (1 - x), lw=3)
    (d / "figures").mkdir()
    fig.savefig(d / "figures" / "series.png", dpi=80)
    plt.close(fig)
    write_json(d / "report.json", build_report(entries, level="fast", seed=0, extra={"figures": ["figures/series.png"]}))
    return d


def _screenshot(html_file: Path, png: Path, size: str = "1000,1400") -> str:
    proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--window-size={size}", f"--screenshot={png}", "--enable-logging=stderr", "--v=0",
                           html_file.as_uri()], capture_output=True, text=True, timeout=120)
    assert png.is_file(), proc.stderr[-2000:]
    return proc.stderr


def _ink(png: Path) -> float:
    """Fraction of pixels that are not (near) white."""
    import matplotlib.image as mpimg

    img = mpimg.imread(png)[..., :3]
    return float(np.mean(img.min(axis=2) < 0.85))


def test_the_report_page_renders_formulas_and_figures_without_console_errors(run_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    written = write_reports(run_dir / "report.json", out, ("html",))
    page = out / "samverify.html"
    assert page in written
    text = page.read_text()
    assert "<math" in text and "data:image/png;base64," in text and "<script" not in text
    doc = json.loads((run_dir / "report.json").read_text())
    assert all(c["mathml"] for c in doc["claims"])
    ARTIFACTS.mkdir(exist_ok=True)
    log = _screenshot(page, ARTIFACTS / "html_report.png")
    errors = [line for line in log.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not errors, errors
    assert _ink(ARTIFACTS / "html_report.png") > 0.01

    # each kind of content renders on its own: a formula block and the embedded figure
    formula = tmp_path / "formula.html"
    formula.write_text("<!doctype html><html><body>" + math_block(doc["claims"][0]["mathml"]) + "</body></html>")
    _screenshot(formula, ARTIFACTS / "html_formula.png", size="600,200")
    assert _ink(ARTIFACTS / "html_formula.png") > 0.002
    fig_only = tmp_path / "figure.html"
    start = text.index("<figure>")
    fig_only.write_text("<!doctype html><html><body>" + text[start:text.index("</figure>") + 9] + "</body></html>")
    _screenshot(fig_only, ARTIFACTS / "html_figure.png", size="600,400")
    assert _ink(ARTIFACTS / "html_figure.png") > 0.01


def test_the_page_has_the_verdict_filter_and_every_claim(run_dir: Path):
    doc = json.loads((run_dir / "report.json").read_text())
    html = report_html(doc, [run_dir / "figures" / "series.png"])
    for v in ("proved", "refuted"):
        assert f"id='f-{v}'" in html and f"v-{v}" in html
    assert "test.html.right" in html and "test.html.wrong" in html


def test_formulas_in_titles_are_typeset_in_each_output():
    from verify._latex_out import _text
    from verify._prose import prose_html, prose_latex, prose_plain

    title = r"Theorem 1: $\rho > -1/\lambda_1$ makes the saddle attracting"
    assert "ρ" in prose_html(title) and "λ<sub>1</sub>" in prose_html(title) and "$" not in prose_html(title)
    assert r"$\rho > -1/\lambda_1$" in prose_latex(title, _text)
    assert prose_plain(title) == "Theorem 1: ρ > -1/λ_1 makes the saddle attracting"
