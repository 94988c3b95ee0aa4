"""Your own claims: models derive what they should, wrong claims are refuted, right ones proved."""

from __future__ import annotations

import json

import pytest
import sympy as sp
from hypothesis import given, settings

import verify
import verify.strategies
import verify.testing
from derivations import Claim, Equation, Holds, InvalidParameter, LatexParseError
from derivations._user import (
    Scaling,
    UserSource,
    as_parameters,
    default_domain,
    discrete_model,
    heavy_ball_model,
    sam_model,
    sde_model,
    sgd_model,
    user_claim,
)
from verify._report import claim_entry
from verify._scaling import scaling_check

h, s, eta = sp.symbols("h s eta", positive=True)
rho = sp.Symbol("rho", nonnegative=True)
gam = sp.Symbol("gamma", nonnegative=True)
w, v, xi, zeta = sp.symbols("w v xi zeta", real=True)
V = sp.Symbol("V_infty")
PARAMS = {h: "curvature", s: "gradient-noise std", eta: "learning rate"}

SGD = sgd_model(h * w + xi, state=w, noise={xi: s**2}, lr=eta)
SDE = sde_model(drift=-h * w, diffusion=sp.sqrt(eta) * s, state=w, name="sde")


def _claim(rhs: sp.Expr, *models, where: sp.Basic = sp.true, **kw) -> Claim:
    return user_claim("test.user.variance", sp.Eq(V, rhs), parameters=PARAMS, where=where,
                      readings=[m.reading({V: "stationary_variance"}) for m in models], **kw)


# -- models derive their quantities from the definition ------------------------------------------


def test_the_sde_stationary_variance_is_the_lyapunov_limit():
    assert sp.simplify(SDE.quantity("stationary_variance") - eta * s**2 / (2 * h)) == 0
    var_t = SDE.quantity("variance")
    t = SDE.time
    assert sp.simplify(var_t.diff(t) + 2 * h * var_t - eta * s**2) == 0 and var_t.subs(t, 0) == 0


def test_discrete_sgd_stationary_variance_solves_the_second_moment_recursion():
    value = SGD.quantity("stationary_variance")
    assert isinstance(value, sp.Piecewise)
    (stable_value, cond), _ = value.args
    assert sp.simplify(stable_value - eta * s**2 / (h * (2 - eta * h))) == 0
    assert cond == (eta * h < 2)


def test_k_steps_closed_form_agrees_with_exact_iteration():
    closed = SGD.quantity("variance")
    exact = SGD.moments(3)[1]
    assert sp.simplify(closed.subs(SGD.time, 3) - exact) == 0


def test_sgd_sde_is_read_off_the_update():
    sde = SGD.sde()
    assert sde.A == sp.Matrix([[h]]) and sp.simplify(sde.Q[0, 0] - eta * s**2) == 0


def test_sam_same_batch_matches_the_hand_derived_recursion():
    sam = sam_model(h * w + xi, state=w, noise={xi: s**2}, lr=eta, radius=rho)
    a, g = h * (1 + rho * h), 1 + rho * h  # w' = (1 - eta a) w - eta g xi
    expected = eta**2 * g**2 * s**2 / (1 - (1 - eta * a) ** 2)
    (value, _), _ = sam.quantity("stationary_variance").args
    assert sp.simplify(value - expected) == 0


def test_heavy_ball_agrees_with_the_catalogue_derivation():
    from derivations import heavy_ball as hb

    model = heavy_ball_model(h * w + xi, state=w, velocity=v, noise={xi: s**2}, lr=eta, momentum=gam)
    (ours, cond), _ = model.quantity("stationary_second_moment").args  # guarded by the Schur condition
    theirs = hb.stationary_second_moments()[0].subs({hb.a: h, hb.q: s**2})
    assert sp.simplify(ours - theirs) == 0
    assert cond == sp.And(gam < 1, eta * h < sp.factor(2 * (1 + gam)))


def test_multiplicative_noise_gives_the_linear_stability_recursion():
    model = discrete_model((1 - eta * (h + zeta)) * w, state=w, noise={zeta: s**2}, name="random_curvature")
    M, c, _ = model.moment_recursion
    assert sp.simplify(M[1, 1] - ((1 - eta * h) ** 2 + eta**2 * s**2)) == 0 and c == sp.zeros(2, 1)


