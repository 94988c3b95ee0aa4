"""Tests for derivations.discrete_sam: multipliers vs finite differences, attraction sets, normalised SAM."""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest
import sympy as sp

from derivations import discrete_sam as ds
from derivations._errors import InvalidParameter

# Central differences of an affine map are exact up to rounding; 1e-7 leaves room for h = 1e-4.
FD_RTOL = 1e-7


def _sam_numeric(u: float, lam: float, rho: float, eta: float) -> float:
    g = lam * u
    return u - eta * lam * (u + rho * g)


def test_multipliers_match_finite_differences_of_the_numeric_update_map() -> None:
    rng = np.random.default_rng(0)  # fixed seed: a deterministic sample of parameter points
    mu = sp.lambdify((ds.lambda_j, ds.rho, ds.eta), ds.sam_multiplier())
    for _ in range(50):
        lam, rho, eta, u0 = rng.uniform(-5, 5), rng.uniform(0, 2), rng.uniform(1e-3, 0.5), rng.normal()
        h = 1e-4
        fd = (_sam_numeric(u0 + h, lam, rho, eta) - _sam_numeric(u0 - h, lam, rho, eta)) / (2 * h)
        assert fd == pytest.approx(mu(lam, rho, eta), rel=FD_RTOL, abs=1e-9)


def test_the_derived_multipliers_and_flow_rates_have_the_expected_form() -> None:
    lam, rho, eta = ds.lambda_j, ds.rho, ds.eta
    assert sp.simplify(ds.gd_multiplier() - (1 - eta * lam)) == 0
    assert sp.simplify(ds.sam_multiplier() - (1 - eta * lam * (1 + rho * lam))) == 0
    assert sp.simplify(ds.gd_flow_rate() + lam) == 0
    assert sp.simplify(ds.sam_flow_rate() + lam + rho * lam**2) == 0


def test_the_2d_jacobian_is_identity_minus_eta_h_times_identity_plus_rho_h() -> None:
    a, b, c = sp.symbols("a b c", real=True)
    H = sp.Matrix([[a, b], [b, c]])
    J = ds.sam_update_jacobian(H)
    assert (J - (sp.eye(2) - ds.eta * H * (sp.eye(2) + ds.rho * H))).applyfunc(sp.expand) == sp.zeros(2)


def test_the_discrete_attraction_bounds_are_theorem1_below_and_eta_limited_above() -> None:
    b = ds.discrete_attraction_bounds()
    assert sp.simplify(b["lower"] + 1 / ds.lambda_j) == 0
    assert sp.simplify(b["upper"] - (2 / ds.eta - ds.lambda_j) / ds.lambda_j**2) == 0


def test_the_attraction_set_for_the_quadratic_saddle_is_open_at_the_paper_rho() -> None:
    s = ds.discrete_attraction_set([2, -2], sp.Rational(1, 100))
    assert s == sp.Interval.open(sp.Rational(1, 2), sp.Rational(99, 2))
    # brute force: |mu_j| < 1 for both eigenvalues on a grid agrees with membership
    for r in np.linspace(0, 60, 601):
        mus = [1 - 0.01 * lam * (1 + r * lam) for lam in (2, -2)]
        inside = all(abs(m) < 1 for m in mus)
        if abs(r - 0.5) > 1e-9 and abs(r - 49.5) > 1e-9:
            assert inside == bool(s.contains(sp.nsimplify(r)))


def test_at_the_theorem1_equality_the_multiplier_is_exactly_one() -> None:
    assert ds.multiplier_at_threshold() == 1


def test_theorem1_is_not_sufficient_for_the_discrete_iteration() -> None:
    ce = ds.theorem1_discrete_counterexample([2, -2], sp.Rational(1, 100))
    assert ce.rho_value > sp.Rational(1, 2)  # the printed condition holds
    assert ce.worst >= 1
    # the linear iteration at that rho does not converge along the positive direction
    u = 1.0
    for _ in range(1000):
        u = _sam_numeric(u, 2.0, float(ce.rho_value), 0.01)
    assert abs(u) > 0.5


def test_the_normalised_step_does_not_vanish_at_the_saddle() -> None:
    lim = ds.normalised_step_size_at_saddle()
    assert sp.simplify(lim["u->0+"] + ds.eta * ds.rho * sp.Abs(ds.lambda_j)) == 0
    assert sp.simplify(lim["u->0-"] - ds.eta * ds.rho * sp.Abs(ds.lambda_j)) == 0


def _normalised_1d(u: float, lam: float, rho: float, eta: float) -> float:
    g = lam * u
    return u - eta * lam * (u + rho * np.sign(g))


