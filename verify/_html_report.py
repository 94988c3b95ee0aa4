"""The HTML report: one self-contained page a reader opens in a browser.

Formulas are MathML (printed by SymPy, rendered natively by browsers: no network, no JavaScript
library), figures are embedded as ``data:`` URIs, and a verdict filter works with CSS alone.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ._html import VERDICT_COLOURS, checks_table, counterexample_html, verdict_badge
from ._mathml import math_block
from ._prose import prose_html

__all__ = ["report_html"]

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1100px;color:#1f2328;line-height:1.45}
h1{font-size:1.6em} h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #d0d7de} h4{margin:.8em 0 .3em}
table{border-collapse:collapse;margin:.4em 0;font-size:.9em} td,th{border:1px solid #d0d7de;padding:3px 6px;vertical-align:top}
code{font-size:.9em;background:#f6f8fa;padding:0 3px} .meta{color:#57606a;font-size:.9em}
.formula{background:#f6f8fa;padding:.3em .8em;overflow-x:auto} .counterexample{margin:.4em 0;padding:.3em .6em;background:#fff1f0}
.tool-error{color:#cf222e} figure{margin:1em 0} figure img{max-width:100%} .filters label{margin-right:1em}
label{cursor:pointer}
#f-proved:checked~main .reading:not(.v-proved),#f-supported:checked~main .reading:not(.v-supported),
#f-refuted:checked~main .reading:not(.v-refuted),#f-inconclusive:checked~main .reading:not(.v-inconclusive){display:none}
#f-proved:checked~main section.claim:not(:has(.v-proved)),#f-supported:checked~main section.claim:not(:has(.v-supported)),
#f-refuted:checked~main section.claim:not(:has(.v-refuted)),#f-inconclusive:checked~main section.claim:not(:has(.v-inconclusive)){display:none}
"""


def _e(x: Any) -> str:
    return html.escape(str(x))


def _figure(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return (f'<figure><img alt="{_e(path.stem)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(path.stem)}</figcaption></figure>")


def _reading(r: Mapping[str, Any]) -> str:
    derived = r.get("derived_mathml")
    steps = [s for s in r.get("derivation", []) if s.get("mathml")]
    parts = [f"<div class='reading v-{_e(r['verdict'])}'><h4>reading <code>{_e(r['reading'])}</code> "
             f"{verdict_badge(r['verdict'])} <span class='meta'>seed {_e(r.get('seed'))}, level {_e(r.get('level'))}"
             "</span></h4>"]
    if derived:
        parts.append(f"<div class='formula'><span class='meta'>statement under this reading (derived side bound)</span>"
                     f"{math_block(derived)}</div>")
    if steps:
        parts.append("<details><summary>derivation</summary><ol>" + "".join(
            f"<li>{_e(s['step'])}{math_block(s['mathml'])}</li>" for s in steps) + "</ol></details>")
    parts.append(checks_table(r["checks"]))
    parts.append(counterexample_html(r.get("counterexample")))
    parts += [f"<div class='tool-error'>samverify error: {_e(e)}</div>" for e in r.get("tool_errors", [])]
    parts.append("</div>")
    return "".join(parts)


def _claim(c: Mapping[str, Any]) -> str:
    src = c.get("source", {})
    head = (f"<section class='claim' id='{_e(c['id'])}'><h2>{_e(c['id'])}: {prose_html(c['title'])}</h2>"
            f"<div class='meta'>{_e(src.get('paper', ''))}, arXiv:{_e(src.get('arxiv', ''))}, {_e(src.get('locator', ''))}</div>")
    printed = (f"<div class='formula'><span class='meta'>as printed</span>{math_block(c['mathml'])}</div>"
               if c.get("mathml") else f"<div class='formula'><code>{_e(c.get('latex', ''))}</code></div>")
    notes = "".join(f"<p class='meta'>{_e(n)}</p>" for n in c.get("notes", []))
    return head + printed + notes + "".join(_reading(r) for r in c["results"]) + "</section>"


def _expected(w: Mapping[str, Any]) -> str:
    step = next((s for s in w["steps"] if s["index"] == w.get("first_failure")), None)
    if step is None or not step.get("expected_next"):
        return ""
    exp = step["expected_next"]
    return str(exp.get("text", exp)) if isinstance(exp, Mapping) else str(exp)


def report_html(doc: Mapping[str, Any], figures: Iterable[Path] = ()) -> str:
    """The whole report document (``samverify.report/1``) as one self-contained HTML page."""
    counts: dict[str, int] = {}
    for c in doc["claims"]:
        for r in c["results"]:
            counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    summary = "".join(f"<tr><td>{verdict_badge(v)}</td><td>{counts.get(v, 0)}</td></tr>" for v in VERDICT_COLOURS)
    # the radio inputs must be siblings of <main> for the CSS filter (~ selector); labels point at them
    radios = "<input class='filter' type='radio' name='f' id='f-all' checked hidden>" + "".join(
        f"<input class='filter' type='radio' name='f' id='f-{v}' hidden>" for v in VERDICT_COLOURS)
    labels = ("<div class='filters'>show: <label for='f-all'><u>all</u></label>"
              + "".join(f"<label for='f-{v}'><u>{v}</u> ({counts.get(v, 0)})</label>" for v in VERDICT_COLOURS) + "</div>")
    ec = doc.get("error_control") or {}
    control = (f"<p class='meta'>False-alarm budget alpha = {_e(ec.get('alpha'))} over {len(ec.get('families', []))} "
               f"sampling families that ran ({_e(ec.get('method', ''))}).</p>" if ec else "")
    figs = "".join(_figure(Path(f)) for f in figures if Path(f).is_file())
    workings = ""
    if doc.get("workings"):
        rows = "".join(f"<tr><td><code>{_e(w['id'])}</code></td><td>{verdict_badge(w['verdict'])}</td>"
                       f"<td>{_e(w['first_failure'] or '-')}</td><td>{_e(_expected(w))}</td></tr>" for w in doc["workings"])
        workings = ("<section><h2>Workings, step by step</h2><table><thead><tr><th>working</th><th>verdict</th>"
                    f"<th>first wrong step</th><th>what the previous line really equals</th></tr></thead><tbody>{rows}"
                    "</tbody></table></section>")
    title = f"samverify report (level {doc.get('level')}, seed {doc.get('seed')})"
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{_e(title)}</title>"
            f"<style>{_CSS}</style></head><body><h1>{_e(title)}</h1>"
            f"<p class='meta'>samverify {_e(doc.get('version', ''))}; schema {_e(doc.get('schema', ''))}</p>"
            f"<table><thead><tr><th>verdict</th><th>(claim, reading) pairs</th></tr></thead><tbody>{summary}</tbody></table>"
            f"{control}{labels}{radios}<main>{''.join(_claim(c) for c in doc['claims'])}"
            + workings + (f"<section><h2>Figures</h2>{figs}</section>" if figs else "")
            + "</main></body></html>")
