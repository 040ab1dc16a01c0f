"""The shape of the code, checked: no import cycles, no borrowed private names, small
modules, one error tree, and callers that keep to the engine's methods."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "bronwijzer"
MAX_LINES = 300


def _modules() -> dict[str, Path]:
    result = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        result[name] = path
    return result


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """Every (module, names) a file imports from the package, top-level or in functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.startswith("bronwijzer"):
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.startswith("bronwijzer")]
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for module, names in _imports(path):
            targets = {f"{module}.{n}" for n in names if f"{module}.{n}" in modules} or {module}
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def test_no_relative_imports():
    for name, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        relative = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level]
        assert not relative, f"{name} imports relatively at lines {relative}"


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + ".") or node.startswith(nxt + ".") and nxt == "bronwijzer":
                continue  # a package and its own modules
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join(trail[trail.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_no_module_imports_another_modules_private_names():
    for name, path in _modules().items():
        for module, names in _imports(path):
            private = [n for n in names if n.startswith("_") and n != "__version__"]
            assert not private, f"{name} imports {private} from {module}"


def test_modules_stay_small_and_stages_are_subpackages():
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines())
             for name, path in _modules().items()}
    assert {n: s for n, s in sizes.items() if s > MAX_LINES} == {}
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert {"corpus", "model", "index", "search", "answer", "cite", "present", "batch",
            "ui"} <= packages


def test_every_project_exception_derives_from_one_base():
    import bronwijzer.errors as errors
    from bronwijzer.errors import BronwijzerError
    for name, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                    getattr(b, "id", "").endswith(("Error", "Exception")) for b in node.bases):
                assert name == "bronwijzer.errors", f"{name} defines {node.name} outside errors.py"
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
               if c.__module__ == errors.__name__]
    assert len(classes) >= 8 and all(issubclass(c, BronwijzerError) for c in classes)


@pytest.mark.parametrize("caller", ["commands", "cli", "ui", "batch"])
def test_callers_use_only_the_engine_methods(caller):
    paths = [p for n, p in _modules().items() if n == f"bronwijzer.{caller}"
             or n.startswith(f"bronwijzer.{caller}.")]
    assert paths
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for private in ("engine.index", "engine.retriever", "engine.embedder", "engine._",
                        ".index.passages", ".index.references", ".index.manifest"):
            assert private not in text, f"{path.name} reaches into the engine: {private}"
