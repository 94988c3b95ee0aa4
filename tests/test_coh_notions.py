"""Two notions of divergence and counterexamples that teach (issue 12, §2 claims).

The almost-sure exponent is exact where the recursion decouples (checked against batch
enumeration and simulation), obeys Jensen's inequality against the mean-square radius, and
explains where the paper's empirical protocol disagrees with the exact threshold.  Reported
counterexamples are the most robust ones: ties and degenerate starts are marked, exact ones certified.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

import verify
from derivations import Holds
from verify._coh_families import phase_family
from verify._coh_lyapunov import diagonal_lyapunov, lyapunov, phase_lyapunov, simulated_lyapunov
from verify._coh_margin import margin


@pytest.mark.parametrize("batch", ["bernoulli", "with_replacement", "without_replacement"])
def test_the_phase_family_exponent_equals_batch_enumeration(batch: str) -> None:
    for s in (1, 2, 3, 6):
        D = np.einsum("nii->ni", phase_family(6, s))
        for B in (1, 2, 4):
            closed = phase_lyapunov(6, s, [B], batch=batch, eta=0.5, c=0.1)[0]
            enumerated = np.max(diagonal_lyapunov(D, B=B, batch=batch, eta=0.5, c=0.1))
            assert closed == pytest.approx(enumerated, rel=1e-12, abs=1e-12) or closed == enumerated == -math.inf


def test_the_simulated_exponent_brackets_the_exact_one() -> None:
    H = np.array([np.diag([2.0, 1.0]), np.diag([1.0, 3.0]), np.diag([0.5, 0.2])])
    exact = lyapunov(H, B=1, batch="with_replacement", eta=0.4, rng=np.random.default_rng(0))
    assert exact.exact
    # 1e-4 two-sided: this seed's interval misses the truth with probability 1e-4
    sim = simulated_lyapunov(H, B=1, batch="with_replacement", eta=0.4, rng=np.random.default_rng(1), alpha=1e-4)
    assert sim.ci[0] <= exact.value <= sim.ci[1]


def test_the_phase_diagram_explains_the_empirical_boundary() -> None:
    res = verify.check("chang2025.exp.phase_diagram", "bernoulli", level="fast", rng=0)[0]
    exact = next(c for c in res.checks if c.method == "exact" and c.counts)
    notions = exact.data["mean_square_vs_almost_sure"]["sam"]
    assert notions["cells_ms_diverges_as_converges"] > 0 and notions["jensen_violations"] == 0
    (jensen,) = [c for c in res.checks if c.selftest]
    assert jensen.outcome == "pass" and not jensen.counts
    mc = next(c for c in res.checks if c.method == "montecarlo")
    rows = mc.data["mean_square_vs_almost_sure"]["cells"]
    # cells whose second moment diverges but where at most 1 run in 10 grew: a negative exponent explains each
    assert rows and all(r["lyapunov"] < 0 for r in rows if 1.0 < r["radius"] <= 1.55)
    assert mc.data["family_alpha"] <= 0.01 and "power" in mc.data and "effect_size" in mc.data


def test_linear_stability_claims_report_both_notions_as_a_self_test() -> None:
    res = verify.check("dexter2024.thm1", "with_replacement", level="fast", rng=0)[0]
    (notions,) = [c for c in res.checks if c.selftest]
    assert notions.outcome == "pass" and not notions.counts
    row = notions.data["witnesses"][0]
    assert row["role"] == "reported counterexample" and not row["mean_square_diverges"]
    assert {"mean_square_radius", "lyapunov", "eta_star_mean_square"} <= set(row)


def test_the_reported_threshold_counterexample_persists_and_is_certified() -> None:
    (res,) = verify.check("dexter2024.thm1", "with_replacement", level="fast", rng=0)
    cx = res.counterexample
    assert cx.certified and not cx.tie and cx.persists and cx.relative_violation > 0
    assert cx.enclosure["excludes_zero"]


def test_a_refutation_that_rests_on_equality_is_marked_a_tie() -> None:
    (res,) = verify.check("dexter2024.thm1", "bernoulli", level="fast", rng=0)
    assert res.verdict == "refuted" and res.counterexample.tie and res.counterexample.relative_violation == 0


def test_random_perturbation_speed_is_refuted_only_by_a_degenerate_start() -> None:
    (res,) = verify.check("chang2025.rp.speed", "bernoulli", level="fast", rng=0)
    assert res.verdict == "refuted" and "orthogonal" in res.counterexample.degenerate
    (generic,) = [c for c in res.checks if not c.counts and "generic starts" in c.detail]
    assert generic.outcome == "pass" and generic.data["fails"] == 0 and generic.data["holds"] > 0


class _Table:
    exact = True

    def __init__(self, **values: object) -> None:
        self.values = {sp.Symbol(k): sp.sympify(v) for k, v in values.items()}

    def value(self, obj, point):
        return self.values[obj]

    def sequence(self, obj, point):
        raise KeyError(obj)

    def forall(self, sym):
        raise KeyError(sym)


def test_margin_is_zero_exactly_at_equality_and_relative_otherwise() -> None:
    x, y = sp.symbols("x y")
    assert margin(Holds(x > y), _Table(x=1, y=1), {}).value == 0
    m = margin(Holds(x > y), _Table(x=1, y=2), {})
    assert m.value == pytest.approx(0.5) and m.gap == -1
