"""The persistent cache: keyed by content, recomputes corrupt or stale entries, can be turned off."""

from __future__ import annotations

import pytest
import sympy as sp

from verify import _cache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMVERIFY_CACHE_DIR", str(tmp_path))
    monkeypatch.setitem(_cache._STATE, "enabled", True)
    return tmp_path


def test_a_second_lookup_with_the_same_content_is_a_hit(cache):
    calls = []
    x = sp.Symbol("x", positive=True)
    f = lambda: calls.append(1) or sp.simplify(sp.sin(x) ** 2 + sp.cos(x) ** 2)  # noqa: E731
    assert _cache.cached("t", (x,), f) == 1
    assert _cache.cached("t", (x,), f) == 1
    assert len(calls) == 1


def test_symbols_with_other_assumptions_are_other_keys(cache):
    calls = []
    for sym in (sp.Symbol("x"), sp.Symbol("x", positive=True)):
        _cache.cached("t", (sp.sqrt(sym**2),), lambda s=sym: calls.append(1) or sp.sqrt(s**2))
    assert len(calls) == 2  # str() would have confused them; srepr does not


def test_a_corrupt_entry_is_recomputed_never_trusted(cache):
    _cache.cached("t", ("k",), lambda: 1)
    (entry,) = list(cache.rglob("*.pkl"))
    entry.write_bytes(entry.read_bytes()[:-3] + b"xyz")
    calls = []
    assert _cache.cached("t", ("k",), lambda: calls.append(1) or 1) == 1
    assert calls == [1]
    entry.write_bytes(b"garbage")
    assert _cache.cached("t", ("k",), lambda: 2) == 2  # recomputed (and rewritten)
    assert _cache.cached("t", ("k",), lambda: 3) == 2


def test_an_entry_from_another_sympy_or_samverify_version_is_not_used(cache, monkeypatch):
    _cache.cached("t", ("k",), lambda: "old")
    monkeypatch.setattr(_cache, "_versions", lambda: "sympy=0;samverify=0")
    assert _cache.cached("t", ("k",), lambda: "new") == "new"


def test_values_not_kept_and_a_disabled_cache_always_recompute(cache):
    assert _cache.cached("t", ("timeout",), lambda: "slow", keep=lambda v: False) == "slow"
    assert _cache.cached("t", ("timeout",), lambda: "again") == "again"
    _cache.set_enabled(False)
    try:
        assert _cache.cached("t", ("k2",), lambda: 1) == 1
        assert _cache.cached("t", ("k2",), lambda: 2) == 2
    finally:
        _cache.set_enabled(True)


def test_clear_removes_every_entry(cache):
    for k in range(3):
        _cache.cached("t", (k,), lambda: k)
    assert _cache.clear() == 3
    assert not list(cache.rglob("*.pkl"))


def test_a_warm_cache_returns_the_same_catalogue_result_and_a_new_seed_recomputes(cache, monkeypatch):
    import verify

    monkeypatch.setenv("SAMVERIFY_CACHE_RESULTS", "1")

    def strip(r):
        d = r.to_dict()
        d.pop("elapsed_s")
        for c in d["checks"]:
            c.pop("elapsed_s")
        return d

    before = dict(_cache.stats())
    (cold,) = verify.check("kim2023.thm2.suppression", "plain", level="fast", rng=0)
    (warm,) = verify.check("kim2023.thm2.suppression", "plain", level="fast", rng=0)
    assert strip(warm) == strip(cold)
    assert _cache.stats()["hits"] > before["hits"]
    misses = _cache.stats()["misses"]
    verify.check("kim2023.thm2.suppression", "plain", level="fast", rng=1)
    assert _cache.stats()["misses"] > misses
