"""Prose with inline formulas: titles and notes may hold LaTeX between ``$...$``.

Each output typesets the formulas its own way: LaTeX passes them through, HTML prints them as MathML
(parsed with SymPy's LaTeX parser, shown as code if it cannot read them), the terminal replaces
LaTeX names by Unicode, and Markdown keeps ``$...$`` (which renderers typeset).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

__all__ = ["split_math", "prose_latex", "prose_html", "prose_plain"]

_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "Delta": "Δ", "epsilon": "ε", "eta": "η",
          "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "xi": "ξ", "rho": "ρ", "sigma": "σ", "tau": "τ",
          "phi": "φ", "omega": "ω", "infty": "∞", "to": "→", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
          "neq": "≠", "in": "∈", "cdot": "·", "nabla": "∇", "approx": "≈", "Lambda": "Λ", "Sigma": "Σ"}


def split_math(text: str) -> list[tuple[bool, str]]:
    """``text`` as ``(is_math, segment)`` pairs, math being what stands between ``$`` signs."""
    parts = text.split("$")
    if len(parts) % 2 == 0:  # an unpaired $: treat the text as plain prose
        return [(False, text)]
    return [(i % 2 == 1, p) for i, p in enumerate(parts) if p]


def prose_latex(text: str, escape: Callable[[str], str]) -> str:
    """LaTeX: prose escaped by ``escape``, formulas passed through in ``$...$``."""
    return "".join(f"${seg}$" if math else escape(seg) for math, seg in split_math(text))


def _mathml(seg: str) -> str:
    try:
        from derivations import parse_latex

        from ._mathml import expr_mathml

        import sympy as sp

        expr = parse_latex(seg)
        # the parser keeps LaTeX braces in names (lambda_{1}); the printer wants lambda_1
        expr = expr.xreplace({x: sp.Symbol(x.name.replace("{", "").replace("}", "")) for x in expr.free_symbols})
        return f"<math>{expr_mathml(expr)}</math>"
    except Exception:  # noqa: BLE001 - a formula SymPy cannot read is shown as its source
        return f"<code>{html.escape(seg)}</code>"


def prose_html(text: str) -> str:
    """HTML: prose escaped, formulas as inline MathML."""
    return "".join(_mathml(seg) if math else html.escape(seg) for math, seg in split_math(text))


def prose_plain(text: str) -> str:
    """Terminal text: formulas with LaTeX names as Unicode (``\\rho`` -> ``ρ``), braces dropped."""
    def plain(seg: str) -> str:
        seg = re.sub(r"\\([A-Za-z]+)", lambda m: _GREEK.get(m.group(1), m.group(1)), seg)
        return seg.replace("{", "").replace("}", "")

    return "".join(plain(seg) if math else seg for math, seg in split_math(text))
