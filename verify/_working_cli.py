"""``samverify derivation``: check a working from a ``.tex`` file or the catalogue, step by step.

::

    samverify derivation FILE.tex --param "t>0" --param "rho>=0" --variable t --format json
    samverify derivation kim2023.working.cor1 --format tex --output cor1.tex

Parameters are declared as ``NAME``, ``NAME>0``, ``NAME>=0``, ``NAME<0``, ``NAME<=0``, ``NAME!=0``,
``a<NAME<b`` (any of ``< <= > >= !=`` with rational bounds), optionally followed by ``integer``;
LaTeX spellings (``\\lambda_{j}``) name the same symbol as ``lambda_j``. Bad input exits with
status 2 and a one-line message (raised as :class:`derivations.SamverifyError`).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sympy as sp

from derivations import Parameter, SamverifyError
from derivations._validate import fail

__all__ = ["cmd_derivation", "list_workings", "parse_param", "parse_scaling"]

_NUM = r"[-+]?\d+(?:\.\d+)?(?:/\d+)?"
_NAME = r"\\?[A-Za-z][A-Za-z0-9_{}\\]*"
_OPS = ("<=", ">=", "!=", "<", ">")
_PARAM = re.compile(rf"^\s*(?:(?P<lo>{_NUM})\s*(?P<lop><=|<)\s*)?(?P<name>{_NAME})\s*"
                    rf"(?:(?P<op><=|>=|!=|<|>)\s*(?P<val>{_NUM}))?\s*(?P<int>integer|int)?\s*$")


def _clean(name: str) -> str:
    return name.replace("\\", "").replace("{", "").replace("}", "")


def parse_param(text: str) -> Parameter:
    """A parameter from a declaration such as ``"t>0"``, ``"0<=gamma<1"`` or ``"B>=1 integer"``."""
    m = _PARAM.match(text or "")
    if not m:
        raise fail("--param", text, 'a declaration such as "t>0", "rho>=0", "0<gamma<1", "x" or "B>=1 integer"')
    name = _clean(m.group("name"))
    integer = bool(m.group("int"))
    S: sp.Set = sp.Integers if integer else sp.Reals
    if m.group("lo"):
        lo = sp.Rational(m.group("lo"))
        S = S.intersect(sp.Interval(lo, sp.oo, left_open=m.group("lop") == "<"))
    if m.group("op"):
        v, op = sp.Rational(m.group("val")), m.group("op")
        bound = {"<": sp.Interval.open(-sp.oo, v), "<=": sp.Interval(-sp.oo, v), ">": sp.Interval.open(v, sp.oo),
                 ">=": sp.Interval(v, sp.oo), "!=": sp.Complement(sp.Reals, sp.FiniteSet(v))}[op]
        S = S.intersect(bound)
    if integer:
        lo = sp.ceiling(S.inf) if S.inf.is_finite else -sp.oo
        hi = sp.floor(S.sup) + 1 if S.sup.is_finite else sp.oo
        S = sp.Range(lo, hi)
    if S.is_empty:
        raise fail("--param", text, "a non-empty domain")
    # the symbol's assumptions follow its domain, so SymPy can use the sign in proofs
    assumptions: dict[str, bool] = {"real": True}
    for interval, key in ((sp.Interval.open(0, sp.oo), "positive"), (sp.Interval(0, sp.oo), "nonnegative"),
                          (sp.Interval.open(-sp.oo, 0), "negative"), (sp.Interval(-sp.oo, 0), "nonpositive")):
        if S.is_subset(interval):
            assumptions = {key: True}
            break
    else:
        if S.contains(0) == sp.false:
            assumptions["nonzero"] = True
    if integer:
        assumptions["integer"] = True
    sym = sp.Symbol(name, **assumptions)
    return Parameter(sym, S, name)


def parse_scaling(text: str, symbols: dict[str, sp.Symbol]) -> Any:
    """A :class:`derivations.Scaling` from ``"t=1,lambda_j=-1,rho=1"`` (optionally ``"name: ..."``)."""
    from derivations import Scaling

    name, _, body = text.rpartition(":") if ":" in text else ("scaling", "", text)
    exps: dict[sp.Symbol, sp.Rational] = {}
    for piece in filter(None, (p.strip() for p in body.split(","))):
        k, eq, v = piece.partition("=")
        key = _clean(k.strip())
        if not eq or key not in symbols:
            raise fail("--scaling", text, "'name=exponent' pairs over declared parameters, e.g. 't=1,lambda_j=-1'",
                       f"{piece!r} is not one" + (f"; declared: {', '.join(symbols)}" if eq else ""))
        try:
            exps[symbols[key]] = sp.Rational(v.strip())
        except (TypeError, ValueError):
            raise fail("--scaling", text, "rational exponents", f"{v.strip()!r} is not one") from None
    return Scaling(exps, name=name.strip() or "scaling")


def _working_id(path: Path) -> str:
    stem = re.sub(r"[^a-z0-9_]+", "_", path.stem.lower()).strip("_") or "working"
    if not stem[0].isalpha():
        stem = "w_" + stem
    return f"user.working.{stem}"


def _from_file(args: argparse.Namespace, path: Path) -> Any:
    from derivations._working_latex import working_from_latex

    params = [parse_param(p) for p in args.param]
    if not params:
        raise fail("--param", None, "given at least once for a .tex file (declare every symbol, e.g. --param 't>0')")
    by_name = {p.name: p.symbol for p in params}
    if len(by_name) != len(params):
        raise fail("--param", args.param, "free of duplicate names")
    where: Any = sp.true
    if args.where:
        try:
            where = sp.sympify(args.where, locals=dict(by_name))
        except (sp.SympifyError, SyntaxError, TypeError) as exc:
            raise fail("--where", args.where, "a SymPy condition over the parameters", str(exc).splitlines()[0]) from None
        unknown = sorted(s.name for s in getattr(where, "free_symbols", set()) if s not in by_name.values())
        if unknown or not isinstance(where, sp.logic.boolalg.Boolean):
            raise fail("--where", args.where, "a condition over the declared parameters",
                       f"undeclared: {', '.join(unknown)}" if unknown else "not a condition")
    variable = None
    if args.variable:
        key = _clean(args.variable)
        if key not in by_name:
            raise fail("--variable", args.variable, "one of the declared parameters " + ", ".join(by_name))
        variable = by_name[key]
    try:
        point = sp.Rational(args.point)
    except (TypeError, ValueError):
        raise fail("--point", args.point, "a rational number") from None
    scaling = tuple(parse_scaling(s, by_name) for s in args.scaling)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail("FILE", str(path), "a readable UTF-8 .tex file", str(exc)) from None
    return working_from_latex(text, id=args.id or _working_id(path), parameters=params, where=where,
                              variable=variable, point=point, scaling=scaling, source_name=str(path),
                              title=path.name)


def cmd_derivation(args: argparse.Namespace) -> int:
    """Run ``samverify derivation``: check, render, print or write."""
    from derivations._working import get_working

    from ._working import check_working
    from ._working_output import render

    path = Path(args.source)
    if path.is_file():
        working = _from_file(args, path)
    elif path.suffix in (".tex", ".ltx") or "/" in args.source:
        raise fail("FILE", args.source, "an existing .tex file or a working id (file not found)")
    else:
        given = [flag for flag, v in (("--param", args.param), ("--where", args.where), ("--variable", args.variable),
                                      ("--scaling", args.scaling)) if v]
        if given:
            raise fail(given[0], getattr(args, given[0].lstrip("-")), "used with a .tex file only",
                       f"{args.source!r} is a catalogue working with its own parameters")
        working = get_working(args.source)
    result = check_working(working, level=args.level, rng=args.seed)
    text = render(result, args.format)
    if args.output:
        out = Path(args.output)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise SamverifyError(f"--output={args.output!r} could not be written: {exc}") from None
        print(f"{working.id}: {result.verdict}"
              + (f", first wrong step {result.first_failure}" if result.first_failure is not None else "")
              + f"; wrote {out}")
    else:
        print(text, end="")
    return 0


def list_workings(table: Callable[..., None]) -> None:
    """Print the catalogue's workings (ids ``paper.working.name``) with ``table``."""
    from derivations._working import working_catalogue

    rows: Sequence[tuple[str, ...]] = [
        (w.id, w.title, "" if w.source is None else f"arXiv:{w.source.arxiv} {w.source.locator}", str(len(w.lines)))
        for w in working_catalogue()]
    table("samverify workings (samverify derivation ID)", ("id", "title", "source", "lines"), rows)