# -- verdicts --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def verdicts() -> dict[str, verify.ReadingResult]:
    """The claim off by a factor of 2 under both models, and the corrected discrete form."""
    wrong = verify.check(_claim(eta * s**2 / h, SDE, SGD), rng=0)
    right = verify.check(_claim(eta * s**2 / (2 * h), SDE), rng=0)
    corrected = verify.check(_claim(eta * s**2 / (h * (2 - eta * h)), SGD, where=eta * h < 2), rng=0)
    return {"wrong_sde": wrong[0], "wrong_sgd": wrong[1], "right_sde": right[0], "corrected_sgd": corrected[0]}


def test_a_claim_off_by_a_factor_of_two_is_refuted_with_a_counterexample(verdicts):
    for key in ("wrong_sde", "wrong_sgd"):
        r = verdicts[key]
        assert r.verdict == "refuted"
        cx = r.counterexample
        assert set(cx.params) == {"h", "s", "eta"} and cx.claimed != pytest.approx(cx.actual)


def test_the_same_claim_corrected_is_proved(verdicts):
    assert verdicts["right_sde"].verdict == "proved"
    assert verdicts["corrected_sgd"].verdict == "proved"


def test_user_claims_get_the_catalogue_report_sections(verdicts):
    claim = _claim(eta * s**2 / h, SDE, SGD)
    entry = claim_entry(claim, [verdicts["wrong_sde"], verdicts["wrong_sgd"]])
    doc = json.loads(json.dumps(entry, default=str))
    assert doc["source"] == {"paper": "user claim", "arxiv": "", "locator": ""}
    assert [r["verdict"] for r in doc["results"]] == ["refuted", "refuted"]
    assert any("Lyapunov" in step["step"] for step in doc["results"][0]["derivation"])


# -- testing helpers ---------------------------------------------------------------------------------


def test_assert_claim_fails_with_the_counterexample_in_the_message():
    with pytest.raises(AssertionError, match=r"refuted under 'sde'(.|\n)*counterexample: \{\"h\""):
        verify.testing.assert_claim(_claim(eta * s**2 / h, SDE))


def test_assert_claim_can_expect_a_refutation():
    (r,) = verify.testing.assert_claim(_claim(eta * s**2 / h, SDE), accept=("refuted",))
    assert r.verdict == "refuted"


BATCH = user_claim(
    "test.user.batch",
    Holds(sp.Symbol("B", integer=True, positive=True) <= sp.Symbol("n", integer=True, positive=True)),
    parameters=[sp.Symbol("B", integer=True, positive=True), sp.Symbol("n", integer=True, positive=True), eta],
    where=sp.Symbol("B", integer=True, positive=True) <= sp.Symbol("n", integer=True, positive=True),
    readings=[SGD.reading({V: "stationary_variance"})],
    placeholders=(V,),
)


@settings(max_examples=60, database=None, deadline=None)
@given(verify.strategies.parameters(BATCH))
def test_strategies_draw_integer_batch_sizes_between_one_and_n(p):
    assert isinstance(p["B"], int) and isinstance(p["n"], int)
    assert 1 <= p["B"] <= p["n"] and p["eta"] > 0 and isinstance(p["eta"], float)


@settings(max_examples=40, database=None, deadline=None)
@given(verify.strategies.parameters(_claim(eta * s**2 / (2 * h), SGD, where=eta * h < 2), exact=True))
def test_strategies_respect_where_and_can_be_exact(p):
    assert all(isinstance(x, sp.Rational) for x in p.values())
    assert p["eta"] * p["h"] < 2 and min(p.values()) > 0


def test_strategies_refuse_an_empty_domain():
    import dataclasses

    ok = user_claim("test.user.empty", sp.Eq(V, eta), parameters={eta: sp.Interval(1, 2)},
                    readings=[SGD.reading({V: "stationary_variance"})])
    empty = dataclasses.replace(ok, where=eta > 3)  # user_claim itself refuses this where (next test)
    with pytest.raises(InvalidParameter, match="eta=EmptySet must be a non-empty domain"):
        verify.strategies.parameters(empty)


def test_user_claim_refuses_a_where_that_leaves_no_point():
    with pytest.raises(InvalidParameter, match=r"where=eta > 3 must be satisfiable for eta in Interval\(1, 2\)"):
        user_claim("test.user.empty", sp.Eq(V, eta), parameters={eta: sp.Interval(1, 2)},
                   where=eta > 3, readings=[SGD.reading({V: "stationary_variance"})])


