"""Tests of the coherence layer: S and sigma, families, thresholds, exact operators, ReLU pieces, symbolics."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from derivations import InvalidParameter
from derivations.coherence import (
    Hm,
    Ht2,
    batch_mean_expectation,
    cr_trace_derivation,
    frobenius_identity,
    sam_base_case,
    symbolic_coherence,
)
from derivations import Bounded, Equation, Holds, get_claim
from derivations import coherence_claims as cc
from derivations.coherence import Witnesses
from verify import _coherence as co
from verify._coh_eval import POSITIVE, Seq, evaluate, free_roots, root_values
from verify._coh_grid import grid_truth
from verify._coh_judge import judge, threshold_margin
from verify._coh_model import FamilyModel, FamilyWitness
from verify._moments import affine_moments, eta_star, spectral_radius
from verify._sim import FiniteSumQuadratic, run_optimizer
from verify._stats import mean_estimate

BATCHES = ("bernoulli", "with_replacement", "without_replacement")


# -- validation --------------------------------------------------------------------------------------

INVALID = [
    ("empty_list", [], "non-empty"),
    ("empty_array", np.zeros((0, 2, 2)), "non-empty"),
    ("mismatched_shapes", [np.eye(2), np.eye(3)], "H[1] of shape (3, 3)"),
    ("single_matrix", np.eye(2), "a stack"),
    ("not_square", np.zeros((2, 2, 3)), "square"),
    ("not_symmetric", [np.array([[1.0, 2.0], [0.0, 1.0]])], "symmetric"),
    ("not_psd", [np.diag([1.0, -0.5])], "positive semi-definite"),
    ("nan_entry", [np.array([[np.nan, 0.0], [0.0, 1.0]])], "finite"),
]


@pytest.mark.parametrize("H, fragment", [(h, f) for _, h, f in INVALID], ids=[i for i, _, _ in INVALID])
def test_invalid_families_raise_a_clear_error_naming_the_argument(H, fragment):
    with pytest.raises(InvalidParameter) as exc:
        co.coherence(H)
    assert "H" in str(exc.value) and fragment in str(exc.value)


def test_invalid_family_errors_are_value_errors_too():
    with pytest.raises(ValueError):
        co.coherence_matrix([np.diag([1.0, -1.0])])


def test_zero_family_has_no_coherence():
    with pytest.raises(InvalidParameter, match="not identically zero"):
        co.coherence(np.zeros((2, 2, 2)))


# -- coherence values ----------------------------------------------------------------------------------


def test_orthogonal_rank_one_family_has_sigma_one():
    assert co.coherence(co.orthogonal_rank_one_family(6, m=3.0)).sigma == pytest.approx(1.0, abs=1e-14)


def test_identical_rank_one_family_has_sigma_n():
    assert co.coherence(co.identical_family(5, [[2.0, 0.0], [0.0, 0.0]])).sigma == pytest.approx(5.0, rel=1e-14)


def test_identity_family_exceeds_n_by_sqrt_d():
    c = co.coherence(co.identical_family(3, np.eye(4)))
    assert c.sigma == pytest.approx(3 * 2.0, rel=1e-14)  # n ||I||_F / ||I||_2 = 3 sqrt(4)


@pytest.mark.parametrize("sigma", [1, 2, 7, 30])
def test_phase_family_has_the_requested_coherence_and_top_eigenvalue_two(sigma):
    H = co.phase_family(30, sigma)  # n = 30 keeps the (n, d, d) eigensolves small; the structure is n-free
    c = co.coherence(H)
    assert c.sigma == pytest.approx(sigma, rel=1e-12)
    assert c.lambda_max_H == pytest.approx(2.0, rel=1e-14)


def test_coherence_matrix_matches_the_square_root_definition():
    rng = np.random.default_rng(3)
    H = co.random_family(rng, n=4, d=3, rank=2)
    S = co.coherence_matrix(H)
    for i in range(4):
        for j in range(4):
            hi = [(V * np.sqrt(np.clip(w, 0, None))) @ V.T for w, V in [np.linalg.eigh(H[k]) for k in (i, j)]]
            assert S[i, j] == pytest.approx(np.linalg.norm(hi[0] @ hi[1], "fro"), rel=1e-9, abs=1e-12)


def test_symbolic_coherence_of_exact_families():
    assert symbolic_coherence([sp.eye(2)]).sigma == sp.sqrt(2)
    assert symbolic_coherence([sp.Matrix([[1]]), sp.Matrix([[sp.Rational(1, 2)]])]).sigma == sp.Rational(3, 2)


# -- thresholds: the model against the claims' statements --------------------------------------------


def test_orthogonal_family_with_n_equal_2B_is_an_exact_equality_case_for_bernoulli():
    claim = get_claim("dexter2024.thm1")
    w = FamilyWitness(co.orthogonal_rank_one_family(4), "bernoulli", 2)
    j = judge(claim.statement, claim.extras["witnesses"], w)
    assert j.status == "fails" and j.exact
    assert FamilyModel(w, exact=True).radius(cc.SGD, j.point[cc.eta]) == (1, True)


def test_with_replacement_counterexample_has_the_hypothesis_boundary_below_the_exact_threshold():
    claim = get_claim("dexter2024.thm1")
    m = FamilyModel(FamilyWitness(np.array([[[1.0]], [[4.0]]]), "with_replacement", 1))
    (root,) = root_values(free_roots(claim.statement, cc.eta), m, {})
    assert float(root) == pytest.approx(0.5)
    assert m.threshold(cc.SGD)[0] == pytest.approx(10 / 17)  # 2 E[h] / E[h^2] = 5 / 8.5
    assert float(m.radius(cc.SGD, sp.Float(0.5))[0]) == pytest.approx(0.625)


def test_threshold_margin_is_negative_exactly_where_a_strict_counterexample_lies():
    claim = get_claim("dexter2024.thm1")
    spec = claim.extras["witnesses"]
    assert threshold_margin(claim.statement, spec, FamilyWitness(np.array([[[1.0]], [[4.0]]]), "with_replacement", 1)) < 0
    assert threshold_margin(claim.statement, spec, FamilyWitness(co.orthogonal_rank_one_family(4), "bernoulli", 2)) == \
        pytest.approx(0.0, abs=1e-9)


def test_exact_operator_in_rationals_agrees_with_the_float_operator():
    H = [[[1, 0], [0, 0]], [[1, 1], [1, 1]], [[0, 0], [0, 2]]]
    for batch in BATCHES:
        rad, _ = co.exact_radius(H, B=2, batch=batch, eta=sp.Rational(1, 2))
        assert float(rad) == pytest.approx(spectral_radius(np.array(H, float), B=2, batch=batch, eta=0.5), rel=1e-10)


def test_exact_radius_at_the_equality_case_is_one_and_semisimple():
    rad, semisimple = co.exact_radius([[[1, 0], [0, 0]], [[0, 0], [0, 1]]], B=1, batch="bernoulli", eta=2)
    assert rad == 1 and semisimple


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("c", [0.0, 0.3])
def test_diagonal_closed_form_matches_the_generic_operator(batch, c):
    H = co.phase_family(8, 3)
    D = np.einsum("nii->ni", H)
    kw = {"kind": "sam", "rho": c, "alpha": 1.0} if c else {}
    for B in (1, 3, 8):
        assert co.diagonal_radius(D, B=B, batch=batch, eta=0.4, c=c)[0] == pytest.approx(
            spectral_radius(H, B=B, batch=batch, eta=0.4, **kw), rel=1e-10)
        assert co.diagonal_eta_star(D, B=B, batch=batch, c=c)[0] == pytest.approx(
            eta_star(H, B=B, batch=batch, **kw).eta_star, rel=1e-8)


def test_nelder_mead_minimises_a_quadratic():
    x, v, _ = co.nelder_mead(lambda x: float(((x - np.array([1.0, -2.0])) ** 2).sum()), np.zeros(2), max_evals=400)
    assert v < 1e-10 and np.allclose(x, [1.0, -2.0], atol=1e-5)


def test_adversarial_search_is_reproducible_for_a_fixed_seed():
    claim = get_claim("dexter2024.thm1")

    def obj(H):
        return threshold_margin(claim.statement, claim.extras["witnesses"], FamilyWitness(H, "with_replacement", 1))

    a = co.adversarial_family_search(obj, sizes=[(2, 1)], rng=np.random.default_rng(0), starts=1, max_evals=80)
    b = co.adversarial_family_search(obj, sizes=[(2, 1)], rng=np.random.default_rng(0), starts=1, max_evals=80)
    assert a == b and a[0]["value"] < 0  # the n = 2, d = 1 counterexample region is found


def test_monte_carlo_second_moment_agrees_with_the_exact_operator():
    # the tool against itself (not evidence about a paper): the simulator and the operator agree
    H = np.array([[[1.0, 0.3], [0.3, 0.2]], [[0.5, 0.0], [0.0, 1.0]], [[0.1, 0.0], [0.0, 0.0]]])
    prob, x0 = FiniteSumQuadratic(H), np.array([1.0, -1.0])
    for batch in BATCHES:
        _, M = affine_moments(prob, algorithm="sgd", batch=batch, B=1, eta=1.2, n_steps=5, x0=x0)
        w = run_optimizer(prob, algorithm="sgd", eta=1.2, n_steps=5, n_paths=20_000, rng=np.random.default_rng(0),
                          batch=batch, B=1, x0=x0, record_every=5)
        est, se = mean_estimate((w[-1] ** 2).sum(axis=1))
        assert abs(est - np.trace(M[5])) < 5 * se  # 5 standard errors: false failure ~ 6e-7 per model


# -- ReLU -----------------------------------------------------------------------------------------------


def test_relu_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    net = co.ReluNet(rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal(4))
    X = rng.standard_normal((5, 3))
    G = co.relu_per_sample_gradients(net, X)
    theta = np.concatenate([net.W1.ravel(), net.b, net.W2])
    h = 1e-6  # central differences: error O(h^2) away from ReLU kinks (random inputs avoid them)
    for k in range(theta.size):
        tp, tm = theta.copy(), theta.copy()
        tp[k] += h
        tm[k] -= h
        f = [co.ReluNet(t[:12].reshape(4, 3), t[12:16], t[16:])(X) for t in (tp, tm)]
        assert np.allclose((f[0] - f[1]) / (2 * h), G[:, k], atol=1e-6)


def test_memorising_solution_interpolates_and_has_diagonal_S():
    rng = np.random.default_rng(2)
    X = np.array([[1.0, 1, -1], [1, -1, 1], [-1, -1, -1]])
    y = X[:, 0] * X[:, 1]
    net = co.memorizing_solution(X, y, rng=rng, extra_units=2)
    assert co.relu_memorizing(net, X) and np.allclose(net(X), y)
    S = co.relu_coherence_matrix(net, X)
    assert np.count_nonzero(S - np.diag(np.diag(S))) == 0


def test_shared_unit_with_cancelling_terms_gives_diagonal_S_without_memorising():
    X = np.array([[1.0, 1.0], [-1.0, -1.0]])
    net = co.ReluNet(np.zeros((1, 2)), np.ones(1), np.ones(1))
    assert np.array_equal(net(X), X[:, 0] * X[:, 1])
    S = co.relu_coherence_matrix(net, X)
    assert S[0, 1] == 0 and not co.relu_memorizing(net, X)


@pytest.mark.parametrize("C, d", [(2, 2), (2, 5), (3, 4)])
def test_cr_solution_interpolates_with_the_printed_trace(C, d):
    r = 1.3
    net = co.cr_solution(C=C, d=d, r=r)
    X = np.array(list(np.ndindex(*(2,) * d)), dtype=float) * 2 - 1
    assert np.allclose(net(X), X[:, 0] * X[:, 1])
    G = co.relu_per_sample_gradients(net, X)
    assert np.allclose((G * G).sum(axis=1), r * r + (d + 1) / r**2)


def test_cr_solution_rejects_C_below_two():
    with pytest.raises(InvalidParameter, match="C=1"):
        co.cr_solution(C=1, d=3, r=1.0)


# -- experiments ---------------------------------------------------------------------------------------


def test_table1_training_reaches_interpolation_and_reports_every_metric():
    tab = co.train_table1(np.random.default_rng(0), n_seeds=2, n_steps=1500, rhos=(0.05,))
    summ = tab.summary()
    assert set(summ) == {"sgd", "sam_rho=0.05"}
    assert summ["sgd"]["train_loss"]["mean"] < 1e-2
    for o in summ:
        assert {"sigma", "lambda_max_S", "max_lambda_i", "lambda_max_H", "trace_H"} <= set(summ[o])
        assert all(s >= 1 - 1e-12 for s in tab.metrics[o]["sigma"])  # rank-one H_i: sigma >= 1


def test_phase_diagram_exact_full_grid_is_fast_and_consistent():
    import time

    t = time.perf_counter()
    pd = co.phase_diagram_exact(n=100, batch="bernoulli", eta=0.5, c=0.1)
    assert time.perf_counter() - t < 20  # the benchmark's target is 60 s for all three models
    assert pd.radius["sgd"].shape == (100, 100)
    assert np.array_equal(pd.radius["sgd"], pd.radius["random_perturbation"])
    assert pd.coherence["sigma"] == pytest.approx(pd.sigma_grid, rel=1e-12)  # Figure 1's family has sigma = its index
    div_sgd, div_sam = pd.radius["sgd"] >= 1 - 1e-12, pd.radius["sam"] >= 1 - 1e-12
    assert np.all(div_sam | ~div_sgd)  # SAM diverges wherever SGD does


def test_phase_diagram_montecarlo_agrees_with_the_exact_radius_far_from_the_boundary():
    pd = co.phase_diagram_exact(n=100, batch="bernoulli", eta=0.5, c=0.1, B_grid=[1, 90], sigma_grid=[1, 100])
    mc = co.phase_diagram_montecarlo(pd, rng=np.random.default_rng(0), n_runs=5, n_steps=200)
    far = np.abs(pd.radius["sgd"] - 1) > 0.2  # radius far from 1: growth or decay is unmistakable in 200 steps
    assert np.array_equal(mc.empirical["sgd"][far], (pd.radius["sgd"] >= 1)[far])


# -- symbolic derivations --------------------------------------------------------------------------------


def test_frobenius_identity_and_trace_symmetry_simplify_to_zero():
    f = frobenius_identity()
    assert sp.simplify(f["frobenius_squared"] - f["trace_AB"]) == 0
    assert sp.simplify(f["trace_AB"] - f["trace_BA"]) == 0
    assert f["trace_AB_sum_of_squares"].is_nonnegative


def test_sam_base_case_expansion_matches_the_printed_formula():
    eta, rho, alpha = sp.symbols("eta rho alpha", positive=True)
    c = rho / alpha
    printed = (1 - 2 * eta * Hm - 2 * eta * c * Hm**2 + eta**2 * Ht2 + eta**2 * c * (Ht2 * Hm + Hm * Ht2)
               + eta**2 * c**2 * Hm * Ht2 * Hm)
    assert sp.expand(sam_base_case(eta, rho, alpha)[-1][1] - printed) == 0


def test_sam_base_case_mutant_with_commuted_product_differs():
    eta, rho, alpha = sp.symbols("eta rho alpha", positive=True)
    c = rho / alpha
    wrong = 1 - 2 * eta * Hm - 2 * eta * c * Hm**2 + eta**2 * Ht2 + 2 * eta**2 * c * Ht2 * Hm + eta**2 * c**2 * Hm * Ht2 * Hm
    assert sp.expand(sam_base_case(eta, rho, alpha)[-1][1] - wrong) != 0


@pytest.mark.parametrize("model", BATCHES)
def test_every_batch_model_has_unbiased_batch_mean(model):
    n, B = sp.symbols("n B", positive=True, integer=True)
    assert sp.simplify(batch_mean_expectation(model, n=n, B=B) - 1 / n) == 0


def test_cr_trace_derivation_gives_printed_trace_and_minimiser():
    steps = dict(cr_trace_derivation())
    r, d = sp.Symbol("r", positive=True), sp.Symbol("d", positive=True, integer=True)
    assert sp.simplify(steps["Tr H_i = ||grad f(x_i)||^2"] - (r**2 + (d + 1) / r**2)) == 0
    assert sp.simplify(steps["critical point r*"] - (d + 1) ** sp.Rational(1, 4)) == 0
    assert sp.simplify(steps["Tr H_i at r*"] - 2 * sp.sqrt(d + 1)) == 0


# -- evaluating statements at witnesses ------------------------------------------------------------------


class _Table:
    """A model that is a table of values and sequences (for the evaluator's own tests)."""

    def __init__(self, values=None, seqs=None, exact=True):
        self.values, self.seqs, self.exact = values or {}, seqs or {}, exact

    def value(self, obj, point):
        return self.values[obj]

    def sequence(self, obj, point):
        return self.seqs[obj]

    def forall(self, sym):
        return (sp.Integer(1), sp.Integer(3))


def test_a_float_tie_leaves_an_inequality_undecided_but_an_equation_true():
    x = sp.Symbol("x")
    m = _Table({x: sp.Float(1.0 + 1e-13)}, exact=False)
    assert evaluate(Holds(x >= 1), m, {}).truth is None
    assert evaluate(Equation(x, 1), m, {}).truth is True
    assert evaluate(Holds(x >= 1), _Table({x: sp.Float(1.001)}, exact=False), {}).truth is True


def test_limits_and_bounds_follow_the_leading_terms():
    a, b = cc.Ew2(cc.SGD, cc.k), cc.Ew2(cc.RP, cc.k)
    m = _Table(seqs={a: Seq(POSITIVE, sp.Rational(5, 2)), b: Seq(POSITIVE, sp.Integer(5))})
    assert evaluate(Holds(sp.Eq(sp.Limit(a, cc.k, sp.oo), sp.oo)), m, {}).truth is True
    assert evaluate(Bounded(b / a, cc.k), m, {}).truth is False
    assert evaluate(Bounded(a / b, cc.k), m, {}).truth is True
    same = _Table(seqs={a: Seq(POSITIVE, sp.Float(1.3)), b: Seq(POSITIVE, sp.Float(1.3))}, exact=False)
    assert evaluate(Bounded(b / a, cc.k), same, {}).truth is True  # one eigenvalue reached twice cancels exactly


def test_a_forall_symbol_ranges_over_the_model_values():
    lam = cc.lambda_i
    assert evaluate(Holds(lam <= 2), _Table(), {}, forall=(lam,)).truth is False  # 3 > 2
    assert evaluate(Holds(lam <= 3), _Table(), {}, forall=(lam,)).truth is True


def test_the_hypothesis_boundary_is_solved_from_the_statement():
    (root,) = free_roots(get_claim("chang2025.sam.divergence").statement, cc.eta)
    assert root.has(cc.sigma) and root.has(cc.lambda_min(cc.H))


def test_grid_truth_matches_the_scalar_evaluator():
    x, y = sp.symbols("x y")
    arrays = {x: np.array([[0.5], [1.0], [2.0]]), y: np.array([[1.0, 1.0 + 1e-13]])}
    t = grid_truth(sp.And(x >= y, x < 3), arrays, {}, (3, 2))
    assert t.tolist() == [[0, 0], [-1, -1], [1, 1]]


def test_witness_spaces_reject_unknown_kinds():
    with pytest.raises(ValueError, match="witness kinds"):
        Witnesses(random=("gausian",))
