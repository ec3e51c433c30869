"""The authorization matrix: every command, every role. The table below is the specification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jprcc.brokering import commands as cmd
from jprcc.brokering import events as ev
from jprcc.brokering.incident import Incident
from jprcc.core import commands as core_cmd
from jprcc.core import events as core_ev
from jprcc.core.accounts import commands as accounts_cmd
from jprcc.core.contract import Registry, Subject
from jprcc.core.contract import authorize as authorize_on_subject
from jprcc.core.errors import NotAuthorized, Withheld
from jprcc.core.model import (
    Actor,
    Capability,
    ComponentKind,
    Condition,
    Disposition,
    DutyStatus,
    Environment,
    Position,
    PRTask,
    Readiness,
    RecoveryPointKind,
    RelayChannel,
    ReportChannel,
    Role,
    SourceConfidence,
    SupportKind,
    TaskStatus,
)
from jprcc.core.node import shipped_capabilities
from jprcc.core.theater import commands as theater_cmd
from jprcc.core.values import Contribution, OnBehalf, PersonReport
from jprcc.exercise import commands as exercise_cmd
from jprcc.intel import commands as intel_cmd
from jprcc.intel.layers import PointThreat, ThreatCategory
from jprcc.journey import commands as journey_cmd
from jprcc.journey import events as journey_ev
from jprcc.journey.casework import CaseView
from jprcc.journey.decide import PersonView
from jprcc.journey.model import (
    ActorKind,
    Custodian,
    CustodianKind,
    JourneyEnd,
    Phase,
    PhaseDecision,
    RequestKind,
    Side,
    TeamRole,
)
from jprcc.locate import commands as locate_cmd
from jprcc.locate.model import Report, SearchModel, SearchPlan, Stationary
from jprcc.publishing import commands as publishing_cmd
from jprcc.records import commands as records_cmd
from jprcc.tak import commands as tak_cmd
from jprcc.tak.model import AlertKind

REGISTRY = Registry(shipped_capabilities())
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def fold(events: list[core_ev.Event]) -> Incident | None:
    found: Incident | None = REGISTRY.fold("incident", events)
    return found


def authorize(
    actor: Actor, command: core_cmd.Command, incident: Incident | None = None, component: str | None = None
) -> None:
    """The node's one authorization, on the subject the bus would load for ``command``."""
    involved = frozenset(incident.involved_components()) if incident is not None else None
    subject = Subject(component=component, state=incident, involved=involved, label=f"incident {INC}")
    authorize_on_subject(REGISTRY, actor, command, subject)


INC = "PR-1"

ACTORS = {
    "jfc": Actor("jfc", Role.JFC),
    "director": Actor("director", Role.JPRCC_DIRECTOR),
    "controller": Actor("controller", Role.JPRCC_CONTROLLER),
    "observer": Actor("observer", Role.OBSERVER),
    "owner_prcc": Actor("sof", Role.PRCC_OFFICER, "JFSOCC"),
    "supported_prcc": Actor("navy", Role.PRCC_OFFICER, "JFMCC"),
    "supporter_prcc": Actor("air", Role.PRCC_OFFICER, "JFACC"),
    "owner_lno": Actor("sof-lno", Role.LIAISON_OFFICER, "JFSOCC"),
    "uninvolved_lno": Actor("land-lno", Role.LIAISON_OFFICER, "JFLCC"),
    "system": Actor.system(),
}
STAFF = {"director", "controller"}
#: refused by a rule (403), or, on an incident the actor may not see, as an unknown incident (404)
REFUSED = (NotAuthorized, Withheld)


def incident() -> Incident:
    found = fold(_events())
    assert found is not None
    return found


