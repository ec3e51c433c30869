"""PR intelligence preparation: threat, civil, PSYOP and weather layers; the threat-decision matrix;
the assessment of an incident (threat, light, routes) and threat maps."""

from __future__ import annotations

from typing import Any

from jprcc.core import authorization as r
from jprcc.core.contract import Capability, CliGroup, CommandSpec, ReadModel, ServiceSpec
from jprcc.intel import commands as cmd
from jprcc.intel import events as ev
from jprcc.intel import handlers as h
from jprcc.intel import http, projections
from jprcc.intel.planning.terrain import Terrain
from jprcc.intel.service import Intel
from jprcc.intel.timeline import INTEL_LINES


def _terrain(node: Any) -> Terrain:
    # a bad terrain file stops start-up here rather than failing every route request later
    from jprcc.intel.terrain_files import read_terrain

    return read_terrain(node.settings.terrain_elevation, node.settings.terrain_water)


def _intel(node: Any) -> Intel:
    return Intel(node.queries, node.service(Terrain))


HELP = "PR intelligence preparation: layers, the matrix, assessments, threat maps."

CAPABILITY = Capability(
    name="intel",
    summary="Threat, civil, PSYOP and weather layers; the threat-decision matrix; assessments and "
    "threat maps.",
    commands=(
        CommandSpec(
            cmd.PublishLayer,
            r.staff_or_system,
            "only the JPRCC publishes intelligence layers",
            h.publish_layer,
        ),
        CommandSpec(
            cmd.WithdrawLayer,
            r.staff_or_system,
            "only the JPRCC withdraws intelligence layers",
            h.withdraw_layer,
        ),
        CommandSpec(
            cmd.PublishDecisionMatrix,
            r.director_or_system,
            "only the JPRCC director changes the threat-decision matrix",
            h.publish_decision_matrix,
        ),
    ),
    events=(ev.LayerPublished, ev.LayerWithdrawn, ev.DecisionMatrixPublished),
    timeline=INTEL_LINES,
    # layers and the matrix are kept as versions: a rebuild replays over them, never empties them
    read_models=(ReadModel(name="intel", on_event=projections.INTEL),),
    services=(ServiceSpec(Terrain, _terrain), ServiceSpec(Intel, _intel)),
    actions=http.ACTIONS,
    cli=(CliGroup("intel", "jprcc.intel.cli:app", HELP),),
)
