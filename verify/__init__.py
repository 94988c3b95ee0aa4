"""samverify's numerical side: checkers, the verdict engine, simulators, reports and the CLI.

``verify`` imports :mod:`derivations`, never the reverse.
"""

from __future__ import annotations

from ._engine import LEVELS, check, evaluate, register_check
from ._results import CheckResult, Counterexample, PartResult, ReadingResult

__all__ = ["LEVELS", "CheckResult", "Counterexample", "PartResult", "ReadingResult", "check", "evaluate", "register_check"]
