"""Compiled path kernels (optional extra ``fast``: numba) that draw their normals inside the kernel.

numpy stays the default and the reference: these kernels are tested against it for the same
distribution (not the same stream). Each kernel splits the paths into chunks, one per independent
stream of a xoshiro256** generator seeded from ``numpy.random.SeedSequence.spawn``, so a result
depends on the seed and the chunk count only, never on the number of threads. Normals come from
Marsaglia and Tsang's ziggurat (256 layers), which costs one 64-bit draw per normal almost always.

Kernels:

- :func:`ou_paths`: exact transitions of independent scalar Ornstein–Uhlenbeck components
  ``x' = a x + s z`` (the diagonal linear SDEs of the catalogue);
- :func:`linear_recursion_paths`: the scalar random linear recursion ``x' = (a + b xi) x + c zeta``
  (SGD on a quadratic with Gaussian multiplicative and additive gradient noise).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from derivations._validate import check_finite, check_integer, fail

__all__ = ["available", "ou_paths", "linear_recursion_paths", "N_CHUNKS"]

N_CHUNKS = 256  # independent streams per call: enough to keep every core busy, fixed so results are reproducible


def available() -> bool:
    """Whether numba is installed (the extra ``fast``)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def _ziggurat_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Marsaglia–Tsang ziggurat tables for the standard normal with 256 layers (k, w, f)."""
    n, r = 256, 3.6541528853610088
    v = 0.00492867323399
    dn = tn = r
    q = v / math.exp(-0.5 * dn * dn)
    kn = np.zeros(n, dtype=np.uint64)
    wn = np.zeros(n)
    fn = np.zeros(n)
    m = 2.0**63
    kn[0] = np.uint64(int((dn / q) * m))
    kn[1] = 0
    wn[0] = q / m
    wn[n - 1] = dn / m
    fn[0] = 1.0
    fn[n - 1] = math.exp(-0.5 * dn * dn)
    for i in range(n - 2, 0, -1):
        dn = math.sqrt(-2.0 * math.log(v / dn + math.exp(-0.5 * dn * dn)))
        kn[i + 1] = np.uint64(int((dn / tn) * m))
        tn = dn
        fn[i] = math.exp(-0.5 * dn * dn)
        wn[i] = dn / m
    return kn, wn, fn


@lru_cache(maxsize=1)
def _compiled() -> dict[str, Any]:
    import numba as nb
    from numba import njit, prange

    kn, wn, fn = _ziggurat_tables()
    r = 3.6541528853610088

    @njit(inline="always")
    def rotl(x, k):
        return (x << nb.uint64(k)) | (x >> nb.uint64(64 - k))

    @njit(inline="always")
    def next_u64(s):
        result = rotl(s[1] * nb.uint64(5), 7) * nb.uint64(9)
        t = s[1] << nb.uint64(17)
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    @njit(inline="always")
    def uniform(s):
        return (next_u64(s) >> nb.uint64(11)) * (1.0 / 9007199254740992.0)

    @njit
    def normal(s, kn, wn, fn):
        while True:
            u = next_u64(s)
            i = np.int64(u & nb.uint64(255))
            sign = (u >> nb.uint64(8)) & nb.uint64(1)
            hz = np.int64(u >> nb.uint64(9))  # 55 random bits
            ahz = nb.uint64(hz) << nb.uint64(8)  # scale to the 63-bit range of kn
            x = float(hz) * wn[i] * 256.0
            if ahz < kn[i]:
                return -x if sign else x
            if i == 0:
                while True:
                    xx = -math.log(uniform(s) + 1e-300) / r
                    yy = -math.log(uniform(s) + 1e-300)
                    if yy + yy >= xx * xx:
                        break
                x = r + xx
                return -x if sign else x
            if fn[i] + uniform(s) * (fn[i - 1] - fn[i]) < math.exp(-0.5 * x * x):
                return -x if sign else x

    @njit(parallel=True)
    def ou(a, s_, x0, n_steps, n_paths, states, kn, wn, fn):
        d = a.shape[0]
        out = np.empty((n_paths, d))
        n_chunks = states.shape[0]
        per = (n_paths + n_chunks - 1) // n_chunks
        for c in prange(n_chunks):
            st = states[c].copy()
            for p in range(c * per, min(n_paths, (c + 1) * per)):
                for j in range(d):
                    x = x0[j]
                    for _ in range(n_steps):
                        x = a[j] * x + s_[j] * normal(st, kn, wn, fn)
                    out[p, j] = x
        return out

    @njit(parallel=True)
    def recursion(a, b, c_, x0, n_steps, n_paths, states, kn, wn, fn):
        out = np.empty(n_paths)
        n_chunks = states.shape[0]
        per = (n_paths + n_chunks - 1) // n_chunks
        for c in prange(n_chunks):
            st = states[c].copy()
            for p in range(c * per, min(n_paths, (c + 1) * per)):
                x = x0
                for _ in range(n_steps):
                    x = (a + b * normal(st, kn, wn, fn)) * x + c_ * normal(st, kn, wn, fn)
                out[p] = x
        return out

    return {"ou": ou, "recursion": recursion, "tables": (kn, wn, fn)}


def _states(seed: int | np.random.SeedSequence, n_chunks: int) -> np.ndarray:
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    st = np.stack([child.generate_state(4, dtype=np.uint64) for child in ss.spawn(n_chunks)])
    st[np.all(st == 0, axis=1), 0] = 1  # xoshiro's one forbidden state
    return st


def _require() -> dict[str, Any]:
    if not available():
        raise fail("kernel", "numba", "installed for compiled kernels: pip install 'samverify[fast]' (numpy paths "
                   "are the default and need nothing)")
    return _compiled()


def ou_paths(a: Any, s: Any, x0: Any, *, n_steps: int, n_paths: int, seed: int | np.random.SeedSequence) -> np.ndarray:
    """Final states ``(n_paths, d)`` of ``x' = a x + s z`` per component after ``n_steps`` exact steps."""
    a, s, x0 = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (a, s, x0))
    if not (a.shape == s.shape == x0.shape and a.ndim == 1):
        raise fail("a, s, x0", (a.shape, s.shape, x0.shape), "1-D arrays of the same length")
    for name, v in (("a", a), ("s", s), ("x0", x0)):
        for x in v:
            check_finite(name, x)
    check_integer("n_steps", n_steps, minimum=0)
    check_integer("n_paths", n_paths, minimum=1)
    k = _require()
    return k["ou"](a, s, x0, int(n_steps), int(n_paths), _states(seed, N_CHUNKS), *k["tables"])


def linear_recursion_paths(a: float, b: float, c: float, x0: float, *, n_steps: int, n_paths: int,
                           seed: int | np.random.SeedSequence) -> np.ndarray:
    """Final states of ``x' = (a + b xi) x + c zeta`` (``xi``, ``zeta`` independent standard normals)."""
    for name, v in (("a", a), ("b", b), ("c", c), ("x0", x0)):
        check_finite(name, v)
    check_integer("n_steps", n_steps, minimum=0)
    check_integer("n_paths", n_paths, minimum=1)
    k = _require()
    return k["recursion"](float(a), float(b), float(c), float(x0), int(n_steps), int(n_paths), _states(seed, N_CHUNKS),
                          *k["tables"])
