"""Your own claims: parameters with domains, models given by drift/diffusion or update rules, scalings.

A researcher states a claim over symbols with domains (:func:`user_claim`, :func:`claim_from_latex`),
attaches it to models, and checks it with :func:`verify.check` exactly like a catalogue claim.
Models are SymPy derivations, never typed-in answers:

* :func:`sde_model` — a linear SDE ``dw = f(w) dt + G dW`` given by its drift ``f`` (affine in ``w``)
  and diffusion ``G``; means from the mean ODE, covariances from the moment (Lyapunov) ODE, and the
  stationary law as its ``t -> oo`` limit;
* :func:`discrete_model` — a linear stochastic recursion ``w' = F(w, xi)`` (affine in ``w``, at most
  linear in the zero-mean, independent noises ``xi``, multiplicative noise allowed); the exact
  first- and second-moment recursion is obtained by expanding ``F`` and taking expectations
  monomial by monomial, then iterated (``k`` steps) or solved for its fixed point;
* :func:`sgd_model`, :func:`sam_model`, :func:`heavy_ball_model` — the discrete algorithms built from
  a stochastic gradient oracle ``G(w, xi)`` (a per-sample gradient), and
  :meth:`DiscreteModel.sde` — the first-order SDE read off such an update by differentiation.

A model's :meth:`Model.reading` binds placeholders of the claim (a SymPy symbol such as ``V_infty``,
or an undefined function such as ``Var(t)``) to a quantity the model derives (``"stationary_variance"``,
``"variance"``, ...). A :class:`Scaling` declares a scaling symmetry of the parameters (a change of
time or length units); ``verify`` checks that both sides of a claim transform alike under it.

Pure SymPy: never import numpy here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, Union

import sympy as sp
from sympy.core.function import UndefinedFunction

from ._claim import Claim, Derivation, Parameter, Reading, Source
from ._errors import LatexParseError
from ._statements import AllOf, Asymptotic, Bounded, Equation, Holds, Implication, Statement
from ._symbols import t as _t
from ._validate import fail

__all__ = [
    "UserSource",
    "Scaling",
    "Model",
    "ModelReading",
    "SDEModel",
    "DiscreteModel",
    "default_domain",
    "as_parameters",
    "user_claim",
    "claim_from_latex",
    "sde_model",
    "discrete_model",
    "sgd_model",
    "sam_model",
    "heavy_ball_model",
    "kim_sde_model",
    "minibatch_sgd_model",
    "batch_weight_covariance",
    "step_symbol",
]

#: The step counter of discrete models (``k`` steps from the initial state).
step_symbol = sp.Symbol("k", integer=True, nonnegative=True)

Placeholder = Union[sp.Symbol, UndefinedFunction]
Quantity = Union[str, Callable[["Model"], sp.Expr]]


# --------------------------------------------------------------------------------------------------
# Sources, parameters, scalings
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserSource(Source):
    """Where a user's own claim comes from: free text, with an arXiv id only when there is one."""

    paper: str = "user claim"
    arxiv: str = ""
    locator: str = ""

    def __post_init__(self) -> None:
        if self.arxiv:  # a given arXiv id must still be well formed
            super().__post_init__()


def default_domain(symbol: sp.Symbol) -> sp.Set:
    """The largest domain a symbol's assumptions allow (``positive=True`` gives ``(0, oo)``, ...)."""
    if symbol.is_integer:
        if symbol.is_positive:
            return sp.Range(1, sp.oo)
        if symbol.is_nonnegative:
            return sp.Range(0, sp.oo)
        if symbol.is_negative:
            return sp.Range(-sp.oo, 0)
        return sp.Integers
    if symbol.is_positive:
        return sp.Interval.open(0, sp.oo)
    if symbol.is_nonnegative:
        return sp.Interval(0, sp.oo)
    if symbol.is_negative:
        return sp.Interval.open(-sp.oo, 0)
    if symbol.is_nonpositive:
        return sp.Interval(-sp.oo, 0)
    if symbol.is_nonzero and symbol.is_real:
        return sp.Union(sp.Interval.open(-sp.oo, 0), sp.Interval.open(0, sp.oo))
    return sp.Reals


def _parameter(symbol: Any, spec: Any) -> Parameter:
    if isinstance(spec, Parameter):
        return spec
    if not isinstance(symbol, sp.Symbol):
        raise fail("parameters", symbol, "keyed by SymPy Symbols", "e.g. {eta: 'learning rate'}")
    domain, description = None, symbol.name
    if isinstance(spec, str):
        description = spec
    elif isinstance(spec, sp.Set):
        domain = spec
    elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], sp.Set) and isinstance(spec[1], str):
        domain, description = spec
    elif spec is not None:
        raise fail(f"parameters[{symbol.name}]", spec, "a description, a SymPy Set, a (Set, description) pair or a Parameter")
    allowed = default_domain(symbol)
    if domain is None:
        domain = allowed
    elif domain.is_subset(allowed) is False:
        raise fail(f"parameters[{symbol.name}]", domain,
                   f"inside {allowed}, the values {symbol.name}'s assumptions {_assumptions(symbol)} allow",
                   "give the symbol matching assumptions or narrow the domain")
    if symbol.is_integer is not True and domain.is_subset(sp.Integers) is True:
        # integer domains need integer symbols, or SymPy proofs would quantify over the reals
        raise fail(f"parameters[{symbol.name}]", domain, f"given with an integer symbol",
                   f"declare sp.Symbol({symbol.name!r}, integer=True, positive=True)")
    return Parameter(symbol, domain, description)


def _assumptions(symbol: sp.Symbol) -> str:
    keys = ("integer", "positive", "nonnegative", "negative", "nonpositive", "nonzero", "real")
    on = [k for k in keys if symbol.assumptions0.get(k)]
    return "(" + ", ".join(f"{k}=True" for k in on) + ")" if on else "(none)"


def as_parameters(spec: Any) -> tuple[Parameter, ...]:
    """Parameters from a sequence of Symbols/Parameters or a mapping ``{symbol: description | Set | (Set, text)}``.

    A missing domain is the largest one the symbol's assumptions allow (:func:`default_domain`); a
    given domain must lie inside it (an integer domain needs ``integer=True``).
    """
    if isinstance(spec, Mapping):
        out = tuple(_parameter(s, v) for s, v in spec.items())
    elif isinstance(spec, Iterable) and not isinstance(spec, (str, sp.Basic)):
        out = tuple(p if isinstance(p, Parameter) else _parameter(p, None) for p in spec)
    else:
        raise fail("parameters", spec, "a mapping {symbol: description} or a sequence of Symbols/Parameters")
    if not out:
        raise fail("parameters", spec, "non-empty")
    names = [p.name for p in out]
    if len(set(names)) != len(names):
        raise fail("parameters", names, "free of duplicate names")
    return out


def _as_symbols(name: str, value: Any) -> tuple[sp.Symbol, ...]:
    vals = tuple(value) if isinstance(value, (list, tuple, sp.MatrixBase)) else (value,)
    if not vals or not all(isinstance(v, sp.Symbol) for v in vals):
        raise fail(name, value, "a SymPy Symbol or a sequence of Symbols")
    return vals


