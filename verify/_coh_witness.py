"""Witness families drawn from a claim's declared witness space (:class:`derivations.coherence.Witnesses`).

Random families of each declared kind, the declared extremal families (all integer, so a
counterexample among them is confirmed exactly), and the Hypothesis strategy over small integer
families that the property search shrinks.  Which sizes, kinds, batch sizes, ``rho/alpha`` values
and starts appear is the claim's data; this module only builds them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from derivations.coherence import Witnesses

from ._coh_families import identical_family, orthogonal_rank_one_family, phase_family, random_family
from ._coh_model import FamilyWitness

__all__ = ["random_witnesses", "extremal_witnesses", "integer_strategy", "batch_sizes", "with_settings"]


def batch_sizes(spec: Witnesses, n: int) -> list[int | None]:
    """The batch sizes the space allows for ``n`` samples (``[None]`` when it has none)."""
    if spec.batch_sizes == "none":
        return [None]
    return list(range(1, n if spec.batch_sizes == "proper" else n + 1))


def _starts(spec: Witnesses, H: np.ndarray) -> list[str]:
    diag = bool(np.count_nonzero(H * (1 - np.eye(H.shape[-1]))) == 0)
    out = ["generic"] if "generic" in spec.starts else []
    if "basis" in spec.starts and diag:
        out += [f"e{j}" for j in range(H.shape[-1])]
    return out or ["generic"]


def with_settings(spec: Witnesses, H: np.ndarray, batch: str | None, B: int | None, c: sp.Expr, origin: str) -> list[FamilyWitness]:
    """One witness per start the space allows for this family."""
    return [FamilyWitness(H, batch if B is not None else None, B, c, s0, spec.s, origin) for s0 in _starts(spec, H)]


def _random_family(rng: np.random.Generator, kind: str, n: int, d: int, rank_one: bool) -> np.ndarray:
    if kind == "diagonal":
        # positive diagonals with zeros: modes that some samples do not touch, as in Figure 1's family
        D = rng.exponential(1.0, size=(n, d)) * (rng.random((n, d)) < 0.7)
        D[np.arange(n), rng.integers(0, d, size=n)] += 0.5  # no zero matrix
        return np.einsum("ni,ij->nij", D, np.eye(d))
    return random_family(rng, n=n, d=d, kind=kind, rank=1 if rank_one else int(rng.integers(1, d + 1)))


def random_witnesses(spec: Witnesses, rng: np.random.Generator, *, count: int, batch: str | None) -> Iterator[FamilyWitness]:
    """``count`` random families (kinds in turn), each with a random batch size, ``c`` in turn and its starts."""
    for i in range(count if spec.random else 0):
        kind = spec.random[i % len(spec.random)]
        n = int(rng.integers(spec.n[0], spec.n[1] + 1))
        if spec.batch_sizes == "proper":
            n = max(n, 2)
        d = int(rng.integers(spec.d[0], spec.d[1] + 1))
        H = _random_family(rng, "gaussian" if kind == "sparse" and spec.rank_one else kind, n, d, spec.rank_one)
        Bs = batch_sizes(spec, n)
        B = Bs[int(rng.integers(0, len(Bs)))]
        yield from with_settings(spec, H, batch, B, spec.c[i % len(spec.c)], f"random {kind}")


def _extremal(kind: str, n: int) -> list[np.ndarray]:
    if kind == "orthogonal_rank_one":
        return [orthogonal_rank_one_family(n)]
    if kind == "identical":
        return [identical_family(n, np.diag([2.0, 0.0])), identical_family(n, np.diag([2.0, 1.0]))]
    if kind == "phase_sigma2":
        return [phase_family(n, 2)] if n >= 2 else []
    # diagonal pairs: two samples on two orthogonal directions with unequal curvature
    return [np.array([[[a, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, b]]]) for a, b in ((4.0, 3.0), (3.0, 1.0), (2.0, 2.0))] if n == 2 else []


def extremal_witnesses(spec: Witnesses, *, batch: str | None, full: bool) -> list[FamilyWitness]:
    """Every declared extremal family for each ``n`` of the space, each batch size and ``c`` (integers: exact)."""
    out: list[FamilyWitness] = []
    for kind in spec.extremal:
        for n in range(spec.extremal_n[0], spec.extremal_n[1] + 1):
            for H in _extremal(kind, n):
                if spec.rank_one and np.any(np.linalg.matrix_rank(H) > 1):
                    continue
                for B in batch_sizes(spec, n):
                    for c in (spec.c if full else spec.c[:1]):
                        out += with_settings(spec, H, batch, B, c, f"extremal {kind}")
    return out


def integer_strategy(spec: Witnesses, *, batch: str | None) -> st.SearchStrategy:
    """Small integer families ``H_i = A_i A_i^T`` (entries of ``A_i`` in ``[-e, e]``) with batch size, ``c`` and start."""
    max_n, max_d, e = spec.integer
    lo_n = 2 if spec.batch_sizes == "proper" else 1

    def family(nd: tuple[int, int]) -> st.SearchStrategy:
        n, d = nd
        r = 1 if spec.rank_one else d
        return st.lists(st.integers(-e, e), min_size=n * d * r, max_size=n * d * r).map(
            lambda a: np.einsum("nij,nkj->nik", np.array(a, float).reshape(n, d, r), np.array(a, float).reshape(n, d, r)))

    def settings(H: np.ndarray) -> st.SearchStrategy:
        return st.tuples(st.sampled_from(batch_sizes(spec, H.shape[0])), st.sampled_from(spec.c),
                         st.sampled_from(_starts(spec, H))).map(
            lambda t: FamilyWitness(H, batch if t[0] is not None else None, t[0], t[1], t[2], spec.s, "integer (Hypothesis)"))

    # A zero family has no coherence (sigma divides by max_i lambda_max(H_i)): outside every claim's domain.
    fams = st.tuples(st.integers(lo_n, max_n), st.integers(1, max_d)).flatmap(family).filter(lambda H: bool(np.any(H)))
    return fams.flatmap(settings)
