"""The shared vocabulary for argument validation (pure Python: used by derivations and verify).

Every check raises :class:`InvalidParameter` with one message shape:
``"<name>=<value!r> must be <requirement>"`` optionally followed by a hint, so that a user
always sees the offending argument, its value and the rule it broke.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

from ._errors import InvalidParameter

__all__ = [
    "fail",
    "check_finite",
    "check_positive",
    "check_nonnegative",
    "check_integer",
    "check_in_range",
    "check_choice",
]


def fail(name: str, value: Any, requirement: str, hint: str | None = None) -> InvalidParameter:
    """Build the standard error for argument ``name`` whose ``value`` broke ``requirement``."""
    msg = f"{name}={value!r} must be {requirement}"
    if hint:
        msg += f" ({hint})"
    return InvalidParameter(msg)


def _as_float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        try:
            value = float(value)  # SymPy numbers, numpy scalars, mpmath mpf
        except (TypeError, ValueError):
            raise fail(name, value, "a real number") from None
    return float(value)


def check_finite(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number."""
    x = _as_float(name, value)
    if not math.isfinite(x):
        raise fail(name, value, "finite (not NaN or infinite)")
    return x


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise unless it is finite and > 0."""
    x = check_finite(name, value)
    if not x > 0:
        raise fail(name, value, "> 0")
    return x


def check_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise unless it is finite and >= 0."""
    x = check_finite(name, value)
    if not x >= 0:
        raise fail(name, value, ">= 0")
    return x


def check_integer(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an int, or raise unless it is an integer within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        if isinstance(value, Real) and math.isfinite(float(value)) and float(value).is_integer():
            value = int(value)
        else:
            raise fail(name, value, "an integer")
    v = int(value)
    if minimum is not None and v < minimum:
        raise fail(name, value, f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]")
    if maximum is not None and v > maximum:
        raise fail(name, value, f"<= {maximum}" if minimum is None else f"in [{minimum}, {maximum}]")
    return v


def check_in_range(
    name: str, value: Any, low: float, high: float, *, closed_low: bool = True, closed_high: bool = True
) -> float:
    """Return ``value`` as a float, or raise unless it lies in the stated interval."""
    x = check_finite(name, value)
    ok_low = x >= low if closed_low else x > low
    ok_high = x <= high if closed_high else x < high
    if not (ok_low and ok_high):
        lb = "[" if closed_low else "("
        rb = "]" if closed_high else ")"
        raise fail(name, value, f"in {lb}{low}, {high}{rb}")
    return x


def check_choice(name: str, value: Any, choices: tuple[str, ...] | list[str]) -> str:
    """Return ``value`` or raise unless it is one of ``choices`` (listed in the message)."""
    if value not in choices:
        raise fail(name, value, "one of " + ", ".join(repr(c) for c in choices))
    return value
