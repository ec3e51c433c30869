"""Run every benchmark: ``python -m bench`` (or ``make bench``). Each writes bench/results/<name>.json."""

from __future__ import annotations

import sys

from bench import (
    cli_start,
    cop,
    core,
    exercise,
    feed,
    geometry,
    locate,
    options,
    publishing,
    records,
    routes,
    scale,
    tak,
)

BENCHMARKS = {
    "core": core.main,
    "cop": cop.main,
    "routes": routes.main,
    "options": options.main,
    "records": records.main,
    "locate": locate.main,
    "geometry": geometry.main,
    "cli": cli_start.main,
    "feed": feed.main,
    "tak": tak.main,
    "exercise": exercise.main,
    "publishing": publishing.main,
    "scale": scale.main,
}


def main() -> None:
    names = [a for a in sys.argv[1:] if not a.startswith("-")] or list(BENCHMARKS)
    options = [a for a in sys.argv[1:] if a.startswith("-")]
    for name in names:
        BENCHMARKS[name](options)


if __name__ == "__main__":
    main()
