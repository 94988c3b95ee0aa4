"""Workings checked step by step: each step's verdict, the first failure, the corrected next line."""

from __future__ import annotations

from importlib import metadata

import pytest
import sympy as sp

from derivations import InvalidParameter, RegistryError, Scaling
from derivations import _working as working_mod
from derivations._working import Justification, Working, WorkingLine
from verify._working import check_working

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
t = sp.Symbol("t", positive=True)
a = sp.Symbol("a", positive=True)
k = sp.Symbol("k", positive=True)


def parse(text: str) -> sp.Expr:
    """An expression printed by a report, read back onto this module's symbols."""
    return sp.sympify(text, locals={"x": x, "y": y, "t": t, "a": a, "k": k})


def W(*lines: WorkingLine, params=(x,), **kw) -> Working:
    return Working("test.working.demo", tuple(lines), params, **kw)


def test_a_three_line_working_with_a_wrong_second_step_fails_at_step_2_with_the_corrected_line():
    w = W(WorkingLine((x + y) ** 2), WorkingLine(x**2 + 2 * x * y + y**2, "=", "expand"),
          WorkingLine(x**2 + y**2, "=", "simplify"), params=(x, y))
    r = check_working(w, rng=0)
    assert r.verdict == "refuted" and r.first_failure == 2
    s1, s2 = r.steps
    assert s1.verdict == "proved" and s1.expected_next is None
    assert s2.verdict == "refuted" and s2.counterexample is not None
    assert parse(s2.expected_next["text"]) == x**2 + 2 * x * y + y**2
    assert parse(s2.expected_next["missing_text"]) == 2 * x * y


def test_a_correct_working_has_no_failure_and_every_step_proved_or_supported():
    w = W(WorkingLine((x + 1) ** 2 - 1), WorkingLine(x**2 + 2 * x, "=", "expand"), WorkingLine(x * (x + 2), "=", "factor"))
    r = check_working(w, rng=0)
    assert r.first_failure is None and r.verdict == "proved"
    assert all(s.verdict in ("proved", "supported") for s in r.steps)


@pytest.mark.parametrize("stated, order, verdict", [
    (1 + a * t + a**2 * t**2 / 2, t**3, "proved"),
    (1 + a * t + a**2 * t**2, t**3, "refuted"),  # wrong coefficient
    (1 + a * t, t**3, "refuted"),  # remainder of too high an order: the t^2 term is missing
    (1 + a * t, t**2, "proved"),
], ids=["correct", "wrong coefficient", "remainder too high", "correct, coarser"])
def test_an_approximate_step_is_checked_term_by_term_below_its_stated_order(stated, order, verdict):
    w = W(WorkingLine(sp.exp(a * t)), WorkingLine(stated, "≈", "series", order=order), params=(t, a), variable=t)
    (s,) = check_working(w, rng=0).steps
    assert s.verdict == verdict
    if verdict == "refuted":
        assert sp.expand(parse(s.expected_next["text"].split(" + O(")[0]) - (1 + a * t + a**2 * t**2 / 2)) == 0


def test_an_approximate_step_whose_two_sides_agree_exactly_is_not_refuted_by_round_off():
    w = W(WorkingLine(a * t * (2 - a * t)), WorkingLine(2 * a * t - a**2 * t**2, "≈", order=t**3), params=(t, a), variable=t)
    (s,) = check_working(w, rng=0).steps
    assert s.verdict == "proved"
    assert all(c.outcome == "pass" for c in s.checks if c.counts)


def test_a_line_without_its_own_remainder_carries_the_previous_one():
    w = W(WorkingLine(sp.exp(a * t)), WorkingLine(1 + a * t, "≈", order=t**2), WorkingLine(a * t + 1, "="),
          params=(t, a), variable=t)
    steps = w.steps
    assert steps[1].remainder == t**2
    assert check_working(w, rng=0).steps[1].verdict == "proved"


def test_inequality_and_implication_steps():
    w = W(WorkingLine(x**2 + 1), WorkingLine(2 * x, ">=", "AM-GM"), WorkingLine(2 * x - 1, ">"))
    r = check_working(w, rng=0)
    assert [s.verdict for s in r.steps] == ["proved", "proved"]
    bad = W(WorkingLine(x**2), WorkingLine(x, ">="))
    assert check_working(bad, rng=0).first_failure == 1
    imp = W(WorkingLine(x > 2), WorkingLine(x**2 > 4, "=>"), WorkingLine(x > 3, "=>"))
    r = check_working(imp, rng=0)
    assert r.steps[0].verdict in ("proved", "supported") and r.steps[1].verdict == "refuted"


def test_substitute_tags_are_applied_to_the_previous_line():
    w = W(WorkingLine(a * t), WorkingLine(a * k, "=", Justification("substitute", "", {t: k})), params=(t, a, k))
    assert check_working(w, rng=0).verdict == "proved"
    without = W(WorkingLine(a * t), WorkingLine(a * k, "=", "simplify"), params=(t, a, k))
    assert check_working(without, rng=0).verdict == "refuted"