def _events() -> list[core_ev.Event]:
    """JFSOCC owns it; JFACC, JFMCC and JFSOCC were polled; the JFC approved JFMCC as supported,
    with JFACC supporting. JFLCC is not involved."""
    person = ev.ReportedPerson("PR-1-P1", PersonReport("A", "USA", "JFSOCC", "team"))
    contributions = (Contribution("JFMCC", ("HELO",), "lift"), Contribution("JFACC", ("AWACS",), "C2"))
    events: list[core_ev.Event] = [
        ev.IncidentReported(
            at=NOW,
            incident_id=INC,
            title="t",
            owning_component="JFSOCC",
            isolating_event_at=NOW,
            position=Position(1, 1),
            uncertainty_m=1,
            channel=ReportChannel.VOICE,
            source_confidence=SourceConfidence.CONFIRMED,
            persons=(person,),
            environment=Environment.LAND,
            priority=1,
            summary="",
            check_in_interval_s=600,
            reported_by="sof",
        ),
        ev.AssistanceRequested(
            at=NOW, incident_id=INC, capabilities_needed=(Capability.ISR,), reason="r", cannot_recover=False
        ),
        ev.CapabilityPollOpened(
            at=NOW,
            incident_id=INC,
            poll_id="PR-1/Q1",
            component_ids=("JFACC", "JFMCC", "JFSOCC"),
            capabilities_needed=(Capability.ISR,),
            respond_by=None,
        ),
        ev.SupportNominated(
            at=NOW,
            incident_id=INC,
            nomination_id="PR-1/N1",
            supported_component="JFMCC",
            contributions=contributions,
            support_kind=SupportKind.DIRECT,
            priority=1,
            window_start=NOW,
            window_end=NOW + timedelta(hours=1),
            desired_effects="e",
            rationale="",
            nominated_by="controller",
        ),
        ev.NominationApproved(
            at=NOW,
            incident_id=INC,
            nomination_id="PR-1/N1",
            directive_id="PR-1/D1",
            approved_by="jfc",
            remarks="",
            tacon_statement="TACON unchanged",
            relationships=(),
        ),
        ev.DecisionRelayed(
            at=NOW,
            incident_id=INC,
            record_id="PR-1/R1",
            decision="answer a support task",
            party="JFACC",
            given_by="Maj Example",
            channel=RelayChannel.PHONE,
            recorded_by="controller",
        ),
    ]
    return events


T = NOW + timedelta(hours=1)
SUBJECT = "JFACC"  # the component owning the asset or operation a theater command is about