@dataclass(frozen=True)
class Scaling:
    """A scaling symmetry of the parameters: ``x -> c**e_x * x`` for every ``c > 0``.

    ``exponents`` maps each scaled symbol to its exponent ``e_x`` (a rational); unlisted symbols do
    not scale. Example, a change of time units for ``dw = -h w dt + sqrt(eta) s dW``:
    ``Scaling({h: -1, eta: -1, t: 1}, name="time units")``. ``verify`` checks that both sides of a
    claim scale with the same power of ``c`` and reports the exponent mismatch when they do not.
    """

    exponents: Mapping[sp.Symbol, Any]
    name: str = "scaling"
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.exponents, Mapping) or not self.exponents:
            raise fail("exponents", self.exponents, "a non-empty mapping {symbol: exponent}")
        clean: dict[sp.Symbol, sp.Rational] = {}
        for s, e in self.exponents.items():
            if not isinstance(s, sp.Symbol):
                raise fail("exponents", s, "keyed by SymPy Symbols")
            r = sp.nsimplify(e)
            if not r.is_Rational:
                raise fail(f"exponents[{s.name}]", e, "a rational number")
            clean[s] = r
        object.__setattr__(self, "exponents", clean)

    def transform(self, expr: sp.Expr, c: sp.Expr) -> sp.Expr:
        """``expr`` with every scaled symbol ``x`` replaced by ``c**e_x * x``."""
        return sp.sympify(expr).xreplace({s: c**e * s for s, e in self.exponents.items()})

    def exponent(self, expr: sp.Expr) -> sp.Rational | None:
        """The power ``k`` with ``expr(scaled) = c**k * expr``, or None when ``expr`` is not homogeneous."""
        expr = sp.sympify(expr)
        if expr == 0 or expr.has(sp.Piecewise):
            return None
        c = sp.Dummy("c", positive=True)
        ratio = sp.simplify(sp.powsimp(self.transform(expr, c) / expr, force=True))
        if ratio.free_symbols - {c}:
            return None
        k = sp.simplify(sp.expand_log(sp.log(ratio), force=True) / sp.log(c))
        return k if k.is_Rational else None

    def text(self) -> str:
        """The scaling as text, e.g. ``time units: h -> c^-1 h, t -> c t``."""
        parts = [f"{s} -> {'c' if e == 1 else f'c^{e}'} {s}" for s, e in self.exponents.items() if e != 0]
        return f"{self.name}: " + ", ".join(parts)


# --------------------------------------------------------------------------------------------------
# Models and their readings
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelReading(Reading):
    """A reading built from a :class:`Model`: which placeholders it binds, and to what."""

    placeholders: tuple[sp.Basic, ...] = ()
    model: Any = None
    needs: tuple[sp.Symbol, ...] = ()  # symbols the bound values bring in (the time of a Symbol placeholder)


def _rel_normal(rel: sp.Rel) -> tuple[sp.Expr, str] | None:
    """``rel`` as ``g < 0`` or ``g <= 0`` with positive factors of ``g`` dropped (None if not a <, <=, >, >=)."""
    if not isinstance(rel, sp.core.relational.Relational) or rel.rel_op not in ("<", "<=", ">", ">="):
        return None
    g = rel.lhs - rel.rhs if rel.rel_op in ("<", "<=") else rel.rhs - rel.lhs
    op = "<" if rel.rel_op in ("<", ">") else "<="
    num, den = sp.fraction(sp.together(g))
    keep = sp.Integer(1)
    sign = sp.Integer(1)
    for part in (num, den):  # sign(num / den) = sign(num * den)
        try:
            coeff, factors = sp.factor_list(part)
        except sp.PolynomialError:
            coeff, factors = sp.Integer(1), [(part, 1)]
        sign *= sp.sign(coeff)
        for f, m in factors:
            fm = f**m
            if fm.is_positive:
                continue
            if fm.is_negative:
                sign = -sign
                continue
            keep *= fm
    if sign == 0:
        return None
    return sp.expand(sign * keep), op


def _conjuncts(c: sp.Basic) -> list[sp.Basic]:
    return list(c.args) if isinstance(c, sp.And) else [c]


def _implied(cond: sp.Basic, where: sp.Basic) -> bool:
    """Whether every conjunct of ``cond`` appears among ``where``'s conjuncts (up to positive factors)."""
    if cond == sp.true:
        return True
    have = [n for n in (_rel_normal(w) for w in _conjuncts(where)) if n is not None]
    for c in _conjuncts(cond):
        nc = _rel_normal(c)
        if nc is None:
            return False
        g, op = nc
        if not any(sp.expand(g - hg) == 0 and (op == "<=" or hop == "<") for hg, hop in have):
            return False
    return True


def _resolve_piecewise(expr: sp.Basic, where: sp.Basic) -> sp.Basic:
    """Replace ``Piecewise((value, cond), ...)`` by ``value`` where the claim's ``where`` implies ``cond``."""
    def repl(pw: sp.Piecewise) -> sp.Basic:
        value, cond = pw.args[0]
        return value if _implied(cond, where) else pw

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), repl)


def _stability_condition(diagonal: Iterable[sp.Expr], *, continuous: bool) -> sp.Basic:
    """``And`` of per-mode conditions: ``a > 0`` (continuous time) or ``|mu| < 1`` (discrete), normalised."""
    conds: list[sp.Basic] = []
    for d in diagonal:
        if continuous:
            raw = [sp.Gt(d, 0)]
        elif d.is_nonnegative:
            raw = [sp.Lt(d, 1)]
        else:
            raw = [sp.Lt(d, 1), sp.Gt(d, -1)]
        for r in raw:
            if r == sp.true:
                continue
            if r == sp.false:
                return sp.false
            n = _rel_normal(r)
            if n is None:
                rel = r
            else:
                # g < 0 printed as "terms < constant" (eta*h < 2 rather than eta*h - 2 < 0)
                const, rest = n[0].as_independent(*n[0].free_symbols, as_Add=True)
                rel = (sp.Lt if n[1] == "<" else sp.Le)(rest, -const)
            if rel == sp.false:
                return sp.false
            if rel != sp.true and rel not in conds:
                conds.append(rel)
    return sp.And(*conds)


def _tidy(expr: sp.Expr) -> sp.Expr:
    """``expr`` factored, with a leading minus absorbed into one factor of the denominator (for printing)."""
    e = sp.factor(expr)
    n, d = sp.fraction(e)
    adds = [f for f in sp.Mul.make_args(d) if isinstance(f, sp.Add)]
    if n.could_extract_minus_sign() and len(adds) == 1:
        return -n / sp.Mul(*[-f if f is adds[0] else f for f in sp.Mul.make_args(d)])
    return e


def _guarded(value: sp.Expr, cond: sp.Basic, *, diverges: bool) -> sp.Expr:
    """``value`` where the dynamics are stable (``cond``), ``oo`` (or ``nan`` without noise) elsewhere."""
    value = _tidy(value)
    if cond == sp.true:
        return value
    if cond == sp.false:
        return sp.oo if diverges else sp.nan
    return sp.Piecewise((value, cond), (sp.oo if diverges else sp.nan, True))


