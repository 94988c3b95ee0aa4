"""Calibration: sampling families refute a true claim rarely and a claim off by the effect size often."""

from __future__ import annotations

import jsonschema
import numpy as np
import pytest

from verify._calibrate import SamplingFamily, calibrate
from verify._schemas import load_schema


def _mean_family(n: int, *, biased: float = 0.0) -> SamplingFamily:
    """The mean of ``n`` draws of N(2, 1): exact value 2 (plus a hidden bias, to show calibration catches it)."""
    def sample(rng: np.random.Generator, level) -> tuple[float, float]:
        x = rng.normal(2.0 + biased, 1.0, n)
        return float(x.mean()), float(x.std(ddof=1) / np.sqrt(n))

    return SamplingFamily("test.calibrate.mean", "default", f"mean of {n}", 2.0, sample)


def test_a_well_powered_unbiased_family_is_calibrated():
    doc = calibrate(runs=60, families=[_mean_family(20_000)])
    jsonschema.validate(doc, load_schema("calibrate"))
    (row,) = doc["families"]
    assert row["false_refutations"] == 0 and row["false_rate_consistent"]
    assert row["power"] >= 0.8 and row["power_ok"]


def test_calibration_exposes_an_underpowered_and_a_biased_family():
    weak, biased = calibrate(runs=60, families=[_mean_family(50), _mean_family(20_000, biased=0.05)])["families"]
    assert weak["power"] < 0.8 and not weak["power_ok"]
    assert biased["false_refutation_rate"] > 0.5 and not biased["false_rate_consistent"]


def test_bad_arguments_are_rejected():
    from derivations import InvalidParameter

    with pytest.raises(InvalidParameter, match="runs=0"):
        calibrate(runs=0, families=[])