MATRIX: list[tuple[core_cmd.Command, set[str]]] = [
    (
        theater_cmd.RegisterComponent(component_id="X", name="x", kind=ComponentKind.OTHER, prcc_name="x"),
        {"director", "system"},
    ),
    (
        theater_cmd.RegisterAsset(
            asset_id="A",
            callsign="A",
            asset_type="t",
            component_id=SUBJECT,
            capabilities=(Capability.ISR,),
            base=Position(0, 0),
            base_name="b",
            speed_kmh=1,
            range_km=1,
        ),
        STAFF | {"system", "supporter_prcc"},
    ),
    (
        theater_cmd.ChangeAssetReadiness(asset_id="A", readiness=Readiness.READY),
        STAFF | {"system", "supporter_prcc"},
    ),
    (
        theater_cmd.RegisterRecoveryPoint(
            point_id="LZ",
            name="LZ",
            kind=RecoveryPointKind.LINKUP_POINT,
            position=Position(0, 0),
            component_id=SUBJECT,
        ),
        STAFF | {"system", "supporter_prcc"},
    ),
    (
        theater_cmd.PlanOperation(operation_id="O", name="o", component_id=SUBJECT, priority=1),
        STAFF | {"system", "supporter_prcc"},
    ),
    (theater_cmd.CommitAsset(asset_id="A", operation_id="O"), STAFF | {"system", "supporter_prcc"}),
    (theater_cmd.ReleaseAsset(asset_id="A", reason="r"), STAFF | {"system", "supporter_prcc"}),
    (theater_cmd.EndOperation(operation_id="O"), STAFF | {"system", "supporter_prcc"}),
    (
        cmd.ReportIncident(
            incident_id="PR-2",
            title="t",
            owning_component="JFSOCC",
            isolating_event_at=NOW,
            position=Position(0, 0),
            uncertainty_m=1,
            channel=ReportChannel.VOICE,
            source_confidence=SourceConfidence.CONFIRMED,
            persons=(),
            environment=Environment.LAND,
        ),
        STAFF | {"owner_prcc", "owner_lno"},
    ),
    (cmd.DeclareOrganicRecovery(incident_id=INC, plan="p"), {"owner_prcc"}),
    (
        cmd.RequestAssistance(incident_id=INC, capabilities_needed=(Capability.ISR,), reason="r"),
        {"owner_prcc"},
    ),
    (cmd.OpenCapabilityPoll(incident_id=INC, component_ids=("JFACC",), capabilities_needed=()), STAFF),
    (cmd.AnswerCapabilityPoll(incident_id=INC, component_id="JFACC"), {"supporter_prcc"}),
    (
        cmd.NominateSupport(
            incident_id=INC,
            supported_component="JFMCC",
            contributions=(),
            support_kind=SupportKind.DIRECT,
            priority=1,
            window_start=NOW,
            window_end=T,
            desired_effects="e",
        ),
        STAFF,
    ),
    (cmd.ApproveNomination(incident_id=INC, nomination_id="PR-1/N1"), {"jfc"}),
    (cmd.ConfirmRelayedDecision(incident_id=INC, record_id="PR-1/R1"), {"supporter_prcc"}),
    (cmd.DisputeRelayedDecision(incident_id=INC, record_id="PR-1/R1", reason="r"), {"supporter_prcc"}),
    (cmd.ResolveRelayedDispute(incident_id=INC, record_id="PR-1/R1", resolution="r"), STAFF),
    (cmd.RejectNomination(incident_id=INC, nomination_id="PR-1/N1", reason="r"), {"jfc"}),
    (cmd.AcceptSupportTask(incident_id=INC, component_id="JFACC"), {"supporter_prcc"}),
    (cmd.DeclineSupportTask(incident_id=INC, component_id="JFACC", reason="r"), {"supporter_prcc"}),
    (cmd.BeginRecovery(incident_id=INC), {"supported_prcc"}),
    (cmd.AbortRecovery(incident_id=INC, reason="r"), {"supported_prcc"}),
    (cmd.Replan(incident_id=INC, reason="r"), STAFF),
    (cmd.RecordRecovery(incident_id=INC), STAFF | {"owner_prcc", "supported_prcc"}),
    (cmd.HandToReintegration(incident_id=INC, receiving_team="t"), STAFF | {"owner_prcc"}),
    (cmd.CloseIncident(incident_id=INC, disposition=Disposition.FALSE_ALARM), {"director"}),
    (
        cmd.DeclareDetained(incident_id=INC, person_ids=("PR-1-P1",), detaining_party="p"),
        STAFF | {"owner_prcc"},
    ),
    (cmd.RecordRelease(incident_id=INC, person_ids=("PR-1-P1",)), STAFF | {"owner_prcc"}),
    # casualty statuses: the person's own component (here also the owner) or the director
    (
        cmd.ChangeDutyStatus(incident_id=INC, person_id="PR-1-P1", status=DutyStatus.MISSING),
        {"director", "owner_prcc"},
    ),
    (
        cmd.ChangeDutyStatus(incident_id=INC, person_id="PR-1-P1", status=DutyStatus.EVADING),
        STAFF | {"owner_prcc"},
    ),
    (
        cmd.ChangeDutyStatus(
            incident_id=INC, person_id="PR-1-P1", status=DutyStatus.DECEASED, remains_identified=True
        ),
        {"director"},
    ),
    (
        cmd.OrderDeliberateRecovery(
            incident_id=INC, person_ids=("PR-1-P1",), capabilities_needed=(), reason="raid"
        ),
        {"jfc"},
    ),
    (
        cmd.ChangeCondition(incident_id=INC, person_id="PR-1-P1", condition=Condition.INJURED),
        STAFF | {"owner_prcc", "supported_prcc", "owner_lno"},
    ),
    (
        cmd.UpdateTask(incident_id=INC, task=PRTask.LOCATE, status=TaskStatus.COMPLETE),
        STAFF | {"owner_prcc", "supported_prcc"},
    ),
    (
        cmd.AddNarrativeEntry(incident_id=INC, text="t"),
        STAFF | {"jfc", "owner_prcc", "supported_prcc", "supporter_prcc", "owner_lno"},
    ),
    (cmd.CheckIn(incident_id=INC), STAFF | {"owner_prcc", "supported_prcc", "owner_lno"}),
    (cmd.SetCheckInInterval(incident_id=INC, interval_s=600), STAFF),
    (
        cmd.UpdatePosition(
            incident_id=INC,
            position=Position(0, 0),
            uncertainty_m=1,
            channel=ReportChannel.VOICE,
            source_confidence=SourceConfidence.CONFIRMED,
        ),
        STAFF | {"owner_prcc", "supported_prcc", "owner_lno"},
    ),
    (
        locate_cmd.DefineSearchModel(
            incident_id=INC,
            model=SearchModel(
                start=NOW, position=Position(0, 0), radius95_m=500, movement=Stationary("stationary")
            ),
        ),
        STAFF | {"owner_prcc", "supported_prcc", "owner_lno"},
    ),
    (
        locate_cmd.RecordSearchInformation(
            incident_id=INC, at=NOW, body=Report("report", Position(0, 0), radius_m=300)
        ),
        STAFF | {"owner_prcc", "supported_prcc", "owner_lno"},
    ),
    (
        locate_cmd.AdoptSearchPlan(
            incident_id=INC,
            plan=SearchPlan("", NOW, (), 0.0, 0.0, 0.0, 1, "", NOW),
        ),
        STAFF | {"owner_prcc", "supported_prcc"},
    ),
    (
        cmd.RequestTaconTransfer(
            incident_id=INC,
            asset_ids=("A",),
            from_component="JFLCC",
            to_component="JFMCC",
            begin=NOW,
            end=T,
            reason="r",
        ),
        STAFF | {"supported_prcc"},
    ),
    (cmd.ApproveTaconTransfer(incident_id=INC, request_id="PR-1/T1"), {"jfc"}),
    (cmd.RejectTaconTransfer(incident_id=INC, request_id="PR-1/T1", reason="r"), {"jfc"}),
    (
        intel_cmd.PublishLayer(
            layer_id="SA8",
            name="SA-8",
            source="J2",
            confidence=SourceConfidence.PROBABLY_TRUE,
            valid_from=NOW,
            body=PointThreat(
                "point_threat",
                "SA-8",
                ThreatCategory.SURFACE_TO_AIR_MISSILE,
                Position(0, 0),
                1500,
                10300,
                25,
                5000,
                0.6,
            ),
        ),
        STAFF | {"system"},
    ),
    (intel_cmd.WithdrawLayer(layer_id="SA8", reason="destroyed"), STAFF | {"system"}),
    (intel_cmd.PublishDecisionMatrix(text="rows: []"), {"director", "system"}),
    (cmd.RaiseOverdueAlert(incident_id=INC), {"system"}),
    (cmd.RaiseDustwunAlert(incident_id=INC, person_id="PR-1-P1"), {"system"}),
    (accounts_cmd.CreateUser(username="u", password="p" * 8, role=Role.OBSERVER), {"director", "system"}),
    (accounts_cmd.SetUserActive(username="u", active=False), {"director", "system"}),
    (
        accounts_cmd.ChangePassword(username="controller", new_password="p" * 8),
        {"director", "system", "controller"},
    ),
    (accounts_cmd.IssueToken(username="controller"), {"controller"}),
    (accounts_cmd.RevokeToken(token="t"), set(ACTORS)),
    (accounts_cmd.UnlockAccount(username="jfacc", reason="checked"), {"director", "system"}),
    # a refused login is recorded by the login entry point alone: nobody can lock another's account
    (
        accounts_cmd.RecordLoginFailure(username="jfacc", source="x", reason="wrong_password", lock_after=5),
        {"system"},
    ),
    # isolated-personnel records of a JFACC person
    (
        records_cmd.RecordIsoprep(
            person_ref="P", name="n", service="s", unit="u", component_id=SUBJECT, review_date=NOW.date()
        ),
        STAFF | {"system", "supporter_prcc"},
    ),
    (
        records_cmd.FileEpa(
            person_ref="P", mission_id="M", valid_from=NOW, valid_to=NOW + timedelta(hours=1)
        ),
        STAFF | {"system", "supporter_prcc"},
    ),
    (
        records_cmd.RecordAuthentication(incident_id=INC, person_id="PR-1-P1", statement=1, matched=True),
        STAFF | {"supported_prcc", "supporter_prcc"},  # the directive's forces, not the mere owner
    ),
    (
        records_cmd.RecordRefusedAuthentication(
            incident_id=INC, person_id="PR-1-P1", statement=1, reason="locked"
        ),
        STAFF | {"supported_prcc", "supporter_prcc"},
    ),
    (records_cmd.OpenRecord(person_ref="P", part="summary"), STAFF | {"jfc", "supporter_prcc"}),
    (records_cmd.OpenRecord(person_ref="P", part="export"), {"director", "supporter_prcc"}),
    (records_cmd.OpenRecord(person_ref="P", part="photos"), set()),  # never without an active incident
    (records_cmd.UnlockRecord(person_ref="P", reason="r"), {"director"}),
    (records_cmd.ImportRecords(records=()), STAFF | {"system"}),
    (records_cmd.RotateVaultKey(new_key=b"k" * 32), {"director", "system"}),
    # the person's journey (a JFSOCC person; KNIGHT 41 of JFMCC handed them to JFACC's Role 3)
    (
        journey_cmd.RecordHandOff(
            incident_id=INC,
            person_id="PR-1-P1",
            receiver=Custodian(CustodianKind.REINTEGRATION_TEAM, "SOF reintegration cell", "JFSOCC"),
            location="FOB ECHO",
            at=NOW,
            side=Side.RECEIVER,
        ),
        STAFF | {"owner_prcc", "owner_lno"},  # the JPRCC on the component's behalf: it acknowledges too
    ),
    (
        journey_cmd.RecordHandOff(
            incident_id=INC,
            person_id="PR-1-P1",
            receiver=Custodian(CustodianKind.EMBASSY, "Embassy"),
            location="Capital",
            at=NOW,
            side=Side.RECEIVER,
        ),
        STAFF,
    ),
    (
        journey_cmd.RecordHandOff(
            incident_id=INC,
            person_id="PR-1-P1",
            receiver=Custodian(CustodianKind.EMBASSY, "Embassy"),
            location="Capital",
            at=NOW,
            side=Side.GIVER,  # the giver now is JFACC's Role 3
        ),
        STAFF | {"supporter_prcc"},
    ),
    (
        journey_cmd.AcknowledgeHandOff(incident_id=INC, person_id="PR-1-P1", handoff_id="H2"),
        {"owner_prcc", "owner_lno"},
    ),
    (
        journey_cmd.BeginPhase(
            incident_id=INC,
            person_id="PR-1-P1",
            phase=Phase.II,
            location="l",
            facility="f",
            component_id="JFACC",
        ),
        STAFF | {"owner_prcc", "supporter_prcc"},
    ),
    (
        journey_cmd.AssignTeamMember(incident_id=INC, person_id="PR-1-P1", role=TeamRole.CHAPLAIN, name="n"),
        STAFF | {"owner_prcc", "supporter_prcc"},  # JFACC runs the phase in progress
    ),
    (
        journey_cmd.CompleteChecklistItem(incident_id=INC, person_id="PR-1-P1", item="i"),
        STAFF | {"owner_prcc", "supporter_prcc"},
    ),
    (
        journey_cmd.DecidePhase(
            incident_id=INC, person_id="PR-1-P1", decision=PhaseDecision.CONTINUE, reason="r"
        ),
        {"director", "owner_prcc"},
    ),
    (
        journey_cmd.EndJourney(incident_id=INC, person_id="PR-1-P1", end=JourneyEnd.MEDICALLY_RETIRED),
        {"director", "owner_prcc"},
    ),
    (
        journey_cmd.EndJourney(incident_id=INC, person_id="PR-1-P1", end=JourneyEnd.REMAINS_IDENTIFIED),
        {"director"},
    ),
    # the case file: interagency work and the collection plan
    (
        journey_cmd.AddInteragencyActor(
            incident_id=INC, organisation="ICRC", kind=ActorKind.ICRC, contact="c", role="r"
        ),
        STAFF | {"owner_prcc"},
    ),
    (
        journey_cmd.RaiseInteragencyRequest(
            incident_id=INC, kind=RequestKind.REQUEST, actor_id="A1", text="t", source="s"
        ),
        STAFF | {"owner_prcc"},
    ),
    (
        journey_cmd.DecideInteragencyRequest(incident_id=INC, request_id="R1", approve=True),
        {"director", "jfc"},
    ),
    (
        journey_cmd.CompleteInteragencyRequest(incident_id=INC, request_id="R1", outcome="o"),
        STAFF | {"owner_prcc"},
    ),
    (journey_cmd.AddCaseEntry(incident_id=INC, at=NOW, source="s", text="t"), STAFF | {"owner_prcc"}),
    (
        journey_cmd.AddCollectionItem(incident_id=INC, item="i", assigned_to="JFACC"),
        STAFF | {"owner_prcc", "supported_prcc", "supporter_prcc"},
    ),
    (
        journey_cmd.CompleteCollectionItem(incident_id=INC, item_id="C1", result="r"),
        STAFF | {"supporter_prcc"},
    ),
    # TAK: what devices send is the gateway's to report; binding is the JPRCC's or the PRCC's whose
    # asset or person it is (SUBJECT); what an alert becomes is the JPRCC's alone
    (tak_cmd.RecordTracks(reports=()), {"system"}),
    (
        tak_cmd.ReceiveAlert(
            uid="D",
            kind=AlertKind.ALERT_911,
            cot_uid="D-9-1-1",
            callsign="D-Alert",
            device_callsign="D",
            position=None,
            ce_m=None,
            reported_at=NOW,
            via="x",
        ),
        {"system"},
    ),
    (tak_cmd.CancelAlert(uid="D", cot_uid="D-9-1-1", reported_at=NOW, via="x"), {"system"}),
    (tak_cmd.BindDevice(uid="D", asset_id="A"), STAFF | {"system", "supporter_prcc"}),
    (tak_cmd.UnbindDevice(uid="D"), STAFF | {"system", "supporter_prcc"}),
    (tak_cmd.AcknowledgeAlert(uid="D", alert_id="TAK-1"), STAFF),
    (tak_cmd.ConfirmAlert(uid="D", alert_id="TAK-1"), STAFF),
    (tak_cmd.DismissAlert(uid="D", alert_id="TAK-1", reason="r"), STAFF),
    # exercise control steers an exercise: its observer account, and the director
    (exercise_cmd.SetExerciseClock(speed=0), {"director", "observer"}),
    (
        exercise_cmd.AddInject(due_at=NOW, actor="jfacc", name="check_in", fields="{}"),
        {"director", "observer"},
    ),
    # messages: the director changes templates; the JPRCC releases, a component's PRCC officer its
    # own incident's initial report and SITREP
    (publishing_cmd.PublishTemplate(kind="sitrep", text="x"), {"director", "system"}),
    (
        publishing_cmd.ReleaseMessage(kind="sitrep", incident_id=INC, recipients=("JFC",)),
        STAFF | {"system", "owner_prcc"},
    ),
    (
        publishing_cmd.ReleaseMessage(kind="support_directive", incident_id=INC, recipients=("JFC",)),
        STAFF | {"system"},
    ),
    (publishing_cmd.ReleaseMessage(kind="theater_sitrep", recipients=("JFC",)), STAFF | {"system"}),
    # a file of assets: as registering each (the JPRCC, or every asset's component's PRCC)
    (
        publishing_cmd.ImportAssets(
            assets=(
                theater_cmd.RegisterAsset(
                    asset_id="A",
                    callsign="A",
                    asset_type="t",
                    component_id="JFACC",
                    capabilities=(),
                    base=Position(1, 1),
                    base_name="",
                    speed_kmh=1,
                    range_km=1,
                ),
            )
        ),
        STAFF | {"system", "supporter_prcc"},
    ),
    (publishing_cmd.ImportLayers(layers=()), STAFF | {"system"}),
    # standing releases (the daily summary): the JPRCC's, as its theater-wide messages are
    (
        publishing_cmd.ScheduleMessage(
            kind="daily_summary", first_at=datetime(2026, 1, 1, 6, tzinfo=UTC), recipients=("JFC",)
        ),
        STAFF | {"system"},
    ),
    (publishing_cmd.CancelSchedule(schedule_id="SCH-1"), STAFF | {"system"}),
]