class Model:
    """Base class of user models: derived quantities by name, readings that bind them to placeholders.

    Subclasses define :attr:`QUANTITIES` (name -> what it is), :attr:`time` (the symbol a
    time-dependent quantity depends on) and :meth:`quantity`.
    """

    name: str
    description: str
    state: tuple[sp.Symbol, ...]
    scalings: tuple[Scaling, ...]
    QUANTITIES: ClassVar[dict[str, str]] = {}
    TIME_DEPENDENT: ClassVar[frozenset[str]] = frozenset()

    @property
    def time(self) -> sp.Symbol:  # pragma: no cover - abstract
        """The symbol time-dependent quantities depend on."""
        raise NotImplementedError

    def quantity(self, name: str, *, component: int = 0) -> sp.Expr:  # pragma: no cover - abstract
        """The derived quantity ``name`` for state component ``component``."""
        raise NotImplementedError

    def steps(self, quantity: str, component: int = 0) -> tuple[tuple[str, sp.Basic], ...]:
        """The derivation steps behind ``quantity`` (printed in reports)."""
        return ()

    def _check_quantity(self, name: str, component: int) -> None:
        if name not in self.QUANTITIES:
            raise fail("quantity", name, "one of " + ", ".join(repr(q) for q in self.QUANTITIES),
                       f"or a function model -> expression; {type(self).__name__} {self.name!r}")
        if not (isinstance(component, int) and 0 <= component < len(self.state)):
            raise fail("component", component, f"an index in [0, {len(self.state) - 1}] of the state {self.state}")

    def reading(
        self,
        bindings: Mapping[Placeholder, Quantity],
        *,
        name: str | None = None,
        description: str | None = None,
        component: int = 0,
    ) -> ModelReading:
        """A reading of a claim under this model: each placeholder gets the quantity the model derives.

        ``bindings`` maps a placeholder (a Symbol such as ``V_infty``, or an undefined function such
        as ``Var`` used as ``Var(t)``) to a quantity name (``"stationary_variance"``, ``"variance"``,
        ... see ``QUANTITIES``) or to a function ``model -> expression``. A time-dependent quantity
        bound to a Symbol depends on :attr:`time`; bound to a function, its argument is the time.
        """
        if not isinstance(bindings, Mapping) or not bindings:
            raise fail("bindings", bindings, "a non-empty mapping {placeholder: quantity}",
                       "e.g. {V: 'stationary_variance'}")
        for ph, q in bindings.items():
            if not isinstance(ph, (sp.Symbol, UndefinedFunction)):
                raise fail("bindings", ph, "keyed by placeholders: SymPy Symbols or undefined functions (sp.Function('V'))")
            if isinstance(q, str):
                self._check_quantity(q, component)
            elif not callable(q):
                raise fail(f"bindings[{ph}]", q, "a quantity name or a function model -> expression")
        frozen = dict(bindings)

        def derive() -> Derivation:
            out: dict[sp.Basic, sp.Basic] = {}
            steps: list[tuple[str, sp.Basic]] = []
            for ph, q in frozen.items():
                expr = self.quantity(q, component=component) if isinstance(q, str) else sp.sympify(q(self))
                if isinstance(q, str):
                    steps += [s for s in self.steps(q, component) if s not in steps]
                if isinstance(ph, UndefinedFunction):
                    if isinstance(q, str) and q in self.TIME_DEPENDENT:
                        x = sp.Dummy(self.time.name)
                        out[ph] = sp.Lambda((x,), expr.xreplace({self.time: x}))
                    else:
                        out[ph] = sp.Lambda((sp.Dummy("x"),), expr)
                else:
                    out[ph] = expr
                    label = q if isinstance(q, str) else "user quantity"
                    steps.append((f"{ph} := {label}", sp.Eq(ph, expr)))
            return Derivation(bindings=out, steps=tuple(steps), model=self, note=self.description)

        what = ", ".join(f"{ph} = {q if isinstance(q, str) else 'f(model)'}" for ph, q in frozen.items())
        timed = any(isinstance(ph, sp.Symbol) and q in self.TIME_DEPENDENT for ph, q in frozen.items())
        return ModelReading(
            name or self.name,
            description or f"{self.description} ({what})",
            derive,
            placeholders=tuple(frozen),
            model=self,
            needs=(self.time,) if timed else (),
        )


def _vector(name: str, value: Any, d: int | None = None) -> sp.Matrix:
    if isinstance(value, sp.MatrixBase):
        m = sp.Matrix(value)
        if m.cols != 1:
            m = m.reshape(m.rows * m.cols, 1) if m.rows == 1 else m
    elif isinstance(value, (list, tuple)):
        m = sp.Matrix([sp.sympify(v) for v in value])
    else:
        m = sp.Matrix([sp.sympify(value)])
    if d is not None and m.shape != (d, 1):
        raise fail(name, value, f"{d} expression(s), one per state component")
    return m


def _check_free_of(name: str, expr: Any, symbols: Iterable[sp.Symbol], why: str) -> None:
    free = expr.free_symbols if isinstance(expr, sp.MatrixBase) else sp.sympify(expr).free_symbols
    bad = free & set(symbols)
    if bad:
        raise fail(name, expr, f"free of {sorted(map(str, bad))}", why)


