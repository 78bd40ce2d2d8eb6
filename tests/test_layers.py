"""The import graph of ``bot/``: the core's layers run one way, and nothing imports in a circle."""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"

# Each core package may import only the packages listed after it; ``answering`` and
# ``planning`` sit side by side on top and stay strangers to each other.
CORE_LAYERS: dict[str, frozenset[str]] = {
    "lang": frozenset(),
    "course": frozenset({"lang"}),
    "render": frozenset({"course", "lang"}),
    "answering": frozenset({"render", "course", "lang"}),
    "planning": frozenset({"render", "course", "lang"}),
}
# A reader holds a module whole; past this many lines it is two modules.
LARGEST_MODULE = 450

# Around the core, each adapter may import only what is listed for it (and the core):
# the command line drives everything, the web side never reaches into Telegram, and
# storage knows neither.
ADAPTERS: dict[str, frozenset[str]] = {
    "bot.cli": frozenset({"bot.telegram", "bot.web", "bot.storage", "bot.settings", "bot.schema"}),
    "bot.__main__": frozenset({"bot.cli"}),
    "bot.telegram": frozenset({"bot.web", "bot.storage", "bot.settings", "bot.schema"}),
    "bot.web": frozenset({"bot.storage", "bot.settings", "bot.schema"}),
    "bot.migrations": frozenset({"bot.storage", "bot.schema"}),
    "bot.storage": frozenset({"bot.schema"}),
    "bot.settings": frozenset(),
    "bot.schema": frozenset(),
}


def _modules() -> dict[str, Path]:
    """Map every module's dotted name under ``bot`` to its file."""
    found = {}
    for path in BOT.rglob("*.py"):
        parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported(name: str, source: str, modules: Collection[str], *, package: bool) -> Iterator[str]:
    """Yield the ``modules`` that module ``name`` imports in ``source``, type-only ones included."""
    parent = name if package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = parent.split(".")[: len(parent.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # "from package import module" depends on the module, not on the package.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def _graph() -> dict[str, set[str]]:
    """Return each module's imports within ``bot``."""
    modules = _modules()
    return {
        name: set(
            _imported(
                name,
                path.read_text(encoding="utf-8"),
                modules,
                package=path.name == "__init__.py",
            )
        )
        for name, path in modules.items()
    }


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    circles.append(sorted(group))
    return circles


def test_the_graph_sees_imports_of_every_kind():
    """Relative, type-only, function-local and ``from package import module`` imports all count."""
    modules = {"bot.a", "bot.a.b", "bot.a.c", "bot.d", "bot.e", "bot.f", "bot.g"}
    source = """
from typing import TYPE_CHECKING
from . import c
from bot.a import b
from bot.d import something
import bot.e.missing
if TYPE_CHECKING:
    from bot.f import Type
def later():
    import bot.g
"""
    found = set(_imported("bot.a.x", source, modules, package=False))
    assert found == {"bot.a.c", "bot.a.b", "bot.d", "bot.e", "bot.f", "bot.g"}
    assert set(_imported("bot.a", "from .b import name", modules, package=True)) == {"bot.a.b"}


def test_a_circle_is_found_when_there_is_one():
    """The circle finder reports a loop of three and ignores a chain."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _circles(graph) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_nothing_in_bot_imports_in_a_circle():
    """No two modules of ``bot`` reach each other through imports, type-only ones included."""
    assert _circles(_graph()) == []


def test_core_packages_import_only_downward():
    """The core's packages import only the layers below them, and never the adapters."""
    wrong = []
    for name, targets in _graph().items():
        if not name.startswith("bot.core."):
            continue
        layer = name.split(".")[2]
        for target in targets:
            if target == "bot.core":
                continue
            if not target.startswith("bot.core."):
                wrong.append(f"{name} -> {target} (outside the core)")
                continue
            other = target.split(".")[2]
            if other != layer and other not in CORE_LAYERS.get(layer, frozenset()):
                wrong.append(f"{name} -> {target}")
    assert wrong == []
    assert {
        path.name
        for path in (BOT / "core").iterdir()
        if path.is_dir() and path.name != "__pycache__"
    } == set(CORE_LAYERS)


def _adapter(name: str) -> str:
    """Return the adapter a module outside the core belongs to, such as ``bot.telegram``."""
    return ".".join(name.split(".")[:2])


def test_adapters_import_only_inward():
    """Telegram may use the web side and storage, the web side storage, and storage neither."""
    wrong = []
    for name, targets in _graph().items():
        if name == "bot" or name.startswith("bot.core"):
            continue
        allowed = ADAPTERS[_adapter(name)]
        for target in targets:
            if (
                target == "bot"
                or target.startswith("bot.core")
                or _adapter(target) == _adapter(name)
            ):
                continue
            if _adapter(target) not in allowed:
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_no_module_is_too_long_to_read():
    """Every module of ``bot`` stays within the line budget a reader can hold."""
    long = {
        name: count
        for name, path in _modules().items()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > LARGEST_MODULE
    }
    assert long == {}
