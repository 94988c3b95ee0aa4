"""Read a working from LaTeX: an ``align`` / ``align*`` / ``aligned`` block, one line per row.

::

    \\begin{align*}
    \\Delta_{SGD} - \\Delta_{SAM}
      &= \\frac{\\eta}{B} t - ...            && \\text{substitute } x = \\eta k \\\\
      &\\approx 2\\eta t^2 + \\mathcal{O}(t^3) && \\text{expand} \\\\
      &\\le ...
    \\end{align*}

The first row's left cell is the first line; every row's ``&``-cell starts with a relation (``=``,
``\\approx``, ``\\le``/``\\leq``, ``<``, ``\\ge``/``\\geq``, ``>``, ``\\implies``/``\\Rightarrow``)
followed by the next line, optionally ending in ``+ \\mathcal{O}(...)`` or ``+ O(...)``. A row
without a relation continues the previous line. The cell after ``&&`` is the justification tag.
Names are matched to the declared parameters (``\\lambda_{j}`` to ``Symbol("lambda_j")``,
``\\Delta_{\\mathrm{SGD}}`` to ``Symbol("Delta_SGD")``); anything that cannot be read raises
:class:`LatexParseError` with the file, line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from ._errors import LatexParseError
from ._working import Justification, Working, WorkingLine, _params

__all__ = ["working_from_latex", "parse_relation_row"]

_ENV = re.compile(r"\\begin\{(align\*?|aligned|eqnarray\*?)\}")
_BLANK = re.compile(r"\\(label|tag\*?)\{[^{}]*\}|\\(nonumber|notag|displaystyle|quad|qquad)(?![A-Za-z])|\\[,;:!]"
                    r"|\\(big|Big|bigg|Bigg)[lr]?(?![A-Za-z])")
_WRAP = re.compile(r"\\(mathrm|text|textrm|mathit|operatorname|mathsf)\s*\{")
_RELS = [(re.compile(p), r) for p, r in (
    (r"\\approx(?![A-Za-z])", "≈"), (r"\\simeq(?![A-Za-z])", "≈"),
    (r"\\leq?(?![A-Za-z])", "<="), (r"\\leqslant(?![A-Za-z])", "<="), (r"\\geq?(?![A-Za-z])", ">="),
    (r"\\geqslant(?![A-Za-z])", ">="), (r"\\implies(?![A-Za-z])", "=>"), (r"\\Longrightarrow(?![A-Za-z])", "=>"),
    (r"\\Rightarrow(?![A-Za-z])", "=>"), (r"<=", "<="), (r">=", ">="), (r"=", "="), (r"<", "<"), (r">", ">"))]
_BIG_O = re.compile(r"\+\s*(\\mathcal\s*\{\s*O\s*\}|\\mathcal\s+O|O)\s*(\\left\s*)?\(")
_IDENT = re.compile(r"(\\[A-Za-z]+|[A-Za-z])(\s*_\s*(\{(?:[^{}]|\{[^{}]*\})*\}|\\[A-Za-z]+|[A-Za-z0-9]))?")


class _Source:
    """The text with its name, to turn offsets into ``file:line:column`` messages."""

    def __init__(self, text: str, name: str) -> None:
        self.text, self.name = text, name

    def where(self, offset: int) -> str:
        line = self.text.count("\n", 0, offset) + 1
        col = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return f"{self.name}:{line}:{col}"

    def error(self, offset: int, msg: str) -> LatexParseError:
        return LatexParseError(f"{self.where(offset)}: {msg}")

    def position(self, offset: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _strip_comments(text: str) -> str:
    return re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m.group(0)), text)


def _unwrap(text: str) -> str:
    """``\\mathrm{SGD}`` -> ``       SGD `` (same length: offsets stay valid)."""
    out = list(text)
    for m in _WRAP.finditer(text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth == 0:
            for k in range(m.start(), m.end()):
                out[k] = " "
            out[i - 1] = " "
    return "".join(out)


def _split_top(text: str, start: int, sep: str) -> list[tuple[int, str]]:
    """Split ``text`` at ``sep`` outside braces; each piece with the offset of its first non-blank character."""
    out, depth, last, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c == "\\" and text.startswith(sep, i) and sep == "\\\\" and depth == 0:
            out.append((start + last, text[last:i]))
            i += 2
            last = i
            continue
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == sep and depth == 0:
            out.append((start + last, text[last:i]))
            last = i + 1
        i += 1
    out.append((start + last, text[last:]))
    return [(o + len(p) - len(p.lstrip()), p.lstrip()) for o, p in out]


def _key(name: str) -> str:
    return re.sub(r"[{}\\\s*()]", "", name)


class _Parser:
    """Parse formulas onto the declared symbols, with errors pointing into the source."""

    def __init__(self, src: _Source, symbols: Iterable[sp.Symbol]) -> None:
        self.src = src
        self.by_key = {_key(s.name): s for s in symbols}
        used = {m.group(1) for m in _IDENT.finditer(src.text)}
        self.base = next(b for b in ("Q", "W", "Z", "Y", "\\Xi", "\\Psi", "\\Upsilon") if b not in used)

    def expr(self, text: str, offset: int, *, what: str = "formula") -> sp.Basic:
        if not text.strip():
            raise self.src.error(offset, f"empty {what}")
        self._balanced(text, offset)
        new, posmap, tokens = self._tokenise(text, offset)
        from sympy.parsing.latex import parse_latex as _p  # noqa: PLC0415 - ANTLR loads slowly: only when used

        try:
            # strict: the lenient mode silently drops what it cannot read ('x + (y' -> x)
            expr = _p(new, strict=True)
        except Exception:  # noqa: BLE001 - the parser raises several unrelated types
            k = self._good_prefix(new)
            at = posmap[min(k, len(posmap) - 1)] if posmap else offset
            while at < len(self.src.text) - 1 and self.src.text[at].isspace():
                at += 1
            raise self.src.error(at, f"could not parse the {what} {text.strip()!r} (readable up to here)") from None
        repl: dict[sp.Basic, sp.Basic] = {}
        for s in expr.free_symbols:
            if s.name in tokens:
                repl[s] = tokens[s.name]
            elif s.name == "e":
                repl[s] = sp.E
            else:
                hit = re.search(re.escape(s.name.split("_")[0]), text)
                at = offset + (hit.start() if hit else 0)
                raise self.src.error(at, f"unknown symbol {s.name!r} in {text.strip()!r}: declare it as a parameter")
        expr = expr.xreplace(repl)
        # decimals as written are exact: 0.5 is 1/2, so proofs stay in exact arithmetic
        expr = expr.xreplace({f: sp.Rational(str(f)) for f in expr.atoms(sp.Float)})
        for f in expr.atoms(AppliedUndef):
            name = str(f.func)
            if name in ("max", "min"):
                expr = expr.xreplace({f: (sp.Max if name == "max" else sp.Min)(*f.args)})
                continue
            hit = re.search(re.escape(name), text)
            raise self.src.error(offset + (hit.start() if hit else 0),
                                 f"unknown function {name!r} in {text.strip()!r}: write products with \\cdot")
        return expr

    def _balanced(self, text: str, offset: int) -> None:
        stack: list[tuple[str, int]] = []
        pairs = {"}": "{", ")": "(", "]": "["}
        i = 0
        while i < len(text):
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c in "{([":
                stack.append((c, i))
            elif c in "})]":
                if not stack or stack[-1][0] != pairs[c]:
                    raise self.src.error(offset + i, f"unmatched {c!r} in {text.strip()!r}")
                stack.pop()
            i += 1
        if stack:
            c, i = stack[-1]
            raise self.src.error(offset + i, f"unclosed {c!r} in {text.strip()!r}")

    def _tokenise(self, text: str, offset: int) -> tuple[str, list[int], dict[str, sp.Symbol]]:
        """Replace declared names by one-token stand-ins the parser keeps whole (``Q_{3}``)."""
        out: list[str] = []
        posmap: list[int] = []
        tokens: dict[str, sp.Symbol] = {}
        last = 0
        for m in _IDENT.finditer(text):
            sym = self.by_key.get(_key(m.group(0)))
            if sym is None and m.group(2):  # \lambda_j declared as lambda only: keep the subscript's own meaning
                continue
            if sym is None:
                continue
            out.append(text[last:m.start()])
            posmap += range(offset + last, offset + m.start())
            idx = len(tokens) + 1
            tok = f" {self.base}_{{{idx}}} "
            rest = text[m.end():].lstrip()
            if rest.startswith("(") or rest.startswith("\\left(") or rest.startswith("\\left ("):
                tok += "\\cdot "  # lambda_j(1 + ...) is a product, not a call
            tokens[f"{self.base.lstrip(chr(92))}_{{{idx}}}"] = sym
            out.append(tok)
            # the stand-in's own characters point at the name, what follows it at the name's end
            body = len(tok) - len(tok.lstrip()) + len(tok.strip().split(" ")[0])
            posmap += [offset + m.start()] * body + [offset + m.end()] * (len(tok) - body)
            last = m.end()
        out.append(text[last:])
        posmap += range(offset + last, offset + len(text))
        # the parser names a \Xi_{1} stand-in "Xi_{1}"
        return "".join(out), posmap, tokens

    @staticmethod
    def _good_prefix(new: str) -> int:
        from sympy.parsing.latex import parse_latex as _p  # noqa: PLC0415

        for k in range(len(new) - 1, 0, -1):
            if new[k - 1] in " \\" or not new[:k].strip():
                continue
            try:
                _p(new[:k], strict=True)
                return k
            except Exception:  # noqa: BLE001
                continue
        return 0


def parse_relation_row(cell: str) -> tuple[str | None, int]:
    """The relation at the start of an ``&``-cell and where the formula after it starts."""
    stripped = cell.lstrip()
    lead = len(cell) - len(stripped)
    for pat, rel in _RELS:
        m = pat.match(stripped)
        if m:
            return rel, lead + m.end()
    return None, 0


def _split_remainder(text: str, offset: int, src: _Source) -> tuple[str, tuple[str, int] | None]:
    m = None
    for m_ in _BIG_O.finditer(text):
        m = m_
    if m is None:
        return text, None
    depth, i = 1, m.end()
    while i < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        i += 1
    if depth:
        raise src.error(offset + m.start(), "unclosed O(...) remainder")
    inner = text[m.end():i - 1]
    inner = re.sub(r"\\right\s*$", "", inner)
    tail = text[i:].strip().rstrip(",.;")
    if tail:
        raise src.error(offset + i + len(text[i:]) - len(text[i:].lstrip()),
                        f"the O(...) remainder must end the line; found {tail!r} after it")
    return text[:m.start()], (inner, offset + m.end())


def _justification(cell: str, offset: int, parser: _Parser, src: _Source) -> Justification | None:
    plain = re.sub(r"\\text(rm)?\s*\{([^{}]*)\}", lambda m: m.group(2), cell).strip()
    plain = plain.strip().strip("()").strip()
    if not plain:
        return None
    m = re.match(r"(substitute|substituting|sub\.)\s*:?\s*", plain, flags=re.I)
    if not m:
        return Justification.parse(plain)
    body = plain[m.end():]
    pairs = []
    start = offset + cell.find(body[:8]) if body[:8] in cell else offset
    for piece in re.split(r",|;|\band\b", body):
        if not piece.strip():
            continue
        if "=" not in piece:
            raise src.error(start, f"a substitution must read 'x = expression', not {piece.strip()!r}")
        lhs, rhs = piece.split("=", 1)
        pairs.append((parser.expr(lhs, start, what="substitution target"),
                      parser.expr(rhs, start, what="substituted expression")))
    return Justification("substitute", body.strip(), tuple(pairs))


def working_from_latex(
    text: str,
    *,
    id: str,
    parameters: Any,
    where: sp.Basic = sp.true,
    variable: sp.Symbol | None = None,
    point: Any = 0,
    scaling: Any = (),
    title: str = "",
    notes: tuple[str, ...] = (),
    source_name: str = "<latex>",
) -> Working:
    """Build a :class:`Working` from the first ``align``/``align*``/``aligned`` block of ``text``.

    ``parameters`` declares every symbol (Parameters, Symbols, or a mapping accepted by
    :func:`derivations.as_parameters`); ``variable``/``point`` give the limit of ``O(...)``
    remainders. Errors name ``source_name``, the line and the column.
    """
    if not isinstance(text, str) or not text.strip():
        raise LatexParseError(f"text={text!r} must be a non-empty LaTeX string")
    if isinstance(parameters, dict):
        from . import as_parameters  # noqa: PLC0415

        params = as_parameters(parameters)
    else:
        params = _params(parameters)
    src = _Source(text, source_name)
    clean = _unwrap(_blank(_strip_comments(text), _BLANK))
    m = _ENV.search(clean)
    if m is None:
        raise src.error(0, "no \\begin{align}, \\begin{align*} or \\begin{aligned} block found")
    end = clean.find(f"\\end{{{m.group(1)}}}", m.end())
    if end < 0:
        raise src.error(m.start(), f"\\begin{{{m.group(1)}}} is never closed")
    body_start = m.end()
    body = clean[body_start:end]
    if m.group(1) == "aligned" and body.lstrip().startswith("["):  # \begin{aligned}[t]
        k = body.index("]") + 1
        body_start += k
        body = body[k:]
    parser = _Parser(src, [p.symbol for p in params])
    raw: list[dict[str, Any]] = []  # rows as {"rel", "text", "offset", "just", "just_offset"}
    for row_off, row in _split_top(body, body_start, "\\\\"):
        if not row.strip():
            continue
        cells = _split_top(row, row_off, "&")
        left_off, left = cells[0]
        just = next(((o, c) for o, c in cells[2:] if c.strip()), None)
        rel_cell = cells[1] if len(cells) > 1 else None
        if left.strip():
            if not raw:
                raw.append({"rel": None, "text": left, "offset": left_off, "just": None})
            elif rel_cell is None or not parse_relation_row(rel_cell[1])[0]:
                raw[-1]["text"] += " " + left  # a continuation row written without '&'
            else:
                raise src.error(left_off, "a new left-hand side starts a second chain: a working is one chain "
                                          "(start each later row with '&')")
        if rel_cell is not None and rel_cell[1].strip():
            rel, k = parse_relation_row(rel_cell[1])
            if rel is None:
                if not raw:
                    raw.append({"rel": None, "text": rel_cell[1], "offset": rel_cell[0], "just": None})
                else:
                    raw[-1]["text"] += " " + rel_cell[1]  # continuation: '& \quad + c'
            else:
                rest = rel_cell[1][k:]
                raw.append({"rel": rel, "text": rest.lstrip(), "offset": rel_cell[0] + k + len(rest) - len(rest.lstrip()),
                            "just": just})
                just = None
        if just is not None and raw:
            raw[-1]["just"] = just
    if len(raw) < 2:
        raise src.error(body_start, "a working needs at least two lines joined by a relation ('&=', '&\\approx', ...)")
    lines: list[WorkingLine] = []
    for i, r in enumerate(raw):
        body_txt, rem = _split_remainder(r["text"], r["offset"], src)
        order = None
        if rem is not None:
            if variable is None:
                raise src.error(rem[1], "an O(...) remainder needs the small parameter: pass variable= (--variable)")
            order = parser.expr(rem[0], rem[1], what="remainder")
        expr = parser.expr(body_txt, r["offset"], what=f"line {i + 1}")
        if r["rel"] == "=>" or (i == 0 and len(raw) > 1 and raw[1]["rel"] == "=>"):
            if not isinstance(expr, (sp.core.relational.Relational, sp.And, sp.Or)):
                raise src.error(r["offset"], f"line {i + 1} of an '=>' chain must be a condition such as 'x > 0'")
        elif isinstance(expr, sp.core.relational.Relational):
            raise src.error(r["offset"], f"line {i + 1} is a relation; put the relation at the start of the cell "
                                         "after '&' (e.g. '&= ...')")
        j = _justification(r["just"][1], r["just"][0], parser, src) if r.get("just") else None
        if r["rel"] == "≈" and order is None and not any(ln.order is not None for ln in lines):
            raise src.error(r["offset"], f"line {i + 1}: an '\\approx' step needs its stated order: end the line "
                                         "with '+ \\mathcal{O}(t^3)'")
        lines.append(WorkingLine(expr, r["rel"], j, order, latex=r["text"].strip(), position=src.position(r["offset"])))
    return Working(id=id, lines=tuple(lines), parameters=params, where=where, variable=variable, point=sp.sympify(point),
                   scaling=scaling, title=title, notes=notes)
