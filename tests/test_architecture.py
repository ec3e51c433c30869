"""The dependency rule: the domain is pure; entry points go through the bus."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "jprcc"


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # ``from jprcc.core import events``: the module events
                sub = f"{node.module}.{alias.name}"
                is_module = (PACKAGE.parent / sub.replace(".", "/")).with_suffix(".py").exists()
                found.add(sub if is_module else node.module)
    return found


def pure_modules() -> dict[str, Path]:
    """The model, deciders, events, rules and numerics of every capability, and the contract."""
    found: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        parts = path.relative_to(PACKAGE).parts
        if parts[0] in ENTRY_POINTS and "planning" not in parts[:-1]:
            continue
        if "planning" in parts[:-1] or path.stem in PURE_NAMES:
            found[name] = path
    return found


PURE_NAMES = {
    "model",
    "values",
    "errors",
    "commands",
    "events",
    "decide",
    "flow",
    "casework",
    "control",
    "rules",
    "evolution",
    "incident",
    "authorization",
    "offered",
    "relay",
    "turns",
    "layers",
    "decision",
    "contract",
    "ports",
    "appliers",
    "timeline",
    "framing",
    "metrics",
}
ENTRY_POINTS = {"api", "cli", "web", "exercise"}
#: the numerical libraries the numerics may use (geodesy, geometry, ephemeris included)
NUMERICS = {"numpy", "scipy", "numba", "ortools", "pyproj", "shapely", "ephem", "simpy"}


def test_models_deciders_rules_and_numerics_import_no_framework_store_settings_or_clock():
    pure = pure_modules()
    assert "jprcc.core.contract" in pure
    assert "jprcc.records.decide" in pure
    for name, path in pure.items():
        for imported in imports(path):
            top = imported.split(".")[0]
            in_pure = any(imported == p or imported.startswith(p + ".") for p in pure)
            numerics = "planning" in name and top in NUMERICS
            allowed = top in sys.stdlib_module_names or in_pure or numerics
            assert allowed, f"{path.relative_to(PACKAGE)} imports {imported}"


def test_routes_and_cli_never_touch_the_store_directly():
    entry_points = [
        *(PACKAGE / "api").glob("*.py"),
        *(PACKAGE / "cli").glob("*.py"),
        *PACKAGE.rglob("http.py"),
        *PACKAGE.rglob("cli.py"),
    ]
    assert len(entry_points) > 10
    for path in entry_points:
        for name in imports(path):
            assert not name.startswith(("jprcc.core.store", "sqlalchemy")), (
                f"{path.relative_to(PACKAGE)} imports {name}"
            )


def test_modules_stay_small_enough_to_hold_one_idea():
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 620, f"{path.relative_to(PACKAGE)} has {lines} lines"


#: libraries that only some answers need: the command line must start without them
LAZY_LIBRARIES = {"shapely", "pyproj", "rasterio", "ephem", "skyfield", "tifffile", "roaring_landmask"}


def test_the_command_lines_help_loads_no_geometry_geodesy_raster_or_ephemeris_library():
    code = (
        "import sys\n"
        "sys.argv = ['jprcc', '--help']\n"
        "from jprcc.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(done.stderr.strip().splitlines()[-1].split(","))
    assert "typer" in loaded  # the help was shown
    assert not loaded & LAZY_LIBRARIES, f"--help imports {sorted(loaded & LAZY_LIBRARIES)}"


def test_the_long_only_modules_hold_only_long_checks():
    """``make test`` does not even collect these modules: a test in them without the ``long`` mark
    would never run anywhere but in the long checks."""
    from tests.conftest import LONG_ONLY_MODULES

    for name, marks in LONG_ONLY_MODULES.items():
        assert "long" in marks
        tree = ast.parse((Path(__file__).parent / name).read_text())
        tests = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
        assert tests, f"{name} holds no test"
        for test in tests:
            decorators = {ast.unparse(d) for d in test.decorator_list}
            assert "pytest.mark.long" in decorators, f"{name}::{test.name} is not marked long"


def test_the_suite_leaves_the_long_only_modules_out_and_any_run_that_selects_them_takes_them_in():
    from tests.conftest import selects_marked

    fuzzer = frozenset({"long", "hypothesis"})
    assert not selects_marked("not long", fuzzer)
    assert not selects_marked("postgres and not long", fuzzer)
    assert not selects_marked("hypothesis and not long", fuzzer)
    for chosen in ("", "long", "long or postgres", "hypothesis", "long and hypothesis", "not postgres"):
        assert selects_marked(chosen, fuzzer), chosen
