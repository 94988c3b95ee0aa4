"""Coherence of Hessian families, symbolically: S, sigma, and the proof steps of docs/catalogue.md.

Pure SymPy.  Dexter et al. (2024) define ``S_ij = ||H_i^{1/2} H_j^{1/2}||_F`` and
``sigma = lambda_max(S) / max_i lambda_max(H_i)``.  This module derives, from definitions:

* :func:`frobenius_identity` — ``||A^{1/2} B^{1/2}||_F^2`` and ``Tr(AB)`` for 2x2 PSD matrices in
  spectral form ``A = diag(a1, a2)``, ``B = R(phi) diag(b1, b2) R(phi)^T`` (square roots explicit);
* :func:`symbolic_coherence` — exact ``S`` and ``sigma`` of a small family of exact matrices;
* :func:`sam_base_case` — ``E[J^T J]`` for ``J = I - eta H_t (I + (rho/alpha) H)`` by expanding
  with non-commutative matrix symbols and applying the expectation (linear, ``E[H_t] = H``);
* :func:`batch_mean_expectation` — ``E[H_B]`` under each batch model from its inclusion law;
* :func:`cr_trace_derivation` — ``Tr H_i`` of the ``(C, r)`` two-layer ReLU solution from the
  network's gradient, and its minimiser over ``r``.

It also defines :class:`Witnesses`, the data a search claim declares about where its checks look
for a point at which the statement fails (families, batch sizes, step sizes, starts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sympy as sp

__all__ = [
    "rotation",
    "psd_2x2",
    "frobenius_identity",
    "symbolic_coherence",
    "SymbolicCoherence",
    "sam_base_case",
    "BASE_CASE_WORDS",
    "word_coefficients",
    "batch_mean_expectation",
    "cr_network_gradient",
    "cr_trace_derivation",
    "a1", "a2", "b1", "b2", "theta", "phi", "r", "d", "C",
    "Hm", "Ht", "Ht2",
    "Witnesses",
]

a1, a2, b1, b2 = sp.symbols("a_1 a_2 b_1 b_2", nonnegative=True)
theta, phi = sp.symbols("theta phi", real=True)
#: The (C, r) solution's activation scale and the input dimension.
r = sp.Symbol("r", positive=True)
d = sp.Symbol("d", positive=True, integer=True)
C = sp.Symbol("C", positive=True, integer=True)
#: Non-commutative stand-ins for the full-batch Hessian H, the batch Hessian H_t and E[H_t^2].
Hm = sp.Symbol("H", commutative=False)
Ht = sp.Symbol("H_t", commutative=False)
Ht2 = sp.Symbol("E[H_t^2]", commutative=False)


def rotation(angle: sp.Expr) -> sp.Matrix:
    """The 2x2 rotation matrix ``R(angle)``."""
    return sp.Matrix([[sp.cos(angle), -sp.sin(angle)], [sp.sin(angle), sp.cos(angle)]])


def psd_2x2(e1: sp.Expr, e2: sp.Expr, angle: sp.Expr, *, power: sp.Expr = 1) -> sp.Matrix:
    """``R diag(e1^p, e2^p) R^T``: a 2x2 PSD matrix (``p = 1``) or its square root (``p = 1/2``)."""
    R = rotation(angle)
    return R * sp.diag(e1**power, e2**power) * R.T


def frobenius_identity() -> dict[str, sp.Expr]:
    """``||A^{1/2} B^{1/2}||_F^2``, ``Tr(AB)`` and ``Tr(BA)`` for 2x2 PSD ``A, B`` in spectral form.

    Every 2x2 PSD matrix is ``R(theta) diag(a1, a2) R(theta)^T`` with ``a1, a2 >= 0``; its PSD square
    root takes the square roots of the eigenvalues.  ``Tr(AB)`` is returned as the sum
    ``Σ_jk a_j b_k <q_j, p_k>^2`` of non-negative terms (eigenvectors ``q_j`` of ``A``, ``p_k`` of ``B``).
    """
    half = sp.Rational(1, 2)
    # Both sides are invariant under H -> Q H Q^T applied to A and B together, so A is taken
    # diagonal (theta = 0) without loss of generality: one angle instead of two.
    X = psd_2x2(a1, a2, 0, power=half) * psd_2x2(b1, b2, phi, power=half)
    frob2 = sp.expand(sum(X[i, j] ** 2 for i in range(2) for j in range(2)))
    A, Bm = psd_2x2(a1, a2, 0), psd_2x2(b1, b2, phi)
    Q, P = rotation(0), rotation(phi)
    overlap = Q.T * P  # <q_j, p_k>
    tr_sum = sum(ev_a * ev_b * overlap[j, k] ** 2 for j, ev_a in enumerate((a1, a2)) for k, ev_b in enumerate((b1, b2)))
    return {
        "frobenius_squared": frob2,
        "trace_AB": sp.expand((A * Bm).trace()),
        "trace_BA": sp.expand((Bm * A).trace()),
        "trace_AB_sum_of_squares": tr_sum,
    }


@dataclass(frozen=True)
class SymbolicCoherence:
    """Exact ``S``, its eigenvalues, ``max_i lambda_max(H_i)`` and ``sigma`` of a small exact family."""

    S: sp.Matrix
    lambda_max_S: sp.Expr
    max_lambda_i: sp.Expr
    sigma: sp.Expr


def _lambda_max(M: sp.Matrix) -> sp.Expr:
    ev = list(M.eigenvals())
    return sp.Max(*[sp.re(sp.nsimplify(e)) for e in ev]) if len(ev) > 1 else sp.nsimplify(ev[0])


def symbolic_coherence(H: list[sp.Matrix]) -> SymbolicCoherence:
    """Exact ``S_ij = sqrt(Tr(H_i H_j))`` and ``sigma`` of a family of exact symmetric matrices (small ``n``, ``d``)."""
    Hs = [sp.Matrix(h).applyfunc(sp.nsimplify) for h in H]
    if not Hs:
        raise ValueError("H=[] must hold at least one matrix")
    n = len(Hs)
    S = sp.Matrix(n, n, lambda i, j: sp.sqrt((Hs[i] * Hs[j]).trace()))
    lS = sp.simplify(_lambda_max(S))
    li = sp.simplify(sp.Max(*[_lambda_max(h) for h in Hs]))
    return SymbolicCoherence(S, lS, li, sp.simplify(lS / li))


def _expectation(expr: sp.Expr) -> sp.Expr:
    """``E[.]`` on a polynomial in ``H_t``: linear; ``E[H_t] = H``; ``E[H_t^2]`` kept as its own symbol.

    Each monomial of the expansion has at most one factor ``H_t`` or one ``H_t**2`` (checked), so
    linearity and the two moments determine the expectation.
    """
    out = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(expr)):
        c, nc = term.args_cnc()
        factors: list[sp.Expr] = []
        count = 0
        for f in nc:
            base, e = f.as_base_exp()
            if base == Ht:
                count += int(e)
                factors.append(Hm if e == 1 else Ht2 if e == 2 else f)
            else:
                factors.append(f)
        if count > 2 or (count == 2 and Ht2 not in factors):
            raise ValueError(f"term {term} needs a moment of H_t beyond E[H_t^2]")
        out += sp.Mul(*c) * sp.Mul(*factors)
    return out


@lru_cache(maxsize=None)
def sam_base_case(eta: sp.Symbol, rho: sp.Symbol, alpha: sp.Symbol) -> tuple[tuple[str, sp.Expr], ...]:
    """``E[J^T J]`` for ``J = I - eta H_t (I + (rho/alpha) H)`` (symmetric ``H_t``, ``H``), derived step by step.

    ``J^T = I - eta (I + c H) H_t`` because ``H`` and ``H_t`` are symmetric; the product is expanded
    with non-commutative symbols and :func:`_expectation` applied.  Returns ``(label, expr)`` steps,
    the last being ``E[J^T J]``.
    """
    c = rho / alpha
    J = 1 - eta * Ht * (1 + c * Hm)
    JT = 1 - eta * (1 + c * Hm) * Ht
    prod = sp.expand(JT * J)
    return (("J", J), ("J^T", JT), ("J^T J expanded", prod), ("E[J^T J]", sp.expand(_expectation(prod))))


#: The words of the printed base case, E[J^T J] = Σ_w c_w w, as (name, non-commutative word).
BASE_CASE_WORDS: tuple[tuple[str, sp.Expr], ...] = (
    ("I", sp.S.One), ("H", Hm), ("H2", Hm**2), ("EHt2", Ht2), ("EHt2_H", Ht2 * Hm), ("H_EHt2", Hm * Ht2),
    ("H_EHt2_H", Hm * Ht2 * Hm),
)


def word_coefficients(expr: sp.Expr) -> dict[sp.Expr, sp.Expr]:
    """The scalar coefficient of each non-commutative word of an expanded polynomial (``{word: coeff}``).

    Two non-commutative polynomials are equal iff every word has the same coefficient.
    """
    out: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(expr)):
        c, nc = term.args_cnc()
        word = sp.Mul(*nc) if nc else sp.S.One
        out[word] = sp.expand(out.get(word, sp.S.Zero) + sp.Mul(*c))
    return {w: c for w, c in out.items() if c != 0}


def batch_mean_expectation(model: str, *, n: sp.Expr, B: sp.Expr) -> sp.Expr:
    """The coefficient ``E[w_i]`` of each ``H_i`` in ``E[H_B] = Σ_i E[w_i] H_i`` under a batch model.

    bernoulli: ``w_i = 1[i kept]/B`` with ``P(kept) = B/n``; with_replacement: ``w_i = (# of the B
    draws equal to i)/B``, mean ``B (1/n) / B``; without_replacement: ``w_i = 1[i in subset]/B`` with
    ``P = C(n-1, B-1)/C(n, B) = B/n``.  All equal ``1/n``, so ``E[H_B] = H``.
    """
    if model == "bernoulli":
        return sp.simplify((B / n) / B)
    if model == "with_replacement":
        return sp.simplify(B * (1 / n) / B)
    if model == "without_replacement":
        return sp.simplify(sp.binomial(n - 1, B - 1) / sp.binomial(n, B) / B)
    raise ValueError(f"model={model!r} must be one of 'bernoulli', 'with_replacement', 'without_replacement'")


def cr_network_gradient(k_active: int = 1) -> dict[str, sp.Expr]:
    """The squared gradient norm ``||grad_theta f(x)||^2`` of ``f(x) = W2 ReLU(W1 x + b)`` at one input.

    ``d f / d W2_k = ReLU(a_k)``, ``d f / d W1_kj = W2_k 1[a_k > 0] x_j``, ``d f / d b_k = W2_k 1[a_k > 0]``,
    so ``||grad f||^2 = Σ_k ReLU(a_k)^2 + W2_k^2 1[a_k > 0] (||x||^2 + 1)``.  For ``x in {±1}^d``,
    ``||x||^2 = Σ_j x_j^2 = d``.  The (C, r) solution activates exactly one unit per input, with
    pre-activation ``r`` and output weight ``y / r`` (``y = ±1``), so that ``f(x) = y``.
    """
    j = sp.Symbol("j", integer=True, positive=True)
    y = sp.Symbol("y", real=True)
    norm_x2 = sp.Sum(1, (j, 1, d)).doit()  # x_j^2 = 1 on {±1}^d
    a, w2 = r, y / r
    grad2 = k_active * (a**2 + w2**2 * (norm_x2 + 1))
    return {"norm_x_squared": norm_x2, "output": sp.simplify(w2 * a), "grad_norm_squared": grad2, "label": y}


@lru_cache(maxsize=None)
def cr_trace_derivation() -> tuple[tuple[str, sp.Expr], ...]:
    """``Tr H_i`` of the (C, r) solution, its minimiser ``r*`` and minimum, derived from the network.

    ``H_i = grad f(x_i) grad f(x_i)^T`` (Gauss–Newton at an interpolating MSE solution), so
    ``Tr H_i = ||grad f(x_i)||^2`` with ``y^2 = 1``.
    """
    g = cr_network_gradient()
    y = g["label"]
    tr = sp.simplify(g["grad_norm_squared"].subs(y**2, 1).subs(y, 1))
    crit = [s for s in sp.solve(sp.diff(tr, r), r) if s.is_positive]
    if len(crit) != 1:
        raise RuntimeError(f"expected one positive critical point of Tr H_i, got {crit}")
    rs = sp.simplify(crit[0])
    second = sp.simplify(sp.diff(tr, r, 2).subs(r, rs))
    return (
        ("||x||^2 on {±1}^d", g["norm_x_squared"]),
        ("f(x_i) (interpolates y)", g["output"]),
        ("Tr H_i = ||grad f(x_i)||^2", tr),
        ("critical point r*", rs),
        ("d^2/dr^2 Tr H_i at r* (> 0: minimum)", second),
        ("Tr H_i at r*", sp.simplify(tr.subs(r, rs))),
    )


# --------------------------------------------------------------------------------------------------
# Witness spaces: data declared with a claim (consumed by verify's generic search)
# --------------------------------------------------------------------------------------------------

#: Random family kinds a witness space may draw (``H_i = A_i A_i^T``; ``diagonal`` draws diagonal H_i).
FAMILY_KINDS = ("gaussian", "coherent", "sparse", "diagonal")
#: Extremal families: least coherent, most coherent, Figure 1's family at sigma = 2, diagonal pairs.
EXTREMAL_KINDS = ("orthogonal_rank_one", "identical", "phase_sigma2", "diagonal_pairs")
#: Where a witness's start w_0 comes from: a generic (random) start, or each basis vector e_j.
START_KINDS = ("generic", "basis")


@dataclass(frozen=True)
class Witnesses:
    """The witness space of a claim about a family of per-sample Hessians (docs/catalogue.md).

    A point of the space is a family ``H_i`` (``n`` matrices ``d x d``), a batch size ``B``, a value
    ``c`` of ``rho/alpha`` (read with ``rho = c``, ``alpha = 1``), a start, and values of the step-size
    coordinates; the checks evaluate the claim's statement there and report any point where it fails.

    ``free`` is a coordinate searched through its critical values: the boundaries of the
    hypothesis' relations solved for it, the model's own critical values (its exact divergence
    threshold, its growth rates) and points between and just beside them.  ``eta`` lists step
    sizes as multiples of the model's exact threshold ``eta*``; ``eta_abs`` absolute step sizes.
    ``forall`` names symbols that range over the eigenvalues of ``H`` inside the hypothesis
    ("for all i").  ``integer = (max_n, max_d, max_entry)`` bounds the exact integer families a
    property search shrinks a counterexample to; ``descent`` the ``(n, d, B)`` sizes of a
    derivative-free descent on the hypothesis' margin.  ``sizes`` and ``examples`` are the numbers of
    random witnesses and of Hypothesis examples at the ``fast`` and ``full`` levels; ``grid`` holds a
    fixed grid instead (Figure 1: ``{"n": 100, "B": (...), "sigma": (...)}``).
    """

    random: tuple[str, ...] = ()
    n: tuple[int, int] = (2, 6)
    d: tuple[int, int] = (1, 3)
    rank_one: bool = False
    extremal: tuple[str, ...] = ()
    extremal_n: tuple[int, int] = (2, 6)
    integer: tuple[int, int, int] | None = None
    batch_sizes: str = "proper"
    c: tuple[sp.Expr, ...] = (sp.S.Zero,)
    free: sp.Symbol | None = None
    eta: tuple[sp.Expr, ...] = ()
    eta_abs: tuple[sp.Expr, ...] = ()
    k: tuple[int, ...] = ()
    starts: tuple[str, ...] = ("generic",)
    s: sp.Expr = sp.Rational(1, 10)
    forall: tuple[sp.Symbol, ...] = ()
    descent: tuple[tuple[int, int, int], ...] = ()
    sizes: tuple[int, int] = (60, 1000)
    examples: tuple[int, int] = (60, 600)
    grid: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        bad = [k for k in self.random if k not in FAMILY_KINDS] + [k for k in self.extremal if k not in EXTREMAL_KINDS]
        if bad:
            raise ValueError(f"witness kinds {bad!r} must be among {FAMILY_KINDS + EXTREMAL_KINDS}")
        if self.batch_sizes not in ("proper", "any", "none"):
            raise ValueError(f"batch_sizes={self.batch_sizes!r} must be 'proper' (B < n), 'any' or 'none'")
        if any(s not in START_KINDS for s in self.starts):
            raise ValueError(f"starts={self.starts!r} must be among {START_KINDS}")
        for name, (lo, hi) in (("n", self.n), ("d", self.d), ("extremal_n", self.extremal_n)):
            if not 1 <= lo <= hi:
                raise ValueError(f"{name}={(lo, hi)!r} must be a range 1 <= lo <= hi")