def test_an_assumption_step_is_reported_as_an_assumption_and_never_checked():
    w = W(WorkingLine(x**2), WorkingLine(x, "=", "assumption: x is 0 or 1"), WorkingLine(x + 0, "="))
    r = check_working(w, rng=0)
    s1, s2 = r.steps
    assert s1.verdict == "assumption" and s1.checks == () and "x is 0 or 1" in s1.reason
    assert s2.verdict == "proved" and r.verdict == "proved" and r.assumptions == (1,)
    assert r.to_dict()["steps"][0]["checks"] == []


def test_the_chain_verdict_is_the_weakest_step():
    w = W(WorkingLine(x**2), WorkingLine(x * x, "="), WorkingLine(x**2 + 1, "="), WorkingLine(x**2 + 1, "="))
    r = check_working(w, rng=0)
    assert [s.verdict for s in r.steps] == ["proved", "refuted", "proved"]
    assert r.verdict == "refuted" and r.first_failure == 2


def test_every_line_is_checked_against_a_declared_scaling_and_the_first_break_is_named():
    h, eta = sp.symbols("h eta", positive=True)
    units = Scaling({t: 1, h: -1, eta: -1}, name="time units")
    w = Working("test.working.units", (WorkingLine(eta * t), WorkingLine(eta * t, "="), WorkingLine(eta * t * h, "="),
                                       WorkingLine(eta * t * h, "=")),
                (t, h, eta), scaling=(units,))
    r = check_working(w, rng=0)
    assert r.first_scaling_break == 3
    assert r.first_failure == 2 and r.steps[1].counterexample is not None
    doc = r.to_dict()
    assert doc["first_scaling_break"] == 3 and doc["scaling"][0]["exponents"][2]["exponent"] == "-1"


def test_matrix_lines_are_compared_word_by_word():
    H, G = sp.Symbol("H", commutative=False), sp.Symbol("G", commutative=False)
    w = W(WorkingLine((1 + x * H) * (1 + x * G)), WorkingLine(1 + x * H + x * G + x**2 * H * G, "=", "expand"),
          WorkingLine(1 + x * (H + G) + x**2 * G * H, "="))
    r = check_working(w, rng=0)
    assert [s.verdict for s in r.steps] == ["proved", "refuted"]
    assert "coefficient of" in r.steps[1].counterexample.note


@pytest.mark.parametrize("kwargs, needle", [
    ({"id": "Bad Id"}, "id="),
    ({"lines": (WorkingLine(x),)}, "at least two"),
    ({"lines": (WorkingLine(x), WorkingLine(x))}, "relation"),
    ({"lines": (WorkingLine(x), WorkingLine(x, "≈"))}, "stated order"),
    ({"lines": (WorkingLine(x), WorkingLine(x + y, "="))}, "undeclared symbol(s) y"),
    ({"lines": (WorkingLine(t), WorkingLine(t, "=", order=t**2)), "parameters": (t,)}, "variable"),
    ({"lines": (WorkingLine(x), WorkingLine(sp.Function("f")(x), "="))}, "operators="),
], ids=["bad id", "one line", "missing relation", "approx without order", "undeclared symbol", "no variable",
        "unknown function"])
def test_invalid_workings_are_rejected_naming_the_argument(kwargs, needle):
    base = {"id": "test.working.bad", "lines": (WorkingLine(x), WorkingLine(x, "=")), "parameters": (x,)}
    with pytest.raises(InvalidParameter, match="must") as e:
        Working(**{**base, **kwargs})
    assert needle in str(e.value)


def test_a_bad_relation_and_justification_are_rejected():
    with pytest.raises(InvalidParameter, match="relation='~~'"):
        WorkingLine(x, "~~")
    with pytest.raises(InvalidParameter, match="substitutions"):
        Justification("substitute")
    assert Justification.parse("assumption: Fisher approximation").is_assumption


def test_the_catalogue_loads_through_its_entry_point_and_a_broken_one_fails_loudly(monkeypatch):
    working_mod.reset_workings()
    ids = [w.id for w in working_mod.working_catalogue()]
    assert {"kim2023.working.cor1", "chang2025.working.base_case", "dexter2024.working.coherence_identity"} <= set(ids)
    bad = metadata.EntryPoint(name="broken", value="no_such_module_xyz:workings", group=working_mod.ENTRY_POINT_GROUP)
    monkeypatch.setattr(working_mod.metadata, "entry_points", lambda group: [bad])
    working_mod.reset_workings()
    with pytest.raises(RegistryError, match="'broken'.*failed to import"):
        working_mod.working_catalogue()
    monkeypatch.undo()
    working_mod.reset_workings()


def test_an_unknown_working_id_lists_close_matches():
    with pytest.raises(LookupError, match="did you mean kim2023.working.cor1"):
        working_mod.get_working("kim2023.working.cor")


def test_a_step_claiming_more_precision_than_the_previous_line_has_is_inconclusive_with_the_reason():
    w = W(WorkingLine(sp.exp(a * t)), WorkingLine(1 + a * t, "≈", order=t**2), WorkingLine(1 + a * t, "≈", order=t**3),
          params=(t, a), variable=t)
    s = check_working(w, rng=0).steps[1]
    assert s.verdict == "inconclusive" and "coarser" in s.reason
