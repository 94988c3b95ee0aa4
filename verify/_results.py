"""Results as frozen data: one check, one part of a statement, one (claim, reading) verdict."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "Results",
    "OPS",
    "Decision",
    "decide",
    "undecided",
    "OUTCOMES",
    "VERDICTS",
    "METHODS",
    "Counterexample",
    "CheckResult",
    "PartResult",
    "ReadingResult",
    "combine_checks",
    "combine_parts",
]

Outcome = Literal["pass", "fail", "inconclusive", "skipped"]
Verdict = Literal["proved", "supported", "refuted", "inconclusive"]
OUTCOMES: tuple[str, ...] = ("pass", "fail", "inconclusive", "skipped")
VERDICTS: tuple[str, ...] = ("proved", "supported", "refuted", "inconclusive")
METHODS: tuple[str, ...] = ("symbolic", "precision", "exact", "montecarlo", "property", "experiment")
OPS: tuple[str, ...] = ("<", "<=", ">", ">=", "==", "!=")
_OP_FN: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}

Scalar = float | int | bool | str


def _plain(x: Any, name: str) -> Scalar:
    """A JSON scalar: numpy / mpmath / SymPy numbers become Python ``int`` / ``float``."""
    if isinstance(x, (bool, str)):
        return x
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        return x
    if hasattr(x, "is_Integer") and getattr(x, "is_Integer", False):
        return int(x)
    if hasattr(x, "item") and callable(x.item) and getattr(x, "shape", None) == ():  # numpy scalar
        v = x.item()
        if isinstance(v, (bool, int, float)):
            return v
    try:
        return float(x)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"decision {name}={x!r} must be a number, a bool or a string") from exc


@dataclass(frozen=True)
class Decision:
    """The recorded test behind a check's outcome: ``value op threshold``.

    ``quantity`` says in words what ``value`` is (a p-value, a maximum relative error, a count of
    violations, a spectral radius); ``threshold`` is what it is compared with. A check's outcome is
    ``pass`` exactly when :meth:`holds` is true and ``fail`` otherwise, so a reader of the JSON can
    redo the arithmetic. NaN never satisfies an order relation (IEEE semantics).
    """

    quantity: str
    value: Scalar
    op: str
    threshold: Scalar

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"op={self.op!r} must be one of {OPS}")
        if not isinstance(self.quantity, str) or not self.quantity:
            raise ValueError(f"quantity={self.quantity!r} must be a non-empty description")
        object.__setattr__(self, "value", _plain(self.value, "value"))
        object.__setattr__(self, "threshold", _plain(self.threshold, "threshold"))
        if self.op not in ("==", "!=") and (isinstance(self.value, str) or isinstance(self.threshold, str)):
            raise ValueError(f"op={self.op!r} needs numbers; got value={self.value!r}, threshold={self.threshold!r}")

    def holds(self) -> bool:
        """Whether ``value op threshold`` is true."""
        return bool(_OP_FN[self.op](self.value, self.threshold))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``{"quantity", "value", "op", "threshold"}`` (infinities as strings)."""
        return {"quantity": self.quantity, "value": _json_scalar(self.value), "op": self.op,
                "threshold": _json_scalar(self.threshold)}

    @staticmethod
    def recompute(d: Mapping[str, Any]) -> bool:
        """Redo the comparison from a decision's JSON form (the inverse of :meth:`to_dict`)."""
        return Decision(d["quantity"], _from_json_scalar(d["value"]), d["op"], _from_json_scalar(d["threshold"])).holds()


def _json_scalar(x: Scalar) -> Scalar:
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def _from_json_scalar(x: Scalar) -> Scalar:
    if x in ("inf", "-inf", "nan"):
        return float(x)
    return x


