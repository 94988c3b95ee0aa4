"""Every formula samverify prints as LaTeX parses back (SymPy's parser) to an equal expression."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations import LatexParseError, catalog, latex, parse_latex


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
    # placeholders (undefined functions) and unevaluated derivatives are notation, not formulas
    return not any(isinstance(f.func, sp.core.function.UndefinedFunction) for f in e.atoms(sp.Function)) and not e.has(sp.Derivative)


CASES = [pytest.param(e, syms, id=name) for name, e, syms in _formulas() if _parseable(e) and e.free_symbols]


def test_there_are_formulas_to_round_trip():
    assert len(CASES) > 20


@pytest.mark.parametrize("expr, syms", CASES)
def test_latex_parses_back_to_an_equal_expression(expr: sp.Expr, syms):
    text = latex(expr)
    back = parse_latex(text, symbols=list(syms) + list(expr.free_symbols))
    # the printer writes theta(x) as max(0, x)/x and sign(x) as x/|x| (identities for x != 0, the
    # only case where it does so): compare modulo exactly those two identities
    expected = expr.replace(lambda e: isinstance(e, sp.sign) and e.args[0].is_nonzero, lambda e: e.args[0] / sp.Abs(e.args[0]))
    expected = expected.replace(lambda e: isinstance(e, sp.Heaviside) and e.args[0].is_nonzero,
                                lambda e: sp.Max(0, e.args[0]) / e.args[0])
    assert sp.simplify(back - expected) == 0, (text, back)


def test_unparseable_latex_says_what_failed():
    with pytest.raises(LatexParseError, match=r"\\frac\{"):
        parse_latex(r"\frac{1}{")
