"""The engine: run a claim's declared checks under each reading and turn them into verdicts."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import sympy as sp

from derivations import AllOf, Claim, Statement, get_claim, latex
from derivations._errors import RegistryError
from derivations._validate import check_choice, fail

from ._cache import cached, fingerprint
from ._mathml import expr_mathml, statement_mathml
from ._domain import Domain, domain_of
from ._precision import precision_check
from ._property import property_check
from ._results import METHODS, CheckResult, PartResult, ReadingResult, Results, combine_checks, combine_parts, undecided
from ._symbolic import symbolic_check

__all__ = ["Level", "LEVELS", "Checker", "GENERIC_METHODS", "RegistryError", "check", "checkers_of",
           "register_check", "resolve_seed", "validate_catalogue", "validate_claim"]


@dataclass(frozen=True)
class Level:
    """How hard each check works at one level (``fast`` for CI and the README, ``full`` for papers).

    ``alpha`` is the run's false-alarm budget: the probability that a run reports any true claim as
    refuted by a sampling-based check (Monte Carlo, experiments, bootstrap fits) is at most
    ``alpha``. The engine splits it equally over every sampling family of the catalogue (each
    reading of each checker that registers ``sampling_families``) and hands each checker its share
    as ``family_alpha`` (Bonferroni across families; within a family, Holm).
    """

    name: str
    symbolic_budget: float  # seconds per SymPy call: SymPy can hang, so this bounds the run
    precision_points: int  # random points besides the edges
    dps: int  # working precision of the precision check
    property_examples: int  # Hypothesis examples per statement
    montecarlo_paths: int
    alpha: float = 0.01  # the run's family-wise false-alarm budget
    family_alpha: float | None = None  # this checker family's share, set by the engine
    min_power: float = 0.8  # a sampling pass counts only with this power against `effect_size`
    effect_size: float = 0.05  # relative error a sampling check must be able to detect

    @property
    def montecarlo_alpha(self) -> float:
        """The false-alarm rate one sampling family may spend (its share of :attr:`alpha`)."""
        return self.family_alpha if self.family_alpha is not None else family_share(self.alpha)


LEVELS: dict[str, Level] = {
    # fast: every (claim, reading) in about a second; 24 random points + edges catch sign errors,
    # dropped factors and wrong exponents, which fail on most of the domain.
    "fast": Level("fast", symbolic_budget=20.0, precision_points=24, dps=50, property_examples=120,
                  montecarlo_paths=20_000),
    "full": Level("full", symbolic_budget=120.0, precision_points=300, dps=60, property_examples=1500,
                  montecarlo_paths=400_000),
}

#: A claim-specific checker: ``fn(claim, reading, level, seed_sequence) -> [CheckResult, ...]``.
ExtraCheck = Callable[[Claim, str, Level, np.random.SeedSequence], Sequence[CheckResult]]

#: The methods the engine runs itself on any statement (when the claim declares them).
GENERIC_METHODS: tuple[str, ...] = ("symbolic", "precision", "property")


@dataclass(frozen=True)
class Checker:
    """A registered claim-specific checker, the methods its results use and its sampling families."""

    fn: ExtraCheck
    methods: tuple[str, ...]
    sampling_families: int = 0

    @property
    def name(self) -> str:
        """The checker's qualified name (keys its random stream)."""
        return f"{self.fn.__module__}.{self.fn.__qualname__}"

    @property
    def sampling_method(self) -> str:
        """The method its sampling families are reported under (``montecarlo`` before ``experiment``)."""
        return next((m for m in ("montecarlo", "experiment") if m in self.methods), self.methods[0])


_EXTRA: dict[str, list[Checker]] = {}


