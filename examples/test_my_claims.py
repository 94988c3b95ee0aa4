"""Example: your own claims as tests. Run with ``pytest examples/test_my_claims.py``.

The samverify pytest plugin collects module-level claims named ``test_*`` (and any list called
``samverify_claims``); each (claim, reading) becomes a test that passes when the claim is proved or
supported and fails with its counterexample otherwise. The second claim below is wrong by a factor
of 2 on purpose, so this module reports one pass and one failure.
"""

import sympy as sp

from derivations import sde_model, user_claim

h, s, eta = sp.symbols("h s eta", positive=True)  # curvature, gradient-noise std, learning rate
w = sp.Symbol("w", real=True)
V = sp.Symbol("V_infty")  # placeholder: the stationary variance the model derives

# SGD's SDE on a 1-D quadratic: dw = -h w dt + sqrt(eta s^2) dW
sde = sde_model(drift=-h * w, diffusion=sp.sqrt(eta) * s, state=w, name="sde")
params = {h: "curvature", s: "gradient-noise standard deviation", eta: "learning rate"}

test_stationary_variance = user_claim(
    "example.sde.stationary_variance",
    sp.Eq(V, eta * s**2 / (2 * h)),
    parameters=params,
    readings=[sde.reading({V: "stationary_variance"})],
)

test_stationary_variance_off_by_two = user_claim(
    "example.sde.stationary_variance_wrong",
    sp.Eq(V, eta * s**2 / h),  # wrong: the true value is half of this
    parameters=params,
    readings=[sde.reading({V: "stationary_variance"})],
)
