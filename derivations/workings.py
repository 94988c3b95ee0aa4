"""The catalogue papers' workings, step by step, as the papers print or clearly imply them.

Registered under the entry-point group ``samverify.workings`` (``papers``). Printed formulas are
taken from the paper modules, never retyped where a module has them: Theorem 2's variance from
:mod:`derivations.kim2023`, Corollary 1's printed expansion from its claim, the printed base case of
Chang & Khanna from :mod:`derivations.coherence_claims`, the reading's derived variance from
:mod:`derivations.sam_sde`. Which line fails is left to the checker (``samverify derivation ID``).

* ``kim2023.working.cor1``: Theorem 2's printed variance for SGD and SAM, their difference, its
  expansion in ``t`` to ``O(t^3)``, and Corollary 1's printed ``2 eta t^2 |lambda_j|^3 rho / B``.
* ``kim2023.working.cor1_plain``: the same difference for the plain reading's derived variance.
* ``chang2025.working.base_case`` / ``base_case_literal``: ``E[J_1^T J_1]`` for
  ``J = I - eta H_t (I + (rho/alpha) H)`` as intended, and with the summary's ``(I + rho/alpha) H``
  read literally; matrices are non-commutative symbols, compared word by word.
* ``dexter2024.working.coherence_identity``: ``||A^{1/2} B^{1/2}||_F^2`` to ``Tr(A B)`` by the
  definition of the Frobenius norm, the transpose of a product and the cyclicity of the trace, on
  2x2 PSD matrices in spectral form (``A`` diagonal without loss of generality).
"""

from __future__ import annotations

import sympy as sp

from ._claim import Parameter, Source
from ._working import Justification, Working, WorkingLine

__all__ = ["workings", "expectation", "transpose_symmetric"]


# -- Kim et al., Corollary 1 ---------------------------------------------------------------------------
def _kim_parts() -> dict[str, object]:
    from . import kim2023  # noqa: PLC0415 - read-only: the paper module is the source of the printed formulas

    (cor1,) = [c for c in kim2023.claims() if c.id == "kim2023.cor1"]
    return {"module": kim2023, "cor1": cor1}


def _kim_common() -> tuple[tuple[Parameter, ...], sp.Basic, tuple[sp.Symbol, sp.Symbol], object]:
    from . import kim2023  # noqa: PLC0415
    from ._symbols import lambda_j, rho, t  # noqa: PLC0415
    from . import Scaling  # noqa: PLC0415

    d_sgd, d_sam = sp.Symbol("Delta_SGD", real=True), sp.Symbol("Delta_SAM", real=True)
    params = tuple(p for p in kim2023.SDE_PARAMS) + (
        Parameter(d_sgd, sp.Reals, "SGD's variance along direction j (Theorem 2 at rho = 0)"),
        Parameter(d_sam, sp.Reals, "SAM's variance along direction j"),
    )
    # Corollary 1 is stated along an escape direction, where 1 + rho lambda_j != 0 keeps Theorem 2 finite
    where = sp.And(lambda_j < 0, sp.Ne(1 + rho * lambda_j, 0))
    # time units: t -> c t, rates lambda_j -> lambda_j / c, radius rho -> c rho (rho lambda_j is a
    # number); eta |lambda_j| is a diffusion rate, so eta itself is unchanged
    scaling = Scaling({t: 1, lambda_j: -1, rho: 1}, name="time units")
    return params, where, (d_sgd, d_sam), scaling


def _kim_cor1() -> Working:
    from ._symbols import B, eta, lambda_j, rho, t  # noqa: PLC0415

    parts = _kim_parts()
    printed_variance = parts["module"].printed_variance
    cor1 = parts["cor1"].statement
    params, where, (d_sgd, d_sam), scaling = _kim_common()
    lam = lambda_j
    lines = (
        WorkingLine(d_sgd - d_sam),
        WorkingLine(printed_variance(t, 0) - printed_variance(t, rho), "=",
                    Justification("substitute", "Theorem 2 as printed, at rho = 0 and at rho",
                                  ((d_sgd, printed_variance(t, 0)), (d_sam, printed_variance(t, rho))))),
        # 1 - exp(-2 a t) = 2 a t - 2 a^2 t^2 + O(t^3) with a = lambda_j (1 + rho lambda_j)^2, per variance
        WorkingLine(eta * sp.Abs(lam) * lam * ((1 + rho * lam) ** 2 - 1) * t**2 / B, "≈",
                    Justification("series", "expand both exponentials in t to second order"), order=t**3),
        WorkingLine(cor1.leading, "=", Justification("note", "Corollary 1 as printed"), order=cor1.remainder),
    )
    return Working(
        id="kim2023.working.cor1",
        title="Corollary 1 from Theorem 2's printed variance: difference, expansion in t, printed result",
        lines=lines, parameters=params, where=where, variable=t, scaling=(scaling,),
        source=Source("Stability Analysis of Sharpness-Aware Minimization (Kim, Park, Choi, Lee)", "2301.06308",
                      "Corollary 1 (from Theorem 2)"),
        notes=("|lambda_j| t << 1 is read as t -> 0 with lambda_j, rho, eta, B fixed (as for the claim kim2023.cor1).",),
    )


