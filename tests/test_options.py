"""Recovery options: the assembly against brute force, its properties, and the options an incident gets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jprcc.brokering import commands as cmd
from jprcc.core.clock import ManualClock
from jprcc.core.model import (
    Capability,
    Condition,
    Environment,
    Position,
    Readiness,
    ReportChannel,
    SourceConfidence,
)
from jprcc.core.node import Node
from jprcc.core.theater import commands as theater_cmd
from jprcc.core.values import PersonReport
from jprcc.intel import commands as intel_cmd
from jprcc.intel.planning import light
from jprcc.options.model import Method, Situation, TaskRole, open_methods
from jprcc.options.option_set import OptionSet
from jprcc.options.planning.courses import Candidate, Combo, Weights, assemble, brute_force, reduce, solve
from jprcc.options.service import RecoveryOptions
from tests import article
from tests.conftest import Cast

# --- the assembly ----------------------------------------------------------------------------

assets = st.integers(0, 11).map(lambda i: f"A{i}")


@st.composite
def candidates(draw: st.DrawFn, size: tuple[int, int] = (0, 4)) -> list[Candidate]:
    ids = draw(st.lists(assets, min_size=size[0], max_size=size[1], unique=True))  # once per role
    return [
        Candidate(
            asset_id,
            draw(st.sampled_from(["JFACC", "JFLCC", "JFMCC", "JFSOCC"])),
            draw(st.integers(0, 20_000)),
            draw(st.floats(0, 900)),
            draw(st.floats(0, 0.1)),
            draw(st.integers(0, 7200)),
            draw(st.sampled_from([0, 0, 1, 3, 5])),
            draw(st.booleans()),
            draw(st.booleans()),
            secure=draw(st.booleans()),
        )
        for asset_id in ids
    ]


@st.composite
def combos(draw: st.DrawFn) -> Combo:
    roles = {TaskRole.RECOVERY_VEHICLE: draw(candidates((1, 4))), TaskRole.ISR: draw(candidates((1, 4)))}
    if draw(st.booleans()):
        roles[TaskRole.AIRBORNE_C2] = draw(candidates((1, 3)))
    dark = draw(st.sampled_from([None, [(3_600.0, 18_000.0), (90_000.0, 110_000.0)]]))
    return Combo(
        "c",
        roles,
        escort=draw(candidates()),
        medical=draw(st.one_of(st.none(), candidates())),
        security=draw(st.one_of(st.none(), candidates())),
        ready_s=draw(st.integers(0, 10_000)),
        dark=dark,
        casualty_rate=draw(st.sampled_from([0.0, 1 / 43_200])),
    )


weights = st.builds(Weights, st.floats(0.01, 5), st.floats(0.01, 5), st.floats(0.01, 5))


def score(found, w):
    return None if found is None else round(found.score(w), 3)


class TestAssembly:
    @given(combos(), weights)
    @settings(max_examples=150, deadline=None)
    def test_cp_sat_finds_the_same_best_score_as_trying_every_assignment(self, combo, w):
        assert score(solve(combo, w), w) == pytest.approx(score(brute_force(combo, w), w), abs=2e-3)

    @given(combos(), weights)
    @settings(max_examples=100, deadline=None)
    def test_keeping_only_the_candidates_that_can_matter_loses_no_best_assignment(self, combo, w):
        assert score(solve(reduce(combo), w), w) == pytest.approx(score(brute_force(combo, w), w), abs=2e-3)

    @given(combos(), weights)
    @settings(max_examples=100, deadline=None)
    def test_an_asset_fills_one_role_at_most_and_every_needed_role_is_filled(self, combo, w):
        found = solve(combo, w)
        if found is None:
            return
        ids = [c.asset_id for c in found.chosen.values()]
        assert len(ids) == len(set(ids))
        assert set(combo.roles) <= set(found.chosen)
        assert (TaskRole.ESCORT_FIRES in found.chosen) == found.vehicle.needs_escort
        if combo.medical is not None:
            assert (TaskRole.MEDICAL in found.chosen) == (not found.vehicle.medical)
        # a vehicle that secures its own pickup (pararescue, a security team aboard) needs no other
        assert (TaskRole.GROUND_SECURITY in found.chosen) == (
            combo.security is not None and not found.vehicle.secure
        )

    @given(combos(), weights)
    @settings(max_examples=60, deadline=None)
    def test_a_pickup_asked_to_wait_for_darkness_is_on_scene_wholly_inside_a_dark_window(self, combo, w):
        found = solve(combo, w)
        if found is not None and combo.dark is not None:
            on_scene = (found.pickup_s, found.pickup_s + combo.on_scene_s)
            assert any(start <= on_scene[0] and on_scene[1] <= end for start, end in combo.dark)

    @given(combos(), weights, st.data())
    @settings(max_examples=100, deadline=None)
    def test_adding_an_asset_never_makes_the_best_option_worse(self, combo, w, data):
        before = solve(combo, w)
        role = data.draw(st.sampled_from(sorted(combo.roles)))
        extra = data.draw(candidates((1, 1)))[0]
        bigger = Combo(
            combo.key,
            {**combo.roles, role: [*combo.roles[role], extra]},
            combo.escort,
            combo.medical,
            combo.ready_s,
            combo.on_scene_s,
            combo.dark,
            combo.casualty_rate,
            combo.fixed_log_risk,
        )
        after = solve(bigger, w)
        if before is not None:
            assert after is not None
            assert after.score(w) <= before.score(w) + 1e-3

    @given(st.lists(combos(), min_size=1, max_size=3), weights)
    @settings(max_examples=40, deadline=None)
    def test_no_option_returned_is_dominated_by_another(self, many, w):
        front, _, _ = assemble(
            [Combo(f"c{i}", c.roles, c.escort, c.medical, c.ready_s) for i, c in enumerate(many)], w
        )
        for a in front:
            for b in front:
                if a is not b:  # better on a criterion means by more than rounding noise (1e-9)
                    pairs = list(zip(b.criteria(), a.criteria(), strict=True))
                    assert not (all(x <= y + 1e-9 for x, y in pairs) and any(x < y - 1e-9 for x, y in pairs))
        assert [round(a.score(w), 6) for a in front] == sorted(round(a.score(w), 6) for a in front)


def every_assignment(combo: Combo):
    from itertools import product

    from jprcc.options.planning.courses import _needed, evaluate

    for vehicle in combo.roles[TaskRole.RECOVERY_VEHICLE]:
        roles = _needed(combo, vehicle)
        names = list(roles)
        for picks in product(*(roles[r] for r in names)):
            ids = [vehicle.asset_id, *(p.asset_id for p in picks)]
            if len(set(ids)) == len(ids):
                found = evaluate(
                    combo, {TaskRole.RECOVERY_VEHICLE: vehicle, **dict(zip(names, picks, strict=True))}
                )
                if found is not None:
                    yield found


class TestNonDominated:
    @given(st.lists(combos(), min_size=1, max_size=2), weights)
    @settings(max_examples=60, deadline=None)
    def test_no_option_returned_is_beaten_by_any_assignment_of_any_combination(self, many, w):
        from jprcc.options.planning.courses import dominates

        keyed = [
            Combo(f"c{i}", c.roles, c.escort, c.medical, c.ready_s, c.on_scene_s, c.dark, c.casualty_rate)
            for i, c in enumerate(many)
        ]
        front, _, _ = assemble(keyed, w)
        everything = [a for c in keyed for a in every_assignment(c)]
        for a in front:
            assert not any(dominates(b, a) for b in everything)

    @given(st.data(), weights)
    @settings(max_examples=60, deadline=None)
    def test_the_reduction_is_exact_with_many_candidates_and_vehicles_set_aside(self, data, w):
        roles = {
            TaskRole.RECOVERY_VEHICLE: data.draw(candidates((3, 9))),
            TaskRole.ISR: data.draw(candidates((2, 9))),
        }
        combo = Combo("c", roles, escort=data.draw(candidates((0, 6))), medical=data.draw(candidates((0, 6))))
        vehicles = [c.asset_id for c in roles[TaskRole.RECOVERY_VEHICLE]]
        excluded = data.draw(st.lists(st.sampled_from(vehicles), max_size=2, unique=True))
        assert score(solve(reduce(combo, extra=2), w, excluded), w) == pytest.approx(
            score(solve(combo, w, excluded), w), abs=2e-3
        )


class TestOpenMethods:
    def situation(self, **changes):
        base = {
            "detained": False,
            "uncertainty_m": 300,
            "locate_limit_m": 1000,
            "at_sea": False,
            "coastal": False,
            "all_mobile": True,
        }
        return Situation(**{**base, **changes})

    def test_a_detained_person_gets_only_the_negotiated_track(self):
        methods, why = open_methods(self.situation(detained=True, uncertainty_m=50_000))
        assert methods == [Method.NEGOTIATED]
        assert "detained" in why[0]

    def test_a_position_less_certain_than_the_matrix_allows_gets_locate_first(self):
        methods, why = open_methods(self.situation(uncertainty_m=1001))
        assert methods == [Method.LOCATE_FIRST]
        assert "1000 m" in why[0]

    def test_at_sea_only_aircraft_and_boats_recover(self):
        methods, _ = open_methods(self.situation(at_sea=True))
        assert methods == [Method.ROTARY_WING_RECOVERY, Method.MARITIME_SURFACE_PICKUP]

    def test_a_person_who_cannot_move_is_not_asked_to_evade_alone(self):
        assert Method.UNASSISTED_EVASION in open_methods(self.situation())[0]
        assert Method.UNASSISTED_EVASION not in open_methods(self.situation(all_mobile=False))[0]


# --- the options of an incident --------------------------------------------------------------


def generate(node: Node, who, incident_id: str, **kwargs) -> OptionSet:
    return node.service(RecoveryOptions).generate(who, incident_id, **kwargs)


def report(
    node: Node,
    cast: Cast,
    incident_id: str,
    position: Position,
    *,
    environment: Environment = Environment.LAND,
    uncertainty_m: float = 200,
    priority: int = 2,
    condition: Condition = Condition.UNINJURED,
) -> None:
    node.bus.handle(
        cmd.ReportIncident(
            incident_id=incident_id,
            title=f"{incident_id} test",
            owning_component="JFLCC",
            isolating_event_at=node.clock.now - timedelta(minutes=5),
            position=position,
            uncertainty_m=uncertainty_m,
            channel=ReportChannel.VOICE,
            source_confidence=SourceConfidence.CONFIRMED,
            persons=(PersonReport("SGT A. Test", "USA", "JFLCC", "TEST 1", condition),),
            environment=environment,
            priority=priority,
        ),
        cast["jflcc"],
    )


def everything(found: OptionSet):
    return [*found.options, *found.also_considered]


def roles_of(option) -> dict[str, str]:
    return {a.role.value: a.asset_id for a in option.assets}


class TestTheArticlesIncident:
    def test_the_articles_package_comes_first_once_the_components_have_answered(
        self, sqlite_node, sqlite_cast, clock: ManualClock
    ):
        article.to_poll(sqlite_node, sqlite_cast, clock)
        article.answer_all(sqlite_node, sqlite_cast, clock)
        found = generate(sqlite_node, sqlite_cast["controller"], article.INCIDENT)
        top = found.options[0]
        assert top.method is Method.SOF_ASSISTED_LINKUP
        assert top.site.name == "LZ FALCON"
        assert top.supported_component == "JFMCC"
        assert roles_of(top) == {
            "recovery_vehicle": "KNIGHT-41",
            "linkup_movement": "RAVEN-21",
            "isr": "STARLIGHT-21",
            "airborne_c2": "SENTRY-31",
            "ground_security": "SABER-TROOP",
        }
        assert top.components == ["JFACC", "JFLCC", "JFMCC", "JFSOCC"]
        assert not top.tacon_transfers
        assert not any(o.tacon_transfers for o in everything(found))
        assert top.launch_at <= top.on_scene_at <= top.recovery_at <= top.at_medical_at
        assert 0 < top.p_success < 1
        # the team is with the persons: it is at the linkup when they have walked there, and the
        # pickup waits for it; the helicopter launches to arrive then, not hours early
        team = next(a for a in top.assets if a.role is TaskRole.LINKUP_MOVEMENT)
        assert team.with_persons
        assert top.on_scene_at == max(a.on_station_at for a in top.assets)
        boats = {"WARSHIP-61", "SEA-DOG-1", "NSW-RIB-11"}
        assert not any(a.asset_id in boats for o in everything(found) for a in o.assets)
        care = {"Role 3 Base ALPHA", "Role 2 FOB BRAVO", "Role 2 afloat (amphibious group)"}
        assert top.medical_facility in care
        # the helicopter's way in to the linkup is the least-cost route around the threats, drawn as
        # such: not a straight line from its base to the site
        assert len(top.route) > 2
        assert top.route[0] == (40.6, 10.0)
        assert top.route[-1] == (top.site.lat, top.site.lon)

    def test_a_component_that_cannot_help_has_none_of_its_assets_in_any_option(
        self, sqlite_node, sqlite_cast, clock: ManualClock
    ):
        article.to_poll(sqlite_node, sqlite_cast, clock)
        sqlite_node.bus.handle(
            cmd.AnswerCapabilityPoll(
                incident_id=article.INCIDENT, component_id="JFLCC", cannot_reason="all troops in IRON GATE"
            ),
            sqlite_cast["jflcc"],
        )
        found = generate(sqlite_node, sqlite_cast["controller"], article.INCIDENT)
        assert all(a.component_id != "JFLCC" for o in everything(found) for a in o.assets)
        assert any("JFLCC answered the poll that it cannot help" in n for n in found.infeasible)

    def test_re_weighting_reuses_the_incidents_route_fields(
        self, sqlite_node, sqlite_cast, clock: ManualClock
    ):
        article.to_poll(sqlite_node, sqlite_cast, clock)
        first = generate(sqlite_node, sqlite_cast["controller"], article.INCIDENT)
        again = generate(sqlite_node, sqlite_cast["controller"], article.INCIDENT, weights=Weights(1, 5, 0.1))
        assert not first.warm
        assert again.warm
        assert again.weights == Weights(1, 5, 0.1)


class TestDeconfliction:
    def test_a_unit_taken_from_a_higher_priority_operation_is_flagged_and_ranked_below_an_equal_free_one(
        self, sqlite_node, sqlite_cast, clock: ManualClock
    ):
        node = sqlite_node
        dragoon = next(s.asset for s in node.queries.assets(asset_id="DRAGOON-2"))
        node.bus.handle(
            theater_cmd.RegisterAsset(
                asset_id="DRAGOON-3",
                callsign="DRAGOON 3",
                asset_type=dragoon.asset_type,
                component_id="JFLCC",
                capabilities=dragoon.capabilities,
                base=dragoon.base,
                base_name=dragoon.base_name,
                speed_kmh=dragoon.speed_kmh,
                range_km=dragoon.range_km,
            ),
            sqlite_cast["jflcc"],
        )
        for asset_id in ("SABER-TROOP", "TRIDENT-3"):
            node.bus.handle(
                theater_cmd.ChangeAssetReadiness(asset_id=asset_id, readiness=Readiness.NOT_MISSION_CAPABLE),
                sqlite_cast["jflcc" if asset_id == "SABER-TROOP" else "jfsocc"],
            )
        report(node, sqlite_cast, "PR-TWIN", Position(40.45, 8.85), priority=2)
        found = generate(node, sqlite_cast["controller"], "PR-TWIN")
        ground = [o for o in everything(found) if o.method is Method.GROUND_RECOVERY]
        order = [roles_of(o)["recovery_vehicle"] for o in ground]
        assert order.index("DRAGOON-3") < order.index("DRAGOON-2")
        taken = ground[order.index("DRAGOON-2")]
        free = ground[order.index("DRAGOON-3")]
        assert taken.disrupted == ["IRON GATE (priority 1) loses DRAGOON 2 (JFLCC)"]
        assert any("IRON GATE" in n and "must release" in n for n in taken.notes)
        assert free.disruption == 0
        assert taken.disruption == 5
        assert free.at_medical_at == taken.at_medical_at
        assert free.p_success == pytest.approx(taken.p_success)


class TestWhatASituationAllows:
    def test_a_detained_person_gets_only_the_negotiated_option(self, sqlite_node, sqlite_cast):
        report(sqlite_node, sqlite_cast, "PR-HELD", Position(40.5, 9.1))
        sqlite_node.bus.handle(
            cmd.DeclareDetained(incident_id="PR-HELD", person_ids=("PR-HELD-P1",), detaining_party="militia"),
            sqlite_cast["jflcc"],
        )
        found = generate(sqlite_node, sqlite_cast["controller"], "PR-HELD")
        assert [o.method for o in found.options] == [Method.NEGOTIATED]
        assert found.options[0].assets == []
        assert not found.also_considered

    def test_a_position_beyond_the_matrixs_limit_gets_locate_first(self, sqlite_node, sqlite_cast):
        report(sqlite_node, sqlite_cast, "PR-LOST", Position(40.5, 9.1), uncertainty_m=5000)
        found = generate(sqlite_node, sqlite_cast["controller"], "PR-LOST")
        assert [o.method for o in found.options] == [Method.LOCATE_FIRST]
        assert found.options[0].assets
        assert all(a.role is TaskRole.ISR for a in found.options[0].assets)

    def test_removing_the_only_recovery_capable_asset_of_a_kind_removes_that_method(
        self, sqlite_node, sqlite_cast
    ):
        report(sqlite_node, sqlite_cast, "PR-RAFT", Position(40.95, 8.45), environment=Environment.MARITIME)
        before = generate(sqlite_node, sqlite_cast["controller"], "PR-RAFT")
        boats = {
            roles_of(o)["recovery_vehicle"]
            for o in everything(before)
            if o.method is Method.MARITIME_SURFACE_PICKUP
        }
        assert boats, "a surface pickup is offered while boats can reach the raft"
        assert not any(a.role is TaskRole.GROUND_SECURITY for o in everything(before) for a in o.assets)
        for asset_id in ("WARSHIP-61", "SEA-DOG-1", "NSW-RIB-11"):
            component = "jfsocc" if asset_id == "NSW-RIB-11" else "jfmcc"
            sqlite_node.bus.handle(
                theater_cmd.ChangeAssetReadiness(asset_id=asset_id, readiness=Readiness.NOT_MISSION_CAPABLE),
                sqlite_cast[component],
            )
        after = generate(sqlite_node, sqlite_cast["controller"], "PR-RAFT")
        assert not [o for o in everything(after) if o.method is Method.MARITIME_SURFACE_PICKUP]
        assert any("Maritime surface pickup" in n and "recovery_vehicle" in n for n in after.infeasible)
        assert [o for o in everything(after) if o.method is Method.ROTARY_WING_RECOVERY]

    def test_a_matrix_row_that_waits_for_darkness_puts_the_pickup_in_the_dark(
        self, sqlite_node, sqlite_cast, clock: ManualClock
    ):
        clock.advance(timedelta(hours=9))  # 11:00 UTC in November: broad daylight over Sardinia
        sqlite_node.bus.handle(
            intel_cmd.PublishDecisionMatrix(
                text="rows: [{recommend: deliberate, approval: jprcc, why: wait, wait_for_darkness: true}]"
            ),
            sqlite_cast["director"],
        )
        report(sqlite_node, sqlite_cast, "PR-DAY", Position(40.45, 8.85))
        found = generate(sqlite_node, sqlite_cast["controller"], "PR-DAY")
        assert found.decision is not None
        assert found.decision.wait_for_darkness
        recoveries = [o for o in found.options if o.on_scene_at is not None]
        assert recoveries
        in_the_dark = [o for o in recoveries if not o.flags]
        assert in_the_dark, "a package timed for the coming night is offered"
        assert recoveries[0] is in_the_dark[0], "the options the matrix allows come first"
        for option in in_the_dark:
            assert light.is_dark(40.45, 8.85, option.on_scene_at + timedelta(minutes=3))
            assert option.on_scene_at > clock.now + timedelta(hours=3)
        # the sooner daylight packages are shown for what they cost, each flagged
        for option in recoveries:
            assert option.recovery_at is not None
            if not light.is_dark(40.45, 8.85, option.recovery_at):
                assert any(f.startswith("DAYLIGHT PICKUP") for f in option.flags)


class TestTacon:
    def test_options_never_transfer_tacon_unless_asked_and_then_say_so_loudly(
        self, sqlite_node, sqlite_cast, clock: ManualClock
    ):
        article.to_poll(sqlite_node, sqlite_cast, clock)
        article.answer_all(sqlite_node, sqlite_cast, clock)
        plain = generate(sqlite_node, sqlite_cast["controller"], article.INCIDENT)
        assert not any(o.tacon_transfers for o in everything(plain))
        asked = generate(sqlite_node, sqlite_cast["controller"], article.INCIDENT, tacon=True)
        transfers = [o for o in asked.options if o.tacon_transfers]
        assert transfers
        for o in transfers:
            assert o.supported_component == "JFSOCC"
            assert o.notes[0].startswith("REQUIRES A TACON TRANSFER: TACON of KNIGHT 41 from JFMCC to JFSOCC")


def test_persons_already_recovered_get_no_options(sqlite_node, sqlite_cast):
    report(sqlite_node, sqlite_cast, "PR-HOME", Position(40.5, 9.1))
    sqlite_node.bus.handle(
        cmd.DeclareOrganicRecovery(incident_id="PR-HOME", plan="own patrol"), sqlite_cast["jflcc"]
    )
    sqlite_node.bus.handle(cmd.RecordRecovery(incident_id="PR-HOME"), sqlite_cast["jflcc"])
    with pytest.raises(Exception, match="nobody left to recover"):
        generate(sqlite_node, sqlite_cast["controller"], "PR-HOME")


def test_every_asset_in_an_option_can_do_what_its_role_needs(sqlite_node, sqlite_cast, clock: ManualClock):
    article.to_poll(sqlite_node, sqlite_cast, clock)
    found = generate(sqlite_node, sqlite_cast["controller"], article.INCIDENT)
    assets = {s.asset.asset_id: s.asset for s in sqlite_node.queries.assets()}
    from jprcc.options.model import role_capabilities

    assert found.options
    for option in everything(found):
        for a in option.assets:
            assert set(assets[a.asset_id].capabilities) & role_capabilities(a.role, option.method)
            assert assets[a.asset_id].readiness is not Readiness.NOT_MISSION_CAPABLE
    assert Capability.ROTARY_WING_RECOVERY in assets["KNIGHT-41"].capabilities


class TestTheSolversWorkLimit:
    """CP-SAT stops on a limit of work, not of time: the same options on a loaded server, and an
    option set that says when a result is feasible but was not proven best."""

    @staticmethod
    def big_combo() -> Combo:
        import random

        rng = random.Random(3)

        def cands(n: int, prefix: str) -> list[Candidate]:
            return [
                Candidate(
                    f"{prefix}{i}",
                    rng.choice(["JFACC", "JFLCC", "JFMCC"]),
                    rng.randint(0, 20_000),
                    rng.uniform(0, 900),
                    rng.uniform(0, 0.1),
                    rng.randint(0, 7200),
                    rng.choice([0, 1, 3]),
                    rng.random() < 0.5,
                )
                for i in range(n)
            ]

        roles = {TaskRole.RECOVERY_VEHICLE: cands(60, "V"), TaskRole.ISR: cands(60, "I")}
        roles[TaskRole.AIRBORNE_C2] = cands(60, "C")
        dark = [(3600.0, 18000.0), (90000.0, 110000.0)]
        return Combo(
            "big",
            roles,
            escort=cands(40, "E"),
            medical=cands(40, "M"),
            ready_s=100,
            dark=dark,
            casualty_rate=1 / 43200,
        )

    @pytest.mark.long  # ten seconds of CP-SAT on a big combination; the limits' other checks run in the suite
    def test_a_result_found_before_the_limit_ran_out_is_marked_unproven_and_never_better_than_the_best(self):
        combo, w = self.big_combo(), Weights(1, 1, 1)
        best = solve(combo, w)
        assert best is not None
        assert best.proven_optimal
        unproven = []
        for i in range(201):  # the limit in steps of a thousandth of a deterministic second
            found = solve(combo, w, limit=0.001 * i)
            if found is not None and not found.proven_optimal:
                unproven.append(found)
                assert found.score(w) >= best.score(w) - 1e-9
        assert unproven, "some limit stops the search after a first solution and before the proof"

    def test_the_same_problem_and_limit_give_the_same_answer(self):
        combo, w = self.big_combo(), Weights(1, 2, 0.5)
        first, again = solve(combo, w, limit=0.055), solve(combo, w, limit=0.055)
        assert (first is None) == (again is None)
        if first is not None and again is not None:
            assert first.signature() == again.signature()
            assert first.proven_optimal == again.proven_optimal


class TestTheSameAnswerUnderLoad:
    def test_the_same_incident_gets_the_same_options_on_a_busy_machine(
        self, sqlite_node, sqlite_cast, clock: ManualClock
    ):
        """Options are advice people compare across screens: the solver stops on a limit of work,
        not of time, so a loaded server answers the same."""
        import threading

        import numpy as np

        article.to_poll(sqlite_node, sqlite_cast, clock)
        article.answer_all(sqlite_node, sqlite_cast, clock)

        def figures(found: OptionSet) -> list[tuple[str, float, float | None, float]]:
            return [
                (o.option_id, round(o.score, 6), o.p_success, o.minutes_to_medical) for o in everything(found)
            ]

        quiet = figures(generate(sqlite_node, sqlite_cast["controller"], article.INCIDENT))
        stop = threading.Event()

        def burn() -> None:
            a = np.random.default_rng(0).random((400, 400))
            while not stop.is_set():
                a = a @ a / 400.0

        burners = [threading.Thread(target=burn) for _ in range(4)]
        for b in burners:
            b.start()
        try:
            busy = figures(
                generate(sqlite_node, sqlite_cast["controller"], article.INCIDENT, weights=Weights(1, 1, 1))
            )
        finally:
            stop.set()
            for b in burners:
                b.join()
        assert busy == quiet