# -- scaling symmetries --------------------------------------------------------------------------------

TIME_UNITS = Scaling({h: -1, eta: -1}, name="time units")  # t -> c t: rates and the diffusion eta s^2 scale as 1/c


def test_a_scaling_that_both_sides_share_passes():
    claim = _claim(eta * s**2 / (2 * h), SDE, scaling=TIME_UNITS)
    r = scaling_check(claim, "sde", TIME_UNITS)
    assert r.outcome == "pass" and r.data["lhs_exponent"] == r.data["rhs_exponent"] == "0"


def test_an_exponent_mismatch_is_reported_with_a_counterexample():
    claim = _claim(eta * s**2 / (2 * h**2), SDE, scaling=TIME_UNITS)  # wrong power of h
    r = scaling_check(claim, "sde", TIME_UNITS)
    assert r.outcome == "fail" and r.data["mismatch"] == "-1"
    assert "exponent mismatch -1" in r.detail and r.counterexample is not None


def test_check_runs_declared_scalings_through_assert_claim():
    claim = _claim(eta * s**2 / (2 * h), SDE, scaling=TIME_UNITS)
    (r,) = verify.testing.assert_claim(claim)
    assert any("time units" in c.detail and c.outcome == "pass" for c in r.checks)


def test_the_discrete_iteration_breaks_the_time_unit_symmetry():
    claim = _claim(eta * s**2 / (h * (2 - eta * h)), SGD, where=eta * h < 2, scaling=TIME_UNITS)
    r = scaling_check(claim, "sgd", TIME_UNITS)
    assert r.outcome == "inconclusive" and "not homogeneous" in r.detail


# -- LaTeX -------------------------------------------------------------------------------------------------


def test_from_latex_builds_the_printed_side_onto_the_parameters():
    claim = Claim.from_latex("test.user.latex", r"V_{\infty} = \frac{\eta s^2}{2 h}", parameters=PARAMS,
                             readings=[SDE.reading({V: "stationary_variance"})])
    assert claim.statement == Equation(V, eta * s**2 / (2 * h))
    assert claim.parameter("eta").symbol.is_positive


def test_from_latex_reads_inequalities_and_expansions():
    t = sp.Symbol("t", positive=True)
    ineq = Claim.from_latex("test.user.ineq", r"V_{\infty} \le \frac{\eta s^2}{h}", parameters=PARAMS,
                            readings=[SDE.reading({V: "stationary_variance"})])
    assert isinstance(ineq.statement, Holds)
    Var = sp.Function("v")
    expansion = Claim.from_latex("test.user.expansion", r"v(t) = \eta s^2 t + O(t^2)", parameters={**PARAMS, t: "time"},
                                 readings=[SDE.reading({Var: "variance"})], variable=t)
    assert expansion.statement.remainder == t**2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (r"V_{\infty} = \frac{\eta s^2}{2 h", r"'\{' at position \d+ is never closed"),
        (r"V_{\infty} = \eta s^2 / (2h", r"'\(' at position \d+ is never closed"),
        (r"V_{\infty} = \eta s^2)", r"unmatched '\)'"),
        (r"V_{\infty} = \eta q^2", r"mentions q, which is neither a parameter nor a placeholder"),
        (r"V_{\infty} = g(\eta)", r"g\(\.\.\.\) is read as a call of an unknown function"),
        (r"\frac{\eta s^2}{2 h}", r"not a statement"),
        (r"V_{\infty} = = 1", r"could not parse LaTeX"),
    ],
    ids=["unclosed_brace", "unclosed_paren", "unmatched_paren", "unknown_symbol", "unknown_function",
         "no_relation", "syntax"],
)
def test_unparsable_latex_raises_an_error_pointing_at_the_problem(text, message):
    with pytest.raises(LatexParseError, match=message):
        Claim.from_latex("test.user.bad", text, parameters=PARAMS, readings=[SDE.reading({V: "stationary_variance"})])