def register_check(
    claim_id: str, *, methods: Sequence[str], sampling_families: int = 0, montecarlo_families: int = 0
) -> Callable[[ExtraCheck], ExtraCheck]:
    """Decorator: attach a claim-specific checker whose results use ``methods``.

    ``methods`` must be declared by the claim (``Claim.checks``): the engine refuses a checker that
    emits an undeclared method, and a declared method that neither the engine (``symbolic``,
    ``precision``, ``property`` on the statement) nor a registered checker provides.
    ``sampling_families`` (alias ``montecarlo_families``) is how many test families that can
    refute from sampling the checker runs per reading: the run's budget ``Level.alpha`` is split
    over all of them and the checker receives its share as ``level.family_alpha``.
    """
    methods = tuple(methods)
    bad = [m for m in methods if m not in METHODS]
    if not methods or bad:
        raise fail("methods", methods, f"a non-empty tuple of methods from {METHODS}")
    k = sampling_families or montecarlo_families
    if k < 0:
        raise fail("sampling_families", k, "a non-negative integer")

    def deco(fn: ExtraCheck) -> ExtraCheck:
        _EXTRA.setdefault(claim_id, []).append(Checker(fn, methods, k))
        _FAMILY_COUNT.clear()
        return fn

    return deco


def checkers_of(claim_id: str) -> tuple[Checker, ...]:
    """The claim-specific checkers registered for ``claim_id``."""
    _ensure_extras_loaded()
    return tuple(_EXTRA.get(claim_id, ()))


def validate_claim(claim: Claim) -> None:
    """Raise :class:`RegistryError` unless every declared method has a checker and every checker is declared."""
    _ensure_extras_loaded()
    declared = set(claim.checks)
    provided = {m for c in _EXTRA.get(claim.id, ()) for m in c.methods}
    undeclared = sorted(provided - declared)
    if undeclared:
        raise RegistryError(f"claim {claim.id}: checks={claim.checks!r} does not declare {undeclared}, "
                            "which its registered checkers emit; declare them or drop the checker")
    missing = sorted(declared - provided - set(GENERIC_METHODS))
    if missing:
        raise RegistryError(f"claim {claim.id}: declared method(s) {missing} have no checker; register one with "
                            "verify.register_check(claim_id, methods=...) or remove them from checks")


def validate_catalogue() -> None:
    """Validate every registered claim (and fail on checkers registered for unknown claim ids)."""
    from derivations import catalog

    claims = catalog()
    ids = {c.id for c in claims}
    _ensure_extras_loaded()
    orphans = sorted(set(_EXTRA) - ids - _USER_IDS)
    if orphans:
        raise RegistryError(f"checkers are registered for claim ids not in the catalogue: {orphans}")
    for c in claims:
        validate_claim(c)


#: Ids of claims built at run time (user claims) that may carry checkers outside the catalogue.
_USER_IDS: set[str] = set()


_FAMILY_COUNT: dict[str, int] = {}


def sampling_families() -> int:
    """The number of sampling families in a whole-catalogue run (each checker's count x its claim's readings)."""
    _ensure_extras_loaded()
    if "n" not in _FAMILY_COUNT:
        from derivations import catalog

        ids = {c.id: c for c in catalog()}
        _FAMILY_COUNT["n"] = sum(c.sampling_families * len(ids[cid].readings)
                                 for cid, checkers in _EXTRA.items() if cid in ids for c in checkers)
    return _FAMILY_COUNT["n"]


def family_share(alpha: float) -> float:
    """One sampling family's share of the run's budget ``alpha``: equal shares, rounded down so that
    the shares of all the catalogue's families sum to at most ``alpha`` in floating point too."""
    return alpha / max(sampling_families(), 1) * (1 - 1e-9)


montecarlo_families = sampling_families  # the name checkers used before the budget moved to the engine


def resolve_seed(rng: int | np.random.Generator | np.random.SeedSequence | None) -> int:
    """The integer seed a run records: given, drawn from a Generator, or fresh entropy."""
    if rng is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(2, dtype=np.uint64)[0] % (2**63))
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63 - 1))
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise fail("rng", rng, "a non-negative integer seed, a numpy Generator or None")
        return int(rng)
    raise fail("rng", rng, "a non-negative integer seed, a numpy Generator, a SeedSequence or None")


