"""The toy experiments of Kim et al. 2023 (quadratic saddle, Beale function, gradient cosine), re-run exactly.

Three experiments, each returning frozen dataclasses with the numbers behind every statement:

* :func:`run_quadratic_saddle`: ``f(x, y) = x^2 - y^2`` from ``(-3, -0.01)``, lr 0.01, 500 steps; GD
  against SAM (``rho = 0.5``) under the plain and normalised readings.
* :func:`run_beale`: Beale's function from ``(1, 2)``; GD against SAM with ``rho`` in {0.1, 0.5, 1.0}
  under both readings, at the authors' effective lr 1.25e-5; plus the exact Hessian at the saddle
  ``(0, 1)`` (:func:`beale_saddle_hessian`).
* :func:`cosine_summary`: the series ``cos(grad l(w_t), grad l(w_t^p))`` after a SAM run reaches the
  saddle (fraction of steps near +-1, sign changes).

The losses are those declared with the claims (:mod:`derivations.kim2023_ext`); the SAM update rule
here is tested against :func:`derivations.discrete_sam.sam_step`; the figures are in :mod:`verify._kim_plots`.

Precision: near a saddle ``d`` a float64 iterate ``w`` stores ``w - d`` only to ``1e-16 |d|``, and the
gradient there is a difference of O(1) terms. Every run therefore iterates the displacement
``u = w - d`` and evaluates the loss's gradient from the polynomial expanded exactly around ``d``
(SymPy, rational coefficients, lambdified once to plain-float code), so displacements down to the
float64 underflow are represented; norms use ``math.hypot`` (no underflow of squares).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Literal, Sequence

import numpy as np
import sympy as sp

from derivations._validate import check_choice, check_integer, check_nonnegative, check_positive, fail

__all__ = [
    "PRECISION_NOTE",
    "Run",
    "QuadraticSaddleResults",
    "run_quadratic_saddle",
    "BealeSaddleHessian",
    "beale_saddle_hessian",
    "BealeResults",
    "run_beale",
    "CosineSummary",
    "cosine_summary",
    "classify",
    "window_length",
    "window_distances",
]

PRECISION_NOTE = (
    "iterated in shifted coordinates u = w - d with the loss expanded exactly (rational coefficients) "
    "around the saddle d and lambdified to float64; norms by math.hypot, so |u| is resolved down to "
    "float64 underflow (~1e-308) instead of ~1e-16 |d|"
)

Method = Literal["gd", "plain", "normalised"]
_METHODS = ("gd", "plain", "normalised")

_x, _y, _u1, _u2 = sp.symbols("x y u1 u2", real=True)


@dataclass(frozen=True)
class Run:
    """One trajectory of GD or SAM and where it ends.

    ``path`` holds the iterates in original coordinates (every ``stride``-th step, last step always
    included); ``cosines`` the per-step ``cos(grad l(w_t), grad l(w_t^p))`` (SAM only, else empty).
    ``classification`` is one of 'attracted to saddle', 'oscillating near saddle', 'stalled near
    saddle', 'escaped', 'converged to minimum', 'diverged', 'still moving', decided from statistics
    over the decision window (:func:`classify`); ``numbers`` holds those statistics and the window;
    ``window`` every iterate of the last quarter of the steps (original coordinates; empty after a
    divergence); ``steps_run`` is smaller than ``n_steps`` only after divergence.
    """

    method: str
    rho: float
    lr: float
    n_steps: int
    steps_run: int
    stride: int
    path: np.ndarray = field(repr=False)
    final: tuple[float, float]
    final_displacement: tuple[float, float]
    distance_to_saddle: float
    distance_to_minimum: float | None
    classification: str
    numbers: dict
    cosines: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    window: np.ndarray = field(repr=False, default_factory=lambda: np.empty((0, 2)))

    def __post_init__(self) -> None:
        assert self.steps_run <= self.n_steps
        assert self.path.ndim == 2 and self.path.shape[1] == 2


#: The decision window of every trajectory label: the last quarter of the steps (at least 2 iterates).
WINDOW_FRACTION = 4
#: "Attracted": the mean distance to the saddle over the window's second half is 10x below its first half's
#: (a geometric contraction; a bounded oscillation or a frozen coordinate keeps the ratio near 1).
CONTRACTION = 10.0


def window_length(n_steps: int) -> int:
    """Iterates in the decision window of an ``n_steps`` run: the last quarter of the steps (at least 2)."""
    return max(n_steps // WINDOW_FRACTION, 2)


def classify(
    window: np.ndarray,
    *,
    minimum_disp: np.ndarray | None,
    diverged: bool,
    escape_radius: float,
    near_radius: float,
    min_tol: float = 1e-3,
    first_step: int | None = None,
) -> tuple[str, dict]:
    """Label the end of a trajectory from statistics of its displacements over the decision ``window``.

    ``window`` (shape (n, 2), relative to the saddle) holds the consecutive iterates of the last
    quarter of the run (``first_step`` is the index of its first iterate, for the record). Every
    label is decided from window statistics, never from one iterate: 'diverged' (non-finite or
    flagged); 'converged to minimum' (every iterate of the window within ``min_tol`` of
    ``minimum_disp``); 'escaped' (every iterate farther than ``escape_radius`` from the saddle and the
    mean distance growing from the window's first half to its second); near the saddle (every iterate
    within ``near_radius``): 'attracted to saddle' if the mean distance over the second half is
    ``CONTRACTION`` times below the first half's, 'oscillating near saddle' if the displacement flips
    sign at least once every 4 steps and the mean step is at least a tenth of the mean distance,
    'stalled near saddle' otherwise; else 'still moving'.
    """
    n = len(window)
    numbers: dict = {"window": f"last quarter of the run: {n} iterates"
                     + (f", steps {first_step}..{first_step + n - 1}" if first_step is not None else "")}
    if diverged or not np.all(np.isfinite(window)):
        last = window[-1]
        return "diverged", {**numbers, "final_norm": float(np.hypot(*last)) if np.all(np.isfinite(last)) else math.inf}
    r = np.hypot(window[:, 0], window[:, 1])
    half = max(n // 2, 1)
    first, second = float(np.mean(r[:half])), float(np.mean(r[half:] if n > 1 else r))
    steps = np.hypot(*np.diff(window, axis=0).T) if n > 1 else np.zeros(1)
    flips = int(np.sum(np.any(np.sign(window[1:]) * np.sign(window[:-1]) < 0, axis=1)))
    numbers.update(
        window_steps=int(n - 1),
        min_distance_in_window=float(r.min()),
        max_distance_in_window=float(r.max()),
        mean_distance_first_half=first,
        mean_distance_second_half=second,
        mean_step_in_window=float(np.mean(steps)),
        sign_flips_in_window=flips,
    )
    if minimum_disp is not None:
        dmin = np.hypot(window[:, 0] - minimum_disp[0], window[:, 1] - minimum_disp[1])
        numbers["max_distance_to_minimum_in_window"] = float(dmin.max())
        if dmin.max() < min_tol:
            return "converged to minimum", numbers
    if r.min() > escape_radius and second > first:
        return "escaped", numbers
    if r.max() < near_radius:
        if second * CONTRACTION < first:
            return "attracted to saddle", numbers
        if flips >= (n - 1) / 4 and numbers["mean_step_in_window"] > 0.1 * float(np.mean(r)):
            return "oscillating near saddle", numbers
        return "stalled near saddle", numbers
    return "still moving", numbers


def _step_factory(grad: Callable[[float, float], Sequence[float]], method: str, rho: float, lr: float):
    """Return ``step(u1, u2) -> (u1', u2', cos)`` for one GD / plain SAM / normalised SAM update."""

    def gd(a: float, b: float) -> tuple[float, float, float]:
        g1, g2 = grad(a, b)
        return a - lr * g1, b - lr * g2, math.nan

    def sam(a: float, b: float) -> tuple[float, float, float]:
        g1, g2 = grad(a, b)
        if method == "plain":
            p1, p2 = a + rho * g1, b + rho * g2
        else:
            n = math.hypot(g1, g2)
            if n == 0.0:  # g/||g|| undefined exactly at a critical point: no ascent step
                p1, p2 = a, b
            else:
                p1, p2 = a + rho * g1 / n, b + rho * g2 / n
        h1, h2 = grad(p1, p2)
        denom = math.hypot(g1, g2) * math.hypot(h1, h2)
        c = (g1 * h1 + g2 * h2) / denom if denom > 0 else math.nan
        return a - lr * h1, b - lr * h2, c

    return gd if method == "gd" else sam


def _run(
    grad: Callable[[float, float], Sequence[float]],
    *,
    method: str,
    rho: float,
    lr: float,
    n_steps: int,
    start_disp: tuple[float, float],
    saddle: tuple[float, float],
    minimum: tuple[float, float] | None,
    escape_radius: float,
    near_radius: float,
    blowup: float,
    n_saved: int,
) -> Run:
    step = _step_factory(grad, method, rho, lr)
    stride = max(1, n_steps // n_saved)
    a, b = start_disp
    saved = [(a, b)]
    cos = np.full(n_steps, np.nan)
    diverged = False
    done = 0
    # The decision window: every iterate of the last quarter of the steps (consecutive, for sign flips).
    win_len = window_length(n_steps)
    first = n_steps - win_len + 1  # index of the window's first iterate (iterate k after k steps)
    window = np.empty((win_len, 2))
    for i in range(n_steps):
        try:
            a, b, c = step(a, b)
        except OverflowError:
            diverged, a, b, c = True, math.inf, math.inf, math.nan
        cos[i] = c
        done = i + 1
        if i + 1 >= first:
            window[i + 1 - first] = (a, b)
        if (i + 1) % stride == 0 or i + 1 == n_steps:
            saved.append((a, b))
        if not (math.isfinite(a) and math.isfinite(b)) or math.hypot(a, b) > blowup:
            diverged = True
            saved.append((a, b))
            break
    disp = np.array(saved, dtype=float) if diverged else window
    min_disp = None if minimum is None else np.array(minimum) - np.array(saddle)
    label, numbers = classify(
        disp, minimum_disp=min_disp, diverged=diverged, escape_radius=escape_radius, near_radius=near_radius,
        first_step=None if diverged else first,
    )
    path = np.array(saved, dtype=float) + np.array(saddle)
    fin = (a + saddle[0], b + saddle[1])
    return Run(
        method=method,
        rho=rho if method != "gd" else 0.0,
        lr=lr,
        n_steps=n_steps,
        steps_run=done,
        stride=stride,
        path=path,
        final=fin,
        final_displacement=(a, b),
        distance_to_saddle=math.hypot(a, b),
        distance_to_minimum=None if minimum is None else math.hypot(fin[0] - minimum[0], fin[1] - minimum[1]),
        classification=label,
        numbers=numbers,
        cosines=cos[:done] if method != "gd" else np.empty(0),
        window=np.empty((0, 2)) if diverged else window + np.array(saddle),
    )


# ----------------------------------------------------------------------------- quadratic saddle


@dataclass(frozen=True)
class QuadraticSaddleResults:
    """GD and SAM on ``x^2 - y^2`` (saddle at the origin, Hessian eigenvalues 2 and -2).

    ``runs`` maps 'gd', 'plain', 'normalised' to their :class:`Run`. ``theory`` holds the exact
    per-step multipliers of the linear maps (GD: ``1 - 2 lr``, ``1 + 2 lr``; plain SAM:
    ``1 - lr lambda (1 + rho lambda)`` for lambda = 2, -2) and the normalised-SAM axis 2-cycle amplitude
    ``lr rho 2/(2 - 2 lr)`` with its transverse multiplier ``4 lr - 1``, all from ``derivations.discrete_sam``.
    """

    lr: float
    n_steps: int
    rho: float
    start: tuple[float, float]
    runs: dict
    theory: dict
    precision: str = PRECISION_NOTE


def run_quadratic_saddle(
    *, lr: float = 0.01, n_steps: int = 500, rho: float = 0.5, start: tuple[float, float] = (-3.0, -0.01)
) -> QuadraticSaddleResults:
    """Run GD, plain SAM and normalised SAM on ``f(x, y) = x^2 - y^2`` and classify where each ends."""
    from derivations import discrete_sam as ds

    lr = check_positive("lr", lr)
    rho = check_nonnegative("rho", rho)
    n_steps = check_integer("n_steps", n_steps, minimum=1)
    from derivations.kim2023_ext import QUADRATIC_SADDLE_LOSS, x_, y_

    f = QUADRATIC_SADDLE_LOSS.subs({x_: _x, y_: _y}, simultaneous=True)
    grad = sp.lambdify((_u1, _u2), [sp.diff(f, v).subs({_x: _u1, _y: _u2}) for v in (_x, _y)], "math")
    runs = {
        m: _run(
            grad, method=m, rho=rho, lr=lr, n_steps=n_steps, start_disp=start, saddle=(0.0, 0.0), minimum=None,
            escape_radius=1.0,  # well outside every SAM neighbourhood used here (rho <= 1)
            near_radius=0.1,  # ten times the initial offset along the escape direction
            blowup=1e12, n_saved=n_steps,
        )
        for m in _METHODS
    }
    eta_, rho_ = sp.nsimplify(lr), sp.nsimplify(rho)
    lam = sp.Symbol("lam")
    theory = {
        "gd_multipliers": tuple(float(ds.gd_multiplier(lam=lam).subs({lam: v, ds.eta: eta_})) for v in (2, -2)),
        "plain_multipliers": tuple(
            float(ds.sam_multiplier(lam=lam).subs({lam: v, ds.eta: eta_, ds.rho: rho_})) for v in (2, -2)
        ),
        "theorem1_threshold": 0.5,
        "discrete_attraction_set": str(ds.discrete_attraction_set([2, -2], eta_)),
    }
    L = sp.Symbol("L", positive=True)
    cyc = ds.normalised_axis_cycle_stability(lam1=L, lam2=-L)
    theory["normalised_cycle_amplitude"] = float(cyc.amplitude.subs({L: 2, ds.eta: eta_, ds.rho: rho_}))
    theory["normalised_transverse_multiplier"] = float(cyc.transverse.subs({L: 2, ds.eta: eta_}))
    return QuadraticSaddleResults(lr, n_steps, rho, tuple(start), runs, theory)


# ----------------------------------------------------------------------------- Beale


def _beale_expr() -> sp.Expr:
    """Beale's function in ``x, y`` (the experiment's loss, declared with the claim in :mod:`derivations.kim2023_ext`)."""
    from derivations.kim2023_ext import BEALE_LOSS, x_, y_

    return BEALE_LOSS.subs({x_: _x, y_: _y}, simultaneous=True)


@dataclass(frozen=True)
class BealeSaddleHessian:
    """The exact Hessian of Beale's function at the saddle ``(0, 1)`` and Theorem 1's threshold.

    ``eigenvalues`` sorted ascending (``lambda_1 < 0``); ``threshold = -1/lambda_1``;
    ``discrete_attraction_set`` is the exact set of rho with |mu_j| < 1 for the given lr.
    """

    gradient: tuple
    hessian: sp.Matrix
    eigenvalues: tuple
    threshold: sp.Expr
    discrete_attraction_set: sp.Set


def beale_saddle_hessian(*, lr: float | sp.Rational = sp.Rational(1, 80000)) -> BealeSaddleHessian:
    """Compute the gradient, Hessian and eigenvalues of Beale's function at ``(0, 1)`` in exact rationals."""
    from derivations import discrete_sam as ds

    f = _beale_expr()
    at = {_x: 0, _y: 1}
    g = tuple(sp.diff(f, v).subs(at) for v in (_x, _y))
    H = sp.hessian(f, (_x, _y)).subs(at)
    eig = tuple(sorted(H.eigenvals(multiple=True)))
    lam1 = eig[0]
    return BealeSaddleHessian(g, H, eig, -1 / lam1, ds.discrete_attraction_set(list(eig), sp.nsimplify(lr)))


