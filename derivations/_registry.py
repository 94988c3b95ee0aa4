"""The claim registry: every catalogue claim by id, in a stable order.

Paper modules are found through the entry-point group ``samverify.catalogues``: each entry point
names a function returning that paper's claims (``derivations.kim2023:claims``), so a third party
can ship a catalogue in its own package. A catalogue that fails to import or to build fails the
whole registry loudly, naming the entry point; nothing is skipped silently.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from importlib import metadata

from ._claim import Claim
from ._errors import RegistryError, UnknownClaim

__all__ = ["ENTRY_POINT_GROUP", "register", "catalog", "catalogue_sources", "get_claim", "reset"]

#: The entry-point group that paper catalogues register under.
ENTRY_POINT_GROUP = "samverify.catalogues"

Factory = Callable[[], Iterable[Claim]]
_FACTORIES: list[tuple[str, Factory]] = []
_CACHE: dict[str, Claim] = {}
_SOURCES: dict[str, str] = {}


def register(factory: Factory) -> Factory:
    """Register a function that builds claims, in addition to the entry points (for code and tests).

    Registering a catalogue's entry-point function again (the paper modules decorate theirs) is
    harmless: each function is called once.
    """
    if not callable(factory):
        raise RegistryError(f"factory={factory!r} must be a function returning claims")
    name = f"{factory.__module__}:{factory.__qualname__}"
    if all(f is not factory for _, f in _FACTORIES):
        _FACTORIES.append((name, factory))
    _CACHE.clear()
    return factory


def reset() -> None:
    """Forget the built registry so the next lookup rebuilds it (after installing a catalogue)."""
    _CACHE.clear()
    _SOURCES.clear()


def _entry_points() -> list[metadata.EntryPoint]:
    eps = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    # samverify's own catalogues first, in the order its metadata lists them; then the rest by name
    own = [ep for ep in eps if ep.dist is not None and ep.dist.name == "samverify"]
    rest = sorted((ep for ep in eps if ep not in own), key=lambda ep: (ep.dist.name if ep.dist else "", ep.name))
    return own + rest


def _load() -> dict[str, Claim]:
    if _CACHE:
        return _CACHE
    factories: list[tuple[str, Factory]] = []
    for ep in _entry_points():
        try:
            fn = ep.load()
        except Exception as exc:  # noqa: BLE001 - any import failure must name the catalogue
            raise RegistryError(f"catalogue entry point {ep.name!r} = {ep.value!r} (group {ENTRY_POINT_GROUP}) "
                                f"failed to import: {type(exc).__name__}: {exc}") from exc
        if not callable(fn):
            raise RegistryError(f"catalogue entry point {ep.name!r} = {ep.value!r} is not a function returning claims")
        factories.append((f"{ep.name} ({ep.value})", fn))
    for name, fn in _FACTORIES:
        if all(f is not fn for _, f in factories):
            factories.append((name, fn))
    built: dict[str, Claim] = {}
    sources: dict[str, str] = {}
    for name, fn in factories:
        try:
            claims = list(fn())
        except Exception as exc:  # noqa: BLE001
            raise RegistryError(f"catalogue {name} failed to build its claims: {type(exc).__name__}: {exc}") from exc
        for claim in claims:
            if not isinstance(claim, Claim):
                raise RegistryError(f"catalogue {name} returned {claim!r}, which is not a Claim")
            if claim.id in built:
                raise RegistryError(f"duplicate claim id {claim.id!r}: from {sources[claim.id]} and {name}")
            built[claim.id] = claim
            sources[claim.id] = name
    _CACHE.update(built)
    _SOURCES.update(sources)
    return _CACHE


def catalog() -> tuple[Claim, ...]:
    """All registered claims, in registration order."""
    return tuple(_load().values())


def catalogue_sources() -> dict[str, str]:
    """For each claim id, the catalogue (entry point or registered function) it came from."""
    _load()
    return dict(_SOURCES)


def get_claim(claim_id: str) -> Claim:
    """Return the claim with id ``claim_id``; an unknown id raises an error listing close matches."""
    claims = _load()
    if claim_id in claims:
        return claims[claim_id]
    close = difflib.get_close_matches(str(claim_id), list(claims), n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; run `samverify list` to see the {len(claims)} ids"
    raise UnknownClaim(f"claim id {claim_id!r} is not in the catalogue{hint}")
