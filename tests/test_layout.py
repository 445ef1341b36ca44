"""The package's shape: imports run one way between the layers, with no cycle (lazy imports
and ``TYPE_CHECKING`` imports included), every module says its job in its first docstring
line and stays short, and every module imports on its own in a fresh interpreter.

The layers, lowest first (a module may import its own layer and the layers below it):

    errors, _version, _check  <  record  <  music  <  midi  <  paths, writer, critical,
    claims  <  pm, preview, render  <  api  <  export, loop, batch  <  cli;  testing imports
    nothing of the package;  the package's ``__init__`` may import any.

(``preview`` and ``render`` read a ``Conversion`` and hand their bytes to the writer, as
``pm`` hands a conversion to pretty_midi; ``batch`` strings record, midi, writer and paths
together for many files, as ``export`` does for one task.)
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "midi_export"

LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "_version", "_check"}),
    frozenset({"record"}),
    frozenset({"music"}),
    frozenset({"midi"}),
    frozenset({"paths", "writer", "critical", "claims"}),
    frozenset({"pm", "preview", "render"}),
    frozenset({"api"}),
    frozenset({"export", "loop", "batch"}),
    frozenset({"cli"}),
)
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """Every package module ``name`` imports, wherever the import stands (functions too)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            # ``from X import a``: the module X.a when there is one, else a name of X
            submodules = [f"{origin}.{alias.name}" for alias in node.names]
            targets = [m for m in submodules if m in MODULES] or [origin]
            if any(m not in MODULES for m in submodules):
                targets.append(origin)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.JoinedStr):  # midi_export/__init__'s f".{home}": any module
                targets = [m for m in MODULES if m != name]
        for target in targets:
            if target in MODULES and target != name:
                found.add(target)
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def unit_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_of(name: str) -> int | None:
    unit = unit_of(name)
    return next((i for i, layer in enumerate(LAYERS) if unit in layer), None)


def test_the_walk_finds_the_imports_it_should() -> None:
    # the checker itself: relative, lazy and TYPE_CHECKING imports are all seen
    assert "midi_export.midi.tempo_map" in GRAPH["midi_export.midi.convert"]
    assert "midi_export.music.analyse" in GRAPH["midi_export.midi.tempo_choice"]  # lazy
    assert "midi_export.music.estimates" in GRAPH["midi_export.midi.tempo_map"]  # TYPE_CHECKING
    assert "midi_export.record" in GRAPH["midi_export.api.answers"]


def test_there_is_no_import_cycle() -> None:
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for target in sorted(GRAPH[name]):
            if state.get(target) == 1:
                cycle = [*path[path.index(target):], target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[name] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for name, targets in GRAPH.items():
        if name == "midi_export":
            continue  # the public face imports every home of a public name
        for target in targets:
            if unit_of(name) == "testing" or unit_of(target) == "testing":
                if unit_of(name) != unit_of(target):
                    wrong.append(f"{name} -> {target} (testing stands apart)")
                continue
            if target == "midi_export":
                wrong.append(f"{name} -> {target} (the public face is the top)")
                continue
            here, there = layer_of(name), layer_of(target)
            assert here is not None and there is not None, (name, target)
            if there > here:
                wrong.append(f"{name} -> {target}")
    assert not wrong, "imports that climb back up:\n" + "\n".join(sorted(wrong))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_says_its_job_and_stays_short(name: str) -> None:
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    assert doc and doc.splitlines()[0].strip(), f"{path} has no first docstring line"
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path} has {lines} lines"


def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    names = sorted(n for n in MODULES if not n.endswith("__main__"))
    code = (
        "import importlib, subprocess, sys\n"
        f"for name in {names!r}:\n"
        "    done = subprocess.run([sys.executable, '-c', f'import {name}'],"
        " capture_output=True, text=True)\n"
        "    if done.returncode:\n"
        "        print(name, done.stderr.strip().splitlines()[-1])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.stdout == "", out.stdout