@lru_cache(maxsize=1)
def _beale_grad_shifted() -> Callable[[float, float], list]:
    """Gradient of Beale in ``u = w - (0, 1)``, expanded exactly once (rational coefficients)."""
    fu = sp.expand(_beale_expr().subs({_x: _u1, _y: 1 + _u2}, simultaneous=True))
    return sp.lambdify((_u1, _u2), [sp.diff(fu, _u1), sp.diff(fu, _u2)], "math")


@dataclass(frozen=True)
class BealeResults:
    """GD and SAM runs on Beale's function from ``(1, 2)``; ``runs`` keys are 'gd', 'plain rho=0.1', ..."""

    lr: float
    n_steps: int
    rhos: tuple[float, ...]
    start: tuple[float, float]
    runs: dict
    saddle: BealeSaddleHessian
    precision: str = PRECISION_NOTE


BEALE_SADDLE = (0.0, 1.0)
BEALE_MINIMUM = (3.0, 0.5)


def run_beale(
    *,
    lr: float = 1.25e-5,
    n_steps: int = 50_000,
    rhos: Sequence[float] = (0.1, 0.5, 1.0),
    readings: Sequence[str] = ("plain", "normalised"),
    start: tuple[float, float] = (1.0, 2.0),
    n_saved: int = 2000,
) -> BealeResults:
    """Run GD and SAM (each rho, each reading) on Beale's function and classify where each run ends.

    ``lr`` defaults to the authors' effective 1.25e-5. The default ``n_steps = 50_000`` (t = lr k = 0.625)
    keeps the fast run to a few seconds; GD then is still on its way (it needs ~2e6 steps to get within
    1e-3 of (3, 0.5), the minimum's smallest curvature being 0.30). ``n_saved`` caps the stored path.
    """
    lr = check_positive("lr", lr)
    n_steps = check_integer("n_steps", n_steps, minimum=1)
    n_saved = check_integer("n_saved", n_saved, minimum=1)
    for i, r in enumerate(rhos):
        check_nonnegative(f"rhos[{i}]", r)
    for r_ in readings:
        check_choice("readings", r_, ("plain", "normalised"))
    grad = _beale_grad_shifted()
    start_disp = (start[0] - BEALE_SADDLE[0], start[1] - BEALE_SADDLE[1])
    common = dict(
        lr=lr, n_steps=n_steps, start_disp=start_disp, saddle=BEALE_SADDLE, minimum=BEALE_MINIMUM,
        escape_radius=math.inf,  # on Beale "leaving the saddle" is judged by reaching the minimum instead
        near_radius=0.05,  # a tenth of the saddle-to-start scale; the SAM neighbourhoods are larger for rho >= 0.1
        blowup=1e6, n_saved=n_saved,
    )
    runs = {"gd": _run(grad, method="gd", rho=0.0, **common)}
    for reading in readings:
        for r in rhos:
            runs[f"{reading} rho={r:g}"] = _run(grad, method=reading, rho=float(r), **common)
    return BealeResults(lr, n_steps, tuple(float(r) for r in rhos), tuple(start), runs, beale_saddle_hessian(lr=sp.nsimplify(lr)))


