"""Evaluate a claim's condition on a whole grid of witnesses at once (Figure 1's ``(B, sigma)`` cells).

Three-valued arrays (``1`` true, ``0`` false, ``-1`` undecided).  A relation between placeholders is
lambdified once and compared on arrays with the tie band of :mod:`verify._coh_eval`; a relation
that involves a limit of a sequence is evaluated once per *class* of the sequence (converging,
bounded at rate exactly one, diverging) with the scalar evaluator, and the class of each cell
comes from the model.  Boolean structure (and, or, not, implies) is combined cell-wise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from derivations import Bounded, Implication, Statement

from ._coh_eval import POSITIVE, TIE, Seq, Undecidable, condition_truth

__all__ = ["CLASSES", "grid_truth", "statement_grid"]

#: Representative leading terms of a positive sequence's classes: what a limit or a bound sees.
CLASSES: dict[str, Seq | None] = {"below": Seq(POSITIVE, sp.Rational(1, 2), 0), "one": Seq(POSITIVE, sp.S.One, 0),
                                  "above": Seq(POSITIVE, sp.Integer(2), 0), "tie": None}
_CODE = {True: 1, False: 0, None: -1}


class _ClassModel:
    """A scalar model for one class tuple: sequences by class, scalars from a fixed table."""

    exact = True

    def __init__(self, seqs: Mapping[sp.Basic, Seq | None], scalars: Mapping[sp.Basic, Any]) -> None:
        self.seqs, self.scalars = seqs, scalars

    def value(self, obj: sp.Basic, point: Mapping[sp.Symbol, Any]) -> Any:
        if obj in self.scalars:
            return self.scalars[obj]
        raise KeyError(obj)

    def sequence(self, obj: sp.Basic, point: Mapping[sp.Symbol, Any]) -> Seq:
        s = self.seqs.get(obj)
        if s is None:
            raise Undecidable(f"{obj}: its rate is a float tie with 1")
        return s

    def forall(self, sym: sp.Symbol) -> tuple[Any, ...]:
        raise Undecidable(f"{sym} ranges over nothing on a grid")


def _leaves(e: sp.Basic) -> set[sp.Basic]:
    """Placeholders and symbols of ``e`` (a placeholder's own arguments, such as ``H`` in ``lambda_max(H)``, excluded)."""
    out = {a for a in sp.preorder_traversal(e) if isinstance(a, (AppliedUndef, sp.Symbol))}
    bound = {x for a in sp.preorder_traversal(e) if isinstance(a, sp.Limit) for x in a.args[1:]}  # variable, direction
    return out - {x for a in e.atoms(AppliedUndef) for x in a.args} - bound


def _relation(rel: sp.Rel, arrays: Mapping[sp.Basic, Any], classes: Mapping[sp.Basic, np.ndarray], shape: tuple) -> np.ndarray:
    if rel.has(sp.Limit):
        seqs = [a for a in rel.atoms(AppliedUndef) if a in classes]
        others = {x for x in _leaves(rel) if x not in seqs}
        if any(np.ndim(arrays.get(x, 0)) for x in others) or any(x not in arrays for x in others):
            return np.full(shape, -1, dtype=np.int8)  # a limit compared with a varying quantity: not on a grid
        scal = {x: sp.nsimplify(arrays[x]) for x in others}
        out = np.full(shape, -1, dtype=np.int8)
        keys = np.stack([np.asarray(classes[s]) for s in seqs], axis=-1) if seqs else np.zeros(shape + (0,), dtype=object)
        for combo in {tuple(k) for k in keys.reshape(-1, len(seqs))} if seqs else {()}:
            model = _ClassModel({s: CLASSES[c] for s, c in zip(seqs, combo)}, scal)
            v = _CODE[condition_truth(rel, model, {})]
            mask = np.all(keys == np.array(combo, dtype=object), axis=-1) if seqs else np.ones(shape, bool)
            out[mask] = v
        return out
    leaves = sorted(_leaves(rel), key=str)
    missing = [x for x in leaves if x not in arrays]
    if missing:
        return np.full(shape, -1, dtype=np.int8)
    dums = [sp.Dummy() for _ in leaves]
    rep = dict(zip(leaves, dums))
    f_l = sp.lambdify(dums, rel.lhs.xreplace(rep), "numpy")
    f_r = sp.lambdify(dums, rel.rhs.xreplace(rep), "numpy")
    args = [np.asarray(arrays[x], dtype=float) for x in leaves]
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.broadcast_to(np.asarray(f_l(*args), dtype=float), shape)
        b = np.broadcast_to(np.asarray(f_r(*args), dtype=float), shape)
        both_inf = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
        gap = np.where(both_inf, 0.0, a - b)
        tie = both_inf | (np.abs(gap) <= TIE * np.maximum(np.abs(np.where(np.isinf(a), 0, a)), np.abs(np.where(np.isinf(b), 0, b))))
    op = rel.rel_op
    truth = {"==": tie, "!=": ~tie, ">": gap > 0, ">=": gap > 0, "<": gap < 0, "<=": gap < 0}[op]
    out = truth.astype(np.int8)
    if op not in ("==", "!="):
        out[tie] = -1  # an inequality at a float tie is undecided
    out[np.isnan(gap)] = -1
    return out


def grid_truth(cond: Any, arrays: Mapping[sp.Basic, Any], classes: Mapping[sp.Basic, np.ndarray], shape: tuple) -> np.ndarray:
    """The three-valued truth of a condition at every cell (see module doc)."""
    if isinstance(cond, Bounded):
        seqs = [a for a in cond.expr.atoms(AppliedUndef) if a in classes]
        if len(seqs) != 1 or cond.expr != seqs[0]:
            return np.full(shape, -1, dtype=np.int8)
        c = np.asarray(classes[seqs[0]])
        return np.where(c == "tie", -1, np.where(c == "above", 0, 1)).astype(np.int8)
    if cond in (sp.true, True):
        return np.ones(shape, dtype=np.int8)
    if cond in (sp.false, False):
        return np.zeros(shape, dtype=np.int8)
    if isinstance(cond, sp.Not):
        v = grid_truth(cond.args[0], arrays, classes, shape)
        return np.where(v < 0, -1, 1 - v).astype(np.int8)
    if isinstance(cond, (sp.And, sp.Or)):
        vs = [grid_truth(a, arrays, classes, shape) for a in cond.args]
        hit, other = (0, 1) if isinstance(cond, sp.And) else (1, 0)
        out = np.full(shape, other, dtype=np.int8)
        for v in vs:
            out = np.where(out == hit, hit, np.where(v == hit, hit, np.where((v < 0) | (out < 0), -1, other))).astype(np.int8)
        return out
    if isinstance(cond, sp.Implies):
        return grid_truth(sp.Or(sp.Not(cond.args[0]), cond.args[1]), arrays, classes, shape)
    if isinstance(cond, sp.core.relational.Relational):
        return _relation(cond, arrays, classes, shape)
    return np.full(shape, -1, dtype=np.int8)


def statement_grid(stmt: Statement, arrays: Mapping[sp.Basic, Any], classes: Mapping[sp.Basic, np.ndarray],
                   shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    """``(truth, hypothesis)`` of a statement on the grid (the hypothesis is all-true for non-implications)."""
    if isinstance(stmt, Implication):
        h = grid_truth(stmt.hypothesis, arrays, classes, shape)
        c = grid_truth(stmt.conclusion, arrays, classes, shape)
        t = np.where((h == 0) | (c == 1), 1, np.where((h == 1) & (c == 0), 0, -1)).astype(np.int8)
        return t, h
    rel = getattr(stmt, "relation", None)
    if rel is None:
        return np.full(shape, -1, dtype=np.int8), np.ones(shape, dtype=np.int8)
    return grid_truth(rel, arrays, classes, shape), np.ones(shape, dtype=np.int8)
