"""The shared SymPy symbols, spelled as in the papers so that LaTeX comes out right.

Assumptions live on the symbols (sympy.stats style); a symbol with a narrower domain, such as an
eigenvalue along an escape direction, is a separate symbol so that SymPy can use the sign.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "lambda_j",
    "lambda_1",
    "lambda_2",
    "rho",
    "eta",
    "B",
    "n",
    "t",
    "gamma",
    "alpha",
]

#: Hessian eigenvalue along direction j (sign unknown: minimum or escape direction).
lambda_j = sp.Symbol("lambda_j", real=True, nonzero=True)
#: The negative eigenvalue of an index-1 saddle.
lambda_1 = sp.Symbol("lambda_1", negative=True)
#: A positive eigenvalue of the same saddle.
lambda_2 = sp.Symbol("lambda_2", positive=True)
#: SAM radius.
rho = sp.Symbol("rho", nonnegative=True)
#: Learning rate.
eta = sp.Symbol("eta", positive=True)
#: Batch size.
B = sp.Symbol("B", positive=True, integer=True)
#: Number of samples.
n = sp.Symbol("n", positive=True, integer=True)
#: SDE time t = eta * k.
t = sp.Symbol("t", positive=True)
#: Heavy-ball momentum.
gamma = sp.Symbol("gamma", nonnegative=True)
#: Chang & Khanna's fixed normaliser in place of ||H w||.
alpha = sp.Symbol("alpha", positive=True)
