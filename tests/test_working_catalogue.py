"""The seed papers' workings: each reports its first failing line (or none) from the computation."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations._symbols import B, eta, lambda_j, rho, t
from derivations._working import get_working, working_catalogue
from verify._working import check_working
from verify._working_output import to_json, validate

IDS = ("kim2023.working.cor1", "kim2023.working.cor1_plain", "chang2025.working.base_case",
       "chang2025.working.base_case_literal", "dexter2024.working.coherence_identity")


@pytest.fixture(scope="module")
def results() -> dict:
    return {wid: check_working(get_working(wid), rng=0) for wid in IDS}


def _expr(text: str) -> sp.Expr:
    body = text.split(" + O(")[0]
    return sp.sympify(body, locals={"eta": eta, "lambda_j": lambda_j, "rho": rho, "t": t, "B": B, "Abs": sp.Abs})


def test_every_catalogue_working_has_an_id_paper_working_name():
    ids = [w.id for w in working_catalogue()]
    assert set(IDS) <= set(ids)
    assert all(i.split(".")[1] == "working" for i in ids)


def test_kim_corollary_1_fails_at_the_printed_line_with_the_dropped_rho_squared_term(results):
    r = results["kim2023.working.cor1"]
    assert r.first_failure == 3 and r.verdict == "refuted"
    assert [s.verdict for s in r.steps[:2]] == ["proved", "proved"]  # the difference and its expansion are right
    s = r.steps[2]
    assert s.counterexample is not None
    # the corrected line: eta |lambda|^3 rho (2 + rho lambda) t^2 / B, i.e. the printed term plus a rho^2 term
    expected = _expr(s.expected_next["text"])
    truth = eta * sp.Abs(lambda_j) * lambda_j**2 * rho * (2 + rho * lambda_j) * t**2 / B
    assert sp.simplify(expected - truth) == 0
    assert sp.simplify(_expr(s.expected_next["missing_text"]) - eta * sp.Abs(lambda_j) * lambda_j**3 * rho**2 * t**2 / B) == 0
    assert r.first_scaling_break is None  # every line scales alike: the error is not dimensional


def test_kim_corollary_1_under_the_plain_reading_is_off_by_a_factor_2(results):
    r = results["kim2023.working.cor1_plain"]
    assert r.first_failure == 2
    expected = _expr(r.steps[1].expected_next["text"])
    printed = 2 * eta * t**2 * sp.Abs(lambda_j) ** 3 * rho / B
    assert sp.simplify(printed / expected) == 2


def test_chang_base_case_as_intended_is_proved_and_read_literally_fails_at_the_first_step(results):
    ok = results["chang2025.working.base_case"]
    assert ok.first_failure is None and ok.verdict == "proved"
    lit = results["chang2025.working.base_case_literal"]
    assert lit.first_failure == 1 and lit.steps[1].verdict == "proved"
    assert "coefficient of" in lit.steps[0].counterexample.note
    # (I + rho/alpha) H adds a number to a quantity with the units of 1/H: the first line is not homogeneous
    assert lit.first_scaling_break == 1 and ok.first_scaling_break is None


def test_dexter_coherence_identity_is_proved_line_by_line(results):
    r = results["dexter2024.working.coherence_identity"]
    assert r.first_failure is None and r.verdict == "proved" and len(r.steps) == 6


def test_catalogue_results_follow_the_shipped_schema(results):
    for r in results.values():
        validate(to_json(r))
