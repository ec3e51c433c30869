"""Command groups loaded when they run: ``jprcc --help`` lists them all without importing any.

Each group is named with its module (``module:attribute`` of a Typer app) and its one-line help;
the root lists the groups from this table, and a group's module — with its capability, the
store and the numerics — is imported only when one of its commands runs or its own help is asked
for. The table holds the shipped capabilities' groups (a test checks it against their
declarations) and the groups of the plug-ins named in ``JPRCC_PLUGINS``.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Any

import typer
from typer import _click as click  # Typer carries its own click
from typer.core import TyperCommand, TyperGroup

from jprcc.core.contract import CliGroup

SHIPPED: tuple[CliGroup, ...] = (
    CliGroup(
        "incidents",
        "jprcc.brokering.cli:app",
        "The incident board, incident pages, and every step from report to close.",
    ),
    CliGroup(
        "inbox",
        "jprcc.brokering.cli_inbox:app",
        "What waits for you now; what you may offer; decisions recorded on your behalf.",
    ),
    CliGroup(
        "intel",
        "jprcc.intel.cli:app",
        "PR intelligence preparation: layers, the matrix, assessments, threat maps.",
    ),
    CliGroup(
        "options",
        "jprcc.options.cli:app",
        "Recovery options across all components, compared side by side.",
    ),
    CliGroup(
        "locate",
        "jprcc.locate.cli:app",
        "Where the isolated person is: the probability map, fixes, searches, plans.",
    ),
    CliGroup(
        "records",
        "jprcc.records.cli:app",
        "Isolated-personnel records: ISOPREP and EPA, verify-only authentication.",
    ),
    CliGroup(
        "persons",
        "jprcc.journey.cli:persons_app",
        "Each isolated person's journey: custody hand-offs, reintegration, accounting.",
    ),
    CliGroup(
        "casefile",
        "jprcc.journey.cli:casefile_app",
        "An incident's interagency track and information collection plan.",
    ),
    CliGroup("tak", "jprcc.tak.cli:app", "TAK devices, alerts and links: bind, list, test."),
    CliGroup("messages", "jprcc.publishing.cli:app", "Messages: preview, render, release, templates."),
    CliGroup(
        "exchange",
        "jprcc.publishing.cli:exchange_app",
        "Export the picture as GeoJSON, KML or CSV; import assets and threat layers.",
    ),
    CliGroup(
        "exercise",
        "jprcc.exercise.cli:app",
        "Exercises on a scenario clock: run a scenario live or headless.",
    ),
    CliGroup(
        "theater",
        "jprcc.core.theater.cli:app",
        "Components, assets and operations; scenario files.",
    ),
    CliGroup(
        "users",
        "jprcc.core.accounts.cli:app",
        "Accounts (local administration, or as the JPRCC director).",
    ),
    CliGroup(
        "audit",
        "jprcc.cli.admin:audit_app",
        "The tamper-evident event log.",
    ),
    CliGroup(
        "db",
        "jprcc.cli.admin:db_app",
        "The store: schema upgrades, read-model rebuilds (local administration).",
    ),
    CliGroup(
        "demo",
        "jprcc.cli.admin:demo_app",
        "The demo theater (Exercise CORAL SHIELD).",
    ),
)


def plugin_groups() -> list[CliGroup]:
    """The CLI groups of the capabilities named in ``JPRCC_PLUGINS`` (comma-separated modules)."""
    found: list[CliGroup] = []
    for name in filter(None, (n.strip() for n in os.environ.get("JPRCC_PLUGINS", "").split(","))):
        found.extend(importlib.import_module(name).CAPABILITY.cli)
    return found


def load(target: str) -> click.Command:
    module, _, attribute = target.partition(":")
    found: Any = getattr(importlib.import_module(module), attribute)
    if isinstance(found, typer.Typer):
        return typer.main.get_group(found)  # a group even when it holds one command
    assert isinstance(found, click.Command), target
    return found


@dataclass
class _Loaded:
    command: click.Command | None = None


class LazyCommand(TyperCommand):
    """Stands for a group until it runs: its help line is static, the rest is the real group's."""

    def __init__(self, group: CliGroup) -> None:
        super().__init__(name=group.name, help=group.help, short_help=group.help)
        self.group = group
        self._loaded = _Loaded()

    def real(self) -> click.Command:
        if self._loaded.command is None:
            command = load(self.group.target)
            command.name = self.group.name
            self._loaded.command = command
        return self._loaded.command

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        return self.real().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        return self.real().invoke(ctx)

    def get_usage(self, ctx: click.Context) -> str:
        return self.real().get_usage(ctx)

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        return self.real().get_params(ctx)


class LazyRoot(TyperGroup):
    """The ``jprcc`` group: its own commands, and every capability's group, loaded when used."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for group in (*SHIPPED, *plugin_groups()):
            self.add_command(LazyCommand(group), group.name)
