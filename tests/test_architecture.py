"""The dependency rule: the domain is pure; entry points go through the bus."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "jprcc"
PURE = ("domain", "planning")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_domain_and_planning_import_only_the_standard_library_and_themselves():
    for layer in PURE:
        folder = PACKAGE / layer
        if not folder.exists():
            continue
        for path in folder.rglob("*.py"):
            for name in imports(path):
                top = name.split(".")[0]
                # planning may use the pure domain's vocabulary, the numerics and the solver
                allowed = (
                    top in sys.stdlib_module_names
                    or name.startswith(f"jprcc.{layer}")
                    or (layer == "planning" and top in {"numpy", "scipy", "numba", "ortools"})
                    or (layer == "planning" and name.startswith("jprcc.domain"))
                )
                assert allowed, f"{path.relative_to(PACKAGE)} imports {name}"


def test_routes_and_cli_never_touch_the_store_directly():
    entry_points = [*(PACKAGE / "api" / "routes").glob("*.py"), *(PACKAGE / "cli").glob("*.py")]
    for path in entry_points:
        for name in imports(path):
            assert not name.startswith(
                ("jprcc.store.uow", "jprcc.store.event_log", "jprcc.store.projections", "sqlalchemy")
            ) or (path.name == "__init__.py" and name == "sqlalchemy"), (
                f"{path.relative_to(PACKAGE)} imports {name}"
            )


def test_modules_stay_small_enough_to_hold_one_idea():
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 620, f"{path.relative_to(PACKAGE)} has {lines} lines"
