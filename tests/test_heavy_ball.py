"""Tests for derivations.heavy_ball: moment recursion vs covariance propagation and Monte Carlo, limits, validity."""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest
import sympy as sp

from derivations import heavy_ball as hb
from derivations._errors import InvalidParameter
from derivations._symbols import B, eta, gamma, rho, t

R = sp.Rational


def _cov_propagation(k: int, a: float, q: float, e: float, g: float) -> float:
    """E w_k^2 by propagating the 2x2 covariance of (w, v) directly (independent of the 3x3 recursion)."""
    A = np.array([[1 - e * a, g], [-e * a, g]])
    b = -e * np.ones(2)
    S = np.zeros((2, 2))
    for _ in range(k):
        S = A @ S @ A.T + q * np.outer(b, b)
    return float(S[0, 0])


def test_the_moment_recursion_matches_covariance_propagation() -> None:
    for a_, q_, e_, g_ in [(R(3, 2), R(1, 4), R(1, 10), R(1, 2)), (R(-1, 2), 1, R(1, 20), R(9, 10)), (2, R(1, 3), R(1, 5), 0)]:
        for kk in (0, 1, 2, 7, 25):
            exact = hb.second_moments_exact(kk, curvature=a_, noise=q_, step=e_, momentum=g_)[0]
            assert exact.is_Rational
            assert float(exact) == pytest.approx(_cov_propagation(kk, float(a_), float(q_), float(e_), float(g_)), rel=1e-12, abs=1e-300)


def test_the_moment_recursion_matches_monte_carlo() -> None:
    rng = np.random.default_rng(20230116)  # fixed seed; 5-sigma threshold: false-failure rate < 1e-6
    n_paths, kk, a_, q_, e_, g_ = 200_000, 15, 1.5, 0.25, 0.1, 0.6
    w = np.zeros(n_paths)
    v = np.zeros(n_paths)
    for _ in range(kk):
        xi = rng.normal(0.0, np.sqrt(q_), n_paths)
        v = g_ * v - e_ * (a_ * w + xi)
        w = w + v
    m = hb.second_moments_exact(kk, curvature=R(3, 2), noise=R(1, 4), step=R(1, 10), momentum=R(3, 5))
    for est, exact in ((w**2, m[0]), (w * v, m[1]), (v**2, m[2])):
        se = est.std() / np.sqrt(n_paths)
        assert abs(est.mean() - float(exact)) < 5 * se


def test_the_closed_form_in_k_agrees_with_the_exact_recursion() -> None:
    vc = hb.variance_closed_form()
    r1, r2 = hb.characteristic_roots()
    for a_, q_, e_, g_ in [(R(3, 2), R(1, 4), R(1, 10), R(1, 2)), (R(1, 2), 1, R(1, 3), R(9, 10))]:  # real and complex roots
        subs = {hb.a: a_, hb.q: q_, eta: e_, gamma: g_}
        roots = {sp.Symbol("r_1"): r1.subs(subs), sp.Symbol("r_2"): r2.subs(subs)}
        for kk in (1, 4, 30):
            closed = sp.N(vc.subs(subs).subs(roots).subs(hb.k, kk), 40)
            exact = hb.second_moments_exact(kk, curvature=a_, noise=q_, step=e_, momentum=g_)[0]
            assert abs(complex(closed) - float(exact)) <= 1e-25 * max(1.0, float(exact))


def test_the_eigenvalues_of_m_are_products_of_the_roots() -> None:
    M, _ = hb.second_moment_recursion()
    r1, r2 = hb.characteristic_roots()
    subs = {hb.a: 1.3, eta: 0.2, gamma: 0.7}
    ev = np.sort_complex(np.linalg.eigvals(np.array(M.subs(subs), dtype=float)))
    x1, x2 = complex(r1.subs(subs)), complex(r2.subs(subs))
    assert np.allclose(ev, np.sort_complex(np.array([x1**2, x1 * x2, x2**2])), atol=1e-12)


def test_the_stationary_moments_are_a_fixed_point_and_reduce_to_sgd() -> None:
    M, c = hb.second_moment_recursion()
    s = hb.stationary_second_moments()
    assert (M * s + c - s).applyfunc(sp.simplify) == sp.zeros(3, 1)
    assert sp.simplify(s[0].subs(gamma, 0) - eta * hb.q / (hb.a * (2 - eta * hb.a))) == 0
    far = hb.second_moments_exact(400, curvature=1, noise=1, step=R(1, 5), momentum=R(1, 2))[0]
    assert float(far) == pytest.approx(float(s[0].subs({hb.a: 1, hb.q: 1, eta: R(1, 5), gamma: R(1, 2)})), rel=1e-12)


