"""The brokering state machine, driven through the message bus on the real store."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from jprcc.brokering import commands as cmd
from jprcc.brokering.incident import Stage
from jprcc.core.errors import (
    ConcurrencyConflict,
    InvalidTransition,
    NotFound,
    RelationshipConflict,
    RuleViolation,
)
from jprcc.core.model import Capability, Disposition, DutyStatus, RelationshipKind, SupportKind, TaskStatus
from jprcc.core.node import Node
from jprcc.core.values import Contribution, Offer
from tests import article
from tests.conftest import Cast


@pytest.fixture
def n(sqlite_node: Node) -> Node:
    return sqlite_node


@pytest.fixture
def c(sqlite_cast: Cast) -> Cast:
    return sqlite_cast


class TestTheArticleScenario:
    def test_support_directive_names_maritime_supported_and_the_others_supporting(self, n, c, clock):
        incident = article.to_directive(n, c, clock)
        directive = incident.directive
        assert directive is not None
        assert incident.stage is Stage.DIRECTIVE_IN_FORCE
        assert directive.supported_component == "JFMCC"
        assert {x.component_id for x in directive.contributions} == {"JFMCC", "JFACC", "JFLCC", "JFSOCC"}
        assert {r.from_component for r in incident.relationships} == {"JFACC", "JFLCC", "JFSOCC"}
        assert {r.to_component for r in incident.relationships} == {"JFMCC"}

    def test_support_directive_leaves_tacon_with_the_owning_component(self, n, c, clock):
        incident = article.to_directive(n, c, clock)
        assert incident.relationships
        assert all(not r.kind.transfers_control for r in incident.relationships)
        assert all(r.kind is RelationshipKind.SUPPORT_DIRECT for r in incident.relationships)
        assert incident.directive is not None
        assert "remains with its owning component" in incident.directive.tacon_statement

    def test_every_step_has_its_own_timestamp(self, n, c, clock):
        article.to_close(n, c, clock)
        entries = n.queries.timeline(c["controller"], article.INCIDENT)
        times = [e.at for e in entries]
        assert len(entries) >= 14
        assert times == sorted(times)
        assert len(set(times)) == len(times)

    def test_closing_ends_every_relationship(self, n, c, clock):
        incident = article.to_close(n, c, clock)
        assert incident.stage is Stage.CLOSED
        assert incident.relationships
        assert all(r.end is not None and r.end >= r.begin for r in incident.relationships)
        assert n.queries.relationships(c["controller"], active_at=clock.now) == []

    def test_recovery_completes_the_recover_task_and_accounts_for_everyone(self, n, c, clock):
        incident = article.to_close(n, c, clock)
        assert set(incident.tasks.values()) == {TaskStatus.COMPLETE}
        assert all(p.accounted_for for p in incident.persons.values())
        assert incident.disposition is Disposition.RECOVERED_AND_REINTEGRATED


class TestIllegalMoves:
    def test_approving_a_nomination_that_does_not_exist_is_refused(self, n, c, clock):
        article.to_poll(n, c, clock)
        article.answer_all(n, c, clock)
        article.nominate(n, c, clock)
        with pytest.raises(RuleViolation, match="no pending nomination PR-ARTICLE/N9"):
            n.bus.handle(
                cmd.ApproveNomination(incident_id=article.INCIDENT, nomination_id="PR-ARTICLE/N9"), c["jfc"]
            )

    def test_approving_before_any_nomination_is_refused_with_the_stage(self, n, c, clock):
        article.to_poll(n, c, clock)
        with pytest.raises(InvalidTransition, match="capability_poll"):
            n.bus.handle(
                cmd.ApproveNomination(incident_id=article.INCIDENT, nomination_id="PR-ARTICLE/N1"), c["jfc"]
            )

    def test_offering_an_asset_the_component_does_not_own_is_refused(self, n, c, clock):
        article.to_poll(n, c, clock)
        offer = Offer("KNIGHT-41", Capability.ROTARY_WING_RECOVERY, clock.now)
        with pytest.raises(RuleViolation, match="belongs to JFMCC, not JFACC") as refused:
            n.bus.handle(
                cmd.AnswerCapabilityPoll(incident_id=article.INCIDENT, component_id="JFACC", offers=(offer,)),
                c["jfacc"],
            )
        assert refused.value.field == "offers[0].asset_id"

    def test_offering_an_asset_committed_to_a_higher_priority_operation_needs_its_release(self, n, c, clock):
        n.bus.handle(article.report_command("PR-LOW", clock, priority=2), c["jfsocc"])
        n.bus.handle(
            cmd.RequestAssistance(
                incident_id="PR-LOW", reason="r", capabilities_needed=(Capability.GROUND_RECOVERY_TEAM,)
            ),
            c["jfsocc"],
        )
        n.bus.handle(
            cmd.OpenCapabilityPoll(incident_id="PR-LOW", component_ids=("JFLCC",), capabilities_needed=()),
            c["controller"],
        )
        unreleased = Offer("DRAGOON-2", Capability.GROUND_RECOVERY_TEAM, clock.now)
        with pytest.raises(RuleViolation, match=r"OP-IRON-GATE.*outranks") as refused:
            n.bus.handle(
                cmd.AnswerCapabilityPoll(incident_id="PR-LOW", component_id="JFLCC", offers=(unreleased,)),
                c["jflcc"],
            )
        assert refused.value.code == "committed_to_higher_priority"
        released = Offer("DRAGOON-2", Capability.GROUND_RECOVERY_TEAM, clock.now, release_from_operation=True)
        n.bus.handle(
            cmd.AnswerCapabilityPoll(incident_id="PR-LOW", component_id="JFLCC", offers=(released,)),
            c["jflcc"],
        )

    def test_a_not_mission_capable_asset_cannot_be_offered(self, n, c, clock):
        article.to_poll(n, c, clock)
        offer = Offer("NIGHTSTALKER-61", Capability.ROTARY_WING_RECOVERY, clock.now)
        with pytest.raises(RuleViolation, match="not mission capable"):
            n.bus.handle(
                cmd.AnswerCapabilityPoll(
                    incident_id=article.INCIDENT, component_id="JFSOCC", offers=(offer,)
                ),
                c["jfsocc"],
            )

    def test_nominating_an_asset_that_was_not_offered_is_refused(self, n, c, clock):
        article.to_poll(n, c, clock)
        article.answer_all(n, c, clock)
        contributions = (*article.CONTRIBUTIONS, Contribution("JFACC", ("SANDY-01",), "escort"))
        with pytest.raises(RuleViolation, match="SANDY-01 was not offered by JFACC") as refused:
            n.bus.handle(
                cmd.NominateSupport(
                    incident_id=article.INCIDENT,
                    supported_component="JFMCC",
                    contributions=contributions,
                    support_kind=SupportKind.DIRECT,
                    priority=1,
                    window_start=clock.now,
                    window_end=clock.now + timedelta(hours=2),
                    desired_effects="x",
                ),
                c["controller"],
            )
        assert refused.value.field == "contributions[4].asset_ids[0]"

    def test_acting_on_a_closed_incident_is_refused(self, n, c, clock):
        article.to_close(n, c, clock)
        with pytest.raises(InvalidTransition, match="closed"):
            n.bus.handle(cmd.AddNarrativeEntry(incident_id=article.INCIDENT, text="late"), c["controller"])

    def test_an_unknown_incident_is_not_found(self, n, c, clock):
        with pytest.raises(NotFound, match="PR-NOPE"):
            n.bus.handle(cmd.CheckIn(incident_id="PR-NOPE"), c["controller"])

    def test_recovery_cannot_begin_before_every_supporter_accepts(self, n, c, clock):
        article.to_directive(n, c, clock)
        n.bus.handle(cmd.AcceptSupportTask(incident_id=article.INCIDENT, component_id="JFACC"), c["jfacc"])
        with pytest.raises(RuleViolation, match="JFLCC, JFSOCC"):
            n.bus.handle(cmd.BeginRecovery(incident_id=article.INCIDENT), c["jfmcc"])

    def test_a_stale_expected_version_is_a_concurrency_conflict(self, n, c, clock):
        incident = article.to_poll(n, c, clock)
        n.bus.handle(cmd.AddNarrativeEntry(incident_id=article.INCIDENT, text="first"), c["controller"])
        with pytest.raises(ConcurrencyConflict, match=f"you had version {incident.version}"):
            n.bus.handle(
                cmd.AddNarrativeEntry(
                    incident_id=article.INCIDENT, text="second", expected_version=incident.version
                ),
                c["director"],
            )

    def test_refused_commands_change_nothing(self, n, c, clock):
        article.to_poll(n, c, clock)
        before = n.queries.last_seq()
        with pytest.raises(RuleViolation):
            n.bus.handle(
                cmd.AnswerCapabilityPoll(
                    incident_id=article.INCIDENT,
                    component_id="JFACC",
                    offers=(Offer("GHOST", Capability.ISR, clock.now),),
                ),
                c["jfacc"],
            )
        assert n.queries.last_seq() == before


class TestRejectionAndReplanning:
    def test_a_rejection_returns_to_the_poll_and_a_new_nomination_can_follow(self, n, c, clock):
        article.to_poll(n, c, clock)
        article.answer_all(n, c, clock)
        first = article.nominate(n, c, clock)
        assert first.pending_nomination is not None
        rejected = n.bus.handle(
            cmd.RejectNomination(
                incident_id=article.INCIDENT,
                nomination_id=first.pending_nomination.nomination_id,
                reason="use land lead",
            ),
            c["jfc"],
        ).value
        assert rejected.stage is Stage.CAPABILITY_POLL
        assert rejected.nominations[0].status == "rejected"
        second = article.nominate(n, c, clock)
        assert second.pending_nomination is not None
        assert second.pending_nomination.nomination_id == "PR-ARTICLE/N2"

    def test_a_declined_task_then_a_replan_supersedes_the_directive_and_ends_its_relationships(
        self, n, c, clock
    ):
        article.to_directive(n, c, clock)
        n.bus.handle(
            cmd.DeclineSupportTask(
                incident_id=article.INCIDENT, component_id="JFLCC", reason="troop in contact"
            ),
            c["jflcc"],
        )
        clock.advance(timedelta(minutes=3))
        incident = n.bus.handle(
            cmd.Replan(incident_id=article.INCIDENT, reason="JFLCC declined"), c["controller"]
        ).value
        assert incident.stage is Stage.CAPABILITY_POLL
        assert incident.directive is None
        assert incident.past_directives[0].status == "superseded"
        assert all(r.end == clock.now for r in incident.relationships)

    def test_an_asset_serving_one_directive_cannot_serve_another_at_once(self, n, c, clock):
        article.to_directive(n, c, clock)
        article.to_poll(n, c, clock, "PR-SECOND")
        offer = Offer("KNIGHT-41", Capability.ROTARY_WING_RECOVERY, clock.now)
        with pytest.raises(
            RelationshipConflict, match="already serves the support directive of incident PR-ARTICLE"
        ):
            n.bus.handle(
                cmd.AnswerCapabilityPoll(incident_id="PR-SECOND", component_id="JFMCC", offers=(offer,)),
                c["jfmcc"],
            )


class TestInSequence:
    """KNIGHT 41 flies the first recovery (directive window: eight hours). A second airman goes down
    meanwhile: the maritime component may offer KNIGHT 41 for him from the end of that window on,
    not before, and the directive takes it in sequence."""

    def second(self, n, c, clock) -> datetime:
        first = article.to_directive(n, c, clock)
        assert first.directive is not None
        article.to_poll(n, c, clock, "PR-SECOND")
        return first.directive.window_end

    def offer(self, n, c, at: datetime):
        offers = (Offer("KNIGHT-41", Capability.ROTARY_WING_RECOVERY, at),)
        return n.bus.handle(
            cmd.AnswerCapabilityPoll(incident_id="PR-SECOND", component_id="JFMCC", offers=offers),
            c["jfmcc"],
        ).value

    def test_offered_before_the_first_window_ends_it_is_refused_with_the_time_it_is_free(self, n, c, clock):
        free = self.second(n, c, clock)
        with pytest.raises(RelationshipConflict, match=f"until {free:%d %H%MZ}: offer it from then on"):
            self.offer(n, c, free - timedelta(minutes=1))

    def test_offered_from_the_end_of_the_first_window_the_directive_takes_it_from_then(self, n, c, clock):
        free = self.second(n, c, clock)
        self.offer(n, c, free)
        n.bus.handle(
            cmd.AnswerCapabilityPoll(
                incident_id="PR-SECOND",
                component_id="JFSOCC",
                offers=(Offer("TRIDENT-3", Capability.SPECIAL_OPERATIONS_TEAM, clock.now),),
            ),
            c["jfsocc"],
        )
        nominated = n.bus.handle(
            cmd.NominateSupport(
                incident_id="PR-SECOND",
                supported_component="JFACC",
                contributions=(
                    Contribution("JFMCC", ("KNIGHT-41",), "Recovery vehicle, after PR-ARTICLE"),
                    Contribution("JFSOCC", ("TRIDENT-3",), "Linkup"),
                ),
                support_kind=SupportKind.DIRECT,
                priority=2,
                window_start=clock.now,
                window_end=free + timedelta(hours=4),
                desired_effects="second airman recovered after the first",
            ),
            c["controller"],
        ).value
        assert nominated.pending_nomination is not None
        approved = n.bus.handle(
            cmd.ApproveNomination(
                incident_id="PR-SECOND", nomination_id=nominated.pending_nomination.nomination_id
            ),
            c["jfc"],
        ).value
        by_asset = {a: r for r in approved.relationships for a in r.asset_ids}
        assert by_asset["KNIGHT-41"].begin == free
        assert "joins in sequence after incident PR-ARTICLE" in by_asset["KNIGHT-41"].statement
        assert by_asset["TRIDENT-3"].begin == clock.now
        # the asset list shows it busy with the later of the two, until the second window ends
        status = next(s for s in n.queries.assets(None) if s.asset.asset_id == "KNIGHT-41")
        assert status.tasked_incident_id == "PR-SECOND"
        assert status.tasked_until == free + timedelta(hours=4)

    def test_the_options_for_the_second_incident_plan_it_from_when_it_is_free(self, n, c, clock):
        from jprcc.options.model import PlannerControl, Scope
        from jprcc.options.service import RecoveryOptions

        free = self.second(n, c, clock)
        found = n.service(RecoveryOptions).generate(
            c["controller"], "PR-SECOND", control=PlannerControl(scope=Scope.ALL)
        )
        knight = [
            o
            for o in [*found.options, *found.also_considered]
            if any(a.asset_id == "KNIGHT-41" for a in o.assets)
        ]
        assert knight, found.infeasible
        for option in knight:
            role = next(a for a in option.assets if a.asset_id == "KNIGHT-41")
            assert role.launch_at >= free
            assert any("serves incident PR-ARTICLE first" in note for note in option.notes)


class TestTacon:
    def test_a_tacon_transfer_needs_jfc_approval_and_has_a_begin_and_an_end(self, n, c, clock):
        article.to_directive(n, c, clock)
        begin, end = clock.now + timedelta(minutes=30), clock.now + timedelta(hours=3)
        requested = n.bus.handle(
            cmd.RequestTaconTransfer(
                incident_id=article.INCIDENT,
                asset_ids=("SABER-TROOP",),
                from_component="JFLCC",
                to_component="JFMCC",
                begin=begin,
                end=end,
                reason="one commander for the linkup",
            ),
            c["controller"],
        ).value
        request_id = next(iter(requested.tacon_requests))
        assert not any(r.kind.transfers_control for r in requested.relationships)
        approved = n.bus.handle(
            cmd.ApproveTaconTransfer(incident_id=article.INCIDENT, request_id=request_id), c["jfc"]
        ).value
        tacon = [r for r in approved.relationships if r.kind is RelationshipKind.TACON]
        assert len(tacon) == 1
        assert (tacon[0].from_component, tacon[0].to_component, tacon[0].begin, tacon[0].end) == (
            "JFLCC",
            "JFMCC",
            begin,
            end,
        )

    def test_overlapping_tacon_transfers_of_one_asset_are_refused(self, n, c, clock):
        article.to_directive(n, c, clock)
        begin, end = clock.now, clock.now + timedelta(hours=3)

        def request(to: str, b, e):
            return n.bus.handle(
                cmd.RequestTaconTransfer(
                    incident_id=article.INCIDENT,
                    asset_ids=("SABER-TROOP",),
                    from_component="JFLCC",
                    to_component=to,
                    begin=b,
                    end=e,
                    reason="r",
                ),
                c["controller"],
            ).value

        first = request("JFMCC", begin, end)
        n.bus.handle(
            cmd.ApproveTaconTransfer(
                incident_id=article.INCIDENT, request_id=next(iter(first.tacon_requests))
            ),
            c["jfc"],
        )
        with pytest.raises(RelationshipConflict, match="overlapping transfers are refused"):
            request("JFSOCC", begin + timedelta(hours=1), end + timedelta(hours=1))
        request("JFSOCC", end, end + timedelta(hours=1))  # back-to-back is fine

    def test_a_transfer_without_an_end_after_its_begin_is_refused(self, n, c, clock):
        article.to_poll(n, c, clock)
        with pytest.raises(RuleViolation, match="end must come after the begin"):
            n.bus.handle(
                cmd.RequestTaconTransfer(
                    incident_id=article.INCIDENT,
                    asset_ids=("SABER-TROOP",),
                    from_component="JFLCC",
                    to_component="JFMCC",
                    begin=clock.now,
                    end=clock.now,
                    reason="r",
                ),
                c["controller"],
            )


class TestOrganicAndDetained:
    def test_organic_recovery_goes_straight_to_recovered(self, n, c, clock):
        n.bus.handle(article.report_command("PR-ORG", clock), c["jfsocc"])
        n.bus.handle(cmd.DeclareOrganicRecovery(incident_id="PR-ORG", plan="own lift"), c["jfsocc"])
        incident = n.bus.handle(cmd.RecordRecovery(incident_id="PR-ORG"), c["jfsocc"]).value
        assert incident.stage is Stage.RECOVERED
        assert incident.relationships == []

    def test_detained_persons_follow_the_non_military_track(self, n, c, clock):
        n.bus.handle(article.report_command("PR-DET", clock), c["jfsocc"])
        incident = n.bus.handle(
            cmd.DeclareDetained(
                incident_id="PR-DET", person_ids=("PR-DET-P1", "PR-DET-P2"), detaining_party="militia"
            ),
            c["jfsocc"],
        ).value
        assert incident.stage is Stage.DETAINED
        assert {p.duty_status for p in incident.persons.values()} == {DutyStatus.CAPTURED}
        with pytest.raises(InvalidTransition):
            n.bus.handle(
                cmd.RequestAssistance(
                    incident_id="PR-DET", reason="r", capabilities_needed=(), cannot_recover=True
                ),
                c["jfsocc"],
            )
        released = n.bus.handle(
            cmd.RecordRelease(incident_id="PR-DET", person_ids=("PR-DET-P1", "PR-DET-P2")), c["director"]
        ).value
        assert released.stage is Stage.REPORTED, "released is not yet in friendly hands"
        assert {p.duty_status for p in released.persons.values()} == {DutyStatus.RELEASED}

    def test_captured_is_not_set_directly(self, n, c, clock):
        n.bus.handle(article.report_command("PR-X", clock), c["jfsocc"])
        with pytest.raises(RuleViolation, match="declare the person detained"):
            n.bus.handle(
                cmd.ChangeDutyStatus(incident_id="PR-X", person_id="PR-X-P1", status=DutyStatus.CAPTURED),
                c["controller"],
            )


class TestTaconEdges:
    def test_control_passes_on_approval_never_before(self, n, c, clock):
        article.to_directive(n, c, clock)
        requested = n.bus.handle(
            cmd.RequestTaconTransfer(
                incident_id=article.INCIDENT,
                asset_ids=("SABER-TROOP",),
                from_component="JFLCC",
                to_component="JFMCC",
                begin=clock.now - timedelta(hours=5),
                end=clock.now + timedelta(hours=2),
                reason="r",
            ),
            c["controller"],
        ).value
        clock.advance(timedelta(minutes=20))
        approved = n.bus.handle(
            cmd.ApproveTaconTransfer(
                incident_id=article.INCIDENT, request_id=next(iter(requested.tacon_requests))
            ),
            c["jfc"],
        ).value
        tacon = next(r for r in approved.relationships if r.kind is RelationshipKind.TACON)
        assert tacon.begin == clock.now

    def test_a_transfer_cancelled_before_it_began_blocks_nothing(self, n, c, clock):
        n.bus.handle(article.report_command("PR-T1", clock), c["jfsocc"])
        start = clock.now + timedelta(hours=2)
        request = n.bus.handle(
            cmd.RequestTaconTransfer(
                incident_id="PR-T1",
                asset_ids=("MEDEVAC-7",),
                from_component="JFLCC",
                to_component="JFSOCC",
                begin=start,
                end=start + timedelta(hours=2),
                reason="r",
            ),
            c["controller"],
        ).value
        n.bus.handle(
            cmd.ApproveTaconTransfer(incident_id="PR-T1", request_id=next(iter(request.tacon_requests))),
            c["jfc"],
        )
        n.bus.handle(
            cmd.CloseIncident(incident_id="PR-T1", disposition=Disposition.FALSE_ALARM), c["director"]
        )
        n.bus.handle(article.report_command("PR-T2", clock), c["jfsocc"])
        n.bus.handle(
            cmd.RequestTaconTransfer(
                incident_id="PR-T2",
                asset_ids=("MEDEVAC-7",),
                from_component="JFLCC",
                to_component="JFSOCC",
                begin=start,
                end=start + timedelta(hours=1),
                reason="r",
            ),
            c["controller"],
        )

    def test_an_asset_serving_another_directive_keeps_its_tacon(self, n, c, clock):
        article.to_directive(n, c, clock)
        n.bus.handle(article.report_command("PR-OTHER", clock), c["jfsocc"])
        with pytest.raises(RelationshipConflict, match="keeps its TACON"):
            n.bus.handle(
                cmd.RequestTaconTransfer(
                    incident_id="PR-OTHER",
                    asset_ids=("SABER-TROOP",),
                    from_component="JFLCC",
                    to_component="JFSOCC",
                    begin=clock.now,
                    end=clock.now + timedelta(hours=1),
                    reason="r",
                ),
                c["controller"],
            )

    def test_times_in_other_zones_are_compared_as_utc(self, n, c, clock):
        from datetime import timezone

        n.bus.handle(article.report_command("PR-Z", clock), c["jfsocc"])
        plus2 = timezone(timedelta(hours=2))
        begin = (clock.now + timedelta(hours=1)).astimezone(plus2)
        request = n.bus.handle(
            cmd.RequestTaconTransfer(
                incident_id="PR-Z",
                asset_ids=("MEDEVAC-7",),
                from_component="JFLCC",
                to_component="JFSOCC",
                begin=begin,
                end=begin + timedelta(hours=4),
                reason="r",
            ),
            c["controller"],
        ).value
        n.bus.handle(
            cmd.ApproveTaconTransfer(incident_id="PR-Z", request_id=next(iter(request.tacon_requests))),
            c["jfc"],
        )
        with pytest.raises(RelationshipConflict):
            n.bus.handle(
                cmd.RequestTaconTransfer(
                    incident_id="PR-Z",
                    asset_ids=("MEDEVAC-7",),
                    from_component="JFLCC",
                    to_component="JFMCC",
                    begin=clock.now + timedelta(hours=2),
                    end=clock.now + timedelta(hours=3),
                    reason="r",
                ),
                c["controller"],
            )


class TestApprovalChecks:
    def test_an_approval_after_the_window_closed_is_refused(self, n, c, clock):
        article.to_poll(n, c, clock)
        article.answer_all(n, c, clock)
        article.nominate(n, c, clock)
        clock.advance(timedelta(hours=9))
        with pytest.raises(RuleViolation, match="timing window has closed"):
            n.bus.handle(
                cmd.ApproveNomination(incident_id=article.INCIDENT, nomination_id="PR-ARTICLE/N1"), c["jfc"]
            )

    def test_an_offer_withdrawn_after_the_nomination_stops_the_approval(self, n, c, clock):
        article.to_poll(n, c, clock)
        article.answer_all(n, c, clock)
        article.nominate(n, c, clock)
        n.bus.handle(
            cmd.AnswerCapabilityPoll(
                incident_id=article.INCIDENT, component_id="JFLCC", cannot_reason="troop committed"
            ),
            c["jflcc"],
        )
        with pytest.raises(RuleViolation, match="no longer offers SABER-TROOP"):
            n.bus.handle(
                cmd.ApproveNomination(incident_id=article.INCIDENT, nomination_id="PR-ARTICLE/N1"), c["jfc"]
            )
