"""HTML fragments for results: rich display in notebooks and the sections of the HTML report.

Everything is escaped; formulas are given as LaTeX between ``$...$`` (rendered by the notebook's
MathJax) or, in the standalone report, as MathML (:mod:`verify._html_report`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["decision_text", "checks_table", "reading_html", "results_html", "VERDICT_COLOURS"]

VERDICT_COLOURS = {"proved": "#1a7f37", "supported": "#2da44e", "refuted": "#cf222e", "inconclusive": "#9a6700"}


def _e(x: Any) -> str:
    return html.escape(str(x))


def decision_text(check: Mapping[str, Any]) -> str:
    """``quantity: value op threshold`` for a decided check, or its reason."""
    d = check.get("decision")
    if check.get("outcome") in ("pass", "fail") and d:
        return f"{d['quantity']}: {d['value']} {d['op']} {d['threshold']}"
    return check.get("reason", "")


def verdict_badge(verdict: str) -> str:
    """A coloured verdict label."""
    colour = VERDICT_COLOURS.get(verdict, "#57606a")
    return (f'<span class="verdict verdict-{_e(verdict)}" style="color:#fff;background:{colour};'
            f'padding:1px 6px;border-radius:4px;font-weight:600">{_e(verdict)}</span>')


def checks_table(checks: Iterable[Mapping[str, Any]]) -> str:
    """A table of checks: method, outcome, the decision (or reason) and the detail."""
    rows = []
    for k in checks:
        role = " (self-test)" if k.get("selftest") else ("" if k.get("counts", True) else " (context)")
        part = f"[{k['part']}] " if k.get("part") else ""
        rows.append(f"<tr><td>{_e(k['method'])}{_e(role)}</td><td>{_e(k['outcome'])}</td>"
                    f"<td><code>{_e(decision_text(k))}</code></td><td>{_e(part + k.get('detail', ''))}</td></tr>")
    return ('<table class="checks"><thead><tr><th>method</th><th>outcome</th><th>decision</th><th>detail</th>'
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def counterexample_html(cx: Mapping[str, Any] | None) -> str:
    """The counterexample: parameters, both sides, certificate and notes."""
    if not cx:
        return ""
    cert = "certified" if cx.get("certified") else f"not certified ({cx.get('why', '')})"
    flags = [f for f, on in (("boundary tie", cx.get("tie")), ("degenerate: " + str(cx.get("degenerate")), cx.get("degenerate")))
             if on]
    return ('<div class="counterexample"><b>counterexample</b> '
            f"<code>{_e(json.dumps(cx.get('params', {}), default=str))}</code>: claimed <code>{_e(cx.get('claimed'))}</code>, "
            f"actual <code>{_e(cx.get('actual'))}</code>; {_e(cert)}"
            + (f"; {_e(', '.join(flags))}" if flags else "")
            + (f"<br><small>{_e(cx.get('note', ''))}</small>" if cx.get("note") else "") + "</div>")


def reading_html(r: Mapping[str, Any], *, claim_id: str = "", latex_math: bool = True) -> str:
    """One (claim, reading) result as HTML (the ``to_dict`` form of a :class:`ReadingResult`)."""
    steps = ""
    if r.get("derivation") and latex_math:
        steps = "<ol class='derivation'>" + "".join(
            f"<li>{_e(s['step'])}: ${_e(s['latex'])}$</li>" for s in r["derivation"]) + "</ol>"
    errors = "".join(f"<div class='tool-error'>samverify error: {_e(e)}</div>" for e in r.get("tool_errors", []))
    return (f"<div class='reading'><h4>{_e(claim_id)} [{_e(r['reading'])}] {verdict_badge(r['verdict'])} "
            f"<small>seed {_e(r.get('seed'))}, level {_e(r.get('level'))}</small></h4>"
            + checks_table(r["checks"]) + counterexample_html(r.get("counterexample")) + errors + steps + "</div>")


def results_html(results: Iterable[Any]) -> str:
    """Several :class:`ReadingResult` objects: a verdict summary table, then each result."""
    results = list(results)
    head = "".join(f"<tr><td>{_e(r.claim_id)}</td><td>{_e(r.reading)}</td><td>{verdict_badge(r.verdict)}</td></tr>"
                   for r in results)
    body = "".join(reading_html(r.to_dict(), claim_id=r.claim_id) for r in results)
    return ("<div class='samverify-results'><table><thead><tr><th>claim</th><th>reading</th><th>verdict</th>"
            f"</tr></thead><tbody>{head}</tbody></table>{body}</div>")