def _seq(seed: int, *keys: str) -> np.random.SeedSequence:
    """An independent stream per (claim, reading, part, method): the same whatever runs before it."""
    return np.random.SeedSequence([seed, *[zlib.crc32(k.encode()) for k in keys]])


def _printed_text(claim: Claim, part: str | None) -> str:
    """The printed statement (or one part of it) as text: the ``claimed`` side of a sign claim."""
    stmt = claim.statement
    if part is not None and isinstance(stmt, AllOf):
        stmt = dict(stmt.parts).get(part, stmt)
    if hasattr(stmt, "relation"):
        return str(stmt.relation)
    if hasattr(stmt, "hypothesis"):
        c = stmt.conclusion
        concl = f"{c.expr} bounded as {c.variable} -> {c.point}" if hasattr(c, "variable") else str(c)
        hyp = stmt.hypothesis
        hyp = f"{hyp.expr} bounded as {hyp.variable} -> {hyp.point}" if hasattr(hyp, "variable") else str(hyp)
        return f"{hyp} implies {concl}"
    return str(stmt)


def _check_statement(
    claim: Claim, reading: str, stmt: Statement, domain: Domain, level: Level, seed: int,
    part: str | None, *, counts: bool = True, validity: sp.Basic = sp.true,
) -> list[CheckResult]:
    """The generic methods (symbolic, precision, property) the claim declares, on one statement."""
    out: list[CheckResult] = []
    key = (claim.id, reading, part or "")
    label = _printed_text(claim, part) if counts else None
    if "symbolic" in claim.checks and counts:
        args = dict(budget=level.symbolic_budget, part=part, explain=claim.explain, time_symbol=claim.time_symbol,
                    label=label, validity=validity)
        content = (stmt, dict(domain.sets), dict(domain.integer), domain.where, args)
        out.append(cached("symbolic_check", content, lambda: symbolic_check(stmt, domain, **args),
                          keep=lambda r: "out of time" not in r.reason))
    if "precision" in claim.checks:
        ss = _seq(seed, *key, "precision")
        out.append(precision_check(stmt, domain, rng=np.random.default_rng(ss), seed=seed, n_random=level.precision_points,
                                   dps=level.dps, part=part, counts=counts, label=label, validity=validity))
    if "property" in claim.checks and counts:
        ss = _seq(seed, *key, "property")
        out.append(property_check(stmt, domain, seed=int(ss.generate_state(1)[0]), max_examples=level.property_examples,
                                  part=part, counts=counts, label=label, validity=validity))
    return out


def _mathml_or_empty(make: Callable[[], str]) -> str:
    """MathML for the HTML report; '' where SymPy's printer has no MathML form for an object."""
    try:
        return make()
    except (TypeError, NotImplementedError, AttributeError, ValueError):
        return ""


def _load_derivation(claim: Claim, reading: str) -> None:
    """Fill the claim's derivation of ``reading`` from the persistent cache (computing it on a miss).

    The key is the claim's content (statement, parameters, where), the reading and a fingerprint
    of the source of the ``derivations`` package and of the module defining the reading, so any
    change of the model's code recomputes it. Readings defined in ``__main__`` are not cached.
    """
    memo = claim.__dict__.setdefault("_derivations", {})
    r = claim.reading(reading)
    if reading in memo or r.derive is None:
        return
    module = getattr(r.derive, "__module__", None) or "__main__"
    if module == "__main__":
        return
    key = (claim.id, reading, claim.statement, claim.parameters, claim.where, fingerprint(["derivations", module]))
    memo[reading] = cached("derivation", key, lambda: claim.derivation(reading))


