"""The claims of CLAIMS.md §2 through the engine: every id and reading gets a verdict; mutants are refuted."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import sympy as sp

import verify
from derivations import Implication, catalog, get_claim
from derivations import coherence_claims as cc
from verify._coh_model import FamilyModel, FamilyWitness
from verify._results import VERDICTS, Decision

#: CLAIMS.md §2, id -> readings (the catalogue must match it exactly).
SAMPLING = ("bernoulli", "with_replacement", "without_replacement")
EXPECTED = {
    "dexter2024.coherence.identity": ("default",),
    "dexter2024.coherence.range": ("default", "rank_one"),
    "dexter2024.thm1": SAMPLING,
    "chang2025.rp.divergence": SAMPLING,
    "chang2025.rp.speed": SAMPLING,
    "chang2025.rp.bounded": SAMPLING,
    "chang2025.sam.base_case": SAMPLING,
    "chang2025.sam.trace_bound": SAMPLING,
    "chang2025.sam.divergence": SAMPLING,
    "chang2025.sam.convergence": SAMPLING,
    "chang2025.relu.memorizing": ("default",),
    "chang2025.relu.cr_trace": ("default",),
    "chang2025.relu.sgd_coherence": ("default",),
    "chang2025.exp.table1": ("default",),
    "chang2025.exp.phase_diagram": SAMPLING,
}


def test_catalogue_has_every_section_2_id_with_its_readings():
    got = {c.id: c.reading_names for c in catalog() if c.id.startswith(("dexter2024.", "chang2025."))}
    assert got == EXPECTED


@pytest.fixture(scope="module")
def results():
    """Every §2 claim checked once at the fast level with seed 0 (shared by the tests below)."""
    return {cid: verify.check(cid, level="fast", rng=0) for cid in EXPECTED}


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_every_reading_gets_a_verdict_with_json_ready_evidence(results, cid):
    rs = results[cid]
    assert tuple(r.reading for r in rs) == EXPECTED[cid]
    for r in rs:
        assert r.verdict in VERDICTS
        assert r.checks, f"{cid} [{r.reading}] ran no check"
        json.dumps(r.to_dict())
        if r.verdict == "refuted":
            assert r.counterexample is not None and r.counterexample.params


def _verdicts(results, cid):
    return {r.reading: r.verdict for r in results[cid]}


def test_symbolic_claims_are_proved(results):
    for cid in ("dexter2024.coherence.identity", "chang2025.sam.base_case", "chang2025.relu.cr_trace"):
        assert set(_verdicts(results, cid).values()) == {"proved"}, cid


def test_sigma_range_fails_beyond_rank_one_with_an_exact_family_of_one_matrix(results):
    v = _verdicts(results, "dexter2024.coherence.range")
    assert v["default"] == "refuted" and v["rank_one"] == "supported"
    cx = results["dexter2024.coherence.range"][0].counterexample
    assert cx.exact and cx.params["n"] == 1 and cx.params["d"] == 2
    assert sp.sympify(cx.actual["sigma"]) > 1  # sigma > n = 1, in exact arithmetic


def _exact_radius_at(cx, alg=cc.SGD) -> sp.Expr:
    """The exact spectral radius at a counterexample's point, recomputed from its parameters."""
    w = FamilyWitness(np.array(cx.params["H"], dtype=float), cx.params["batch"], cx.params["B"],
                      sp.sympify(cx.params.get("rho_over_alpha", 0)))
    return FamilyModel(w, exact=True).radius(alg, sp.sympify(cx.params["eta"]))[0]


def test_dexter_threshold_with_replacement_has_an_exact_strict_counterexample(results):
    r = next(r for r in results["dexter2024.thm1"] if r.reading == "with_replacement")
    assert r.verdict == "refuted"
    strict = [c.counterexample for c in r.checks if c.outcome == "fail" and "Hypothesis" in c.detail]
    assert strict and strict[0].exact and strict[0].params["n"] == 2 and strict[0].params["d"] == 1
    assert _exact_radius_at(strict[0]) < 1  # the printed condition holds, yet E||w_k||^2 -> 0


