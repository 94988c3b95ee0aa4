"""Bad input gets a clear error naming the argument, its value and the requirement."""

from __future__ import annotations

import math

import pytest

import derivations
from derivations import InvalidParameter, UnknownClaim, UnknownReading
from verify import check, evaluate

GOOD = {"lambda_j": -1.0, "rho": 0.5, "eta": 0.1, "B": 4, "t": 1.0}

CASES = [
    pytest.param({"eta": -0.1}, "eta=-0.1", id="negative learning rate"),
    pytest.param({"eta": 0.0}, "eta=0.0", id="zero learning rate"),
    pytest.param({"B": 0}, "B=0", id="zero batch size"),
    pytest.param({"B": 2.5}, "B=2.5", id="fractional batch size"),
    pytest.param({"rho": -1.0}, "rho=-1.0", id="negative SAM radius"),
    pytest.param({"t": math.nan}, "t=nan", id="NaN time"),
    pytest.param({"lambda_j": math.inf}, "lambda_j=inf", id="infinite eigenvalue"),
    pytest.param({"eta": -math.inf}, "eta=-inf", id="minus infinity learning rate"),
    pytest.param({"lambda_j": 0.0}, "lambda_j=0.0", id="zero eigenvalue"),
]


@pytest.mark.parametrize("bad, named", CASES)
def test_a_parameter_outside_its_domain_is_named_with_its_value(bad: dict, named: str):
    with pytest.raises(InvalidParameter, match=named.replace("(", r"\(")) as info:
        evaluate("kim2023.thm2", "plain", **{**GOOD, **bad})
    assert "must be" in str(info.value)


def test_a_valid_point_evaluates_both_sides():
    out = evaluate("kim2023.thm2", "composed_gradient", **GOOD)
    assert out["holds"] is True and out["claimed"] == pytest.approx(out["actual"], rel=1e-12)


def test_an_unknown_parameter_is_named():
    with pytest.raises(InvalidParameter, match="gamma"):
        evaluate("kim2023.thm2", "plain", gamma=0.5, **GOOD)


def test_an_unknown_claim_id_is_an_error_listing_close_matches():
    with pytest.raises(UnknownClaim, match="did you mean"):
        check("kim2023.thm3x")


def test_an_unknown_reading_lists_the_valid_ones():
    with pytest.raises(UnknownReading, match="plain, same_batch"):
        check("kim2023.thm2", "normalized")


@pytest.mark.parametrize("level", ["slow", "", None])
def test_an_unknown_level_is_rejected(level):
    with pytest.raises(InvalidParameter, match="level="):
        check("kim2023.thm2", "plain", level=level)


@pytest.mark.parametrize("rng", [-1, "seed", 1.5])
def test_a_bad_seed_is_rejected(rng):
    with pytest.raises(InvalidParameter, match="rng="):
        check("kim2023.thm2", "plain", rng=rng)


def test_errors_are_both_samverify_errors_and_builtins():
    assert issubclass(InvalidParameter, ValueError) and issubclass(InvalidParameter, derivations.SamverifyError)
    assert issubclass(UnknownClaim, LookupError)