def _run_reading(claim: Claim, reading: str, level: Level, seed: int) -> ReadingResult:
    t0 = time.perf_counter()
    _load_derivation(claim, reading)
    stmt = claim.statement_for(reading)
    validity = claim.derivation(reading).validity
    domain = domain_of(claim)
    checks: list[CheckResult] = []
    parts: list[PartResult] = []
    # claim-specific checkers first: their results tagged with a part of a compound statement join
    # that part's evidence; the others attach to the whole statement
    families: list[dict[str, object]] = []
    share = family_share(level.alpha)
    extra_checks: list[CheckResult] = []
    for checker in _EXTRA.get(claim.id, []):
        lv = replace(level, family_alpha=share)
        produced = list(checker.fn(claim, reading, lv, _seq(seed, claim.id, reading, checker.fn.__name__)))
        families += [{"claim": claim.id, "reading": reading, "method": checker.sampling_method, "alpha": share,
                      "checker": checker.name}] * checker.sampling_families
        stray = sorted({c.method for c in produced} - set(checker.methods))
        if stray:
            raise RegistryError(f"checker {checker.name} of {claim.id} emitted method(s) {stray}; it declared "
                                f"{checker.methods}")
        extra_checks += produced
    if isinstance(stmt, AllOf):
        names = {name for name, _ in stmt.parts}
        for name, sub in stmt.parts:
            cs = _check_statement(claim, reading, sub, domain, level, seed, name, validity=validity)
            cs += [c for c in extra_checks if c.part == name]
            verdict, cx = combine_checks(tuple(cs))
            parts.append(PartResult(name, verdict, tuple(cs), cx))
            checks += cs
        checks += [c for c in extra_checks if c.part not in names]
    else:
        checks += _check_statement(claim, reading, stmt, domain, level, seed, None, validity=validity)
        checks += extra_checks
    if "symbolic" in claim.checks:
        from ._scaling import scaling_checks  # declared scaling symmetries (user claims); [] otherwise

        checks += scaling_checks(claim, reading)
    context = claim.extras.get("context")
    if context is not None:
        bound = context.bind(claim.derivation(reading).bindings)
        subs = bound.parts if isinstance(bound, AllOf) else (("context", bound),)
        for name, sub in subs:
            checks += _check_statement(claim, reading, sub, domain, level, seed, name, counts=False, validity=validity)
    # declared = run: a declared method that produced nothing is reported skipped, with its reason
    ran = {c.method for c in checks if c.counts}
    for m in claim.checks:
        if m not in ran:
            checks.append(undecided(m, f"declared method {m!r} produced no counted result at level {level.name!r}",
                                    skipped=True))
    if parts:
        stmt_verdict, _ = combine_parts(tuple(parts))
        # extra checks attach to the whole statement: fold them in as one more part
        names = {name for name, _ in stmt.parts}
        extra = tuple(c for c in checks if c.part not in names and c.counts)
        if extra:
            v, cx = combine_checks(extra)
            parts.append(PartResult("extra", v, extra, cx))
        verdict, cx = combine_parts(tuple(parts))
        if verdict != "refuted" and stmt_verdict == "proved":
            verdict = "proved"  # as for a single statement: numerical extras can refute a proof, never downgrade it
    else:
        verdict, cx = combine_checks(tuple(checks))
    steps = tuple((label, latex(obj)) for label, obj in claim.derivation(reading).steps)
    mathml = {"derived": _mathml_or_empty(lambda: statement_mathml(stmt)),
              "steps": [_mathml_or_empty(lambda o=obj: expr_mathml(o)) for _, obj in claim.derivation(reading).steps]}
    return ReadingResult(claim.id, reading, verdict, tuple(checks), tuple(parts), cx, seed=seed, level=level.name,
                         elapsed=time.perf_counter() - t0, derivation=steps, families=tuple(families), mathml=mathml)


def check(
    claim: Claim | str,
    reading: str | None = None,
    *,
    level: str = "fast",
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
) -> Results:
    """Check ``claim`` under ``reading`` (default: every reading) and return one result per reading.

    ``rng`` seeds every random choice (sample points, Hypothesis, Monte Carlo); the seed used is
    recorded in each result, so the same seed gives the same report.
    """
    if isinstance(claim, str):
        claim = get_claim(claim)
    elif not isinstance(claim, Claim):
        raise fail("claim", claim, "a Claim or a claim id string")
    check_choice("level", level, tuple(LEVELS))
    readings = claim.reading_names if reading is None else (claim.reading(reading).name,)
    seed = resolve_seed(rng)
    lv = LEVELS[level]
    validate_claim(claim)
    return Results(_cached_reading(claim, r, lv, seed) for r in readings)


