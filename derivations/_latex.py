"""LaTeX printing that SymPy's own LaTeX parser can read back, and that parser with name repair.

SymPy's default printer writes ``\\left|{x}\\right|`` and juxtaposes ``\\eta \\left(...\\right)``,
which its ANTLR parser reads as a call ``eta(...)``. This printer keeps SymPy's layout but writes an
explicit ``\\cdot`` for products, ``|x|`` for absolute values and ``\\exp`` for the exponential, so
that every formula samverify prints parses back to an equal expression (a test checks this).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sympy as sp
from sympy.printing.latex import LatexPrinter

from ._errors import LatexParseError

__all__ = ["latex", "parse_latex", "implicit_products"]


class _Printer(LatexPrinter):
    """SymPy's LaTeX printer with parser-friendly products, absolute values and exponentials."""

    def _print_Abs(self, expr: sp.Abs, exp: str | None = None) -> str:
        tex = r"|%s|" % self._print(expr.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _print_Function(self, expr: sp.Expr, exp: str | None = None) -> str:
        # \sin^{2}{\left(x\right)} \cdot y parses as sin(x*y)**2: write \left(\sin\left(x\right)\right)^{2}
        tex = super()._print_Function(expr)
        if tex.endswith(r"\right)}") and r"{\left(" in tex:
            head, _, rest = tex.partition(r"{\left(")
            tex = head + r"\left(" + rest[: -len(r"\right)}")] + r"\right)"
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        tex = super()._print_Symbol(expr, style)
        # a bare "d" before "\cdot" is read as a differential by the parser: brace it
        return "{d}" if tex == "d" else tex

    def _print_sign(self, expr: sp.Expr, exp: str | None = None) -> str:
        # SymPy's parser has no sign(); for a non-zero argument sign(x) = x/|x| exactly
        x = expr.args[0]
        if x.is_nonzero:
            tex = r"\frac{%s}{|%s|}" % (self._print(x), self._print(x))
            return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)
        tex = r"\operatorname{sign}\left(%s\right)" % self._print(x)  # SymPy's printer has no _print_sign
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _print_Heaviside(self, expr: sp.Expr, exp: str | None = None) -> str:
        # no Heaviside in SymPy's parser; for a non-zero argument theta(x) = max(0, x)/x exactly
        x = expr.args[0]
        if x.is_nonzero:  # the value at 0 (second argument) does not matter then
            tex = r"\frac{\max\left(0, %s\right)}{%s}" % (self._print(x), self._print(x))
            return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)
        return super()._print_Heaviside(expr, exp)

    def _print_ExpBase(self, expr: sp.Expr, exp: str | None = None) -> str:
        tex = r"\exp\left(%s\right)" % self._print(expr.args[0])
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)


def latex(expr: sp.Basic) -> str:
    """Return the LaTeX of ``expr`` in the parser-friendly dialect described in this module."""
    return _Printer({"mul_symbol": "dot"}).doprint(expr)


def _normal(name: str) -> str:
    return name.replace("{", "").replace("}", "").replace("\\", "").replace(" ", "")


def match_symbols(
    expr: sp.Basic, symbols: Iterable[sp.Symbol], *, key: Callable[[str], str] = _normal
) -> tuple[dict[sp.Basic, sp.Basic], list[str]]:
    """Map the parser's symbols (``lambda_{j}``) onto ``symbols`` by name; a bare ``e`` is Euler's number.

    Returns the replacement and the names that matched nothing.
    """
    known = {key(s.name): s for s in symbols}
    repl: dict[sp.Basic, sp.Basic] = {}
    unknown: list[str] = []
    for s in expr.free_symbols:
        k = key(s.name)
        if k in known:
            repl[s] = known[k]
        elif k == "e":
            repl[s] = sp.E
        else:
            unknown.append(s.name)
    return repl, unknown


