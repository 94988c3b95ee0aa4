"""The engine's soundness rules, tested on small claims whose truth is known by construction.

- ``proved`` needs the claim's domain inside the model's validity region; a point of the domain
  where the model diverges while the claim is finite is a counterexample with ``actual = inf``;
- failures confined to the equality boundary of a hypothesis are found (exact boundary points);
- asymptotic claims whose ``where`` mentions the small parameter are decided near the limit, and
  stated parts with several orders are checked order by order;
- every outcome is the recorded decision's comparison.
"""

from __future__ import annotations

import sympy as sp

import verify
from derivations import Asymptotic, Claim, Derivation, Equation, Implication, Parameter, Reading, Source
from verify._results import Decision

SRC = Source("Synthetic claims for the engine's tests", "2301.00001", "test")
q, s, x, y, t, a = sp.symbols("q s x y t a", positive=True)
V = sp.Symbol("V")


def _geometric(guarded: bool) -> Reading:
    """V = sum_k s q^k: finite (= s/(1-q)) only for q < 1; validity says so."""
    value = sp.Piecewise((s / (1 - q), q < 1), (sp.oo, True)) if guarded else s / (1 - q)
    return Reading("geometric", "the series s (1 + q + q^2 + ...)",
                   lambda: Derivation(bindings={V: value}, validity=q < 1))


def _claim(where: sp.Basic, *, guarded: bool = False) -> Claim:
    return Claim(id="test.engine.geometric", title="sum of a geometric series", source=SRC,
                 statement=Equation(V, s / (1 - q)),
                 parameters=(Parameter(q, sp.Interval.open(0, sp.oo), "ratio"),
                             Parameter(s, sp.Interval.open(0, sp.oo), "scale")),
                 readings=(_geometric(guarded),), where=where)


def _only(claim: Claim):
    (r,) = verify.check(claim, level="fast", rng=0)
    return r


def test_a_closed_form_on_its_validity_region_is_proved():
    r = _only(_claim(q < 1))
    assert r.verdict == "proved"
    sym = next(c for c in r.checks if c.method == "symbolic")
    assert "validity region" in sym.detail


def test_a_closed_form_claimed_where_the_model_diverges_is_refuted_with_an_infinite_actual_value():
    # the algebra s/(1-q) = s/(1-q) is an identity, but the series diverges for q >= 1
    for guarded in (False, True):
        r = _only(_claim(q < 2, guarded=guarded))
        assert r.verdict == "refuted", (guarded, [(c.method, c.outcome, c.detail) for c in r.checks])
        assert str(r.counterexample.actual) in ("inf", "+inf")
        assert r.counterexample.params["q"] >= 1
        assert not any(c.proof for c in r.checks)


def test_a_failure_only_at_the_equality_boundary_of_the_hypothesis_is_found():
    # x*y*(2 - x*y) > 0 holds for 0 < x*y < 2 and fails only at x*y = 2, which the hypothesis admits
    claim = Claim(id="test.engine.boundary", title="equality case", source=SRC,
                  statement=Implication(x * y <= 2, x * y * (2 - x * y) > 0),
                  parameters=(Parameter(x, sp.Interval.open(0, sp.oo), "x"),
                              Parameter(y, sp.Interval.open(0, sp.oo), "y")),
                  readings=(Reading("default", "no model"),), checks=("precision", "property"))
    r = _only(claim)
    assert r.verdict == "refuted"
    p = r.counterexample.params
    assert sp.nsimplify(p["x"]) * sp.nsimplify(p["y"]) == 2
    # the strict version is true and stays unrefuted
    ok = _only(Claim(id="test.engine.boundary", title="strict", source=SRC,
                     statement=Implication(x * y < 2, x * y * (2 - x * y) > 0), parameters=claim.parameters,
                     readings=claim.readings, checks=("precision", "property")))
    assert ok.verdict == "supported"


def _asymptotic(leading: sp.Expr, where: sp.Basic = sp.true) -> Claim:
    return Claim(id="test.engine.asymptotic", title="expansion of exp", source=SRC,
                 statement=Asymptotic(sp.exp(a * t), leading, t**3, t),
                 parameters=(Parameter(a, sp.Interval.open(0, sp.oo), "rate"),
                             Parameter(t, sp.Interval.open(0, sp.oo), "small time")),
                 readings=(Reading("default", "no model"),), where=where)


def test_an_asymptotic_claim_with_several_orders_is_checked_order_by_order():
    assert _only(_asymptotic(1 + a * t + a**2 * t**2 / 2)).verdict == "proved"
    wrong = _only(_asymptotic(1 + a * t + a**2 * t**2))
    assert wrong.verdict == "refuted"
    assert "t^{2}" in next(c for c in wrong.checks if c.method == "symbolic").data["actual_terms_below_remainder"]


def test_a_where_on_the_small_parameter_restricts_points_near_the_limit_instead_of_emptying_them():
    r = _only(_asymptotic(1 + a * t + a**2 * t**2 / 2, where=a * t < sp.Rational(1, 10)))
    precision = next(c for c in r.checks if c.method == "precision")
    assert precision.outcome == "pass", precision.detail
    assert r.verdict == "proved"
    assert _only(_asymptotic(1 + 2 * a * t, where=a * t < sp.Rational(1, 10))).verdict == "refuted"


def test_every_outcome_is_its_decision_recomputed():
    for claim in (_claim(q < 1), _claim(q < 2)):
        for c in _only(claim).checks:
            d = c.to_dict()
            if d["outcome"] in ("pass", "fail"):
                assert Decision.recompute(d["decision"]) == (d["outcome"] == "pass")
            else:
                assert d["reason"]
