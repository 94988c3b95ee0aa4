"""samverify's numerical side: checkers, the verdict engine, simulators, reports and the CLI.

``verify`` imports :mod:`derivations`, never the reverse.
"""

from __future__ import annotations

from ._engine import LEVELS, check, evaluate, register_check
from . import strategies, testing
from ._results import CheckResult, Counterexample, Decision, PartResult, ReadingResult, decide, undecided
from ._scaling import scaling_check, scaling_checks

__all__ = ["LEVELS", "CheckResult", "Counterexample", "Decision", "decide", "undecided", "PartResult", "ReadingResult", "check", "evaluate", "register_check", "scaling_check", "scaling_checks",
           "strategies", "testing"]
