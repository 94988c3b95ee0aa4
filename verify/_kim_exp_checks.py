"""Registered checks of the Kim et al. toy experiments: x^2 - y^2, Beale's function and the gradient cosine.

Each experiment claim is an equation whose right side is what the paper prints (limits of iterates,
the sign of ``lambda + rho lambda^2``, the ends of the cosine's range) and whose left side names what a
run measures (``dist(k, rho)``, ``w_SAM(k, rho, i)``, ``cos_min(rho)``, ...). The runs' settings (loss,
start, lr, rhos) are ``extras["experiment"]`` of the claim; the runs themselves are the numerics in
:mod:`verify._kim_experiments`. ``exact`` decides the entries without a placeholder (evaluated exactly
at the experiment's Hessian eigenvalues) and the printed limit points (critical points of the loss);
``experiment`` decides the measured entries.

Every measured value is a statistic over a window of the run, never one iterate: a limit of the
iterates or of the distance to the saddle is read from every iterate of the last quarter of the steps
(:func:`verify._kim_experiments.classify`), the cosine's ends from each quarter of the steps after
arrival; each decision states its window. The runs are deterministic (no sampling error, so no
sampling family); their counterexamples come from simulations and are never certified.
"""

from __future__ import annotations

import math
import time
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from derivations import Claim, Equation
from derivations import discrete_sam as ds
from derivations._symbols import lambda_j, rho

from . import _kim_experiments as ke
from ._engine import Level, register_check
from ._kim_common import applications, checked, elapsed, evaluate_measured, parts_of
from ._results import CheckResult, Counterexample, decide, undecided

__all__ = ["quadratic_results", "beale_results", "plain_cosine_runs", "resolution"]


def _setting(claim: Claim) -> dict[str, Any]:
    return claim.extras["experiment"]


def _equation(claim: Claim) -> Equation:
    (_, stmt), = parts_of(claim.statement)
    if not isinstance(stmt, Equation) or not isinstance(stmt.lhs, sp.MatrixBase):
        raise TypeError(f"{claim.id}: statement={stmt!r} must be an Equation of matrices (measured = printed)")
    return stmt


#: Normalised SAM cannot settle closer to d than its step there; near a 2-D saddle it wanders in a
#: bounded region of 2-8 steps (measured on Beale, rho = 0.5 and 1): 10 steps separate "stalls at d"
#: from a run that leaves (which ends at O(1) distance).
STEPS_AT_D = 10


def resolution(reading: str, lams: tuple[Any, ...], lr: Any, r: Any) -> float:
    """How close to ``d`` the iteration can settle: ``STEPS_AT_D`` times its step as ``u -> 0`` (derived), at least 1e-9.

    Plain SAM's step vanishes at ``d`` (so only float64 rounding remains, 1e-9 after a few hundred
    steps); normalised SAM's tends to ``eta rho |lambda|`` (:func:`derivations.discrete_sam.normalised_step_size_at_saddle`).
    """
    if reading != "normalised" or r == 0:
        return 1e-9
    sizes = [abs(ds.normalised_step_size_at_saddle(lam=sp.nsimplify(x))["u->0+"].subs({ds.eta: sp.nsimplify(lr), ds.rho: sp.nsimplify(r)}))
             for x in lams]
    return max(1e-9, STEPS_AT_D * float(max(sizes)))


#: Why a counterexample of an experiment is not certified: it comes from a simulation.
SIMULATION_WHY = ("the actual side comes from a float64 simulation of the experiment (a run of the iteration), "
                  "not from a closed form: no enclosure certifies it")
#: The certificate of an exact counterexample (rational arithmetic on exact eigenvalues / critical points).
EXACT_ENCLOSURE = {"backend": "exact rational / algebraic arithmetic (SymPy)"}


