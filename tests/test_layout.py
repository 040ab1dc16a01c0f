"""The shape of the code, checked: no import cycles, no borrowed private names, the stages'
direction kept (cite does not build presentation, present does not reach back into answer),
modules of at most ~400 lines, one error tree, no names of the article's corpus in the code,
every imported package declared in pyproject.toml, and callers that keep to the engine's methods.

Each check is a function over a package folder; each test first plants a violation in a
package made in ``tmp_path`` and sees the check catch it, then runs it on ``src/bronwijzer``.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "bronwijzer"
MAX_LINES = 400
# (importer, imported): stages that must not import each other in this direction.
FORBIDDEN = (("bronwijzer.cite", "bronwijzer.present"), ("bronwijzer.present", "bronwijzer.answer"))
# Names of the article's corpus that no rule, pattern, constant or text in src/ may carry
# (data files, .json, may); the corpus's document file names are added from corpus/.
CORPUS_WORDS = ("platform31", "platform 31", "rli", "wrr")
# Import names whose distribution is called otherwise (packages_distributions() covers the
# installed rest).
DIST_OF = {"sklearn": "scikit-learn", "docx": "python-docx", "yaml": "pyyaml", "PIL": "pillow",
           "fitz": "pymupdf", "Stemmer": "pystemmer", "faiss": "faiss-cpu", "cv2": "opencv-python",
           "bs4": "beautifulsoup4", "dateutil": "python-dateutil", "jinja2": "jinja2"}


# ---------------------------------------------------------------- the checkers


def modules(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of ``package``."""
    result = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        result[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return result


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def own_imports(path: Path, top: str) -> list[tuple[str, list[str]]]:
    """Every (module, names) a file imports from package ``top``, top-level or in functions."""
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == top or node.module.startswith(top + "."):
                found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names
                      if a.name == top or a.name.startswith(top + ".")]
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (``from pkg import mod`` counts as ``mod``)."""
    mods = modules(package)
    graph: dict[str, set[str]] = {name: set() for name in mods}
    for name, path in mods.items():
        for module, names in own_imports(path, package.name):
            targets = {f"{module}.{n}" for n in names if f"{module}.{n}" in mods} or {module}
            graph[name] |= {t for t in targets if t in mods and t != name}
    return graph


def relative_imports(package: Path) -> list[str]:
    """``module:line`` of every relative import."""
    return [f"{name}:{n.lineno}" for name, path in modules(package).items()
            for n in ast.walk(_tree(path)) if isinstance(n, ast.ImportFrom) and n.level]


def import_cycle(package: Path) -> list[str]:
    """One import cycle as its modules (first == last), or [] when there is none.

    A package importing its own modules, and a module importing its package, do not count.
    """
    graph = import_graph(package)
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str]:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue
            if state.get(nxt) == 1:
                return trail[trail.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt, trail + [nxt])):
                return cycle
        state[node] = 2
        return []

    for module in sorted(graph):
        if module not in state and (cycle := visit(module, [module])):
            return cycle
    return []


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(package: Path) -> list[str]:
    """Where a module borrows another module's private name: ``from m import _x``,
    ``import m._x`` or ``m._x`` on a module it imported."""
    found = []
    for name, path in modules(package).items():
        aliases = set()
        for node in ast.walk(_tree(path)):
            if (isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                    and node.module.split(".")[0] == package.name):
                found += [f"{name} imports {a.name} from {node.module}"
                          for a in node.names if _private(a.name)]
                found += [f"{name} imports {node.module}" for p in node.module.split(".")
                          if _private(p)]
                aliases |= {a.asname or a.name for a in node.names}
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] == package.name:
                        found += [f"{name} imports {a.name}" for p in a.name.split(".") if _private(p)]
                        aliases.add(a.asname or a.name.split(".")[0])
        found += [f"{name}:{n.lineno} uses {n.value.id}.{n.attr}" for n in ast.walk(_tree(path))
                  if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                  and n.value.id in aliases and _private(n.attr)]
    return found


def layer_violations(package: Path, forbidden=FORBIDDEN) -> list[str]:
    """``importer -> imported`` for every import that goes against ``forbidden``."""
    def inside(module: str, prefix: str) -> bool:
        return module == prefix or module.startswith(prefix + ".")
    return [f"{name} -> {target}" for name, targets in import_graph(package).items()
            for target in sorted(targets) for low, high in forbidden
            if inside(name, low) and inside(target, high)]


def long_modules(package: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """Modules over ``limit`` lines, with their lengths."""
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines())
             for name, path in modules(package).items()}
    return {name: size for name, size in sizes.items() if size > limit}


def error_tree_problems(package: Path, errors: str = "errors") -> list[str]:
    """Exception classes defined outside ``<package>.errors``, and roots beyond one there."""
    home = f"{package.name}.{errors}"
    problems = []
    for name, path in modules(package).items():
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = [ast.unparse(b).split(".")[-1] for b in node.bases]
            if name != home and any(b.endswith(("Error", "Exception")) for b in bases):
                problems.append(f"{name} defines {node.name} outside {errors}.py")
    tree = _tree(modules(package)[home])
    local = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    roots = [n.name for n in tree.body if isinstance(n, ast.ClassDef)
             and not any(ast.unparse(b) in local for b in n.bases)]
    if len(roots) != 1:
        problems.append(f"{errors}.py has {len(roots)} roots: {roots}")
    return problems


def corpus_words(corpus: Path) -> tuple[str, ...]:
    """The forbidden names: ``CORPUS_WORDS`` and the stems of the corpus's own documents."""
    stems = tuple(p.stem.lower() for p in sorted(corpus.glob("*"))
                  if p.is_file() and p.suffix.lower() != ".json")
    return CORPUS_WORDS + stems