def journey() -> object:
    """PR-1-P1's journey: KNIGHT 41 (JFMCC) handed them to JFACC's Role 3 (acknowledged), and the
    Role 3 recorded handing them on to the SOF cell (H2, waiting for JFSOCC); phase I runs at JFACC."""
    knight = Custodian(CustodianKind.AIRCRAFT, "KNIGHT 41", "JFMCC")
    role3 = Custodian(CustodianKind.MEDICAL_FACILITY, "Role 3 ALPHA", "JFACC")
    cell = Custodian(CustodianKind.REINTEGRATION_TEAM, "SOF reintegration cell", "JFSOCC")
    pid = {"incident_id": INC, "person_id": "PR-1-P1"}
    events: list[core_ev.Event] = [
        journey_ev.JourneyOpened(at=NOW, **pid, name="A", component_id="JFSOCC"),
        journey_ev.HandOffRecorded(
            at=NOW,
            **pid,
            handoff_id="H1",
            giver=knight,
            receiver=role3,
            location="Base ALPHA",
            happened_at=NOW,
            recorded_by="navy",
            side=Side.GIVER,
            awaits=(Side.RECEIVER,),
            remarks="",
        ),
        journey_ev.HandOffAcknowledged(
            at=NOW, **pid, handoff_id="H1", side=Side.RECEIVER, by="air", remarks=""
        ),
        journey_ev.PhaseBegun(
            at=NOW,
            **pid,
            phase=Phase.I,
            location="Base ALPHA",
            facility="Role 3",
            component_id="JFACC",
            checklist=("i",),
            minimum_until=None,
            by="director",
        ),
        journey_ev.HandOffRecorded(
            at=NOW,
            **pid,
            handoff_id="H2",
            giver=role3,
            receiver=cell,
            location="Base ALPHA",
            happened_at=NOW,
            recorded_by="air",
            side=Side.GIVER,
            awaits=(Side.RECEIVER,),
            remarks="",
        ),
    ]
    return REGISTRY.fold("person", events)