def _kim_cor1_plain() -> Working:
    from ._symbols import rho, t  # noqa: PLC0415
    from .sam_sde import variance_derivation  # noqa: PLC0415

    cor1 = _kim_parts()["cor1"].statement
    params, where, (d_sgd, d_sam), scaling = _kim_common()
    (var,) = variance_derivation("plain").bindings.values()  # Lambda((t, rho), sigma^2), derived from the update

    lines = (
        WorkingLine(d_sgd - d_sam),
        WorkingLine(var(t, 0) - var(t, rho), "=",
                    Justification("substitute", "the plain reading's variance, derived from the SAM update",
                                  ((d_sgd, var(t, 0)), (d_sam, var(t, rho))))),
        WorkingLine(cor1.leading, "≈", Justification("note", "Corollary 1 as printed"), order=cor1.remainder),
    )
    return Working(
        id="kim2023.working.cor1_plain",
        title="Corollary 1 under the plain reading (drift lambda_j (1 + rho lambda_j), diffusion eta |lambda_j| / B)",
        lines=lines, parameters=params, where=where, variable=t, scaling=(scaling,),
        source=Source("Stability Analysis of Sharpness-Aware Minimization (Kim, Park, Choi, Lee)", "2301.06308",
                      "Corollary 1 (plain SAM reading)"),
        notes=("The variance is the plain reading's solution of the moment ODE (derivations.sam_sde), not a typed formula.",),
    )


# -- Chang & Khanna, SAM base case ----------------------------------------------------------------------
def transpose_symmetric(expr: sp.Expr) -> sp.Expr:
    """``expr^T`` for a polynomial in symmetric non-commutative matrices: every word reversed."""
    out = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(expr)):
        c, nc = term.args_cnc()
        out += sp.Mul(*c) * sp.Mul(*reversed(nc))
    return out


def expectation(expr: sp.Expr) -> sp.Expr:
    """``E[.]`` over the batch on a polynomial in ``H_t``: linear, ``E[H_t] = H``, ``E[H_t^2]`` its own symbol.

    ``H`` is deterministic; a word with more than one ``H_t`` apart from an adjacent square needs a
    higher moment than the working declares and is refused (``ValueError``).
    """
    from .coherence import Hm, Ht, Ht2  # noqa: PLC0415

    out = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(expr)):
        c, nc = term.args_cnc()
        factors, count = [], 0
        for f in nc:
            base, e = f.as_base_exp()
            if base == Ht:
                count += int(e)
                if e not in (1, 2):
                    raise ValueError(f"E[{term}] needs E[H_t^{e}], which the working does not declare")
                factors.append(Hm if e == 1 else Ht2)
            else:
                factors.append(f)
        if count > 2 or (count == 2 and Ht2 not in factors):
            raise ValueError(f"E[{term}] needs a joint moment of H_t beyond E[H_t^2]")
        out += sp.Mul(*c) * sp.Mul(*factors)
    return out


def _chang_base_case(literal: bool) -> Working:
    from ._symbols import alpha, eta, rho  # noqa: PLC0415
    from . import Scaling  # noqa: PLC0415
    from .coherence import Hm, Ht, Ht2  # noqa: PLC0415
    from .coherence_claims import CHANG, P_ALPHA, P_ETA, P_RHO, printed_base_case  # noqa: PLC0415

    E, T = sp.Function("E"), sp.Function("T")
    c = rho / alpha
    # DEVIATION (literal only): the summary prints H_t(I + rho/alpha)H, i.e. (1 + rho/alpha) H_t H
    J = 1 - eta * Ht * (1 + c) * Hm if literal else 1 - eta * Ht * (1 + c * Hm)
    expanded_inside = (1 - 2 * eta * Ht - eta * c * (Ht * Hm + Hm * Ht) + eta**2 * Ht**2
                       + eta**2 * c * (Ht**2 * Hm + Hm * Ht**2) + eta**2 * c**2 * Hm * Ht**2 * Hm)
    lines = (
        WorkingLine(E(T(J) * J)),
        WorkingLine(E(expanded_inside), "=", Justification("expand", "H, H_t symmetric")),
        WorkingLine(printed_base_case(), "=", Justification("expectation", "E[H_t] = H, E[H_t^2] kept")),
    )
    # units of the loss: Hessians -> c H, E[H_t^2] -> c^2, eta -> eta / c, rho / alpha -> (rho / alpha) / c
    scaling = Scaling({Hm: 1, Ht: 1, Ht2: 2, eta: -1, rho: -1}, name="loss units")
    which = "the summary's (I + rho/alpha) H read literally" if literal else "J = I - eta H_t (I + (rho/alpha) H) as intended"
    return Working(
        id="chang2025.working.base_case_literal" if literal else "chang2025.working.base_case",
        title=f"Proof of Theorem 3.2, base case: E[J_1^T J_1] ({which})",
        lines=lines, parameters=(P_ETA, P_RHO, P_ALPHA), scaling=(scaling,),
        operators=((E, expectation), (T, transpose_symmetric)), latex_names=((Ht2, r"\mathbb{E}\left[H_{t}^{2}\right]"),),
        source=Source(CHANG[0], CHANG[1], "Proof of Theorem 3.2, base case (before eq. 46)"),
        notes=("H and H_t are symmetric non-commutative symbols; E[H_t] = H holds for every batch model "
               "(derivations.coherence.batch_mean_expectation).",),
    )