@dataclass(frozen=True, eq=False)
class SDEModel(Model):
    """A linear SDE ``dw = f(w) dt + G dW`` (``f`` affine in ``w``, ``G`` constant), ``w(0) = init``.

    Derived, never typed in: ``A = -df/dw``, ``b = f(0)``, ``Q = G G^T``; the mean solves
    ``m' = -A m + b`` and the covariance the moment (Lyapunov) ODE ``S' = -A S - S A^T + Q``,
    ``S(0) = 0`` (``dsolve``; diagonal ``A`` and ``Q``); stationary values are the ``t -> oo``
    limits (for diagonal dynamics) or the solution of ``A S + S A^T = Q``, and exist where every
    mode is stable (``A_jj > 0``; elsewhere the variance diverges and the quantity is ``oo``).
    """

    name: str
    description: str
    state: tuple[sp.Symbol, ...]
    drift: sp.Matrix
    diffusion: sp.Matrix
    time_symbol: sp.Symbol = _t
    init: sp.Matrix | None = None
    scalings: tuple[Scaling, ...] = ()

    QUANTITIES: ClassVar[dict[str, str]] = {
        "mean": "E w(t)",
        "variance": "Var w(t) from w(0) = init (the Lyapunov ODE's solution)",
        "second_moment": "E w(t)^2",
        "stationary_mean": "lim E w(t) as t -> oo",
        "stationary_variance": "lim Var w(t) as t -> oo",
        "stationary_second_moment": "lim E w(t)^2 as t -> oo",
    }
    TIME_DEPENDENT: ClassVar[frozenset[str]] = frozenset({"mean", "variance", "second_moment"})

    @property
    def time(self) -> sp.Symbol:
        """The SDE time symbol."""
        return self.time_symbol

    @cached_property
    def A(self) -> sp.Matrix:
        """The drift matrix ``A = -df/dw``."""
        return sp.simplify(-self.drift.jacobian(sp.Matrix(self.state)))

    @cached_property
    def b(self) -> sp.Matrix:
        """The constant part of the drift, ``f(0)``."""
        return sp.simplify(self.drift.subs({s: 0 for s in self.state}, simultaneous=True))

    @cached_property
    def Q(self) -> sp.Matrix:
        """The diffusion matrix ``G G^T``."""
        return sp.simplify(self.diffusion * self.diffusion.T)

    def _init(self) -> sp.Matrix:
        return sp.zeros(len(self.state), 1) if self.init is None else self.init

    def _diagonal(self) -> bool:
        return self.A.is_diagonal() and self.Q.is_diagonal()

    @cached_property
    def stable(self) -> sp.Basic:
        """Where the SDE has a stationary law (every mode of a triangular ``A`` decays); True if unknown."""
        A = self.A
        if A.is_lower or A.is_upper:
            return _stability_condition([A[i, i] for i in range(A.rows)], continuous=True)
        return sp.true  # DEVIATION: stability of a non-triangular A is not decided symbolically

    def mean(self, j: int = 0) -> sp.Expr:
        """``E w_j(t)`` from the mean ODE ``m' = -A m + b`` (diagonal ``A``)."""
        if not self.A.is_diagonal():
            raise NotImplementedError("time-dependent means need a diagonal drift matrix A; use the stationary quantities")
        m = sp.Function("m")
        s = self.time
        sol = sp.dsolve(sp.Eq(m(s).diff(s), -self.A[j, j] * m(s) + self.b[j]), m(s), ics={m(0): self._init()[j]}).rhs
        return sp.simplify(sol)

    def variance(self, j: int = 0) -> sp.Expr:
        """``Var w_j(t)`` from the Lyapunov ODE ``v' = -2 a v + q``, ``v(0) = 0`` (diagonal dynamics)."""
        from .linear_sde import solve_variance_ode

        if not self._diagonal():
            raise NotImplementedError(
                "time-dependent variances need diagonal A and G G^T (rotate into the eigenbasis); "
                "the stationary quantities work for any A"
            )
        return solve_variance_ode(self.A[j, j], self.Q[j, j], self.time)

    def stationary_covariance(self) -> sp.Matrix:
        """The stationary covariance: the ``t -> oo`` limit of the Lyapunov ODE's solution."""
        d = len(self.state)
        if self._diagonal():
            out = []
            for j in range(d):
                from .linear_sde import solve_variance_ode

                ap = sp.Dummy("a", positive=True)  # the limit exists for a decaying mode, a > 0
                lim = sp.limit(solve_variance_ode(ap, self.Q[j, j], self.time), self.time, sp.oo)
                out.append(sp.simplify(lim.subs(ap, self.A[j, j])))
            return sp.diag(*out)
        S = sp.Matrix(d, d, lambda i, j: sp.Dummy(f"S{min(i, j)}{max(i, j)}"))
        eqs = list(self.A * S + S * self.A.T - self.Q)
        sol = sp.solve(eqs, list(S.free_symbols), dict=True)
        if not sol:
            raise NotImplementedError("the stationary Lyapunov equation A S + S A^T = G G^T has no unique solution")
        return S.subs(sol[0]).applyfunc(sp.factor)

    def quantity(self, name: str, *, component: int = 0) -> sp.Expr:
        """The derived quantity ``name`` (see ``QUANTITIES``) of state component ``component``."""
        self._check_quantity(name, component)
        j = component
        noisy = any(self.Q[i, i].is_positive for i in range(self.Q.rows))
        if name == "mean":
            return self.mean(j)
        if name == "variance":
            return self.variance(j)
        if name == "second_moment":
            return sp.simplify(self.variance(j) + self.mean(j) ** 2)
        A_inv_b = self.A.LUsolve(self.b) if any(self.b) else sp.zeros(len(self.state), 1)
        m = sp.simplify(A_inv_b[j])
        if name == "stationary_mean":
            return _guarded(m, self.stable, diverges=True)
        v = self.stationary_covariance()[j, j]
        if name == "stationary_variance":
            return _guarded(v, self.stable, diverges=noisy)
        return _guarded(sp.simplify(v + m**2), self.stable, diverges=noisy)

    def steps(self, quantity: str, component: int = 0) -> tuple[tuple[str, sp.Basic], ...]:
        """The SDE, drift and diffusion read off it, and the moment ODE (component ``component``)."""
        j, s = component, self.time
        out: list[tuple[str, sp.Basic]] = [
            ("SDE drift f(w)", sp.Eq(sp.Symbol("f"), self.drift[j])),
            ("drift rate a = -df/dw", sp.Eq(sp.Symbol("a"), self.A[j, j])),
            ("diffusion q = (G G^T)_jj", sp.Eq(sp.Symbol("q"), self.Q[j, j])),
        ]
        if self._diagonal():
            v = sp.Function("Sigma")(s)
            out.append(("moment (Lyapunov) ODE", sp.Eq(sp.Derivative(v, s), -2 * self.A[j, j] * v + self.Q[j, j])))
            if quantity in ("variance", "second_moment", "stationary_variance", "stationary_second_moment"):
                out.append(("solution with Sigma(0) = 0", sp.Eq(v, self.variance(j))))
        if quantity.startswith("stationary") and self.stable != sp.true:
            out.append(("stationary law exists where", self.stable))
        return tuple(out)


