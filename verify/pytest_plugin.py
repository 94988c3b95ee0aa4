"""pytest plugin: claims declared in your test modules run as tests, with their verdicts in the summary.

Installed as the ``samverify`` entry point of ``pytest11``. In a collected test module it picks up

* module-level :class:`derivations.Claim` objects (or ``pytest.param(claim, marks=...)``) whose
  variable name matches pytest's ``python_functions`` pattern (``test_*`` by default), and
* every claim (or ``pytest.param``) in a module-level list named ``samverify_claims``,

and makes one test item per (claim, reading), named after the Python variable,
``<variable>[<reading>]`` (for list entries ``samverify_claims[<claim id>-<reading>]``), so that
``-k`` and ``file.py::name`` select them as they select functions. An item passes when the verdict
is ``proved`` or ``supported`` and fails otherwise, with the counterexample and the evidence in
the failure message; ``pytest.param(claim, marks=pytest.mark.xfail)`` declares an expected
refutation. The terminal summary lists every verdict, also under pytest-xdist (verdicts travel
with the test reports). Nothing else in a test session changes: the plugin imports neither SymPy
nor samverify's engine until a module declares a claim.

Options: ``--samverify-level`` (``fast``/``full``) and ``--samverify-seed``, or the ini options
``samverify_level`` and ``samverify_seed`` (defaults ``fast`` and 0, so runs are reproducible).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

__all__ = ["ClaimItem"]

_PROPERTY = "samverify_verdict"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register ``--samverify-level`` / ``--samverify-seed`` and their ini options."""
    group = parser.getgroup("samverify", "checking samverify claims declared in test modules")
    group.addoption("--samverify-level", default=None, choices=("fast", "full"),
                    help="how hard each claim is checked (default: ini samverify_level, else fast)")
    group.addoption("--samverify-seed", default=None, type=int,
                    help="seed of every random choice in claim checks (default: ini samverify_seed, else 0)")
    parser.addini("samverify_level", "samverify check level for declared claims (fast or full)", default="fast")
    parser.addini("samverify_seed", "samverify seed for declared claims", default="0")


def _setting(config: pytest.Config, name: str) -> Any:
    value = config.getoption(f"samverify_{name}")
    if value is None:
        value = config.getini(f"samverify_{name}")
    if name == "seed":
        try:
            seed = int(value)
        except ValueError:
            seed = -1
        if seed < 0:
            raise pytest.UsageError(f"samverify_seed={value!r} must be a non-negative integer")
        value = seed
    elif value not in ("fast", "full"):
        raise pytest.UsageError(f"samverify_level={value!r} must be 'fast' or 'full'")
    return value


_SETTINGS = pytest.StashKey[dict]()


def pytest_configure(config: pytest.Config) -> None:
    """Validate the level and seed once, before collection (a bad value is a usage error)."""
    config.stash[_SETTINGS] = {"level": _setting(config, "level"), "seed": _setting(config, "seed")}


def _is_claim(obj: Any) -> bool:
    mod = sys.modules.get("derivations._claim")  # no claim can exist before derivations is imported
    return mod is not None and isinstance(obj, mod.Claim)


def _unwrap(obj: Any) -> tuple[Any, tuple[Any, ...]] | None:
    """``(claim, marks)`` for a claim or a ``pytest.param(claim, marks=...)``; None otherwise."""
    if _is_claim(obj):
        return obj, ()
    values = getattr(obj, "values", None)
    if isinstance(values, tuple) and len(values) == 1 and _is_claim(values[0]) and hasattr(obj, "marks"):
        return values[0], tuple(obj.marks)
    return None


class ClaimFailure(Exception):
    """Raised by a :class:`ClaimItem` whose claim did not reach an acceptable verdict."""


class ClaimItem(pytest.Item):
    """One (claim, reading) as a test item."""

    def __init__(self, *, claim: Any, reading: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.claim = claim
        self.reading = reading

    def _record(self, r: Any) -> None:
        cx = None if r.counterexample is None else {"params": dict(r.counterexample.params),
                                                      "claimed": r.counterexample.claimed,
                                                      "actual": r.counterexample.actual}
        self.user_properties.append((_PROPERTY, json.dumps({"claim": self.claim.id, "reading": r.reading,
                                                            "verdict": r.verdict, "counterexample": cx}, default=str)))

    def runtest(self) -> None:
        """Check the claim under the reading; fail with the report section unless proved or supported."""
        from verify.testing import ClaimFailed, assert_claim, format_result

        cfg = self.config
        try:
            opts = cfg.stash[_SETTINGS]
            results = assert_claim(self.claim, self.reading, level=opts["level"], rng=opts["seed"])
        except ClaimFailed as exc:
            for r in exc.results:
                self._record(r)
            raise ClaimFailure(str(exc)) from None
        for r in results:
            self._record(r)
        self.add_report_section("call", "samverify", "\n".join(format_result(self.claim, r) for r in results))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | Any:
        """The verdict, counterexample and evidence for a failed claim; pytest's usual report otherwise."""
        if isinstance(excinfo.value, ClaimFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        """Where the claim is declared, for pytest's headers."""
        return self.path, None, f"samverify claim {self.claim.id} [{self.reading}]"


def _items(collector: pytest.Collector, entries: list[tuple[str, Any, tuple[Any, ...]]]) -> list[ClaimItem]:
    out = []
    for prefix, claim, marks in entries:
        for r in claim.reading_names:
            item = ClaimItem.from_parent(collector, name=f"{prefix}[{r}]" if "[" not in prefix else f"{prefix[:-1]}-{r}]",
                                         claim=claim, reading=r)
            for m in marks:
                item.add_marker(m)
            out.append(item)
    return out


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: Any) -> list[ClaimItem] | None:
    """Turn declared claims of a test module into items (None for everything else)."""
    if not isinstance(collector, pytest.Module):
        return None
    if name == "samverify_claims" and isinstance(obj, (list, tuple)):
        entries = []
        for x in obj:
            u = _unwrap(x)
            if u is None:
                raise TypeError(f"samverify_claims in {collector.path.name} must hold Claims (or pytest.param of a "
                                f"Claim) only, not {x!r}")
            entries.append((f"{name}[{u[0].id}]", u[0], u[1]))
        return _items(collector, entries)
    u = _unwrap(obj)
    if u is not None and collector.funcnamefilter(name):
        return _items(collector, [(name, u[0], u[1])])
    return None


#: verdicts of this session's reports, listed (and emptied) by the terminal summary
_PENDING: list[tuple[str, dict[str, Any]]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collect verdicts from reports (on the controller too, under pytest-xdist)."""
    if report.when != "call":
        return
    for key, value in report.user_properties:
        if key == _PROPERTY:
            _PENDING.append((report.nodeid, json.loads(value)))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """List every claim verdict of the session (nothing when no claim ran)."""
    rows = list(_PENDING)
    _PENDING.clear()
    if not rows:
        return
    terminalreporter.section("samverify verdicts")
    for nodeid, v in rows:
        line = f"{v['verdict']:>12}  {nodeid}  ({v['claim']} [{v['reading']}])"
        cx = v.get("counterexample")
        if cx is not None:
            line += f"  counterexample {cx['params']}: claimed {cx['claimed']}, actual {cx['actual']}"
        terminalreporter.write_line(line)
