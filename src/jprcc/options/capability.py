"""Recovery options: courses of action across all components, compared side by side. Options
decide nothing: the JPRCC nominates through brokering, with the option it adopted."""

from __future__ import annotations

from typing import Any

from jprcc.core.contract import Capability, CliGroup, ServiceSpec
from jprcc.intel.service import Intel
from jprcc.options import http
from jprcc.options.service import RecoveryOptions, RouteCache


def _options(node: Any) -> RecoveryOptions:
    return RecoveryOptions(node.queries, node.service(Intel), node.service(RouteCache))


HELP = "Recovery options across all components, compared side by side."

CAPABILITY = Capability(
    name="options",
    summary="Recovery options across all components: who leads, who supports with what, when, at "
    "what risk, and what other operations lose.",
    services=(ServiceSpec(RouteCache, lambda node: RouteCache()), ServiceSpec(RecoveryOptions, _options)),
    actions=http.ACTIONS,
    cli=(CliGroup("options", "jprcc.options.cli:app", HELP),),
)