def test_positive_curvature_ends_on_the_derived_two_cycle() -> None:
    L = sp.Symbol("L", positive=True)
    cyc = ds.normalised_1d_cycle(lam=L)
    amp = float(cyc.amplitude.subs({L: 2, ds.eta: sp.Rational(1, 100), ds.rho: sp.Rational(1, 2)}))
    u = 0.7
    for _ in range(3000):
        u = _normalised_1d(u, 2.0, 0.5, 0.01)
    u2 = _normalised_1d(u, 2.0, 0.5, 0.01)
    assert abs(u) == pytest.approx(amp, rel=1e-9)
    assert u2 == pytest.approx(-u, rel=1e-9)


def test_negative_curvature_traps_orbits_inside_rho_and_expels_them_outside() -> None:
    L = sp.Symbol("L", positive=True)
    inv = ds.normalised_negative_invariant_interval(lam=-L)
    assert inv["F(rho)"] == ds.rho
    assert sp.simplify(inv["F(0+)"] + L * ds.eta * ds.rho) == 0
    cyc = ds.normalised_1d_cycle(lam=-L)
    assert cyc.fixed_points == (ds.rho,)
    assert cyc.stable_condition == sp.false
    u_in, u_out = 0.49, 0.51
    for _ in range(20000):
        u_in = _normalised_1d(u_in, -2.0, 0.5, 0.01)
        assert abs(u_in) <= 0.5
    for _ in range(2000):
        u_out = _normalised_1d(u_out, -2.0, 0.5, 0.01)
    assert abs(u_out) > 10


def test_the_axis_cycle_transverse_multiplier_matches_finite_differences() -> None:
    L = sp.Symbol("L", positive=True)
    st = ds.normalised_axis_cycle_stability(lam1=L, lam2=-L)
    assert sp.simplify(st.transverse - (2 * L * ds.eta - 1)) == 0
    lam1, eta, rho = 2.0, 0.01, 0.5
    amp = eta * rho * lam1 / (2 - eta * lam1)

    def step(x: float, y: float) -> np.ndarray:
        g = np.array([lam1 * x, -lam1 * y])
        p = np.array([x, y]) + rho * g / np.linalg.norm(g)
        return np.array([x, y]) - eta * np.array([lam1 * p[0], -lam1 * p[1]])

    h = 1e-9
    dy = (step(amp, h)[1] - step(amp, -h)[1]) / (2 * h)
    assert dy == pytest.approx(2 * lam1 * eta - 1, rel=1e-5)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(lambda: ds.discrete_attraction_set([2, -2], -0.1), r"step=.* must be > 0", id="negative-step"),
        pytest.param(lambda: ds.discrete_attraction_set([0, -2], 0.1), r"lambdas\[0\]=0 must be non-zero", id="zero-eigenvalue"),
        pytest.param(lambda: ds.sam_update_map(reading="adam"), r"reading='adam' must be one of", id="bad-reading"),
        pytest.param(lambda: ds.theorem1_discrete_counterexample([1, 2], 0.1), r"lambdas=.* must be to contain a negative", id="no-saddle"),
    ],
)
def test_invalid_inputs_raise_invalid_parameter(call, match: str) -> None:
    with pytest.raises(InvalidParameter, match=match):
        call()


def test_the_module_is_pure_sympy() -> None:
    tree = ast.parse(inspect.getsource(ds))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(m.split(".")[0] == "numpy" for m in imported)


def test_the_one_step_definition_agrees_with_the_jacobian_and_the_normalised_step() -> None:
    a, b = sp.symbols("a b", real=True)
    H = sp.diag(-1, 2)
    plain = ds.sam_step(H, sp.Matrix([a, b]), reading="plain")
    assert (plain.jacobian([a, b]) - ds.sam_update_jacobian(H)).applyfunc(sp.simplify) == sp.zeros(2, 2)
    assert ds.sam_step(H, sp.Matrix([a, b]), reading="normalised") == ds.normalised_sam_step(H, sp.Matrix([a, b]))
    gd = ds.sam_step(H, sp.Matrix([a, b]), reading="gd")
    assert (gd - (sp.eye(2) - ds.eta * H) * sp.Matrix([a, b])).applyfunc(sp.expand) == sp.zeros(2, 1)


def test_the_flow_rate_is_linear_for_plain_sam_and_blows_up_for_normalised_sam() -> None:
    R = sp.Rational
    assert ds.flow_rate_at(reading="plain", lam=-1, radius=R(1, 2), at=R(1, 10**6)) == R(-1, 2)
    assert ds.flow_rate_at(reading="gd", lam=3, radius=R(1, 2), at=R(1, 7)) == 3
    assert ds.flow_rate_at(reading="normalised", lam=-1, radius=R(1, 2), at=R(1, 10**6)) == -1 + R(1, 2) * 10**6
