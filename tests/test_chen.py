"""Tests for the Chen et al. 2023 experiment: model gradients, the reduced (Gram) dynamics, Bayes risk,
determinism across workers, critical strengths and exponent fits, invalid inputs, and the check run on a
tiny real sweep (the claim-driven decisions and their mutants are in ``test_chen_mutants.py``)."""

from __future__ import annotations

import concurrent.futures as cf
import json
import math
import pathlib
from dataclasses import replace

import numpy as np
import pytest
import sympy as sp

from derivations import get_claim
from derivations import chen2023 as ch
from derivations._errors import InvalidParameter
from verify import _chen as C
from verify import _chen_analysis as A
from verify import _checks_chen2023 as K

IDS = ("chen2023.sgd.harmful_as_quoted", "chen2023.sgd.threshold_scaling", "chen2023.sam.threshold",
       "chen2023.sam.noise_memorization")
TINY = C.ChenSetup(n=4, P=2, m=2, batch=2, max_epochs=30, n_test=400, record_epochs=30)


def _explicit_problem(seed: int, d: int = 60, mu_norm: float = 1.5):
    setup = C.ChenSetup()
    rng = np.random.default_rng(seed)
    X, y_obs, y, mu = C.sample_data(rng, n=setup.n, d=d, P=3, mu_norm=mu_norm, sigma_p=1.0, label_noise=0.1)
    W0 = setup.sigma_0(d) * 10 * rng.standard_normal((2 * setup.m, d))
    return setup, X, y_obs, y, mu, W0


