"""Chen et al. 2023: bind a claim's placeholders to what the experiment measures, on the claim's grid of points.

This is the experiment's reading of the placeholders of :mod:`derivations.chen2023` (which simulated
quantity each one is); everything the claim asserts about them stays in the claim's statement:

* ``E_SGD(mu, d)``, ``E_SAM(mu, d)``: seed-mean test error against noisy labels at a grid cell;
* a critical signal strength named in the experiment's ``critical`` definitions, e.g. ``mu_c(d)``:
  where the defining relation (``E_SGD(mu, d) <= p + epsilon``) first holds along the ``||mu||`` grid;
* ``Derivative(log(mu_c(d)), d)``: ``beta / d`` with ``beta`` the least-squares slope of
  ``log mu_c`` on ``log d`` over one fit window of ``d`` (the experiment's ``exponent_fit``: :func:`bind`
  binds one window at a time; the checker decides the statement in every window);
* ``rho_SGD(t)``, ``rho_SAM(t)``, ``gamma_SGD(t)``, ``gamma_SAM(t)``: the noise and signal coefficients
  at epoch ``t`` (seed means), at every cell;
* the symbol ``T_1``: the end of early training (:attr:`ChenAnalysis.early_epoch`).

The grid has axes ``d`` and ``||mu||`` (the sweep's) and one axis per other free symbol of the statement
or of ``where``, with the values the claim declares in ``extras["points"]``. A placeholder or symbol
the experiment does not measure is an error naming it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from derivations import Claim
from derivations import chen2023 as ch
from derivations._validate import fail

from ._canon import canonical_text
from ._chen_analysis import CONVERGED_SHARE, ChenAnalysis, ExperimentSpec
from ._chen_boot import fit_slopes
from ._chen_logic import Grid, as_boolean

__all__ = ["Bound", "bind"]

#: The experiment's test-error placeholders and the optimiser each one measures.
TEST_ERROR = {ch.E_sgd: "sgd", ch.E_sam: "sam"}
#: The coefficient placeholders: (optimiser, recorded trajectory).
TRAJECTORY = {ch.rho_sgd: ("sgd", "noise"), ch.rho_sam: ("sam", "noise"),
              ch.gamma_sgd: ("sgd", "signal"), ch.gamma_sam: ("sam", "signal")}


@dataclass(frozen=True)
class Bound:
    """A claim's statement with its placeholders replaced by sampled symbols, and everything to evaluate it."""

    hypothesis: sp.Basic | None
    conclusion: sp.Basic
    where: sp.Basic
    grid: Grid
    samples: dict[sp.Symbol, np.ndarray]
    labels: dict[sp.Symbol, str]
    constants: dict[sp.Symbol, Any]
    notes: list[str] = field(default_factory=list)
    measured: dict[str, Any] = field(default_factory=dict)
    kinds: dict[sp.Symbol, str] = field(default_factory=dict)
    fitted: bool = False

    def value_at(self, sym: sp.Symbol, flat_index: int) -> float:
        """The estimate (row 0) of a sampled symbol at one grid point."""
        return float(np.broadcast_to(self.samples[sym][0], self.grid.shape).ravel()[flat_index])


def _expand(arr: np.ndarray, n_axes: int) -> np.ndarray:
    """``(replicates, k...)`` padded with trailing unit axes to ``1 + n_axes`` dimensions."""
    return arr.reshape(arr.shape + (1,) * (1 + n_axes - arr.ndim))