def _count_decision(method: str, detail: str, bad: list[tuple[Any, ...]], n_decided: int, n_undecided: int,
                    data: dict, t0: float, *, exact: bool) -> CheckResult:
    """A decision on the number of contradicted entries; ``bad`` rows are ``(params, claimed, actual[, tie])``."""
    if n_decided == 0 or (not bad and n_undecided):
        return undecided(method, f"{n_undecided} measured entries not decided (a run that has not arrived yet)", detail,
                         data=data, elapsed=elapsed(t0))

    def cx() -> Counterexample:
        # a violation beyond equality first: a boundary tie ("fails only with equality") teaches least
        params, claimed, actual, *rest = min(bad, key=lambda b: bool(b[3]) if len(b) > 3 else False)
        tie = bool(rest[0]) if rest else False
        note = "fails only with equality (a boundary tie)" if tie else ""
        if exact:
            return Counterexample(params, claimed, actual, exact=True, certified=True, enclosure=EXACT_ENCLOSURE, tie=tie,
                                  note=note)
        return Counterexample(params, claimed, actual, certified=False, why=SIMULATION_WHY, note=note)

    return decide(method, detail, quantity="printed entries contradicted", value=len(bad), op="==", threshold=0,
                  counterexample=cx, data=data, elapsed=elapsed(t0))


# ============================================================================ x^2 - y^2


@lru_cache(maxsize=4)
def quadratic_results(lr: float = 0.01, n_steps: int = 500, r: float = 0.5, start: tuple[float, float] = (-3.0, -0.01)):
    """The x^2 - y^2 runs for one setting (cached: both readings and the figures share them)."""
    return ke.run_quadratic_saddle(lr=lr, n_steps=n_steps, rho=r, start=start)


def _hessian_eigenvalues(setting: dict) -> tuple[sp.Expr, ...]:
    x, y = setting["coords"]
    at = dict(zip((x, y), setting["saddle"]))
    return tuple(sorted(sp.hessian(setting["loss"], (x, y)).subs(at).eigenvals(multiple=True)))


#: The decision window of every experiment statistic (stated in each decision).
WINDOW_TEXT = "of the last quarter of the steps (every iterate)"


def _on_boundary(stmt: Equation, pt: dict) -> bool:
    """Whether a sign in the statement's measured-free entries has an argument exactly 0 at ``pt`` (a boundary tie)."""
    return any(sp.simplify(s_.args[0].subs(pt)) == 0 for s_ in sp.sympify(stmt.lhs).atoms(sp.sign))


