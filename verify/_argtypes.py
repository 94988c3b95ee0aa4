"""Argument types shared by the command line's subcommands (kept free of heavy imports)."""

from __future__ import annotations

import argparse

__all__ = ["positive_int", "seed"]


def _integer(text: str, name: str, minimum: int, requirement: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}={text!r} must be {requirement}") from None
    if v < minimum:
        raise argparse.ArgumentTypeError(f"{name}={v} must be {requirement}")
    return v


def positive_int(text: str) -> int:
    """``--jobs``/``--runs``: an integer >= 1."""
    return _integer(text, "--jobs", 1, "a positive integer")


def seed(text: str) -> int:
    """``--seed``: a non-negative integer."""
    return _integer(text, "seed", 0, "a non-negative integer")
