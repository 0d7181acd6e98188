"""Imports flow one way (STYLE.md): foundations <- storage <- runtime <- graph <- collections
<- diagnostics, datasets, cli. Every import is read with ``ast``, function-level ones too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "chunkarray"

# Lower numbers are lower layers; a module may import only from its own layer or below.
LEVELS = {
    "chunkarray.typing": 0, "chunkarray.errors": 0, "chunkarray.config": 0,
    "chunkarray.sizes": 0, "chunkarray.tokenize": 0,
    "chunkarray.storage": 1,
    "chunkarray.runtime": 2,
    "chunkarray.graph": 3,
    "chunkarray.base": 4, "chunkarray.delayed": 4, "chunkarray.array": 4,
    "chunkarray.bag": 4, "chunkarray.dataframe": 4,
    "chunkarray.diagnostics": 5, "chunkarray.datasets": 5, "chunkarray.cli": 5,
    "chunkarray.testing": 5, "chunkarray.__main__": 5,
    "chunkarray": 6,
}


def level_of(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        name = ".".join(parts[:n])
        if name in LEVELS:
            return LEVELS[name]
    raise KeyError(module)


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(tree: ast.AST, module: str, is_package: bool) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "chunkarray":
                # "from chunkarray import config" imports the submodule it names.
                out += [f"chunkarray.{a.name}" for a in node.names]
                continue
            out.append(target)
    return [m for m in out if m == "chunkarray" or m.startswith("chunkarray.")]


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_level() -> None:
    for path in SOURCES:
        level_of(module_name(path))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_downwards(path: Path) -> None:
    module = module_name(path)
    mine = level_of(module)
    tree = ast.parse(path.read_text(), str(path))
    for target in imported(tree, module, path.name == "__init__.py"):
        assert level_of(target) <= mine, f"{module} (layer {mine}) imports {target}"


def test_the_checker_catches_an_upward_import() -> None:
    tree = ast.parse("def f():\n    from chunkarray.array import core\n")
    targets = imported(tree, "chunkarray.runtime.scheduler", False)
    assert any(level_of(t) > level_of("chunkarray.runtime.scheduler") for t in targets)
