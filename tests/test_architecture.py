"""The tree's architecture: derivations/ is pure SymPy and never imports verify/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DERIVATIONS = sorted((ROOT / "derivations").glob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize("path", DERIVATIONS, ids=[p.name for p in DERIVATIONS])
def test_derivations_modules_import_neither_numpy_nor_verify(path: Path):
    bad = _imports(path) & {"numpy", "verify", "scipy", "matplotlib"}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_importing_derivations_and_the_whole_catalogue_loads_no_numpy():
    code = "import sys, derivations; derivations.catalog(); print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
