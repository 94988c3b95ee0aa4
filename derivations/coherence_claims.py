"""Dexter et al. 2024 and Chang & Khanna 2025 — coherence and linear stability (CLAIMS.md §2).

The printed statements are typed in below (that is what is checked).  Matrix quantities
(``lambda_max(H)``, ``sigma``, the spectral radius ``rho_T`` of the second-moment map
``M -> E[J M J^T]``) are placeholders: their values come from the model's definition in
:mod:`verify._coherence` and :mod:`verify._moments` (exact operators per batch model), or, for the
symbolic claims, from the derivations of :mod:`derivations.coherence`.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from ._claim import Claim, Derivation, Parameter, Reading, Source
from ._registry import register
from ._statements import AllOf, Bounded, Equation, Holds, Implication
from ._symbols import B, alpha, eta, n, rho
from .coherence import (
    BASE_CASE_WORDS,
    Hm,
    Ht2,
    word_coefficients,
    a1,
    a2,
    b1,
    b2,
    cr_trace_derivation,
    d,
    frobenius_identity,
    phi,
    r,
    sam_base_case,
)

__all__ = ["claims", "SAMPLING_READINGS", "printed_sgd_threshold", "printed_sam_threshold", "printed_trace_bound",
           "printed_base_case"]

DEXTER = ("A Precise Characterization of SGD Stability Using Loss Surface Geometry (Dexter, Ocejo, Keerthi, "
          "Gupta, Acharya, Khanna)", "2401.12332")
CHANG = ("A Unified Stability Analysis of SAM vs SGD: Role of Data Coherence and Emergence of Simplicity Bias "
         "(Chang, Khanna)", "2511.17378")


def _src(paper: tuple[str, str], locator: str) -> Source:
    return Source(paper=paper[0], arxiv=paper[1], locator=locator)


# -- placeholders (bound numerically per family by verify._coherence) --------------------------------
H = sp.Symbol("H")
lambda_max = sp.Function("lambda_max")
lambda_min = sp.Function("lambda_min")
#: The coherence sigma = lambda_max(S) / max_i lambda_max(H_i) of the family.
sigma = sp.Symbol("sigma", positive=True)
#: The spectral radius of the second-moment map M -> E[J M J^T] at step size eta.
rho_T = sp.Function("rho_T")
k = sp.Symbol("k", positive=True, integer=True)
dim = sp.Symbol("d", positive=True, integer=True)
s_pert = sp.Symbol("s", positive=True)
eps = sp.Symbol("epsilon", positive=True)
Ew2 = sp.Function("E_w2")  # E||w_k||^2 of a recursion (first argument names it)
TrM = sp.Function("Tr_M")  # Tr M_k, M_k = E[J_1^T ... J_k^T J_k ... J_1]
N_k = sp.Function("N")  # trace of the noise term N_k of (47)
kappa = sp.Function("kappa")  # lambda_i + (rho/alpha) lambda_i^2

P_ETA = Parameter(eta, sp.Interval.open(0, sp.oo), "learning rate")
P_B = Parameter(B, sp.Range(1, sp.oo), "batch size (1 <= B <= n)")
P_N = Parameter(n, sp.Range(1, sp.oo), "number of samples")
P_RHO = Parameter(rho, sp.Interval(0, sp.oo), "SAM radius")
P_ALPHA = Parameter(alpha, sp.Interval.open(0, sp.oo), "Chang & Khanna's fixed normaliser of ||H w||")

SAMPLING_READINGS: dict[str, str] = {
    "bernoulli": "each index kept independently with probability B/n, H_B = (1/B) Σ_kept H_i (the theory's model)",
    "with_replacement": "B uniform indices drawn with replacement, H_B their mean",
    "without_replacement": "a uniform B-subset, H_B its mean (the authors' quadratic experiments)",
}


def _sampling() -> tuple[Reading, ...]:
    return tuple(Reading(name, text) for name, text in SAMPLING_READINGS.items())


def printed_sgd_threshold() -> sp.Expr:
    """Dexter's Theorem 1 as a threshold on eta (PRINTED): ``sigma/lambda_1 (n/B - 1)^(-1/2)``."""
    return sigma / lambda_max(H) * (n / B - 1) ** sp.Rational(-1, 2)