def _library_versions() -> tuple[str, ...]:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in ("numpy", "scipy", "sympy", "mpmath", "hypothesis", "python-flint", "numba"):
        try:
            out.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            out.append(f"{name}=absent")
    return tuple(out)


def _cached_reading(claim: Claim, reading: str, level: Level, seed: int) -> ReadingResult:
    """A catalogue claim's result under ``reading``, reused from the persistent cache when nothing changed.

    The key is the claim id, the reading, the level, the seed, a fingerprint of the source of the
    ``derivations`` and ``verify`` packages and of the module that defines the claim, and the
    versions of the numerical libraries: every input the (deterministic) result depends on. Claims
    built at run time (user claims) are always recomputed, and ``SAMVERIFY_CACHE_RESULTS=0`` keeps
    only the symbolic cache (the test suite does, since tests patch internals).
    """
    from derivations._registry import catalogue_sources

    import os

    source = catalogue_sources().get(claim.id)
    if source is None or get_claim(claim.id) is not claim or os.environ.get("SAMVERIFY_CACHE_RESULTS") == "0":
        return _run_reading(claim, reading, level, seed)
    module = source.split("(")[-1].split(":")[0].strip(" )") if "(" in source else source.split(":")[0]
    key = (claim.id, reading, level.name, seed, fingerprint(["derivations", "verify", module]), _library_versions())
    return cached("reading_result", key, lambda: _run_reading(claim, reading, level, seed),
                  keep=lambda r: not any("out of time" in c.reason for c in r.checks))


def _ensure_extras_loaded() -> None:
    from . import _wiring  # noqa: F401  (registers exact / Monte Carlo checks)


def _unused(_: sp.Basic) -> None:  # pragma: no cover - keeps sympy import for type references
    return None


def evaluate(claim: Claim | str, reading: str | None = None, *, dps: int = 30, **params: float) -> dict[str, object]:
    """Evaluate a claim's statement under ``reading`` at one point given by keyword ``params``.

    Every parameter the statement needs must be given and lie in its domain; a value outside it
    raises :class:`InvalidParameter` naming the parameter, its value and the domain. Returns the
    point, whether the statement holds there, and both sides' values.
    """
    from derivations._validate import check_finite

    from ._pointwise import evaluate_point, statement_symbols

    if isinstance(claim, str):
        claim = get_claim(claim)
    reading = claim.reading_names[0] if reading is None else claim.reading(reading).name
    stmt = claim.statement_for(reading)
    domain = domain_of(claim)
    needed = {s.name: s for s in statement_symbols(stmt) if s in domain.sets} if not isinstance(stmt, AllOf) else {
        s.name: s for s in domain.sets}
    unknown = sorted(set(params) - {p.name for p in claim.parameters})
    if unknown:
        raise fail(unknown[0], params[unknown[0]], f"a parameter of {claim.id} ({', '.join(p.name for p in claim.parameters)})")
    point: dict[sp.Symbol, sp.Rational] = {}
    for p in claim.parameters:
        if p.name not in params:
            if p.name in needed:
                raise fail(p.name, None, f"given: {claim.id} needs a value for {p.name} ({p.description})")
            continue
        v = params[p.name]
        check_finite(p.name, v)
        exact = sp.Rational(str(v)) if not isinstance(v, (int, np.integer)) else sp.Integer(int(v))
        if not domain.member(p.symbol, exact):
            raise fail(p.name, v, f"in {domain.sets[p.symbol]} ({p.description})")
        point[p.symbol] = exact
    if not domain.contains(point):
        raise fail("params", params, f"a point of the claim's domain (where {claim.where})")
    validity = claim.derivation(reading).validity
    out = evaluate_point(stmt, point, dps=dps, validity=validity) if not isinstance(stmt, AllOf) else None
    return {"point": {k: params[k] for k in params}, "holds": None if out is None or out.violated is None else not out.violated,
            "claimed": None if out is None else out.claimed, "actual": None if out is None else out.actual}