@dataclass(frozen=True)
class Counterexample:
    """A point of the domain where the claim fails, with both sides' values.

    ``claimed`` is what the printed statement says there and ``actual`` what the reading's model
    gives (for a sign claim: the quantity whose sign is wrong). ``exact`` marks a counterexample
    confirmed by exact (rational / symbolic) arithmetic rather than by high-precision floats.
    """

    params: Mapping[str, Any]
    claimed: Any
    actual: Any
    note: str = ""
    exact: bool = False
    certified: bool = False
    why: str = ""
    enclosure: Mapping[str, Any] | None = None
    tie: bool = False
    persists: bool | None = None
    relative_violation: float | None = None
    degenerate: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (docs/catalogue.md report schema, plus ``note``, ``exact`` and the certificate).

        ``certified`` is true when interval or ball arithmetic (or exact rational arithmetic)
        excludes the claim at the point, with the ``enclosure``; otherwise ``why`` says why not.
        ``tie`` marks a violation only with equality (a boundary tie); ``persists`` whether the
        violation survives small perturbations of the point; ``degenerate`` names a measure-zero
        witness (e.g. a start orthogonal to the top mode).
        """
        d: dict[str, Any] = {"params": dict(self.params), "claimed": self.claimed, "actual": self.actual,
                             "note": self.note, "exact": self.exact, "certified": self.certified}
        if not self.certified:
            d["why"] = self.why or "no rigorous enclosure was attempted for this counterexample"
        if self.enclosure is not None:
            d["enclosure"] = dict(self.enclosure)
        d["tie"] = self.tie
        if self.persists is not None:
            d["persists"] = self.persists
        if self.relative_violation is not None:
            d["relative_violation"] = self.relative_violation
        if self.degenerate:
            d["degenerate"] = self.degenerate
        return d


@dataclass(frozen=True)
class CheckResult:
    """The result of one check (one method on one statement or part of it).

    ``proof`` is true only for a ``pass`` that covers the whole domain (a symbolic derivation);
    ``counts`` is false for context checks that inform the reader without bearing on the verdict.
    ``selftest`` marks a comparison of two of samverify's own computations (a simulator against
    the exact operator): it never bears on the claim, and its failure is reported as an error of
    samverify (:attr:`ReadingResult.tool_errors`), never as a refutation.
    A ``pass`` or ``fail`` carries the :class:`Decision` it follows from (enforced here); an
    ``inconclusive`` or ``skipped`` check carries the ``reason`` instead. Build results with
    :func:`decide` and :func:`undecided` rather than choosing an outcome by hand.
    """

    method: str
    outcome: str
    detail: str
    part: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None
    elapsed: float = 0.0
    counterexample: Counterexample | None = None
    proof: bool = False
    counts: bool = True
    decision: Decision | None = None
    reason: str = ""
    selftest: bool = False

    def __post_init__(self) -> None:
        if self.selftest and self.counts:
            raise ValueError(f"{self.method} check: a self-test (the tool against itself) must have counts=False")
        if self.outcome in ("pass", "fail"):
            if self.decision is None:
                raise ValueError(f"{self.method} check: outcome={self.outcome!r} needs its decision (value op threshold)")
            if self.decision.holds() != (self.outcome == "pass"):
                raise ValueError(f"{self.method} check: outcome={self.outcome!r} contradicts its decision {self.decision}")
        elif not self.reason:
            raise ValueError(f"{self.method} check: outcome={self.outcome!r} needs a reason")
        if self.method not in METHODS:
            raise ValueError(f"method={self.method!r} must be one of {METHODS}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome={self.outcome!r} must be one of {OUTCOMES}")
        if self.proof and self.outcome != "pass":
            raise ValueError("proof=True requires outcome='pass'")
        if self.proof and self.method != "symbolic":
            raise ValueError(f"proof=True requires a symbolic check, not {self.method!r}: never prove by sampling")
        if self.outcome == "fail" and self.counts and self.counterexample is None:
            raise ValueError("a counted failing check must carry its counterexample")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (docs/catalogue.md schema: method, outcome, detail; more fields added)."""
        d: dict[str, Any] = {"method": self.method, "outcome": self.outcome, "detail": self.detail}
        if self.part is not None:
            d["part"] = self.part
        d["counts"] = self.counts
        d["proof"] = self.proof
        d["seed"] = self.seed
        d["elapsed_s"] = round(self.elapsed, 4)
        if self.selftest:
            d["selftest"] = True
        if self.decision is not None:
            d["decision"] = self.decision.to_dict()
        if self.reason:
            d["reason"] = self.reason
        if self.data:
            d["data"] = dict(self.data)
        if self.counterexample is not None:
            d["counterexample"] = self.counterexample.to_dict()
        return d


def decide(
    method: str,
    detail: str,
    *,
    quantity: str,
    value: Any,
    op: str,
    threshold: Any,
    counterexample: Counterexample | Callable[[], Counterexample] | None = None,
    **kwargs: Any,
) -> CheckResult:
    """A check result whose outcome follows from ``value op threshold``: ``pass`` iff it holds.

    ``counterexample`` (or a function building it, called only on failure) is kept only when the
    decision fails; ``proof=True`` is kept only when it passes. Other keyword arguments go to
    :class:`CheckResult` (``part``, ``data``, ``seed``, ``elapsed``, ``counts``).
    """
    d = Decision(quantity, value, op, threshold)
    ok = d.holds()
    cx = None
    if not ok and counterexample is not None:
        cx = counterexample() if callable(counterexample) else counterexample
    if not ok:
        kwargs.pop("proof", None)
    return CheckResult(method, "pass" if ok else "fail", detail, decision=d, counterexample=cx, **kwargs)


def undecided(method: str, reason: str, detail: str = "", *, skipped: bool = False, **kwargs: Any) -> CheckResult:
    """An ``inconclusive`` (or, with ``skipped=True``, ``skipped``) check carrying its ``reason``.

    ``decision`` may still be given as context (e.g. a passing comparison without enough power).
    """
    return CheckResult(method, "skipped" if skipped else "inconclusive", detail or reason, reason=reason, **kwargs)