def test_dexter_threshold_bernoulli_fails_only_at_the_equality_case(results):
    r = next(r for r in results["dexter2024.thm1"] if r.reading == "bernoulli")
    exact = [c for c in r.checks if c.method == "exact"]
    assert [c.outcome for c in exact if "extremal" not in c.detail] == ["pass"] * (len(exact) - 1)
    assert r.verdict == "refuted" and r.counterexample.exact
    assert _exact_radius_at(r.counterexample) == 1  # radius exactly one, semisimple: bounded, not divergent


def test_random_perturbation_is_bounded_below_the_exact_threshold(results):
    assert set(_verdicts(results, "chang2025.rp.bounded").values()) == {"supported"}


def test_random_perturbation_speed_fails_from_a_start_missing_the_fastest_mode(results):
    for r in results["chang2025.rp.speed"]:
        assert r.verdict == "refuted" and r.counterexample.exact and r.counterexample.params["w0"].startswith("e")


def test_memorising_iff_fails_in_the_diagonal_to_memorising_direction(results):
    r = results["chang2025.relu.memorizing"][0]
    assert r.verdict == "refuted" and r.counterexample.exact
    assert r.counterexample.actual["Diagonal"] == 1 and r.counterexample.actual["Memorising"] == 0


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_declared_methods_are_exactly_the_methods_that_ran(results, cid):
    claim = get_claim(cid)
    for r in results[cid]:
        counted = {c.method for c in r.checks if c.counts and c.outcome != "skipped"}
        assert counted == set(claim.checks), (cid, r.reading, counted, claim.checks)


def test_every_outcome_follows_from_its_decision(results):
    for rs in results.values():
        for r in rs:
            for c in r.checks:
                d = c.to_dict()
                if c.outcome in ("pass", "fail"):
                    assert Decision.recompute(d["decision"]) == (c.outcome == "pass")
                else:
                    assert d["reason"]


def test_phase_diagram_runs_its_monte_carlo_at_the_fast_level(results):
    # the protocol runs and refutes nothing; 30 runs per cell cannot see a cell diverging with probability
    # 0.475 instead of 1/2, so it does not count as a pass: inconclusive with its power stated
    for r in results["chang2025.exp.phase_diagram"]:
        mc = [c for c in r.checks if c.method == "montecarlo" and c.counts]
        assert mc and mc[0].outcome != "fail" and mc[0].data["hypothesis_true"] > 0
        assert mc[0].outcome == "pass" or "power" in mc[0].reason or "significantly" in mc[0].reason
        assert mc[0].data["power"] < mc[0].data["min_power"] or mc[0].outcome == "pass"


# -- mutants: a verifier that never says no is worthless --------------------------------------------------


def _mutate(cid: str, factor) -> object:
    claim = get_claim(cid)
    hyp = claim.statement.hypothesis
    return dataclasses.replace(claim, statement=Implication(cc.eta >= hyp.rhs * factor, claim.statement.conclusion))


@pytest.mark.parametrize("cid, reading", [("dexter2024.thm1", "bernoulli"), ("chang2025.sam.divergence", "bernoulli")])
def test_threshold_with_a_halved_printed_constant_is_refuted_strictly(cid, reading):
    r = verify.check(_mutate(cid, sp.Rational(1, 2)), reading, level="fast", rng=0)[0]
    assert r.verdict == "refuted"
    cx = r.counterexample
    assert cx.exact and _exact_radius_at(cx, cc.SAM if "sam" in cid else cc.SGD) < 1


def test_threshold_with_a_doubled_printed_constant_is_not_refuted():
    r = verify.check(_mutate("dexter2024.thm1", 2), "bernoulli", level="fast", rng=0)[0]
    assert r.verdict == "supported"  # a weaker sufficient condition: no violation, not even at equality


# -- figures and benchmarks ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_figures_are_written(tmp_path):
    from verify._checks_coherence import figures

    paths = figures(tmp_path, level="fast", seed=0)
    assert [p.name for p in paths] == ["chang2025_table1.png", "chang2025_phase_diagram.png"]
    assert all(p.stat().st_size > 10_000 for p in paths)


def test_bench_entry_for_the_exact_phase_diagram_meets_its_baseline():
    from verify._checks_coherence import bench_entries

    (e,) = [x for x in bench_entries(quick=True) if x["name"] == "phase_diagram_exact_n100_seconds"]
    assert e["baseline"] == 60.0 and e["ratio"] == pytest.approx(e["value"] / 60.0)
    assert e["value"] < 60.0
