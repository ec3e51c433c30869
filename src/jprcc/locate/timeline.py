"""One line of plain language per search-case event."""

from __future__ import annotations

from jprcc.core import events as ev
from jprcc.core.timeline import Describer
from jprcc.locate import events as le

# --- locate lines

LOCATE_LINES: dict[type[ev.Event], Describer] = {  # the search case
    le.SearchModelDefined: lambda e: (
        f"Search model r{e.revision} defined: {e.model.movement.kind} from the last known position "
        f"(±{e.model.radius95_m:.0f} m at {e.model.start:%d%H%MZ}), {e.model.particles:,} particles"
    ),
    le.SearchInformationRecorded: lambda e: (
        f"Locate {e.information.info_id}: {e.information.body.kind} about {e.information.at:%d%H%MZ}"
        + (f" ({e.information.source})" if e.information.source else "")
    ),
    le.SearchPlanAdopted: lambda e: (
        f"Search plan {e.plan.plan_id} adopted for {e.plan.at:%d%H%MZ}: "
        f"{', '.join(a.asset for a in e.plan.areas)}; POS {e.plan.probability_of_success:.0%}, "
        f"cumulative {e.plan.cumulative_probability_of_success:.0%}"
    ),
}
