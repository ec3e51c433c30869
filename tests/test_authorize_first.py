"""Authorize before any costly work: a refused actor makes the node simulate, hash, open or
allocate nothing (the work is counted by subclasses of the real preparation and map services).

A proposed search plan records nothing, so it needs only read access (the page offers the form to
every reader of the map, an observer included); but a reader the incident is hidden from is
refused before any particle is simulated or any effort allocated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from jprcc.core.model import Context
from jprcc.core.node import Node, bootstrap
from jprcc.intel.service import Intel
from jprcc.locate import commands as cmd
from jprcc.locate.preparation import SearchPreparation
from jprcc.locate.service import Locate, SimulationCache
from jprcc.records.sealing import RecordSeal
from tests.api_helpers import Api
from tests.conftest import T0, Cast, demo_copy, fast_settings


class CountingPreparation(SearchPreparation):
    """The real preparation, counting what it is asked to do."""

    def __init__(self, bus: Any, locate: Locate, seal: RecordSeal) -> None:
        super().__init__(bus, locate, seal)
        self.models = 0
        self.plans = 0

    def model(self, c: cmd.DefineSearchModel, ctx: Context) -> cmd.DefineSearchModel:
        self.models += 1
        return super().model(c, ctx)

    def plan(self, c: cmd.AdoptSearchPlan, ctx: Context) -> cmd.AdoptSearchPlan:
        self.plans += 1
        return super().plan(c, ctx)


class CountingLocate(Locate):
    """The real maps, counting every picture drawn (a map, a trial simulation, a proposal)."""

    pictures = 0

    def picture_of(self, *args: Any, **kwargs: Any) -> Any:
        self.pictures += 1
        return super().picture_of(*args, **kwargs)


def counting_locate(node: Node) -> CountingLocate:
    settings = node.settings
    return CountingLocate(
        node.queries,
        node.service(Intel),
        node.service(SimulationCache),
        settings.effective_forcing_dir,
        node.service(RecordSeal),
    )


@pytest.fixture
def demo(tmp_path: Path, demo_snapshot_at_t0: Path) -> Iterator[tuple[Node, Api, CountingPreparation]]:
    clock = ManualClock(T0)
    node = bootstrap(
        fast_settings(demo_copy(demo_snapshot_at_t0, tmp_path), tmp_path),
        clock=clock,
        migrate=True,
        services={
            Locate: counting_locate,
            SearchPreparation: lambda n: CountingPreparation(n.bus, n.service(Locate), n.service(RecordSeal)),
        },
    )
    with TestClient(create_app(node, sweep_alerts=False)) as client:
        logins = Cast({}, {u: f"demo-{u}" for u in ("observer", "jflcc", "controller")})
        yield node, Api(client, logins), node.service(SearchPreparation)
    node.close()


HEAVY_MODEL = {  # a week of 200,000 evaders heading for the person's evasion-plan destinations
    "movement": {"kind": "evader", "destinations_from_epa": "USA-LINDQVIST"},
    "horizon_h": 168,
    "step_s": 60,
    "particles": 200_000,
}
PLAN = {"assets": [{"name": "REAPER 55", "sweep_width_m": 3000, "speed_kt": 120, "hours": 4}]}


def record_openings(node: Node) -> int:
    with node.database.read() as conn:
        return sum(1 for r in node.queries.log(conn).read(stream_id="record:USA-LINDQVIST"))


class TestObserverIsRefusedBeforeTheWork:
    def test_a_search_model_is_refused_before_any_epa_is_opened_or_particle_simulated(self, demo):
        node, api, work = demo
        models, cached, opened = work.models, len(node.service(SimulationCache)._items), record_openings(node)
        refused = api.put("observer", "/api/incidents/PR-RAVEN21/locate/model", HEAVY_MODEL, status=403)
        assert refused["error"] == "not_authorized"
        assert work.models == models
        assert len(node.service(SimulationCache)._items) == cached
        assert record_openings(node) == opened  # the evasion plan was not opened either

    def test_a_plan_is_refused_before_any_effort_is_allocated(self, demo):
        _, api, work = demo
        plans = work.plans
        api.post("observer", "/api/incidents/PR-KNIGHT44/locate/plans", PLAN, status=403)
        api.post("jflcc", "/api/incidents/PR-KNIGHT44/locate/plans", PLAN, status=404)  # not involved
        assert work.plans == plans

    def test_the_recovery_force_gets_the_work_done_once(self, demo):
        _, api, work = demo
        plans = work.plans
        api.post("controller", "/api/incidents/PR-KNIGHT44/locate/plans", PLAN, status=201)
        assert work.plans == plans + 1


class TestAProposalNeedsOnlyReadAccess:
    def test_an_observer_gets_a_proposal_and_nothing_is_recorded(self, demo):
        _, api, work = demo
        version = api.get("observer", "/api/incidents/PR-KNIGHT44")["version"]
        plan = api.post("observer", "/api/incidents/PR-KNIGHT44/locate/plan", PLAN)
        assert plan["plan_id"] == ""
        assert plan["areas"][0]["asset"] == "REAPER 55"
        assert api.get("observer", "/api/incidents/PR-KNIGHT44")["version"] == version
        assert work.plans == 0  # a proposal is no adoption: the bus prepared nothing

    def test_a_reader_the_incident_is_hidden_from_is_refused_before_any_picture_is_drawn(self, demo):
        node, api, _ = demo
        locate = node.service(Locate)
        assert isinstance(locate, CountingLocate)
        drawn = locate.pictures
        refused = api.post("jflcc", "/api/incidents/PR-KNIGHT44/locate/plan", PLAN, status=404)
        assert refused["message"] == "unknown incident PR-KNIGHT44"  # hidden: as though there were none
        twice = {"assets": PLAN["assets"] * 2}  # refused for who asks before what is asked is looked at
        api.post("jflcc", "/api/incidents/PR-KNIGHT44/locate/plan", twice, status=404)
        api.get("jflcc", "/api/incidents/PR-KNIGHT44/locate", status=404)
        assert locate.pictures == drawn
        api.post("controller", "/api/incidents/PR-KNIGHT44/locate/plan", PLAN)
        assert locate.pictures == drawn + 1
