"""Tests of the simulators: exact transitions, Euler–Maruyama, optimisers, reproducibility, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from derivations._errors import InvalidParameter
from verify._moments import lyapunov_covariance
from verify._sim import (
    FiniteSumQuadratic,
    euler_maruyama,
    expm,
    gaussian_transition,
    run_optimizer,
    sample_batch_weights,
    simulate_linear_sde,
    spawn_generators,
)
from verify._stats import compare, variance_estimate

# Every Monte Carlo check here runs at a fixed seed with alpha = 1e-4 per check, so if the code is
# right a check fails with probability <= 1e-4 at any new seed (it cannot flake at the pinned one).
ALPHA = 1e-4


def _psd_stack(rng, n, d):
    A = rng.standard_normal((n, d, d))
    return np.einsum("nij,nkj->nik", A, A) / d


def test_expm_matches_eigendecomposition_for_a_symmetric_matrix():
    rng = np.random.default_rng(0)
    S = rng.standard_normal((5, 5))
    S = S + S.T
    w, V = np.linalg.eigh(S)
    np.testing.assert_allclose(expm(S), (V * np.exp(w)) @ V.T, rtol=1e-12, atol=1e-12)


def test_gaussian_transition_covariance_solves_the_lyapunov_ode():
    A = np.array([[1.0, 0.3], [-0.2, 0.5]])
    Q = np.array([[1.0, 0.2], [0.2, 0.4]])
    h, dh = 0.7, 1e-5
    _, S0 = gaussian_transition(A, Q, h)
    _, S1 = gaussian_transition(A, Q, h + dh)
    deriv = (S1 - S0) / dh
    # central value ~ S(h + dh/2); forward difference error O(dh) = 1e-5
    np.testing.assert_allclose(deriv, -A @ S0 - S0 @ A.T + Q, atol=1e-4)


def test_exact_ou_jumps_have_the_lyapunov_variance_including_a_saddle_direction():
    rng = np.random.default_rng(1)
    A = np.diag([2.0, -0.5])  # one stable, one unstable direction
    D = np.diag([1.0, 0.3])
    t = [0.5, 2.0]
    x = simulate_linear_sde(A, D, x0=[0.0, 0.0], times=t, n_paths=40_000, rng=rng, eta=0.1)
    Sig = lyapunov_covariance(A, D, eta=0.1, t=t)
    for k in range(2):
        for j in range(2):
            v, se = variance_estimate(x[k, :, j])
            assert compare(v, se, Sig[k, j, j], alpha=ALPHA, rtol_decide=0.05).outcome == "pass"


def test_center_shifts_the_mean_and_x0_per_path_is_respected():
    rng = np.random.default_rng(2)
    x = simulate_linear_sde(np.eye(1), np.zeros((1, 1)), x0=[[1.0], [3.0]], times=[np.log(2.0)], n_paths=2, rng=rng, center=[1.0])
    np.testing.assert_allclose(x[0, :, 0], [1.0, 2.0])  # deterministic: (x0 - c) e^{-t} + c


def test_same_seed_gives_identical_paths_and_spawned_streams_differ():
    a, b = spawn_generators(7, 2)
    x1 = simulate_linear_sde(np.eye(2), np.eye(2), x0=[0.0, 0.0], times=[1.0], n_paths=3, rng=np.random.default_rng(5))
    x2 = simulate_linear_sde(np.eye(2), np.eye(2), x0=[0.0, 0.0], times=[1.0], n_paths=3, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(x1, x2)
    assert a.standard_normal() != b.standard_normal()


def test_pinned_values_for_a_fixed_seed():
    x = simulate_linear_sde(np.eye(1), np.eye(1) * 2.0, x0=[0.0], times=[0.5], n_paths=2, rng=np.random.default_rng(0))
    # Var = (1 - e^{-1}); x = sqrt(Var) * z with z the generator's first two normals
    z = np.random.default_rng(0).standard_normal(2)
    np.testing.assert_allclose(x[0, :, 0], np.sqrt(1 - np.exp(-1.0)) * z, rtol=1e-12)


def test_euler_maruyama_ou_variance_within_its_discretisation_bias():
    rng = np.random.default_rng(3)
    dt, n = 0.01, 100
    x = euler_maruyama(lambda x: -x, np.array([[1.0]]), x0=[0.0], dt=dt, n_steps=n, n_paths=40_000, rng=rng, record_every=n)
    exact = (1 - np.exp(-2.0)) / 2
    em = dt * (1 - (1 - dt) ** (2 * n)) / (1 - (1 - dt) ** 2)  # EM's own exact variance
    v, se = variance_estimate(x[-1, :, 0])
    assert compare(v, se, exact, bias_bound=abs(em - exact) * 1.01, alpha=ALPHA, rtol_decide=0.05).outcome == "pass"


def test_euler_maruyama_accepts_state_dependent_diagonal_diffusion():
    x = euler_maruyama(lambda x: 0 * x, lambda x: np.zeros_like(x), x0=[1.0, 2.0], dt=0.1, n_steps=3, n_paths=4, rng=np.random.default_rng(0))
    assert x.shape == (4, 4, 2)
    np.testing.assert_array_equal(x[-1], np.tile([1.0, 2.0], (4, 1)))


@pytest.mark.parametrize("batch", ["bernoulli", "with_replacement", "without_replacement"])
def test_batch_weights_are_unbiased_and_sized(batch):
    rng = np.random.default_rng(4)
    W = sample_batch_weights(rng, n=7, B=3, batch=batch, n_paths=200_000)
    # each column's mean is 1/n; SE <= sqrt(E[W^2]/N) = sqrt((1/(nB))/2e5) ~ 7e-4, 6 SE tolerance
    np.testing.assert_allclose(W.mean(axis=0), 1 / 7, atol=6 * np.sqrt(1 / 21 / 200_000))
    if batch != "bernoulli":
        np.testing.assert_allclose(W.sum(axis=1), 1.0)
    if batch == "without_replacement":
        assert np.all(W.max(axis=1) <= 1 / 3 + 1e-15)


def test_gd_is_the_deterministic_linear_recursion_and_full_batch_sgd_equals_it():
    rng = np.random.default_rng(5)
    H = _psd_stack(rng, 4, 3)
    prob = FiniteSumQuadratic(H, center=[1.0, 0.0, -1.0])
    x0 = np.array([0.5, 0.2, 0.1])
    eta, k = 0.1, 7
    u = np.linalg.matrix_power(np.eye(3) - eta * prob.H_mean, k) @ (x0 - prob.center) + prob.center
    gd = run_optimizer(prob, algorithm="gd", eta=eta, n_steps=k, n_paths=2, rng=rng, x0=x0)
    sgd = run_optimizer(prob, algorithm="sgd", eta=eta, n_steps=k, n_paths=2, rng=rng, x0=x0, B=4, batch="without_replacement")
    np.testing.assert_allclose(gd[-1], np.tile(u, (2, 1)), rtol=1e-12)
    np.testing.assert_allclose(sgd[-1], gd[-1], rtol=1e-12)


def test_sam_with_rho_zero_is_sgd_path_by_path():
    H = _psd_stack(np.random.default_rng(6), 5, 2)
    prob = FiniteSumQuadratic(H, g=np.random.default_rng(7).standard_normal((5, 2)))
    kw = dict(eta=0.1, n_steps=5, n_paths=3, B=2, batch="bernoulli", x0=[1.0, 1.0])
    a = run_optimizer(prob, algorithm="sgd", rng=np.random.default_rng(8), **kw)
    b = run_optimizer(prob, algorithm="sam", rho=0.0, rng=np.random.default_rng(8), **kw)
    np.testing.assert_array_equal(a, b)


def test_plain_and_normalised_sam_and_heavy_ball_match_a_hand_written_step():
    H = np.array([[[2.0, 0.0], [0.0, -2.0]]])  # f = x^2 - y^2, one sample: gradients are exact
    prob = FiniteSumQuadratic(H)
    w0 = np.array([-3.0, -0.01])
    eta, rho, gamma = 0.01, 0.5, 0.9
    g = lambda w: H[0] @ w  # noqa: E731
    out = run_optimizer(prob, algorithm="sam", rho=rho, eta=eta, n_steps=1, n_paths=1, rng=np.random.default_rng(0), B=1, x0=w0)
    np.testing.assert_allclose(out[-1, 0], w0 - eta * g(w0 + rho * g(w0)))
    out = run_optimizer(prob, algorithm="normalized_sam", rho=rho, eta=eta, n_steps=1, n_paths=1, rng=np.random.default_rng(0), B=1, x0=w0)
    np.testing.assert_allclose(out[-1, 0], w0 - eta * g(w0 + rho * g(w0) / np.linalg.norm(g(w0))))
    out = run_optimizer(prob, algorithm="sgd", gamma=gamma, eta=eta, n_steps=2, n_paths=1, rng=np.random.default_rng(0), B=1, x0=w0)
    v1 = -eta * g(w0)
    w1 = w0 + v1
    np.testing.assert_allclose(out[-1, 0], w1 + gamma * v1 - eta * g(w1))


def test_normalised_sam_at_the_critical_point_does_not_move_or_produce_nan():
    prob = FiniteSumQuadratic(np.array([[[1.0]]]))
    out = run_optimizer(prob, algorithm="normalized_sam", rho=0.1, eta=0.1, n_steps=3, n_paths=2, rng=np.random.default_rng(0), B=1)
    np.testing.assert_array_equal(out, 0.0)


def test_user_gradient_function_overrides_the_quadratic():
    prob = FiniteSumQuadratic(np.ones((3, 1, 1)))
    grad_fn = lambda w: np.repeat((2 * w)[:, None, :], 3, axis=1)  # noqa: E731  (l_i = w^2)
    out = run_optimizer(prob, algorithm="sgd", eta=0.1, n_steps=1, n_paths=1, rng=np.random.default_rng(0), B=2, x0=[1.0], grad_fn=grad_fn)
    np.testing.assert_allclose(out[-1, 0], [0.8])


def test_additive_noise_variant_has_the_stated_covariance():
    prob = FiniteSumQuadratic(np.zeros((1, 2, 2)))
    C = np.array([[1.0, 0.5], [0.5, 2.0]])
    out = run_optimizer(prob, algorithm="gd", eta=0.5, n_steps=1, n_paths=100_000, rng=np.random.default_rng(9), noise_cov=C)
    cov = np.cov(out[-1].T)
    # entries of a sample covariance of 1e5 normals: SE <= sqrt(2) * 0.25*2 / sqrt(1e5) ~ 2.2e-3; 6 SE
    np.testing.assert_allclose(cov, 0.25 * C, atol=0.015)


def test_record_every_records_the_stated_steps():
    prob = FiniteSumQuadratic(np.ones((2, 1, 1)))
    out = run_optimizer(prob, algorithm="gd", eta=0.5, n_steps=7, n_paths=1, rng=np.random.default_rng(0), x0=[1.0], record_every=3)
    np.testing.assert_allclose(out[:, 0, 0], [1.0, 0.5**3, 0.5**6])


_H = np.eye(2)[None].repeat(3, axis=0)
_P = FiniteSumQuadratic(_H)
_rng = np.random.default_rng(0)
BAD = {
    "sde_D_not_psd": (lambda: simulate_linear_sde(np.eye(2), -np.eye(2), x0=[0, 0], times=[1], n_paths=2, rng=_rng), "D"),
    "sde_D_shape": (lambda: simulate_linear_sde(np.eye(2), np.eye(3), x0=[0, 0], times=[1], n_paths=2, rng=_rng), "D"),
    "sde_x0_shape": (lambda: simulate_linear_sde(np.eye(2), np.eye(2), x0=[0, 0, 0], times=[1], n_paths=2, rng=_rng), "x0"),
    "sde_negative_time": (lambda: simulate_linear_sde(np.eye(2), np.eye(2), x0=[0, 0], times=[-1], n_paths=2, rng=_rng), "times"),
    "sde_decreasing_times": (lambda: simulate_linear_sde(np.eye(2), np.eye(2), x0=[0, 0], times=[2, 1], n_paths=2, rng=_rng), "times"),
    "sde_negative_eta": (lambda: simulate_linear_sde(np.eye(2), np.eye(2), x0=[0, 0], times=[1], n_paths=2, rng=_rng, eta=-0.1), "eta"),
    "sde_bare_seed": (lambda: simulate_linear_sde(np.eye(2), np.eye(2), x0=[0, 0], times=[1], n_paths=2, rng=0), "rng"),
    "sde_nonsquare_A": (lambda: simulate_linear_sde(np.ones((2, 3)), np.eye(2), x0=[0, 0], times=[1], n_paths=2, rng=_rng), "A"),
    "em_negative_dt": (lambda: euler_maruyama(lambda x: x, np.eye(1), x0=[0.0], dt=-0.1, n_steps=1, n_paths=1, rng=_rng), "dt"),
    "em_negative_steps": (lambda: euler_maruyama(lambda x: x, np.eye(1), x0=[0.0], dt=0.1, n_steps=-1, n_paths=1, rng=_rng), "n_steps"),
    "em_drift_shape": (lambda: euler_maruyama(lambda x: x[:, :1], np.eye(2), x0=[0.0, 0.0], dt=0.1, n_steps=1, n_paths=1, rng=_rng), "drift"),
    "em_diffusion_shape": (lambda: euler_maruyama(lambda x: x, np.eye(3), x0=[0.0, 0.0], dt=0.1, n_steps=1, n_paths=1, rng=_rng), "diffusion"),
    "problem_H_not_symmetric": (lambda: FiniteSumQuadratic(np.array([[[1.0, 2.0], [0.0, 1.0]]])), "H"),
    "problem_H_nan": (lambda: FiniteSumQuadratic(np.array([[[np.nan]]])), "H"),
    "problem_g_shape": (lambda: FiniteSumQuadratic(_H, g=np.zeros((3, 3))), "g"),
    "problem_center_shape": (lambda: FiniteSumQuadratic(_H, center=np.zeros(3)), "center"),
    "problem_require_psd_on_a_saddle": (lambda: FiniteSumQuadratic(np.diag([1.0, -1.0])[None]).require_psd(), "H"),
    "opt_B_above_n": (lambda: run_optimizer(_P, algorithm="sgd", eta=0.1, n_steps=1, n_paths=1, rng=_rng, B=4), "B"),
    "opt_B_missing": (lambda: run_optimizer(_P, algorithm="sgd", eta=0.1, n_steps=1, n_paths=1, rng=_rng), "B"),
    "opt_negative_eta": (lambda: run_optimizer(_P, algorithm="sgd", eta=-0.1, n_steps=1, n_paths=1, rng=_rng, B=1), "eta"),
    "opt_negative_steps": (lambda: run_optimizer(_P, algorithm="sgd", eta=0.1, n_steps=-2, n_paths=1, rng=_rng, B=1), "n_steps"),
    "opt_negative_rho": (lambda: run_optimizer(_P, algorithm="sam", eta=0.1, n_steps=1, n_paths=1, rng=_rng, B=1, rho=-1), "rho"),
    "opt_gamma_one": (lambda: run_optimizer(_P, algorithm="sgd", eta=0.1, n_steps=1, n_paths=1, rng=_rng, B=1, gamma=1.0), "gamma"),
    "opt_unknown_algorithm": (lambda: run_optimizer(_P, algorithm="adam", eta=0.1, n_steps=1, n_paths=1, rng=_rng, B=1), "algorithm"),
    "opt_unknown_batch": (lambda: run_optimizer(_P, algorithm="sgd", eta=0.1, n_steps=1, n_paths=1, rng=_rng, B=1, batch="poisson"), "batch"),
    "opt_unknown_ascent": (lambda: run_optimizer(_P, algorithm="sam", eta=0.1, n_steps=1, n_paths=1, rng=_rng, B=1, ascent="other"), "ascent"),
    "opt_noise_not_psd": (lambda: run_optimizer(_P, algorithm="gd", eta=0.1, n_steps=1, n_paths=1, rng=_rng, noise_cov=-np.eye(2)), "noise_cov"),
    "opt_x0_shape": (lambda: run_optimizer(_P, algorithm="gd", eta=0.1, n_steps=1, n_paths=2, rng=_rng, x0=np.zeros((3, 2))), "x0"),
    "opt_grad_fn_shape": (lambda: run_optimizer(_P, algorithm="sgd", eta=0.1, n_steps=1, n_paths=1, rng=_rng, B=1, grad_fn=lambda w: w), "grad(w)"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_raises_a_clear_error_naming_the_argument(case):
    call, name = BAD[case]
    with pytest.raises(InvalidParameter) as info:
        call()
    msg = str(info.value)
    assert msg.startswith(name) or f" {name}" in msg or name in msg.split("=")[0], msg
    assert "must be" in msg
    assert len(msg) < 400  # arrays are summarised, never printed whole
