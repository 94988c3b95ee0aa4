"""Time budgets for SymPy calls, which can run for minutes on an unlucky simplification.

A budget works in any thread: in the main thread an interval timer (``SIGALRM``) interrupts the
call; elsewhere (worker threads of an executor) a timer thread raises :class:`OutOfTime` in the
budgeted thread through ``PyThreadState_SetAsyncExc``. Both interrupt pure-Python code (SymPy)
between bytecodes. Process pools run each task in its worker's main thread, so the timer is used
there. A call that runs out of time becomes ``inconclusive`` in the checkers, never unbounded.
"""

from __future__ import annotations

import ctypes
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


_ACTIVE_ALARM = threading.local()


def _with_alarm(fn: Callable[[], T], seconds: float) -> T:
    if getattr(_ACTIVE_ALARM, "depth", 0):
        # a budget inside a budget: the outer timer already bounds this call
        return fn()

    def _raise(signum: int, frame: object) -> None:
        raise OutOfTime(f"out of time after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _ACTIVE_ALARM.depth = 1
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        _ACTIVE_ALARM.depth = 0


def _with_async_exception(fn: Callable[[], T], seconds: float) -> T:
    if getattr(_ACTIVE_ALARM, "depth", 0):
        return fn()
    target = threading.get_ident()
    done = threading.Event()
    lock = threading.Lock()
    fired = {"yes": False}

    def interrupt() -> None:
        with lock:
            if done.is_set():
                return
            fired["yes"] = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(OutOfTime))

    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    _ACTIVE_ALARM.depth = 1
    timer.start()
    try:
        return fn()
    except OutOfTime:
        raise OutOfTime(f"out of time after {seconds:g} s") from None
    finally:
        with lock:
            done.set()
        timer.cancel()
        _ACTIVE_ALARM.depth = 0
        if fired["yes"]:
            # the exception may still be pending if fn returned just as the timer fired: clear it
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)


def within_budget(fn: Callable[[], T], seconds: float) -> T:
    """Run ``fn()`` and raise :class:`OutOfTime` if it takes longer than ``seconds`` (any thread)."""
    if seconds <= 0:
        raise OutOfTime(f"no time left (budget {seconds} s)")
    if _can_alarm():
        return _with_alarm(fn, seconds)
    return _with_async_exception(fn, seconds)
