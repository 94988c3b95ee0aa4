"""Claims drive checks for Kim et al.: a mutant statement on the same claim id comes out refuted.

For every Kim et al. claim and every reading under which the original comes out ``proved`` or
``supported`` at the fast level, each generic mutant (:func:`verify._mutants.generic_mutants`: an
equation's right side doubled, a relation negated, an implication's conclusion negated) replaces the
statement on the *same* claim id, so the same registered checks run, and must be ``refuted``. A check
that read a formula typed into ``verify/`` instead of the claim would let the mutant through.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import pytest

import verify
from derivations import catalog, get_claim
from verify._mutants import generic_mutants

#: The SDE claims (generic symbolic / precision / property checks under four readings, plus Monte Carlo
#: for thm2) take 15-50 s each here: slow. thm3.batch is covered fast by the dedicated test below.
SLOW = {"kim2023.thm2", "kim2023.thm2.consistency", "kim2023.thm2.suppression", "kim2023.cor1", "kim2023.cor1.positive",
        "kim2023.cor1.monotone", "kim2023.thm3.batch"}

KIM = [c.id for c in catalog() if c.id.startswith("kim2023.")]


@lru_cache(maxsize=None)
def _originals(claim_id: str) -> dict[str, str]:
    return {r.reading: r.verdict for r in verify.check(claim_id, level="fast", rng=0)}


def _cases() -> list:
    out = []
    for cid in KIM:
        marks = [pytest.mark.slow] if cid in SLOW else []
        for name, mutant in generic_mutants(get_claim(cid).statement):
            out.append(pytest.param(cid, name, mutant, marks=marks, id=f"{cid}:{name}"))
    return out


@pytest.mark.parametrize(("claim_id", "name", "mutant"), _cases())
def test_a_mutant_of_a_kim_claim_is_refuted_wherever_the_original_holds(claim_id: str, name: str, mutant) -> None:
    holds = [r for r, v in _originals(claim_id).items() if v in ("proved", "supported")]
    if not holds:
        pytest.skip(f"{claim_id}: no reading proves or supports the original")
    claim = dataclasses.replace(get_claim(claim_id), statement=mutant)
    for res in verify.check(claim, level="fast", rng=0):
        if res.reading in holds:
            assert res.verdict == "refuted", (claim_id, res.reading, name, [(c.method, c.outcome) for c in res.checks])
            assert res.counterexample is not None


def test_thm3_batch_with_its_relation_negated_is_refuted_under_every_reading() -> None:
    claim = get_claim("kim2023.thm3.batch")
    ((_, mutant),) = generic_mutants(claim.statement)
    res = verify.check(dataclasses.replace(claim, statement=mutant), level="fast", rng=0)
    assert {r.reading: r.verdict for r in res} == {r: "refuted" for r in claim.reading_names}


def test_the_beale_cosine_check_reads_the_printed_ends_from_the_claim() -> None:
    claim = get_claim("kim2023.exp.beale_cosine")
    ((_, doubled),) = generic_mutants(claim.statement)
    (orig,) = verify.check(claim, "normalised", level="fast", rng=0)
    (mut,) = verify.check(dataclasses.replace(claim, statement=doubled), "normalised", level="fast", rng=0)
    assert orig.verdict == "supported" and mut.verdict == "refuted"