@dataclass(frozen=True, eq=False)
class DiscreteModel(Model):
    """A linear stochastic recursion ``w' = F(w, xi)`` with independent zero-mean noises, ``w_0 = init``.

    ``F`` is affine in the state and at most linear in the noises (products ``xi * w`` — random
    curvature, mini-batch Hessians — are allowed). Expanding ``F_i`` and ``F_i F_j`` and taking
    expectations monomial by monomial gives the exact affine recursion ``y' = M y + c`` of the
    moments ``y = (E w_i, E w_i w_j)``; ``k`` steps iterate it (``M^k`` in closed form), the
    stationary moments solve ``(I - M) y = c`` and exist where the recursion is stable (every
    ``|M_ii| < 1`` for a triangular ``M``; elsewhere the second moment diverges: ``oo``).
    """

    name: str
    description: str
    state: tuple[sp.Symbol, ...]
    update: sp.Matrix
    noise: tuple[tuple[sp.Symbol, sp.Expr], ...]
    step: sp.Symbol = step_symbol
    init: sp.Matrix | None = None
    scalings: tuple[Scaling, ...] = ()
    lr: sp.Expr | None = None
    noise_cov: sp.Matrix | None = None

    QUANTITIES: ClassVar[dict[str, str]] = {
        "mean": "E w_k",
        "variance": "Var w_k from w_0 = init",
        "second_moment": "E w_k^2",
        "stationary_mean": "lim E w_k as k -> oo",
        "stationary_variance": "lim Var w_k as k -> oo",
        "stationary_second_moment": "lim E w_k^2 as k -> oo",
    }
    TIME_DEPENDENT: ClassVar[frozenset[str]] = frozenset({"mean", "variance", "second_moment"})

    @property
    def time(self) -> sp.Symbol:
        """The step counter ``k``."""
        return self.step

    @cached_property
    def _moment_symbols(self) -> tuple[list[sp.Symbol], dict[tuple[int, int], sp.Symbol]]:
        d = len(self.state)
        means = [sp.Dummy(f"m{i}") for i in range(d)]
        seconds = {(i, j): sp.Dummy(f"P{i}{j}") for i in range(d) for j in range(i, d)}
        return means, seconds

    def _expect(self, expr: sp.Expr) -> sp.Expr:
        means, seconds = self._moment_symbols
        xs = [x for x, _ in self.noise]
        K = self.noise_cov if self.noise_cov is not None else sp.diag(*[v for _, v in self.noise])
        gens = list(self.state) + xs
        poly = sp.Poly(sp.expand(expr), *gens)
        d = len(self.state)
        out = sp.Integer(0)
        for monom, coeff in poly.terms():
            ws, ns = monom[:d], monom[d:]
            # noise: independent, zero mean, independent of the current state
            if sum(ns) == 1:
                continue
            if sum(ns) == 2:
                a, b = [i for i, p in enumerate(ns) for _ in range(p)]
                noise_factor = K[a, b]  # E[xi_a xi_b]: the variance, or a covariance when given
            elif sum(ns) == 0:
                noise_factor = sp.Integer(1)
            else:  # pragma: no cover - excluded by the update's validation
                raise AssertionError(f"noise monomial of degree {sum(ns)}")
            idx = [i for i, p in enumerate(ws) for _ in range(p)]
            if len(idx) == 0:
                state_factor = sp.Integer(1)
            elif len(idx) == 1:
                state_factor = means[idx[0]]
            elif len(idx) == 2:
                state_factor = seconds[(min(idx), max(idx))]
            else:  # pragma: no cover - excluded by the update's validation
                raise AssertionError(f"state monomial of degree {len(idx)}")
            out += coeff * noise_factor * state_factor
        return sp.expand(out)

    @cached_property
    def moment_recursion(self) -> tuple[sp.Matrix, sp.Matrix, tuple[sp.Symbol, ...]]:
        """``(M, c, y)``: the exact recursion ``y' = M y + c`` of ``y = (E w_i, E w_i w_j for i <= j)``."""
        means, seconds = self._moment_symbols
        y = tuple(means) + tuple(seconds.values())
        rows = [self._expect(self.update[i]) for i in range(len(self.state))]
        rows += [self._expect(self.update[i] * self.update[j]) for (i, j) in seconds]
        M = sp.Matrix([[sp.factor(sp.expand(r).coeff(v)) for v in y] for r in rows])
        c = sp.Matrix([sp.expand(r).subs({v: 0 for v in y}) for r in rows]).applyfunc(sp.factor)
        return M, c, y

    def _y0(self) -> sp.Matrix:
        d = len(self.state)
        w0 = sp.zeros(d, 1) if self.init is None else self.init
        _, seconds = self._moment_symbols
        return sp.Matrix([w0[i] for i in range(d)] + [w0[i] * w0[j] for (i, j) in seconds])

    @cached_property
    def stable(self) -> sp.Basic:
        """Where the moment recursion converges (triangular ``M``: every ``|M_ii| < 1``); True if undecided."""
        M, _, _ = self.moment_recursion
        if M.is_lower or M.is_upper:
            return _stability_condition([M[i, i] for i in range(M.rows)], continuous=False)
        return sp.true  # DEVIATION: stability of a non-triangular moment map is not decided symbolically

    def moments(self, k: Any = None) -> sp.Matrix:
        """``y_k`` after ``k`` steps (an integer iterates exactly; a symbol uses ``M^k`` in closed form)."""
        M, c, _ = self.moment_recursion
        k = self.step if k is None else sp.sympify(k)
        y = self._y0()
        if k.is_Integer:
            for _ in range(int(k)):
                y = (M * y + c).applyfunc(sp.expand)
            return y.applyfunc(sp.factor)
        I = sp.eye(M.rows)
        Mk = M**k
        fixed = (I - M).LUsolve(c)
        return (Mk * (y - fixed) + fixed).applyfunc(sp.simplify)

    def stationary_moments(self) -> sp.Matrix:
        """The fixed point ``(I - M)^{-1} c`` of the moment recursion (the limit where it is stable)."""
        M, c, _ = self.moment_recursion
        return (sp.eye(M.rows) - M).LUsolve(c).applyfunc(sp.factor)

    def _second_index(self, j: int) -> int:
        _, seconds = self._moment_symbols
        return len(self.state) + list(seconds).index((j, j))

    def quantity(self, name: str, *, component: int = 0) -> sp.Expr:
        """The derived quantity ``name`` (see ``QUANTITIES``) of state component ``component``."""
        self._check_quantity(name, component)
        j = component
        noisy = any(v.is_positive for _, v in self.noise)
        if name.startswith("stationary"):
            y = self.stationary_moments()
            m, P = y[j], y[self._second_index(j)]
            value = {"stationary_mean": m, "stationary_variance": sp.factor(P - m**2),
                     "stationary_second_moment": P}[name]
            return _guarded(value, self.stable, diverges=noisy)
        y = self.moments()
        m, P = y[j], y[self._second_index(j)]
        return {"mean": m, "variance": sp.simplify(P - m**2), "second_moment": P}[name]

    def stationary_variance(self, component: int = 0) -> sp.Expr:
        """Shorthand for ``quantity("stationary_variance")``: the corrected closed form to print."""
        return self.quantity("stationary_variance", component=component)

    def steps(self, quantity: str, component: int = 0) -> tuple[tuple[str, sp.Basic], ...]:
        """The update, the moment recursion read off it, and its fixed point / stability."""
        j = component
        M, c, y = self.moment_recursion
        i2 = self._second_index(j)
        out: list[tuple[str, sp.Basic]] = [("update w' = F(w, xi)", sp.Eq(sp.Symbol("w'"), self.update[j]))]
        P, Pn = sp.Symbol("P"), sp.Symbol("P'")
        row = sum(M[i2, col] * (P if col == i2 else v) for col, v in enumerate(y)) + c[i2]
        out.append(("second-moment recursion E w'^2 (expectation of the expanded update)", sp.Eq(Pn, row)))
        if quantity.startswith("stationary"):
            y_star = self.stationary_moments()
            out.append(("fixed point (I - M) y = c", sp.Eq(sp.Symbol("P_infty"), _tidy(y_star[i2]))))
            if self.stable != sp.true:
                out.append(("the recursion converges where", self.stable))
        return tuple(out)

    def sde(self, *, time: sp.Symbol = _t, name: str | None = None) -> SDEModel:
        """The first-order SDE of an update ``w' = w + lr u(w, xi)`` read off by differentiation.

        With ``t = lr k``: drift ``u(w, 0)``, diffusion ``sqrt(lr) (du/dxi) C^(1/2)``
        (``C = diag(Var xi)``) — the usual SDE approximation of SGD-type methods.
        """
        if self.lr is None:
            raise fail("lr", None, "known: build the model with sgd_model or sam_model to read off its SDE")
        W = sp.Matrix(self.state)
        u = ((self.update - W) / self.lr).applyfunc(sp.expand)
        xs = sp.Matrix([x for x, _ in self.noise])
        drift = u.subs({x: 0 for x in xs}, simultaneous=True).applyfunc(sp.simplify)
        N = u.jacobian(xs)
        _check_free_of("update", N, self.state, "the SDE reading needs state-independent noise")
        if self.noise_cov is not None and not self.noise_cov.is_diagonal():
            raise NotImplementedError("the SDE reading of correlated noises is not derived; use sde_model with its diffusion")
        C_half = sp.diag(*[sp.sqrt(v) for _, v in self.noise])
        G = (sp.sqrt(self.lr) * N * C_half).applyfunc(sp.simplify)
        return SDEModel(name or f"{self.name}_sde", f"first-order SDE of {self.name} (t = {self.lr} k)",
                        self.state, drift, G, time, self.init, self.scalings)


# --------------------------------------------------------------------------------------------------
# Constructors
# --------------------------------------------------------------------------------------------------

_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise fail("name", name, "a lower-case identifier such as 'sgd'")
    return name


def _scalings(value: Any) -> tuple[Scaling, ...]:
    if value is None:
        return ()
    if isinstance(value, Scaling):
        return (value,)
    vals = tuple(value)
    if not all(isinstance(v, Scaling) for v in vals):
        raise fail("scalings", value, "a Scaling or a sequence of Scalings")
    return vals


def sde_model(
    drift: Any,
    diffusion: Any,
    *,
    state: Any,
    name: str = "sde",
    description: str | None = None,
    time: sp.Symbol = _t,
    init: Any = None,
    scalings: Any = (),
) -> SDEModel:
    """A linear SDE ``dw = drift dt + diffusion dW`` as a model (drift affine in ``state``, diffusion constant).

    ``diffusion`` is a scalar (one noise per component along the diagonal) or a ``d x m`` matrix.
    Example: ``sde_model(-h * w, sp.sqrt(eta) * s, state=w)`` is ``dw = -h w dt + sqrt(eta s^2) dW``.
    """
    st = _as_symbols("state", state)
    d = len(st)
    f = _vector("drift", drift, d)
    if isinstance(diffusion, sp.MatrixBase):
        G = sp.Matrix(diffusion)
        if G.rows != d:
            raise fail("diffusion", diffusion, f"a matrix with {d} rows (one per state component)")
    else:
        g = sp.sympify(diffusion)
        G = sp.eye(d) * g
    _check_free_of("diffusion", G, st, "samverify solves SDEs with state-independent (additive) noise")
    J = f.jacobian(sp.Matrix(st))
    _check_free_of("drift", J, st, "the drift must be affine in the state: the moment equations then close exactly")
    return SDEModel(_check_name(name), description or f"SDE dw = ({', '.join(map(str, f))}) dt + G dW", st, f, G, time,
                    None if init is None else _vector("init", init, d), _scalings(scalings))


