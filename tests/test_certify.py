"""Certified counterexamples: rigorous enclosures exclude the claim, with either backend."""

from __future__ import annotations

import pytest
import sympy as sp

import verify
from derivations import Claim, Derivation, Equation, Holds, Parameter, Reading, Source
from verify import _certify

x, y = sp.symbols("x y", positive=True)
SRC = Source("Synthetic claims for the certification tests", "2301.00002", "test")


@pytest.fixture(params=["arb", "mpmath.iv"])
def backend(request, monkeypatch):
    if request.param == "arb":
        pytest.importorskip("flint")
    monkeypatch.setattr(_certify, "backend_name", lambda: request.param)
    return request.param


def test_an_enclosure_contains_the_value_and_decides_its_sign(backend):
    e = sp.exp(x) - 1 - x - x**2 / 2
    enc = _certify.enclose(e, {x: sp.Rational(1, 10)})
    assert enc.backend == backend and enc.excludes_zero and enc.sign == 1
    true = float(sp.N(e.subs(x, sp.Rational(1, 10)), 30))
    assert float(enc.lo) <= true <= float(enc.hi)
    assert _certify.enclose(sp.sqrt(x) * sp.Abs(y - 1) - 1, {x: 4, y: sp.Rational(1, 2)}).sign == 0  # exactly 0


def _claim(stmt, params) -> Claim:
    return Claim(id="test.certify.claim", title="t", source=SRC, statement=stmt,
                 parameters=tuple(Parameter(p, sp.Interval.open(0, sp.oo), p.name) for p in params),
                 readings=(Reading("default", "no model", lambda: Derivation(bindings={})),),
                 checks=("precision", "property"))


def test_a_refuted_closed_form_has_a_certified_counterexample_with_its_enclosure(backend):
    (r,) = verify.check(_claim(Equation(sp.exp(x), 1 + x + x**2 / 2), (x,)), level="fast", rng=0)
    assert r.verdict == "refuted"
    cx = r.counterexample.to_dict()
    assert cx["certified"] is True and cx["enclosure"]["excludes_zero"] is True
    assert cx["enclosure"]["backend"] == backend


def test_a_violation_only_with_equality_is_reported_as_a_certified_tie():
    (r,) = verify.check(_claim(Holds(x**2 + y**2 > 2 * x * y), (x, y)), level="fast", rng=0)
    assert r.verdict == "refuted"
    cx = r.counterexample
    assert cx.tie and cx.certified and cx.params["x"] == cx.params["y"]
    assert "equality" in cx.note


def test_a_persisting_violation_is_preferred_to_a_tie():
    # x^2 + y^2 > 2xy + x/10 fails on a whole band around x = y, not only on it
    (r,) = verify.check(_claim(Holds(x**2 + y**2 > 2 * x * y + x / 10), (x, y)), level="fast", rng=0)
    assert r.verdict == "refuted"
    assert not r.counterexample.tie and r.counterexample.certified
