"""``samverify run``: check the whole catalogue, print the verdict table, write reports and figures."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from derivations import catalog

from ._engine import check, resolve_seed
from ._report import build_report, to_markdown, write_atomic, write_json

__all__ = ["run_catalogue"]


def run_catalogue(
    *,
    level: str = "fast",
    seed: int = 0,
    json_path: str | Path | None = None,
    markdown_path: str | Path | None = None,
    figures_dir: Path | None = None,
    claim_filter: str | None = None,
    show_table: Callable[..., None] | None = None,
    verdict_styles: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Check every claim (or those whose id starts with ``claim_filter``) and return the report."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    seed = resolve_seed(seed)
    claims = [c for c in catalog() if claim_filter is None or c.id.startswith(claim_filter)]
    entries = []
    t0 = time.perf_counter()
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=not console.is_terminal, transient=True) as progress:
        task = progress.add_task("checking", total=sum(len(c.readings) for c in claims))
        for c in claims:
            results = []
            for r in c.reading_names:
                progress.update(task, description=f"{c.id} [{r}]")
                results += list(check(c, r, level=level, rng=seed))
                progress.advance(task)
            entries.append((c, results))
    figures: list[str] = []
    if figures_dir is not None:
        from ._wiring import checker_modules

        # every checker module (entry-point group samverify.checkers) may define figures(out_dir, ...)
        for mod in checker_modules():
            if hasattr(mod, "figures"):
                figures += [str(p) for p in mod.figures(Path(figures_dir), level=level, seed=seed)]
    doc = build_report(entries, level=level, seed=seed,
                       extra={"elapsed_s": round(time.perf_counter() - t0, 2), "figures": figures})
    if show_table is not None:
        rows = []
        for c, results in entries:
            for r in results:
                ev = ", ".join(sorted({f"{k.method}:{k.outcome}" for k in r.checks if k.counts}))
                rows.append((c.id, r.reading, r.verdict, ev))
        styles = {2: (lambda v: (verdict_styles or {}).get(v, ""))}
        show_table(f"samverify run (level {level}, seed {seed})", ("claim", "reading", "verdict", "evidence"), rows,
                   styles=styles)
        counts: dict[str, int] = {}
        for _, results in entries:
            for r in results:
                counts[r.verdict] = counts.get(r.verdict, 0) + 1
        print(", ".join(f"{v}: {n}" for v, n in sorted(counts.items())) + f"  ({doc['elapsed_s']} s)")
    if json_path is not None:
        write_json(json_path, doc)
        print(f"wrote {json_path}")
    if markdown_path is not None:
        write_atomic(markdown_path, to_markdown(doc))
        print(f"wrote {markdown_path}")
    return doc
