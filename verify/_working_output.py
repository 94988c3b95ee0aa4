"""A checked working as JSON (``samverify.derivation/1``), Markdown, LaTeX (``align``) and HTML.

The JSON schema ships with the package (``verify/schemas/derivation.schema.json``) and is loaded
with :mod:`importlib.resources`, so it is found from an installed wheel and from the source tree.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

import sympy as sp

from derivations import latex

__all__ = ["SCHEMA_ID", "to_json", "to_markdown", "to_latex", "to_html", "schema", "validate", "render"]

SCHEMA_ID = "samverify.derivation/1"
_REL_TEX = {"=": "=", "≈": r"\approx", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">", "=>": r"\implies"}
_MARK = {"proved": r"\checkmark", "supported": r"(\checkmark)", "refuted": r"\times", "inconclusive": "?",
         "assumption": r"\text{ass.}"}
_HTML_MARK = {"proved": "&#10004;", "supported": "(&#10004;)", "refuted": "&#10008;", "inconclusive": "?",
              "assumption": "assumed"}


def _cx(cx: Any) -> dict[str, Any] | None:
    return None if cx is None else cx.to_dict()


def _version() -> str:
    from samverify import __version__

    return __version__


def to_json(result: Any) -> dict[str, Any]:
    """The ``samverify.derivation/1`` document of a :class:`verify._working.WorkingResult`."""
    w = result.working
    src = None if w.source is None else {"paper": w.source.paper, "arxiv": w.source.arxiv, "locator": w.source.locator}
    lines = []
    for i, ln in enumerate(w.lines, start=1):
        lines.append({
            "index": i, "relation": ln.relation, "latex": ln.to_latex(w.latex_of), "written": ln.latex or None,
            "sympy": sp.sstr(ln.expr), "order": None if ln.order is None else sp.sstr(ln.order),
            "justification": None if ln.justification is None else ln.justification.label(),
            "position": None if ln.position is None else list(ln.position),
        })
    steps = []
    for s in result.steps:
        steps.append({
            "index": s.index, "lines": [s.index, s.index + 1], "relation": s.relation, "justification": s.justification,
            "verdict": s.verdict, "statement": s.statement, "remainder": s.remainder, "reason": s.reason or None,
            "checks": [c.to_dict() for c in s.checks],
            "parts": [{"name": p.name, "verdict": p.verdict, "counterexample": _cx(p.counterexample)} for p in s.parts],
            "counterexample": _cx(s.counterexample),
            "expected_next": s.expected_next,
        })
    return {
        "schema": SCHEMA_ID,
        "version": _version(),
        "id": w.id,
        "title": w.title or None,
        "source": src,
        "verdict": result.verdict,
        "first_failure": result.first_failure,
        "first_scaling_break": result.first_scaling_break,
        "level": result.level,
        "seed": result.seed,
        "elapsed_s": round(result.elapsed, 3),
        "parameters": [{"name": p.name, "domain": str(p.domain), "description": p.description} for p in w.parameters],
        "where": None if w.where in (sp.true, True) else str(w.where),
        "variable": None if w.variable is None else w.variable.name,
        "point": str(w.point),
        "assumptions": list(result.assumptions),
        "scaling": [{"name": s.name, "text": s.text, "first_break": s.first_break,
                     "exponents": [{"line": i, "exponent": k, "note": n} for i, k, n in s.exponents]}
                    for s in result.scaling],
        "lines": lines,
        "steps": steps,
        "notes": list(w.notes),
    }


def schema() -> dict[str, Any]:
    """The JSON schema of ``samverify.derivation/1`` (shipped as package data)."""
    text = resources.files("verify").joinpath("schemas/derivation.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate(doc: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``doc`` follows the schema (needs ``jsonschema``)."""
    import jsonschema  # noqa: PLC0415 - optional (test) dependency

    jsonschema.validate(doc, schema())


# -- Markdown ------------------------------------------------------------------------------------------
def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in params.items())


def _first_line(result: Any) -> str:
    verdict = result.verdict.upper()
    head = f"**Verdict: {verdict}**"
    if result.first_failure is not None:
        head += f"; first wrong step: {result.first_failure} (line {result.first_failure} to line {result.first_failure + 1})"
    else:
        head += "; no step refuted"
    if result.first_scaling_break is not None:
        head += f"; line {result.first_scaling_break} breaks the declared scaling"
    if result.assumptions:
        head += "; taken on trust: step(s) " + ", ".join(map(str, result.assumptions))
    return head