class _Binder:
    def __init__(self, claim: Claim, spec: ExperimentSpec, an: ChenAnalysis, window: sp.Basic) -> None:
        self.claim, self.spec, self.an, self.window = claim, spec, an, window
        self.kinds: dict[sp.Symbol, str] = {}
        self.constants: dict[sp.Symbol, Any] = {**dict(spec.constants), ch.T_1: sp.Integer(an.early_epoch)}
        self.critical = dict(spec.critical)
        self.samples: dict[sp.Symbol, np.ndarray] = {}
        self.labels: dict[sp.Symbol, str] = {}
        self.notes: list[str] = []
        self.measured: dict[str, Any] = {}
        self._mu_c: dict[Any, np.ndarray] = {}

    def grid(self, exprs: list[sp.Basic]) -> Grid:
        free: set[sp.Symbol] = set()
        for e in exprs:
            free |= {s for s in e.free_symbols if isinstance(s, sp.Symbol)}
        others = sorted(free - {ch.d, ch.mu} - set(self.constants), key=lambda s: s.name)
        points = self.claim.extras.get("points", {})
        values = [np.asarray(self.an.grid.d_values, float), np.asarray(self.an.grid.mu_values, float)]
        for s in others:
            if s not in points:
                raise fail(f"{self.claim.id}.extras['points']", sorted(p.name for p in points),
                           f"values for {s.name}, a free symbol of the statement that the experiment does not bind")
            values.append(np.array([float(sp.sympify(v).subs(self.constants)) for v in points[s]]))
        return Grid((ch.d, ch.mu, *others), tuple(values))

    def new(self, label: str, arr: np.ndarray, n_axes: int) -> sp.Symbol:
        sym = sp.Dummy(f"m{len(self.samples)}")
        self.samples[sym] = _expand(arr, n_axes)
        self.labels[sym] = label
        return sym

    # -- measured quantities ----------------------------------------------------------------------------
    def mu_c(self, F: Any) -> np.ndarray:
        if F not in self._mu_c:
            rel = self.critical[F]
            E = rel.lhs.func if isinstance(rel.lhs, AppliedUndef) else None
            if E not in TEST_ERROR or rel.lhs.args != (ch.mu, ch.d) or rel.rel_op not in ("<=", "<"):
                raise fail(f"critical[{F}]", rel, "E(mu, d) <= threshold with E a measured test error")
            thr = float(sp.sympify(rel.rhs).subs(self.constants))
            mc, notes = self.an.critical(TEST_ERROR[E], thr)
            self.notes += notes
            self._mu_c[F] = mc
            self.measured[f"{F.__name__}(d)"] = {"threshold": thr, "estimate": _round(mc[0]),
                                                 "ci95": _ci(mc[1:])}
        return self._mu_c[F]

    def derivative(self, e: sp.Derivative, n_axes: int) -> sp.Expr:
        inner = e.expr
        call = inner.args[0] if isinstance(inner, sp.log) else None
        if (call is None or not isinstance(call, AppliedUndef) or call.func not in self.critical
                or call.args != (ch.d,) or e.variables != (ch.d,)):
            raise fail("statement", str(e), "a derivative of the form Derivative(log(mu_c(d)), d) of a critical "
                       "signal strength the experiment defines")
        mc = self.mu_c(call.func)
        inside = set(self.spec.window_d(self.window))
        use = np.array([dv in inside for dv in self.an.grid.d_values])
        d_fit = np.asarray(self.an.grid.d_values)[use]
        beta = fit_slopes(d_fit, mc[:, use])
        name = f"d dlog({call.func.__name__})/dd"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # every replicate censored: reported as None
            se = float(np.nanstd(beta[1:], ddof=1))
        self.measured[name] = {"fit_d": d_fit.tolist(), "estimate": _round(beta[0]), "bootstrap_se": _round(se),
                               "ci95": _ci(beta[1:])}
        sym = self.new(name, beta, n_axes)
        self.kinds[sym] = "exponent"
        return sym / ch.d

    def call(self, c: AppliedUndef, grid: Grid) -> sp.Symbol:
        F, n_axes = c.func, len(grid.axes)
        if F in TEST_ERROR:
            if c.args != (ch.mu, ch.d):
                raise fail("statement", str(c), f"{F.__name__}(mu, d): the experiment measures it at grid cells")
            alg = TEST_ERROR[F]
            arr = self.an.curves[alg].copy()
            bad = self.an.converged[alg] < CONVERGED_SHARE
            arr[:, bad] = np.nan  # not the end-of-training error there
            if bad.any():
                self.notes.append(f"{alg.upper()}: {int(bad.sum())} cells below the converged share")
            return self.new(str(c), arr, n_axes)
        if F in self.critical:
            if c.args != (ch.d,):
                raise fail("statement", str(c), f"{F.__name__}(d)")
            return self.new(str(c), self.mu_c(F), n_axes)
        if F in TRAJECTORY:
            return self.new(str(c), self.trajectory(c, grid), n_axes)
        known = sorted(f.__name__ for f in (*TEST_ERROR, *self.critical, *TRAJECTORY))
        raise fail("statement", str(c), f"a quantity the experiment measures: {known}")

    def trajectory(self, c: AppliedUndef, grid: Grid) -> np.ndarray:
        alg, name = TRAJECTORY[c.func]
        (arg,) = c.args
        arg = sp.sympify(arg).subs(self.constants)
        if arg.free_symbols - set(grid.axes):
            raise fail("statement", str(c), "an epoch given by grid symbols and bound constants")
        fn = sp.lambdify(grid.axes, arg, modules="numpy")
        coords = [np.asarray(v, float).reshape([-1 if i == k else 1 for i in range(len(grid.axes))])
                  for k, v in enumerate(grid.values)]
        ep = np.broadcast_to(np.asarray(fn(*coords), float), grid.shape)
        if not np.all(ep == np.round(ep)):
            raise fail("statement", str(c), "evaluated at whole epochs")
        ep = ep.astype(int)
        ue = np.unique(ep)
        M = np.stack([self.an.trajectory(alg, name, int(e)) for e in ue], axis=-1)  # (R, nd, nmu, n_epochs)
        pos = np.searchsorted(ue, ep)
        I = np.arange(grid.shape[0]).reshape([-1] + [1] * (len(grid.shape) - 1))
        J = np.arange(grid.shape[1]).reshape([1, -1] + [1] * (len(grid.shape) - 2))
        return M[:, I, J, pos]


