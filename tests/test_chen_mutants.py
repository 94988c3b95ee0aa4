"""Claims drive the Chen et al. 2023 check: mutants of each statement on the same claim id are refuted.

The default tests check the real claims (their declared grids and sizes, at both levels) against
synthetic sweeps whose answers are known (:mod:`verify._chen_synthetic`): what is claimed comes from
the statement alone, so doubling a claimed exponent, negating a relation or an implication's
conclusion turns a supported verdict into a refuted one. The slow tests do the same on the real
simulation at level ``fast``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from derivations import Equation, Holds, Implication, get_claim
from derivations import chen2023 as ch
from verify import check
from verify import _chen_analysis as A
from verify._chen_synthetic import install, synthetic_sweep

SEED = 11


def _sgd_quarter(d: np.ndarray) -> np.ndarray:
    return 2.0 * (d / 400) ** 0.25


def _flat(d: np.ndarray) -> np.ndarray:
    return 1.2 + 0 * d


@pytest.fixture()
def synthetic(monkeypatch):
    """Every level of the declared experiment served by a synthetic sweep: SGD's mu_c ~ d^(1/4), SAM's flat.

    The seed noise (0.001 on a cell's test error, 0.5% of a coefficient's growth rate) is small enough that every test of the fast design has
    power 0.8 against the stated effects (5% of a compared quantity, 0.1 for an exponent) at the run's
    per-test levels: a pass is then possible, so a supported claim whose mutants are refuted shows the
    statement, and nothing else, decides.
    """
    monkeypatch.setattr(A, "_CACHE", {})

    def make(level: str = "fast", **kw):
        spec = A.experiment_spec(get_claim("chen2023.sgd.threshold_scaling"), level)
        kw.setdefault("mu_c", {"sgd": _sgd_quarter, "sam": _flat})
        kw.setdefault("seed_noise", 0.001)
        kw.setdefault("coefficient_noise", 0.005)
        return install(spec, synthetic_sweep(spec, rng=np.random.default_rng(5), **kw), SEED)

    return make


def _verdict(claim, level: str = "fast") -> str:
    (r,) = check(claim, level=level, rng=SEED)
    (c,) = r.checks
    assert [k.method for k in r.checks] == list(claim.checks)  # declared = run
    if c.outcome in ("pass", "fail"):
        assert c.decision.holds() == (c.outcome == "pass")
    return r.verdict


def _with(cid: str, stmt) -> object:
    return dataclasses.replace(get_claim(cid), statement=stmt)


def _mutants(stmt):
    """Mutants false by construction where the original is true: the generic ones of the catalogue test."""
    if isinstance(stmt, Equation):
        return {"rhs doubled": Equation(stmt.lhs, 2 * stmt.rhs), "sign flipped": Equation(stmt.lhs, -stmt.rhs),
                "relation negated": Holds(sp.Ne(stmt.lhs, stmt.rhs))}
    assert isinstance(stmt, Implication)
    out = {"conclusion negated": Implication(stmt.hypothesis, sp.Not(stmt.conclusion))}
    if isinstance(stmt.conclusion, sp.And):
        for k, part in enumerate(stmt.conclusion.args):
            rest = [a if i != k else sp.Not(a) for i, a in enumerate(stmt.conclusion.args)]
            out[f"conjunct {k} negated"] = Implication(stmt.hypothesis, sp.And(*rest))
    return out


TRUE_ON_SYNTHETIC = ("chen2023.sgd.threshold_scaling", "chen2023.sam.threshold", "chen2023.sam.noise_memorization")


@pytest.mark.parametrize("level", ["fast", "full"])
@pytest.mark.parametrize("cid", TRUE_ON_SYNTHETIC)
def test_a_claim_true_of_the_data_is_supported_and_its_mutants_are_refuted(synthetic, cid: str, level: str) -> None:
    synthetic(level)
    claim = get_claim(cid)
    assert _verdict(claim, level) == "supported"
    for what, m in _mutants(claim.statement).items():
        assert _verdict(_with(cid, m), level) == "refuted", what


def test_the_claimed_exponent_is_read_from_the_statement(synthetic) -> None:
    synthetic(mu_c={"sgd": lambda d: 0.8 * (d / 400) ** 0.5, "sam": _flat})  # the data say d^(1/2)
    claim = get_claim("chen2023.sgd.threshold_scaling")
    assert _verdict(claim) == "refuted"
    (r,) = check(_with(claim.id, Equation(claim.statement.lhs, 2 * claim.statement.rhs)), level="fast", rng=SEED)
    (atom,) = r.checks[0].data["atoms_at_weakest"]
    assert atom["relation"].endswith("1/2)")
    # the fitted exponent is within the grid's interpolation bias (log-linear crossings: < 0.02) of 1/2
    assert abs(atom["gap_estimate"]) < 0.02


def test_sam_above_sgd_refutes_the_sam_threshold_claim_and_sam_growing_like_sgd_does_not_confirm_it(synthetic) -> None:
    synthetic(mu_c={"sgd": _sgd_quarter, "sam": lambda d: 1.3 * _sgd_quarter(d)})
    assert _verdict(get_claim("chen2023.sam.threshold")) == "refuted"
    synthetic(mu_c={"sgd": _sgd_quarter, "sam": lambda d: 0.7 * _sgd_quarter(d)})  # below SGD, exponent 1/4
    assert _verdict(get_claim("chen2023.sam.threshold")) == "inconclusive"


def test_sam_that_never_reaches_the_loss_target_leaves_its_threshold_and_mutants_undecided(synthetic) -> None:
    synthetic(converged={"sgd": True, "sam": False})
    claim = get_claim("chen2023.sam.threshold")
    (r,) = check(claim, level="fast", rng=SEED)
    assert r.verdict == "inconclusive" and "loss target" in r.checks[0].reason
    for m in _mutants(claim.statement).values():
        assert _verdict(_with(claim.id, m)) == "inconclusive"


def test_faster_noise_growth_under_sam_refutes_noise_memorisation(synthetic) -> None:
    synthetic(noise_rate={"sgd": 0.05, "sam": 0.08})
    (r,) = check(get_claim("chen2023.sam.noise_memorization"), level="fast", rng=SEED)
    assert r.verdict == "refuted"
    assert set(r.counterexample.params) >= {"d", "mu", "t"}


def test_the_quoted_harmful_direction_is_refuted_by_a_benign_cell_and_names_its_witness(synthetic) -> None:
    synthetic()
    (r,) = check(get_claim("chen2023.sgd.harmful_as_quoted"), level="fast", rng=SEED)
    assert r.verdict == "refuted"
    cx = r.counterexample
    # the point satisfies the printed condition with that witness C_3 and SGD's error is at the Bayes risk there
    n, P, s = cx.params["n"], cx.params["P"], cx.params["sigma_p"]
    assert n * cx.params["mu"] ** 4 >= cx.params["C_3"] * cx.params["d"] * P**4 * s**4
    assert cx.actual["E_SGD(mu, d)"] < cx.params["p"] + cx.params["epsilon"]


def test_a_statement_about_an_unmeasured_quantity_is_an_error_naming_it(synthetic) -> None:
    synthetic()
    f = sp.Function("not_measured")
    with pytest.raises(ValueError, match="not_measured"):
        check(_with("chen2023.sgd.threshold_scaling", Equation(f(ch.d), sp.Rational(1, 4))), level="fast", rng=SEED)


# -- the real simulation ------------------------------------------------------------------------------
@pytest.mark.slow
def test_on_the_real_fast_sweep_verdicts_hold_and_mutants_of_the_supported_claims_are_refuted() -> None:
    verdicts = {cid: check(cid, level="fast", rng=0)[0].verdict for cid in (*TRUE_ON_SYNTHETIC,
                                                                               "chen2023.sgd.harmful_as_quoted")}
    assert verdicts["chen2023.sgd.harmful_as_quoted"] == "refuted"
    for cid, v in verdicts.items():
        if v != "supported":
            continue
        for what, m in _mutants(get_claim(cid).statement).items():
            (r,) = check(_with(cid, m), level="fast", rng=0)
            assert r.verdict == "refuted", (cid, what)
    # whatever the claim's own verdict, a doubled exponent (1/2) is excluded in every fit window
    claim = get_claim("chen2023.sgd.threshold_scaling")
    (r,) = check(_with(claim.id, Equation(claim.statement.lhs, 2 * claim.statement.rhs)), level="fast", rng=0)
    assert r.verdict == "refuted"
    assert len(r.checks[0].data["fit_windows"]) == 3
