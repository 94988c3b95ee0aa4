"""pytest plugin: claims declared in your test modules run as tests, with their verdicts in the summary.

Installed as the ``samverify`` entry point of ``pytest11``. In a collected test module it picks up

* module-level :class:`derivations.Claim` objects whose name matches pytest's ``python_functions``
  pattern (``test_*`` by default), and
* every claim in a module-level list named ``samverify_claims``,

and makes one test item per (claim, reading), named ``<claim id>[<reading>]``. An item passes when
the verdict is ``proved`` or ``supported`` and fails otherwise, with the counterexample and the
evidence in the failure message; the terminal summary lists every verdict. Nothing else in a test
session changes: modules that declare no claims are collected as before, and ``derivations`` is
not imported until a module has one.

Options: ``--samverify-level`` (``fast``/``full``, default ``fast``) and ``--samverify-seed``
(default 0, so runs are reproducible).
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

__all__ = ["ClaimItem"]

_VERDICTS = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register ``--samverify-level`` and ``--samverify-seed``."""
    group = parser.getgroup("samverify", "checking samverify claims declared in test modules")
    group.addoption("--samverify-level", default="fast", choices=("fast", "full"),
                    help="how hard each claim is checked (default: fast)")
    group.addoption("--samverify-seed", default=0, type=int,
                    help="seed of every random choice in claim checks (default: 0)")


def _is_claim(obj: Any) -> bool:
    mod = sys.modules.get("derivations._claim")  # no claim can exist before derivations is imported
    return mod is not None and isinstance(obj, mod.Claim)


class ClaimFailure(Exception):
    """Raised by a :class:`ClaimItem` whose claim did not reach an acceptable verdict."""


class ClaimItem(pytest.Item):
    """One (claim, reading) as a test item."""

    def __init__(self, *, claim: Any, reading: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.claim = claim
        self.reading = reading

    def runtest(self) -> None:
        """Check the claim under the reading; fail with the report section unless proved or supported."""
        from verify.testing import ClaimFailed, assert_claim, format_result

        cfg = self.config
        try:
            results = assert_claim(self.claim, self.reading, level=cfg.getoption("samverify_level"),
                                   rng=cfg.getoption("samverify_seed"))
        except ClaimFailed as exc:
            for r in exc.results:
                cfg.stash[_VERDICTS].append((self.nodeid, r.reading, r.verdict, r.counterexample))
            raise ClaimFailure(str(exc)) from None
        for r in results:
            cfg.stash[_VERDICTS].append((self.nodeid, r.reading, r.verdict, r.counterexample))
            self.user_properties.append(("samverify_verdict", r.verdict))
        self.add_report_section("call", "samverify", "\n".join(format_result(self.claim, r) for r in results))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | Any:
        """The verdict, counterexample and evidence for a failed claim; pytest's usual report otherwise."""
        if isinstance(excinfo.value, ClaimFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        """Where the claim is declared, for pytest's headers."""
        return self.path, None, f"samverify claim {self.claim.id} [{self.reading}]"


def _items(collector: pytest.Collector, claims: list[Any]) -> list[ClaimItem]:
    return [ClaimItem.from_parent(collector, name=f"{c.id}[{r}]", claim=c, reading=r)
            for c in claims for r in c.reading_names]


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: Any) -> list[ClaimItem] | None:
    """Turn declared claims of a test module into items (None for everything else)."""
    if not isinstance(collector, pytest.Module):
        return None
    if name == "samverify_claims" and isinstance(obj, (list, tuple)):
        bad = [c for c in obj if not _is_claim(c)]
        if bad:
            raise TypeError(f"samverify_claims in {collector.path.name} must hold Claims only, not {bad[0]!r}")
        return _items(collector, list(obj))
    if _is_claim(obj) and collector.funcnamefilter(name):
        return _items(collector, [obj])
    return None


def pytest_configure(config: pytest.Config) -> None:
    """Prepare the list of verdicts shown in the terminal summary."""
    config.stash[_VERDICTS] = []


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """List every claim verdict of the session (nothing when no claim ran)."""
    rows = config.stash.get(_VERDICTS, [])
    if not rows:
        return
    terminalreporter.section("samverify verdicts")
    for nodeid, reading, verdict, cx in rows:
        line = f"{verdict:>12}  {nodeid}"
        if cx is not None:
            line += f"  counterexample {dict(cx.params)}: claimed {cx.claimed}, actual {cx.actual}"
        terminalreporter.write_line(line)
