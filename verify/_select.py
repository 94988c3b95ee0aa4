"""Choosing claims on the command line: ids, ``-k`` keyword expressions, and claims in user modules.

``-k`` follows pytest: words are matched as substrings of the claim id, combined with ``and``,
``or``, ``not`` and parentheses (``-k "thm2 and not cor1"``). A target ``path/to/claims.py`` loads
that file and takes every module-level :class:`~derivations.Claim` (and the entries of a list named
``samverify_claims``); ``path/to/claims.py::name`` takes the one named ``name``.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from derivations import Claim, catalog, get_claim
from derivations._validate import fail

__all__ = ["keyword_matcher", "load_claims_from_file", "select_claims"]

_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z0-9_.\-\[\]]+)")


def keyword_matcher(expr: str):
    """A predicate on claim ids for a pytest-style ``-k`` expression (raises InvalidParameter if malformed)."""
    tokens: list[str] = []
    pos = 0
    text = expr.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise fail("-k", expr, f"words joined by and/or/not with parentheses (cannot read from column {pos + 1})")
        tokens.append(m.group(1))
        pos = m.end()
    if not tokens:
        raise fail("-k", expr, "a non-empty expression")

    def parse(i: int):
        def atom(i: int):
            if i >= len(tokens):
                raise fail("-k", expr, "a complete expression (it ends early)")
            t = tokens[i]
            if t == "not":
                f, j = atom(i + 1)
                return (lambda s, f=f: not f(s)), j
            if t == "(":
                f, j = parse(i + 1)
                if j >= len(tokens) or tokens[j] != ")":
                    raise fail("-k", expr, "balanced parentheses")
                return f, j + 1
            if t in ("and", "or", ")"):
                raise fail("-k", expr, f"a word where {t!r} stands")
            return (lambda s, t=t: t in s), i + 1

        def conj(i: int):
            f, i = atom(i)
            while i < len(tokens) and tokens[i] == "and":
                g, i = atom(i + 1)
                f = (lambda s, f=f, g=g: f(s) and g(s))
            return f, i

        f, i = conj(i)
        while i < len(tokens) and tokens[i] == "or":
            g, i = conj(i + 1)
            f = (lambda s, f=f, g=g: f(s) or g(s))
        return f, i

    pred, end = parse(0)
    if end != len(tokens):
        raise fail("-k", expr, f"a single expression (unexpected {tokens[end]!r})")
    return pred


def load_claims_from_file(target: str) -> list[Claim]:
    """The claims declared in ``path.py`` (or the one named by ``path.py::name``)."""
    path_text, _, name = target.partition("::")
    path = Path(path_text)
    if not path.is_file():
        raise fail("target", target, "a claim id or an existing Python file path.py[::name]")
    mod_name = f"_samverify_user_{abs(hash(path.resolve()))}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise fail("target", target, "a Python file samverify can import")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise fail("target", target, f"a module that imports cleanly ({type(exc).__name__}: {exc})") from exc
    found: dict[str, Claim] = {}
    for var, obj in vars(module).items():
        values = obj if var == "samverify_claims" and isinstance(obj, (list, tuple)) else [obj]
        for v in values:
            v = getattr(v, "values", (v,))[0] if hasattr(v, "marks") else v  # pytest.param(claim, ...)
            if isinstance(v, Claim):
                found.setdefault(var if var != "samverify_claims" else v.id, v)
    if name:
        if name not in found:
            raise fail("target", target, f"the name of a claim in {path_text} ({', '.join(found) or 'none found'})")
        return [found[name]]
    if not found:
        raise fail("target", target, "a module that declares at least one Claim")
    return list(found.values())


def select_claims(targets: Sequence[str], *, keyword: str | None = None, prefix: str | None = None) -> list[Claim]:
    """Claims named by ids or files in ``targets`` (default: the whole catalogue), filtered by ``-k``."""
    claims: list[Claim] = []
    if targets:
        for t in targets:
            claims += load_claims_from_file(t) if (t.endswith(".py") or ".py::" in t) else [get_claim(t)]
    else:
        claims = list(catalog())
    if prefix is not None:
        claims = [c for c in claims if c.id.startswith(prefix)]
    if keyword is not None:
        match = keyword_matcher(keyword)
        claims = [c for c in claims if match(c.id)]
    if not claims:
        raise fail("-k" if keyword else "targets", keyword or list(targets), "a selection of at least one claim")
    seen: dict[str, Claim] = {}
    for c in claims:
        seen.setdefault(c.id, c)
    return list(seen.values())