# -- Dexter et al., the coherence identity ----------------------------------------------------------------
def _dexter_identity() -> Working:
    from .coherence import a1, a2, b1, b2, phi, psd_2x2  # noqa: PLC0415
    from .coherence_claims import DEXTER  # noqa: PLC0415
    from . import Scaling  # noqa: PLC0415

    Ah, Bh = sp.Symbol("A^{1/2}", commutative=False), sp.Symbol("B^{1/2}", commutative=False)
    A, Bm = sp.Symbol("A", commutative=False), sp.Symbol("B", commutative=False)
    frob2, tr, T = sp.Function("frob2"), sp.Function("tr"), sp.Function("T")
    half = sp.Rational(1, 2)
    # Every 2x2 PSD matrix is R diag(e1, e2) R^T; both sides are invariant under a common rotation,
    # so A is diagonal without loss of generality (one angle phi instead of two).
    mats = ((Ah, psd_2x2(a1, a2, 0, power=half)), (A, psd_2x2(a1, a2, 0)),
            (Bh, psd_2x2(b1, b2, phi, power=half)), (Bm, psd_2x2(b1, b2, phi)))
    ops = ((frob2, lambda X: sum(X[i, j] ** 2 for i in range(X.rows) for j in range(X.cols))),
           (tr, lambda X: X.trace()), (T, lambda X: X.T))
    lines = (
        WorkingLine(frob2(Ah * Bh)),
        WorkingLine(tr(T(Ah * Bh) * Ah * Bh), "=", Justification("definition", "||X||_F^2 = Tr(X^T X)")),
        WorkingLine(tr(Bh * Ah * Ah * Bh), "=", Justification("transpose", "(XY)^T = Y^T X^T, square roots symmetric")),
        WorkingLine(tr(Bh * A * Bh), "=", Justification("simplify", "A^{1/2} A^{1/2} = A")),
        WorkingLine(tr(A * Bh * Bh), "=", Justification("cyclicity", "Tr(XY) = Tr(YX)")),
        WorkingLine(tr(A * Bm), "=", Justification("simplify", "B^{1/2} B^{1/2} = B")),
        WorkingLine(tr(Bm * A), "=", Justification("cyclicity", "so S is symmetric")),
    )
    params = (Parameter(a1, sp.Interval(0, sp.oo), "eigenvalue of A"), Parameter(a2, sp.Interval(0, sp.oo), "eigenvalue of A"),
              Parameter(b1, sp.Interval(0, sp.oo), "eigenvalue of B"), Parameter(b2, sp.Interval(0, sp.oo), "eigenvalue of B"),
              Parameter(phi, sp.Interval(-4, 4), "angle between the eigenbases of A and B"))
    return Working(
        id="dexter2024.working.coherence_identity",
        title="||H_i^{1/2} H_j^{1/2}||_F^2 = Tr(H_i H_j) = Tr(H_j H_i): Frobenius norm, trace, cyclicity",
        lines=lines, parameters=params, operators=ops, matrices=mats,
        scaling=(Scaling({a1: 1, a2: 1, b1: 1, b2: 1}, name="Hessian units"),),
        source=Source(DEXTER[0], DEXTER[1], "Definition of the coherence matrix S"),
        notes=("2x2 PSD matrices in spectral form, A diagonal without loss of generality.",),
    )


def workings() -> tuple[Working, ...]:
    """The catalogue papers' workings (entry point ``samverify.workings: papers``)."""
    return (
        _kim_cor1(),
        _kim_cor1_plain(),
        _chang_base_case(literal=False),
        _chang_base_case(literal=True),
        _dexter_identity(),
    )