def to_markdown(result: Any) -> str:
    """A Markdown report: the chain as a table, then the evidence for every step not proved."""
    w = result.working
    out = [f"# Working `{w.id}`" + (f": {w.title}" if w.title else ""), ""]
    if w.source is not None:
        out += [f"Source: {w.source.paper}, arXiv:{w.source.arxiv}, {w.source.locator}", ""]
    out += [_first_line(result), ""]
    out += ["Parameters: " + ", ".join(f"`{p.name}` in {p.domain}" for p in w.parameters)
            + ("" if w.where in (sp.true, True) else f"; where `{w.where}`")
            + ("" if w.variable is None else f"; O(...) as `{w.variable}` -> {w.point}"), ""]
    out += ["| step | | line | justification | verdict |", "|---|---|---|---|---|",
            f"| | | ${w.lines[0].display(w.latex_of)}$ | | |"]
    for s, ln in zip(result.steps, w.lines[1:]):
        out.append(f"| {s.index} | ${_REL_TEX[s.relation]}$ | ${ln.display(w.latex_of)}$ | {s.justification or ''} | {s.verdict} |")
    out.append("")
    for s in result.steps:
        if s.verdict in ("proved", "supported"):
            continue
        out += [f"## Step {s.index}: {s.verdict}", ""]
        if s.reason:
            out += [s.reason]
        if s.counterexample is not None:
            cx = s.counterexample
            out += [f"- counterexample at {_params_text(cx.params)}: line {s.index + 1} gives {cx.claimed}, "
                    f"line {s.index} gives {cx.actual}" + (f" ({cx.note})" if cx.note else "")]
        if s.expected_next:
            out += [f"- line {s.index} actually equals: ${s.expected_next['latex']}$"]
            if s.expected_next.get("missing_latex"):
                out += [f"- line {s.index + 1} misses: ${s.expected_next['missing_latex']}$"]
        shown = [c for c in s.checks if c.outcome != "pass"]
        for c in shown:
            out.append(f"- {c.method} {c.outcome}{'' if c.counts else ' (context)'}"
                       + (f" [{c.part}]" if c.part else "") + f": {c.detail}")
        if len(shown) < len(s.checks):
            out.append(f"- {len(s.checks) - len(shown)} other check(s) passed (see the JSON)")
        out.append("")
    for sc in result.scaling:
        ks = ", ".join(f"line {i}: {k if k is not None else 'n/a'}" for i, k, _ in sc.exponents)
        out += [f"Scaling {sc.text}: exponents {ks}"
                + (f"; **line {sc.first_break} breaks it**" if sc.first_break is not None else ""), ""]
    return "\n".join(out)


# -- LaTeX ------------------------------------------------------------------------------------------------
def _tex_text(s: str) -> str:
    special = {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}
    return "".join(special.get(c, "\\" + c if c in "&%$#_{}" else c) for c in str(s))


def _num(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, dict):
        return _tex_text(json.dumps(v))
    return _tex_text(str(v))


def _params_tex(params: dict[str, Any]) -> str:
    return ", ".join(f"{latex(sp.Symbol(k))} = {_num(v)}" for k, v in params.items())


def _footnote(s: Any) -> str:
    parts = [f"Step {s.index} is {s.verdict}."]
    if s.counterexample is not None:
        cx = s.counterexample
        parts.append(f"At \\({_params_tex(cx.params)}\\) this line gives {_num(cx.claimed)} while the previous line "
                     f"gives {_num(cx.actual)}" + (f" ({_tex_text(cx.note)})." if cx.note else "."))
    elif s.reason:
        parts.append(_tex_text(s.reason) + ".")
    if s.expected_next:
        parts.append(f"The previous line equals \\({s.expected_next['latex']}\\).")
        if s.expected_next.get("missing_latex"):
            parts.append(f"This line misses \\({s.expected_next['missing_latex']}\\).")
    return " ".join(parts)


