"""Compiled kernels (numba, extra ``fast``) draw from the same distribution as the numpy reference.

Same distribution, not the same stream: each statistic is compared with its exact value (and the
numpy reference path with its own) by a z-test at a false-failure rate of 1e-6 per comparison
(|z| < 5), with a fixed seed so the test is deterministic.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from verify import _kernels

pytestmark = pytest.mark.skipif(not _kernels.available(), reason="numba (extra 'fast') not installed")
Z = 5.0  # two-sided 5.7e-7 per comparison: a correct kernel essentially never fails


def _z(sample: np.ndarray, exact_mean: float, exact_var: float) -> tuple[float, float]:
    n = sample.size
    zm = (sample.mean() - exact_mean) / np.sqrt(exact_var / n)
    m4 = np.mean((sample - sample.mean()) ** 4)
    zv = (sample.var(ddof=1) - exact_var) / np.sqrt(max(m4 - exact_var**2, 1e-300) / n)
    return float(zm), float(zv)


def test_the_in_kernel_normals_are_standard_normal():
    x = _kernels.ou_paths([0.0], [1.0], [0.0], n_steps=1, n_paths=400_000, seed=11)[:, 0]
    zm, zv = _z(x, 0.0, 1.0)
    assert abs(zm) < Z and abs(zv) < Z
    assert stats.kstest(x, "norm").pvalue > 1e-6
    tail = np.mean(np.abs(x) > 3)  # the ziggurat's base strip: tails must be right too
    assert abs(tail - 2 * stats.norm.sf(3)) < Z * np.sqrt(2 * stats.norm.sf(3) / x.size)


def test_ou_paths_match_the_exact_law_and_the_numpy_reference():
    a, s, x0, k, n = np.array([0.9, -0.5]), np.array([0.1, 0.3]), np.array([1.0, 2.0]), 40, 200_000
    out = _kernels.ou_paths(a, s, x0, n_steps=k, n_paths=n, seed=12)
    rng = np.random.default_rng(12)
    ref = np.tile(x0, (n, 1))
    for _ in range(k):
        ref = a * ref + s * rng.standard_normal((n, 2))
    for j in range(2):
        mean = a[j] ** k * x0[j]
        var = s[j] ** 2 * (1 - a[j] ** (2 * k)) / (1 - a[j] ** 2)
        for sample in (out[:, j], ref[:, j]):
            zm, zv = _z(sample, mean, var)
            assert abs(zm) < Z and abs(zv) < Z, (j, zm, zv)


def test_the_random_linear_recursion_has_the_exact_second_moment():
    a, b, c, x0, k = 0.9, 0.1, 0.1, 1.0, 60
    x = _kernels.linear_recursion_paths(a, b, c, x0, n_steps=k, n_paths=200_000, seed=13)
    q = a * a + b * b  # E(a + b xi)^2
    m2 = q**k * x0**2 + c * c * (1 - q**k) / (1 - q)
    se = np.sqrt(np.var(x**2) / x.size)
    assert abs((x**2).mean() - m2) < Z * se


def test_a_seed_gives_the_same_paths_whatever_the_thread_count():
    import numba

    first = _kernels.ou_paths([0.5], [1.0], [0.0], n_steps=5, n_paths=1000, seed=3)
    numba.set_num_threads(1)
    try:
        again = _kernels.ou_paths([0.5], [1.0], [0.0], n_steps=5, n_paths=1000, seed=3)
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    assert np.array_equal(first, again)


def test_bad_arguments_name_themselves():
    from derivations import InvalidParameter

    with pytest.raises(InvalidParameter, match="n_paths=0"):
        _kernels.ou_paths([0.5], [1.0], [0.0], n_steps=5, n_paths=0, seed=0)
    with pytest.raises(InvalidParameter, match="a, s, x0"):
        _kernels.ou_paths([0.5, 1], [1.0], [0.0], n_steps=5, n_paths=3, seed=0)