def kim_sde_model(reading: str, *, name: str | None = None) -> SDEModel:
    """One of the catalogue's SAM SDE readings (CLAIMS.md §1: ``plain``, ``same_batch``, ...) as a model.

    The drift and diffusion are those :func:`derivations.sam_sde.sam_sde` derives from the reading's
    update rule along one eigendirection (symbols ``lambda_j``, ``rho``, ``eta``, ``B``, time ``t``).
    """
    from .sam_sde import READINGS, sam_sde

    if reading not in READINGS:
        raise fail("reading", reading, "one of " + ", ".join(repr(r) for r in READINGS))
    m = sam_sde(reading)
    # diagonal D: the diffusion's square root is taken entrywise
    G = (m.sde.eta * m.sde.D).applyfunc(sp.sqrt)
    return SDEModel(_check_name(name or reading), READINGS[reading], tuple(m.w), -m.sde.A * m.w, G, _t)


def _noise(noise: Any) -> tuple[tuple[sp.Symbol, sp.Expr], ...]:
    if not isinstance(noise, Mapping):
        raise fail("noise", noise, "a mapping {noise symbol: variance}", "e.g. {xi: s**2}")
    out = []
    for x, v in noise.items():
        if not isinstance(x, sp.Symbol):
            raise fail("noise", x, "keyed by SymPy Symbols")
        v = sp.sympify(v)
        if v.is_nonnegative is False:
            raise fail(f"noise[{x}]", v, "a variance (>= 0)")
        out.append((x, v))
    return tuple(out)


def discrete_model(
    update: Any,
    *,
    state: Any,
    noise: Mapping[sp.Symbol, Any],
    name: str = "discrete",
    description: str | None = None,
    init: Any = None,
    scalings: Any = (),
    lr: Any = None,
    noise_cov: Any = None,
) -> DiscreteModel:
    """A linear stochastic recursion ``state' = update`` as a model.

    ``noise`` maps each noise symbol to its variance (independent, zero mean, fresh each step).
    ``update`` must be affine in ``state`` and at most linear in the noises. Example, SGD on a 1-D
    quadratic: ``discrete_model(w - eta * (h * w + xi), state=w, noise={xi: s**2})``. Correlated
    noises take their covariance matrix as ``noise_cov`` (rows in the order of ``noise``).
    """
    st = _as_symbols("state", state)
    nz = _noise(noise)
    F = _vector("update", update, len(st)).applyfunc(sp.expand)
    xs = [x for x, _ in nz]
    for i in range(F.rows):
        try:
            pw = sp.Poly(F[i], *st) if st else None
            px = sp.Poly(F[i], *xs) if xs else None
        except sp.PolynomialError:
            raise fail("update", F[i], f"polynomial in the state {st} and the noises {tuple(xs)}") from None
        if pw is not None and pw.total_degree() > 1:
            raise fail("update", F[i], f"affine in the state {st}",
                       "linearise the update at the point of interest; the moment recursion then closes")
        if px is not None and px.total_degree() > 1:
            raise fail("update", F[i], f"at most linear in the noises {tuple(xs)}")
    K = None
    if noise_cov is not None:
        K = sp.Matrix(noise_cov)
        if K.shape != (len(nz), len(nz)) or (K - K.T).applyfunc(sp.simplify) != sp.zeros(*K.shape):
            raise fail("noise_cov", noise_cov, f"a symmetric {len(nz)} x {len(nz)} matrix (one row per noise)")
        if any(sp.simplify(K[i, i] - v) != 0 for i, (_, v) in enumerate(nz)):
            raise fail("noise_cov", noise_cov, "a matrix whose diagonal is the variances given in noise")
    return DiscreteModel(_check_name(name), description or f"w' = {', '.join(map(str, F))}", st, F, nz,
                         step_symbol, None if init is None else _vector("init", init, len(st)), _scalings(scalings),
                         None if lr is None else sp.sympify(lr), K)


def _gradient(gradient: Any, state: tuple[sp.Symbol, ...]) -> Callable[[sp.Matrix], sp.Matrix]:
    """The oracle as a function of a point: ``gradient`` is an expression in ``state`` or a callable."""
    if callable(gradient) and not isinstance(gradient, sp.Basic):
        base = _vector("gradient", gradient(*state), len(state))
    else:
        base = _vector("gradient", gradient, len(state))
    return lambda x: base.subs(dict(zip(state, x)), simultaneous=True)


def sgd_model(gradient: Any, *, state: Any, noise: Mapping[sp.Symbol, Any], lr: Any, name: str = "sgd",
              scalings: Any = ()) -> DiscreteModel:
    """Discrete SGD ``w' = w - lr G(w, xi)`` for a stochastic gradient oracle ``G`` (a per-sample gradient).

    ``gradient`` is an expression in ``state`` and the noises (e.g. ``h * w + xi``) or a callable
    ``G(*state)`` returning one. :meth:`DiscreteModel.sde` gives its SDE (``t = lr k``).
    """
    st = _as_symbols("state", state)
    G = _gradient(gradient, st)
    W = sp.Matrix(st)
    return discrete_model(list(W - sp.sympify(lr) * G(W)), state=st, noise=noise, name=name,
                          description=f"SGD w' = w - {lr} G(w), G = {list(G(W))}", scalings=scalings, lr=lr)


BATCH_MODELS = ("bernoulli", "with_replacement", "without_replacement")


def batch_weight_covariance(n: int, B: Any, batch: str) -> sp.Matrix:
    """``Cov(omega)`` of the batch weights ``omega_i`` (``G_B = sum_i omega_i g_i``, ``E omega_i = 1/n``).

    ``with_replacement`` (``B`` uniform draws, counts/B): ``(delta_ij/n - 1/n^2)/B``;
    ``without_replacement`` (a uniform ``B``-subset): ``Var = p(1-p)/B^2``, ``Cov = (B(B-1)/(n(n-1)) - p^2)/B^2``
    with ``p = B/n``; ``bernoulli`` (each index kept with probability ``p``, divided by ``B``):
    ``p(1-p)/B^2`` on the diagonal, 0 elsewhere (CLAIMS.md batch sampling models).
    """
    if batch not in BATCH_MODELS:
        raise fail("batch", batch, "one of " + ", ".join(repr(b) for b in BATCH_MODELS))
    B = sp.sympify(B)
    p = B / n
    if batch == "with_replacement":
        return sp.Matrix(n, n, lambda i, j: ((1 if i == j else 0) / sp.Integer(n) - 1 / sp.Integer(n) ** 2) / B)
    if batch == "bernoulli":
        return sp.eye(n) * sp.factor(p * (1 - p) / B**2)
    pair = B * (B - 1) / (n * (n - 1)) if n > 1 else sp.Integer(0)
    return sp.Matrix(n, n, lambda i, j: sp.factor((p * (1 - p) if i == j else pair - p**2) / B**2))


