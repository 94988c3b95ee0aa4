"""The claim registry: every catalogue claim by id, in a stable order."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

from ._claim import Claim
from ._errors import UnknownClaim

__all__ = ["register", "catalog", "get_claim"]

_FACTORIES: list[Callable[[], Iterable[Claim]]] = []
_CACHE: dict[str, Claim] = {}

#: The catalogue's paper modules, in report order; each registers its claims when imported.
PAPER_MODULES: tuple[str, ...] = ("kim2023", "kim2023_ext", "coherence_claims", "chen2023")


def register(factory: Callable[[], Iterable[Claim]]) -> Callable[[], Iterable[Claim]]:
    """Register a function that builds a paper's claims (called once, on first use)."""
    _FACTORIES.append(factory)
    _CACHE.clear()
    return factory


def _load() -> dict[str, Claim]:
    if not _CACHE:
        import importlib
        import importlib.util

        for name in PAPER_MODULES:
            if importlib.util.find_spec(f"{__package__}.{name}") is not None:
                importlib.import_module(f"{__package__}.{name}")
        for factory in _FACTORIES:
            for claim in factory():
                if claim.id in _CACHE:
                    raise RuntimeError(f"duplicate claim id {claim.id!r}")
                _CACHE[claim.id] = claim
    return _CACHE


def catalog() -> tuple[Claim, ...]:
    """All registered claims, in registration order."""
    return tuple(_load().values())


def get_claim(claim_id: str) -> Claim:
    """Return the claim with id ``claim_id``; an unknown id raises an error listing close matches."""
    claims = _load()
    if claim_id in claims:
        return claims[claim_id]
    close = difflib.get_close_matches(str(claim_id), list(claims), n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; run `samverify list` to see the {len(claims)} ids"
    raise UnknownClaim(f"claim id {claim_id!r} is not in the catalogue{hint}")
