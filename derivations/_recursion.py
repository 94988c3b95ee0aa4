"""Linear stochastic recursions ``w' = F(w, xi)``: the exact moment recursion, k-step moments, fixed points.

``F`` is affine in the state and at most linear in independent zero-mean noises (products
``xi * w``, i.e. random curvature or mini-batch Hessians, are allowed). Expanding ``F_i`` and
``F_i F_j`` and taking expectations monomial by monomial gives the exact affine recursion
``y' = M y + c`` of ``y = (E w_i, E w_i w_j)``. From it:

* ``k`` steps from ``w_0 = init``: exact iteration for an integer ``k``; for a symbolic ``k`` the
  spectral decomposition ``M^k = sum_r r^k P_r`` over the roots of the factored characteristic
  polynomial (projectors ``P_r = prod_{s != r} (M - s)/(r - s)``, no eigenvectors needed), which
  stays fast for the 5x5 map of heavy-ball SGD where ``M**k`` does not finish;
* the fixed point ``(I - M) y = c`` and where it is the limit: every eigenvalue of ``M`` inside the
  unit circle (Schur–Cohn/Jury conditions, :mod:`derivations._model_stability`). With additive noise
  the second-moment block acts as ``P -> A P A^T`` (eigenvalues ``lam_i lam_j``), so the condition is
  that of the noiseless map ``A`` alone.

Pure SymPy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import sympy as sp

from ._model import Model, check_free_of, guarded, step_symbol, tidy, vector
from ._model_stability import stability_condition
from ._sde_model import SDEModel
from ._symbols import t as _t
from ._user_params import Scaling, _as_symbols, _check_name, _scalings
from ._validate import fail

__all__ = ["DiscreteModel", "discrete_model", "matrix_power_closed_form"]


def _radical_free(e: sp.Basic) -> bool:
    """Whether ``e`` is a rational function of its symbols and powers ``r**k`` (no square roots)."""
    return not any(p.exp.is_Rational and not p.exp.is_Integer for p in e.atoms(sp.Pow))


def matrix_power_closed_form(M: sp.Matrix, k: sp.Symbol, v: sp.Matrix) -> sp.Matrix | None:
    """``M^k v`` as ``sum_r r^k P_r v`` over the distinct roots ``r`` of ``M``'s characteristic polynomial.

    Returns None when a root has no closed form of degree <= 2 or roots repeat (a Jordan block):
    the caller then falls back to ``M**k``. The formula holds for generic parameters (distinct roots).
    """
    z = sp.Dummy("z")
    _, factors = sp.factor_list(sp.fraction(sp.together(M.charpoly().as_expr(z)))[0])
    roots: list[sp.Expr] = []
    for f, mult in factors:
        if sp.degree(f, z) < 1:
            continue
        if mult > 1 or sp.degree(f, z) > 2:
            return None
        rs = sp.roots(sp.Poly(f, z))
        if sum(rs.values()) != sp.degree(f, z) or any(m > 1 for m in rs.values()):
            return None
        roots += list(rs)
    if len(set(roots)) != len(roots) or len(roots) != M.rows:
        return None
    I = sp.eye(M.rows)
    out = sp.zeros(M.rows, 1)
    for i, r in enumerate(roots):
        u = v
        den = sp.Integer(1)
        for j, s in enumerate(roots):
            if j != i:
                u = (M - s * I) * u  # unexpanded: expanding products of radicals is what costs
                den *= r - s
        out += r**k * u / den
    return out


@dataclass(frozen=True, eq=False)
class DiscreteModel(Model):
    """A linear stochastic recursion ``w' = F(w, xi)`` with independent zero-mean noises, ``w_0 = init``.

    ``F`` is affine in the state and at most linear in the noises (products ``xi * w`` — random
    curvature, mini-batch Hessians — are allowed). Expanding ``F_i`` and ``F_i F_j`` and taking
    expectations monomial by monomial gives the exact affine recursion ``y' = M y + c`` of the
    moments ``y = (E w_i, E w_i w_j)``; ``k`` steps iterate it (``M^k`` in closed form), the
    stationary moments solve ``(I - M) y = c`` and exist where the recursion is stable
    (:attr:`stable`, spectral radius of ``M`` < 1; elsewhere the second moment diverges: ``oo``).
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
    def additive(self) -> bool:
        """Whether the noise enters additively (``dF/dw`` free of the noises): no random curvature."""
        xs = {x for x, _ in self.noise}
        return not (self.update.jacobian(sp.Matrix(self.state)).free_symbols & xs)

    @cached_property
    def stable_mean(self) -> sp.Basic:
        """Where the mean recursion converges: every eigenvalue of the mean block inside the unit circle."""
        M, _, _ = self.moment_recursion
        d = len(self.state)
        return stability_condition(M[:d, :d], continuous=False)

    @cached_property
    def stable(self) -> sp.Basic:
        """Where the moment recursion converges: spectral radius of ``M`` < 1 (Schur–Cohn on its factors).

        With additive noise the second-moment block's eigenvalues are the products ``lam_i lam_j``
        of the mean block's, so the mean block's condition is the whole condition.
        """
        if self.additive:
            return self.stable_mean
        M, _, _ = self.moment_recursion
        return stability_condition(M, continuous=False)

    def validity(self, name: str, *, component: int = 0) -> sp.Basic:
        """Where ``name`` exists: k-step moments everywhere, stationary ones where the recursion converges."""
        if name == "stationary_mean":
            return self.stable_mean
        return self.stable if name.startswith("stationary") else sp.true

    def moments(self, k: Any = None) -> sp.Matrix:
        """``y_k`` after ``k`` steps from ``init``.

        An integer ``k`` iterates exactly; a symbol uses ``M^k = sum_r r^k P_r`` over the roots of the
        factored characteristic polynomial (:func:`matrix_power_closed_form`), or ``M**k`` when a
        root repeats or has degree > 2.
        """
        M, c, _ = self.moment_recursion
        k = self.step if k is None else sp.sympify(k)
        y = self._y0()
        if k.is_Integer:
            for _ in range(int(k)):
                y = (M * y + c).applyfunc(sp.expand)
            return y.applyfunc(sp.factor)
        I = sp.eye(M.rows)
        fixed = (I - M).LUsolve(c).applyfunc(sp.factor)
        fast = matrix_power_closed_form(M, k, (y - fixed).applyfunc(sp.factor))
        if fast is not None:
            # roots with radicals (complex-conjugate pairs of the heavy ball) give large exact forms that
            # simplify() does not shorten in minutes: they are kept as derived, and evaluate exactly
            out = fast + fixed
            return out.applyfunc(sp.simplify) if _radical_free(out) else out
        return (M**k * (y - fixed) + fixed).applyfunc(sp.simplify)

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
            return guarded(value, self.validity(name), diverges=noisy or name == "stationary_mean")
        y = self.moments()
        m, P = y[j], y[self._second_index(j)]
        var = P - m**2
        return {"mean": m, "variance": sp.simplify(var) if _radical_free(var) else var, "second_moment": P}[name]

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
            out.append(("fixed point (I - M) y = c", sp.Eq(sp.Symbol("P_infty"), tidy(y_star[i2]))))
            if self.stable != sp.true:
                out.append(("the recursion converges where (spectral radius of M < 1, Schur-Cohn)", self.stable))
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
        check_free_of("update", N, self.state, "the SDE reading needs state-independent noise")
        if self.noise_cov is not None and not self.noise_cov.is_diagonal():
            raise NotImplementedError("the SDE reading of correlated noises is not derived; use sde_model with its diffusion")
        C_half = sp.diag(*[sp.sqrt(v) for _, v in self.noise])
        G = (sp.sqrt(self.lr) * N * C_half).applyfunc(sp.simplify)
        return SDEModel(name or f"{self.name}_sde", f"first-order SDE of {self.name} (t = {self.lr} k)",
                        self.state, drift, G, time, self.init, self.scalings)


# --------------------------------------------------------------------------------------------------


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
    F = vector("update", update, len(st)).applyfunc(sp.expand)
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
    x0 = None if init is None else vector("init", init, len(st))
    if x0 is not None:
        check_free_of("init", x0, st + tuple(xs), "the start w_0 is a point, not a function of the state or the noise")
    return DiscreteModel(_check_name(name), description or f"w' = {', '.join(map(str, F))}", st, F, nz,
                         step_symbol, x0, _scalings(scalings),
                         None if lr is None else sp.sympify(lr), K)
