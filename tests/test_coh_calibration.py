"""The §2 sampling checks spend their family's share of the run's budget, state power, and calibrate.

``samverify calibrate --only chang2025`` replaces each family's exact value by itself (a true claim)
and by one 5 % off, and counts refutations over seeds.  The fast test runs two seeds per family and
asserts the counts are binomially consistent with a false-alarm rate at most the family's share and
a power at least ``min_power``; the slow one runs 20 seeds.
"""

from __future__ import annotations

import pytest

import verify
from verify._calibrate import calibrate, families_of
from verify._engine import LEVELS, checkers_of
from verify._stats import binomial_tail

FAST = LEVELS["fast"]
#: A count is "inconsistent" when its binomial tail probability under the stated rate is below 1e-3.
TAIL = 1e-3


def _consistent(doc: dict) -> None:
    for row in doc["families"]:
        assert binomial_tail(row["false_refutations"], row["runs"], row["family_alpha"]) > TAIL, row
        assert binomial_tail(row["detections"], row["runs"], FAST.min_power, upper=False) > TAIL, row


def test_each_sampling_check_registers_one_family_per_reading() -> None:
    for cid in ("chang2025.relu.sgd_coherence", "chang2025.exp.table1", "chang2025.exp.phase_diagram"):
        (checker,) = [c for c in checkers_of(cid) if c.sampling_families]
        assert checker.sampling_families == 1, cid


def test_every_sampling_claim_has_calibration_families_with_exact_values() -> None:
    assert len(families_of("chang2025.relu.sgd_coherence", "default", FAST)) == 3  # one per declared point
    assert len(families_of("chang2025.exp.table1", "default", FAST)) == 1
    for reading in ("bernoulli", "with_replacement", "without_replacement"):
        fams = families_of("chang2025.exp.phase_diagram", reading, FAST)
        assert len(fams) == 3 and all(f.exact != 0 for f in fams)


def test_theorem_3_5_spends_the_family_share_and_states_its_power() -> None:
    (res,) = verify.check("chang2025.relu.sgd_coherence", level="fast", rng=0)
    (mc,) = [c for c in res.checks if c.method == "montecarlo"]
    assert mc.data["family_alpha"] <= FAST.alpha
    assert all(p["alpha"] <= mc.data["family_alpha"] for p in mc.data["points"])  # Holm's levels never exceed the share
    assert mc.data["effect_size"] == FAST.effect_size
    assert mc.outcome == "pass" and mc.data["power"] >= FAST.min_power


def test_table1_without_power_is_inconclusive_with_its_reason() -> None:
    (res,) = verify.check("chang2025.exp.table1", level="fast", rng=0)
    (ex,) = [c for c in res.checks if c.method == "experiment"]
    assert ex.outcome != "pass" or ex.data["power"] >= FAST.min_power
    assert ex.data["effect_size"] == FAST.effect_size and "power" in ex.data and ex.data["family_alpha"] <= FAST.alpha


def test_a_seed_level_mean_of_table1_has_no_power_at_four_seeds() -> None:
    from verify._coh_checks_table1 import initial_loss_family

    doc = calibrate(runs=3, families=[initial_loss_family("default", FAST)])
    (row,) = doc["families"]
    assert row["false_refutations"] == 0 and row["power"] < FAST.min_power  # the shortfall the check's data states


def test_calibrate_chang_small() -> None:
    doc = calibrate(runs=2, claim_filter="chang2025")
    assert doc["overall"]["n_families"] == 3 + 1 + 9
    _consistent(doc)


@pytest.mark.slow
def test_calibrate_chang_20_runs() -> None:
    doc = calibrate(runs=20, claim_filter="chang2025")
    _consistent(doc)
    assert doc["overall"]["false_refutation_rate"] <= 0.1  # at most 2 of 20 runs with any false refutation
