"""Layers point one way: scheduling ← tokens ← analytics/notifications ← simulation, and
the project package above them all (README, "Architecture"). No app imports one above
it (nor, for analytics and notifications, its neighbour), no module imports another
inside a function to dodge a cycle, and there is no cycle."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Each app may import only the apps of the levels before its own.
LEVELS = (("scheduling",), ("tokens",), ("analytics", "notifications"), ("simulation",))
LAYERS = tuple(app for level in LEVELS for app in level)
PROJECT = (*LAYERS, "opd_project")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PROJECT:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, whether the import statement sits inside a function)."""
    tree = ast.parse(path.read_text())
    nested = {
        id(node)
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(func)
    }
    result = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            result += [(alias.name, id(node) in nested) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            result += [(name, id(node) in nested) for name in [node.module, *names]]
    return result


def _project_target(name: str, modules: dict[str, Path]) -> str | None:
    return name if name in modules else None


def test_it_finds_no_app_importing_an_app_above_it():
    wrong = []
    for module, path in _modules().items():
        app = module.split(".")[0]
        if app not in LAYERS:
            continue
        level = next(i for i, apps in enumerate(LEVELS) if app in apps)
        allowed = {app, *(below for apps in LEVELS[:level] for below in apps)}
        for name, _ in _imports(path):
            if name.split(".")[0] in LAYERS and name.split(".")[0] not in allowed:
                wrong.append(f"{module} imports {name}")
    assert wrong == []


def test_it_finds_no_project_import_hidden_in_a_function():
    hidden = [
        f"{module} imports {name} inside a function"
        for module, path in _modules().items()
        for name, in_function in _imports(path)
        if in_function and name.split(".")[0] in PROJECT
    ]
    assert hidden == []


def test_it_finds_no_import_cycle():
    modules = _modules()
    graph = {
        module: {
            target
            for name, _ in _imports(path)
            if (target := _project_target(name, modules)) and target != module
        }
        for module, path in modules.items()
    }
    cycles = []
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycles.append(" → ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_scheduling_loads_without_the_tokens_app():
    script = """
import sys
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "scheduling"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    USE_TZ=True,
    TIME_ZONE="Asia/Kolkata",
)
django.setup()
import scheduling.models, scheduling.services
print(sorted(m for m in sys.modules if m == "tokens" or m.startswith("tokens.")))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
