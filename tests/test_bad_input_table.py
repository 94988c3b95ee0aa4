"""Bad input everywhere: one clear error naming the argument, its value and the requirement.

A table of cases across the command line, the Python API and user claims. Each must raise (or,
on the command line, exit 2 with one line) naming the argument and its value, and must leave no
file behind; output paths are checked before any computation.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy as sp

import derivations
from derivations import Claim, Derivation, Equation, InvalidParameter, Parameter, Reading, SamverifyError, Source

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "test_my_claims.py"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "samverify", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


CLI = [
    pytest.param(["check", "kim2023.nope"], "'kim2023.nope'", id="cli unknown claim id"),
    pytest.param(["check", "kim2023.thm2", "--reading", "bogus"], "reading='bogus'", id="cli unknown reading"),
    pytest.param(["check", "kim2023.thm2", "--seed", "-4"], "seed=-4", id="cli negative seed"),
    pytest.param(["check", "kim2023.thm2", "--seed", "x"], "seed='x'", id="cli non-integer seed"),
    pytest.param(["run", "--level", "medium"], "'medium'", id="cli unknown level"),
    pytest.param(["frobnicate"], "'frobnicate'", id="cli unknown command"),
    pytest.param(["run", "--jobs", "0"], "--jobs=0", id="cli zero jobs"),
    pytest.param(["run", "--json", "/etc/passwd/out.json"], "json_path='/etc/passwd/out.json'", id="cli unwritable json path"),
    pytest.param(["run", "--markdown", "/etc/hostname/y.md"], "markdown_path='/etc/hostname/y.md'",
                 id="cli markdown path under a file"),
    pytest.param(["check", "kim2023.thm2", "--output", "/etc/passwd/x.json", "--format", "json"],
                 "--output='/etc/passwd/x.json'", id="cli unwritable output"),
    pytest.param(["check", "kim2023.thm2", "-k", "thm2 and"], "-k='thm2 and'", id="cli malformed -k"),
    pytest.param(["check", "kim2023.thm2", "-k", "nomatch"], "-k='nomatch'", id="cli -k selecting nothing"),
    pytest.param(["check", "missing_claims.py"], "target='missing_claims.py'", id="cli missing claims file"),
    pytest.param(["check", f"{EXAMPLE}::nosuch"], "::nosuch'", id="cli unknown name in claims file"),
    pytest.param(["report", "--from", "nothere.json"], "--from='nothere.json'", id="cli missing report json"),
    pytest.param(["report", "--from", "bad.json"], "--from='bad.json' must be valid JSON", id="cli report not json"),
    pytest.param(["report", "--from", "other.json"], "schema 'samverify.report/1'", id="cli report wrong schema"),
    pytest.param(["report", "--from", "other.json", "--format", "pdfx"], "--format='pdfx'", id="cli unknown report format"),
    pytest.param(["schema", "nosuch"], "'nosuch'", id="cli unknown schema"),
    pytest.param(["calibrate", "--runs", "0"], "--jobs=0" if False else "0", id="cli zero calibration runs"),
    pytest.param(["run", "--scheduler", "tcp://127.0.0.1:1"], "scheduler='tcp://127.0.0.1:1'", id="cli scheduler without dask"),
]


@pytest.mark.parametrize("args, named", CLI)
def test_the_command_line_exits_2_with_one_line_and_writes_nothing(args, named, tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "other.json").write_text('{"schema": "something/2"}')
    before = sorted(p.name for p in tmp_path.iterdir())
    t0 = time.perf_counter()
    p = _cli(*args, cwd=tmp_path)
    assert p.returncode == 2, (p.returncode, p.stdout[-500:], p.stderr[-500:])
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and named in lines[0], p.stderr
    assert sorted(q.name for q in tmp_path.iterdir()) == before  # nothing half-written
    if args[0] == "run":
        assert time.perf_counter() - t0 < 60  # rejected before any computation


x, y = sp.symbols("x y", positive=True)
z = sp.Symbol("z", real=True)
SRC = Source("A paper", "2301.00004", "Lemma 1")
P_X = Parameter(x, sp.Interval.open(0, sp.oo), "x")


def _api(case: str):
    import verify
    from verify._results import Decision
    from verify._run import run_catalogue

    if case == "level":
        return verify.check("kim2023.thm2", "plain", level="medium")
    if case == "rng":
        return verify.check("kim2023.thm2", "plain", rng=-1)
    if case == "claim type":
        return verify.check(42)
    if case == "outside domain":
        return verify.evaluate("kim2023.thm2", "plain", lambda_j=-1, rho=-0.5, eta=0.1, B=4, t=1)
    if case == "unknown parameter":
        return verify.evaluate("kim2023.thm2", "plain", lambda_j=-1, rho=0.5, eta=0.1, B=4, t=1, zeta=2)
    if case == "non-finite value":
        return verify.evaluate("kim2023.thm2", "plain", lambda_j=-1, rho=0.5, eta=math.nan, B=4, t=1)
    if case == "decision op":
        return Decision("q", 1, "~", 0)
    if case == "register methods":
        return verify.register_check("kim2023.thm2", methods=())
    if case == "jobs":
        return run_catalogue(jobs=0)
    if case == "claim id":
        return Claim(id="Kim2023.Thm2", title="t", source=SRC, statement=Equation(x, x), parameters=(P_X,),
                     readings=(Reading("default", "d"),))
    if case == "arxiv":
        return Source("A paper", "abc", "Lemma 1")
    if case == "empty domain":
        return Parameter(x, sp.EmptySet, "x")
    if case == "no readings":
        return Claim(id="a.b", title="t", source=SRC, statement=Equation(x, x), parameters=(P_X,), readings=())
    if case == "reading name":
        return Reading("Plain SAM", "d")
    if case == "unknown method":
        return Claim(id="a.b", title="t", source=SRC, statement=Equation(x, x), parameters=(P_X,),
                     readings=(Reading("default", "d"),), checks=("symbolic", "magic"))
    if case == "kernel shapes":
        from verify._kernels import ou_paths

        return ou_paths([0.5, 1.0], [1.0], [0.0], n_steps=1, n_paths=1, seed=0)
    if case == "user id":
        return derivations.user_claim("Bad Id", z > 0, parameters={z: "z"}, readings=[])
    if case == "undeclared symbol":
        return derivations.user_claim("user.claim.a", sp.Eq(x, y), parameters={x: "x"},
                                      readings=[Reading("default", "d", lambda: Derivation(bindings={}))])
    if case == "unparsable latex":
        return derivations.Claim.from_latex("user.claim.b", r"\frac{x}{", parameters={x: "x"},
                                            readings=[Reading("default", "d")])
    if case == "contradictory where":
        return derivations.user_claim("user.claim.c", z > 0, parameters={z: "z"},
                                      readings=[Reading("default", "d")], where=sp.And(z > 2, z < 1))
    raise AssertionError(case)


API = [
    ("level", InvalidParameter, "level='medium'"),
    ("rng", InvalidParameter, "rng=-1"),
    ("claim type", InvalidParameter, "claim=42"),
    ("outside domain", InvalidParameter, "rho=-0.5"),
    ("unknown parameter", InvalidParameter, "zeta=2"),
    ("non-finite value", InvalidParameter, "eta=nan"),
    ("decision op", ValueError, "op='~'"),
    ("register methods", InvalidParameter, "methods=()"),
    ("jobs", InvalidParameter, "jobs=0"),
    ("claim id", InvalidParameter, "id='Kim2023.Thm2'"),
    ("arxiv", InvalidParameter, "arxiv='abc'"),
    ("empty domain", InvalidParameter, "EmptySet"),
    ("no readings", InvalidParameter, "readings=()"),
    ("reading name", InvalidParameter, "name='Plain SAM'"),
    ("unknown method", InvalidParameter, "'magic'"),
    ("kernel shapes", InvalidParameter, "a, s, x0"),
    ("user id", InvalidParameter, "'Bad Id'"),
    ("undeclared symbol", SamverifyError, "y"),
    ("unparsable latex", SamverifyError, "\\frac{x}{"),
    ("contradictory where", SamverifyError, "where"),
]


@pytest.mark.parametrize("case, error, named", API, ids=[f"api {c}" for c, _, _ in API])
def test_the_python_api_names_the_argument_its_value_and_the_requirement(case, error, named):
    if case == "kernel shapes":
        pytest.importorskip("numba")
    with pytest.raises(error) as info:
        _api(case)
    msg = str(info.value)
    assert named in msg, msg
    assert "must" in msg or "not in" in msg or "cannot" in msg or "position" in msg, msg


def test_the_table_has_at_least_30_cases():
    assert len(CLI) + len(API) >= 30