def corpus_names(package: Path, words: tuple[str, ...]) -> list[str]:
    """``file:line: word`` wherever a file of ``package`` other than a .json names the corpus."""
    pattern = re.compile(r"(?<![a-z0-9])(" + "|".join(
        re.escape(w).replace(r"\ ", r"[\s_-]*") for w in words) + r")(?![a-z0-9])")
    found = []
    for path in sorted(p for p in package.rglob("*") if p.is_file()):
        if path.suffix in (".json", ".pyc"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace").lower()
        for n, line in enumerate(text.splitlines(), 1):
            found += [f"{path.relative_to(package.parent)}:{n}: {m.group(1)}"
                      for m in pattern.finditer(line)]
    return found


def _norm(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def declared(pyproject: Path) -> set[str]:
    """The normalised names of every runtime and optional dependency in ``pyproject``."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    specs = project.get("dependencies", []) + [
        s for extra in project.get("optional-dependencies", {}).values() for s in extra]
    return {_norm(re.match(r"[A-Za-z0-9._-]+", s).group(0)) for s in specs}


def _literal_import(call: ast.Call) -> bool:
    """Whether a call is ``find_spec("name")`` or ``import_module("name")``."""
    function = getattr(call.func, "attr", getattr(call.func, "id", ""))
    return (function in ("find_spec", "import_module") and bool(call.args)
            and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str))


def third_party(path: Path, local: set[str]) -> set[str]:
    """Top-level names a file imports (also ``find_spec``/``import_module`` of a literal)
    that are neither the standard library nor ``local``."""
    names = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and _literal_import(node):
            names.add(node.args[0].value.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in local}


def undeclared(files: list[Path], pyproject: Path, local: set[str]) -> dict[str, str]:
    """Import name -> distribution for every third-party import not in ``pyproject``.

    Args:
        files: the .py files to scan.
        pyproject: the pyproject.toml declaring the dependencies.
        local: names that are the project's own (its package, modules beside the tests).
    """
    installed = packages_distributions()
    wanted = declared(pyproject)
    missing = {}
    for path in files:
        for name in third_party(path, local | {p.stem for p in path.parent.glob("*.py")}):
            dists = [DIST_OF[name]] if name in DIST_OF else installed.get(name, [name])
            if not any(_norm(d) in wanted for d in dists):
                missing[name] = dists[0]
    return missing


# ---------------------------------------------------------------- a planted package


def _plant(tmp_path: Path, files: dict[str, str]) -> Path:
    """A package ``bronwijzer`` in ``tmp_path`` with ``files`` (relative path -> text)."""
    package = tmp_path / "bronwijzer"
    for rel, text in {"__init__.py": "", "errors.py": "class BronwijzerError(Exception):\n"
                      "    pass\n", **files}.items():
        (package / rel).parent.mkdir(parents=True, exist_ok=True)
        (package / rel).write_text(text, encoding="utf-8")
    return package


# ---------------------------------------------------------------- the tests


def test_no_relative_imports(tmp_path):
    assert relative_imports(_plant(tmp_path, {"a.py": "from . import errors\n"})) == ["bronwijzer.a:1"]
    assert relative_imports(PACKAGE) == []


def test_no_import_cycles(tmp_path):
    planted = _plant(tmp_path, {"a.py": "from bronwijzer import b\n",
                                "b.py": "def f():\n    from bronwijzer.c import g\n",
                                "c.py": "import bronwijzer.a\n",
                                "p/__init__.py": "from bronwijzer.p import q\n",
                                "p/q.py": "import bronwijzer.p\n"})
    assert import_cycle(planted) == ["bronwijzer.a", "bronwijzer.b", "bronwijzer.c", "bronwijzer.a"]
    assert import_cycle(PACKAGE) == []


def test_no_module_borrows_another_modules_private_names(tmp_path):
    planted = _plant(tmp_path, {"a.py": "_x = 1\n__version__ = 2\n",
                                "b.py": "from bronwijzer.a import _x, __version__\n",
                                "c.py": "from bronwijzer import a\nprint(a._x, a.__name__)\n",
                                "d.py": "import bronwijzer._hidden\n"})
    assert sorted(private_imports(planted)) == [
        "bronwijzer.b imports _x from bronwijzer.a", "bronwijzer.c:2 uses a._x",
        "bronwijzer.d imports bronwijzer._hidden"]
    found = private_imports(PACKAGE)
    assert found == [], "\n".join(found)


def test_cite_builds_no_presentation_and_present_does_not_reach_into_answer(tmp_path):
    planted = _plant(tmp_path, {"cite/__init__.py": "", "present/__init__.py": "",
                                "answer/__init__.py": "", "answer/compose.py": "",
                                "present/dicts.py": "from bronwijzer.answer.compose import x\n",
                                "cite/lookup.py": "def f():\n    from bronwijzer import present\n",
                                "answer/a.py": "import bronwijzer.present.dicts\n"})
    assert layer_violations(planted) == ["bronwijzer.cite.lookup -> bronwijzer.present",
                                         "bronwijzer.present.dicts -> bronwijzer.answer.compose"]
    found = layer_violations(PACKAGE)
    assert found == [], "\n".join(found)


def test_modules_stay_under_the_line_limit_and_stages_are_subpackages(tmp_path):
    planted = _plant(tmp_path, {"big.py": "x = 1\n" * (MAX_LINES + 1), "ok.py": "x = 1\n" * MAX_LINES})
    assert long_modules(planted) == {"bronwijzer.big": MAX_LINES + 1}
    assert long_modules(PACKAGE) == {}
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert {"corpus", "model", "index", "search", "answer", "cite", "present", "batch",
            "ui", "cli"} <= packages


def test_every_project_exception_derives_from_one_base(tmp_path):
    planted = _plant(tmp_path, {"errors.py": "class BronwijzerError(Exception):\n    pass\n\n\n"
                                "class OtherError(ValueError):\n    pass\n",
                                "a.py": "class LocalError(RuntimeError):\n    pass\n"})
    assert error_tree_problems(planted) == [
        "bronwijzer.a defines LocalError outside errors.py",
        "errors.py has 2 roots: ['BronwijzerError', 'OtherError']"]
    assert error_tree_problems(PACKAGE) == []
    import bronwijzer.errors as errors
    from bronwijzer.errors import BronwijzerError
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
               if c.__module__ == errors.__name__]
    assert len(classes) >= 8 and all(issubclass(c, BronwijzerError) for c in classes)


def test_no_names_of_the_corpus_in_the_code(tmp_path):
    words = corpus_words(ROOT / "corpus")
    assert "ruimte-voor-economie-en-werk" in words  # the article, read from corpus/
    planted = _plant(tmp_path, {"a.py": 'KINDS = ("Platform 31", "berlin")\n_WRR_NAMES = ()\n',
                                "b.py": '"""Reads ruimte-voor-economie-en-werk.txt."""\n',
                                "rules.json": '{"advisory": ["rli"]}\n'})
    assert corpus_names(planted, words) == ["bronwijzer/a.py:1: platform 31",
                                            "bronwijzer/a.py:2: wrr",
                                            "bronwijzer/b.py:1: ruimte-voor-economie-en-werk"]
    found = corpus_names(PACKAGE, words)
    assert found == [], "\n".join(found)


def test_every_imported_package_is_declared_in_pyproject(tmp_path):
    planted = _plant(tmp_path, {"a.py": "import numpy\nimport sklearn.linear_model\n"
                                "from PIL import Image\nimport json\nfrom bronwijzer import b\n"
                                "import importlib.util\nimportlib.util.find_spec('yaml')\n"})
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndependencies = ["numpy>=1", "Pillow"]\n'
                         '[project.optional-dependencies]\ntest = ["pytest"]\n', encoding="utf-8")
    assert undeclared(sorted(planted.rglob("*.py")), pyproject, {"bronwijzer"}) == {
        "sklearn": "scikit-learn", "yaml": "pyyaml"}
    files = [*PACKAGE.rglob("*.py"), *(ROOT / "tests").glob("*.py"), *(ROOT / "bench").glob("*.py"),
             ROOT / "app.py"]
    assert undeclared(files, ROOT / "pyproject.toml", {"bronwijzer"}) == {}


def engine_reaches(package: Path, caller: str) -> list[str]:
    """Where the modules of ``<package>.<caller>`` reach past the engine's methods."""
    paths = [p for n, p in modules(package).items()
             if n == f"{package.name}.{caller}" or n.startswith(f"{package.name}.{caller}.")]
    assert paths, f"no {caller} modules"
    return [f"{path.name}: {private}" for path in paths
            for private in ("engine.index", "engine.retriever", "engine.embedder", "engine._",
                            ".index.passages", ".index.references", ".index.manifest")
            if private in path.read_text(encoding="utf-8")]


@pytest.mark.parametrize("caller", ["cli", "ui", "batch"])
def test_callers_use_only_the_engine_methods(caller, tmp_path):
    planted = _plant(tmp_path, {f"{caller}/__init__.py": "",
                                f"{caller}/x.py": "def f(engine):\n    return engine._live\n"})
    assert engine_reaches(planted, caller) == ["x.py: engine._"]
    assert engine_reaches(PACKAGE, caller) == []
