"""Calibration of the Kim et al. sampling families: false-refutation rate within the budget, power >= 0.8.

``samverify calibrate --only kim2023`` replaces each family's claimed value by the model's exact value
(a true claim) and by one 5 % off, and counts refutations over independent seeds. The fast test runs a
few seeds and asserts the counts are binomially consistent with a false-alarm rate at most the family's
share and a power at least ``min_power``; the slow one runs 50 seeds per family.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import jsonschema
import pytest

import verify
from derivations import get_claim
from verify._calibrate import calibrate, families_of
from verify._engine import LEVELS, checkers_of
from verify._kim_thm2_mc import discrete_paths, mc_grid, sde_paths
from verify._schemas import load_schema
from verify._stats import binomial_tail

FAST = LEVELS["fast"]
#: A count is "inconsistent" when its binomial tail probability under the stated rate is below 1e-3.
TAIL = 1e-3


def _consistent(doc: dict) -> None:
    for row in doc["families"]:
        share = row["family_alpha"]
        # at most `share` false refutations expected: seeing this many or more must not be improbable
        assert binomial_tail(row["false_refutations"], row["runs"], share) > TAIL, row
        # power at least min_power: seeing this few detections or fewer must not be improbable
        assert binomial_tail(row["detections"], row["runs"], FAST.min_power, upper=False) > TAIL, row


def test_every_thm2_reading_registers_its_sampling_families() -> None:
    (checker,) = checkers_of("kim2023.thm2")
    assert checker.sampling_families == 2  # the SDE Monte Carlo and the discrete self-test
    claim = get_claim("kim2023.thm2")
    pts, times = mc_grid(claim)
    for reading in claim.reading_names:
        fams = families_of("kim2023.thm2", reading, FAST)
        names = [f.name for f in fams]
        assert sum(n.startswith("selftest") for n in names) == 1
        # positive_part has no noise along lambda < 0: those comparisons are exact, not sampling families
        n_sde = len(pts) * len(times) - (4 if reading == "positive_part" else 0)
        assert sum(n.startswith("sde") for n in names) == n_sde, names
        assert all(f.exact > 0 for f in fams)


def test_the_path_counts_give_the_stated_power_at_the_fast_level() -> None:
    claim = get_claim("kim2023.thm2")
    pts, times = mc_grid(claim)
    z = NormalDist().inv_cdf
    for n, alpha in ((sde_paths(claim, FAST), FAST.montecarlo_alpha / (len(pts) * len(times))),
                     (discrete_paths(FAST), FAST.montecarlo_alpha)):
        # relative SE of a Gaussian second moment: sqrt(2/n)
        power = NormalDist().cdf(FAST.effect_size / math.sqrt(2 / n) - z(1 - alpha / 2))
        assert power >= FAST.min_power


def test_the_thm2_checks_state_effect_size_power_and_mark_the_self_test() -> None:
    (res,) = verify.check("kim2023.thm2", "composed_gradient", level="fast", rng=0)
    mc = [c for c in res.checks if c.method == "montecarlo" and c.counts]
    assert len(mc) == 1 and mc[0].outcome == "pass"
    assert mc[0].data["effect_size"] == FAST.effect_size and mc[0].data["power"] >= FAST.min_power
    (selftest,) = [c for c in res.checks if c.selftest]
    assert not selftest.counts and selftest.outcome == "pass" and selftest.data["power"] >= FAST.min_power
    # two families, each spending exactly its share of the run's budget (Holm within the SDE family)
    assert len(res.families) == 2 and all(f["alpha"] == mc[0].data["family_alpha"] for f in res.families)


def test_calibration_of_the_kim_families_is_consistent_at_small_n() -> None:
    doc = calibrate(runs=5, level="fast", seed=0, claim_filter="kim2023")
    jsonschema.validate(doc, load_schema("calibrate"))
    assert {r["reading"] for r in doc["families"]} == set(get_claim("kim2023.thm2").reading_names)
    assert doc["overall"]["n_families"] == len(doc["families"]) >= 20
    _consistent(doc)


@pytest.mark.slow
def test_calibration_of_the_kim_families_at_fifty_runs() -> None:
    doc = calibrate(runs=50, level="fast", seed=1, claim_filter="kim2023")
    _consistent(doc)
    assert doc["overall"]["false_refutation_rate"] <= 0.02  # one run in 50 at most, at a budget of 0.01
    assert all(r["power_ok"] for r in doc["families"]), [(r["family"], r["power"]) for r in doc["families"] if not r["power_ok"]]
