"""One conformance test over the registry: every claim is well formed and every reading gets a backed verdict."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import sympy as sp

import derivations
from derivations import AllOf, Claim, catalog
from verify._pointwise import statement_symbols

CLAIMS = catalog()
IDS = [c.id for c in CLAIMS]
from verify._schemas import load_schema

SCHEMA = load_schema("report")

#: The ids issue 2 requires, each with the readings CLAIMS.md lists for it.
REQUIRED = {
    "kim2023.thm1.flow": {"plain", "normalised"},
    "kim2023.thm1.discrete": {"plain", "normalised"},
    "kim2023.exp.quadratic_saddle": {"plain", "normalised"},
    "kim2023.exp.beale": {"plain", "normalised"},
    "kim2023.exp.beale_cosine": {"plain", "normalised"},
    **{cid: {"plain", "same_batch", "overdamped", "overdamped_composed"} for cid in (
        "kim2023.thm3", "kim2023.thm3.gamma", "kim2023.thm3.batch", "kim2023.thm3.rho")},
    "dexter2024.coherence.identity": {"default"},
    "dexter2024.coherence.range": {"default", "rank_one"},
    "chang2025.relu.memorizing": {"default"},
    "chang2025.relu.cr_trace": {"default"},
    "chang2025.relu.sgd_coherence": {"default"},
    "chang2025.exp.table1": {"default"},
    **{cid: {"bernoulli", "with_replacement", "without_replacement"} for cid in (
        "dexter2024.thm1", "chang2025.rp.divergence", "chang2025.rp.speed", "chang2025.rp.bounded",
        "chang2025.sam.base_case", "chang2025.sam.trace_bound", "chang2025.sam.divergence",
        "chang2025.sam.convergence", "chang2025.exp.phase_diagram")},
    **{cid: {"default"} for cid in (
        "chen2023.sgd.harmful_as_quoted", "chen2023.sgd.threshold_scaling", "chen2023.sam.threshold",
        "chen2023.sam.noise_memorization")},
    **{cid: {"plain", "same_batch", "composed_gradient", "positive_part"} for cid in (
        "kim2023.thm2", "kim2023.thm2.consistency", "kim2023.thm2.suppression", "kim2023.cor1",
        "kim2023.cor1.positive", "kim2023.cor1.monotone")},
}


def test_catalogue_has_every_required_claim_and_reading():
    by_id = {c.id: c for c in CLAIMS}
    for cid, readings in REQUIRED.items():
        assert cid in by_id, cid
        assert readings <= set(by_id[cid].reading_names), (cid, by_id[cid].reading_names)


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_every_claim_is_well_formed_data(claim: Claim):
    assert claim.source.arxiv and claim.source.locator
    assert claim.title and claim.readings and claim.checks
    params = {p.symbol for p in claim.parameters}
    for r in claim.reading_names:
        stmt = claim.statement_for(r)
        free = statement_symbols(stmt)
        if set(claim.checks) & {"symbolic", "precision", "property"}:
            # the engine evaluates these statements pointwise: every symbol needs a domain
            assert free <= params, (r, free - params)
        if isinstance(stmt, AllOf):
            assert stmt.parts
    with pytest.raises(Exception):
        claim.__setattr__("id", "x.y")  # frozen


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_every_reading_has_a_verdict_backed_by_its_checks(claim: Claim, fast_report: dict):
    entry = next(c for c in fast_report["claims"] if c["id"] == claim.id)
    assert {r["reading"] for r in entry["results"]} == set(claim.reading_names)
    for r in entry["results"]:
        counted = [k for k in r["checks"] if k.get("counts", True)]
        assert counted, (claim.id, r["reading"])
        if r["verdict"] == "proved":
            # never proved from sampling alone
            assert any(k["method"] == "symbolic" and k["outcome"] == "pass" and k["proof"] for k in counted)
        if r["verdict"] == "refuted":
            assert r["counterexample"] and r["counterexample"]["params"]
            assert any(k["outcome"] == "fail" for k in counted)
        if r["verdict"] == "supported":
            assert any(k["outcome"] == "pass" and k["method"] != "symbolic" for k in counted)
            assert not any(k["outcome"] in ("fail", "skipped") for k in counted)


def test_every_claim_and_checker_is_registered_consistently():
    from verify._engine import validate_catalogue

    validate_catalogue()  # raises RegistryError on a declared method without a checker, or the reverse


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_the_methods_that_ran_are_exactly_the_declared_ones(claim: Claim, fast_report: dict):
    """Declared = run: every declared method has a counted result under every reading, and no other runs."""
    entry = next(c for c in fast_report["claims"] if c["id"] == claim.id)
    for r in entry["results"]:
        counted = {k["method"] for k in r["checks"] if k.get("counts", True)}
        every = {k["method"] for k in r["checks"]}
        assert counted == set(claim.checks), (r["reading"], sorted(counted), claim.checks)
        assert every <= set(claim.checks), (r["reading"], sorted(every - set(claim.checks)))
        skipped = [k for k in r["checks"] if k["outcome"] == "skipped"]
        assert not skipped or r["verdict"] != "supported"


def test_every_outcome_of_a_fast_run_is_recomputed_from_its_decision(fast_report: dict):
    """``pass`` exactly when ``value op threshold`` holds; inconclusive and skipped carry a reason."""
    from verify._results import Decision

    n = 0
    for c in fast_report["claims"]:
        for r in c["results"]:
            for k in r["checks"]:
                n += 1
                if k["outcome"] in ("pass", "fail"):
                    d = k["decision"]
                    assert set(d) == {"quantity", "value", "op", "threshold"}, (c["id"], r["reading"], d)
                    assert d["op"] in ("<", "<=", ">", ">=", "==", "!=")
                    assert Decision.recompute(d) == (k["outcome"] == "pass"), (c["id"], r["reading"], k["detail"])
                else:
                    assert k.get("reason"), (c["id"], r["reading"], k["method"], k["outcome"])
    assert n > 100


def test_report_json_validates_against_the_claims_md_schema(fast_report: dict, tmp_path: Path):
    from verify._report import write_json

    path = write_json(tmp_path / "out.json", fast_report)
    doc = json.loads(path.read_text())
    jsonschema.validate(doc, SCHEMA)
    assert doc["seed"] == 0 and doc["level"] == "fast"


def test_known_verdicts_of_theorem_2_follow_from_the_derivations(fast_report: dict):
    """The printed variance is the OU variance with drift lambda(1+rho lambda)^2: only composed_gradient matches."""
    entry = next(c for c in fast_report["claims"] if c["id"] == "kim2023.thm2")
    verdicts = {r["reading"]: r["verdict"] for r in entry["results"]}
    assert verdicts["composed_gradient"] == "proved"
    assert {verdicts[r] for r in ("plain", "same_batch", "positive_part")} == {"refuted"}


def test_unknown_claim_id_lists_close_matches():
    with pytest.raises(derivations.UnknownClaim, match="kim2023.thm2"):
        derivations.get_claim("kim2023.thm22")


def test_a_fresh_fast_run_gives_the_committed_verdicts(fast_report: dict):
    """reports/report.json is built from seed 0 at the fast level: the same seed gives the same verdicts."""
    committed = json.loads((Path(__file__).resolve().parents[1] / "reports" / "report.json").read_text())
    assert committed["seed"] == 0 and committed["level"] == "fast"
    old = {(c["id"], r["reading"]): r["verdict"] for c in committed["claims"] for r in c["results"]}
    new = {(c["id"], r["reading"]): r["verdict"] for c in fast_report["claims"] for r in c["results"]}
    assert new == old, {k: (old.get(k), new.get(k)) for k in set(old) | set(new) if old.get(k) != new.get(k)}