# ----------------------------------------------------------------------------- cosine


@dataclass(frozen=True)
class CosineSummary:
    """Summary of ``cos(grad l(w_t), grad l(w_t^p))`` after a SAM run first comes within ``radius`` of the saddle.

    ``reached_at`` is None when the run never got that close (then the other fields describe nothing
    and are NaN / 0). ``near_plus``/``near_minus`` are fractions of steps with ``cos > 1 - tol`` /
    ``cos < -1 + tol``; ``sign_changes`` counts sign changes of the series; ``mean``, ``min``, ``max``
    and ``quartiles`` (25/50/75 %) describe it; ``abs_above_0_9`` is the fraction with ``|cos| > 0.9``.
    """

    label: str
    radius: float
    tol: float
    reached_at: int | None
    n_after: int
    near_plus: float
    near_minus: float
    sign_changes: int
    mean: float
    min: float
    max: float
    quartiles: tuple[float, float, float] = (math.nan, math.nan, math.nan)
    abs_above_0_9: float = math.nan


def cosine_summary(run: Run, *, radius: float = 0.05, tol: float = 0.01) -> CosineSummary:
    """Summarise the gradient-cosine series of a SAM :class:`Run` after it first reaches the saddle's ``radius``.

    ``radius`` is in the same units as the path; the entry time is located on the saved path (so it is
    known to within ``run.stride`` steps). ``tol`` defines "near +-1".
    """
    check_positive("radius", radius)
    check_positive("tol", tol)
    if run.method == "gd":
        raise fail("run.method", run.method, "'plain' or 'normalised'", "GD has no perturbed point")
    d = run.path - np.array(BEALE_SADDLE if run.distance_to_minimum is not None else (0.0, 0.0))
    r = np.hypot(d[:, 0], d[:, 1])
    hit = np.flatnonzero(r < radius)
    label = f"{run.method} rho={run.rho:g}"
    if len(hit) == 0:
        return CosineSummary(label, radius, tol, None, 0, math.nan, math.nan, 0, math.nan, math.nan, math.nan)
    k0 = min(int(hit[0]) * run.stride, run.steps_run)
    c = run.cosines[k0:]
    c = c[np.isfinite(c)]
    if len(c) == 0:
        return CosineSummary(label, radius, tol, k0, 0, math.nan, math.nan, 0, math.nan, math.nan, math.nan)
    s = np.sign(c)
    changes = int(np.sum(s[1:] * s[:-1] < 0))
    return CosineSummary(
        label, radius, tol, k0, len(c), float(np.mean(c > 1 - tol)), float(np.mean(c < -1 + tol)), changes,
        float(np.mean(c)), float(np.min(c)), float(np.max(c)),
        tuple(float(v) for v in np.quantile(c, [0.25, 0.5, 0.75])), float(np.mean(np.abs(c) > 0.9)),
    )


def window_distances(run: Run, point: tuple[float, float]) -> np.ndarray:
    """Distances to ``point`` (original coordinates) of every iterate in ``run``'s decision window (the last quarter of the steps).

    A diverged run has no window: the distances of its saved path's last quarter (ending at +inf).
    """
    tail = run.window
    if len(tail) == 0:
        p = run.path
        tail = p[max(0, len(p) - max(len(p) // 4, 2)):]
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.hypot(tail[:, 0] - point[0], tail[:, 1] - point[1])
    return np.where(np.isfinite(d), d, np.inf)