def _simplicity(cx: Counterexample) -> tuple:
    """Ranking key, best first: not a boundary tie, certified, not degenerate, persisting, larger violation, simpler."""
    rel = cx.relative_violation if cx.relative_violation is not None else 0.0
    return (1 if cx.tie else 0, 0 if cx.certified else 1, 1 if cx.degenerate else 0,
            0 if cx.persists else 1, -min(rel, 1e300), sum(len(repr(v)) for v in cx.params.values()),
            0 if cx.exact else 1)


def combine_checks(checks: tuple[CheckResult, ...]) -> tuple[str, Counterexample | None]:
    """Turn the counted checks of one statement into a verdict (docs/catalogue.md rules).

    refuted: a counted check failed with a counterexample; proved: a symbolic check passed on the
    whole domain; supported: no failure, at least one numerical check passed and none could not
    run; inconclusive otherwise.
    """
    counted = [c for c in checks if c.counts]
    failing = [c.counterexample for c in counted if c.outcome == "fail" and c.counterexample is not None]
    if failing:
        # report the simplest witness (shortest parameter values), exact ones first on ties
        return "refuted", min(failing, key=_simplicity)
    if any(c.outcome == "pass" and c.proof for c in counted):
        return "proved", None
    numeric_pass = any(c.outcome == "pass" and c.method != "symbolic" for c in counted)
    could_not_run = any(c.outcome == "skipped" for c in counted)
    if numeric_pass and not could_not_run:
        return "supported", None
    return "inconclusive", None


@dataclass(frozen=True)
class PartResult:
    """The verdict on one named part of a compound statement."""

    name: str
    verdict: str
    checks: tuple[CheckResult, ...]
    counterexample: Counterexample | None = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict={self.verdict!r} must be one of {VERDICTS}")
        if self.verdict == "refuted" and self.counterexample is None:
            raise ValueError(f"part {self.name}: a refuted verdict needs its counterexample")


def combine_parts(parts: tuple[PartResult, ...]) -> tuple[str, Counterexample | None]:
    """All parts must hold: refuted if one is, proved if all are, supported if all are at least."""
    refuted = [p.counterexample for p in parts if p.verdict == "refuted" and p.counterexample is not None]
    if refuted:
        return "refuted", min(refuted, key=_simplicity)
    verdicts = {p.verdict for p in parts}
    if verdicts == {"proved"}:
        return "proved", None
    if verdicts <= {"proved", "supported"}:
        return "supported", None
    return "inconclusive", None


@dataclass(frozen=True)
class ReadingResult:
    """The verdict on one claim under one reading, with the evidence behind it."""

    claim_id: str
    reading: str
    verdict: str
    checks: tuple[CheckResult, ...]
    parts: tuple[PartResult, ...] = ()
    counterexample: Counterexample | None = None
    seed: int | None = None
    level: str = "fast"
    elapsed: float = 0.0
    derivation: tuple[tuple[str, str], ...] = ()
    families: tuple[Mapping[str, Any], ...] = ()
    mathml: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict={self.verdict!r} must be one of {VERDICTS}")
        if self.verdict == "refuted" and self.counterexample is None:
            raise ValueError(f"{self.claim_id} [{self.reading}]: a refuted verdict needs its counterexample")

    def _repr_html_(self) -> str:
        """Jupyter's rich display: verdict, checks with their decisions, counterexample, derivation."""
        from ._html import reading_html

        return reading_html(self.to_dict(), claim_id=self.claim_id)

    @property
    def tool_errors(self) -> tuple[str, ...]:
        """Failed self-tests: errors of samverify itself, reported beside (never in) the verdict."""
        return tuple(f"{c.method} self-test failed: {c.detail}" for c in self.checks if c.selftest and c.outcome == "fail")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of one entry of a claim's ``results`` list."""
        d: dict[str, Any] = {
            "reading": self.reading,
            "verdict": self.verdict,
            "checks": [c.to_dict() for c in self.checks],
            "counterexample": None if self.counterexample is None else self.counterexample.to_dict(),
            "seed": self.seed,
            "level": self.level,
            "elapsed_s": round(self.elapsed, 3),
        }
        if self.tool_errors:
            d["tool_errors"] = list(self.tool_errors)
        if self.parts:
            d["parts"] = [
                {"name": p.name, "verdict": p.verdict,
                 "counterexample": None if p.counterexample is None else p.counterexample.to_dict()}
                for p in self.parts
            ]
        if self.derivation:
            steps = list(self.mathml.get("steps", ())) + [""] * len(self.derivation)
            d["derivation"] = [{"step": s, "latex": tex, **({"mathml": m} if m else {})}
                               for (s, tex), m in zip(self.derivation, steps)]
        if self.mathml.get("derived"):
            d["derived_mathml"] = self.mathml["derived"]
        return d


class Results(tuple):
    """The results of :func:`verify.check`: a tuple of :class:`ReadingResult` with a rich display."""

    def _repr_html_(self) -> str:
        from ._html import results_html

        return results_html(self)
