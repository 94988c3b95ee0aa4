"""Time budgets for SymPy calls, which can run for minutes on an unlucky simplification."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import TypeVar

__all__ = ["OutOfTime", "within_budget"]

T = TypeVar("T")


class OutOfTime(Exception):
    """Raised inside a budgeted call when its time is up (caught by the checkers: inconclusive)."""


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def within_budget(fn: Callable[[], T], seconds: float) -> T:
    """Run ``fn()`` and raise :class:`OutOfTime` if it takes longer than ``seconds``.

    Uses an interval timer (SymPy is pure Python, so the signal interrupts it between bytecodes).
    Off the main thread no timer is available and ``fn`` runs unbounded.
    """
    if seconds <= 0:
        raise OutOfTime(f"no time left (budget {seconds} s)")
    if not _can_alarm():
        return fn()

    def _raise(signum: int, frame: object) -> None:
        raise OutOfTime(f"out of time after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