def minibatch_sgd_model(
    per_sample_gradients: Sequence[Any],
    *,
    state: Any,
    lr: Any,
    B: Any,
    batch: str = "with_replacement",
    name: str = "minibatch_sgd",
    scalings: Any = (),
) -> DiscreteModel:
    """Mini-batch SGD on a finite sum: ``w' = w - lr sum_i omega_i g_i(w)`` with random batch weights.

    ``per_sample_gradients`` lists ``g_i(w)`` for ``i = 1..n`` (expressions in ``state``, affine);
    ``B`` is the batch size (an integer or an integer symbol, ``1 <= B <= n``) and ``batch`` the
    sampling model. The gradient noise is not assumed: it is the exact randomness of the batch,
    ``omega_i = 1/n + eps_i`` with ``Cov(eps)`` from :func:`batch_weight_covariance`, so the noise is
    multiplicative where the per-sample Hessians differ.
    """
    st = _as_symbols("state", state)
    gs = [_vector(f"per_sample_gradients[{i}]", g, len(st)) for i, g in enumerate(per_sample_gradients)]
    n = len(gs)
    if n < 1:
        raise fail("per_sample_gradients", per_sample_gradients, "at least one per-sample gradient")
    Bs = sp.sympify(B)
    if Bs.is_Integer and not 1 <= int(Bs) <= n:
        raise fail("B", B, f"an integer in [1, n={n}]")
    if not Bs.is_Integer and Bs.is_integer is not True:
        raise fail("B", B, "an integer or an integer symbol", "sp.Symbol('B', integer=True, positive=True)")
    K = batch_weight_covariance(n, Bs, batch)
    eps = sp.symbols(f"epsilon_1:{n + 1}", real=True)
    W = sp.Matrix(st)
    G = sum(((sp.Rational(1, n) + e) * g for e, g in zip(eps, gs)), sp.zeros(len(st), 1))
    return discrete_model(list(W - sp.sympify(lr) * G), state=st, noise={e: K[i, i] for i, e in enumerate(eps)},
                          noise_cov=K, name=name, scalings=scalings, lr=lr,
                          description=f"mini-batch SGD ({batch}, B = {B}) on {n} per-sample gradients")


def sam_model(gradient: Any, *, state: Any, noise: Mapping[sp.Symbol, Any], lr: Any, radius: Any,
              ascent: str = "same_batch", name: str = "sam", scalings: Any = ()) -> DiscreteModel:
    """Plain SAM ``w_p = w + radius a(w)``, ``w' = w - lr G(w_p, xi)``.

    The ascent direction ``a`` is the same noisy oracle ``G(w, xi)`` (``ascent="same_batch"``, what
    SAM implementations do) or the noiseless gradient (``ascent="full"``).
    """
    if ascent not in ("same_batch", "full"):
        raise fail("ascent", ascent, "'same_batch' or 'full'")
    st = _as_symbols("state", state)
    G = _gradient(gradient, st)
    nz = _noise(noise)
    W = sp.Matrix(st)
    a = G(W) if ascent == "same_batch" else G(W).subs({x: 0 for x, _ in nz})
    update = W - sp.sympify(lr) * G(W + sp.sympify(radius) * a)
    return discrete_model(list(update), state=st, noise=noise, name=name,
                          description=f"SAM (radius {radius}, {ascent} ascent) with G = {list(G(W))}", scalings=scalings,
                          lr=lr)


def heavy_ball_model(gradient: Any, *, state: Any, velocity: Any, noise: Mapping[sp.Symbol, Any], lr: Any,
                     momentum: Any, name: str = "heavy_ball", scalings: Any = ()) -> DiscreteModel:
    """Heavy-ball SGD ``v' = momentum v - lr G(w, xi)``, ``w' = w + v'`` on the state ``(w, v)``."""
    st = _as_symbols("state", state)
    vel = _as_symbols("velocity", velocity)
    if len(vel) != len(st):
        raise fail("velocity", velocity, f"{len(st)} symbol(s), one per state component")
    G = _gradient(gradient, st)
    W, V = sp.Matrix(st), sp.Matrix(vel)
    v_new = sp.sympify(momentum) * V - sp.sympify(lr) * G(W)
    return discrete_model(list(W + v_new) + list(v_new), state=st + vel, noise=noise, name=name,
                          description=f"heavy ball (momentum {momentum}) with G = {list(G(W))}", scalings=scalings)


# --------------------------------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------------------------------


def _as_statement(statement: Any) -> Statement:
    if isinstance(statement, Statement):
        return statement
    if isinstance(statement, sp.Equality):
        return Equation(statement.lhs, statement.rhs)
    if isinstance(statement, sp.core.relational.Relational):
        return Holds(statement)
    raise fail("statement", statement, "a Statement (Equation, Holds, Asymptotic, ...) or a SymPy Eq / relation",
               "e.g. sp.Eq(V, eta * s**2 / (2 * h)) or eta * h < 2")


def _statement_symbols(stmt: Statement) -> set[sp.Basic]:
    out: set[sp.Basic] = set()
    if isinstance(stmt, AllOf):
        for _, s in stmt.parts:
            out |= _statement_symbols(s)
        return out
    if isinstance(stmt, Implication):
        for c in (stmt.hypothesis, stmt.conclusion):
            out |= (c.expr.free_symbols - {c.variable}) if isinstance(c, Bounded) else sp.sympify(c).free_symbols
        return out
    for e in stmt.formulas().values():
        out |= e.free_symbols
    if isinstance(stmt, (Asymptotic, Bounded)):
        out.discard(stmt.variable)
    return out


def _statement_functions(stmt: Statement) -> set[UndefinedFunction]:
    exprs: list[sp.Basic] = list(stmt.formulas().values())
    if isinstance(stmt, Implication):
        exprs += [c if not isinstance(c, Bounded) else c.expr for c in (stmt.hypothesis, stmt.conclusion)]
    if isinstance(stmt, AllOf):
        return set().union(*[_statement_functions(s) for _, s in stmt.parts])
    out: set[UndefinedFunction] = set()
    for e in exprs:
        out |= {f.func for f in sp.sympify(e).atoms(sp.Function) if isinstance(f.func, UndefinedFunction)}
    return out


def _resolving(reading: Reading, where: sp.Basic) -> Reading:
    """The reading with stability Piecewise in its bindings resolved where the claim's ``where`` implies them."""
    if where == sp.true or reading.derive is None:
        return reading
    inner = reading.derive

    def derive() -> Derivation:
        d = inner()
        return Derivation(bindings={k: _resolve_piecewise(v, where) for k, v in d.bindings.items()},
                          steps=d.steps, model=d.model, note=d.note)

    if isinstance(reading, ModelReading):
        return ModelReading(reading.name, reading.description, derive, placeholders=reading.placeholders,
                            model=reading.model, needs=reading.needs)
    return Reading(reading.name, reading.description, derive)


def user_claim(
    id: str,
    statement: Any,
    *,
    parameters: Any,
    readings: Sequence[Reading],
    title: str | None = None,
    where: sp.Basic = sp.true,
    source: Source | None = None,
    checks: Sequence[str] = ("symbolic", "precision", "property"),
    notes: Sequence[str] = (),
    scaling: Any = (),
    placeholders: Sequence[Placeholder] = (),
) -> Claim:
    """State your own claim: a statement over parameters with domains, checked under each reading.

    ``statement`` is a :class:`Statement` or a SymPy ``Eq`` / relation; ``parameters`` is a mapping
    ``{symbol: description | Set | (Set, description)}`` or a sequence of Symbols (domains default to
    what the symbols' assumptions allow); ``readings`` come from :meth:`Model.reading` (or are plain
    :class:`Reading` objects); ``where`` narrows the domain (e.g. ``eta * h < 2``, ``B <= n``);
    ``scaling`` declares :class:`Scaling` symmetries checked by ``verify``. An ``id`` without a dot is
    prefixed with ``user.``. Every symbol of the statement must be a parameter or a placeholder
    that each reading binds.
    """
    if not isinstance(id, str) or not id:
        raise fail("id", id, "a non-empty string such as 'mine.sgd.variance'")
    cid = id if "." in id else f"user.{id}"
    stmt = _as_statement(statement)
    params = as_parameters(parameters)
    rs = tuple(readings) if not isinstance(readings, Reading) else (readings,)
    if not rs or not all(isinstance(r, Reading) for r in rs):
        raise fail("readings", readings, "a non-empty sequence of Readings", "use model.reading({V: 'stationary_variance'})")
    where = sp.sympify(where)
    known = {p.symbol for p in params}
    extra_ph = set(placeholders)
    syms = _statement_symbols(stmt) | (where.free_symbols if where != sp.true else set())
    funcs = _statement_functions(stmt)
    for r in rs:
        bound = set(r.placeholders) if isinstance(r, ModelReading) else None
        if bound is None:
            continue
        missing = sorted(str(s) for s in ((syms | set(r.needs)) - known - bound - extra_ph))
        missing += sorted(str(f) for f in funcs if f not in bound and f not in extra_ph)
        if missing:
            raise fail("statement", str(stmt.to_latex()),
                       f"written in the parameters ({', '.join(p.name for p in params)}) and placeholders that "
                       f"reading {r.name!r} binds ({', '.join(map(str, bound)) or 'none'})",
                       f"unknown: {', '.join(missing)}; add them to parameters= or bind them in the reading")
    sc = _scalings(scaling)
    return Claim(
        id=cid,
        title=title or f"{cid}: {stmt.to_latex()}",
        source=source or UserSource(),
        statement=stmt,
        parameters=params,
        readings=tuple(_resolving(r, where) for r in rs),
        where=where,
        checks=tuple(checks),
        notes=tuple(notes),
        extras={"scaling": sc} if sc else {},
    )


