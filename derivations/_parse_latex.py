"""Claims whose printed side is LaTeX: :func:`claim_from_latex` (also ``Claim.from_latex``).

SymPy's LaTeX parser does the reading; this module points at unbalanced brackets and unknown names,
reads a declared symbol before a parenthesis as a product (``2B\\lambda_j(1+\\rho\\lambda_j)^2``),
and splits an expansion ``expr = a eta + b eta^2 + O(eta^3)`` into an :class:`Asymptotic` whose stated
part is the whole polynomial before the ``O(...)``. Pure SymPy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sympy as sp
from sympy.core.function import UndefinedFunction

from ._errors import LatexParseError
from ._latex import implicit_products, match_symbols, sympy_parse
from ._model import ModelReading, Placeholder
from ._statements import Asymptotic, Equation, Holds, Statement

if TYPE_CHECKING:
    from ._claim import Claim, Reading
from ._user_claim import check_id, user_claim
from ._user_params import as_parameters
from ._validate import fail

__all__ = ["claim_from_latex"]

_OPEN = {"(": ")", "{": "}", "[": "]"}


def _pointer(text: str, pos: int) -> str:
    return f"\n  {text}\n  {' ' * pos}^"


def _check_balanced(text: str) -> None:
    """Raise :class:`LatexParseError` pointing at the first unbalanced bracket (the parser may drop the rest)."""
    stack: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "{}[]()":
            i += 2  # an escaped bracket such as \{ is a literal
            continue
        if ch in _OPEN:
            stack.append((ch, i))
        elif ch in _OPEN.values():
            if not stack or _OPEN[stack[-1][0]] != ch:
                raise LatexParseError(f"could not parse LaTeX: unmatched {ch!r} at position {i}{_pointer(text, i)}")
            stack.pop()
        i += 1
    if stack:
        ch, pos = stack[-1]
        raise LatexParseError(f"could not parse LaTeX: {ch!r} at position {pos} is never closed{_pointer(text, pos)}")


def _key(name: str) -> str:
    return name.replace("{", "").replace("}", "").replace("\\", "").replace(" ", "").replace("infty", "oo")


def _parse(text: str, symbols: Sequence[sp.Symbol], functions: Sequence[UndefinedFunction]) -> sp.Basic:
    """Parse ``text`` onto the given symbols and placeholder functions; unknown names are errors.

    SymPy's parser reads a multi-letter name as a product of letters and only single letters (with
    subscripts) as function names, so placeholders in LaTeX are symbols such as ``V_{\\infty}`` or
    one-letter functions such as ``f(t)``.
    """
    _check_balanced(text)
    expr = implicit_products(sympy_parse(text), symbols, key=_key)
    fkeys = {_key(f.__name__): f for f in functions}
    fixed: dict[sp.Basic, sp.Basic] = {}
    unknown_f: list[str] = []
    for f in expr.atoms(sp.Function):
        if not isinstance(f.func, UndefinedFunction):
            continue
        k = _key(f.func.__name__)
        if k in fkeys:
            fixed[f] = fkeys[k](*f.args)
        elif k in ("max", "min"):
            fixed[f] = (sp.Max if k == "max" else sp.Min)(*f.args)
        else:
            unknown_f.append(f.func.__name__)
    if unknown_f:
        name = sorted(unknown_f)[0]
        pos = text.find(name)
        raise LatexParseError(
            f"could not parse LaTeX {text!r}: {name}(...) is read as a call of an unknown function"
            f"{_pointer(text, pos) if pos >= 0 else ''}\n"
            "write products with an explicit \\cdot (e.g. '\\eta \\cdot \\left(...\\right)'), or declare the "
            "function in placeholders="
        )
    expr = expr.xreplace(fixed)
    repl, unknown = match_symbols(expr, symbols, key=_key)
    if unknown:
        unknown.sort()
        pos = text.find(unknown[0].split("_")[0])
        raise LatexParseError(
            f"LaTeX {text!r} mentions {', '.join(unknown)}, which is neither a parameter nor a placeholder"
            f"{_pointer(text, pos) if pos >= 0 else ''}\n"
            "declare it in parameters= (with its domain) or in placeholders=; a multi-letter name is read as a "
            "product of letters, so write placeholders as subscripted symbols such as V_{\\infty}"
        )
    return expr.xreplace(repl)


_BIG_O = re.compile(r"\+\s*(?:O|\\mathcal\s*\{\s*O\s*\}|\\mathcal\s*O)\s*(\\left)?\(")


def claim_from_latex(
    id: str,
    text: str,
    *,
    parameters: Any,
    readings: Sequence[Reading],
    placeholders: Sequence[Placeholder] = (),
    variable: sp.Symbol | None = None,
    point: Any = 0,
    **kwargs: Any,
) -> Claim:
    """Build a claim whose printed side is given in LaTeX (parsed with SymPy's LaTeX parser).

    ``text`` is an equation ``lhs = rhs``, a relation (``<``, ``\\le``, ...), or an expansion
    ``expr = leading + O(remainder)`` (give the small ``variable`` and its limit ``point``). Names are
    matched to the parameters' symbols and to the placeholders the readings bind (``V_{\\infty}``
    matches ``Symbol("V_infty")``), keeping their assumptions. Anything that cannot be parsed raises
    :class:`LatexParseError` pointing at the offending position or name. Other keyword arguments
    go to :func:`user_claim`.
    """
    check_id(id)  # a malformed id is reported before any parsing
    if not isinstance(text, str) or not text.strip():
        raise LatexParseError(f"text={text!r} must be a non-empty LaTeX string")
    params = as_parameters(parameters)
    rs = tuple(readings)
    phs: list[Placeholder] = list(placeholders)
    for r in rs:
        if isinstance(r, ModelReading):
            phs += [p for p in r.placeholders if p not in phs]
    syms = [p.symbol for p in params] + [p for p in phs if isinstance(p, sp.Symbol)]
    if variable is not None and variable not in syms:
        syms.append(variable)
    funcs = [p for p in phs if isinstance(p, UndefinedFunction)]
    m = _BIG_O.search(text)
    if m:
        if variable is None:
            raise fail("variable", None, "the small parameter of the O(...) term", f"in {text!r}")
        head = text[: m.start()]
        inner = text[m.end():]
        inner = re.sub(r"\\right\)\s*$|\)\s*$", "", inner.strip())
        if "=" not in head:
            raise LatexParseError(f"could not parse LaTeX {text!r}: an expansion must read 'expr = leading + O(remainder)'")
        lhs_tex, lead_tex = head.split("=", 1)
        stmt: Statement = Asymptotic(_parse(lhs_tex, syms, funcs), _parse(lead_tex, syms, funcs),
                                     _parse(inner, syms, funcs), variable, sp.sympify(point))
    else:
        expr = _parse(text, syms, funcs)
        if isinstance(expr, sp.Equality):
            stmt = Equation(expr.lhs, expr.rhs)
        elif isinstance(expr, sp.core.relational.Relational):
            stmt = Holds(expr)
        else:
            raise LatexParseError(
                f"LaTeX {text!r} parsed as the expression {expr}, not a statement: write 'lhs = rhs', "
                "a relation such as 'x \\le y', or 'expr = leading + O(remainder)'"
            )
    return user_claim(id, stmt, parameters=params, readings=rs, placeholders=tuple(placeholders), **kwargs)
