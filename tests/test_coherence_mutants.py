"""Mutants of the §2 claims' printed statements, on the same claim id (so the same checks run), are refuted.

Each claim that comes out proved or supported at the fast level gets mutants that are false by
construction: a relation negated, an implication's conclusion negated, a hypothesis weakened past
the model's exact threshold.  The checks read the printed side from the claim, so they must find
a counterexample to each mutant.
"""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

import verify
from derivations import AllOf, Equation, Holds, Implication, get_claim
from derivations import coherence_claims as cc


def _verdicts(claim, reading):
    return [r.verdict for r in verify.check(claim, reading, level="fast", rng=0)]


def _with(cid: str, statement) -> object:
    return dataclasses.replace(get_claim(cid), statement=statement)


def _negated_conclusion(cid: str) -> object:
    st = get_claim(cid).statement
    return _with(cid, Implication(st.hypothesis, sp.Not(st.conclusion)))


def _weakened_hypothesis(cid: str, factor) -> object:
    st = get_claim(cid).statement
    h = st.hypothesis
    return _with(cid, Implication(h.func(h.lhs, h.rhs * factor), st.conclusion))


FAST_MUTANTS = [
    # the example: eq. (30) negated must not survive
    ("chang2025.sam.trace_bound", "bernoulli", "relation negated",
     lambda: _with("chang2025.sam.trace_bound", Holds(sp.Not(get_claim("chang2025.sam.trace_bound").statement.relation)))),
    ("dexter2024.coherence.range", "rank_one", "conclusion negated", lambda: _negated_conclusion("dexter2024.coherence.range")),
    ("chang2025.rp.bounded", "bernoulli", "hypothesis negated",
     lambda: _with("chang2025.rp.bounded", Implication(cc.rho_T(cc.SGD, cc.eta) >= 1, get_claim("chang2025.rp.bounded").statement.conclusion))),
    ("chang2025.rp.bounded", "without_replacement", "hypothesis weakened past the threshold",
     lambda: _with("chang2025.rp.bounded", Implication(cc.rho_T(cc.SGD, cc.eta) < 2, get_claim("chang2025.rp.bounded").statement.conclusion))),
    ("chang2025.relu.sgd_coherence", "default", "conclusion negated", lambda: _negated_conclusion("chang2025.relu.sgd_coherence")),
    ("chang2025.relu.sgd_coherence", "default", "printed maximum doubled",
     lambda: _with("chang2025.relu.sgd_coherence", Implication(
         get_claim("chang2025.relu.sgd_coherence").statement.hypothesis,
         sp.And(get_claim("chang2025.relu.sgd_coherence").statement.conclusion.args[0],
                sp.Eq(cc.max_lambda_i, 4 * sp.sqrt(cc.d + 1)))))),
    ("chang2025.exp.phase_diagram", "bernoulli", "conclusion negated", lambda: _negated_conclusion("chang2025.exp.phase_diagram")),
    # the printed line sits well inside the diverging side on Figure 1's family, so a halved threshold
    # can still be true there; dropping the threshold (eta >= 0) is false by construction
    ("chang2025.exp.phase_diagram", "with_replacement", "threshold dropped", lambda: _weakened_hypothesis("chang2025.exp.phase_diagram", 0)),
]

SLOW_MUTANTS = [
    ("chang2025.rp.divergence", "bernoulli", "conclusion negated", lambda: _negated_conclusion("chang2025.rp.divergence")),
    ("chang2025.rp.divergence", "bernoulli", "threshold halved", lambda: _weakened_hypothesis("chang2025.rp.divergence", sp.Rational(1, 2))),
    ("chang2025.sam.convergence", "bernoulli", "conclusion negated", lambda: _negated_conclusion("chang2025.sam.convergence")),
    ("chang2025.sam.convergence", "without_replacement", "conclusion negated", lambda: _negated_conclusion("chang2025.sam.convergence")),
    ("dexter2024.thm1", "bernoulli", "threshold halved", lambda: _weakened_hypothesis("dexter2024.thm1", sp.Rational(1, 2))),
    ("chang2025.sam.divergence", "bernoulli", "threshold halved", lambda: _weakened_hypothesis("chang2025.sam.divergence", sp.Rational(1, 2))),
]


@pytest.mark.parametrize("cid, reading, what, build", FAST_MUTANTS, ids=[f"{c}[{r}] {w}" for c, r, w, _ in FAST_MUTANTS])
def test_mutant_of_a_true_reading_is_refuted(cid, reading, what, build):
    assert _verdicts(build(), reading) == ["refuted"]


@pytest.mark.slow
@pytest.mark.parametrize("cid, reading, what, build", SLOW_MUTANTS, ids=[f"{c}[{r}] {w}" for c, r, w, _ in SLOW_MUTANTS])
def test_heavy_mutant_is_refuted(cid, reading, what, build):
    assert _verdicts(build(), reading) == ["refuted"]


def test_the_unmutated_statements_are_not_refuted():
    # the mutants above are refuted because they are false, not because every statement is
    for cid, reading in (("chang2025.sam.trace_bound", "bernoulli"), ("chang2025.rp.bounded", "bernoulli"),
                         ("dexter2024.coherence.range", "rank_one")):
        assert _verdicts(get_claim(cid), reading) == ["supported"], cid


def test_a_doubled_identity_part_is_refuted_by_the_numeric_check_too():
    claim = get_claim("dexter2024.coherence.identity")
    (name, part), rest = claim.statement.parts[0], claim.statement.parts[1:]
    mutant = dataclasses.replace(claim, statement=AllOf(((name, Equation(part.lhs, 2 * part.rhs)),) + rest))
    (res,) = verify.check(mutant, level="fast", rng=0)
    assert res.verdict == "refuted"
    exact = [c for c in res.checks if c.method == "exact"]
    assert exact and exact[0].outcome == "fail"


def test_a_doubled_coefficient_of_the_base_case_is_refuted_by_the_enumeration():
    claim = get_claim("chang2025.sam.base_case")
    parts = tuple((n, Equation(s.lhs, 2 * s.rhs) if n == "H" else s) for n, s in claim.statement.parts)
    (res,) = verify.check(dataclasses.replace(claim, statement=AllOf(parts)), "bernoulli", level="fast", rng=0)
    assert res.verdict == "refuted"
    assert {c.method for c in res.checks if c.part is None and c.outcome == "fail"} == {"symbolic", "exact"}
