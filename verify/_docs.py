"""The catalogue reference (``docs/catalogue.md``), generated from the registry.

``samverify docs`` writes it; a test regenerates it and compares, so the reference never drifts
from the claims the tool actually checks. It lists every claim (id, source, the statement as
printed, domain, readings, declared methods, notes), the verdict rules and the report schema.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from derivations import Claim, catalog

__all__ = ["catalogue_markdown"]

_RULES = """\
## Verdicts

Each (claim, reading) gets one verdict, decided from its checks:

- `proved`: a symbolic derivation shows the statement on the whole stated domain, and the domain
  lies inside the reading's validity region (where the model's process exists and converges);
  never from sampling alone.
- `supported`: no violation, every declared check ran, and at least one numeric check passed
  (sampling checks only with power >= 0.8 against the stated effect size).
- `refuted`: a concrete counterexample (parameter values, the printed side and the model's side),
  certified by ball or interval arithmetic where both sides are closed forms, or beyond the run's
  false-alarm control where one side is sampled. A point where the model diverges while the claim
  is finite is a counterexample (`actual = inf`).
- `inconclusive`: none of these, with the reasons in the checks.

Every check's outcome is `pass` exactly when its recorded `decision` (`value op threshold`) holds;
`inconclusive` and `skipped` checks carry a `reason`. A declared method that produced no result is
reported `skipped`, and the verdict can then not be `supported`.
"""


def _claim_md(c: Claim) -> list[str]:
    out = [f"### `{c.id}`", "", f"**{c.title}**", "",
           f"Source: {c.source.paper}, arXiv:{c.source.arxiv}, {c.source.locator}.", "",
           "Statement as printed:", "", "$$", c.to_latex(), "$$", ""]
    if c.where_latex():
        out += ["Domain restricted by:", "", "$$", c.where_latex(), "$$", ""]
    out += ["| parameter | domain | meaning |", "|---|---|---|"]
    out += [f"| `{p.name}` | `{p.domain}` | {p.description} |" for p in c.parameters]
    out += ["", "| reading | model |", "|---|---|"]
    out += [f"| `{r.name}` | {r.description} |" for r in c.readings]
    out += ["", f"Declared methods: {', '.join(f'`{m}`' for m in c.checks)}.", ""]
    out += [f"- {n}" for n in c.notes]
    if c.notes:
        out.append("")
    return out


def catalogue_markdown(claims: Sequence[Claim] | None = None) -> str:
    """The whole reference as Markdown (deterministic: the same registry gives the same text)."""
    from ._schemas import load_schema

    claims = catalog() if claims is None else claims
    papers: dict[str, list[Claim]] = {}
    for c in claims:
        papers.setdefault(f"{c.source.paper} (arXiv:{c.source.arxiv})", []).append(c)
    out = ["# The samverify catalogue", "",
           "Generated from the claim registry by `samverify docs`; do not edit by hand (a test checks it is",
           "current). Each claim is the statement as printed, checked under each reading (a model of the",
           "algorithm) by the methods it declares.", "", _RULES, "## Claims", ""]
    out += [f"- `{c.id}`: {c.title}" for c in claims]
    out.append("")
    for paper, cs in papers.items():
        out += [f"## {paper}", ""]
        for c in cs:
            out += _claim_md(c)
    from derivations import working_catalogue

    workings = working_catalogue()
    if workings:
        out += ["## Workings (checked step by step by `samverify derivation ID`)", ""]
        for w in workings:
            src = "" if w.source is None else f" ({w.source.paper}, arXiv:{w.source.arxiv}, {w.source.locator})"
            out += [f"- `{w.id}`: {w.title}{src}; {len(w.lines)} lines"]
        out.append("")
    schema = load_schema("report")
    out += ["## Report schema (`samverify.report/1`)", "",
            "Written by `samverify run --json PATH` and `samverify check --format json`; print it with",
            "`samverify schema report`. Fields may be added; these keep their meaning.", "", "```json",
            json.dumps(schema, indent=2), "```", ""]
    return "\n".join(out)