def printed_sam_threshold() -> sp.Expr:
    """Chang & Khanna eq. (31) as a threshold on eta (PRINTED)."""
    return printed_sgd_threshold() / (1 + rho / alpha * lambda_min(H))


def printed_trace_bound() -> sp.Expr:
    """Chang & Khanna eq. (30), the right-hand side (PRINTED)."""
    c = rho / alpha
    return (eta ** (2 * k) * (n / B - 1) ** k * (1 + c * lambda_min(H)) ** (2 * k) * sigma ** (-2 * k)
            * lambda_max(H) ** (2 * k) / (n * dim**5))


# -- symbolic derivations -----------------------------------------------------------------------------
frob2 = sp.Function("frob2")  # ||A^{1/2} B^{1/2}||_F^2
trAB = sp.Function("trAB")
trBA = sp.Function("trBA")
trH_i = sp.Function("TrH_i")
r_star = sp.Function("r_star")


@lru_cache(maxsize=None)
def _identity_derivation() -> Derivation:
    f = frobenius_identity()
    args = (a1, a2, b1, b2, phi)
    return Derivation(
        bindings={frob2: sp.Lambda(args, f["frobenius_squared"]), trAB: sp.Lambda(args, f["trace_AB"]),
                  trBA: sp.Lambda(args, f["trace_BA"])},
        steps=(("||A^{1/2} B^{1/2}||_F^2 (A = diag(a1, a2), B = R(phi) diag(b1, b2) R(phi)^T)", f["frobenius_squared"]),
               ("Tr(AB)", f["trace_AB"]),
               ("Tr(AB) as a sum of non-negative terms", f["trace_AB_sum_of_squares"])),
        note="2x2 PSD matrices in spectral form; A diagonal without loss of generality (orthogonal invariance)",
    )


#: c_w(eta, rho, alpha): the coefficient of word w in E[J^T J] (one placeholder per printed word).
COEF = {name: sp.Function(f"c_{name}") for name, _ in BASE_CASE_WORDS}


def printed_base_case() -> sp.Expr:
    """The seed's expansion of E[J_1^T J_1] (PRINTED), a non-commutative polynomial in H and E[H_t^2]."""
    c = rho / alpha
    return (1 - 2 * eta * Hm - 2 * eta * c * Hm**2 + eta**2 * Ht2 + eta**2 * c * (Ht2 * Hm + Hm * Ht2)
            + eta**2 * c**2 * Hm * Ht2 * Hm)


@lru_cache(maxsize=None)
def _base_case_derivation() -> Derivation:
    steps = sam_base_case(eta, rho, alpha)
    coeffs = word_coefficients(steps[-1][1])
    return Derivation(bindings={COEF[name]: sp.Lambda((eta, rho, alpha), coeffs.get(w, sp.S.Zero))
                                for name, w in BASE_CASE_WORDS},
                      steps=steps + tuple((f"coefficient of {w}", coeffs.get(w, sp.S.Zero)) for _, w in BASE_CASE_WORDS),
                      note="non-commutative expansion; E linear with E[H_t] = H (every batch model, see verify)")


@lru_cache(maxsize=None)
def _cr_derivation() -> Derivation:
    steps = cr_trace_derivation()
    tr = steps[2][1]
    rs = steps[3][1]
    return Derivation(bindings={trH_i: sp.Lambda((r, d), tr), r_star: sp.Lambda(d, rs)}, steps=steps,
                      note="(C, r) solution: one active unit per input, pre-activation r, output weight y/r")


