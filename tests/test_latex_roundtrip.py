"""Every formula samverify prints as LaTeX parses back (SymPy's parser) to an equal expression."""

from __future__ import annotations

import random

import pytest
import sympy as sp

from derivations import LatexParseError, catalog, latex, paper_latex, parse_latex

STYLES = {"roundtrip": latex, "paper": paper_latex}


def _formulas():
    for c in catalog():
        syms = [p.symbol for p in c.parameters]
        for name, e in c.statement.formulas().items():
            yield f"{c.id}:printed:{name}", e, syms
        for r in c.reading_names:
            for name, e in c.statement_for(r).formulas().items():
                yield f"{c.id}:{r}:{name}", e, syms
            for label, obj in c.derivation(r).steps:
                if isinstance(obj, sp.Eq) and not obj.rhs.atoms(sp.Function) - obj.rhs.atoms(sp.Abs, sp.exp, sp.Max, sp.Min):
                    yield f"{c.id}:{r}:step:{label}", obj.rhs, syms


def _parseable(e: sp.Expr) -> bool:
    # placeholders (undefined functions) and unevaluated derivatives are notation, not formulas;
    # SymPy's LaTeX parser has no cases environment, so Piecewise formulas cannot round-trip
    return (not any(isinstance(f.func, sp.core.function.UndefinedFunction) for f in e.atoms(sp.Function))
            and not e.has(sp.Derivative) and not e.has(sp.Piecewise))


#: ANTLR's Python runtime parses ~1,000 characters a second: formulas longer than this (the exact
#: discrete heavy-ball moments, ~30,000 characters) run in the slow set (`pytest -m slow`).
LONG = 8000


def _unique():
    seen: set[sp.Expr] = set()
    for name, e, syms in _formulas():
        # the same formula appears under several readings and parts: test each once
        if _parseable(e) and e.free_symbols and e not in seen:
            seen.add(e)
            marks = [pytest.mark.slow] if len(latex(e)) > LONG else []
            yield pytest.param(e, syms, id=name, marks=marks)


CASES = list(_unique())


def test_there_are_formulas_to_round_trip():
    assert len(CASES) > 20


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.parametrize("expr, syms", CASES)
def test_latex_parses_back_to_an_equal_expression(expr: sp.Expr, syms, style: str):
    """Both styles, the round-trip one and the paper one (implicit products), read back with the symbols declared."""
    text = STYLES[style](expr)
    back = parse_latex(text, symbols=list(syms) + list(expr.free_symbols))
    # the printer writes theta(x) as max(0, x)/x and sign(x) as x/|x| (identities for x != 0, the
    # only case where it does so): compare modulo exactly those two identities
    expected = expr.replace(lambda e: isinstance(e, sp.sign) and e.args[0].is_nonzero, lambda e: e.args[0] / sp.Abs(e.args[0]))
    expected = expected.replace(lambda e: isinstance(e, sp.Heaviside) and e.args[0].is_nonzero,
                                lambda e: sp.Max(0, e.args[0]) / e.args[0])
    diff = back - expected
    if diff == 0 or len(sp.srepr(expected)) > 4000 or sp.expand(diff) == 0:
        # huge closed forms (exact discrete moments): compare at random exact points, 50 digits
        rng = random.Random(0)
        for _ in range(3):
            pt = {s: sp.Rational(rng.randint(1, 97), rng.randint(1, 13)) * (-1 if s.is_negative else 1)
                  for s in expected.free_symbols}
            a, b = sp.N(back.subs(pt), 50), sp.N(expected.subs(pt), 50)
            assert abs(a - b) <= sp.Float("1e-40", 50) * max(abs(a), abs(b), 1), (text, back, pt)
        return
    assert sp.simplify(diff) == 0, (text, back)


def test_unparseable_latex_says_what_failed():
    with pytest.raises(LatexParseError, match=r"\\frac\{"):
        parse_latex(r"\frac{1}{")


def test_without_the_latex_extra_parsing_names_the_extra(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_antlr(name, *args, **kwargs):
        if name == "antlr4" or name.startswith("antlr4."):
            raise ImportError("No module named 'antlr4'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_antlr)
    with pytest.raises(LatexParseError, match=r"samverify\[latex\]"):
        parse_latex(r"\frac{1}{2}")
