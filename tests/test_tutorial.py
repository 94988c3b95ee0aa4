"""The tutorial (docs/tutorial.md) runs as written, and prints what it says it prints."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", TUTORIAL.read_text(), flags=re.S)


@pytest.fixture(scope="module")
def tutorial_run() -> tuple[dict, list[str]]:
    """Every python block executed in order in one namespace; the printed output of each block."""
    namespace: dict = {"__name__": "tutorial"}
    outputs = []
    for i, code in enumerate(_blocks("python")):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec(compile(code, f"{TUTORIAL.name}[block {i}]", "exec"), namespace)  # noqa: S102
        outputs.append(buf.getvalue())
    return namespace, outputs


def test_the_tutorial_has_the_runnable_blocks_it_promises():
    assert len(_blocks("python")) >= 4
    first = _blocks("python")[0]
    assert len([ln for ln in first.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]) <= 25


def test_the_first_block_prints_exactly_the_output_shown(tutorial_run):
    _, outputs = tutorial_run
    shown = _blocks("text")[0]
    assert outputs[0] == shown


def test_the_tutorial_claim_is_proved_for_the_sde_and_refuted_for_the_iteration(tutorial_run):
    ns, _ = tutorial_run
    results = ns["results"]
    assert results["sde"].verdict == "proved"
    assert results["sgd"].verdict == "refuted"
    cx = results["sgd"].counterexample
    assert cx.claimed == pytest.approx(0.5) and cx.actual == pytest.approx(1.0)


def test_the_corrected_discrete_form_is_proved(tutorial_run):
    ns, outputs = tutorial_run
    assert ns["result"].verdict == "proved"
    assert outputs[2].strip() == "sgd proved"
