"""The capability contract: a node is exactly the capabilities it is given, and each is complete."""

from __future__ import annotations

import importlib
import re

import pytest

from jprcc.brokering import commands as cmd
from jprcc.core.authorization import anyone
from jprcc.core.contract import Capability, CommandSpec, Registry, RegistryError, Subject
from jprcc.core.node import CAPABILITIES, shipped_capabilities
from jprcc.core.theater import commands as theater_cmd

REGISTRY = Registry(shipped_capabilities())


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class TestAssembly:
    def test_a_registry_holds_exactly_the_capabilities_it_was_given(self):
        only_theater = Registry([importlib.import_module("jprcc.core.theater.capability").CAPABILITY])
        assert {c.__name__ for c in only_theater.commands} == {
            "RegisterComponent",
            "RegisterAsset",
            "ChangeAssetReadiness",
            "RegisterRecoveryPoint",
            "PlanOperation",
            "CommitAsset",
            "ReleaseAsset",
            "EndOperation",
        }
        # importing every other capability registered nothing anywhere
        assert cmd.ReportIncident not in only_theater.commands
        assert Registry([]).commands == {}
        assert Registry([]).event_types == {}
        assert len(Registry(shipped_capabilities()).commands) == len(REGISTRY.commands)

    def test_two_capabilities_may_not_claim_one_command(self):
        theater = importlib.import_module("jprcc.core.theater.capability").CAPABILITY
        rival = Capability(
            name="rival",
            commands=(CommandSpec(theater_cmd.RegisterComponent, anyone, "", lambda c, u, x, s: None),),
        )
        with pytest.raises(RegistryError, match="RegisterComponent is declared by both theater and rival"):
            Registry([theater, rival])

    def test_an_event_name_is_claimed_once(self):
        theater = importlib.import_module("jprcc.core.theater.capability").CAPABILITY
        with pytest.raises(RegistryError, match="component_registered"):
            Registry([theater, Capability(name="copy", events=theater.events[:1])])

    def test_the_node_lists_its_capabilities_by_module_and_each_module_holds_one(self):
        for name in CAPABILITIES:
            assert isinstance(importlib.import_module(name).CAPABILITY, Capability)


class TestCompleteness:
    def test_every_command_has_a_rule_a_handler_and_an_action_or_is_marked_internal(self):
        issued = {a.command for a in REGISTRY.actions.values() if a.command is not None}
        for command_type, spec in REGISTRY.commands.items():
            assert callable(spec.rule), command_type.__name__
            assert callable(spec.handler), command_type.__name__
            assert spec.internal or command_type in issued, f"{command_type.__name__} has no action"

    def test_every_event_has_a_timeline_line_and_an_applier_on_its_stream(self):
        for name, event_type in REGISTRY.event_types.items():
            assert event_type in REGISTRY.describers, f"{name} has no timeline line"
            kind = event_type.stream_kind
            stream = REGISTRY.streams.get(kind)
            if stream is not None and event_type is not stream.starts:
                assert event_type in REGISTRY.appliers[kind], f"{name} has no applier on {kind} streams"

    def test_every_incident_command_is_taken_only_in_the_stages_its_step_names(self):
        for command_type, spec in REGISTRY.commands.items():
            if issubclass(command_type, cmd.IncidentCommand):
                assert spec.action, command_type.__name__

    def test_a_refusal_names_the_actor_the_verb_and_the_rule(self):
        from jprcc.core.contract import authorize
        from jprcc.core.errors import NotAuthorized
        from jprcc.core.model import Actor, Role

        observer = Actor("obs", Role.OBSERVER)
        with pytest.raises(
            NotAuthorized, match=r"obs \(observer\) may not register component: only the JPRCC director"
        ):
            authorize(
                REGISTRY,
                observer,
                theater_cmd.RegisterComponent(component_id="X", name="x", kind="air", prcc_name="p"),
                Subject(),
            )

    def test_scenario_names_are_the_commands_snake_names(self):
        from jprcc.exercise.scenario import scripted_commands

        names = scripted_commands(REGISTRY)
        assert names["report_incident"] is cmd.ReportIncident
        assert "raise_overdue_alert" not in names  # the clock's, not a script's
        assert "record_authentication" not in names  # an outcome comes only from comparing an answer
        assert all(_snake(t.__name__) == n for n, t in names.items())


class TestTheCommandLine:
    def test_the_lazy_group_table_is_the_capabilities_own_declarations(self):
        from jprcc.cli.lazy import SHIPPED

        declared = {g for c in REGISTRY.capabilities for g in c.cli}
        administration = {g for g in SHIPPED if g.target.startswith("jprcc.cli.admin:")}
        assert set(SHIPPED) - administration == declared

    def test_help_and_import_stay_off_the_store_and_the_numerics(self):
        import subprocess
        import sys

        probe = "import sys, jprcc, jprcc.cli; print(' '.join(sorted(sys.modules)))"
        loaded = set(
            subprocess.run(
                [sys.executable, "-c", probe], capture_output=True, text=True, check=True
            ).stdout.split()
        )
        heavy = {
            "numba",
            "scipy",
            "ortools",
            "pandas",
            "sqlalchemy",
            "numpy",
            "shapely",
            "pyproj",
            "rasterio",
            "fastapi",
        }
        assert not loaded & heavy, sorted(loaded & heavy)