def _round(x: Any) -> Any:
    """Rounded for reports; a value that is not finite (not measured) becomes ``None``."""
    a = np.asarray(x, float)
    if a.ndim:
        return [_round(v) for v in a]
    return round(float(a), 4) if np.isfinite(a) else None


def _ci(reps: np.ndarray) -> Any:
    """The 2.5% and 97.5% percentiles of the finite replicates (context for the report, not the decision)."""
    lo = np.array([np.quantile(r[np.isfinite(r)], 0.025) if np.isfinite(r).any() else np.nan
                   for r in np.atleast_2d(reps.T)])
    hi = np.array([np.quantile(r[np.isfinite(r)], 0.975) if np.isfinite(r).any() else np.nan
                   for r in np.atleast_2d(reps.T)])
    out = [[_round(a), _round(b)] for a, b in zip(lo, hi)]
    return out if reps.ndim > 1 else out[0]


def bind(claim: Claim, spec: ExperimentSpec, an: ChenAnalysis, window: sp.Basic | None = None) -> Bound:
    """The claim's statement and ``where`` on the experiment's grid, with its placeholders measured.

    Exponents are fitted over ``window`` (a relation in ``d``; default the primary fit window).
    """
    hyp, concl = as_boolean(claim.statement)
    b = _Binder(claim, spec, an, spec.exponent_fit if window is None else window)
    exprs = [e for e in (hyp, concl, claim.where) if e is not None]
    grid = b.grid(exprs)
    n_axes = len(grid.axes)

    def replace(e: sp.Basic | None) -> sp.Basic | None:
        if e is None:
            return None
        # measured quantities are numbered (m0, m1, ...) in a canonical order, never in a set's hash order,
        # so every process prints the same statement and labels
        derivs = {x: b.derivative(x, n_axes) for x in sorted(e.atoms(sp.Derivative), key=canonical_text)}
        e = e.xreplace(derivs)  # first: a derivative's inner call must not be replaced by a sample
        calls = {c: b.call(c, grid) for c in sorted(e.atoms(AppliedUndef), key=canonical_text)}
        return e.xreplace(calls).subs(b.constants)

    hyp2, concl2 = replace(hyp), replace(concl)
    where = sp.sympify(claim.where).subs(b.constants)
    if where.atoms(AppliedUndef):
        raise fail(f"{claim.id}.where", claim.where, "free of measured quantities")
    fitted = any(e.atoms(sp.Derivative) for e in (hyp, concl) if e is not None)
    return Bound(hyp2, concl2, where, grid, b.samples, b.labels, b.constants, b.notes, b.measured, b.kinds, fitted)
