"""The floors: a package imports only packages on floors below it (see the README's layout).

Read from the source with ``ast``, so an import inside a function counts as much as one at the
top of a module: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: What each of our packages may import of ours.
ALLOWED: dict[str, frozenset[str]] = {
    "nutshell_core": frozenset(),
    "nutshell_rpc": frozenset({"nutshell_core"}),
    "nutshell_rest": frozenset({"nutshell_core"}),
    "bridge": frozenset({"nutshell_core", "nutshell_rpc", "nutshell_rest"}),
    "nutshell_emulator": frozenset({"nutshell_core", "nutshell_rpc", "nutshell_rest"}),
    "nutshell_migrate": frozenset(
        {"nutshell_core", "nutshell_rpc", "nutshell_rest", "bridge", "nutshell_emulator"}
    ),
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_down(package: str) -> None:
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in _imported_packages(path) - ALLOWED[package] - {package}
    }
    assert not wrong, sorted(wrong)


def test_every_package_is_placed() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert packages == set(ALLOWED)