def casefile() -> object:
    events: list[core_ev.Event] = [
        journey_ev.CasefileOpened(at=NOW, incident_id=INC),
        journey_ev.CollectionItemAdded(
            at=NOW, incident_id=INC, item_id="C1", item="i", assigned_to="JFACC", due_at=None, by="director"
        ),
    ]
    return REGISTRY.fold("casefile", events)


def test_the_matrix_covers_every_command():
    assert {type(c) for c, _ in MATRIX} == set(REGISTRY.commands)


@pytest.mark.parametrize("part", ["description", "photos", "statements", "epa"])
def test_sealed_parts_open_to_the_jprcc_the_persons_component_and_the_approved_recovery_force(part):
    command = records_cmd.OpenRecord(person_ref="P", part=part, incident_id=INC)
    allowed = set()
    for name, actor in ACTORS.items():
        try:
            authorize(actor, command, incident(), "JFSOCC")  # a JFSOCC person's record
            allowed.add(name)
        except REFUSED:
            pass
    assert allowed == STAFF | {"owner_prcc", "owner_lno", "supported_prcc", "supporter_prcc"}
    unrelated = Actor("land", Role.PRCC_OFFICER, "JFLCC")
    with pytest.raises(Withheld):  # through an incident it may not see: as though there were none
        authorize(unrelated, command, incident(), "JFSOCC")


