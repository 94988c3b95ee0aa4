"""Prose with inline formulas: titles and notes may hold LaTeX between ``$...$``.

Each output typesets the formulas its own way: LaTeX passes them through, HTML prints them with Unicode
letters and sub-/superscript tags, the terminal replaces
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
          "neq": "≠", "in": "∈", "cdot": "·", "nabla": "∇", "approx": "≈", "Lambda": "Λ", "Sigma": "Σ",
          "Omega": "Ω", "pm": "±", "log": "log", "max": "max", "min": "min", "implies": "⟹"}


def split_math(text: str) -> list[tuple[bool, str]]:
    """``text`` as ``(is_math, segment)`` pairs, math being what stands between ``$`` signs."""
    parts = text.split("$")
    if len(parts) % 2 == 0:  # an unpaired $: treat the text as plain prose
        return [(False, text)]
    return [(i % 2 == 1, p) for i, p in enumerate(parts) if p]


def prose_latex(text: str, escape: Callable[[str], str]) -> str:
    """LaTeX: prose escaped by ``escape``, formulas passed through in ``$...$``."""
    return "".join(f"${seg}$" if math else escape(seg) for math, seg in split_math(text))


def _group(seg: str, k: int) -> tuple[str, int]:
    """The argument after ``_`` or ``^`` at ``seg[k]``: a braced group or one character."""
    if k < len(seg) and seg[k] == "{":
        depth, m = 0, k
        while m < len(seg):
            depth += {"{": 1, "}": -1}.get(seg[m], 0)
            if depth == 0:
                return seg[k + 1:m], m + 1
            m += 1
        return seg[k + 1:], len(seg)
    if k < len(seg) and seg[k] == "\\":
        m = re.match(r"\\[A-Za-z]+", seg[k:])
        return (m.group(0), k + len(m.group(0))) if m else ("", k)
    return seg[k:k + 1], k + 1


def _render(seg: str, *, sub: Callable[[str], str], sup: Callable[[str], str], esc: Callable[[str], str]) -> str:
    """Inline LaTeX rendered without a parser: names as Unicode, ``\\sqrt``, ``\\tilde``, text macros,
    norms and sets; sub- and superscripts through ``sub``/``sup``; literal text through ``esc``."""
    again = lambda x: _render(x, sub=sub, sup=sup, esc=esc)  # noqa: E731
    out, k = [], 0
    while k < len(seg):
        c = seg[k]
        two = seg[k:k + 2]
        if two in ("\\|", "\\,", "\\;", "\\{", "\\}"):
            out.append({"\\|": "‖", "\\,": " ", "\\;": " "}.get(two, two[1]))
            k += 2
        elif c in "_^":
            arg, k = _group(seg, k + 1)
            out.append((sub if c == "_" else sup)(again(arg)))
        elif c == "\\":
            m = re.match(r"\\([A-Za-z]+)", seg[k:])
            name = m.group(1) if m else ""
            k += 1 + len(name)
            if name == "frac":
                num, k = _group(seg, k)
                den, k = _group(seg, k)
                out.append(f"{again(num)}/{again(den)}")
            elif name in ("mathrm", "text", "operatorname", "mathbf"):
                arg, k = _group(seg, k)
                out.append(esc(arg))
            elif name == "sqrt":
                arg, k = _group(seg, k)
                out.append(f"√({again(arg)})")
            elif name == "tilde":
                arg, k = _group(seg, k)
                out.append(again(arg) + "\u0303")
            else:
                out.append(esc(_GREEK.get(name, name)))
        elif c in "{}":
            k += 1
        else:
            out.append(esc(c))
            k += 1
    return "".join(out)


def prose_html(text: str) -> str:
    """HTML: prose escaped, formulas with Unicode letters and ``<sub>``/``<sup>`` (no parser needed)."""
    def math(seg: str) -> str:
        return _render(seg, sub=lambda x: f"<sub>{x}</sub>", sup=lambda x: f"<sup>{x}</sup>", esc=html.escape)

    return "".join(f'<span class="math"><i>{math(seg)}</i></span>' if is_math else html.escape(seg)
                   for is_math, seg in split_math(text))


def prose_plain(text: str) -> str:
    """Terminal text: formulas with LaTeX names as Unicode (``\\rho`` -> ``ρ``), grouping braces dropped."""
    def math(seg: str) -> str:
        return _render(seg, sub=lambda x: "_" + x,
                       sup=lambda x: "^" + (x if len(x) == 1 else f"({x})"), esc=lambda x: x)

    return "".join(math(seg) if is_math else seg for is_math, seg in split_math(text))