# -- invalid inputs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: as_parameters({eta: sp.Interval(-1, 1)}), r"must be inside Interval.open\(0, oo\)"),
        (lambda: as_parameters({sp.Symbol("B"): sp.Range(1, 10)}), r"integer symbol"),
        (lambda: as_parameters([]), r"must be non-empty"),
        (lambda: sde_model(-h * w**2, s, state=w), r"affine in the state"),
        (lambda: sde_model(-h * w, s * w, state=w), r"state-independent"),
        (lambda: discrete_model(w - eta * xi**2, state=w, noise={xi: s**2}), r"at most linear in the noises"),
        (lambda: discrete_model(w, state=w, noise=[xi]), r"noise=\[xi\] must be a mapping"),
        (lambda: SGD.reading({V: "variance_of_nothing"}), r"quantity='variance_of_nothing' must be one of"),
        (lambda: _claim(eta * s**2 / (2 * sp.Symbol("q")), SDE), r"unknown: q"),
        (lambda: Scaling({h: sp.pi}), r"must be a rational"),
        (lambda: UserSource(arxiv="12"), r"arxiv='12' must"),
        (lambda: sgd_model(h * w + xi, state=w, noise={xi: s**2}, lr=eta, init=w), r"init=.* must be free of \['w'\]"),
        (lambda: heavy_ball_model(h * w + xi, state=w, velocity=v, noise={xi: s**2}, lr=eta, momentum=gam,
                                  init=[1, 2, 3]), r"init=\[1, 2, 3\] must be 1 position"),
        (lambda: __import__("derivations").minibatch_sam_model([h * w, 2 * h * w], state=w, lr=eta, radius=rho, B=1,
                                                               ascent="same_batch"), r"fourth moments"),
    ],
    ids=["domain_outside_assumptions", "integer_domain_real_symbol", "no_parameters", "nonlinear_drift",
         "multiplicative_sde_noise", "quadratic_noise", "noise_not_mapping", "unknown_quantity",
         "unknown_symbol_in_statement", "irrational_exponent", "bad_arxiv", "init_not_a_point",
         "heavy_ball_init_length", "minibatch_same_batch_sam"],
)
def test_invalid_inputs_name_the_argument_and_the_rule(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_default_domains_follow_the_assumptions():
    assert default_domain(sp.Symbol("B", integer=True, positive=True)) == sp.Range(1, sp.oo)
    assert default_domain(rho) == sp.Interval(0, sp.oo)
    assert default_domain(w) == sp.Reals


def test_the_catalogue_sde_readings_are_available_as_models():
    from derivations._user import kim_sde_model
    from derivations.sam_sde import variance_derivation
    from derivations._symbols import rho as rho_, t

    for reading in ("plain", "same_batch"):
        (lam,) = variance_derivation(reading).bindings.values()
        ours = kim_sde_model(reading).quantity("variance")
        assert sp.simplify(ours - lam(t, rho_)) == 0


def test_scaling_check_defaults_to_the_declared_scalings():
    assert scaling_check(_claim(eta * s**2 / (2 * h**2), SDE, scaling=TIME_UNITS), "sde").outcome == "fail"
    with pytest.raises(InvalidParameter, match="declaring a Scaling"):
        scaling_check(_claim(eta * s**2 / (2 * h), SDE), "sde")


@pytest.mark.parametrize("batch", ["with_replacement", "without_replacement", "bernoulli"])
def test_minibatch_sgd_matches_the_exact_numerical_moments(batch):
    import numpy as np

    from derivations._user import minibatch_sgd_model
    from verify._moments import affine_moments
    from verify._sim import FiniteSumQuadratic

    B = sp.Symbol("B", integer=True, positive=True)
    curv, offs = [1, 2, 4], [sp.Rational(1, 2), -1, sp.Rational(1, 2)]
    model = minibatch_sgd_model([c * w + o for c, o in zip(curv, offs)], state=w, lr=eta, B=B, batch=batch)
    ours = float(model.quantity("stationary_variance").subs({eta: sp.Rational(1, 10), B: 2}))
    problem = FiniteSumQuadratic(H=np.array(curv, float).reshape(3, 1, 1), g=np.array(offs, float).reshape(3, 1))
    mean, second = affine_moments(problem, algorithm="sgd", batch=batch, B=2, eta=0.1, n_steps=0, stationary=True)
    # exact rational arithmetic against float64 linear algebra on a 4x4 system: 1e-12 is generous
    assert ours == pytest.approx(second[0, 0] - mean[0] ** 2, rel=1e-12)


# -- sound `proved`: stationary quantities carry where they exist -------------------------------------------

HB = heavy_ball_model(h * w + xi, state=w, velocity=v, noise={xi: s**2}, lr=eta, momentum=gam)
GAMMA_DOMAIN = {h: "curvature", s: "gradient-noise std", eta: "learning rate",
                gam: (sp.Interval.Ropen(0, 1), "momentum")}


def _hb_claim(where: sp.Basic) -> Claim:
    (value, _), _ = HB.quantity("stationary_variance").args
    return user_claim("test.user.hb_variance", sp.Eq(V, value), parameters=GAMMA_DOMAIN, where=where,
                      readings=[HB.reading({V: "stationary_variance"})])


def test_a_stationary_binding_carries_its_validity_and_is_infinite_outside_it():
    d = _hb_claim(sp.true).derivation("heavy_ball")
    assert d.validity == sp.And(gam < 1, eta * h < sp.factor(2 * (1 + gam)))
    outside = {h: 1, s: 1, eta: 3, gam: sp.Rational(1, 2)}  # eta h = 3 > 2 (1 + gamma)
    assert d.bindings[V].subs(outside) == sp.oo


def test_heavy_ball_variance_claimed_past_the_stability_threshold_is_refuted():
    (r,) = verify.check(_hb_claim(eta * h < 4 * (1 + gam)), rng=0)
    assert r.verdict == "refuted"


def test_heavy_ball_variance_claimed_inside_the_stability_region_is_proved():
    (r,) = verify.check(_hb_claim(sp.And(eta * h < 2 * (1 + gam), gam < 1)), rng=0)
    assert r.verdict == "proved"


x1, x2 = sp.symbols("x1 x2", real=True)
COUPLED = sde_model(drift=[-h * x1 - x2, -x1 - h * x2], diffusion=sp.sqrt(eta) * s, state=[x1, x2], name="coupled")


def test_a_coupled_sde_is_stable_exactly_where_its_drift_is_hurwitz():
    assert COUPLED.stable == (h > 1)  # eigenvalues of A = [[h, 1], [1, h]] are h - 1 and h + 1
    (value, cond), _ = COUPLED.quantity("stationary_variance").args
    assert cond == (h > 1) and sp.simplify(value - eta * s**2 * h / (2 * (h**2 - 1))) == 0


def test_a_coupled_stationary_variance_claimed_where_the_drift_is_unstable_is_refuted():
    (value, _), _ = COUPLED.quantity("stationary_variance").args
    claim = user_claim("test.user.coupled", sp.Eq(V, value), parameters=PARAMS, where=h > sp.Rational(1, 2),
                       readings=[COUPLED.reading({V: "stationary_variance"})])
    (r,) = verify.check(claim, rng=0)
    assert r.verdict == "refuted"


# -- reach: thresholds, start points, coupled SDEs, LaTeX, ids ------------------------------------------------


def test_the_heavy_ball_threshold_comes_out_of_the_moment_map_in_seconds():
    import time

    t0 = time.perf_counter()
    model = heavy_ball_model(h * w + xi, state=w, velocity=v, noise={xi: s**2}, lr=eta, momentum=gam, name="hb2")
    cond = model.stable
    assert cond == sp.And(gam < 1, eta * h < sp.factor(2 * (1 + gam)))
    assert time.perf_counter() - t0 < 5.0  # it took > 90 s as a generic solve; ~0.2 s through Schur-Cohn


def test_multiplicative_noise_gets_the_second_moment_threshold():
    model = discrete_model((1 - eta * (h + zeta)) * w, state=w, noise={zeta: s**2}, name="random_curvature")
    # E w'^2 = ((1 - eta h)^2 + eta^2 s^2) E w^2: stable iff that factor is < 1, stricter than eta h < 2
    cond = model.stable
    pt = {h: 1, s: 1}
    assert cond.subs({**pt, eta: sp.Rational(9, 10)}) == sp.true
    assert cond.subs({**pt, eta: sp.Rational(11, 10)}) == sp.false  # (1/10)^2 + 121/100 > 1 although eta h < 2


def test_k_step_heavy_ball_moments_are_fast_and_exact():
    import time

    t0 = time.perf_counter()
    var = HB.quantity("variance")
    assert time.perf_counter() - t0 < 10.0
    pt = {h: 1, s: 1, eta: sp.Rational(1, 2), gam: sp.Rational(1, 2)}
    y5 = HB.moments(5).subs(pt)
    exact = y5[2] - y5[0] ** 2
    assert abs(sp.N(var.subs({**pt, HB.time: 5}), 30) - exact) < 1e-25


@pytest.mark.parametrize("build", [
    lambda x0: sgd_model(h * w + xi, state=w, noise={xi: s**2}, lr=eta, init=x0),
    lambda x0: sam_model(h * w + xi, state=w, noise={xi: s**2}, lr=eta, radius=rho, init=x0),
    lambda x0: heavy_ball_model(h * w + xi, state=w, velocity=v, noise={xi: s**2}, lr=eta, momentum=gam, init=x0),
    lambda x0: discrete_model(w - eta * (h * w + xi), state=w, noise={xi: s**2}, init=x0),
], ids=["sgd", "sam", "heavy_ball", "discrete"])
def test_every_discrete_model_starts_where_init_says(build):
    w0 = sp.Rational(3, 2)
    model = build(w0)
    mean, var = model.quantity("mean"), model.quantity("variance")
    # the closed forms in k against exact iteration, at an exact point (50 digits: the heavy ball's
    # closed form carries radicals that cancel only numerically, simplify() takes a minute on them)
    pt = {h: 1, s: 1, eta: sp.Rational(1, 3), rho: sp.Rational(1, 5), gam: sp.Rational(1, 2)}
    for k in (0, 1, 3):
        y = model.moments(k).subs(pt)
        exact_mean, exact_var = y[0], y[model._second_index(0)] - y[0] ** 2
        assert abs(sp.N(mean.subs({**pt, model.time: k}), 50) - exact_mean) < 1e-40
        assert abs(sp.N(var.subs({**pt, model.time: k}), 50) - exact_var) < 1e-40
    assert model.moments(0)[0] == w0


def test_the_sde_mean_starts_at_init_and_relaxes():
    sde = sde_model(drift=-h * w, diffusion=sp.sqrt(eta) * s, state=w, init=2)
    assert sp.simplify(sde.quantity("mean") - 2 * sp.exp(-h * sde.time)) == 0


@pytest.mark.parametrize("algorithm", ["sgd", "sam"])
def test_minibatch_k_step_moments_from_a_start_match_the_exact_numerical_moments(algorithm):
    import numpy as np

    from derivations._user import minibatch_sam_model, minibatch_sgd_model
    from verify._moments import affine_moments
    from verify._sim import FiniteSumQuadratic

    curv, offs = [1, 2, 4], [sp.Rational(1, 2), -1, sp.Rational(1, 2)]
    grads = [c * w + o for c, o in zip(curv, offs)]
    x0, k, lr, r = sp.Rational(3, 2), 4, sp.Rational(1, 10), sp.Rational(1, 5)
    if algorithm == "sgd":
        model = minibatch_sgd_model(grads, state=w, lr=eta, B=2, batch="with_replacement", init=x0)
    else:
        model = minibatch_sam_model(grads, state=w, lr=eta, radius=rho, B=2, batch="with_replacement", init=x0)
    var = model.quantity("variance").subs({eta: lr, rho: r, model.time: k})
    problem = FiniteSumQuadratic(H=np.array(curv, float).reshape(3, 1, 1), g=np.array(offs, float).reshape(3, 1))
    mean, second = affine_moments(problem, algorithm=algorithm, batch="with_replacement", B=2, eta=float(lr),
                                  rho=float(r) if algorithm == "sam" else 0.0, ascent="full", n_steps=k,
                                  x0=np.array([float(x0)]))
    m = mean[k][0]  # the problem's centre is the origin: second moments are about 0
    # exact rationals against float64 products of 4x4 matrices over 4 steps: 1e-12 is generous
    assert float(var) == pytest.approx(second[k][0, 0] - m**2, rel=1e-12)


def test_a_coupled_sde_covariance_in_time_solves_the_lyapunov_ode():
    S = COUPLED.covariance()
    t = COUPLED.time
    residual = S.diff(t) - (-COUPLED.A * S - S * COUPLED.A.T + COUPLED.Q)
    assert residual.applyfunc(sp.simplify) == sp.zeros(2, 2) and S.subs(t, 0).applyfunc(sp.simplify) == sp.zeros(2, 2)
    v1 = COUPLED.quantity("variance")
    assert sp.simplify(sp.limit(v1.subs({h: 2, eta: 1, s: 1}), t, sp.oo) - sp.Rational(1, 3)) == 0


def test_a_numeric_coupled_sde_without_closed_form_eigenvalues_gets_a_numeric_covariance():
    y1, y2, y3 = sp.symbols("y1 y2 y3", real=True)
    A = sp.Matrix([[2, 1, 0], [0, 1, 1], [1, 0, 3]])  # characteristic polynomial irreducible of degree 3
    model = sde_model(drift=list(-A * sp.Matrix([y1, y2, y3])), diffusion=1, state=[y1, y2, y3], name="cubic")
    S = model.covariance()
    t = model.time
    at = {t: sp.Rational(1, 2)}
    residual = (S.diff(t) - (-A * S - S * A.T + sp.eye(3))).subs(at).evalf(25)
    assert max(abs(sp.N(x)) for x in residual) < 1e-20
    assert max(abs(sp.N(x)) for x in S.subs(t, 0)) < 1e-20


def test_latex_reads_implicit_products_of_declared_symbols():
    lam = sp.Symbol("lambda_j", positive=True)
    B = sp.Symbol("B", integer=True, positive=True)
    U = sp.Symbol("U")
    claim = Claim.from_latex("test.user.implicit", r"U = 2B\lambda_j(1+\rho\lambda_j)^2",
                             parameters=[lam, B, rho], readings=[SDE.reading({U: "stationary_variance"})])
    assert sp.expand(claim.statement.rhs - 2 * B * lam * (1 + rho * lam) ** 2) == 0
    other = Claim.from_latex("test.user.implicit2", r"V_{\infty} = \eta s^2 \left(1 + \eta h\right)",
                             parameters=PARAMS, readings=[SDE.reading({V: "stationary_variance"})])
    assert sp.expand(other.statement.rhs - eta * s**2 * (1 + eta * h)) == 0
    from derivations import parse_latex

    assert sp.expand(parse_latex(r"\eta(1+h)^2", [eta, h]) - eta * (1 + h) ** 2) == 0


def test_latex_expansions_keep_every_stated_order():
    t = sp.Symbol("t", positive=True)
    a, b = sp.symbols("a b", positive=True)
    Var = sp.Function("v")
    for text in (r"v(t) = a t + b t^2 + O(t^3)", r"v(t) = a t + b t^{2} + \mathcal{O}\left(t^3\right)"):
        claim = Claim.from_latex("test.user.orders", text, parameters={a: "a", b: "b", t: "time"},
                                 readings=[SDE.reading({Var: "variance"})], variable=t)
        assert claim.statement.leading == a * t + b * t**2 and claim.statement.remainder == t**3


@pytest.mark.parametrize("bad", ["Test.user.x", "test.User", "test..x", "test.", ".x", "test.x-y", "Upper"])
def test_malformed_ids_are_rejected_with_invalid_parameter(bad):
    with pytest.raises(InvalidParameter, match="id="):
        user_claim(bad, sp.Eq(V, eta), parameters=PARAMS, readings=[SDE.reading({V: "stationary_variance"})])
    with pytest.raises(InvalidParameter, match="id="):
        Claim.from_latex(bad, r"V_{\infty} = \eta", parameters=PARAMS, readings=[SDE.reading({V: "stationary_variance"})])


def test_the_catalogue_heavy_ball_readings_are_available_as_models():
    from derivations import _symbols as S
    from derivations import heavy_ball as hb
    from derivations._user import kim_heavy_ball_model

    for reading in ("plain", "same_batch"):
        model = kim_heavy_ball_model(reading)
        (ours, cond), _ = model.quantity("stationary_second_moment").args
        a, q = hb.curvature_and_noise(reading)  # the reading's one definition, read off its update
        theirs = hb.stationary_second_moments()[0].subs({hb.a: a, hb.q: q}, simultaneous=True)
        assert sp.simplify(ours - theirs) == 0
        # stable iff 0 < eta a < 2 (1 + gamma) and gamma < 1: a = 1 at lambda_j = 1, rho = 0
        pt = {S.lambda_j: 1, S.rho: 0, S.gamma: sp.Rational(1, 2)}
        assert cond.subs({**pt, S.eta: sp.Rational(29, 10)}) == sp.true
        assert cond.subs({**pt, S.eta: sp.Rational(31, 10)}) == sp.false


def test_the_tutorial_prints_the_heavy_ball_threshold_it_shows():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "tutorial.md").read_text()
    shown = [b for b in re.findall(r"```text\n(.*?)```", text, flags=re.S) if "gamma" in b]
    assert shown == [str(HB.stable) + "\n"]
