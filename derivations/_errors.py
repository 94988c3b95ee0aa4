"""The project's exception hierarchy: one root, subclasses that also inherit the matching builtin."""

from __future__ import annotations

__all__ = [
    "SamverifyError",
    "InvalidParameter",
    "UnknownClaim",
    "UnknownReading",
    "LatexParseError",
    "RegistryError",
]


class SamverifyError(Exception):
    """Root of every error samverify raises on purpose."""


class InvalidParameter(SamverifyError, ValueError):
    """An argument has a value outside its documented domain (message names it, its value, the rule)."""


class UnknownClaim(SamverifyError, LookupError):
    """A claim id is not in the registry; the message lists close matches."""


class UnknownReading(SamverifyError, LookupError):
    """A reading name is not one of the claim's readings; the message lists them."""


class LatexParseError(SamverifyError, ValueError):
    """A LaTeX string could not be parsed into a SymPy expression."""


class RegistryError(SamverifyError, LookupError):
    """The claim or checker registry is inconsistent: a catalogue failed to load, a duplicate id,
    a declared method without a checker or a checker emitting an undeclared method."""