VOICE = OnBehalf("Maj Example", RelayChannel.PHONE)


@pytest.mark.parametrize(
    "command",
    [
        cmd.AnswerCapabilityPoll(incident_id=INC, component_id="JFACC", on_behalf=VOICE),
        cmd.ApproveNomination(incident_id=INC, nomination_id="PR-1/N1", on_behalf=VOICE),
        cmd.AcceptSupportTask(incident_id=INC, component_id="JFACC", on_behalf=VOICE),
        cmd.BeginRecovery(incident_id=INC, on_behalf=VOICE),
        cmd.RequestAssistance(incident_id=INC, capabilities_needed=(), reason="r", on_behalf=VOICE),
    ],
    ids=lambda c: type(c).__name__,
)
def test_only_the_jprcc_records_a_decision_given_by_voice(command):
    allowed = {name for name, a in ACTORS.items() if _allowed(a, command)}
    assert allowed == STAFF


def test_a_record_is_confirmed_only_by_the_party_it_was_made_for():
    other = cmd.ConfirmRelayedDecision(incident_id=INC, record_id="PR-1/R9")
    assert {name for name, a in ACTORS.items() if _allowed(a, other)} == set()


def test_the_jprcc_may_record_that_a_component_cannot_recover():
    command = cmd.RequestAssistance(incident_id=INC, capabilities_needed=(), reason="r", cannot_recover=True)
    allowed = {name for name, a in ACTORS.items() if _allowed(a, command)}
    assert allowed == STAFF | {"owner_prcc"}


