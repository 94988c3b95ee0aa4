"""The model at one witness family: what every placeholder of docs/catalogue.md is, computed from its definition.

A :class:`FamilyWitness` is a family of per-sample Hessians with a batch model, a batch size, a
value ``c`` of ``rho/alpha``, a start and a perturbation size.  :class:`FamilyModel` gives the
statement's placeholders their values there: the coherence ``sigma`` and the spectrum of ``H``
from the family, spectral radii and ``Tr M_k`` from the exact second-moment operators of
:mod:`verify._moments` (float) or :mod:`verify._coh_operators` (rationals), and the leading terms
``A R^k k^m`` of ``E||w_k||^2`` (SGD, SAM, random perturbation) and of the noise term ``N_k``.
Nothing a paper prints is computed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from derivations import coherence_claims as cc
from derivations.coherence import symbolic_coherence

from ._coh_eval import POSITIVE, Seq, Undecidable, _cmp
from ._coh_families import coherence, is_diagonal
from ._coh_operators import (
    diagonal_rates,
    diagonal_rates_exact,
    exact_operator,
    exact_radius,
    noise_rate,
    noise_rate_exact,
)
from ._moments import eta_star, second_moment_operator, spectral_radius

__all__ = ["FamilyWitness", "FamilyModel"]

#: Exact eigen-analysis of the d^2 x d^2 rational operator stays fast up to d = 2 (4 x 4).
_EXACT_MAX_D = 2


@dataclass(frozen=True)
class FamilyWitness:
    """A point of a witness space: a family ``H`` (``(n, d, d)``), batch model and size, ``c = rho/alpha``, a start.

    ``start`` is ``"generic"`` or ``"e<j>"`` (the basis vector ``e_j``, diagonal families only);
    ``origin`` says which search produced it.  Integer families can be evaluated exactly.
    """

    H: np.ndarray
    batch: str | None
    B: int | None
    c: sp.Expr = sp.S.Zero
    start: str = "generic"
    s: sp.Expr = sp.Rational(1, 10)
    origin: str = ""

    @property
    def n(self) -> int:
        """The number of samples."""
        return int(self.H.shape[0])

    @property
    def d(self) -> int:
        """The dimension."""
        return int(self.H.shape[1])

    @cached_property
    def integer(self) -> bool:
        """Whether every entry is an integer (then the family is evaluated exactly)."""
        return bool(np.all(self.H == np.round(self.H))) and bool(np.all(np.abs(self.H) < 2**31))

    def params(self) -> dict[str, Any]:
        """The witness as JSON-ready parameters of a counterexample."""
        H = self.H.astype(int).tolist() if self.integer else np.round(self.H, 12).tolist()
        out: dict[str, Any] = {"n": self.n, "d": self.d, "H": H}
        if self.batch is not None:
            out.update({"B": self.B, "batch": self.batch})
        if self.c != 0:
            out["rho_over_alpha"] = str(self.c)
        if self.start != "generic":
            out["w0"] = self.start
        out["search"] = self.origin
        return out


class FamilyModel:
    """Placeholder values of the §2 statements at one :class:`FamilyWitness` (float, or exact rationals)."""

    def __init__(self, w: FamilyWitness, *, exact: bool = False) -> None:
        if exact and not w.integer:
            raise ValueError(f"exact=True needs an integer family (witness from {w.origin})")
        self.w, self.exact = w, exact
        self._cache: dict[Any, Any] = {}
        self._cq = sp.nsimplify(w.c)

    # -- the family ---------------------------------------------------------------------------------
    @cached_property
    def _coh(self):
        return coherence(self.w.H)

    @cached_property
    def _exact_mats(self) -> list[sp.Matrix]:
        return [sp.Matrix(h.astype(int).tolist()) for h in self.w.H]

    @cached_property
    def _exact_eigs(self) -> list[sp.Expr]:
        Hbar = sum(self._exact_mats, sp.zeros(self.w.d, self.w.d)) / self.w.n
        ev = []
        for e, mult in Hbar.eigenvals().items():
            ev += [sp.nsimplify(e)] * mult
        return sorted(ev, key=lambda e: float(sp.N(e, 30)))

    @cached_property
    def _diagonal(self) -> bool:
        return is_diagonal(self.w.H)

    def forall(self, sym: sp.Symbol) -> tuple[Any, ...]:
        """The eigenvalues of ``H`` (what ``lambda_i`` ranges over)."""
        if sym != cc.lambda_i:
            raise Undecidable(f"{sym} ranges over nothing this model knows")
        if self.exact:
            return tuple(self._exact_eigs)
        return tuple(sp.Float(x) for x in np.linalg.eigvalsh(self.w.H.mean(axis=0)))

    # -- scalars --------------------------------------------------------------------------------------
    def value(self, obj: sp.Basic, point: Mapping[sp.Symbol, Any]) -> Any:
        """The value of a symbol or placeholder (raises ``KeyError`` for one the model does not define)."""
        w = self.w
        if obj == cc.n:
            return sp.Integer(w.n)
        if obj == cc.B and w.B is not None:
            return sp.Integer(w.B)
        if obj == cc.dim:
            return sp.Integer(w.d)
        if obj == cc.rho:
            return self._cq
        if obj == cc.alpha:
            return sp.S.One  # c = rho/alpha is read with alpha = 1
        if obj == cc.s_pert:
            return sp.nsimplify(w.s)
        if obj == cc.sigma:
            return symbolic_coherence(self._exact_mats).sigma if self.exact else sp.Float(self._coh.sigma)
        if isinstance(obj, AppliedUndef):
            f = obj.func
            if f == cc.lambda_max:
                return self._exact_eigs[-1] if self.exact else sp.Float(self._coh.lambda_max_H)
            if f == cc.lambda_min:
                return self._exact_eigs[0] if self.exact else sp.Float(self._coh.lambda_min_H)
            if f == cc.PSD:
                return sp.true  # every witness family is built as A A^T
            if f == cc.rho_T:
                return self.radius(obj.args[0], point[cc.eta])[0]
            if f == cc.TrM:
                return self.trace_M(int(point[cc.k]), point)
        raise KeyError(obj)

    def _c(self, alg: sp.Symbol, point: Mapping[sp.Symbol, Any]) -> sp.Expr:
        if alg != cc.SAM:
            return sp.S.Zero
        rho, alpha = point.get(cc.rho, self._cq), point.get(cc.alpha, sp.S.One)
        return rho / alpha

    def radius(self, alg: sp.Symbol, eta: Any, c: Any = None) -> tuple[Any, bool]:
        """Spectral radius of ``alg``'s second-moment map at ``eta`` and whether its peripheral spectrum is semisimple."""
        if alg not in (cc.SGD, cc.SAM, cc.RP):
            raise Undecidable(f"{alg} is not an algorithm of the model (SGD, SAM, RP)")
        c = (self._cq if alg == cc.SAM else sp.S.Zero) if c is None else sp.sympify(c)
        key = ("radius", c, eta, self.exact)
        if key not in self._cache:
            w = self.w
            if self.exact:
                if self._diagonal:
                    D = [[int(h[j, j]) for j in range(w.d)] for h in w.H]
                    self._cache[key] = (max(diagonal_rates_exact(D, B=w.B, batch=w.batch, eta=eta, c=c)), True)
                elif not sp.sympify(eta).is_Rational:
                    raise Undecidable(f"exact radius at an irrational step size {eta} (non-diagonal family)")
                elif w.d <= _EXACT_MAX_D:
                    self._cache[key] = exact_radius(w.H.astype(int).tolist(), B=w.B, batch=w.batch, eta=eta, c=c)
                else:
                    raise Undecidable(f"exact radius for d = {w.d} > {_EXACT_MAX_D}")
            else:
                e, cf = float(eta), float(c)
                if self._diagonal:
                    D = np.einsum("nii->ni", w.H)
                    r = float(np.max(diagonal_rates(D, B=w.B, batch=w.batch, eta=e, c=cf)))
                else:
                    kw = {"kind": "sam", "rho": cf, "alpha": 1.0} if cf > 0 else {"kind": "sgd"}
                    r = spectral_radius(w.H, B=w.B, batch=w.batch, eta=e, **kw)
                self._cache[key] = (sp.Float(r), True)
        return self._cache[key]

    def threshold(self, alg: sp.Symbol) -> tuple[float, float, float]:
        """The model's exact threshold ``eta*`` of ``alg`` (float) and its certified bracket."""
        c = float(self.w.c) if alg == cc.SAM else 0.0
        kw = {"kind": "sam", "rho": c, "alpha": 1.0} if c > 0 else {"kind": "sgd"}
        key = ("eta_star", c)
        if key not in self._cache:
            th = eta_star(self.w.H, B=self.w.B, batch=self.w.batch, **kw)
            self._cache[key] = (th.eta_star, *th.bracket)
        return self._cache[key]

    def trace_M(self, k: int, point: Mapping[sp.Symbol, Any]) -> Any:
        """``Tr M_k`` with ``M_k = E[J_1^T ... J_k^T J_k ... J_1]`` of SAM (adjoint second-moment map from ``I``)."""
        w, eta, c = self.w, point[cc.eta], self._c(cc.SAM, point)
        key = ("TrM", eta, c, self.exact)
        if key not in self._cache:
            if self.exact:
                T = exact_operator(w.H.astype(int).tolist(), B=w.B, batch=w.batch, eta=eta, c=c).T
                v, seq = sp.Matrix(sp.eye(w.d).reshape(w.d * w.d, 1)), []
            else:
                kw = {"kind": "sam", "rho": float(c), "alpha": 1.0} if c > 0 else {"kind": "sgd"}
                T = second_moment_operator(w.H, B=w.B, batch=w.batch, eta=float(eta), **kw).T
                v, seq = np.eye(w.d).ravel(), []
            self._cache[key] = (T, v, seq)
        T, v, seq = self._cache[key]
        while len(seq) < k:
            v = T * v if self.exact else T @ v  # M_k = E[J^T M_{k-1} J]: the adjoint of M -> E[J M J^T]
            seq.append(sum(v[i * w.d + i] for i in range(w.d)) if self.exact else sp.Float(float(np.trace(v.reshape(w.d, w.d)))))
            self._cache[key] = (T, v, seq)
        return seq[k - 1]

    # -- sequences ------------------------------------------------------------------------------------
    def sequence(self, obj: sp.Basic, point: Mapping[sp.Symbol, Any]) -> Seq:
        """The leading term ``A R^k k^m`` of ``E_w2(alg, k)`` or ``N(k)`` at the point (``A`` positive)."""
        f = obj.func
        if f == cc.N_k:
            if cc.eta not in point:
                raise Undecidable("N_k needs a step size")
            if self.exact and self.w.d <= _EXACT_MAX_D:
                return Seq(POSITIVE, noise_rate_exact(self.w.H.astype(int).tolist(), B=self.w.B, eta=point[cc.eta],
                                                      c=self._c(cc.SAM, point)), 0)
            return Seq(POSITIVE, sp.Float(noise_rate(self.w.H, B=self.w.B, eta=float(point[cc.eta]),
                                                    c=float(self._c(cc.SAM, point)))), 0)
        if f != cc.Ew2:
            raise Undecidable(f"{obj} is not a sequence of the model")
        alg, eta = obj.args[0], point[cc.eta]
        R, semisimple = self.radius(alg, eta, self._c(alg, point))
        if alg == cc.RP:
            # M' = T(M + s^2 I): the forcing reaches the Perron mode of the completely positive T,
            # so E||w_k||^2 grows at T's radius, linearly at radius 1, and settles below it.
            c1 = _cmp(R, sp.S.One)
            # below 1 the forced second moment settles at a constant: its class is decided by R's gap to 1
            return Seq(POSITIVE, R, 0) if c1 > 0 else Seq(POSITIVE, sp.S.One, 1 if c1 == 0 else 0, R)
        if self.w.start != "generic":
            R = self._active_rate(alg, eta, point)
        if R == 1 and self.exact:
            return Seq(POSITIVE, sp.S.One, 0 if semisimple else 1)
        return Seq(POSITIVE, R, 0)

    def _active_rate(self, alg: sp.Symbol, eta: Any, point: Mapping[sp.Symbol, Any]) -> Any:
        """The growth rate of ``E||w_k||^2`` from ``w_0 = e_j``: the largest factor among the modes ``w_0`` reaches."""
        if not self._diagonal:
            raise Undecidable("a basis start is modelled for diagonal families only (decoupled modes)")
        j, w, c = int(self.w.start[1:]), self.w, self._c(alg, point)
        D = np.einsum("nii->ni", w.H)
        if self.exact:
            return diagonal_rates_exact([[int(x) for x in row] for row in D], B=w.B, batch=w.batch, eta=eta, c=c)[j]
        return sp.Float(float(diagonal_rates(D, B=w.B, batch=w.batch, eta=float(eta), c=float(c))[j]))

