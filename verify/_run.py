"""``samverify run``: check the whole catalogue, print the verdict table, write reports and figures."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed

from derivations import Claim, catalog, get_claim
from derivations._validate import check_choice, fail

from ._engine import check, resolve_seed, validate_claim
from ._results import ReadingResult
from ._report import build_report, to_markdown, write_atomic, write_json

__all__ = ["run_catalogue", "check_output_path"]


def _portable(path: str | Path, json_path: str | Path | None) -> str:
    """A figure's path as recorded in the report: relative to the JSON's folder (so the run and its
    figures move together), absolute when there is no JSON or the figure lies elsewhere."""
    p = Path(path).resolve()
    if json_path is not None:
        base = Path(json_path).resolve().parent
        if p.is_relative_to(base):
            return p.relative_to(base).as_posix()
    return str(p)


def check_output_path(name: str, path: str | Path, *, directory: bool = False) -> Path:
    """Fail before any computation unless ``path`` can be written (its nearest existing ancestor is a
    writable folder, and the path itself is not an existing folder when a file is wanted)."""
    p = Path(path)
    if p.exists() and (p.is_dir() != directory):
        raise fail(name, str(p), "a writable " + ("folder" if directory else "file path") +
                   f" (it exists as a {'file' if p.is_file() else 'folder'})")
    anc = p if directory and p.exists() else p.parent
    while not anc.exists():
        anc = anc.parent
    if not anc.is_dir() or not os.access(anc, os.W_OK | os.X_OK):
        raise fail(name, str(p), f"a path under a writable folder ({str(anc)!r} is not one)")
    return p


def _check_task(claim_id: str, readings: tuple[str, ...], level: str, seed: int,
                claim: Claim | None = None) -> list[ReadingResult]:
    """One unit of work for a worker: a catalogue claim under some of its readings (picklable by id)."""
    claim = get_claim(claim_id) if claim is None else claim
    return [r for reading in readings for r in check(claim, reading, level=level, rng=seed)]


def _working_task(working_id: str, level: str, seed: int) -> dict[str, Any]:
    """One catalogue working checked step by step (its ``samverify.derivation/1`` document)."""
    from derivations import get_working

    from ._working import check_working

    return check_working(get_working(working_id), level=level, rng=seed).to_dict()


def _tasks(claims: Sequence[Claim]) -> list[tuple[str, tuple[str, ...]]]:
    """(claim id, readings) work units: one per reading, except claims that share a cached computation
    (``extras["task_group"]``), whose readings stay together so the computation runs once."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for c in claims:
        if c.extras.get("task_group"):
            out.append((c.id, c.reading_names))
        else:
            out += [(c.id, (r,)) for r in c.reading_names]
    return out