@register_check("kim2023.exp.quadratic_saddle", methods=("exact", "experiment"))
@checked
def quadratic_saddle_check(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
    """The printed entries of the x^2 - y^2 experiment: the eigenvalue condition (exact) and the runs' limits."""
    t0 = time.perf_counter()
    st, stmt = _setting(claim), _equation(claim)
    eig = _hessian_eigenvalues(st)
    bad, n_dec, rows = [], 0, []
    for lam in eig:
        for r in st["rhos"]:
            pt = {lambda_j: lam, rho: sp.nsimplify(r)}
            out = evaluate_measured(stmt, pt, lambda app: None, entries=lambda e: not applications(e))
            tie = _on_boundary(stmt, pt)
            rows.append({"lambda_j": str(lam), "rho": str(r), "claimed": out.claimed, "actual": out.actual, "note": out.note,
                         "boundary_tie": tie})
            if out.applicable and out.violated is not None:
                n_dec += 1
                if out.violated:
                    bad.append(({"lambda_j": str(lam), "rho": str(r)}, out.claimed, out.actual, tie))
    ties = sum(bool(b[3]) for b in bad)
    exact = _count_decision("exact", f"entries without a measured placeholder, exactly at the Hessian eigenvalues {eig} and "
                            f"rho in {st['rhos']}: {len(bad)} contradicted of {n_dec}"
                            + (f" ({ties} only with equality: the sign's argument is exactly 0 there, a boundary tie)" if ties else ""),
                            bad, n_dec, 0, {"rows": rows}, t0, exact=True)
    t1 = time.perf_counter()
    runs = {}
    bad, n_dec, n_und, rows = [], 0, 0, []
    for r in st["rhos"]:
        res = quadratic_results(float(st["lr"]), int(st["n_steps"]), float(r), tuple(float(v) for v in st["start"]))
        runs = {0: res.runs["gd"], sp.nsimplify(r): res.runs[reading]}
        tol = resolution(reading, eig, st["lr"], r)

        def dist(app: sp.Expr) -> Any:
            run = runs.get(app.args[1])
            if run is None:
                return None
            if run.classification in ("escaped", "diverged"):
                return sp.oo
            return float(np.max(ke.window_distances(run, tuple(float(v) for v in st["saddle"]))))

        out = evaluate_measured(stmt, {rho: sp.nsimplify(r)}, dist, atol=tol, entries=lambda e: bool(applications(e)))
        rows.append({"rho": str(r), "claimed": out.claimed, "actual": out.actual, "tolerance": tol, "note": out.note,
                     "runs": {("gd" if k == 0 else f"{reading} rho={k}"): {"classification": v.classification,
                                                                            "final": list(v.final), **v.numbers}
                              for k, v in runs.items()}})
        if out.violated is None:
            n_und += 1
        else:
            n_dec += 1
            if out.violated:
                bad.append(({"reading": reading, "rho": str(r), "lr": str(st["lr"]), "steps": st["n_steps"]}, out.claimed, out.actual))
    detail = (f"GD and {reading} SAM on the loss from {st['start']}, lr {st['lr']}, {st['n_steps']} steps; each limit of "
              f"the distance to the saddle measured over the window {WINDOW_TEXT} (+oo: every iterate there beyond the "
              f"escape radius and the mean distance growing; otherwise the window's largest distance): "
              + "; ".join(f"rho={x['rho']}: {x['actual']} (printed {x['claimed']}, up to the step at d {x['tolerance']:.3g})" for x in rows))
    sim = _count_decision("experiment", detail, bad, n_dec, n_und, {"rows": rows}, t1, exact=False)
    return [exact, sim]


# ============================================================================ Beale


#: Beale horizon: the authors cap runs at 100k steps (config.BEALE_MAX_STEPS); the fast level runs 40k
#: (t = 0.5), enough for normalised SAM with rho >= 0.5 to arrive (~2k steps) and to show rho = 0.1 leaving.
BEALE_STEPS = {"fast": 40_000, "full": 100_000}
#: GD needs ~2.2e6 steps at lr 1.25e-5 to come within 1e-3 of (3, 0.5): run only at the full level.
BEALE_GD_LONG = 2_500_000
#: GD's limit is "reached" within 1e-3 (the classifier's tolerance; the iterate still creeps at ~lr |g|).
GD_TOL = 1e-3


@lru_cache(maxsize=4)
def beale_results(level_name: str, lr: float = 1.25e-5, rhos: tuple[float, ...] = (0.1, 0.5, 1.0),
                  start: tuple[float, float] = (1.0, 2.0)) -> ke.BealeResults:
    """GD and SAM on Beale (cached per level and setting: beale, beale_cosine and the figures share it)."""
    return ke.run_beale(lr=lr, rhos=rhos, start=start, n_steps=BEALE_STEPS.get(level_name, BEALE_STEPS["fast"]), n_saved=1000)


@lru_cache(maxsize=1)
def _beale_gd_long(lr: float, start: tuple[float, float]) -> ke.Run:
    return ke.run_beale(lr=lr, start=start, n_steps=BEALE_GD_LONG, rhos=(), readings=(), n_saved=500).runs["gd"]


def _beale_setting(claim: Claim) -> tuple[float, tuple[float, ...], tuple[float, float]]:
    st = _setting(claim)
    return float(st["lr"]), tuple(float(r) for r in st["rhos"]), tuple(float(v) for v in st["start"])


@register_check("kim2023.exp.beale", methods=("exact", "experiment"))
@checked
def beale_check(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
    """The Beale experiment: the printed limit points (exact) and where each run ends (one result per row)."""
    t0 = time.perf_counter()
    st, stmt = _setting(claim), _equation(claim)
    x, y = st["coords"]
    f = st["loss"]
    grad = sp.Matrix([f]).jacobian([x, y])
    hess = sp.hessian(f, (x, y))
    bad, facts = [], []
    for i in range(stmt.rhs.rows):
        pt = dict(zip((x, y), stmt.rhs.row(i)))
        g = grad.subs(pt)
        eig = tuple(sorted(hess.subs(pt).eigenvals(multiple=True)))
        is_sam = any(a.func.__name__ == "w_SAM" for a in applications(stmt.lhs.row(i)))
        fact = {"row": i, "point": [str(v) for v in stmt.rhs.row(i)], "gradient": [str(v) for v in g],
                "eigenvalues": [str(v) for v in eig]}
        if any(v != 0 for v in g):
            bad.append(({"point": fact["point"]}, "a critical point of the loss (a limit of GD / SAM)", f"gradient {fact['gradient']}"))
        if is_sam:
            lam1 = eig[0]
            fact["theorem1_threshold"] = str(-1 / lam1) if lam1 < 0 else None
            fact["discrete_attraction_set"] = str(ds.discrete_attraction_set(list(eig), st["lr"])) if 0 not in eig else None
            if not (eig[0] < 0 < eig[-1]):
                bad.append(({"point": fact["point"]}, "a saddle (eigenvalues of both signs)", f"eigenvalues {fact['eigenvalues']}"))
        facts.append(fact)
    exact = _count_decision("exact", "printed limit points: " + "; ".join(
        f"{x_['point']}: gradient {x_['gradient']}, Hessian eigenvalues {x_['eigenvalues']}"
        + (f", Theorem 1 threshold -1/lambda_1 = {x_['theorem1_threshold']}, discrete plain SAM attracts for rho in "
           f"{x_['discrete_attraction_set']}" if "theorem1_threshold" in x_ else "") for x_ in facts),
        bad, len(facts), 0, {"facts": facts}, t0, exact=True)
    lr, rhos, start = _beale_setting(claim)
    res = beale_results(level.name, lr, rhos, start)
    out = [exact]
    for i in range(stmt.rhs.rows):
        t1 = time.perf_counter()
        target = tuple(float(v) for v in stmt.rhs.row(i))
        is_sam = any(a.func.__name__ == "w_SAM" for a in applications(stmt.lhs.row(i)))
        if is_sam:
            saddle_eig = _hessian_eigenvalues(st)
            runs = [(f"{reading} rho={r:g}", res.runs[f"{reading} rho={r:g}"], resolution(reading, saddle_eig, st["lr"], r))
                    for r in rhos]
        else:
            gd = _beale_gd_long(lr, start) if level.name == "full" else res.runs["gd"]
            runs = [(f"gd ({gd.steps_run} steps)", gd, GD_TOL)]
        bad, n_und, rows = [], 0, []
        for name, run, tol in runs:
            d = ke.window_distances(run, target)
            half = max(len(d) // 2, 1)
            first, second = float(np.mean(d[:half])), float(np.mean(d[half:] if len(d) > 1 else d))
            row = {"run": name, "classification": run.classification, "final": list(run.final), "steps_run": run.steps_run,
                   "window": run.numbers.get("window", "last quarter of the saved path"), "max_distance_in_window": float(d.max()),
                   "mean_distance_first_half": first, "mean_distance_second_half": second, "tolerance": tol}
            if d.max() <= tol:
                row["status"] = "at the printed point"
            elif math.isfinite(second) and second < first and run.classification == "still moving":
                row["status"] = "still approaching"  # the window's mean distance still falls: not arrived yet, undecided
                n_und += 1
            else:
                row["status"] = "not converging to the printed point"
                bad.append(({"reading": reading if is_sam else "gd", "run": name, "lr": lr, "steps": run.steps_run},
                            f"limit {list(target)}", f"{run.classification}: distance to {list(target)} over the window "
                            f"{float(d.min()):.4g}..{float(d.max()):.4g} (last iterate ({run.final[0]:.4g}, {run.final[1]:.4g}))"))
            rows.append(row)
        detail = (f"{'SAM' if is_sam else 'GD'} from {start}, lr {lr:g}; each run decided from its distances to the printed "
                  f"point over the window {WINDOW_TEXT} (at it: every distance there within the tolerance; still approaching: "
                  f"the mean distance falls from the window's first half to its second): " + "; ".join(
                      f"{r_['run']}: {r_['classification']}, window distance <= {r_['max_distance_in_window']:.3g} "
                      f"(tolerance {r_['tolerance']:.3g}), {r_['status']} {list(target)}" for r_ in rows))
        out.append(_count_decision("experiment", detail, bad, len(rows) - n_und, n_und,
                                   {"rows": rows, "precision": res.precision}, t1, exact=False))
    return out


# ============================================================================ the cosine

#: 20k steps at both levels: plain SAM contracts |u| by up to e^-186 (rho = 1) in that time; much longer and
#: ||g|| ||g_p|| ~ |u|^2 underflows float64 in the cosine's denominator (seen at 100k steps: cos = -2).
COSINE_STEPS = {"fast": 20_000, "full": 20_000}
#: "near +-1": the derived limits are exactly +-1; arrival: within 0.05 of the saddle, as in the Beale classifier.
COSINE_TOL, ARRIVAL_RADIUS = 0.01, 0.05


@lru_cache(maxsize=2)
def plain_cosine_runs(level_name: str, lr: float = 1.25e-5, rhos: tuple[float, ...] = (0.1, 0.5, 1.0),
                      start_disp: tuple[float, float] = (0.01, 0.01)) -> dict[float, ke.Run]:
    """Plain SAM on Beale started next to the saddle (cached per level), one run per rho."""
    grad = ke._beale_grad_shifted()
    n = COSINE_STEPS.get(level_name, COSINE_STEPS["fast"])
    return {r: ke._run(grad, method="plain", rho=r, lr=lr, n_steps=n, start_disp=start_disp, saddle=ke.BEALE_SADDLE,
                       minimum=ke.BEALE_MINIMUM, escape_radius=math.inf, near_radius=ARRIVAL_RADIUS, blowup=1e6, n_saved=500)
            for r in rhos}


def _quarters(c: np.ndarray) -> list[tuple[float, float]]:
    c = c[np.isfinite(c)]
    return [(float(p.min()), float(p.max())) for p in np.array_split(c, 4) if len(p)]


@register_check("kim2023.exp.beale_cosine", methods=("experiment",))
@checked
def beale_cosine_check(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
    """cos(grad l(w_t), grad l(w_t^p)) after arrival: the printed ends of its range, reached in every quarter of the steps.

    Window statistics: ``cos_min(rho)`` is the largest of the four quarter minima, ``cos_max(rho)`` the
    smallest quarter maximum (so the cosine reaches each measured end in every quarter after arrival).
    """
    t0 = time.perf_counter()
    st, stmt = _setting(claim), _equation(claim)
    lr, rhos, start = _beale_setting(claim)
    if reading == "plain":
        sx, sy = (float(v) for v in st["plain_start"])
        runs = plain_cosine_runs(level.name, lr, rhos, (sx - ke.BEALE_SADDLE[0], sy - ke.BEALE_SADDLE[1]))
    else:
        res = beale_results(level.name, lr, rhos, start)
        runs = {r: res.runs[f"normalised rho={r:g}"] for r in rhos}
    bad, n_dec, n_und, rows = [], 0, 0, []
    for r, run in runs.items():
        s = ke.cosine_summary(run, radius=ARRIVAL_RADIUS, tol=COSINE_TOL)
        row = {"rho": r, "reached_at": s.reached_at, "n_after": s.n_after, "min": s.min, "max": s.max, "mean": s.mean,
               "quartiles": list(s.quartiles), "sign_changes": s.sign_changes}
        if s.reached_at is None or s.n_after == 0:
            n_und += 1
            rows.append(row)
            continue
        quarters = _quarters(run.cosines[s.reached_at:])
        # the window statistics: the cosine must reach each end in *every* quarter after arrival ("keeps"
        # oscillating), so cos_min is the largest quarter minimum and cos_max the smallest quarter maximum
        vals = {"cos_min": max(lo for lo, _ in quarters), "cos_max": min(hi for _, hi in quarters)}
        row.update(min_max_per_quarter=quarters, **vals)
        out = evaluate_measured(stmt, {rho: sp.nsimplify(r)}, lambda app: vals.get(app.func.__name__), atol=COSINE_TOL)
        if out.violated is None:
            n_und += 1
        else:
            n_dec += 1
            if out.violated:
                bad.append(({"reading": reading, "rho": r, "window": "each quarter of the steps after arrival"},
                            out.claimed, out.actual))
        rows.append(row)
    text = "; ".join(f"rho={x['rho']:g}: " + ("never reaches the saddle" if x["reached_at"] is None else
                                              f"after step {x['reached_at']}: worst quarter (cos_min, cos_max) = "
                                              f"({x['cos_min']:.3f}, {x['cos_max']:.3f}); per quarter "
                                              + ", ".join(f"({a:.3f}, {b:.3f})" for a, b in x["min_max_per_quarter"]))
                     for x in rows)
    data = {"rows": rows, "tol": COSINE_TOL, "radius": ARRIVAL_RADIUS, "start": st["plain_start"] if reading == "plain" else st["start"]}
    return [_count_decision("experiment", f"{reading} SAM on Beale, windows = the four quarters of the steps after arrival "
                            f"within {ARRIVAL_RADIUS} of the saddle: {text} (printed ends within {COSINE_TOL})", bad, n_dec,
                            n_und if not n_dec else 0, data, t0, exact=False)]
