"""samverify: check closed-form claims about SGD and SAM against first-principles derivations.

The work is done by two packages: :mod:`derivations` (claims and models, pure SymPy) and
:mod:`verify` (checkers, engine, reports, CLI). This package holds the version and makes
``python -m samverify`` work; importing it is cheap.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("samverify")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
