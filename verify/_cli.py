"""The ``samverify`` command line: list, show, latex, check, run, bench.

Exit status 0 when the command completed (whatever the verdicts), 2 with a one-line reason on bad
input. Rich tables in a terminal, plain text when piped.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from ._argtypes import positive_int, seed

if TYPE_CHECKING:
    from derivations import Claim


__all__ = ["main"]

_VERDICT_STYLE = {"proved": "bold green", "supported": "green", "refuted": "bold red", "inconclusive": "yellow"}


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (the usage is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"samverify: error: {message} (see samverify --help)\n")
        raise SystemExit(2)


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], *, styles: dict[int, Any] | None = None) -> None:
    """Print a table: rich in a terminal, tab-separated plain text when piped."""
    con = _console()
    if not con.is_terminal:
        print("\t".join(columns))
        for r in rows:
            print("\t".join(str(x) for x in r))
        return
    from rich.table import Table

    t = Table(title=title, show_lines=False)
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:
        cells = []
        for i, x in enumerate(r):
            style = (styles or {}).get(i)
            style = style(x) if callable(style) else style
            cells.append(f"[{style}]{x}[/]" if style else str(x))
        t.add_row(*cells)
    con.print(t)


def _emit(text: str = "") -> None:
    print(text)


# -- commands ----------------------------------------------------------------------------------------
def _cmd_list(args: argparse.Namespace) -> int:
    from derivations import catalog

    from ._prose import prose_plain

    rows = [(c.id, prose_plain(c.title), f"arXiv:{c.source.arxiv} {c.source.locator}", ", ".join(c.reading_names))
            for c in catalog()]
    _table("samverify catalogue", ("id", "title", "source", "readings"), rows)
    from ._working_cli import list_workings

    list_workings(_table)
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from derivations import get_claim

    c = get_claim(args.claim_id)
    from ._prose import prose_plain

    _emit(f"{c.id}: {prose_plain(c.title)}")
    _emit(f"source: {c.source.paper}, arXiv:{c.source.arxiv}, {c.source.locator}")
    _emit("")
    _emit(f"statement (printed): {_statement_text(c)}")
    _emit(f"LaTeX: {c.to_latex()}")
    _emit("")
    _emit("parameters:")
    for p in c.parameters:
        _emit(f"  {p.name:10s} in {p.domain}   ({p.description}; assumptions: {_assumptions(p.symbol)})")
    if c.where_latex():
        _emit(f"domain restricted by: {c.where}")
    _emit("")
    _emit("readings:")
    for r in c.readings:
        _emit(f"  {r.name:18s} {r.description}")
    _emit(f"declared checks: {', '.join(c.checks)}")
    for n in c.notes:
        _emit(f"note: {n}")
    return 0


def _assumptions(sym: Any) -> str:
    keys = [k for k in ("integer", "positive", "nonnegative", "negative", "nonzero", "real") if sym.assumptions0.get(k)]
    return ", ".join(keys[:2]) or "none"


def _statement_text(c: Claim) -> str:
    from derivations import AllOf

    s = c.statement
    if isinstance(s, AllOf):
        return "; ".join(f"({name}) {_one(sub)}" for name, sub in s.parts)
    return _one(s)


def _one(s: Any) -> str:
    for attr in ("relation",):
        if hasattr(s, attr):
            return str(getattr(s, attr))
    if hasattr(s, "lhs") and hasattr(s, "rhs"):
        return f"{s.lhs} = {s.rhs}"
    if hasattr(s, "leading"):
        return f"{s.expr} = {s.leading} + O({s.remainder}) as {s.variable} -> {s.point}"
    if hasattr(s, "hypothesis"):
        return f"{_cond(s.hypothesis)}  =>  {_cond(s.conclusion)}"
    return str(s)


def _cond(c: Any) -> str:
    return f"[{c.expr} bounded as {c.variable} -> {c.point}]" if hasattr(c, "variable") and hasattr(c, "expr") else str(c)


def _cmd_latex(args: argparse.Namespace) -> int:
    from derivations import SamverifyError, catalog, get_claim
    from derivations import latex as roundtrip_latex
    from derivations._latex_paper import paper_latex

    latex = paper_latex if args.style == "paper" else roundtrip_latex
    if args.all:
        from ._latex_out import write_fragments

        out = Path(args.out or "reports/latex")
        paths = write_fragments(catalog(), out)
        _emit(f"wrote {len(paths)} fragments to {out}/")
        return 0
    if not args.claim_id:
        raise SamverifyError("claim_id is required unless --all is given")
    c = get_claim(args.claim_id)
    _emit(f"% {c.id}: {c.title} ({c.source.locator}, arXiv:{c.source.arxiv})")
    _emit("% printed statement")
    _emit(c.statement.to_latex(latex))
    if c.where_latex():
        _emit(f"% domain restricted by\n{latex(c.where)}")
    for r in c.readings:
        d = c.derivation(r.name)
        _emit("")
        _emit(f"% reading {r.name}: {r.description}")
        for label, obj in d.steps:
            _emit(f"% {label}")
            _emit(latex(obj))
        _emit("% statement under this reading")
        _emit(c.statement_for(r.name).to_latex(latex))
    return 0


def _result_rows(results: Sequence[Any]) -> list[tuple[str, ...]]:
    rows = []
    for r in results:
        ev = ", ".join(sorted({f"{k.method}:{k.outcome}" for k in r.checks if k.counts}))
        cx = ""
        if r.counterexample is not None:
            cx = json.dumps(r.counterexample.params)
        rows.append((r.claim_id, r.reading, r.verdict, ev, cx, f"{r.elapsed:.1f}s"))
    return rows


def _exit_status(verdicts: Sequence[str], fail_on: str) -> int:
    """1 when a verdict reaches ``--fail-on`` (refuted; inconclusive means refuted or inconclusive), else 0."""
    bad = {"never": set(), "refuted": {"refuted"}, "inconclusive": {"refuted", "inconclusive"}}[fail_on]
    return 1 if any(v in bad for v in verdicts) else 0


def _write_or_print(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from ._report import write_atomic

    _emit(f"wrote {write_atomic(output, text)}")


def _print_results(claim: Claim, results: Sequence[Any]) -> None:
    from ._pretty import pretty_statement

    from ._prose import prose_plain

    _emit(f"{claim.id}: {prose_plain(claim.title)}  [{claim.source.locator}, arXiv:{claim.source.arxiv}]")
    _emit("printed:")
    _emit(pretty_statement(claim.statement))
    for r in results:
        _emit("")
        _emit(f"== reading {r.reading}: {r.verdict.upper()}  (seed {r.seed}, level {r.level}, {r.elapsed:.1f}s)")
        for p in r.parts:
            _emit(f"   part {p.name}: {p.verdict}")
        for k in r.checks:
            part = f"[{k.part}] " if k.part else ""
            ctx = " (self-test)" if k.selftest else ("" if k.counts else " (context)")
            _emit(f"   {k.method:10s} {k.outcome:12s} {part}{k.detail}{ctx}")
            if k.decision is not None:
                d = k.decision
                _emit(f"   {'':10s} {'':12s} decision: {d.quantity}: {d.value} {d.op} {d.threshold}")
            elif k.reason and k.reason != k.detail:
                _emit(f"   {'':10s} {'':12s} reason: {k.reason}")
        if r.counterexample is not None:
            cx = r.counterexample
            _emit(f"   counterexample: {json.dumps(cx.params, default=str)}"
                  + ("  (certified)" if cx.certified else f"  (not certified: {cx.why})"))
            _emit(f"      claimed: {cx.claimed}")
            _emit(f"      actual:  {cx.actual}")
            if cx.note:
                _emit(f"      note:    {cx.note}")
        for e in r.tool_errors:
            _emit(f"   samverify error: {e}")


def _cmd_check(args: argparse.Namespace) -> int:
    from ._engine import check
    from ._report import build_report
    from ._report_files import render
    from ._run import check_output_path
    from ._select import select_claims

    fmt = "json" if args.json else args.format
    if args.output is not None:
        check_output_path("--output", args.output)
    claims = select_claims(args.targets, keyword=args.k)
    if args.reading is not None:
        for c in claims:
            c.reading(args.reading)
    entries = [(c, list(check(c, args.reading, level=args.level, rng=args.seed))) for c in claims]
    verdicts = [r.verdict for _, rs in entries for r in rs]
    if fmt == "text":
        for n, (c, rs) in enumerate(entries):
            if n:
                _emit("")
            _print_results(c, rs)
    else:
        doc = build_report(entries, level=args.level, seed=args.seed)
        _write_or_print(render(doc, fmt), args.output)
    return _exit_status(verdicts, args.fail_on)


def _cmd_run(args: argparse.Namespace) -> int:
    from ._report_files import render
    from ._run import check_output_path, run_catalogue
    from ._select import select_claims

    if args.output is not None:
        check_output_path("--output", args.output)
    claims = select_claims(args.targets, keyword=args.k, prefix=args.only) if (args.targets or args.k) else None
    doc = run_catalogue(level=args.level, seed=args.seed, json_path=args.json, markdown_path=args.markdown,
                        figures_dir=None if args.no_figures else Path(args.figures), claim_filter=args.only,
                        show_table=_table if args.format is None else None, verdict_styles=_VERDICT_STYLE,
                        jobs=args.jobs, executor=args.executor, scheduler=args.scheduler, claims=claims,
                        workings=not args.no_workings and claims is None)
    if args.format is not None:
        _write_or_print(render(doc, args.format, [Path(f) for f in doc.get("figures", [])]), args.output)
    return _exit_status([r["verdict"] for c in doc["claims"] for r in c["results"]], args.fail_on)


def _cmd_report(args: argparse.Namespace) -> int:
    from ._report_files import FORMATS, write_reports

    formats = FORMATS if args.format == "all" else tuple(x.strip() for x in args.format.split(","))
    written = write_reports(args.source, args.out, formats)
    _emit("wrote " + ", ".join(str(p) for p in written))
    if ("pdf" in formats) and not any(p.suffix == ".pdf" for p in written):
        _emit("pdflatex not found: skipped the PDF (install TeX Live to build it)")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from ._calibrate import calibrate
    from ._report import write_json
    from ._run import check_output_path

    if args.json:
        check_output_path("--json", args.json)
    doc = calibrate(runs=args.runs, level=args.level, seed=args.seed, claim_filter=args.only)
    rows = [(f["claim"], f["reading"], f["family"], f"{f['false_refutation_rate']:.3f}", f"{f['family_alpha']:.2g}",
             f"{f['power']:.2f}") for f in doc["families"]]
    _table(f"samverify calibrate ({args.runs} runs)", ("claim", "reading", "family", "false refutations", "alpha",
                                                      "power"), rows)
    o = doc["overall"]
    _emit(f"overall: false-refutation rate {o['false_refutation_rate']:.3f} (alpha {o['alpha']}), "
          f"smallest power {o['power']}, {o['n_families']} families")
    if args.json:
        write_json(args.json, doc)
        _emit(f"wrote {args.json}")
    return 0


def _cmd_docs(args: argparse.Namespace) -> int:
    from ._docs import catalogue_markdown
    from ._report import write_atomic
    from ._run import check_output_path

    check_output_path("--output", args.output)
    _emit(f"wrote {write_atomic(args.output, catalogue_markdown())}")
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from ._schemas import schema_text

    sys.stdout.write(schema_text(args.name))
    return 0


def _cmd_cache(args: argparse.Namespace) -> int:
    from . import _cache

    if args.action == "clear":
        _emit(f"removed {_cache.clear()} entries from {_cache.cache_dir()}")
    else:
        n = len(list(_cache.cache_dir().rglob("*.pkl"))) if _cache.cache_dir().is_dir() else 0
        _emit(f"{_cache.cache_dir()}: {n} entries ({'enabled' if _cache.enabled() else 'disabled'})")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from ._bench import print_benchmarks, run_benchmarks
    from ._report import write_json
    from ._run import check_output_path

    if args.json:
        check_output_path("--json", args.json)
    doc = run_benchmarks(quick=args.quick, progress=_console().is_terminal)
    if not args.no_scale:
        from ._bench_scale import scale_entries

        doc["results"] += scale_entries(quick=args.quick, include_full=args.full_level)
    from ._wiring import checker_modules

    for m in checker_modules():  # any checker module may add benchmarks of its own numerics
        if hasattr(m, "bench_entries"):
            doc["results"] += list(m.bench_entries(quick=args.quick))
    print_benchmarks(doc)
    if args.json:
        write_json(args.json, doc)
        _emit(f"wrote {args.json}")
    return 0


def _version() -> str:
    from samverify import __version__

    return __version__


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="samverify", description="Check closed-form claims about SGD and SAM from first principles.")
    p.add_argument("--version", action="version", version=f"samverify {_version()}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list the catalogue (ids, titles, sources)").set_defaults(fn=_cmd_list)
    s = sub.add_parser("show", help="a claim's statement, parameters, readings and LaTeX")
    s.add_argument("claim_id")
    s.set_defaults(fn=_cmd_show)
    s = sub.add_parser("latex", help="printed and derived forms of a claim as LaTeX")
    s.add_argument("claim_id", nargs="?")
    s.add_argument("--all", action="store_true", help="write one .tex fragment per claim")
    s.add_argument("--out", help="folder for --all (default reports/latex)")
    s.add_argument("--style", choices=("paper", "roundtrip"), default="roundtrip",
                   help="paper: implicit products, parentheses sized only where needed; roundtrip (default): "
                        "explicit \\cdot, read back by SymPy's parser without declared symbols")
    s.set_defaults(fn=_cmd_latex)
    for name, helptext in (("check", "check claims (ids, or path.py[::name] for your own)"),
                           ("run", "check the whole catalogue (or a selection), write the report and figures")):
        s = sub.add_parser(name, help=helptext)
        s.add_argument("targets", nargs="*" if name == "run" else "+", metavar="ID|FILE.py[::NAME]",
                       help="claim ids, or a Python file declaring claims (optionally ::variable)")
        s.add_argument("-k", metavar="EXPR", help="only claims whose id matches EXPR (words with and/or/not, as pytest)")
        s.add_argument("--fail-on", choices=("refuted", "inconclusive", "never"), default="never",
                       help="exit 1 when a verdict is refuted (or, with 'inconclusive', refuted or inconclusive); "
                            "default never")
        s.add_argument("--output", metavar="PATH", help="write the --format output here (default: stdout)")
        if name == "check":
            s.add_argument("--reading", help="one reading (default: all of the claim's readings)")
            s.add_argument("--format", choices=("text", "json", "md", "tex", "html"), default="text",
                           help="output format (default text; formulas pretty-printed)")
            s.add_argument("--json", action="store_true", help="shorthand for --format json")
            s.set_defaults(fn=_cmd_check)
        else:
            s.add_argument("--format", choices=("json", "md", "tex", "html"), default=None,
                           help="also render the report in this format to --output or stdout")
            s.add_argument("--json", metavar="PATH", default="reports/report.json",
                           help="write the report JSON here (default reports/report.json)")
            s.add_argument("--markdown", metavar="PATH", help="write a Markdown summary here")
            s.add_argument("--figures", default="reports/figures", metavar="DIR", help="figure folder (default reports/figures)")
            s.add_argument("--no-figures", action="store_true", help="skip figures")
            s.add_argument("--no-workings", action="store_true",
                           help="skip the catalogue's workings (step-by-step derivation checks)")
            s.add_argument("--only", metavar="PREFIX", help="only claims whose id starts with PREFIX")
            s.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                           help="worker processes (default 1); with --executor dask, dask workers")
            s.add_argument("--executor", choices=("process", "dask"), default=None,
                           help="where tasks run: local processes (default) or a dask.distributed cluster")
            s.add_argument("--scheduler", metavar="ADDRESS",
                           help="address of an existing dask scheduler (with --executor dask)")
            s.set_defaults(fn=_cmd_run)
        s.add_argument("--no-cache", action="store_true",
                       help="neither read nor write the persistent cache of symbolic work")
        s.add_argument("--level", choices=("fast", "full"), default="fast", help="effort level (default fast)")
        s.add_argument("--seed", type=seed, default=0, help="non-negative integer seed (default 0)")
    s = sub.add_parser("calibrate", help="false-refutation rate and power of every sampling family")
    s.add_argument("--runs", type=positive_int, default=50, metavar="N", help="seeds per family (default 50)")
    s.add_argument("--json", metavar="PATH", help="write the samverify.calibrate/1 JSON here")
    s.add_argument("--only", metavar="PREFIX", help="only families of claims whose id starts with PREFIX")
    s.add_argument("--level", choices=("fast", "full"), default="fast")
    s.add_argument("--seed", type=seed, default=0)
    s.set_defaults(fn=_cmd_calibrate)
    s = sub.add_parser("docs", help="write the catalogue reference (docs/catalogue.md) from the registry")
    s.add_argument("--output", default="docs/catalogue.md", metavar="PATH", help="default docs/catalogue.md")
    s.set_defaults(fn=_cmd_docs)
    s = sub.add_parser("schema", help="print the JSON schema of a document the command line writes")
    s.add_argument("name", choices=("report", "bench", "calibrate", "derivation"))
    s.set_defaults(fn=_cmd_schema)
    s = sub.add_parser("cache", help="the persistent cache of symbolic work: where it is, or clear it")
    s.add_argument("action", choices=("info", "clear"))
    s.set_defaults(fn=_cmd_cache)
    s = sub.add_parser("report", help="Markdown, LaTeX (and PDF) report from a run's JSON")
    s.add_argument("--from", dest="source", default="reports/report.json", metavar="PATH",
                   help="report JSON (default reports/report.json, written by samverify run)")
    s.add_argument("--out", default="reports", metavar="DIR", help="output folder (default reports)")
    s.add_argument("--format", default="all", metavar="FORMATS",
                   help="comma-separated among md,json,tex,pdf,html, or 'all' (default)")
    s.set_defaults(fn=_cmd_report)
    s = sub.add_parser("bench", help="benchmarks of the simulators and exact-moment operators")
    s.add_argument("--json", metavar="PATH", help="write the samverify.bench/1 JSON here")
    s.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    s.add_argument("--no-scale", action="store_true",
                   help="skip the scale entries (parallel and cached catalogue runs, compiled kernels)")
    s.add_argument("--full-level", action="store_true", help="also time a --level full catalogue run (many minutes)")
    s.set_defaults(fn=_cmd_bench)
    from ._working_args import add_parser as _add_derivation

    _add_derivation(sub)
    return p


def _keep_hypothesis_out_of_the_working_directory() -> None:
    """Hypothesis keeps a folder of cached data (``.hypothesis/``) in the working directory by default:
    the command line puts it in samverify's cache folder instead."""
    from hypothesis.configuration import set_hypothesis_home_dir

    from ._cache import cache_dir

    set_hypothesis_home_dir(str(cache_dir() / "hypothesis"))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``samverify`` console script."""
    args = _parser().parse_args(argv)
    _keep_hypothesis_out_of_the_working_directory()
    if getattr(args, "no_cache", False):
        from ._cache import set_enabled

        set_enabled(False)
    from derivations import SamverifyError  # imported here: --help and --version stay fast

    try:
        return int(args.fn(args) or 0)
    except SamverifyError as exc:
        sys.stderr.write(f"samverify: error: {exc}\n")
        return 2
    except BrokenPipeError:  # piped into `head` and the like: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("samverify: interrupted; no partial report was written\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
