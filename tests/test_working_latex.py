"""Workings read from LaTeX align blocks; unreadable input points at its line and column."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations import LatexParseError
from derivations._working_latex import working_from_latex

t = sp.Symbol("t", positive=True)
h = sp.Symbol("h", positive=True)
eta = sp.Symbol("eta", positive=True)
lam = sp.Symbol("lambda_j", real=True, nonzero=True)
rho = sp.Symbol("rho", nonnegative=True)
d_sgd = sp.Symbol("Delta_SGD", real=True)
x = sp.Symbol("x", real=True)


def read(tex: str, params=(x,), **kw):
    return working_from_latex(tex, id="test.working.tex", parameters=params, **kw)


@pytest.mark.parametrize("env", ["align", "align*", "aligned"])
def test_each_align_environment_gives_one_line_per_row(env):
    tex = f"\\begin{{{env}}}\n(x+1)^2 &= x^2 + 2x + 1 && \\text{{expand}} \\\\\n &\\le 2x^2 + 2 \\label{{eq:a}}\n\\end{{{env}}}"
    w = read(tex)
    assert [ln.expr for ln in w.lines] == [(x + 1) ** 2, x**2 + 2 * x + 1, 2 * x**2 + 2]
    assert [ln.relation for ln in w.lines] == [None, "=", "<="]
    assert w.lines[1].justification.kind == "expand"
    assert w.lines[1].position == (2, 12)


def test_remainders_relations_and_implicit_products_are_read():
    tex = r"""\begin{align*}
\frac{\eta}{2 h}\left(1 - e^{-2 h t}\right)
  &\approx \eta t - \eta h t^2 + \mathcal{O}\left(t^{3}\right) \\
  &= \eta t (1 - h t) + O(t^3) && \text{factor}
\end{align*}"""
    w = read(tex, params=(t, h, eta), variable=t)
    assert w.lines[0].expr == eta / (2 * h) * (1 - sp.exp(-2 * h * t))
    assert w.lines[1].relation == "≈" and w.lines[1].order == t**3
    assert sp.expand(w.lines[2].expr - eta * t * (1 - h * t)) == 0 and w.lines[2].order == t**3


def test_subscripted_names_match_declared_symbols_and_keep_their_assumptions():
    tex = r"\begin{align} \Delta_{\mathrm{SGD}} &= 2\lambda_{j}(1 + \rho\lambda_j)^2 && \text{definition} \end{align}"
    w = read(tex, params=(d_sgd, lam, rho))
    assert w.lines[0].expr == d_sgd
    assert w.lines[1].expr == 2 * lam * (1 + rho * lam) ** 2  # lambda_j(...) is a product, not a call


def test_substitution_tags_are_parsed_and_continuation_rows_join_the_line():
    k = sp.Symbol("k", positive=True)
    tex = r"""\begin{align*}
\eta t &= \eta \cdot \eta k && \text{substitute } t = \eta k \\
       &\quad + 0
\end{align*}"""
    w = read(tex, params=(t, eta, k))
    j = w.lines[1].justification
    assert j.kind == "substitute" and j.substitutions == ((t, eta * k),)
    assert w.lines[1].expr == eta**2 * k


def test_a_chain_of_conditions_reads_implications():
    w = read(r"\begin{align} x > 2 &\implies x^2 > 4 \\ &\Rightarrow x > 1 \end{align}")
    assert [ln.relation for ln in w.lines] == [None, "=>", "=>"]
    assert w.lines[2].expr == (x > 1)


@pytest.mark.parametrize("tex, where, needle", [
    ("x = 1", "1:1", "no \\begin{align}"),
    ("\\begin{align}\nx &= (x + 1\n\\end{align}", "2:6", "unclosed '('"),
    ("\\begin{align}\nx &= x +* 1\n\\end{align}", "2:8", "could not parse"),
    ("\\begin{align}\nx &= x + q\n\\end{align}", "2:10", "unknown symbol 'q'"),
    ("\\begin{align}\nx &\\approx x\n\\end{align}", "2:12", "stated order"),
    ("\\begin{align}\nx &= x \\\\\ny &= x\n\\end{align}", "3:1", "second chain"),
    ("\\begin{align}\nx &= x + O(x^2) y\n\\end{align}", "2:17", "must end the line"),
    ("\\begin{align}\nx\n\\end{align}", "1:14", "at least two lines"),
], ids=["no environment", "unbalanced", "syntax", "unknown name", "approx without order", "two chains",
        "remainder not last", "one line"])
def test_unreadable_latex_points_at_line_and_column(tex, where, needle):
    with pytest.raises(LatexParseError) as e:
        read(tex, variable=x, source_name="w.tex")
    msg = str(e.value)
    assert msg.startswith(f"w.tex:{where}:"), msg
    assert needle in msg and "\n" not in msg
