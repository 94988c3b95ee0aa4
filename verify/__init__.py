"""samverify's numerical side: checkers, the verdict engine, simulators, reports and the CLI.

``verify`` imports :mod:`derivations`, never the reverse. Names are imported lazily (PEP 562), so
``import verify._cli`` (the ``samverify`` command) does not pay for SymPy until a command needs it.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["LEVELS", "check_working", "render_working", "CheckResult", "Counterexample", "Decision", "PartResult", "ReadingResult", "Results", "check",
           "decide", "evaluate", "register_check", "scaling_check", "scaling_checks", "strategies", "testing",
           "undecided"]

_FROM = {
    "LEVELS": "._engine", "check": "._engine", "evaluate": "._engine", "register_check": "._engine",
    "CheckResult": "._results", "Counterexample": "._results", "Decision": "._results", "PartResult": "._results",
    "ReadingResult": "._results", "Results": "._results", "decide": "._results", "undecided": "._results",
    "scaling_check": "._scaling", "scaling_checks": "._scaling",
    "check_working": "._working", "render_working": "._working_output",
}


def __getattr__(name: str) -> Any:
    if name in ("strategies", "testing"):
        return importlib.import_module(f".{name}", __name__)
    if name in _FROM:
        source = "render" if name == "render_working" else name
        value = getattr(importlib.import_module(_FROM[name], __name__), source)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'verify' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
