"""Test helpers for your own claims: assert a verdict, with the counterexample in the failure message.

:func:`assert_claim` checks a claim (every reading, or one) and raises :class:`ClaimFailed` (an
``AssertionError``) unless each verdict is acceptable — ``proved`` or ``supported`` by default. The
message names the claim, reading and verdict, the counterexample (parameters, claimed and actual
values) and each check's outcome, so a failing test reads like a report section.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from derivations import Claim
from derivations._validate import fail

from ._engine import LEVELS, check
from ._results import VERDICTS, ReadingResult
from ._scaling import attach_scaling

__all__ = ["ClaimFailed", "assert_claim", "format_result", "ACCEPT"]

#: The verdicts a claim must reach to pass by default.
ACCEPT: tuple[str, ...] = ("proved", "supported")


class ClaimFailed(AssertionError):
    """A claim did not reach an acceptable verdict; ``results`` holds every reading's result."""

    def __init__(self, message: str, results: Sequence[ReadingResult]) -> None:
        super().__init__(message)
        self.results = tuple(results)


def _num(x: Any) -> str:
    return json.dumps(x, default=str) if not isinstance(x, str) else x


def format_result(claim: Claim, result: ReadingResult) -> str:
    """One reading's verdict as text: verdict, counterexample, then each check (a report section)."""
    lines = [f"{claim.id} [{result.reading}]: {result.verdict}", f"  statement: {claim.to_latex()}"]
    if claim.where_latex():
        lines.append(f"  where: {claim.where_latex()}")
    cx = result.counterexample
    if cx is not None:
        lines.append(f"  counterexample: {_num(dict(cx.params))}")
        lines.append(f"    claimed: {_num(cx.claimed)}")
        lines.append(f"    actual:  {_num(cx.actual)}")
        if cx.note:
            lines.append(f"    note: {cx.note}")
    for c in result.checks:
        part = f" [{c.part}]" if c.part else ""
        ctx = "" if c.counts else " (context)"
        lines.append(f"  - {c.method}{part}: {c.outcome}{ctx} - {c.detail}")
    if result.derivation:
        lines.append("  derivation:")
        lines += [f"    {step}: {tex}" for step, tex in result.derivation]
    return "\n".join(lines)


def assert_claim(
    claim: Claim,
    reading: str | None = None,
    *,
    level: str = "fast",
    rng: int = 0,
    accept: Sequence[str] = ACCEPT,
) -> tuple[ReadingResult, ...]:
    """Check ``claim`` under ``reading`` (default: every reading); raise :class:`ClaimFailed` unless accepted.

    ``accept`` lists the acceptable verdicts (default ``proved`` and ``supported``; add
    ``"inconclusive"`` to tolerate undecided readings, or pass ``("refuted",)`` to assert that a claim
    is refuted). ``rng`` seeds every random choice (default 0: reproducible test runs). Declared
    scaling symmetries are checked too. Returns the results when the assertion holds.
    """
    if not isinstance(claim, Claim):
        raise fail("claim", claim, "a Claim (build one with derivations.user_claim)")
    bad = [v for v in accept if v not in VERDICTS]
    if bad or not accept:
        raise fail("accept", tuple(accept), "a non-empty subset of " + ", ".join(VERDICTS))
    if level not in LEVELS:
        raise fail("level", level, "one of " + ", ".join(LEVELS))
    attach_scaling(claim)
    results = check(claim, reading, level=level, rng=rng)
    failed = [r for r in results if r.verdict not in accept]
    if failed:
        head = f"claim {claim.id}: expected {' or '.join(accept)}, got " + ", ".join(
            f"{r.verdict} under {r.reading!r}" for r in failed)
        raise ClaimFailed("\n".join([head, *[format_result(claim, r) for r in failed]]), results)
    return results