def implicit_products(
    expr: sp.Basic, symbols: Iterable[sp.Symbol], *, key: Callable[[str], str] = _normal
) -> sp.Basic:
    """Read the parser's calls of a declared *symbol* as products: ``\\eta(1+h)`` is ``eta * (1 + h)``.

    SymPy's parser reads a letter followed by a parenthesis as a function call, and an exponent
    after the parenthesis as applying to the call: ``\\lambda_j(1+\\rho\\lambda_j)^2`` comes back as
    ``lambda_j(1 + rho lambda_j)**2``. For a name that is a declared symbol the juxtaposition is a
    product and the exponent belongs to the parenthesis: ``lambda_j * (1 + rho lambda_j)**2``.
    Calls of other names (placeholder functions, unknown names) are left alone.
    """
    names = {key(s.name) for s in symbols}

    def is_call(e: sp.Basic) -> bool:
        return (isinstance(getattr(e, "func", None), sp.core.function.UndefinedFunction) and len(e.args) == 1
                and key(e.func.__name__) in names)

    def fix(e: sp.Basic) -> sp.Basic:
        if e.is_Atom:
            return e
        if isinstance(e, sp.Pow) and is_call(e.base) and not (e.exp.is_number and e.exp.is_negative):
            # a negative power of a call comes from a denominator (\frac{x}{B(y+1)}): it covers the
            # whole product, so only a non-negative exponent binds to the parenthesis alone
            return sp.Symbol(e.base.func.__name__) * fix(e.base.args[0]) ** fix(e.exp)
        if is_call(e):
            return sp.Symbol(e.func.__name__) * fix(e.args[0])
        args = [fix(a) for a in e.args]
        return e if all(a is b for a, b in zip(args, e.args)) else e.func(*args)

    return fix(expr)


def sympy_parse(text: str) -> sp.Basic:
    """SymPy's own LaTeX parser, with every parser failure turned into :class:`LatexParseError`."""
    try:
        import antlr4  # noqa: F401  (SymPy's LaTeX parser runs on the ANTLR 4.11 runtime)
    except ImportError:
        raise LatexParseError("parsing LaTeX needs the optional extra 'latex' (SymPy's ANTLR 4.11 runtime): "
                              "pip install 'samverify[latex]'") from None
    from sympy.parsing.latex import parse_latex as _sympy_parse

    try:
        return _sympy_parse(text)
    except Exception as exc:  # the parser raises several unrelated types
        raise LatexParseError(f"could not parse LaTeX {text!r}: {exc}") from None


def parse_latex(text: str, symbols: Iterable[sp.Symbol] = ()) -> sp.Expr:
    """Parse LaTeX into SymPy, mapping names onto ``symbols`` (so their assumptions are kept).

    ``lambda_{j}`` from the parser is matched to ``Symbol("lambda_j")``, a bare ``e`` is Euler's
    number, ``\\max``/``\\min`` become ``Max``/``Min``, and a declared symbol before a parenthesis
    is a product (:func:`implicit_products`: ``\\eta(1+h)^2`` is ``eta (1 + h)^2``). Raises
    :class:`LatexParseError` naming the text and the parser's complaint when the text cannot be parsed.
    """
    if not isinstance(text, str) or not text.strip():
        raise LatexParseError(f"text={text!r} must be a non-empty LaTeX string")
    symbols = list(symbols)
    expr = implicit_products(sympy_parse(text), symbols)
    repl, _ = match_symbols(expr, symbols)
    expr = expr.xreplace(repl)
    funcs = {"max": sp.Max, "min": sp.Min}
    for f in expr.atoms(sp.Function):
        name = getattr(f.func, "__name__", "")
        if name in funcs and isinstance(f.func, sp.core.function.UndefinedFunction):
            expr = expr.xreplace({f: funcs[name](*f.args)})
    undefined = [f for f in expr.atoms(sp.Function) if isinstance(f.func, sp.core.function.UndefinedFunction)]
    if undefined:
        raise LatexParseError(
            f"LaTeX {text!r} parsed with unknown function(s) {', '.join(map(str, undefined))}: "
            "write products with an explicit \\cdot, e.g. '\\eta \\cdot \\left(...\\right)'"
        )
    return expr
