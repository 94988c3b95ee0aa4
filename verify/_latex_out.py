"""LaTeX output: one fragment per claim (printed and derived forms) and a standalone report document.

Every formula is the output of SymPy's LaTeX printer (:func:`derivations.latex`) for the encoded
expression; only the surrounding prose is written here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from derivations import Claim

from ._report import write_atomic

__all__ = ["fragment", "write_fragments", "latex_document", "compile_pdf", "label_of"]


def label_of(claim_id: str, *parts: str) -> str:
    """A stable LaTeX label for a claim (and optionally a reading / step): ``sv:kim2023.thm2:plain``."""
    return ":".join(["sv", claim_id, *[re.sub(r"[^A-Za-z0-9._-]", "-", p) for p in parts]])


_UNICODE = {"≤": r"\ensuremath{\le}", "≥": r"\ensuremath{\ge}", "→": r"\ensuremath{\to}", "×": r"\ensuremath{\times}",
            "±": r"\ensuremath{\pm}", "∞": r"\ensuremath{\infty}", "‖": r"\ensuremath{\|}", "≈": r"\ensuremath{\approx}",
            "·": r"\ensuremath{\cdot}", "−": "-", "–": "--", "—": "---", "…": "...", "²": r"\textsuperscript{2}",
            "³": r"\textsuperscript{3}", "⁴": r"\textsuperscript{4}", "√": r"\ensuremath{\surd}", "≠": r"\ensuremath{\neq}",
            "∈": r"\ensuremath{\in}", "⇒": r"\ensuremath{\Rightarrow}", "’": "'", "“": "``", "”": "''", "µ": r"\ensuremath{\mu}"}


def _unicode(ch: str) -> str:
    """A LaTeX spelling of a non-ASCII character found in machine-written prose."""
    import unicodedata

    if ch in _UNICODE:
        return _UNICODE[ch]
    name = unicodedata.name(ch, "")
    if name.startswith("GREEK SMALL LETTER ") or name.startswith("GREEK CAPITAL LETTER "):
        word = name.split(" LETTER ")[1].lower()
        word = {"lamda": "lambda"}.get(word, word)
        if name.startswith("GREEK CAPITAL"):
            word = word.capitalize()
        return rf"\ensuremath{{\{word}}}"
    return "?"


from ._prose import prose_latex  # noqa: E402  (titles hold $...$ formulas)


def _text(s: str) -> str:
    out = str(s)
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"),
                 ("_", r"\_"), ("{", r"\{"), ("}", r"\}"), ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}")):
        out = out.replace(a, b)
    out = "".join(c if ord(c) < 128 else _unicode(c) for c in out)
    # long machine-written expressions in prose: allow line breaks after operators
    for op in ("*", "+", "(", ",", "/", "="):
        out = out.replace(op, op + r"\allowbreak{}")
    return out


#: data keys of a symbolic check that hold LaTeX from the SymPy printer (shown as formulas)
_LATEX_KEYS = ("difference", "gap", "derivative", "actual_leading_term", "claimed_leading_term",
               "printed_drift_rate", "printed_diffusion", "reading_drift_rate", "reading_diffusion")


def fragment(claim: Claim) -> str:
    """The ``.tex`` fragment of one claim: printed statement, then each reading's derivation."""
    from derivations import latex

    body = claim.to_latex()
    env = "gather" if r" \\ " in body else "equation"
    lines = [f"% samverify fragment for {claim.id} ({claim.source.locator}, arXiv:{claim.source.arxiv})",
             "% printed statement", rf"\begin{{{env}}}", body.replace(r" \\ ", " \\\\\n"),
             rf"\label{{{label_of(claim.id)}}}", rf"\end{{{env}}}"]
    for r in claim.readings:
        d = claim.derivation(r.name)
        lines.append(f"% reading {r.name}: {r.description}")
        for i, (step, obj) in enumerate(d.steps):
            lines += [f"% {step}", r"\begin{equation}", latex(obj), rf"\label{{{label_of(claim.id, r.name, str(i))}}}",
                      r"\end{equation}"]
    return "\n".join(lines) + "\n"