# -- model -----------------------------------------------------------------------------------------
def test_the_analytic_gradient_matches_central_finite_differences() -> None:
    _, X, y_obs, _, _, W = _explicit_problem(0)
    _, g = C.loss_and_gradient(W, X, y_obs)
    rng = np.random.default_rng(1)  # fixed seed: 30 random coordinates
    h = 1e-6  # central differences: error O(h^2) ~ 1e-12, far below 1e-7; no activation is within h of 0
    act = np.abs(np.einsum("rk,ipk->irp", W, X))
    assert act.min() > 10 * h * np.abs(X).max()  # a step of h moves an activation by <= h max|x|
    for _ in range(30):
        r, k = rng.integers(W.shape[0]), rng.integers(W.shape[1])
        Wp, Wm = W.copy(), W.copy()
        Wp[r, k] += h
        Wm[r, k] -= h
        fd = (C.loss_and_gradient(Wp, X, y_obs)[0] - C.loss_and_gradient(Wm, X, y_obs)[0]) / (2 * h)
        assert g[r, k] == pytest.approx(fd, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("sam", [False, True], ids=["sgd", "sam"])
def test_the_reduced_gram_dynamics_equal_the_explicit_network(sam: bool) -> None:
    setup, X, y_obs, y, mu, W0 = _explicit_problem(2)
    setup = replace(setup, P=3, max_epochs=25, loss_target=1e-12, n_test=200)
    d = X.shape[2]
    g = C.gram_from_explicit(W0, X, y_obs, y, mu)
    normals = np.random.default_rng(3).standard_normal((200, 2, 2 * setup.m))
    res = C.train_reduced(g, setup, d, np.array([np.linalg.norm(mu)]), np.array([sam]), np.random.default_rng(7), normals)
    rr = np.random.default_rng(7)  # the same batch sequence: one permutation per epoch
    batches = []
    for _ in range(setup.max_epochs):
        o = rr.permutation(setup.n)
        batches += [o[k * setup.batch:(k + 1) * setup.batch] for k in range(setup.n // setup.batch)]
    W = C.train_explicit(W0, X, y_obs, batches, eta=setup.eta(d), tau=setup.tau(d), sam=sam)
    u = mu / np.linalg.norm(mu)
    W_red = W0 + np.outer(res.Cmu[0], u) + res.Cxi[0] @ X[:, 1:, :].reshape(-1, d)
    assert np.abs(W - W0).max() > 0.1  # it trained
    np.testing.assert_allclose(W_red, W, rtol=0, atol=1e-12)  # same arithmetic up to rounding


def test_the_reduced_test_error_agrees_with_explicit_test_samples() -> None:
    setup, X, y_obs, y, mu, W0 = _explicit_problem(4, d=80, mu_norm=1.2)
    setup = replace(setup, P=3, max_epochs=20, loss_target=1e-12, n_test=40_000)
    g = C.gram_from_explicit(W0, X, y_obs, y, mu)
    normals = np.random.default_rng(5).standard_normal((setup.n_test, 2, 2 * setup.m))
    res = C.train_reduced(g, setup, 80, np.array([1.2]), np.array([False]), np.random.default_rng(6), normals)
    u = mu / 1.2
    W = W0 + np.outer(res.Cmu[0], u) + res.Cxi[0] @ X[:, 1:, :].reshape(-1, 80)
    Xt, _, yt, _ = C.sample_data(np.random.default_rng(8), n=40_000, d=80, P=3, mu_norm=1.2, sigma_p=1.0,
                                 label_noise=0.0, mu_direction=u)
    direct = float(np.mean(yt * C.network_output(W, Xt) < 0))
    # two independent estimates of one probability, each from 40k samples: SE of the difference
    # <= sqrt(2 * 0.25 / 40000) = 0.0035; 5 SE gives a false-failure rate below 1e-6
    assert 0.02 < direct < 0.48  # an informative operating point (neither trivial nor chance)
    assert res.clean_error[0] == pytest.approx(direct, abs=5 * 0.0036)


def test_the_wishart_gram_draw_has_the_right_moments() -> None:
    setup = replace(TINY, n=4, m=2)
    rng = np.random.default_rng(9)  # fixed seed; 400 draws
    d = 50
    G = np.array([C.sample_gram(rng, setup, d).G for _ in range(400)])
    # E ||xi||^2 = sigma_p^2 (d - 1) = 49, Var = 2 * 49: SE of the mean of 1600 diagonals = 0.25
    assert G[:, range(4), range(4)].mean() == pytest.approx(49.0, abs=5 * 0.25)
    # off-diagonal <xi_k, xi_l> has mean 0 and variance d - 1: SE of 2400 entries = 0.143
    off = G[:, np.triu_indices(4, 1)[0], np.triu_indices(4, 1)[1]]
    assert abs(off.mean()) < 5 * 0.143
    assert off.var() == pytest.approx(49.0, rel=0.15)


# -- Bayes risk ------------------------------------------------------------------------------------
def test_the_bayes_risk_is_the_flip_probability_and_noisy_error_is_affine() -> None:
    assert C.bayes_risk(0.1) == 0.1
    assert C.noisy_error(0.0, 0.1) == pytest.approx(0.1)
    assert C.noisy_error(0.5, 0.1) == pytest.approx(0.5)
    assert C.noisy_error(1.0, 0.1) == pytest.approx(0.9)


def test_the_bayes_classifier_errs_at_the_flip_rate_on_sampled_data() -> None:
    rng = np.random.default_rng(10)  # fixed seed
    X, y_obs, _, mu = C.sample_data(rng, n=20_000, d=30, P=3, mu_norm=0.2, sigma_p=1.0, label_noise=0.1)
    # the signal patch is the one with a non-zero mu component; its sign is the clean label
    pred = np.sign(np.einsum("ipk,k->ip", X, mu).sum(axis=1))
    k = int(np.sum(pred != y_obs))
    # Binomial(20000, 0.1): SD = 42.4; 5 SD fails a correct implementation with probability < 1e-6
    assert abs(k - 2000) < 5 * math.sqrt(20_000 * 0.1 * 0.9)


# -- determinism -----------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_numbers_with_one_and_two_workers() -> None:
    grid = C.SweepGrid(d_values=(40, 80), mu_values=(0.5, 2.0), n_seeds=3)
    ss = np.random.SeedSequence(2024)
    a = C.run_sweep(TINY, grid, ss, max_workers=1)
    b = C.run_sweep(TINY, grid, ss, max_workers=2)
    with cf.ThreadPoolExecutor(max_workers=3) as ex:  # any executor, any completion order
        c = C.run_sweep(TINY, grid, ss, executor=ex)
    for alg in C.ALGS:
        np.testing.assert_array_equal(a.error[alg], b.error[alg])
        np.testing.assert_array_equal(a.error[alg], c.error[alg])
        np.testing.assert_array_equal(a.traj[alg]["noise"], b.traj[alg]["noise"])
    assert a.error["sgd"].shape == (2, 3, 2)
    # spawn() has a counter; the sweep must not depend on it
    ss.spawn(5)
    d = C.run_sweep(TINY, grid, ss, max_workers=1)
    np.testing.assert_array_equal(a.error["sam"], d.error["sam"])


# -- critical signal and exponent fits --------------------------------------------------------------
def test_the_critical_signal_interpolates_the_first_crossing_and_censors_outside_the_grid() -> None:
    mus = [1.0, 2.0, 4.0]
    curves = np.array([[0.4, 0.2, 0.1], [0.1, 0.1, 0.1], [0.5, 0.4, 0.3], [0.4, 0.1, 0.3]])
    out = C.critical_signal(mus, curves, 0.15)
    assert out[0] == pytest.approx(2.0 * 2.0**0.5)  # halfway between 2 and 4 in log
    assert math.isnan(out[1]) and math.isnan(out[2])
    assert out[3] == pytest.approx(2 ** (0.25 / 0.3))
    assert C.rises_after(curves, 0.15).tolist() == [False, False, False, True]


def _synthetic_errors(beta: float, *, n_seeds: int = 16, noise: float = 0.01, seed: int = 0):
    """Error curves 0.1 + 0.4 sigmoid(-k log(mu / mu_c(d))) with mu_c = d^beta, plus seed noise."""
    rng = np.random.default_rng(seed)
    d = np.array([400, 1600, 6400, 25600])
    mus = np.geomspace(0.5, 200, 30)
    mu_c = 2.0 * (d / 400) ** beta
    base = 0.1 + 0.4 / (1 + np.exp(3 * np.log(mus[None, :] / mu_c[:, None])))
    return tuple(mus), tuple(d), base[:, None, :] + noise * rng.standard_normal((4, n_seeds, 30))


@pytest.mark.parametrize("beta", [0.0, 0.25, 0.5])
def test_fit_critical_recovers_a_known_exponent(beta: float) -> None:
    mus, d, e = _synthetic_errors(beta)
    fit = C.fit_critical(mus, d, e, 0.15, rng=np.random.default_rng(1), n_boot=500)
    assert fit.exponent == pytest.approx(beta, abs=0.02)
    # log-linear interpolation of a sigmoid between grid points (ratio 1.23) biases mu_c by < 1%,
    # the slope by < 0.01: allow that beyond the sampling interval
    assert fit.exponent_ci[0] - 0.01 <= beta <= fit.exponent_ci[1] + 0.01
    json.dumps(fit.as_dict())


# -- invalid inputs --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: C.ChenSetup(n=0), "n=0 must be >= 2"),
        (lambda: C.ChenSetup(batch=3), "batch=3 must be a divisor of n=20"),
        (lambda: C.ChenSetup(label_noise=0.5), "label_noise=0.5 must be in [0.0, 0.5)"),
        (lambda: C.ChenSetup(sigma_p=-1.0), "sigma_p=-1.0 must be > 0"),
        (lambda: C.ChenSetup().check_d(0), "d=0 must be >= 1"),
        (lambda: C.ChenSetup().check_d(30), "d=30 must be >= 41"),
        (lambda: C.sample_data(np.random.default_rng(0), n=3, d=10, P=2, mu_norm=0.0, sigma_p=1.0, label_noise=0.1),
         "mu_norm=0.0 must be > 0"),
        (lambda: C.SweepGrid(d_values=(100,), mu_values=(2.0, 1.0), n_seeds=2), "must be increasing"),
        (lambda: C.SweepGrid(d_values=(100,), mu_values=(0.0, 1.0), n_seeds=2), "mu_values=0.0 must be > 0"),
        (lambda: C.SweepGrid(d_values=(100,), mu_values=(1.0, 2.0), n_seeds=1), "n_seeds=1 must be >= 2"),
        (lambda: C.run_sweep(TINY, C.SweepGrid((40,), (1.0, 2.0), 2), np.random.SeedSequence(0), max_workers=0),
         "max_workers=0 must be >= 1"),
        (lambda: C.run_sweep(TINY, C.SweepGrid((40,), (1.0, 2.0), 2), 5), "seedseq=5 must be a numpy SeedSequence"),
        (lambda: C.train_explicit(np.zeros((2, 3)), np.zeros((1, 2, 3)), np.ones(1), [], eta=0.0), "eta=0.0 must be > 0"),
    ],
    ids=["n", "batch", "label-noise", "sigma-p", "d-zero", "d-small", "mu", "grid-order", "grid-mu", "seeds", "workers",
         "seedseq", "eta"],
)
def test_invalid_inputs_raise_errors_naming_the_argument(make, message) -> None:
    with pytest.raises(InvalidParameter) as e:
        make()
    assert message in str(e.value)


# -- claims and the check on a tiny real sweep ------------------------------------------------------
def test_the_four_claims_declare_the_experiment_and_its_checker_emits_exactly_that() -> None:
    from verify._engine import checkers_of

    for cid in K.IDS:
        c = get_claim(cid)
        assert c.reading_names == ("default",)
        assert c.checks == ("experiment",)
        assert [k.methods for k in checkers_of(cid)] == [("experiment",)]
        for level in ("fast", "full"):  # every level has its declared sizes
            spec = A.experiment_spec(c, level)
            assert spec.grid.n_seeds >= 2 and spec.n_boot >= 1000
    assert ch.exponent_in_d(ch.critical_signal_from_condition()) == sp.Rational(1, 4)
    assert ch.exponent_in_d(ch.critical_signal_from_condition(ch.harmful_condition())) == sp.Rational(1, 4)
    # the claimed exponent is data of the statement, derived from the printed condition
    assert get_claim("chen2023.sgd.threshold_scaling").statement.rhs == sp.Rational(1, 4)


#: A tiny experiment (n = 4, a handful of d and ||mu||): seconds to simulate, enough to exercise every path.
TINY_EXPERIMENT = {
    **ch.EXPERIMENT,
    "bind": {**ch.EXPERIMENT["bind"], ch.n: 4},
    "simulator": {"m": 2, "batch": 2, "n_test": 400, "record_epochs": 30},
    "levels": {"fast": {"d": (16, 64, 256), "mu": tuple(np.geomspace(0.2, 8.0, 8)), "n_seeds": 3,
                        "max_epochs": 30, "n_boot": 200}},
}


def _tiny(cid: str):
    c = get_claim(cid)
    return replace(c, extras={**c.extras, "experiment": TINY_EXPERIMENT})


def test_every_check_returns_a_decision_or_a_reason_with_json_ready_data(monkeypatch) -> None:
    from verify import check

    monkeypatch.setattr(A, "_CACHE", {})
    for cid in K.IDS:
        (r,) = check(_tiny(cid), level="fast", rng=3)
        (c,) = r.checks
        assert c.method == "experiment" and c.seed == 3
        d = json.loads(json.dumps(r.to_dict(), allow_nan=False, default=str))
        ch_ = d["checks"][0]
        assert ("decision" in ch_) != (c.outcome in ("inconclusive", "skipped"))
        if c.outcome in ("pass", "fail"):
            assert c.decision.holds() == (c.outcome == "pass")
        else:
            assert c.reason
        assert ch_["data"]["grid"]["d"] == [16, 64, 256]
        if c.outcome == "fail":
            assert r.counterexample is not None
    assert len(A._CACHE) == 1  # the four claims shared one sweep


def test_figures_are_written(monkeypatch, tmp_path: pathlib.Path) -> None:
    from verify import _chen_figures as F

    monkeypatch.setattr(A, "_CACHE", {})
    monkeypatch.setattr(F, "get_claim", lambda cid: _tiny(cid))
    paths = K.figures(tmp_path, level="fast", seed=3)
    assert [p.name for p in paths] == ["chen2023_test_error_heatmaps.png", "chen2023_coefficient_trajectories.png"]
    assert all(p.stat().st_size > 10_000 for p in paths)


def test_an_experiment_without_its_declaration_is_an_error_naming_it() -> None:
    c = replace(get_claim("chen2023.sgd.threshold_scaling"), extras={})
    with pytest.raises(InvalidParameter, match="extras\\['experiment'\\]"):
        A.experiment_spec(c, "fast")
    with pytest.raises(InvalidParameter, match="level='huge'"):
        A.experiment_spec(get_claim("chen2023.sgd.threshold_scaling"), "huge")


# -- the bootstrap decision of a statement ----------------------------------------------------------
def _grid_and_sample(center: float, spread: float, n: int = 4000):
    from verify._chen_logic import Grid

    x = sp.Dummy("x")
    reps = np.concatenate([[center], center + spread * np.random.default_rng(0).standard_normal(n)])  # fixed seed
    grid = Grid((ch.d,), (np.array([400.0, 1600.0]),))
    return x, grid, {x: reps.reshape(-1, 1)}


@pytest.mark.parametrize(
    ("center", "spread", "rel", "expected"),
    [(0.25, 0.01, "eq", "holds"), (0.25, 0.2, "eq", "undecided"), (0.5, 0.01, "eq", "refuted"),
     (0.1, 0.01, "lt", "holds"), (0.3, 0.01, "lt", "refuted"), (0.25, 0.05, "lt", "undecided"),
     (0.25, 0.01, "ne", "refuted"), (0.5, 0.01, "ne", "holds")],
    ids=["eq-narrow", "eq-too-wide", "eq-excluded", "lt-below", "lt-above", "lt-straddles", "ne-equal", "ne-apart"],
)
def test_a_sampled_relation_is_confirmed_excluded_or_left_open_by_its_interval(center, spread, rel, expected) -> None:
    from verify._chen_logic import evaluate

    x, grid, samples = _grid_and_sample(center, spread)
    q = sp.Rational(1, 4)
    concl = {"eq": sp.Eq(x, q), "lt": sp.Lt(x, q), "ne": sp.Ne(x, q)}[rel]
    ev = evaluate(None, concl, grid=grid, samples=samples, where=sp.true, alpha=0.05, resolution=0.1)
    assert ev.n_tests == 1  # the same sample at both d: one test, not two
    got = "holds" if ev.holds else "refuted" if ev.refuted else "undecided"
    assert got == expected


def test_an_implication_is_decided_only_where_its_hypothesis_holds() -> None:
    from verify._chen_logic import evaluate

    x, grid, samples = _grid_and_sample(0.5, 0.01)
    # false conclusion (x < 1/4), but the hypothesis d >= 10^4 holds at no grid point: vacuously true
    ev = evaluate(sp.Ge(ch.d, 10_000), sp.Lt(x, sp.Rational(1, 4)), grid=grid, samples=samples, where=sp.true,
                  alpha=0.05)
    assert ev.holds and ev.n_tests == 0
    ev = evaluate(sp.Ge(ch.d, 1600), sp.Lt(x, sp.Rational(1, 4)), grid=grid, samples=samples, where=sp.true,
                  alpha=0.05)
    assert ev.refuted and grid.point(ev.worst) == {"d": 1600}


def test_an_equation_between_sampled_quantities_needs_a_resolution() -> None:
    from verify._chen_logic import evaluate

    x, grid, samples = _grid_and_sample(0.25, 0.01)
    with pytest.raises(InvalidParameter, match="resolution"):
        evaluate(None, sp.Eq(x, sp.Rational(1, 4)), grid=grid, samples=samples, where=sp.true, alpha=0.05)
