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


def _module_graph(package: str) -> dict[str, set[str]]:
    """Module-level imports between the package's modules (imports inside functions are lazy: not edges)."""
    graph: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).glob("*.py")):
        name = path.stem
        deps: set[str] = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom):
                if node.level == 1 and node.module:
                    deps.add(node.module.split(".")[0])
                elif node.level == 1:
                    deps |= {a.name for a in node.names}
                elif node.module and node.module.startswith(package + "."):
                    deps.add(node.module.split(".")[1])
        graph[name] = deps
    return graph


@pytest.mark.parametrize("package", ["derivations", "verify"])
def test_no_import_cycles_between_modules(package: str):
    graph = _module_graph(package)
    state: dict[str, int] = {}

    def visit(n: str, stack: list[str]) -> None:
        state[n] = 1
        for m in sorted(graph.get(n, ())):
            if m not in graph or m == "__init__":
                continue
            if state.get(m) == 1:
                raise AssertionError(f"import cycle: {' -> '.join(stack + [n, m])}")
            if m not in state:
                visit(m, stack + [n])
        state[n] = 2

    for n in sorted(graph):
        if n not in state and n != "__init__":
            visit(n, [])


MODULES = sorted((ROOT / "derivations").glob("*.py")) + sorted((ROOT / "verify").glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[f"{p.parent.name}/{p.name}" for p in MODULES])
def test_modules_stay_small_enough_to_read_in_one_sitting(path: Path):
    assert len(path.read_text().splitlines()) <= 550, f"{path.name}: split it by job"


def test_library_code_leaves_matplotlibs_global_backend_alone(tmp_path):
    code = ("import matplotlib; matplotlib.use('pdf'); from verify import _figures_kim2023 as k; import pathlib; "
            f"k.figures(pathlib.Path({str(tmp_path)!r}), level='fast', seed=0); print(matplotlib.get_backend())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "pdf"
    assert not any(ln.strip().startswith(("matplotlib.use(", "plt.switch_backend"))
                   for p in sorted((ROOT / "verify").glob("*.py")) for ln in p.read_text().splitlines())