def write_fragments(claims: Iterable[Claim], out: Path) -> list[Path]:
    """Write one ``<id>.tex`` fragment per claim under ``out`` (atomically, file by file)."""
    return [write_atomic(Path(out) / f"{c.id}.tex", fragment(c)) for c in claims]


_PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage{longtable}
\usepackage[T1]{fontenc}
\newsavebox{\svbox}
% a display that is shrunk to the line width when it would run off the page
\newcommand{\fitmath}[1]{\par\smallskip\noindent\sbox{\svbox}{$\displaystyle #1$}%
\makebox[\linewidth][c]{\ifdim\wd\svbox>\linewidth\resizebox{\linewidth}{!}{\usebox{\svbox}}\else\usebox{\svbox}\fi}%
\par\smallskip}
\setlength{\parindent}{0pt}
\sloppy
"""


def _display(tex: str) -> list[str]:
    return [rf"\fitmath{{{line}}}" for line in tex.split(r" \\ ") if line.strip()]


def latex_document(doc: Mapping[str, Any], figures: Iterable[str] = ()) -> str:
    """A standalone LaTeX report of a ``samverify.report/1`` document (formulas from the SymPy printer)."""
    out = [_PREAMBLE, r"\title{samverify report}",
           rf"\date{{level {_text(doc['level'])}, seed {doc['seed']}, samverify {_text(doc['version'])}}}",
           r"\begin{document}", r"\maketitle", r"\section*{Verdicts}", r"\begin{longtable}{lll}",
           r"\textbf{claim} & \textbf{reading} & \textbf{verdict}\\ \hline\endhead"]
    for c in doc["claims"]:
        for r in c["results"]:
            out.append(rf"\texttt{{{_text(c['id'])}}} & {_text(r['reading'])} & \textbf{{{r['verdict']}}}\\")
    out.append(r"\end{longtable}")
    for c in doc["claims"]:
        src = c["source"]
        out += [r"\clearpage", rf"\section{{\texttt{{{_text(c['id'])}}}}}\label{{{label_of(c['id'])}}}",
                prose_latex(c["title"], _text) + ".", "", rf"{_text(src['paper'])}, arXiv:{_text(src['arxiv'])}, {_text(src['locator'])}.",
                "", "Printed statement:"]
        out += _display(c["latex"])
        if c.get("where"):
            out += ["Domain restricted by:"] + _display(c["where"])
        for r in c["results"]:
            out.append(rf"\subsection*{{Reading \texttt{{{_text(r['reading'])}}}: {r['verdict']}}}")
            for step in r.get("derivation", []):
                out.append(rf"{_text(step['step'])}:")
                out += _display(step["latex"])
            out.append(r"\begin{itemize}")
            for k in r["checks"]:
                part = f" [{_text(k['part'])}]" if k.get("part") else ""
                ctx = "" if k.get("counts", True) else " (context, not counted)"
                out.append(rf"\item \texttt{{{k['method']}}}{part} \textbf{{{k['outcome']}}}{ctx}: {_text(k['detail'])}")
                for key in _LATEX_KEYS:
                    tex = (k.get("data") or {}).get(key)
                    if isinstance(tex, str) and tex:
                        out.append(_text(key.replace("_", " ")) + ":")
                        out += _display(tex)
            out.append(r"\end{itemize}")
            cx = r.get("counterexample")
            if cx:
                out.append(rf"\textbf{{Counterexample}}: {_text(cx['params'])}; claimed {_text(cx['claimed'])}; "
                           rf"actual {_text(cx['actual'])}.")
    figs = list(figures)
    if figs:
        out += [r"\clearpage", r"\section*{Figures}"]
    for f in figs:
        out += [r"\begin{figure}[h]\centering", rf"\includegraphics[width=0.8\linewidth]{{{f}}}", r"\end{figure}"]
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def compile_pdf(tex: Path) -> Path | None:
    """Run ``pdflatex`` twice (labels) on ``tex``; None when pdflatex is not installed."""
    exe = shutil.which("pdflatex")
    if exe is None:
        return None
    for _ in range(2):
        subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=tex.parent,
                       check=True, capture_output=True)
    return tex.with_suffix(".pdf")