# --------------------------------------------------------------------------------------------------
# LaTeX
# --------------------------------------------------------------------------------------------------

_OPEN = {"(": ")", "{": "}", "[": "]"}


def _pointer(text: str, pos: int) -> str:
    return f"\n  {text}\n  {' ' * pos}^"


def _check_balanced(text: str) -> None:
    """Raise :class:`LatexParseError` pointing at the first unbalanced bracket (the parser may drop the rest)."""
    stack: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "{}[]()":
            i += 2  # an escaped bracket such as \{ is a literal
            continue
        if ch in _OPEN:
            stack.append((ch, i))
        elif ch in _OPEN.values():
            if not stack or _OPEN[stack[-1][0]] != ch:
                raise LatexParseError(f"could not parse LaTeX: unmatched {ch!r} at position {i}{_pointer(text, i)}")
            stack.pop()
        i += 1
    if stack:
        ch, pos = stack[-1]
        raise LatexParseError(f"could not parse LaTeX: {ch!r} at position {pos} is never closed{_pointer(text, pos)}")


def _key(name: str) -> str:
    return name.replace("{", "").replace("}", "").replace("\\", "").replace(" ", "").replace("infty", "oo")


def _parse(text: str, symbols: Sequence[sp.Symbol], functions: Sequence[UndefinedFunction]) -> sp.Basic:
    """Parse ``text`` onto the given symbols and placeholder functions; unknown names are errors.

    SymPy's parser reads a multi-letter name as a product of letters and only single letters (with
    subscripts) as function names, so placeholders in LaTeX are symbols such as ``V_{\\infty}`` or
    one-letter functions such as ``f(t)``.
    """
    from ._latex import match_symbols, sympy_parse

    _check_balanced(text)
    expr = sympy_parse(text)
    fkeys = {_key(f.__name__): f for f in functions}
    fixed: dict[sp.Basic, sp.Basic] = {}
    unknown_f: list[str] = []
    for f in expr.atoms(sp.Function):
        if not isinstance(f.func, UndefinedFunction):
            continue
        k = _key(f.func.__name__)
        if k in fkeys:
            fixed[f] = fkeys[k](*f.args)
        elif k in ("max", "min"):
            fixed[f] = (sp.Max if k == "max" else sp.Min)(*f.args)
        else:
            unknown_f.append(f.func.__name__)
    if unknown_f:
        name = sorted(unknown_f)[0]
        pos = text.find(name)
        raise LatexParseError(
            f"could not parse LaTeX {text!r}: {name}(...) is read as a call of an unknown function"
            f"{_pointer(text, pos) if pos >= 0 else ''}\n"
            "write products with an explicit \\cdot (e.g. '\\eta \\cdot \\left(...\\right)'), or declare the "
            "function in placeholders="
        )
    expr = expr.xreplace(fixed)
    repl, unknown = match_symbols(expr, symbols, key=_key)
    if unknown:
        unknown.sort()
        pos = text.find(unknown[0].split("_")[0])
        raise LatexParseError(
            f"LaTeX {text!r} mentions {', '.join(unknown)}, which is neither a parameter nor a placeholder"
            f"{_pointer(text, pos) if pos >= 0 else ''}\n"
            "declare it in parameters= (with its domain) or in placeholders=; a multi-letter name is read as a "
            "product of letters, so write placeholders as subscripted symbols such as V_{\\infty}"
        )
    return expr.xreplace(repl)


_BIG_O = re.compile(r"\+\s*O\s*(\\left)?\(")


def claim_from_latex(
    id: str,
    text: str,
    *,
    parameters: Any,
    readings: Sequence[Reading],
    placeholders: Sequence[Placeholder] = (),
    variable: sp.Symbol | None = None,
    point: Any = 0,
    **kwargs: Any,
) -> Claim:
    """Build a claim whose printed side is given in LaTeX (parsed with SymPy's LaTeX parser).

    ``text`` is an equation ``lhs = rhs``, a relation (``<``, ``\\le``, ...), or an expansion
    ``expr = leading + O(remainder)`` (give the small ``variable`` and its limit ``point``). Names are
    matched to the parameters' symbols and to the placeholders the readings bind (``V_{\\infty}``
    matches ``Symbol("V_infty")``), keeping their assumptions. Anything that cannot be parsed raises
    :class:`LatexParseError` pointing at the offending position or name. Other keyword arguments
    go to :func:`user_claim`.
    """
    if not isinstance(text, str) or not text.strip():
        raise LatexParseError(f"text={text!r} must be a non-empty LaTeX string")
    params = as_parameters(parameters)
    rs = tuple(readings)
    phs: list[Placeholder] = list(placeholders)
    for r in rs:
        if isinstance(r, ModelReading):
            phs += [p for p in r.placeholders if p not in phs]
    syms = [p.symbol for p in params] + [p for p in phs if isinstance(p, sp.Symbol)]
    if variable is not None and variable not in syms:
        syms.append(variable)
    funcs = [p for p in phs if isinstance(p, UndefinedFunction)]
    m = _BIG_O.search(text)
    if m:
        if variable is None:
            raise fail("variable", None, "the small parameter of the O(...) term", f"in {text!r}")
        head = text[: m.start()]
        inner = text[m.end():]
        inner = re.sub(r"\\right\)\s*$|\)\s*$", "", inner.strip())
        if "=" not in head:
            raise LatexParseError(f"could not parse LaTeX {text!r}: an expansion must read 'expr = leading + O(remainder)'")
        lhs_tex, lead_tex = head.split("=", 1)
        stmt: Statement = Asymptotic(_parse(lhs_tex, syms, funcs), _parse(lead_tex, syms, funcs),
                                     _parse(inner, syms, funcs), variable, sp.sympify(point))
    else:
        expr = _parse(text, syms, funcs)
        if isinstance(expr, sp.Equality):
            stmt = Equation(expr.lhs, expr.rhs)
        elif isinstance(expr, sp.core.relational.Relational):
            stmt = Holds(expr)
        else:
            raise LatexParseError(
                f"LaTeX {text!r} parsed as the expression {expr}, not a statement: write 'lhs = rhs', "
                "a relation such as 'x \\le y', or 'expr = leading + O(remainder)'"
            )
    return user_claim(id, stmt, parameters=params, readings=rs, placeholders=tuple(placeholders), **kwargs)
