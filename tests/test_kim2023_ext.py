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
from verify import _checks_kim2023_ext as ck
from verify._engine import LEVELS

FAST = LEVELS["fast"]
SS = np.random.SeedSequence(0)  # the registered checks here are deterministic; the stream is unused


def _json_ok(results: list[verify.CheckResult]) -> None:
    json.dumps([r.to_dict() for r in results], allow_nan=False)  # as the report writer does


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


def test_the_registered_flow_check_is_silent_for_the_plain_reading() -> None:
    claim = get_claim("kim2023.thm1.flow")
    assert ck.thm1_flow_normalised(claim, "plain", FAST, SS) == []


def test_the_normalised_flow_enters_the_saddle_below_the_printed_threshold() -> None:
    run = ck.normalised_flow_run((-1.0, 1.0), 0.25, u0=(0.1, 0.1), T=2.0, dt=1e-4)
    assert run["rho"] < run["threshold"] and run["attracted"]


def test_thm1_discrete_is_refuted_under_both_readings_with_exact_multipliers() -> None:
    claim = get_claim("kim2023.thm1.discrete")
    (plain,) = ck.thm1_discrete_runs(claim, "plain", FAST, SS)
    assert plain.outcome == "fail" and plain.data["multipliers"] == ["-1/2", "-3/2"]
    assert plain.data["attraction_set"] == "Interval.open(1, 3)"
    (norm,) = ck.thm1_discrete_runs(claim, "normalised", FAST, SS)
    assert norm.outcome == "fail" and all(r["on_cycle"] for r in norm.data["runs"])
    _json_ok([plain, norm])


# ----------------------------------------------------------------------------- experiments


def test_the_quadratic_saddle_condition_sits_exactly_on_the_boundary() -> None:
    claim = get_claim("kim2023.exp.quadratic_saddle")
    plain = ck.quadratic_saddle_check(claim, "plain", FAST, SS)
    norm = ck.quadratic_saddle_check(claim, "normalised", FAST, SS)
    assert plain[0].outcome == "fail" and plain[0].counterexample.actual == 0
    assert plain[1].outcome == "pass"  # GD escapes
    assert plain[2].outcome == "fail" and norm[2].outcome == "pass"
    _json_ok(plain + norm)


def test_beale_reports_the_exact_hessian_threshold_and_every_run() -> None:
    claim = get_claim("kim2023.exp.beale")
    exact, gd, runs = ck.beale_check(claim, "normalised", FAST, SS)
    assert gd.outcome == "inconclusive" and "full level" in gd.detail  # ~2.2e6 GD steps: full level only
    assert "-111/4, 111/4" in exact.detail and "4/111" in exact.detail
    assert runs.outcome == "fail" and runs.counterexample.params["rho"] == 0.1
    assert "normalised rho=0.5: oscillating near saddle" in runs.detail and "gd:" in runs.detail
    exact_p, gd_p, runs_p = ck.beale_check(claim, "plain", FAST, SS)
    assert runs_p.outcome == "fail" and "diverged" in runs_p.detail
    _json_ok([exact, gd, runs, exact_p, gd_p, runs_p])


def test_the_cosine_oscillates_for_normalised_sam_and_settles_for_plain_sam() -> None:
    claim = get_claim("kim2023.exp.beale_cosine")
    (norm,) = ck.beale_cosine_check(claim, "normalised", FAST, SS)
    assert norm.outcome == "pass"
    (plain,) = ck.beale_cosine_check(claim, "plain", FAST, SS)
    assert plain.outcome == "fail"
    assert {r["derived_limit"] for r in plain.data["rows"]} == {-1}
    _json_ok([norm, plain])


# ----------------------------------------------------------------------------- Theorem 3


@pytest.mark.parametrize("reading", ["plain", "same_batch"])
def test_exact_delta_agrees_with_the_sympy_recursion_and_the_closed_form(reading: str) -> None:
    lam, r, e, g, b, n = Fraction(-1), Fraction(3, 10), Fraction(1, 10), Fraction(1, 2), 4, 7
    v = ck.exact_delta(reading, lam, r, e, g, b, n)
    a_, q_ = hb.curvature_and_noise(reading, lam=sp.Rational(-1), radius=sp.Rational(3, 10), batch=4)
    ref = hb.second_moments_exact(n, curvature=a_, noise=q_, step=sp.Rational(1, 10), momentum=sp.Rational(1, 2))[0]
    assert sp.Rational(v.numerator, v.denominator) == ref
    (closed,) = thm3_derivation(reading).bindings.values()
    val = sp.N(closed(n, sp.Rational(1, 2), sp.Rational(3, 10), 4).subs({lambda_j: -1, eta: sp.Rational(1, 10)}), 40)
    assert abs(val - ref) < sp.Float(1e-30) * abs(ref)


def test_theorem3_is_refuted_under_every_reading_with_reasons() -> None:
    for reading in ("plain", "same_batch", "overdamped"):
        exact, red, well = ck.thm3_checks(get_claim("kim2023.thm3"), reading, FAST, SS)
        assert exact.outcome == "fail" and red.outcome == "fail" and well.outcome == "fail"
        _json_ok([exact, red, well])
    # the over-damped comparison fails only by the C1 term: O(eta) relatively at fixed t
    rows = ck._thm3_exact_check("overdamped").data["rows"]
    assert all(abs(r["relative_error"][-1]) < 1e-4 for r in rows)


def test_the_printed_formula_is_monotone_in_gamma_and_b_but_not_in_rho() -> None:
    assert ck._printed_monotone("gamma", +1).outcome == "pass"
    assert ck._printed_monotone("B", -1).outcome == "pass"
    r = ck._printed_monotone("rho", -1)
    assert r.outcome == "fail" and r.counterexample is not None


def test_monotonicity_examples_are_confirmed_exactly() -> None:
    s = ck._monotone_search("plain", "gamma", +1, FAST)
    assert s["example"]["confirmed_exactly"] and s["n_violations_sde_regime"] == 0
    s = ck._monotone_search("same_batch", "rho", -1, FAST)
    assert s["example"]["confirmed_exactly"] and s["n_violations_sde_regime"] > 0
    assert ck._monotone_search("plain", "B", -1, FAST)["n_violations"] == 0


def test_the_batch_claim_is_proved_for_every_reading() -> None:
    res = verify.check("kim2023.thm3.batch", rng=0)
    assert {r.reading: r.verdict for r in res} == {"plain": "proved", "same_batch": "proved", "overdamped": "proved"}


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
        pytest.param(lambda: ck.exact_delta("overdamped", 1, 0, Fraction(1, 10), 0, 1, 1), r"no discrete heavy-ball model",
                     id="no-discrete-model"),
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
