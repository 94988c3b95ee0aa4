"""Tests of the exact moment layer: closed forms vs enumeration, radii, eta*, affine moments, Lyapunov."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from derivations._errors import InvalidParameter
from verify._moments import (
    affine_moments,
    batch_hessian_moments,
    enumerate_batches,
    eta_star,
    lyapunov_covariance,
    second_moment_operator,
    spectral_radius,
)
from verify._sim import FiniteSumQuadratic, run_optimizer
from verify._stats import compare, decide_family, variance_estimate

BATCHES = ["bernoulli", "with_replacement", "without_replacement"]


def _psd_stack(seed, n, d, rank=2):
    A = np.random.default_rng(seed).standard_normal((n, d, rank))
    return np.einsum("nij,nkj->nik", A, A) / rank


def _brute_operator(H, B, batch, eta, make_X):
    W, p = enumerate_batches(H.shape[0], B=B, batch=batch)
    d = H.shape[1]
    T = np.zeros((d * d, d * d))
    for w, pb in zip(W, p):
        J = np.eye(d) - eta * make_X(np.einsum("n,nij->ij", w, H))
        T += pb * np.kron(J, J)
    return T


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("n,B", [(1, 1), (5, 1), (5, 2), (5, 5)])
def test_closed_form_batch_moments_match_enumeration(batch, n, B):
    H = np.random.default_rng(n * 10 + B).standard_normal((n, 3, 3))  # any matrices, not only symmetric
    E1, E2 = batch_hessian_moments(H, B=B, batch=batch, symmetric=False)
    W, p = enumerate_batches(n, B=B, batch=batch)
    assert p.sum() == pytest.approx(1.0, abs=1e-14)
    Hb = np.einsum("bn,nij->bij", W, H)
    np.testing.assert_allclose(E1, np.einsum("b,bij->ij", p, Hb), atol=1e-13)
    np.testing.assert_allclose(E2, sum(pb * np.kron(h, h) for pb, h in zip(p, Hb)), atol=1e-12)


@pytest.mark.parametrize("batch", BATCHES)
def test_second_moment_operators_match_enumeration_for_every_kind(batch):
    H = _psd_stack(1, 5, 2)
    eta, rho, alpha = 0.3, 0.4, 2.0
    Hbar = H.mean(axis=0)
    cases = {
        "sgd": (dict(kind="sgd"), lambda Hb: Hb),
        "sam_alpha": (dict(kind="sam", rho=rho, alpha=alpha), lambda Hb: Hb @ (np.eye(2) + rho / alpha * Hbar)),
        "sam_full": (dict(kind="sam", rho=rho, ascent="full"), lambda Hb: Hb @ (np.eye(2) + rho * Hbar)),
        "sam_same": (dict(kind="sam", rho=rho, ascent="same_batch"), lambda Hb: Hb + rho * Hb @ Hb),
    }
    for name, (kw, make_X) in cases.items():
        T = second_moment_operator(H, B=2, batch=batch, eta=eta, **kw)
        np.testing.assert_allclose(T, _brute_operator(H, 2, batch, eta, make_X), atol=1e-12, err_msg=name)
    # independent ascent batch: enumerate pairs of batches
    W, p = enumerate_batches(5, B=2, batch=batch)
    Hb = np.einsum("bn,nij->bij", W, H)
    T = sum(
        pa * pb * np.kron(J, J)
        for (pa, ha), (pb, hb) in itertools.product(zip(p, Hb), zip(p, Hb))
        for J in [np.eye(2) - eta * hb @ (np.eye(2) + rho * ha)]
    )
    np.testing.assert_allclose(second_moment_operator(H, B=2, batch=batch, eta=eta, kind="sam", rho=rho, ascent="independent_batch"), T, atol=1e-12)


@pytest.mark.parametrize("kw", [dict(kind="sgd"), dict(kind="sam", rho=0.3, alpha=1.5), dict(kind="sam", rho=0.3, ascent="same_batch"),
                                dict(kind="sam", rho=0.3, ascent="independent_batch")], ids=["sgd", "sam_alpha", "sam_same", "sam_indep"])  # fmt: skip
def test_spectral_radius_equals_the_full_operators_largest_eigenvalue_modulus(kw):
    H = _psd_stack(2, 6, 3)
    for eta in (0.1, 0.5, 1.5):
        T = second_moment_operator(H, B=2, batch="bernoulli", eta=eta, **kw)
        full = float(np.max(np.abs(np.linalg.eigvals(T))))
        assert spectral_radius(H, B=2, batch="bernoulli", eta=eta, **kw) == pytest.approx(full, rel=1e-9)


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("kw", [dict(kind="sgd"), dict(kind="sam", rho=0.3, alpha=1.5), dict(kind="sam", rho=0.3, ascent="same_batch")],
                         ids=["sgd", "sam_alpha", "sam_same"])  # fmt: skip
def test_eta_star_closed_form_agrees_with_bisection_and_its_bracket_certifies(batch, kw):
    H = _psd_stack(3, 6, 3)
    th = eta_star(H, B=2, batch=batch, **kw)
    bis = eta_star(H, B=2, batch=batch, method="bisection", **kw)
    assert th.method == "generalized_eigen" and bis.method == "bisection"
    assert th.eta_star == pytest.approx(bis.eta_star, rel=1e-8)  # both brackets have width <= 1e-10
    lo, hi = th.bracket
    assert lo <= th.eta_star <= hi and hi - lo <= 1e-10 * hi * 1.0001
    # outside a 1e-6 relative band the eigensolver's verdict is unambiguous
    assert spectral_radius(H, B=2, batch=batch, eta=th.eta_star * (1 - 1e-6), **kw) < 1
    assert spectral_radius(H, B=2, batch=batch, eta=th.eta_star * (1 + 1e-6), **kw) > 1


def test_eta_star_is_zero_at_a_saddle_and_full_batch_gd_gives_two_over_lambda_max():
    H = np.array([np.diag([1.0, -0.5])] * 3)
    assert eta_star(H, B=1, batch="with_replacement").eta_star == 0.0
    assert eta_star(H, B=1, batch="with_replacement", method="bisection").eta_star == 0.0
    # identical samples: no batch noise, so eta* = 2 / lambda_max
    Hs = np.array([np.diag([4.0, 1.0])] * 4)
    assert eta_star(Hs, B=2, batch="without_replacement").eta_star == pytest.approx(0.5, rel=1e-9)


def test_eta_star_reduces_for_sam_like_sgd_on_the_transformed_hessians():
    # J = I - eta H_B (I + c H) has eta* of SGD on K H_i K, K = (I + c H)^{1/2}
    H = _psd_stack(4, 6, 2)
    c = 0.7
    w, V = np.linalg.eigh(H.mean(0))
    K = (V * np.sqrt(1 + c * w)) @ V.T
    a = eta_star(H, B=3, batch="bernoulli", kind="sam", rho=c, alpha=1.0).eta_star
    b = eta_star(K @ H @ K, B=3, batch="bernoulli").eta_star
    assert a == pytest.approx(b, rel=1e-9)


def test_affine_moments_match_one_step_enumeration():
    rng = np.random.default_rng(5)
    H = _psd_stack(5, 4, 2)
    prob = FiniteSumQuadratic(H, g=rng.standard_normal((4, 2)), center=[0.5, -0.5])
    x0 = np.array([1.0, 2.0])
    eta, rho = 0.2, 0.3
    for batch in BATCHES:
        W, p = enumerate_batches(4, B=2, batch=batch)
        for alg, ascent in (("sgd", "same_batch"), ("sam", "same_batch"), ("sam", "full")):
            # exact distribution after 2 steps by enumerating every pair of batches
            m = np.zeros(2)
            S = np.zeros((2, 2))
            for (p1, w1), (p2, w2) in itertools.product(zip(p, W), zip(p, W)):
                u = x0 - prob.center
                for w in (w1, w2):
                    Hb, gb = np.einsum("n,nij->ij", w, H), w @ prob.g
                    a = {"same_batch": Hb @ u + gb, "full": prob.H_mean @ u + prob.g_mean}[ascent]
                    up = u + rho * a if alg == "sam" else u
                    u = u - eta * (Hb @ up + gb)
                m += p1 * p2 * u
                S += p1 * p2 * np.outer(u, u)
            mean, second = affine_moments(prob, algorithm=alg, batch=batch, B=2, eta=eta, rho=rho if alg == "sam" else 0.0,
                                          ascent=ascent, n_steps=2, x0=x0)  # fmt: skip
            np.testing.assert_allclose(mean[-1], m + prob.center, atol=1e-12)
            np.testing.assert_allclose(second[-1], S, atol=1e-12)


def test_affine_moments_agree_with_monte_carlo_for_heavy_ball_independent_sam_and_random_perturbation():
    rng = np.random.default_rng(6)
    H = _psd_stack(6, 5, 2)
    prob = FiniteSumQuadratic(H, g=rng.standard_normal((5, 2)) * 0.5)
    cases = [
        ("sgd", dict(gamma=0.6)),
        ("sam", dict(rho=0.3, ascent="independent_batch", gamma=0.3)),
        ("random_perturbation", dict(perturbation_std=0.2)),
        ("random_perturbation", dict(perturbation_std=0.2, perturbation_persists=True)),
    ]
    comps = []
    for alg, kw in cases:
        mean, second = affine_moments(prob, algorithm=alg, batch="bernoulli", B=2, eta=0.2, n_steps=15, x0=[1.0, -1.0], **kw)
        X = run_optimizer(prob, algorithm=alg, batch="bernoulli", B=2, eta=0.2, n_steps=15, n_paths=40_000, rng=rng, x0=[1.0, -1.0],
                          record_every=15, **kw)  # fmt: skip
        for j in range(2):
            v, se = variance_estimate(X[-1, :, j])
            comps.append(compare(v, se, second[-1, j, j] - mean[-1, j] ** 2, alpha=1e-4, rtol_decide=0.05))
    # Holm over the 8 readings: a false alarm anywhere has probability <= 1e-4 at a new seed
    out = decide_family(comps, alpha=1e-4)
    assert [c.outcome for c in out] == ["pass"] * len(out), [(c.estimate, c.claimed) for c in out]


def test_stationary_moments_are_the_limit_and_unstable_steps_raise():
    H = _psd_stack(7, 4, 2)
    prob = FiniteSumQuadratic(H, g=np.random.default_rng(7).standard_normal((4, 2)))
    for kw in (dict(algorithm="sgd"), dict(algorithm="sgd", gamma=0.5), dict(algorithm="sam", rho=0.2, ascent="independent_batch")):
        m, S = affine_moments(prob, batch="with_replacement", B=2, eta=0.1, n_steps=0, stationary=True, **kw)
        mk, Sk = affine_moments(prob, batch="with_replacement", B=2, eta=0.1, n_steps=4000, **kw)
        np.testing.assert_allclose(S, Sk[-1], rtol=1e-8)
        np.testing.assert_allclose(m, mk[-1], atol=1e-10)
    top = eta_star(H, B=2, batch="with_replacement").eta_star
    with pytest.raises(InvalidParameter, match="eta"):
        affine_moments(prob, algorithm="sgd", batch="with_replacement", B=2, eta=top * 1.01, n_steps=0, stationary=True)


def test_lyapunov_covariance_limits_and_initial_condition():
    A = np.array([[1.0, 0.4], [0.0, 2.0]])
    D = np.array([[1.0, 0.1], [0.1, 0.5]])
    S_inf = lyapunov_covariance(A, D, eta=0.5, t=np.inf)
    np.testing.assert_allclose(A @ S_inf + S_inf @ A.T, 0.5 * D, atol=1e-13)
    np.testing.assert_allclose(lyapunov_covariance(A, D, eta=0.5, t=40.0), S_inf, atol=1e-13)
    S0 = np.eye(2)
    np.testing.assert_allclose(lyapunov_covariance(A, D, t=0.0, Sigma0=S0), S0)
    # scalar OU with an unstable direction: sigma^2(t) = eta D (e^{2|a| t} - 1) / (2|a|)
    s = lyapunov_covariance(np.array([[-0.5]]), np.array([[2.0]]), eta=0.1, t=[1.0, 3.0])
    np.testing.assert_allclose(s[:, 0, 0], 0.2 * (np.exp([1.0, 3.0]) - 1) / 1.0, rtol=1e-12)


BAD = {
    "moments_B_above_n": (lambda: batch_hessian_moments(np.ones((2, 1, 1)), B=3, batch="bernoulli"), "B"),
    "moments_unknown_batch": (lambda: batch_hessian_moments(np.ones((2, 1, 1)), B=1, batch="poisson"), "batch"),
    "moments_not_symmetric": (lambda: batch_hessian_moments(np.array([[[1.0, 1.0], [0.0, 1.0]]]), B=1, batch="bernoulli"), "H"),
    "moments_wrong_ndim": (lambda: batch_hessian_moments(np.eye(2), B=1, batch="bernoulli"), "H"),
    "operator_negative_eta": (lambda: second_moment_operator(np.ones((2, 1, 1)), B=1, batch="bernoulli", eta=-1), "eta"),
    "operator_alpha_zero": (lambda: spectral_radius(np.ones((2, 1, 1)), B=1, batch="bernoulli", eta=1, kind="sam", rho=1, alpha=0), "alpha"),
    "eta_star_require_psd": (lambda: eta_star(np.array([np.diag([1.0, -1.0])]), B=1, batch="bernoulli", require_psd=True), "H"),
    "eta_star_unknown_kind": (lambda: eta_star(np.ones((2, 1, 1)), B=1, batch="bernoulli", kind="adam"), "kind"),
    "enumeration_too_large": (lambda: enumerate_batches(40, B=2, batch="bernoulli"), "n"),
    "lyapunov_D_not_psd": (lambda: lyapunov_covariance(np.eye(2), -np.eye(2), t=1.0), "D"),
    "lyapunov_negative_t": (lambda: lyapunov_covariance(np.eye(2), np.eye(2), t=-1.0), "t"),
    "lyapunov_unstable_inf": (lambda: lyapunov_covariance(-np.eye(2), np.eye(2), t=np.inf), "t"),
    "affine_negative_steps": (lambda: affine_moments(FiniteSumQuadratic(np.ones((2, 1, 1))), algorithm="sgd", batch="bernoulli", B=1, eta=0.1, n_steps=-1), "n_steps"),
    "affine_perturbation_on_sgd": (lambda: affine_moments(FiniteSumQuadratic(np.ones((2, 1, 1))), algorithm="sgd", batch="bernoulli", B=1, eta=0.1, n_steps=1, perturbation_std=0.1), "perturbation_std"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_raises_a_clear_error_naming_the_argument(case):
    call, name = BAD[case]
    with pytest.raises(InvalidParameter) as info:
        call()
    msg = str(info.value)
    assert name in msg.split("=")[0] and "must be" in msg, msg
