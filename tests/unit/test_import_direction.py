"""Imports go one way: diffing <- upgrade <- render <- relup (house style, rule 1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("diffing", "upgrade", "render", "relup")


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    packages: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            packages.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            packages.add(node.module.split(".")[0])
    return packages


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_imports_only_lower_layers(layer: str) -> None:
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    forbidden = set(LAYERS) - allowed
    offenders = {
        f"{path.relative_to(ROOT)} imports {package}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for package in _imported_packages(path) & forbidden
    }
    assert not offenders, sorted(offenders)
