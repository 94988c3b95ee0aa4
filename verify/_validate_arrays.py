"""Validation helpers for numpy arguments, on the shared vocabulary of :mod:`derivations._validate`.

Every helper raises :class:`~derivations._errors.InvalidParameter` through
:func:`~derivations._validate.fail`, so messages read like
``H_i has shape (3, 2, 2)=... must be ...``.  Arrays are never printed whole: a message shows the
shape and the offending entry (index and value) or the offending eigenvalue.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derivations._validate import check_integer, fail

__all__ = [
    "as_float_array",
    "check_shape",
    "check_square",
    "check_symmetric",
    "check_psd",
    "check_generator",
    "check_nondecreasing",
    "check_count",
    "describe",
]

# Symmetry and PSD are judged relative to the matrix's scale: 1e-10 is ~1e6 float64 epsilons, loose
# enough for matrices assembled by sums/products of a few hundred terms, tight enough to catch a typo.
SYMMETRY_RTOL = 1e-10
PSD_RTOL = 1e-10


class _Shown:
    """A short stand-in for an array inside an error message (repr shows shape, not contents)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def describe(arr: Any) -> _Shown:
    """Return a short description of ``arr`` for messages: its shape and dtype, not its contents."""
    a = np.asarray(arr)
    if a.size <= 4:
        return _Shown(np.array2string(a, precision=6, separator=", ").replace("\n", ""))
    return _Shown(f"<array shape={a.shape} dtype={a.dtype}>")


def as_float_array(
    name: str, value: Any, *, ndim: int | tuple[int, ...] | None = None, dtype: Any = np.float64
) -> np.ndarray:
    """Return ``value`` as a finite float array (copy only when needed), checking its number of axes."""
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise fail(name, _Shown(type(value).__name__), "convertible to a real float array") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            req = " or ".join(str(k) for k in allowed)
            raise fail(name, describe(arr), f"an array with {req} axes (it has {arr.ndim})")
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise fail(name, describe(arr), "finite everywhere", f"entry {bad} is {arr[bad]!r}")
    return arr


def check_shape(name: str, arr: np.ndarray, shape: tuple[int | None, ...], *, hint: str | None = None) -> np.ndarray:
    """Raise unless ``arr.shape`` matches ``shape`` (``None`` matches any length on that axis)."""
    ok = arr.ndim == len(shape) and all(s is None or s == a for s, a in zip(shape, arr.shape))
    if not ok:
        want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        raise fail(f"{name} of shape {arr.shape}", _Shown("..."), f"of shape {want}", hint)
    return arr


def check_square(name: str, arr: np.ndarray) -> np.ndarray:
    """Raise unless the last two axes of ``arr`` are equal (a matrix or a stack of matrices)."""
    if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
        raise fail(f"{name} of shape {arr.shape}", _Shown("..."), "square in its last two axes")
    return arr


def _scale(arr: np.ndarray) -> float:
    s = float(np.max(np.abs(arr))) if arr.size else 0.0
    return s if s > 0 else 1.0


def check_symmetric(name: str, arr: np.ndarray, *, rtol: float = SYMMETRY_RTOL) -> np.ndarray:
    """Raise unless ``arr`` (a matrix or a stack) is symmetric to ``rtol`` of its largest entry."""
    check_square(name, arr)
    diff = np.abs(arr - np.swapaxes(arr, -1, -2))
    tol = rtol * _scale(arr)
    if np.any(diff > tol):
        idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
        tr = idx[:-2] + (idx[-1], idx[-2])
        raise fail(
            f"{name} of shape {arr.shape}",
            _Shown("..."),
            "symmetric",
            f"entry {idx} = {arr[idx]:.6g} but entry {tr} = {arr[tr]:.6g}",
        )
    return arr


def check_psd(name: str, arr: np.ndarray, *, rtol: float = PSD_RTOL, what: str = "positive semi-definite") -> np.ndarray:
    """Raise unless the symmetric matrix (or every matrix of a stack) ``arr`` is PSD up to ``rtol``."""
    check_symmetric(name, arr)
    ev = np.linalg.eigvalsh(0.5 * (arr + np.swapaxes(arr, -1, -2)))
    tol = rtol * _scale(arr)
    lo = ev[..., 0]
    if np.any(lo < -tol):
        k = int(np.argmin(lo)) if lo.ndim else None
        where = f"matrix {np.unravel_index(k, lo.shape)} has" if k is not None else "it has"
        raise fail(
            f"{name} of shape {arr.shape}",
            _Shown("..."),
            what,
            f"{where} eigenvalue {float(np.min(lo)):.6g} < 0",
        )
    return arr


def check_generator(name: str, rng: Any) -> np.random.Generator:
    """Raise unless ``rng`` is a :class:`numpy.random.Generator` (no global state, no bare seeds)."""
    if not isinstance(rng, np.random.Generator):
        raise fail(
            name,
            _Shown(type(rng).__name__),
            "a numpy.random.Generator",
            "pass np.random.default_rng(seed); use SeedSequence.spawn for independent streams",
        )
    return rng


def check_nondecreasing(name: str, arr: np.ndarray, *, minimum: float | None = None) -> np.ndarray:
    """Raise unless the 1-D ``arr`` is non-decreasing (and >= ``minimum`` when given)."""
    if minimum is not None and arr.size and float(arr.min()) < minimum:
        k = int(np.argmin(arr))
        raise fail(name, describe(arr), f">= {minimum} everywhere", f"entry {k} is {arr[k]!r}")
    if arr.size > 1 and np.any(np.diff(arr) < 0):
        k = int(np.argmax(np.diff(arr) < 0))
        raise fail(name, describe(arr), "non-decreasing", f"entry {k + 1}={arr[k + 1]!r} < entry {k}={arr[k]!r}")
    return arr


def check_count(name: str, value: Any, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Return an integer count, raising unless it lies in [minimum, maximum]."""
    return check_integer(name, value, minimum=minimum, maximum=maximum)

