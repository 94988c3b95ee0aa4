"""Attach the exact-moment, Monte Carlo and experiment checks to catalogue claims.

Each module listed here registers its checks with :func:`verify._engine.register_check` when it
is imported; the engine imports this module before the first check.
"""

from __future__ import annotations

import importlib
import importlib.util

#: Modules of verify that register extra checks for catalogue claims.
CHECK_MODULES: tuple[str, ...] = ("_checks_kim2023", "_checks_kim2023_ext", "_checks_coherence", "_checks_chen2023")

for _name in CHECK_MODULES:
    if importlib.util.find_spec(f"verify.{_name}") is not None:
        importlib.import_module(f"verify.{_name}")