def to_latex(result: Any) -> str:
    """The chain as an ``align`` block: each relation marked with a check mark, ``(check)``
    (supported numerically), ``?`` or a cross whose footnote carries the counterexample and the
    corrected line. Needs ``amsmath`` and ``amssymb``."""
    w = result.working
    rows = [w.lines[0].display(w.latex_of)]
    notes = []
    for s, ln in zip(result.steps, w.lines[1:]):
        rel = f"\\overset{{{_MARK[s.verdict]}}}{{{_REL_TEX[s.relation]}}}"
        row = f"&{rel} {ln.display(w.latex_of)}"
        tag = ln.justification.to_latex() if ln.justification is not None else ""
        mark = ""
        if s.verdict in ("refuted", "inconclusive"):
            notes.append(_footnote(s))
            mark = r"\footnotemark"
        if tag or mark:
            row += f" && {tag}{mark}"
        rows.append(row)
    out = [f"% samverify derivation check of {w.id}: {result.verdict}"
           + (f", first wrong step {result.first_failure}" if result.first_failure is not None else ""),
           r"% needs \usepackage{amsmath,amssymb}",
           "\\begin{align}", " \\\\\n".join(rows), "\\end{align}"]
    if notes:
        out.append(f"\\addtocounter{{footnote}}{{-{len(notes)}}}")
        out += [f"\\stepcounter{{footnote}}\\footnotetext{{{n}}}" for n in notes]
    return "\n".join(out) + "\n"


# -- HTML -------------------------------------------------------------------------------------------------
def to_html(result: Any) -> str:
    """A self-contained HTML page (formulas as LaTeX for MathJax, readable without it)."""
    w = result.working
    e = html.escape
    rows = [f"<tr><td></td><td></td><td>\\({e(w.lines[0].display(w.latex_of))}\\)</td><td></td><td></td></tr>"]
    details = []
    for s, ln in zip(result.steps, w.lines[1:]):
        rows.append(f"<tr class=\"{s.verdict}\"><td>{s.index}</td><td>\\({e(_REL_TEX[s.relation])}\\)</td>"
                    f"<td>\\({e(ln.display(w.latex_of))}\\)</td><td>{e(s.justification or '')}</td>"
                    f"<td>{_HTML_MARK[s.verdict]} {e(s.verdict)}</td></tr>")
        if s.verdict in ("refuted", "inconclusive"):
            items = []
            if s.counterexample is not None:
                cx = s.counterexample
                items.append(f"counterexample at {e(_params_text(cx.params))}: line {s.index + 1} gives "
                             f"{e(str(cx.claimed))}, line {s.index} gives {e(str(cx.actual))}")
            if s.reason:
                items.append(e(s.reason))
            if s.expected_next:
                items.append(f"line {s.index} actually equals \\({e(s.expected_next['latex'])}\\)")
            details.append(f"<h2>Step {s.index}: {e(s.verdict)}</h2><ul>" + "".join(f"<li>{i}</li>" for i in items)
                           + "</ul>")
    head = e(f"Working {w.id}" + (f": {w.title}" if w.title else ""))
    summary = e(_first_line(result).replace("**", ""))
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + head + "</title>\n"
        "<script async src=\"https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js\"></script>\n"
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto} td{padding:.3em .6em;border-bottom:1px solid #ddd}"
        " .refuted{background:#fdd} .proved,.supported{background:#efe} .inconclusive{background:#ffd}</style>"
        "</head><body>\n<h1>" + head + "</h1>\n<p>" + summary + "</p>\n"
        "<table><tr><th>step</th><th></th><th>line</th><th>justification</th><th>verdict</th></tr>\n"
        + "\n".join(rows) + "\n</table>\n" + "\n".join(details) + "\n</body></html>\n"
    )


def render(result: Any, fmt: str) -> str:
    """The result in ``fmt``: ``json``, ``md``, ``tex`` or ``html``."""
    if fmt == "json":
        return json.dumps(to_json(result), indent=2, default=str) + "\n"
    if fmt == "md":
        return to_markdown(result) + "\n"
    if fmt == "tex":
        return to_latex(result)
    if fmt == "html":
        return to_html(result)
    from derivations._validate import fail  # noqa: PLC0415

    raise fail("format", fmt, "one of 'json', 'md', 'tex', 'html'")