def _allowed(actor: Actor, command: core_cmd.Command) -> bool:
    if isinstance(command, journey_cmd.PersonCommand | journey_cmd.CasefileCommand):
        inc = incident()
        state: object = (
            PersonView(inc, journey(), (), command.person_id)  # type: ignore[arg-type]
            if isinstance(command, journey_cmd.PersonCommand)
            else CaseView(inc, casefile(), ())  # type: ignore[arg-type]
        )
        found = Subject(state=state, involved=frozenset(inc.involved_components()), label=INC)
        try:
            authorize_on_subject(REGISTRY, actor, command, found)
        except REFUSED:
            return False
        return True
    about = isinstance(command, cmd.IncidentCommand) or bool(getattr(command, "incident_id", None))
    subject = SUBJECT if not about else None
    try:
        authorize(actor, command, incident() if about else None, subject)
    except REFUSED:
        return False
    return True


@pytest.mark.parametrize(
    ("command", "expected"), MATRIX, ids=lambda v: type(v).__name__ if isinstance(v, core_cmd.Command) else ""
)
def test_each_role_may_issue_exactly_what_the_matrix_says(command, expected):
    allowed = {name for name, actor in ACTORS.items() if _allowed(actor, command)}
    assert allowed == expected


def test_a_refusal_says_who_was_refused_and_why():
    with pytest.raises(
        NotAuthorized, match=r"controller \(jprcc_controller\) may not approve nomination: only the JFC"
    ):
        authorize(
            ACTORS["controller"], cmd.ApproveNomination(incident_id=INC, nomination_id="PR-1/N1"), incident()
        )


