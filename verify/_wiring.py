"""Load the modules that attach claim-specific checkers (and figures) to catalogue claims.

They are found through the entry-point group ``samverify.checkers`` (each entry point names a
module that calls :func:`verify.register_check` when imported), so a third-party catalogue can ship
its checkers too. A module that fails to import fails loudly, naming the entry point.
"""

from __future__ import annotations

from importlib import metadata
from types import ModuleType

from derivations._errors import RegistryError

__all__ = ["ENTRY_POINT_GROUP", "checker_modules"]

#: The entry-point group of modules that register checkers (and may define ``figures``).
ENTRY_POINT_GROUP = "samverify.checkers"

_MODULES: list[ModuleType] = []


def checker_modules() -> tuple[ModuleType, ...]:
    """Every checker module, imported once (samverify's own first, then third parties' by name)."""
    if not _MODULES:
        eps = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
        own = [ep for ep in eps if ep.dist is not None and ep.dist.name == "samverify"]
        rest = sorted((ep for ep in eps if ep not in own), key=lambda ep: ep.name)
        if not own:
            raise RegistryError(f"no '{ENTRY_POINT_GROUP}' entry points of samverify found: install the package "
                                "(pip install -e .) so its checkers can be found")
        for ep in own + rest:
            try:
                mod = ep.load()
            except Exception as exc:  # noqa: BLE001 - any import failure must name the module
                raise RegistryError(f"checker entry point {ep.name!r} = {ep.value!r} (group {ENTRY_POINT_GROUP}) "
                                    f"failed to import: {type(exc).__name__}: {exc}") from exc
            if not isinstance(mod, ModuleType):
                raise RegistryError(f"checker entry point {ep.name!r} = {ep.value!r} must name a module")
            _MODULES.append(mod)
    return tuple(_MODULES)


checker_modules()
