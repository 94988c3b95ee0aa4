"""Where a linear model's moments converge: Schur (discrete) and Hurwitz (continuous) conditions, symbolically.

A moment recursion ``y' = M y + c`` converges iff every eigenvalue of ``M`` lies inside the unit
circle; a linear SDE has a stationary law iff every eigenvalue of its drift ``-A`` has a negative real
part. Neither needs the eigenvalues themselves: the characteristic polynomial is factored over the
rational functions of the parameters, and each factor gets

* continuous time: the Routh–Hurwitz conditions (every coefficient and the Hurwitz minors
  ``Delta_2 .. Delta_{n-1}`` positive);
* discrete time: the same conditions on its bilinear (Möbius) transform
  ``q(s) = (1 - s)^n p((1 + s)/(1 - s))``, which maps the unit disc onto the left half-plane
  (for ``n <= 2`` these are Jury's conditions ``p(1) > 0``, ``(-1)^n p(-1) > 0``, ``|p(0)| < 1``).

Each condition is a polynomial inequality; factors whose sign the symbols' assumptions settle are
dropped, so the heavy-ball threshold comes out as ``eta h < 2 (gamma + 1)`` in a fraction of a second
instead of a generic ``solve`` on eigenvalues. Pure SymPy.
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp

__all__ = ["rel_normal", "conjuncts", "implied", "stability_condition", "schur_conditions", "hurwitz_conditions"]


def rel_normal(rel: sp.Basic) -> tuple[sp.Expr, str] | None:
    """``rel`` as ``g < 0`` or ``g <= 0`` with positive factors of ``g`` dropped (None if not a <, <=, >, >=)."""
    if not isinstance(rel, sp.core.relational.Relational) or rel.rel_op not in ("<", "<=", ">", ">="):
        return None
    g = rel.lhs - rel.rhs if rel.rel_op in ("<", "<=") else rel.rhs - rel.lhs
    op = "<" if rel.rel_op in ("<", ">") else "<="
    num, den = sp.fraction(sp.together(g))
    keep = sp.Integer(1)
    sign = sp.Integer(1)
    for part in (num, den):  # sign(num / den) = sign(num * den)
        try:
            coeff, factors = sp.factor_list(part)
        except sp.PolynomialError:
            coeff, factors = sp.Integer(1), [(part, 1)]
        sign *= sp.sign(coeff)
        for f, m in factors:
            fm = f**m
            if fm.is_positive:
                continue
            if fm.is_negative:
                sign = -sign
                continue
            keep *= fm
    if sign == 0:
        return None
    return sp.expand(sign * keep), op


def conjuncts(c: sp.Basic) -> list[sp.Basic]:
    """The conjuncts of an ``And`` (or the condition itself)."""
    return list(c.args) if isinstance(c, sp.And) else [c]


def implied(cond: sp.Basic, facts: sp.Basic) -> bool:
    """Whether every conjunct of ``cond`` appears among ``facts``' conjuncts (up to positive factors).

    Sound but syntactic: a True answer is a proof, a False answer only means "not shown".
    """
    if cond == sp.true:
        return True
    have = [n for n in (rel_normal(w) for w in conjuncts(facts)) if n is not None]
    for c in conjuncts(cond):
        nc = rel_normal(c)
        if nc is None:
            return False
        g, op = nc
        if not any(sp.expand(g - hg) == 0 and (op == "<=" or hop == "<") for hg, hop in have):
            return False
    return True


def _hurwitz_minors(coeffs: list[sp.Expr]) -> list[sp.Expr]:
    """``Delta_2 .. Delta_{n-1}`` of ``a_0 s^n + a_1 s^(n-1) + ... + a_n`` (``coeffs = [a_0, ..., a_n]``)."""
    n = len(coeffs) - 1
    a = lambda k: coeffs[k] if 0 <= k <= n else sp.Integer(0)  # noqa: E731
    H = sp.Matrix(n, n, lambda i, j: a(2 * (j + 1) - (i + 1)))
    return [sp.expand(H[:k, :k].det(method="berkowitz")) for k in range(2, n)]


def _normalised(coeffs: list[sp.Expr], lead: sp.Expr) -> list[sp.Expr]:
    """The coefficients scaled to a positive leading one: by ``sign(lead)`` when known, else by ``lead``.

    Scaling by ``lead`` keeps every Hurwitz condition's sign: ``Delta_k(lead a) = lead^k Delta_k(a)``
    has the sign of ``Delta_k(a / lead) = Delta_k(a) / lead^k``.
    """
    if lead.is_positive:
        return [sp.expand(c) for c in coeffs]
    if lead.is_negative:
        return [sp.expand(-c) for c in coeffs]
    return [sp.expand(lead * c) for c in coeffs]


def hurwitz_conditions(p: sp.Poly) -> list[sp.Basic]:
    """Every root of ``p`` has a negative real part: Routh–Hurwitz, as ``expr > 0`` relations."""
    coeffs = _normalised(p.all_coeffs(), p.LC())
    return [sp.Gt(c, 0) for c in coeffs] + [sp.Gt(d, 0) for d in _hurwitz_minors(coeffs)]


def schur_conditions(p: sp.Poly) -> list[sp.Basic]:
    """Every root of ``p`` lies inside the unit circle: Hurwitz conditions of the bilinear transform."""
    z = p.gen
    n = p.degree()
    if n == 1:  # p = c1 z + c0: the root -c0/c1 in (-1, 1)
        c1, c0 = p.all_coeffs()
        r = sp.cancel(-c0 / c1)
        return [sp.Lt(r, 1), sp.Gt(r, -1)]
    s = sp.Dummy("s")
    q = sp.Poly(sp.expand(sp.cancel((1 - s) ** n * p.as_expr().subs(z, (1 + s) / (1 - s)))), s)
    # q's leading coefficient is (-1)^n p(-1): zero (a root on the circle at z = -1) fails the test below
    # a stable p's transform has coefficients of the sign of p's leading coefficient
    coeffs = _normalised([q.coeff_monomial(s**k) for k in range(n, -1, -1)], p.LC())
    return [sp.Gt(c, 0) for c in coeffs] + [sp.Gt(d, 0) for d in _hurwitz_minors(coeffs)]


def _printable(rel: sp.Basic) -> sp.Basic:
    """A normalised ``g < 0`` written as ``positive terms < negative terms`` (``eta*h < 2*gamma + 2``)."""
    n = rel_normal(rel)
    if n is None:
        return rel
    g, op = n
    if g.is_number:
        return sp.true if (g < 0 if op == "<" else g <= 0) else sp.false
    make = sp.Lt if op == "<" else sp.Le
    factors = [f for f in sp.Mul.make_args(sp.factor(g)) if not f.is_number]
    if len(factors) > 1:  # a product of factors of unknown sign: keep it factored, without a leading minus
        fg = sp.factor(g)
        return (sp.Gt if op == "<" else sp.Ge)(-fg, 0) if fg.could_extract_minus_sign() else make(fg, 0)
    terms = sp.Add.make_args(g)
    pos = sp.Add(*[t for t in terms if not t.could_extract_minus_sign()])
    neg = -sp.Add(*[t for t in terms if t.could_extract_minus_sign()])
    if pos.is_number:  # c - N < 0  <=>  N > c: keep the parameters on the left
        return (sp.Gt if op == "<" else sp.Ge)(sp.factor(neg), pos)
    return make(sp.factor(pos), sp.factor(neg))


def _tidy_conditions(raw: Iterable[sp.Basic]) -> sp.Basic:
    """``And`` of the conditions, each normalised, with the ones the assumptions settle dropped."""
    out: list[sp.Basic] = []
    keys: list[tuple[sp.Expr, str]] = []
    for r in raw:
        if r == sp.true:
            continue
        if r == sp.false:
            return sp.false
        rel = _printable(r)
        if rel == sp.false:
            return sp.false
        if rel == sp.true:
            continue
        key = rel_normal(rel)
        if key is not None and key in keys:
            continue
        keys.append(key)
        out.append(rel)
    return sp.And(*out)


def stability_condition(matrix: sp.Matrix, *, continuous: bool) -> sp.Basic:
    """Where every eigenvalue of ``matrix`` is stable, as an ``And`` of polynomial inequalities.

    ``continuous=True``: every eigenvalue of ``-matrix`` has a negative real part (the drift
    ``dw = -A w dt`` decays, i.e. ``A``'s eigenvalues have positive real parts); ``False``: every
    eigenvalue of ``matrix`` has modulus < 1 (the recursion ``y' = M y`` contracts). The
    characteristic polynomial is factored first, so each condition belongs to one block of modes.
    """
    n = matrix.rows
    if n == 0:
        return sp.true
    z = sp.Dummy("z")
    M = -matrix if continuous else matrix
    # the numerator of the characteristic polynomial has the same roots (parameters in denominators)
    charpoly, _ = sp.fraction(sp.together(M.charpoly().as_expr(z)))
    _, factors = sp.factor_list(charpoly)
    raw: list[sp.Basic] = []
    for f, _mult in factors:  # a repeated factor has the roots of the factor: same conditions
        p = sp.Poly(f, z)
        if p.degree() < 1:
            continue
        raw += hurwitz_conditions(p) if continuous else schur_conditions(p)
    return _tidy_conditions(raw)
