"""Paper catalogues are found through the ``samverify.catalogues`` entry-point group.

A third-party package is simulated by a ``*.dist-info`` folder on ``sys.path`` whose
``entry_points.txt`` names a small paper module: its claims join the registry and are checked like
the built-in ones; a catalogue that fails to import fails the registry loudly.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

import derivations
import verify
from derivations import RegistryError, catalog, get_claim
from derivations import _registry

PAPER = '''
"""A tiny third-party catalogue: one claim about gradient descent on a quadratic."""
import sympy as sp
from derivations import Claim, Derivation, Equation, Parameter, Reading, Source

h, eta, k = sp.symbols("h eta k", positive=True)
W = sp.Symbol("W_k")


def _gd() -> Derivation:
    # w_{k+1} = (1 - eta h) w_k from w_0 = 1, solved by iterating the update
    w = sp.Function("w")
    sol = sp.rsolve(w(k + 1) - (1 - eta * h) * w(k), w(k), {w(0): 1})
    return Derivation(bindings={W: sol}, steps=(("update", sp.Eq(w(k + 1), (1 - eta * h) * w(k))),))


def claims():
    return (
        Claim(id="thirdparty.gd.iterate", title="GD iterate on a quadratic",
              source=Source("A third-party paper", "2401.99999", "Lemma 1"),
              statement=Equation(W, (1 - eta * h) ** k),
              parameters=(Parameter(h, sp.Interval.open(0, sp.oo), "curvature"),
                          Parameter(eta, sp.Interval.open(0, sp.oo), "learning rate"),
                          Parameter(k, sp.Range(1, sp.oo), "step")),
              readings=(Reading("gd", "plain gradient descent", _gd),)),
    )
'''


def _install(tmp_path: Path, name: str, module_source: str, value: str) -> None:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(module_source))
    info = tmp_path / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[samverify.catalogues]\n{name} = {value}\n")


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch):
    _registry.reset()
    yield
    for mod in [m for m in sys.modules if m.startswith(("thirdparty_paper", "broken_paper"))]:
        del sys.modules[mod]
    _registry.reset()


def test_the_built_in_papers_come_from_the_entry_point_group():
    sources = derivations.catalogue_sources()
    assert {s.split(" ")[0] for s in sources.values()} >= {"kim2023", "dexter_chang", "chen2023"}
    assert all("(" in s for s in sources.values())  # every built-in claim came through an entry point


def test_a_third_party_catalogue_is_registered_and_checked(tmp_path, monkeypatch, fresh_registry):
    _install(tmp_path, "thirdparty_paper", PAPER, "thirdparty_paper:claims")
    monkeypatch.syspath_prepend(str(tmp_path))
    _registry.reset()
    claim = get_claim("thirdparty.gd.iterate")
    assert claim.id in {c.id for c in catalog()}
    (r,) = verify.check(claim, level="fast", rng=0)
    assert r.verdict == "proved"


def test_a_catalogue_that_fails_to_import_fails_loudly(tmp_path, monkeypatch, fresh_registry):
    _install(tmp_path, "broken_paper", "raise ImportError('missing dependency xyz')\n", "broken_paper:claims")
    monkeypatch.syspath_prepend(str(tmp_path))
    _registry.reset()
    with pytest.raises(RegistryError, match="broken_paper.*missing dependency xyz"):
        catalog()


def test_a_declared_method_without_a_checker_is_a_registry_error():
    import dataclasses

    claim = dataclasses.replace(get_claim("kim2023.thm2.suppression"), checks=("symbolic", "montecarlo"))
    with pytest.raises(RegistryError, match="montecarlo"):
        verify.check(claim, level="fast", rng=0)
