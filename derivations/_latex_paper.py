"""LaTeX as papers write it: implicit products, ``\\frac``, and ``\\left( ... \\right)`` only where needed.

The round-trip dialect (:func:`derivations.latex`) writes ``\\cdot`` between every two factors so
SymPy's parser reads it back without declared symbols; no paper is written that way. This style
juxtaposes factors (``2 B \\lambda_{j} (1 + \\rho \\lambda_{j})^{2}``), keeps ``\\cdot`` only between
two numbers, and sizes delimiters only around tall content (fractions, roots, sums, matrices).
It parses back to the same expression with the symbols declared (:func:`derivations.parse_latex`
with ``symbols=``), which the round-trip test checks for every formula of the catalogue.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter

from ._latex import _Printer as _RoundTripPrinter

__all__ = ["paper_latex"]

_TALL = re.compile(r"\\(d?frac|sqrt|sum|prod|int|begin|binom|dfrac|tfrac|left)")


class _PaperPrinter(_RoundTripPrinter):
    """The round-trip printer's notation (sign, Heaviside, function powers) with implicit products and ``e^{x}``."""

    def _print_ExpBase(self, expr: sp.Expr, exp: str | None = None) -> str:
        return LatexPrinter._print_ExpBase(self, expr, exp)

    def _print_Abs(self, expr: sp.Abs, exp: str | None = None) -> str:
        inner = self._print(expr.args[0])
        tex = rf"\left|{inner}\right|" if _TALL.search(inner) else f"|{inner}|"
        return tex if exp is None else f"{tex}^{{{exp}}}"


def _shrink(tex: str) -> str:
    """Replace ``\\left( X \\right)`` by ``(X)`` wherever ``X`` holds nothing tall (innermost first)."""
    out = tex
    for _ in range(64):  # each pass resolves the innermost pairs; formulas are not nested 64 deep
        changed = False
        result = []
        i = 0
        while i < len(out):
            j = out.find(r"\left(", i)
            if j < 0:
                result.append(out[i:])
                break
            # the matching \right) of this \left(
            depth, k = 0, j
            while k < len(out):
                if out.startswith(r"\left(", k):
                    depth += 1
                    k += 6
                elif out.startswith(r"\right)", k):
                    depth -= 1
                    if depth == 0:
                        break
                    k += 7
                else:
                    k += 1
            inner = out[j + 6:k]
            if k < len(out) and r"\left(" not in inner and not _TALL.search(inner):
                result.append(out[i:j] + "(" + inner + ")")
                i = k + 7
                changed = True
            else:
                result.append(out[i:j + 6])
                i = j + 6
        out = "".join(result)
        if not changed:
            break
    return out


_CALL = re.compile(r"\{\(([^{}]*)\)\}")


def paper_latex(expr: sp.Basic) -> str:
    """The LaTeX of ``expr`` in paper style (see the module doc)."""
    tex = _shrink(_PaperPrinter({"mul_symbol": None, "fold_short_frac": False}).doprint(expr))
    return _CALL.sub(lambda m: "(" + m.group(1).strip() + ")", tex)  # f{(t, rho)} -> f(t, rho)
