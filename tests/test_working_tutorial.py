"""The tutorial section "check your working" (docs/check-your-working.md) runs as written."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from verify._cli import main

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "check-your-working.md"


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC.read_text(), flags=re.S)


@pytest.fixture(scope="module")
def outputs() -> list[str]:
    """Every python block run in order in one namespace, from the repository root; each block's output."""
    namespace: dict = {"__name__": "tutorial"}
    out = []
    with contextlib.chdir(ROOT):
        for i, code in enumerate(_blocks("python")):
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                exec(compile(code, f"{DOC.name}[block {i}]", "exec"), namespace)  # noqa: S102
            out.append(buf.getvalue())
    return out


def test_the_latex_shown_is_the_example_file_with_one_wrong_line():
    (shown,) = _blocks("latex")
    assert shown == (ROOT / "examples" / "workings" / "kim_cor1.tex").read_text()


def test_the_command_prints_the_lines_the_tutorial_shows(capsys):
    (console,) = _blocks("console")
    argv = shlex.split(console.replace("\\\n", " ").strip().removeprefix("$ "))
    assert argv[:2] == ["samverify", "derivation"]
    with contextlib.chdir(ROOT):
        assert main(argv[1:]) == 0
    out = capsys.readouterr().out
    for line in _blocks("text")[0].strip().splitlines():
        assert line in out, line


def test_each_python_block_prints_exactly_what_the_tutorial_shows(outputs):
    shown = _blocks("text")[1:]
    assert len(outputs) == len(shown) == 3
    for got, want in zip(outputs, shown):
        assert got == want