def _make_executor(jobs: int, executor: str | Executor | None, scheduler: str | None) -> tuple[Executor | None, Callable[[], None]]:
    """The executor that runs the tasks and a function that shuts down what was started here."""
    if isinstance(executor, Executor):
        return executor, lambda: None
    if executor in (None, "process"):
        if scheduler is not None:
            raise fail("scheduler", scheduler, "given only with executor='dask'")
        if jobs == 1:
            return None, lambda: None
        # fork: workers inherit the imported modules (SymPy, the catalogue) instead of re-importing them
        ex = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
        return ex, lambda: ex.shutdown(wait=True, cancel_futures=True)
    if executor == "dask":
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise fail("executor", executor, "usable: install the extra 'distributed' (pip install 'samverify[distributed]')") from None
        if scheduler is not None:
            client = Client(scheduler)
            return client.get_executor(), client.close
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client.get_executor(), close
    raise fail("executor", executor, "'process', 'dask' or a concurrent.futures.Executor")


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
    jobs: int = 1,
    executor: str | Executor | None = None,
    scheduler: str | None = None,
    claims: Sequence[Claim] | None = None,
    workings: bool = False,
) -> dict[str, Any]:
    """Check every claim (or those whose id starts with ``claim_filter``) and return the report.

    ``jobs`` worker processes (default 1: in this process) run the (claim, reading) tasks;
    ``executor="dask"`` runs them on a local ``dask.distributed`` cluster of ``jobs`` workers, or on
    the existing one at ``scheduler``; any ``concurrent.futures.Executor`` is accepted too. Every
    task's randomness is keyed by (seed, claim, reading, method), so the report is the same apart
    from timing fields whatever the executor, the number of workers and the completion order.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    check_choice("level", level, ("fast", "full"))
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise fail("jobs", jobs, "a positive integer number of worker processes")
    seed = resolve_seed(seed)
    for name, path in (("json_path", json_path), ("markdown_path", markdown_path), ("figures_dir", figures_dir)):
        if path is not None:
            check_output_path(name, path, directory=name == "figures_dir")
    claims = [c for c in (catalog() if claims is None else claims) if claim_filter is None or c.id.startswith(claim_filter)]
    if not claims:
        raise fail("claim_filter", claim_filter, "a prefix of at least one claim id (see `samverify list`)")
    for c in claims:
        validate_claim(c)
    work = _tasks(claims)
    known = {c.id: c for c in catalog()}
    if any(known.get(c.id) is not c for c in claims) and (jobs > 1 or executor is not None):
        raise fail("jobs", jobs, "1 for claims outside the catalogue (workers look claims up by id)")
    done: dict[tuple[str, str], ReadingResult] = {}
    t0 = time.perf_counter()
    ex, close = _make_executor(jobs, executor, scheduler)
    console = Console(stderr=True)
    working_ids = []
    if workings:
        from derivations import working_catalogue

        working_ids = [w.id for w in working_catalogue() if claim_filter is None or w.id.startswith(claim_filter)]
    worked: dict[str, dict[str, Any]] = {}
    try:
        futures = {} if ex is None else {ex.submit(_check_task, cid, rs, level, seed): (cid, rs) for cid, rs in work}
        wfutures = {} if ex is None else {ex.submit(_working_task, wid, level, seed): wid for wid in working_ids}
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, disable=not console.is_terminal, transient=True) as progress:
            bar = progress.add_task("checking", total=sum(len(rs) for _, rs in work))
            if ex is None:
                by_id = {c.id: c for c in claims}
                for cid, rs in work:
                    progress.update(bar, description=f"{cid} [{', '.join(rs)}]")
                    for r in _check_task(cid, rs, level, seed, by_id[cid]):
                        done[(r.claim_id, r.reading)] = r
                        progress.advance(bar)
                for wid in working_ids:
                    progress.update(bar, description=f"working {wid}")
                    worked[wid] = _working_task(wid, level, seed)
            else:
                for fut in as_completed(futures):
                    cid, rs = futures[fut]
                    for r in fut.result():
                        done[(r.claim_id, r.reading)] = r
                    progress.update(bar, advance=len(rs), description=f"{cid} [{', '.join(rs)}] done")
                for fut in as_completed(wfutures):
                    worked[wfutures[fut]] = fut.result()
    finally:
        close()
    entries = [(c, [done[(c.id, r)] for r in c.reading_names]) for c in claims]
    figures: list[str] = []
    if figures_dir is not None:
        from ._wiring import checker_modules

        # every checker module (entry-point group samverify.checkers) may define figures(out_dir, ...)
        for mod in checker_modules():
            if hasattr(mod, "figures"):
                figures += [_portable(p, json_path) for p in mod.figures(Path(figures_dir), level=level, seed=seed)]
    extra: dict[str, Any] = {"elapsed_s": round(time.perf_counter() - t0, 2), "figures": figures}
    if workings:
        extra["workings"] = [worked[w] for w in working_ids]
    doc = build_report(entries, level=level, seed=seed, extra=extra)
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
