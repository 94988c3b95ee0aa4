"""Mutation testing of the whole catalogue: mutants of every proved or supported statement are refuted.

For each (claim, reading) that a fast run proves or supports, the statement is replaced on the
*same* claim id (so exactly the same checks run) by mutants that are false by construction
(:func:`verify._mutants.generic_mutants`: an equation's right side doubled, an asymptotic stated
part doubled, a relation negated, an implication's conclusion negated). Each must come out
``refuted``: a check that reads a formula typed into ``verify/`` instead of the claim lets the
mutant through. The score is printed at the end of the session.
"""

from __future__ import annotations

import dataclasses

import pytest

import sympy as sp

from derivations import Claim, Equation, catalog
from verify import check
from verify._mutants import generic_mutants

SCORE: dict[tuple[str, str, str], str] = {}


def _cases() -> list[tuple[str, str, str, object]]:
    out = []
    for claim in catalog():
        for name, mutant in generic_mutants(claim.statement):
            for reading in claim.reading_names:
                out.append((claim.id, reading, name, mutant))
    return out


CASES = _cases()


@pytest.mark.parametrize("claim_id,reading,name,mutant", CASES,
                         ids=[f"{c}[{r}]:{n}" for c, r, n, _ in CASES])
def test_a_mutant_of_a_proved_or_supported_statement_is_refuted(claim_id, reading, name, mutant, fast_report):
    entry = next(c for c in fast_report["claims"] if c["id"] == claim_id)
    original = next(r["verdict"] for r in entry["results"] if r["reading"] == reading)
    if original not in ("proved", "supported"):
        pytest.skip(f"original verdict {original}: mutants only bear on proved or supported statements")
    claim: Claim = next(c for c in catalog() if c.id == claim_id)
    mutated = dataclasses.replace(claim, statement=mutant)
    (result,) = check(mutated, reading, level="fast", rng=0)
    SCORE[(claim_id, reading, name)] = result.verdict
    assert result.verdict == "refuted", (
        f"{claim_id} [{reading}] with {name} came out {result.verdict}: "
        + "; ".join(f"{c.method}:{c.outcome}" for c in result.checks))


def _derived_cases() -> list[tuple[str, str]]:
    """(claim, reading) pairs whose statement is an equation and whose reading binds a closed form."""
    out = []
    for claim in catalog():
        if not isinstance(claim.statement, Equation):
            continue
        for reading in claim.reading_names:
            out.append((claim.id, reading))
    return out


DERIVED = _derived_cases()


@pytest.mark.parametrize("claim_id,reading", DERIVED, ids=[f"{c}[{r}]" for c, r in DERIVED])
def test_the_derived_form_of_a_refuted_equation_stated_as_the_claim_is_proved_or_supported(claim_id, reading,
                                                                                          fast_report):
    """The engine's correction, stated as the claim (same id, same checks), passes: nothing refutes a true form."""
    entry = next(c for c in fast_report["claims"] if c["id"] == claim_id)
    if next(r["verdict"] for r in entry["results"] if r["reading"] == reading) != "refuted":
        pytest.skip("only refuted equations have a derived form to restate")
    claim = next(c for c in catalog() if c.id == claim_id)
    derived = claim.statement_for(reading).lhs
    if derived == claim.statement.lhs or derived.has(sp.Piecewise) or not claim.derivation(reading).bindings:
        pytest.skip("the reading binds no closed form for the left side")
    restated = dataclasses.replace(claim, statement=Equation(claim.statement.lhs, derived))
    (result,) = check(restated, reading, level="fast", rng=0)
    DERIVED_SCORE[(claim_id, reading)] = result.verdict
    assert result.verdict in ("proved", "supported"), [(c.method, c.outcome, c.detail[:120]) for c in result.checks]


DERIVED_SCORE: dict[tuple[str, str], str] = {}
