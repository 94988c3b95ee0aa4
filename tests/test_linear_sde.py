"""The linear-SDE module derives variances from the moment ODE; checkers respect their time budget."""

from __future__ import annotations

import time

import sympy as sp

from derivations import LinearSDE, ou_parameters, solve_variance_ode
from derivations._symbols import eta, lambda_j, rho, t
from derivations.sam_sde import sam_sde


def test_the_solution_satisfies_the_moment_ode_and_starts_at_zero():
    a, q = sp.symbols("a q", positive=True)
    v = solve_variance_ode(a, q, t)
    assert sp.simplify(sp.diff(v, t) + 2 * a * v - q) == 0
    assert sp.simplify(v.subs(t, 0)) == 0


def test_the_degenerate_rate_is_solved_as_pure_diffusion():
    q = sp.Symbol("q", positive=True)
    a = sp.Symbol("a", real=True)
    v = solve_variance_ode(a, q, t, piecewise=True)
    assert sp.simplify(v.subs(a, 0)) == q * t


def test_ou_parameters_reads_back_drift_and_diffusion():
    a, q = sp.symbols("a q", positive=True)
    assert ou_parameters(solve_variance_ode(a, q, t), t) == (a, q)
    assert ou_parameters(t**2, t) is None  # not an OU variance


def test_readings_are_built_by_differentiating_the_update():
    assert sp.simplify(sam_sde("plain").sde.A[0, 0] - lambda_j * (1 + rho * lambda_j)) == 0
    assert sp.simplify(sam_sde("composed_gradient").sde.A[0, 0] - lambda_j * (1 + rho * lambda_j) ** 2) == 0
    D = sam_sde("same_batch").sde.D[0, 0]
    assert sp.simplify(D - (1 + rho * lambda_j) ** 2 * sp.Abs(lambda_j) / sp.Symbol("B", positive=True, integer=True)) == 0


def test_matrix_sde_solves_each_eigendirection():
    l1, l2 = sp.symbols("l1 l2", positive=True)
    sde = LinearSDE(A=sp.diag(l1, l2), D=sp.diag(1, 2), eta=eta)
    S = sde.covariance(t)
    assert S[0, 1] == 0 and sp.simplify(S[1, 1] - eta * (1 - sp.exp(-2 * l2 * t)) / l2) == 0


def test_a_symbolic_check_out_of_time_is_inconclusive_not_a_crash():
    from derivations import Equation
    from verify._domain import Domain
    from verify._symbolic import symbolic_check

    x = sp.Symbol("x", positive=True)
    lhs = sum(sp.sin(k * x) ** 5 * sp.exp(-k * x) for k in range(1, 30))
    dom = Domain(sets={x: sp.Interval.open(0, sp.oo)}, integer={x: False}, where=sp.true)
    t0 = time.perf_counter()
    # a microsecond budget: SymPy cannot finish, and the check must say so instead of passing
    res = symbolic_check(Equation(lhs, sp.expand_trig(lhs)), dom, budget=1e-6)
    assert res.outcome == "inconclusive" and "out of time" in res.detail
    assert not res.proof
    assert time.perf_counter() - t0 < 30


def test_the_monotone_from_zero_proof_refuses_gaps_with_a_pole():
    """gap = -1/(x-1) - 1 vanishes at 0 and has a positive derivative, but changes sign past x = 1."""
    from verify._symbolic import _monotone_from_zero

    x = sp.Symbol("x", positive=True)
    assert _monotone_from_zero(-1 / (x - 1) - 1, ">", 10.0) is None
    # a genuine case: 1 - exp(-x) > 0 for x > 0
    assert _monotone_from_zero(1 - sp.exp(-x), ">", 10.0) is not None


def test_a_threshold_off_by_a_few_percent_is_found_next_to_the_hypothesis_boundary():
    """x < 3 => x < 2.9 fails only on [2.9, 3): log-uniform draws miss it, boundary points do not."""
    import numpy as np

    from derivations import Implication
    from verify._domain import Domain
    from verify._precision import precision_check

    x = sp.Symbol("x", positive=True)
    dom = Domain(sets={x: sp.Interval.open(0, sp.oo)}, integer={x: False}, where=sp.true)
    stmt = Implication(x < 3, x < sp.Rational(29, 10))
    res = precision_check(stmt, dom, rng=np.random.default_rng(0), seed=0, n_random=24)
    # the conclusion's own boundary x = 29/10 is a counterexample too (2.9 < 3 but not 2.9 < 2.9)
    assert res.outcome == "fail" and 2.9 <= res.counterexample.params["x"] < 3


def test_a_coupled_linear_sde_gets_its_covariance_from_the_matrix_exponential():
    """Non-diagonal A: Sigma(t) = S - e^{-At} S e^{-A^T t} solves the Lyapunov ODE from Sigma(0) = 0."""
    h = sp.Symbol("h", positive=True)
    sde = LinearSDE(A=sp.Matrix([[h, 1], [1, h]]), D=sp.eye(2), eta=eta)
    S = sde.covariance(t)
    assert (S.diff(t) - sde.lyapunov_rhs(S)).applyfunc(sp.simplify) == sp.zeros(2, 2)
    assert S.subs(t, 0).applyfunc(sp.simplify) == sp.zeros(2, 2)
