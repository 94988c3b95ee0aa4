"""Certified signs: enclose a closed form at an exact point with ball or interval arithmetic.

A counterexample whose two sides are closed forms is *certified* when a rigorous enclosure of
``claimed - actual`` (or of ``lhs - rhs`` of a violated relation) excludes the value the claim
needs. Balls come from python-flint's ``arb`` (optional extra ``certified``); without it,
``mpmath.iv`` intervals are used. Each SymPy node is evaluated by the backend's own rigorous
operation, so the enclosure is valid whatever the working precision; precision only makes it
tighter (it is raised until the sign is decided or :data:`MAX_BITS` is reached).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

__all__ = ["Enclosure", "enclose", "backend_name"]

MAX_BITS = 1024  # ~300 digits: enough to separate any violation the 100-digit check confirms


@dataclass(frozen=True)
class Enclosure:
    """A rigorous enclosure ``[lo, hi]`` of a real quantity (as decimal strings) and whether it excludes 0."""

    lo: str
    hi: str
    excludes_zero: bool
    sign: int  # +1 / -1 when certified, 0 otherwise
    backend: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"lo": self.lo, "hi": self.hi, "excludes_zero": self.excludes_zero, "backend": self.backend}


class _Unsupported(Exception):
    pass


def backend_name() -> str:
    """``"arb"`` when python-flint is installed, else ``"mpmath.iv"``."""
    try:
        import flint  # noqa: F401
    except ImportError:
        return "mpmath.iv"
    return "arb"


class _Arb:
    name = "arb"

    def __init__(self, bits: int) -> None:
        import flint

        self.flint = flint
        self.bits = bits

    @contextlib.contextmanager
    def precision(self) -> Iterator[None]:
        """Work at ``bits`` bits inside the block (python-flint's precision is a global setting)."""
        old = self.flint.ctx.prec
        self.flint.ctx.prec = self.bits
        try:
            yield
        finally:
            self.flint.ctx.prec = old

    def const(self, r: sp.Rational):
        return self.flint.arb(self.flint.fmpq(int(r.p), int(r.q)))

    def pi(self):
        return self.flint.arb.pi()

    def E(self):
        return self.flint.arb(1).exp()

    def fn(self, name: str, x):
        if name == "exp":
            return x.exp()
        if name == "log":
            return x.log()
        if name == "sqrt":
            return x.sqrt()
        if name == "abs":
            return abs(x)
        raise _Unsupported(name)

    def bounds(self, x) -> tuple[str, str, bool, int]:
        if not x.is_finite():
            return "-inf", "inf", False, 0
        lo, hi = x.lower(), x.upper()
        sign = 1 if lo > 0 else (-1 if hi < 0 else 0)
        return lo.str(20, radius=False), hi.str(20, radius=False), sign != 0, sign


class _IV:
    name = "mpmath.iv"

    def __init__(self, bits: int) -> None:
        import mpmath

        self.iv = mpmath.iv
        self.bits = bits

    @contextlib.contextmanager
    def precision(self) -> Iterator[None]:
        """Work at ``bits`` bits inside the block (mpmath.iv has no workprec: scoped by hand)."""
        old = self.iv.prec
        self.iv.prec = self.bits
        try:
            yield
        finally:
            self.iv.prec = old

    def const(self, r: sp.Rational):
        return self.iv.mpf(int(r.p)) / self.iv.mpf(int(r.q))

    def pi(self):
        return self.iv.pi

    def E(self):
        return self.iv.exp(1)

    def fn(self, name: str, x):
        if name in ("exp", "log", "sqrt"):
            return getattr(self.iv, name)(x)
        if name == "abs":
            return abs(x)
        raise _Unsupported(name)

    def bounds(self, x) -> tuple[str, str, bool, int]:
        import mpmath

        lo, hi = (mpmath.mpf(v) for v in x._mpi_)  # raw endpoints (x.a is a degenerate interval)
        if not (mpmath.isfinite(lo) and mpmath.isfinite(hi)):
            return str(lo), str(hi), False, 0
        sign = 1 if lo > 0 else (-1 if hi < 0 else 0)
        return mpmath.nstr(lo, 20), mpmath.nstr(hi, 20), sign != 0, sign


def _eval(e: sp.Expr, env: Mapping[sp.Symbol, Any], B: Any) -> Any:
    if e.is_Rational:
        return B.const(sp.Rational(e))
    if e.is_Symbol:
        return env[e]
    if e is sp.pi:
        return B.pi()
    if e is sp.E:
        return B.E()
    if isinstance(e, sp.Add):
        out = _eval(e.args[0], env, B)
        for a in e.args[1:]:
            out = out + _eval(a, env, B)
        return out
    if isinstance(e, sp.Mul):
        out = _eval(e.args[0], env, B)
        for a in e.args[1:]:
            out = out * _eval(a, env, B)
        return out
    if isinstance(e, sp.Pow):
        base, ex = e.args
        if ex.is_Integer:
            b = _eval(base, env, B)
            n = int(ex)
            out = B.const(sp.Integer(1))
            for _ in range(abs(n)):
                out = out * b
            return out if n >= 0 else B.const(sp.Integer(1)) / out
        if ex == sp.Rational(1, 2):
            return B.fn("sqrt", _eval(base, env, B))
        return B.fn("exp", _eval(ex, env, B) * B.fn("log", _eval(base, env, B)))
    if isinstance(e, sp.exp):
        return B.fn("exp", _eval(e.args[0], env, B))
    if isinstance(e, sp.log) and len(e.args) == 1:
        return B.fn("log", _eval(e.args[0], env, B))
    if isinstance(e, sp.Abs):
        return B.fn("abs", _eval(e.args[0], env, B))
    raise _Unsupported(type(e).__name__)


def enclose(expr: sp.Expr, point: Mapping[sp.Symbol, sp.Expr]) -> Enclosure | None:
    """A rigorous enclosure of ``expr`` at the exact rational ``point``; None if it cannot be enclosed.

    Precision doubles from 64 bits until the enclosure excludes 0 or reaches :data:`MAX_BITS`;
    ``None`` means an operation has no rigorous counterpart here (a Piecewise, a special function).
    """
    expr = sp.sympify(expr)
    if expr.free_symbols - set(point):
        return None
    bits = 64
    last = None
    while bits <= MAX_BITS:
        B = _Arb(bits) if backend_name() == "arb" else _IV(bits)
        try:
            with B.precision():
                env = {s: B.const(sp.Rational(v)) for s, v in point.items()}
                lo, hi, ok, sign = B.bounds(_eval(expr, env, B))
        except (_Unsupported, ZeroDivisionError, ValueError, TypeError):
            return None
        last = Enclosure(lo, hi, ok, sign, B.name)
        if ok:
            return last
        bits *= 2
    return last
