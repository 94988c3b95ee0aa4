"""Tests for the rest of Kim et al. 2023: discrete Theorem 1, the toy experiments, Theorem 3, figures."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

import verify
from derivations import get_claim
from derivations import heavy_ball as hb
from derivations._symbols import B, eta, gamma, lambda_1, lambda_2, lambda_j, rho
from derivations.kim2023 import kappa
from derivations.kim2023_ext import (
    Delta,
    discrete_derivation,
    k,
    mu,
    normalised_flow_derivation,
    normalised_flow_reading,
    thm3_derivation,
)
from verify import _kim_exp_checks as kx
from verify import _kim_thm1 as k1
from verify import _kim_thm3 as k3
from verify._engine import LEVELS
from verify._kim_thm3_model import exact_delta
from verify._results import Decision

FAST = LEVELS["fast"]
SS = np.random.SeedSequence(0)  # the registered checks here are deterministic; the stream is unused


def _json_ok(results: list[verify.CheckResult]) -> None:
    json.dumps([r.to_dict() for r in results], allow_nan=False)  # as the report writer does
    for r in results:  # every outcome is decided in the open: pass exactly when the decision holds
        if r.outcome in ("pass", "fail"):
            assert Decision.recompute(r.to_dict()["decision"]) == (r.outcome == "pass")
        else:
            assert r.reason


# ----------------------------------------------------------------------------- Theorem 1


def test_the_plain_discrete_reading_binds_the_absolute_multiplier() -> None:
    (f,) = discrete_derivation("plain").bindings.values()
    assert sp.simplify(f(lambda_j) - sp.Abs(1 - eta * lambda_j * (1 + rho * lambda_j))) == 0


def test_normalised_sam_has_no_contraction_factor_at_the_saddle() -> None:
    (f,) = discrete_derivation("normalised").bindings.values()
    assert f(lambda_1) == sp.oo


def test_the_normalised_flow_reading_attracts_for_every_positive_rho() -> None:
    d = normalised_flow_derivation()
    k_fn = d.bindings[kappa]
    at = {lambda_1: -1, rho: sp.Rational(1, 4)}  # rho below the printed threshold 1
    assert (k_fn(lambda_1) > 0).subs(at) == sp.true
    assert (k_fn(lambda_1) > 0).subs({lambda_1: -1, rho: 0}) == sp.false  # rho = 0: gradient flow, repelling
    assert normalised_flow_reading().name == "normalised"


def test_thm1_flow_with_the_normalised_reading_keeps_the_attractor_part_and_refutes_the_rest() -> None:
    claim = get_claim("kim2023.thm1.flow")
    if "normalised" not in claim.reading_names:  # until kim2023.py lists the reading itself
        claim = dataclasses.replace(claim, readings=claim.readings + (normalised_flow_reading(),))
    ext = claim
    (res,) = verify.check(ext, "normalised", rng=0)
    parts = {p.name: p.verdict for p in res.parts}
    assert res.verdict == "refuted"
    assert parts["attractor"] in ("proved", "supported")
    assert parts["equivalence"] == "refuted" and parts["linearised_hessian"] == "refuted"


def test_the_flow_checks_run_both_methods_under_both_readings() -> None:
    claim = get_claim("kim2023.thm1.flow")
    plain = k1.thm1_flow_checks(claim, "plain", FAST, SS)
    norm = k1.thm1_flow_checks(claim, "normalised", FAST, SS)
    assert [(r.method, r.outcome) for r in plain] == [("exact", "pass"), ("experiment", "pass")]
    assert [(r.method, r.outcome) for r in norm] == [("exact", "fail"), ("experiment", "fail")]
    _json_ok(plain + norm)


def test_the_normalised_flow_enters_the_saddle_below_the_printed_threshold() -> None:
    step = k1.stepper("normalised", (-1, 1), 1e-4, 0.25)
    path = k1.run_iteration(step, (0.1, 0.1), 20_000)
    floor = 2 * 1e-4 * 0.25  # chatter: twice the step at d, dt rho |lambda|
    assert min(k1.flow_rates(path, 1e-4, floor)) > 0  # both coordinates arrive although rho < -1/lambda_1 = 1


def test_thm1_discrete_is_refuted_under_both_readings_with_measured_factors() -> None:
    claim = get_claim("kim2023.thm1.discrete")
    (plain,) = k1.thm1_discrete_runs(claim, "plain", FAST, SS)
    assert plain.outcome == "fail" and plain.data["factors"]["((-1, 1), 1/2, 4)"] == pytest.approx([0.5, 1.5])
    assert plain.data["attraction_set_at_first_point"] == "Interval.open(1, 3)"
    (norm,) = k1.thm1_discrete_runs(claim, "normalised", FAST, SS)
    assert norm.outcome == "fail"
    _json_ok([plain, norm])


def test_the_iteration_simulator_is_generated_from_the_one_step_definition() -> None:
    from derivations import discrete_sam as ds

    for reading in ("plain", "normalised"):
        step = k1.stepper(reading, (-1, 2), 0.1, 0.3)
        exact = ds.sam_step(sp.diag(-1, 2), sp.Matrix([sp.Rational(3, 10), sp.Rational(-1, 5)]), reading=reading)
        exact = exact.subs({ds.eta: sp.Rational(1, 10), ds.rho: sp.Rational(3, 10)})
        assert step(0.3, -0.2) == pytest.approx([float(v) for v in exact], rel=1e-13)


# ----------------------------------------------------------------------------- experiments


def test_the_quadratic_saddle_condition_sits_exactly_on_the_boundary() -> None:
    claim = get_claim("kim2023.exp.quadratic_saddle")
    exact, plain = kx.quadratic_saddle_check(claim, "plain", FAST, SS)
    _, norm = kx.quadratic_saddle_check(claim, "normalised", FAST, SS)
    assert exact.outcome == "fail" and exact.counterexample.actual == 0  # sign(-2 + 1/2 * 4) = 0
    assert plain.outcome == "fail" and norm.outcome == "pass"  # plain SAM freezes y = -0.01; normalised 2-cycle
    _json_ok([exact, plain, norm])


def test_beale_reports_the_exact_hessian_threshold_and_every_run() -> None:
    claim = get_claim("kim2023.exp.beale")
    exact, gd, runs = kx.beale_check(claim, "normalised", FAST, SS)
    assert exact.outcome == "pass" and "-111/4, 111/4" in exact.detail.replace("'", "") and "4/111" in exact.detail
    assert gd.outcome == "inconclusive"  # ~2.2e6 GD steps: decided at the full level
    assert runs.outcome == "fail" and runs.counterexample.params["run"] == "normalised rho=0.1"
    assert "normalised rho=0.5: oscillating near saddle" in runs.detail
    _, _, runs_p = kx.beale_check(claim, "plain", FAST, SS)
    assert runs_p.outcome == "fail" and "diverged" in runs_p.detail
    _json_ok([exact, gd, runs, runs_p])


def test_the_cosine_oscillates_for_normalised_sam_and_settles_for_plain_sam() -> None:
    claim = get_claim("kim2023.exp.beale_cosine")
    (norm,) = kx.beale_cosine_check(claim, "normalised", FAST, SS)
    (plain,) = kx.beale_cosine_check(claim, "plain", FAST, SS)
    assert norm.outcome == "pass" and plain.outcome == "fail"
    _json_ok([norm, plain])


# ----------------------------------------------------------------------------- Theorem 3


@pytest.mark.parametrize("reading", ["plain", "same_batch"])
def test_exact_delta_agrees_with_the_sympy_recursion_and_the_closed_form(reading: str) -> None:
    claim = get_claim("kim2023.thm3")
    lam, r, e, g, b, n = Fraction(-1), Fraction(3, 10), Fraction(1, 10), Fraction(1, 2), 4, 7
    v = exact_delta(claim, reading, lam, r, e, g, b, n)
    a_, q_ = hb.curvature_and_noise(reading, lam=sp.Rational(-1), radius=sp.Rational(3, 10), batch=4)
    ref = hb.second_moments_exact(n, curvature=a_, noise=q_, step=sp.Rational(1, 10), momentum=sp.Rational(1, 2))[0]
    assert sp.Rational(v.numerator, v.denominator) == ref
    (closed,) = thm3_derivation(reading).bindings.values()
    val = sp.N(closed(n, sp.Rational(1, 2), sp.Rational(3, 10), 4).subs({lambda_j: -1, eta: sp.Rational(1, 10)}), 40)
    assert abs(val - ref) < sp.Float(1e-30) * abs(ref)


def test_the_overdamped_readings_are_limits_of_the_discrete_model() -> None:
    for reading, sam_reading in (("overdamped", "plain"), ("overdamped_composed", "composed_gradient")):
        d = thm3_derivation(reading)
        (lam,) = d.bindings.values()
        a_, q_ = hb.curvature_and_noise(sam_reading)
        od = hb.overdamped_variance(time=eta * k).subs({hb.a: a_, hb.q: q_})
        assert sp.simplify(lam(k, gamma, rho, B) - od) == 0
        assert d.validity == (gamma < 1)


def test_printed_minus_the_composed_limit_is_the_c1_term() -> None:
    from derivations.kim2023_ext import printed_delta

    (lam,) = thm3_derivation("overdamped_composed").bindings.values()
    t = eta * k
    c1_term = eta**2 * sp.Abs(lambda_j) / 2 * (1 - sp.exp(-eta * (1 - gamma) / t)) ** 2 / ((1 - gamma) ** 3 * B)
    assert sp.simplify(printed_delta() - lam(k, gamma, rho, B) - c1_term) == 0


def test_theorem3_is_refuted_under_every_reading_from_recorded_decisions() -> None:
    claim = get_claim("kim2023.thm3")
    for reading in claim.reading_names:
        exact, red, well = k3.thm3_checks(claim, reading, FAST, SS)
        assert exact.outcome == "fail" and red.outcome == "fail" and well.outcome == "fail"
        assert red.data["reading_free"] and red.part == "reduces_to_thm2" and well.part == "vanishes_at_t0"
        _json_ok([exact, red, well])
    # the composed limit differs from the printed formula by the C1 term only: O(eta) relatively at t >> eta
    rows = k3.thm3_checks(claim, "overdamped_composed", FAST, SS)[0].data["rows"]
    assert all(abs(r["relative_error"][-1]) < 1e-4 for r in rows if r["t"] >= 0.5)


def test_the_printed_formula_is_monotone_in_gamma_and_b_but_not_in_rho() -> None:
    for cid, outcome in (("kim2023.thm3.gamma", "pass"), ("kim2023.thm3.batch", "pass"), ("kim2023.thm3.rho", "fail")):
        _, printed = k3._monotone_checks(get_claim(cid), "plain", FAST)
        assert printed.part == "printed" and printed.outcome == outcome


def test_monotonicity_examples_are_confirmed_exactly() -> None:
    model, _ = k3._monotone_checks(get_claim("kim2023.thm3.gamma"), "plain", FAST)
    assert model.outcome == "fail" and model.data["n_candidates_sde_regime"] == 0  # only at k = 1 or coarse eta
    model, _ = k3._monotone_checks(get_claim("kim2023.thm3.rho"), "same_batch", FAST)
    assert model.outcome == "fail" and model.data["n_candidates_sde_regime"] > 0
    model, _ = k3._monotone_checks(get_claim("kim2023.thm3.batch"), "plain", FAST)
    assert model.outcome == "pass" and model.data["n_candidates"] == 0
    _json_ok([model])


def test_the_batch_claim_is_supported_for_every_reading() -> None:
    res = verify.check("kim2023.thm3.batch", rng=0)
    assert {r.reading: r.verdict for r in res} == {r: "supported" for r in get_claim("kim2023.thm3.batch").reading_names}


def test_the_thm3_statements_bind_delta_for_every_reading() -> None:
    claim = get_claim("kim2023.thm3")
    for reading in claim.reading_names:
        stmt = claim.statement_for(reading)
        assert not stmt.lhs.has(Delta) and stmt.lhs.free_symbols <= {lambda_j, rho, eta, gamma, B, k}


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(lambda: discrete_derivation("adam"), r"reading='adam' must be 'plain' or 'normalised'", id="bad-discrete"),
        pytest.param(lambda: thm3_derivation("exact"), r"reading='exact' must be one of", id="bad-thm3"),
        pytest.param(lambda: exact_delta(get_claim("kim2023.thm3"), "overdamped", 1, 0, Fraction(1, 10), 0, 1, 1),
                     r"a discrete heavy-ball reading", id="no-discrete-model"),
    ],
)
def test_invalid_inputs_raise_value_errors(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_unused_placeholders_stay_undefined() -> None:
    assert isinstance(mu(lambda_2), sp.Function("mu")) and isinstance(kappa(lambda_1), sp.Function("kappa"))


# ----------------------------------------------------------------------------- figures


def test_figures_are_written(tmp_path) -> None:
    from verify._figures_kim2023 import figures

    paths = figures(tmp_path, level="fast", seed=0)
    assert len(paths) == 4 and all(p.stat().st_size > 10_000 for p in paths)