def test_the_stationarity_condition_matches_the_spectral_radius() -> None:
    cond = hb.stationarity_condition()
    rng = np.random.default_rng(1)  # fixed seed: deterministic sample of parameter points
    M, _ = hb.second_moment_recursion()
    m_num = sp.lambdify((hb.a, eta, gamma), M, "numpy")
    c_num = sp.lambdify((hb.a, eta, gamma), cond, "numpy")
    for _ in range(200):
        a_, e_, g_ = rng.uniform(-2, 6), rng.uniform(0.01, 1), rng.uniform(0, 0.99)
        radius = max(abs(np.linalg.eigvals(np.array(m_num(a_, e_, g_), dtype=float))))
        if abs(radius - 1) > 1e-9:
            assert bool(c_num(a_, e_, g_)) == (radius < 1)


def test_the_overdamped_sde_is_the_limit_of_the_exact_discrete_variance() -> None:
    lim = hb.overdamped_limit_of_discrete()
    assert lim.difference == 0
    assert sp.simplify(lim.exponent_limit + 2 * hb.a * t / (1 - gamma)) == 0
    # numeric: the relative gap to the SDE shrinks roughly linearly with eta
    target = lim.sde_over_eta.subs({hb.a: 1, hb.q: 1, gamma: R(1, 2), t: 1})
    gaps = []
    for e_ in (0.01, 0.001):  # float covariance propagation: exact rationals grow too long at 1000 steps
        exact = _cov_propagation(round(1 / e_), 1.0, 1.0, e_, 0.5)
        gaps.append(abs(exact / e_ / float(target) - 1))
    assert gaps[1] < gaps[0] / 5


def test_the_overdamped_delta_is_the_sde_variance_and_the_limit_for_negative_curvature_too() -> None:
    assert sp.simplify(hb.overdamped_delta() - hb.overdamped_variance()) == 0
    # a < 0 (an escape direction): the limit algebra was done for a > 0; check the analytic continuation
    f = sp.lambdify((hb.a, hb.q, eta, gamma, t), hb.overdamped_delta(), "math")
    gaps = []
    for e_ in (0.01, 0.001):  # float covariance propagation: exact rationals grow too long at 1000 steps
        exact = _cov_propagation(round(1 / e_), -1.0, 1.0, e_, 0.5)
        gaps.append(abs(exact / f(-1.0, 1.0, e_, 0.5, 1.0) - 1))
    assert gaps[1] < gaps[0] / 5


def test_the_overdamped_limit_exists_exactly_for_momentum_below_one() -> None:
    assert hb.overdamped_validity() == (gamma < 1)
    assert hb.last_kick_coefficient() == -eta


def test_curvature_and_noise_are_read_off_the_sam_update() -> None:
    from derivations.sam_sde import drift_and_noise

    L = sp.Symbol("L", positive=True)
    for reading in hb.READINGS:
        assert hb.curvature_and_noise(reading) == drift_and_noise(reading)
    assert hb.curvature_and_noise("plain", lam=-L) == (-L * (1 - rho * L), L / B)
    assert sp.simplify(hb.curvature_and_noise("composed_gradient", lam=L)[0] - L * (1 + rho * L) ** 2) == 0
    assert hb.curvature_and_noise("positive_part", lam=-L)[1] == 0
    assert sp.simplify(hb.curvature_and_noise("same_batch", lam=L)[1] - (1 + rho * L) ** 2 * L / B) == 0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(lambda: hb.curvature_and_noise("noisy"), r"reading='noisy' must be one of", id="bad-reading"),
        pytest.param(lambda: hb.second_moments_exact(-1, curvature=1, noise=1, step=R(1, 10), momentum=0), r"n_steps=-1 must be >= 0", id="negative-steps"),
        pytest.param(lambda: hb.second_moments_exact(3, curvature=1, noise=1, step=R(1, 10), momentum=1), r"momentum=1 must be in \[0, 1\)", id="momentum-one"),
        pytest.param(lambda: hb.second_moments_exact(3, curvature=1, noise=1, step=-0.1, momentum=0), r"step=-0.1 must be > 0", id="negative-step"),
    ],
)
def test_invalid_inputs_raise_invalid_parameter(call, match: str) -> None:
    with pytest.raises(InvalidParameter, match=match):
        call()


def test_the_module_is_pure_sympy() -> None:
    tree = ast.parse(inspect.getsource(hb))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(m.split(".")[0] == "numpy" for m in imported)
