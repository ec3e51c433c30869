"""Two versions of the project side by side, for the before/after benchmarks (``cli``, ``feed``).

*after* is the working tree's ``src``; *before* is the project at a given commit (by default
``36b68ca``, the last one before the "One home per capability" restructuring), checked out into a
temporary git worktree that is removed at the end. Both run in fresh processes with the same
Python (this venv), each with its own ``PYTHONPATH`` and only the ``JPRCC_*`` settings given here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BEFORE = "36b68ca"
PYTHON = sys.executable
# password hashing kept out of the timings: the cheapest argon2id the settings accept
FAST_HASHING = {"JPRCC_ARGON2_TIME_COST": "1", "JPRCC_ARGON2_MEMORY_KIB": "64"}


@dataclass(frozen=True)
class Version:
    name: str  # "before" / "after"
    label: str  # the commit, as shown in the results
    src: Path

    def env(self, **settings: str) -> dict[str, str]:
        """This process's environment without its JPRCC_* settings, with this version's path."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("JPRCC_")}
        env["PYTHONPATH"] = str(self.src)
        env.update(FAST_HASHING)
        env.update(settings)
        return env

    def run(self, args: list[str], **settings: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PYTHON, *args], env=self.env(**settings), capture_output=True, text=True, check=False
        )

    def check(self) -> None:
        """``import jprcc`` resolves into this version's tree (not an installed copy)."""
        found = self.run(["-c", "import jprcc; print(jprcc.__file__)"]).stdout.strip()
        if not found.startswith(str(self.src)):
            raise SystemExit(f"{self.name}: import jprcc found {found!r}, not under {self.src}")

    def load_demo(self, data_dir: Path) -> None:
        """The demo theater, loaded once by this version's own code into its own data dir."""
        data_dir.mkdir(parents=True, exist_ok=True)
        done = self.run(["-m", "jprcc", "demo", "load"], JPRCC_DATA_DIR=str(data_dir))
        if done.returncode != 0:
            raise SystemExit(f"{self.name}: jprcc demo load failed:\n{done.stdout}\n{done.stderr}")


def _head() -> str:
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", "src"], capture_output=True, text=True
    ).stdout.strip()
    return f"{head}{'+changes' if dirty else ''}"


@contextmanager
def before_and_after(folder: Path, commit: str = BEFORE) -> Iterator[tuple[Version, Version]]:
    """(before, after); both trees byte-compiled first, so that no timing pays for it."""
    tree = folder / f"jprcc-{commit}"
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), commit],
        check=True,
        capture_output=True,
    )
    try:
        versions = Version("before", commit, tree / "src"), Version("after", _head(), REPO / "src")
        for v in versions:
            v.check()
            subprocess.run([PYTHON, "-m", "compileall", "-q", str(v.src)], check=True, capture_output=True)
        yield versions
    finally:
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], capture_output=True
        )
        shutil.rmtree(tree, ignore_errors=True)
