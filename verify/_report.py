"""Reports: the JSON document of docs/catalogue.md (``samverify.report/1``) and a Markdown summary.

Files are written atomically (a temporary file in the same folder, then ``os.replace``), so an
interrupted run never leaves a half-written report.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from derivations import Claim, __version__

from ._results import ReadingResult

__all__ = ["SCHEMA", "build_report", "write_atomic", "write_json", "to_markdown", "claim_entry"]

SCHEMA = "samverify.report/1"


def _printed_mathml(claim: Claim) -> str:
    from ._mathml import statement_mathml

    try:
        return statement_mathml(claim.statement)
    except (TypeError, NotImplementedError, AttributeError):
        return ""


def claim_entry(claim: Claim, results: Sequence[ReadingResult]) -> dict[str, Any]:
    """One entry of the report's ``claims`` list."""
    return {
        "id": claim.id,
        "title": claim.title,
        "source": {"paper": claim.source.paper, "arxiv": claim.source.arxiv, "locator": claim.source.locator},
        "latex": claim.to_latex(),
        "mathml": _printed_mathml(claim),
        "where": claim.where_latex(),
        "parameters": [{"name": p.name, "domain": str(p.domain), "description": p.description} for p in claim.parameters],
        "readings": [{"name": r.name, "description": r.description} for r in claim.readings],
        "notes": list(claim.notes),
        "results": [r.to_dict() for r in results],
    }


def error_control(entries: Iterable[tuple[Claim, Sequence[ReadingResult]]], *, level: str) -> dict[str, Any]:
    """The run's false-alarm budget and the share each sampling family that ran was given.

    ``families`` lists one entry per (claim, reading, checker family) that can refute from
    sampling; their alphas sum to at most ``alpha`` (equal shares of the whole catalogue's families).
    """
    from ._engine import LEVELS, sampling_families

    families = [dict(f) for _, rs in entries for r in rs for f in r.families]
    return {"alpha": LEVELS[level].alpha, "n_families_in_catalogue": sampling_families(),
            "method": "Bonferroni across families, Holm within a family", "families": families,
            "alpha_spent": sum(float(f["alpha"]) for f in families)}


def build_report(
    entries: Iterable[tuple[Claim, Sequence[ReadingResult]]], *, level: str, seed: int,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole report document (docs/catalogue.md schema plus a few extra top-level fields)."""
    entries = list(entries)
    doc: dict[str, Any] = {"schema": SCHEMA, "version": __version__, "level": level, "seed": seed,
                           "claims": [claim_entry(c, rs) for c, rs in entries],
                           "error_control": error_control(entries, level=level)}
    if extra:
        doc.update(extra)
    return doc


def write_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; reports get ordinary permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def json_safe(x: Any) -> Any:
    """``x`` with non-finite floats as the strings ``"inf"``, ``"-inf"``, ``"nan"`` (strict JSON)."""
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, Mapping):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    return x


def write_json(path: str | os.PathLike[str], doc: Mapping[str, Any]) -> Path:
    """Write the report document as pretty, strict JSON (atomically)."""
    return write_atomic(path, json.dumps(json_safe(doc), indent=2, allow_nan=False, default=str) + "\n")


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|")


def to_markdown(doc: Mapping[str, Any]) -> str:
    """A Markdown summary of a report document: a verdict table, then one section per claim."""
    lines = ["# samverify report", "",
             f"Level `{doc['level']}`, seed `{doc['seed']}`, samverify {doc['version']}.", "",
             "| claim | reading | verdict | evidence |", "|---|---|---|---|"]
    for c in doc["claims"]:
        for r in c["results"]:
            methods = ", ".join(sorted({f"{k['method']}:{k['outcome']}" for k in r["checks"] if k.get("counts", True)}))
            lines.append(f"| `{c['id']}` | {r['reading']} | **{r['verdict']}** | {_md_escape(methods)} |")
    for c in doc["claims"]:
        src = c["source"]
        lines += ["", f"## `{c['id']}` — {_md_escape(c['title'])}", "",
                  ", ".join(x for x in (src["paper"], f"arXiv:{src['arxiv']}" if src.get("arxiv") else "", src["locator"]) if x)
                  + ".", "",
                  "$$", c["latex"], "$$", ""]
        if c.get("where"):
            lines += [f"Domain restricted by ${c['where']}$.", ""]
        for r in c["results"]:
            lines += [f"### reading `{r['reading']}`: **{r['verdict']}**", ""]
            for step in r.get("derivation", []):
                lines.append(f"- {step['step']}: ${step['latex']}$")
            if r.get("derivation"):
                lines.append("")
            for k in r["checks"]:
                part = f" [{k['part']}]" if k.get("part") else ""
                ctx = " (self-test)" if k.get("selftest") else ("" if k.get("counts", True) else " (context, not counted)")
                d = k.get("decision")
                rule = (f" — decision: {_md_escape(d['quantity'])}: `{d['value']} {d['op']} {d['threshold']}`"
                        if d and k["outcome"] in ("pass", "fail") else
                        (f" — reason: {_md_escape(k['reason'])}" if k.get("reason") and k["reason"] != k["detail"] else ""))
                lines.append(f"- `{k['method']}`{part} **{k['outcome']}**{ctx}: {_md_escape(k['detail'])}{rule}")
            cx = r.get("counterexample")
            if cx:
                cert = "certified" if cx.get("certified") else f"not certified: {_md_escape(cx.get('why', ''))}"
                flags = " (fails only with equality)" if cx.get("tie") else ""
                lines += ["", f"Counterexample: `{json.dumps(cx['params'], default=str)}` — claimed "
                              f"`{_md_escape(cx['claimed'])}`, actual `{_md_escape(cx['actual'])}`; {cert}{flags}"
                              + (f" ({_md_escape(cx['note'])})" if cx.get("note") else "")]
            for e in r.get("tool_errors", []):
                lines += ["", f"**samverify error** (not a verdict on the claim): {_md_escape(e)}"]
            lines.append("")
    ec = doc.get("error_control")
    if ec:
        lines += ["## Error control", "",
                  f"Run-wide false-alarm budget alpha = {ec['alpha']} ({_md_escape(ec.get('method', ''))}): "
                  f"{len(ec.get('families', []))} sampling families ran, spending {ec.get('alpha_spent', 0):.4g}.", ""]
    if doc.get("workings"):
        lines += ["## Workings (step by step)", "", "| working | verdict | first wrong step |", "|---|---|---|"]
        for w in doc["workings"]:
            lines.append(f"| `{w['id']}` | **{w['verdict']}** | {w['first_failure'] if w['first_failure'] else '-'} |")
        lines.append("")
        for w in doc["workings"]:
            bad = [st for st in w["steps"] if st.get("expected_next") and st["verdict"] == "refuted"]
            for st in bad[:1]:
                exp = st["expected_next"]
                text = exp.get("text", exp) if isinstance(exp, Mapping) else exp
                lines += [f"`{w['id']}`, step {st['index']}: the previous line really equals `{_md_escape(text)}`.", ""]
    return "\n".join(lines) + "\n"
