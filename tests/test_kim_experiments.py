"""Tests for verify._kim_experiments: exact Beale Hessian, quadratic-saddle runs vs theory, Beale runs, figures."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from derivations._errors import InvalidParameter
from verify import _kim_experiments as ke
from verify import _kim_plots as kp


def test_the_beale_saddle_hessian_is_exact() -> None:
    h = ke.beale_saddle_hessian()
    assert h.gradient == (0, 0)
    assert h.hessian == sp.Matrix([[0, sp.Rational(111, 4)], [sp.Rational(111, 4), 0]])
    assert h.eigenvalues == (-sp.Rational(111, 4), sp.Rational(111, 4))
    assert h.threshold == sp.Rational(4, 111)
    assert h.discrete_attraction_set == sp.Interval.open(sp.Rational(4, 111), sp.Rational(2559556, 12321))


def test_the_beale_hessian_agrees_with_float_finite_differences() -> None:
    f = sp.lambdify((ke._x, ke._y), ke._beale_expr(), "math")
    e = 1e-4  # second differences of a degree-8 polynomial: error O(e^2) ~ 1e-8 relative
    fxy = (f(e, 1 + e) - f(e, 1 - e) - f(-e, 1 + e) + f(-e, 1 - e)) / (4 * e * e)
    assert fxy == pytest.approx(27.75, rel=1e-6)


def test_the_shifted_gradient_equals_the_original_gradient() -> None:
    g = ke._beale_grad_shifted()
    f = ke._beale_expr()
    rng = np.random.default_rng(3)  # fixed seed: deterministic sample points
    for _ in range(10):
        x, y = rng.uniform(-1, 3, 2)
        ref = [float(sp.diff(f, v).subs({ke._x: sp.Float(x, 30), ke._y: sp.Float(y, 30)})) for v in (ke._x, ke._y)]
        assert g(x, y - 1.0) == pytest.approx(ref, rel=1e-9, abs=1e-9)


@pytest.fixture(scope="module")
def quadratic() -> ke.QuadraticSaddleResults:
    return ke.run_quadratic_saddle()


def test_gd_escapes_the_quadratic_saddle_at_the_derived_rate(quadratic) -> None:
    run = quadratic.runs["gd"]
    assert run.classification == "escaped"
    assert run.final[1] == pytest.approx(-0.01 * 1.02**500, rel=1e-10)
    assert run.final[0] == pytest.approx(-3 * 0.98**500, rel=1e-10)


def test_plain_sam_at_rho_one_half_freezes_the_escape_coordinate(quadratic) -> None:
    run = quadratic.runs["plain"]
    assert quadratic.theory["plain_multipliers"] == (0.96, 1.0)
    assert run.classification == "stalled near saddle"
    assert run.final[1] == -0.01  # mu = 1 exactly: the perturbed point has y_p = 0 in floating point too
    assert run.final[0] == pytest.approx(-3 * 0.96**500, rel=1e-10)


def test_normalised_sam_ends_on_the_derived_axis_two_cycle(quadratic) -> None:
    run = quadratic.runs["normalised"]
    assert run.classification == "oscillating near saddle"
    assert abs(run.final[0]) == pytest.approx(quadratic.theory["normalised_cycle_amplitude"], rel=1e-3)
    assert abs(run.final[1]) < 1e-8
    assert quadratic.theory["normalised_transverse_multiplier"] == pytest.approx(-0.96)


@pytest.fixture(scope="module")
def beale() -> ke.BealeResults:
    # 20k steps (t = 0.25): enough for normalised SAM with rho >= 0.5 to reach the saddle (~2k steps).
    return ke.run_beale(n_steps=20_000, n_saved=500)


def test_plain_sam_diverges_on_beale_from_the_papers_start(beale) -> None:
    for r in (0.1, 0.5, 1.0):
        run = beale.runs[f"plain rho={r:g}"]
        assert run.classification == "diverged"
        assert run.steps_run <= 5


def test_normalised_sam_with_large_rho_oscillates_at_the_beale_saddle(beale) -> None:
    for r in (0.5, 1.0):
        run = beale.runs[f"normalised rho={r:g}"]
        assert run.classification == "oscillating near saddle"
        assert run.distance_to_saddle < 1e-3


def test_gd_and_small_rho_head_for_the_minimum(beale) -> None:
    for key in ("gd", "normalised rho=0.1"):
        run = beale.runs[key]
        assert run.classification == "still moving"
        d = np.hypot(run.path[:, 0] - 3.0, run.path[:, 1] - 0.5)
        assert d[-1] < d[0] - 0.5


def test_the_cosine_after_the_saddle_spans_minus_one_to_one(beale) -> None:
    s = ke.cosine_summary(beale.runs["normalised rho=0.5"])
    assert s.reached_at is not None
    assert s.min < -0.99 and s.max > 0.99
    assert s.sign_changes > 100
    never = ke.cosine_summary(beale.runs["normalised rho=0.1"])
    assert never.reached_at is None and math.isnan(never.mean)


def test_the_simulator_step_agrees_with_the_one_step_definition() -> None:
    from derivations import discrete_sam as ds

    # on a quadratic the simulator's update (gradient lambdified from the loss) is the derived step exactly
    H = sp.diag(-1, 2)
    u = sp.Matrix([sp.Rational(3, 10), sp.Rational(-1, 5)])
    grad = lambda a, b: (-a, 2 * b)  # noqa: E731 - gradient of the quadratic with Hessian H
    for method in ("gd", "plain", "normalised"):
        step = ke._step_factory(grad, method, 0.3, 0.1)
        exact = ds.sam_step(H, u, reading=method).subs({ds.eta: sp.Rational(1, 10), ds.rho: sp.Rational(3, 10)})
        assert step(0.3, -0.2)[:2] == pytest.approx([float(v) for v in exact], rel=1e-13)


def test_classify_labels_synthetic_windows() -> None:
    k = np.arange(400)
    shrinking = np.stack([0.05 * 0.9**k, 0 * k], axis=1).astype(float)
    cycle = np.stack([0.01 * (-1.0) ** k, 0 * k], axis=1)
    growing = np.stack([0 * k, 2 * 1.05**k], axis=1).astype(float)
    frozen = np.stack([0 * k, -0.01 + 0 * k], axis=1).astype(float)
    kw = dict(minimum_disp=None, diverged=False, escape_radius=1.0, near_radius=0.1)
    assert ke.classify(shrinking, **kw)[0] == "attracted to saddle"
    assert ke.classify(cycle, **kw)[0] == "oscillating near saddle"
    assert ke.classify(growing, **kw)[0] == "escaped"
    assert ke.classify(frozen, **kw)[0] == "stalled near saddle"
    assert ke.classify(frozen, **{**kw, "diverged": True})[0] == "diverged"


def test_classify_does_not_decide_from_the_last_iterate() -> None:
    # a bounded oscillation whose last iterate happens to land 100x closer than the window's start: the
    # old last-iterate rule (final < start / 10) called it attracted; the window means do not move
    rng = np.random.default_rng(5)  # fixed seed: a deterministic synthetic window
    amp = rng.uniform(0.5e-4, 3e-4, 400)
    window = np.stack([amp * (-1.0) ** np.arange(400), 0 * amp], axis=1)
    window[0], window[-1] = (3e-4, 0.0), (3e-6, 0.0)
    label, numbers = ke.classify(window, minimum_disp=None, diverged=False, escape_radius=1.0, near_radius=0.05, first_step=600)
    assert label == "oscillating near saddle"
    assert numbers["window"] == "last quarter of the run: 400 iterates, steps 600..999"


def _beale_rho_one(n_steps: int) -> ke.Run:
    grad = ke._beale_grad_shifted()
    return ke._run(grad, method="normalised", rho=1.0, lr=1.25e-5, n_steps=n_steps, start_disp=(1.0, 1.0), saddle=ke.BEALE_SADDLE,
                   minimum=ke.BEALE_MINIMUM, escape_radius=math.inf, near_radius=0.05, blowup=1e6, n_saved=500)


def test_the_beale_rho_one_run_gets_the_same_label_at_two_horizons() -> None:
    # 7000 steps: the old last-iterate classifier said "attracted to saddle" (final distance 6e-6 against
    # 2.5e-4 at the window's start); 20000 steps: "oscillating near saddle". The window statistics agree.
    short, long = _beale_rho_one(7_000), _beale_rho_one(20_000)
    assert short.classification == long.classification == "oscillating near saddle"
    assert len(short.window) == ke.window_length(7_000) and len(long.window) == ke.window_length(20_000)


def test_figures_are_written(tmp_path, quadratic, beale) -> None:
    p1, p2 = tmp_path / "q.png", tmp_path / "b.png"
    kp.plot_quadratic_saddle(quadratic, str(p1))
    kp.plot_beale_trajectories(beale, str(p2))
    assert p1.stat().st_size > 10_000 and p2.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(lambda: ke.run_quadratic_saddle(lr=0), r"lr=0 must be > 0", id="zero-lr"),
        pytest.param(lambda: ke.run_quadratic_saddle(n_steps=0), r"n_steps=0 must be >= 1", id="zero-steps"),
        pytest.param(lambda: ke.run_beale(rhos=(0.1, -1.0), n_steps=1), r"rhos\[1\]=-1.0 must be >= 0", id="negative-rho"),
        pytest.param(lambda: ke.run_beale(readings=("adam",), n_steps=1), r"readings='adam' must be one of", id="bad-reading"),
    ],
)
def test_invalid_inputs_raise_invalid_parameter(call, match: str) -> None:
    with pytest.raises(InvalidParameter, match=match):
        call()


@pytest.mark.slow
def test_gd_reaches_the_beale_minimum_given_enough_steps() -> None:
    res = ke.run_beale(n_steps=2_500_000, rhos=(), readings=())
    run = res.runs["gd"]
    assert run.classification == "converged to minimum"
    assert run.distance_to_minimum < 1e-3