@register
def claims() -> tuple[Claim, ...]:
    """The claims of CLAIMS.md §2."""
    sampling = _sampling()
    psd = sp.Function("PSD")(sp.Symbol("H_i"))  # every H_i is positive semi-definite
    # Divergence is E||w_k||^2 -> oo (CLAIMS.md), not rho_T(eta) >= 1: at rho_T = 1 with semisimple
    # peripheral spectrum the second moment stays bounded, and the checks decide that case exactly.
    diverges = sp.Eq(sp.Limit(Ew2(sp.Symbol("SGD"), k), k, sp.oo), sp.oo)
    diverges_sam = sp.Eq(sp.Limit(Ew2(sp.Symbol("SAM"), k), k, sp.oo), sp.oo)
    out = [
        Claim(
            id="dexter2024.coherence.identity",
            title="||H_i^{1/2} H_j^{1/2}||_F = sqrt(Tr(H_i H_j)) for PSD H_i, H_j; S symmetric, non-negative",
            source=_src(DEXTER, "Definition of the coherence matrix S"),
            statement=AllOf((
                ("identity", Equation(frob2(a1, a2, b1, b2, phi), trAB(a1, a2, b1, b2, phi))),
                ("symmetric", Equation(trAB(a1, a2, b1, b2, phi), trBA(a1, a2, b1, b2, phi))),
            )),
            parameters=(
                Parameter(a1, sp.Interval(0, sp.oo), "eigenvalue of A"), Parameter(a2, sp.Interval(0, sp.oo), "eigenvalue of A"),
                Parameter(b1, sp.Interval(0, sp.oo), "eigenvalue of B"), Parameter(b2, sp.Interval(0, sp.oo), "eigenvalue of B"),
                Parameter(phi, sp.Interval(-4, 4), "angle between the eigenbases of A and B"),
            ),
            readings=(Reading("default", "2x2 PSD matrices in spectral form (symbolic); any d numerically",
                              _identity_derivation),),
            checks=("symbolic", "precision"),
            # DEVIATION: the identity is squared (both sides are >= 0) and proved symbolically for 2x2
            # matrices; larger d is checked numerically by the exact check.  Non-negativity of S is
            # proved by an extra symbolic check (Tr(AB) as a sum of non-negative terms): bound into a
            # Holds, SymPy evaluates the relation to True before any check could run.
            notes=("Squared form; d = 2 symbolically, d <= 6 numerically.",),
        ),
        Claim(
            id="dexter2024.coherence.range",
            title="sigma in [1, n] for every family of PSD H_i",
            source=_src(DEXTER, "Theorem 2 (sigma in [n])"),
            statement=Implication(psd, sp.And(sigma >= 1, sigma <= n)),
            parameters=(P_N,),
            readings=(Reading("default", "any PSD family"), Reading("rank_one", "every H_i has rank 1")),
            checks=("exact",),
        ),
        Claim(
            id="dexter2024.thm1",
            title="Theorem 1: linearised SGD diverges if eta >= sigma/lambda_1 (n/B - 1)^(-1/2)",
            source=_src(DEXTER, "Theorem 1"),
            statement=Implication(eta >= printed_sgd_threshold(), diverges),
            parameters=(P_ETA, P_B, P_N),
            readings=sampling,
            checks=("exact",),
            notes=("Divergence: E||w_k||^2 -> oo, i.e. the second-moment map has spectral radius >= 1 with an "
                   "unbounded orbit; at spectral radius exactly 1 with semisimple peripheral spectrum it stays bounded.",),
        ),
        Claim(
            id="chang2025.rp.divergence",
            title="Theorem 3.1(1): random perturbation w' = (I - eta H_B)(w + xi) diverges under SGD's condition",
            source=_src(CHANG, "Theorem 3.1(1)"),
            statement=Implication(eta >= printed_sgd_threshold(), sp.Eq(sp.Limit(Ew2(sp.Symbol("RP"), k), k, sp.oo), sp.oo)),
            parameters=(P_ETA, P_B, P_N),
            readings=sampling,
            checks=("exact",),
        ),
        Claim(
            id="chang2025.rp.speed",
            title="Theorem 3.1(2): E||w_k||^2 under random perturbation over SGD's stays O(1) when both diverge",
            source=_src(CHANG, "Theorem 3.1(2)"),
            statement=Implication(sp.And(sp.Eq(sp.Limit(Ew2(sp.Symbol("SGD"), k), k, sp.oo), sp.oo),
                                         sp.Eq(sp.Limit(Ew2(sp.Symbol("RP"), k), k, sp.oo), sp.oo)),
                                  Bounded(Ew2(sp.Symbol("RP"), k) / Ew2(sp.Symbol("SGD"), k), k)),
            parameters=(P_ETA, P_B, P_N),
            readings=sampling,
            checks=("exact",),
            # DEVIATION: the printed statement compares lower bounds of E||w_k||^2 under an extra
            # hypothesis Tr[J^2k] <= C0 alpha_k; CLAIMS.md reads it for E||w_k||^2 itself.
            notes=("Checked on E||w_k||^2 itself (CLAIMS.md); the seed's version compares lower bounds.",),
        ),
        Claim(
            id="chang2025.rp.bounded",
            title="Theorem 3.1(3): under SGD's convergence condition, random perturbation stays bounded",
            source=_src(CHANG, "Theorem 3.1(3)"),
            statement=Implication(rho_T(eta) < 1, Bounded(Ew2(sp.Symbol("RP"), k), k)),
            parameters=(P_ETA, P_B, P_N),
            readings=sampling,
            checks=("exact",),
            # DEVIATION: "SGD's convergence condition" is read as the exact mean-square condition
            # rho_T(eta) < 1 of the reading's SGD (the seed cites Dexter et al. without a formula).
            notes=("SGD's convergence condition read as the exact one, rho_T(eta) < 1.",),
        ),
        Claim(
            id="chang2025.sam.base_case",
            title="E[J^T J] for J = I - eta H_t (I + (rho/alpha) H) (proof of Theorem 3.2, base case)",
            source=_src(CHANG, "Proof of Theorem 3.2, base case (before eq. 46)"),
            # Two non-commutative polynomials agree iff each word's coefficient does: one scalar
            # equation per printed word (the extra symbolic check shows no other word appears).
            statement=AllOf(tuple((name, Equation(COEF[name](eta, rho, alpha), word_coefficients(printed_base_case()).get(w, 0)))
                                  for name, w in BASE_CASE_WORDS)),
            parameters=(P_ETA, P_RHO, P_ALPHA),
            readings=tuple(Reading(nm, txt, _base_case_derivation) for nm, txt in SAMPLING_READINGS.items()),
            checks=("symbolic", "precision"),
            # DEVIATION: the seed prints H_t(I + rho/alpha)H; CLAIMS.md's J_t = I - eta H_t (I + (rho/alpha) H) is used.
            notes=("E[H_t] = H is derived per batch model (exact check); the expansion itself is model-free.",),
        ),
        Claim(
            id="chang2025.sam.trace_bound",
            title="Eq. (30): Tr M_k >= eta^2k (n/B-1)^k (1 + (rho/alpha) lambda_min)^2k sigma^-2k lambda_max^2k / (n d^5)",
            source=_src(CHANG, "Theorem 3.2, eq. (30)"),
            statement=Holds(TrM(k) >= printed_trace_bound()),
            parameters=(P_ETA, P_B, P_N, P_RHO, P_ALPHA),
            readings=sampling,
            checks=("exact",),
        ),
        Claim(
            id="chang2025.sam.divergence",
            title="Theorem 3.2(1), eq. (31): SAM diverges if lambda_max >= (sigma/eta)(n/B-1)^(-1/2)(1+(rho/alpha)lambda_min)^(-1)",
            source=_src(CHANG, "Theorem 3.2(1), eq. (31)"),
            statement=Implication(eta >= printed_sam_threshold(), diverges_sam),
            parameters=(P_ETA, P_B, P_N, P_RHO, P_ALPHA),
            readings=sampling,
            checks=("exact",),
        ),
        Claim(
            id="chang2025.sam.convergence",
            title="Theorem 3.2(2), eq. (49): eps/eta <= lambda_i + (rho/alpha)lambda_i^2 <= (2-eps)/eta and eps^-k N_k -> 0 give convergence",
            source=_src(CHANG, "Theorem 3.2(2), eq. (49)"),
            statement=Implication(
                sp.And(eps / eta <= kappa(sp.Symbol("lambda_i")), kappa(sp.Symbol("lambda_i")) <= (2 - eps) / eta,
                       sp.Eq(sp.Limit(N_k(k) / eps**k, k, sp.oo), 0)),
                rho_T(eta) < 1),
            parameters=(P_ETA, P_B, P_N, P_RHO, P_ALPHA),
            readings=sampling,
            checks=("exact",),
            notes=("N_k = eta^2k (1/(nB) - 1/n^2)^k Phi^k(I), Phi(M) = Σ_y P H_y M H_y P, P = I + (rho/alpha) H; "
                   "eps^-k N_k -> 0 iff eta^2 (1/(nB) - 1/n^2) rho(Phi) < eps.",),
        ),
        Claim(
            id="chang2025.relu.memorizing",
            title="Theorem 3.4: a two-layer ReLU interpolating solution is memorising iff S is diagonal",
            source=_src(CHANG, "Theorem 3.4"),
            statement=Equation(sp.Function("Memorising")(sp.Symbol("theta")), sp.Function("Diagonal")(sp.Symbol("S"))),
            parameters=(P_N,),
            readings=(Reading("default", "f(x) = W2 ReLU(W1 x + b), MSE, H_i = grad f(x_i) grad f(x_i)^T"),),
            # "property" is not listed: the engine would run its own property check on the placeholder
            # statement; the Hypothesis searches over networks are registered checks of verify.
            checks=("exact",),
            # DEVIATION: "memorising" is read as: every training point activates at least one hidden
            # unit and no unit is active on two training points (each point has its own units).
            notes=("Memorising: active-unit sets of the training points are non-empty and pairwise disjoint.",),
        ),
        Claim(
            id="chang2025.relu.cr_trace",
            title="(C, r) solution on {±1}^d, y = x[0]x[1]: Tr H_i = r^2 + (d+1)/r^2, minimised at r = (d+1)^(1/4) with value 2 sqrt(d+1)",
            source=_src(CHANG, "Section 3.3, (C, r)-generalising solutions"),
            statement=AllOf((
                ("trace", Equation(trH_i(r, d), r**2 + (d + 1) / r**2)),
                ("argmin", Equation(r_star(d), (d + 1) ** sp.Rational(1, 4))),
                ("minimum", Equation(trH_i(r_star(d), d), 2 * sp.sqrt(d + 1))),
            )),
            parameters=(Parameter(r, sp.Interval.open(0, sp.oo), "activation scale of the (C, r) solution"),
                        Parameter(d, sp.Range(2, sp.oo), "input dimension")),
            readings=(Reading("default", "the (C, r) solution derived from the network's gradient", _cr_derivation),),
            checks=("symbolic", "precision"),
            # DEVIATION: the (C, r) construction is reconstructed (the summary does not print it): one
            # hidden unit per sign pattern of the first C coordinates, pre-activation r on its pattern.
            notes=("Construction reconstructed: 2^C units, unit s has W1 row r s on the first C coordinates, "
                   "bias -r(C-1), output weight y(s)/r.",),
        ),
        Claim(
            id="chang2025.relu.sgd_coherence",
            title="Theorem 3.5 (reconstructed): w.p. >= 1-delta, lambda_max(S) <= 2 sqrt(d+1) n (2^-C + sqrt((C + log(1/delta))/(2n)))",
            source=_src(CHANG, "Theorem 3.5 (display reconstructed)"),
            statement=Holds(sp.Function("P_fail")(sp.Symbol("delta")) <= sp.Symbol("delta")),
            parameters=(P_N,),
            readings=(Reading("default", "x uniform on {±1}^d, (C, r) solution with r = (d+1)^(1/4)"),),
            checks=("montecarlo", "exact"),
            notes=("Also checks max_i lambda_max(H_i) = 2 sqrt(d+1) exactly.",),
        ),
        Claim(
            id="chang2025.exp.table1",
            title="Table 1: SAM's solutions have lower sigma than SGD's, decreasing with rho; lambda_max(H), Tr H decrease",
            source=_src(CHANG, "Table 1"),
            statement=Holds(sp.Function("sigma_SAM")(rho) < sp.Function("sigma_SGD")()),
            parameters=(P_RHO,),
            readings=(Reading("default", "two-layer ReLU, d = 15, hidden 10, n = 50, y = x[0]x[1]"),),
            checks=("experiment",),
        ),
        Claim(
            id="chang2025.exp.phase_diagram",
            title="Figure 1: (B, sigma) divergence boundary vs Theorem 3.2's line at n = 100",
            source=_src(CHANG, "Figure 1"),
            statement=Implication(eta >= printed_sam_threshold(), diverges_sam),
            parameters=(P_ETA, P_B, P_N, P_RHO, P_ALPHA),
            readings=sampling,
            checks=("exact", "montecarlo"),
            # DEVIATION: the figure's eta, rho, alpha and perturbation size are not in the summary;
            # eta = 0.5, rho/alpha = 0.1, s = 0.01 are used (stated in every result).
            notes=("eta = 0.5, rho/alpha = 0.1, perturbation std 0.01 (not given in the summary).",),
        ),
    ]
    return tuple(out)