def test_observers_never_act():
    """On the operation, never; the one thing an observer account steers is an exercise it controls
    (its clock and its injects), which a node running no exercise refuses anyway."""
    for command, _ in MATRIX:
        if isinstance(
            command, accounts_cmd.RevokeToken | exercise_cmd.SetExerciseClock | exercise_cmd.AddInject
        ):
            continue
        assert not _allowed(ACTORS["observer"], command), type(command).__name__


def test_a_component_not_involved_may_not_act_on_an_incident_at_all():
    outsider = Actor("land", Role.PRCC_OFFICER, "JFLCC")
    request = cmd.RequestTaconTransfer(
        incident_id=INC,
        asset_ids=("A",),
        from_component="JFLCC",
        to_component="JFMCC",
        begin=NOW,
        end=T,
        reason="a way in",
    )
    with pytest.raises(Withheld, match=f"^unknown incident {INC}$") as refused:
        authorize(outsider, request, incident())
    assert refused.value.field == "incident_id"
    assert "does not involve JFLCC" in refused.value.reason  # for the server's log only


def test_a_nominee_is_not_the_supported_component_until_the_jfc_approves():
    pending = fold([e for e in _events() if not isinstance(e, ev.NominationApproved)])
    assert pending is not None
    with pytest.raises(NotAuthorized):
        authorize(ACTORS["supported_prcc"], cmd.BeginRecovery(incident_id=INC), pending)


def test_a_casualty_status_is_the_persons_own_components_not_the_owners():
    """A JFACC pilot in a JFSOCC incident: JFACC's PRCC declares him missing, JFSOCC's may not."""
    events = _events()
    reported = events[0]
    assert isinstance(reported, ev.IncidentReported)
    pilot = ev.ReportedPerson("PR-1-P2", PersonReport("B", "USAF", "JFACC", "sq"))
    events[0] = ev.IncidentReported(**{**vars(reported), "persons": (*reported.persons, pilot)})
    found = fold(events)
    assert found is not None
    missing = cmd.ChangeDutyStatus(incident_id=INC, person_id="PR-1-P2", status=DutyStatus.MISSING)
    allowed = set()
    for name, actor in ACTORS.items():
        try:
            authorize(actor, missing, found)
            allowed.add(name)
        except REFUSED:
            pass
    assert allowed == {"director", "supporter_prcc"}
