"""``samverify report``: turn a run's JSON into Markdown, LaTeX/PDF and HTML, from any directory.

Figures recorded in the run are resolved relative to the run's JSON (older runs recorded paths
relative to the directory they ran in; those are tried too) and copied into ``OUT/figures`` so the
output folder stands alone and the LaTeX and HTML refer to them relatively.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from derivations import SamverifyError

from ._report import to_markdown, write_atomic, write_json

__all__ = ["FORMATS", "load_report", "render", "write_reports"]

FORMATS: tuple[str, ...] = ("md", "json", "tex", "pdf", "html")


def load_report(src: str | Path) -> dict[str, Any]:
    """Read and sanity-check a ``samverify.report/1`` JSON written by ``samverify run``."""
    src = Path(src)
    if not src.is_file():
        raise SamverifyError(f"--from={str(src)!r} must be a report JSON written by `samverify run` (file not found)")
    try:
        doc = json.loads(src.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SamverifyError(f"--from={str(src)!r} must be valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("schema") != "samverify.report/1":
        got = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise SamverifyError(f"--from={str(src)!r} must have schema 'samverify.report/1', not {got!r}")
    return doc


def _resolve_figures(doc: dict[str, Any], src: Path) -> list[Path]:
    out = []
    for f in doc.get("figures", []):
        p = Path(f)
        for cand in ([p] if p.is_absolute() else [src.parent / p, Path.cwd() / p]):
            if cand.is_file():
                out.append(cand.resolve())
                break
        else:
            raise SamverifyError(f"figure {f!r} recorded in {str(src)!r} was not found next to the run "
                                 "(re-run `samverify run` or pass --from the run's own JSON)")
    return out


def write_reports(src: str | Path, out: str | Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write the requested report formats of the run ``src`` into the folder ``out``; return the files."""
    from ._html_report import report_html
    from ._latex_out import compile_pdf, latex_document

    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise SamverifyError(f"--format={','.join(formats)!r} must be among {', '.join(FORMATS)}")
    src, out = Path(src), Path(out)
    doc = load_report(src)
    figures = _resolve_figures(doc, src)
    fig_dir = out / "figures"
    local: list[Path] = []
    for f in figures:
        target = fig_dir / f.name
        if f.resolve() != target.resolve():
            fig_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
        local.append(target)
    rel = [p.relative_to(out).as_posix() for p in local]
    written: list[Path] = []
    if "md" in formats:
        md = to_markdown(doc)
        if rel:
            md += "\n## Figures\n\n" + "\n".join(f"![{Path(f).stem}]({f})" for f in rel) + "\n"
        written.append(write_atomic(out / "README.md", md))
    if "json" in formats and src.resolve() != (out / "report.json").resolve():
        written.append(write_json(out / "report.json", {**doc, "figures": rel}))
    if "tex" in formats or "pdf" in formats:
        tex = write_atomic(out / "samverify.tex", latex_document(doc, rel))
        written.append(tex)
        if "pdf" in formats:
            pdf = compile_pdf(tex)
            if pdf is not None:
                written.append(pdf)
    if "html" in formats:
        written.append(write_atomic(out / "samverify.html", report_html(doc, local)))
    return written


def render(doc: dict[str, Any], fmt: str, figures: Sequence[Path] = ()) -> str:
    """A report document as ``json``, ``md``, ``tex`` or ``html`` text (for stdout or ``--output``)."""
    from ._html_report import report_html
    from ._latex_out import latex_document
    from ._report import json_safe

    if fmt == "json":
        return json.dumps(json_safe(doc), indent=2, allow_nan=False, default=str) + "\n"
    if fmt == "md":
        return to_markdown(doc)
    if fmt == "tex":
        return latex_document(doc, [str(f) for f in figures])
    if fmt == "html":
        return report_html(doc, figures)
    raise SamverifyError(f"--format={fmt!r} must be one of json, md, tex, html")
