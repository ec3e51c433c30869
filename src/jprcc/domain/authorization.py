"""Who may issue which command. One rule per command type; the matrix is the table below.

=========================== ===========================================================
command                     who may issue it
=========================== ===========================================================
RegisterComponent           JPRCC director; system (local administration)
theater asset / operation   JPRCC director and controllers; the owning component's PRCC
ReportIncident              JPRCC director and controllers; the owning component's PRCC
                            officer or liaison officer
DeclareOrganicRecovery      the owning component's PRCC officer only
RequestAssistance           the owning component's PRCC officer; the JPRCC director or a
                            controller only to record that the component cannot recover
OpenCapabilityPoll,         JPRCC director and controllers
NominateSupport, Replan,
SetCheckInInterval
Approve/RejectNomination,   the JFC only
Approve/RejectTacon...
Accept/DeclineSupportTask   the PRCC officer of the component that holds the task
AnswerCapabilityPoll        the PRCC officer of the polled component
Begin/AbortRecovery         the supported component's PRCC officer
RecordRecovery              JPRCC director and controllers; owning or supported PRCC officer
casework (status, tasks,    JPRCC director and controllers; the owning component's PRCC
detained, release, hand-off) officer (tasks: also the supported component's)
CheckIn, UpdatePosition     JPRCC director and controllers; PRCC officers and liaison
                            officers of the owning or supported component
DefineSearchModel,          JPRCC director and controllers; PRCC officers and liaison
RecordSearchInformation     officers of the owning or supported component
AdoptSearchPlan             JPRCC director and controllers; the owning or supported PRCC
PublishLayer, WithdrawLayer JPRCC director and controllers; system
PublishDecisionMatrix       JPRCC director; system
AddNarrativeEntry           anyone but observers; component roles only on incidents that
                            involve their component
RequestTaconTransfer        JPRCC director and controllers; PRCC officer of either side
CloseIncident               JPRCC director only
alerts from the clock       the system only
accounts                    JPRCC director; system; a user may change their own password
RecordIsoprep, FileEpa      JPRCC director and controllers; the person's component's PRCC
RecordAuthentication        the recovery force: JPRCC director and controllers; PRCC and
(verify an answer)          liaison officers of the person's own component, or of a component
                            the JFC-approved directive of the incident names
OpenRecord                  summary: JPRCC staff, the JFC, the person's component's
                            representatives; description, photos, statements, EPA: the
                            recovery force, only through an active incident of the person;
                            export: the JPRCC director or the person's PRCC
UnlockRecord, RotateVaultKey the JPRCC director (rotation: also the system)
=========================== ===========================================================

Observers read and never act. Component-bound roles act only on incidents that already involve
their component (need-to-know comes before any rule).
"""

from __future__ import annotations

from collections.abc import Callable

from jprcc.domain import commands as cmd
from jprcc.domain.errors import NotAuthorized
from jprcc.domain.incident import Incident
from jprcc.domain.model import Actor, Role

R = Role
STAFF = frozenset({R.JPRCC_DIRECTOR, R.JPRCC_CONTROLLER})

Rule = Callable[[Actor, cmd.Command, Incident | None, str | None], bool]
"""A rule sees the actor, the command, the incident (if any) and the subject component
(the component that owns the asset or operation a theater command is about)."""


def _prcc(actor: Actor, *components: str | None) -> bool:
    return actor.role is R.PRCC_OFFICER and actor.component_id in components


def _component_rep(actor: Actor, *components: str | None) -> bool:
    return actor.role in (R.PRCC_OFFICER, R.LIAISON_OFFICER) and actor.component_id in components


def _supported(incident: Incident | None) -> str | None:
    """The supported component of the directive in force: a nominee is not supported until approved."""
    directive = incident.directive if incident else None
    return directive.supported_component if directive is not None else None


def _owner(incident: Incident | None) -> str | None:
    return incident.owning_component if incident else None


def staff_only(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return a.role in STAFF


def jfc_only(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return a.role is R.JFC


def director_only(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return a.role is R.JPRCC_DIRECTOR


def director_or_system(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return a.role in (R.JPRCC_DIRECTOR, R.SYSTEM)


def staff_or_system(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return a.role in STAFF or a.role is R.SYSTEM


def system_only(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return a.role is R.SYSTEM


def staff_or_subject_prcc(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return a.role in STAFF or a.role is R.SYSTEM or _prcc(a, s)


def owner_prcc(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return _prcc(a, _owner(i))


def staff_or_owner_prcc(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return a.role in STAFF or _prcc(a, _owner(i))


def staff_or_owner_or_supported_prcc(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return a.role in STAFF or _prcc(a, _owner(i), _supported(i))


def supported_prcc(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return _prcc(a, _supported(i))


def staff_or_reps_of_owner_or_supported(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return a.role in STAFF or _component_rep(a, _owner(i), _supported(i))


def report(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    assert isinstance(c, cmd.ReportIncident)
    return a.role in STAFF or _component_rep(a, c.owning_component)


def request_assistance(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    assert isinstance(c, cmd.RequestAssistance)
    return _prcc(a, _owner(i)) or (a.role in STAFF and c.cannot_recover)


def named_component_prcc(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return _prcc(a, getattr(c, "component_id", None))


def narrative(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    if a.role in (R.OBSERVER, R.SYSTEM):
        return False
    if a.role.component_bound:
        return i is not None and a.component_id in i.involved_components()
    return True


def tacon_request(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    assert isinstance(c, cmd.RequestTaconTransfer)
    return a.role in STAFF or _prcc(a, c.from_component, c.to_component)


def change_password(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    assert isinstance(c, cmd.ChangePassword)
    return a.role in (R.JPRCC_DIRECTOR, R.SYSTEM) or a.username == c.username


def anyone(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return True


def oneself(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    return a.username == getattr(c, "username", None)


def recovery_force(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    """JPRCC staff; a representative of the person's own component (``s``: the component the
    record belongs to); or of a component the JFC-approved directive of the incident names. Merely
    reporting an incident that names a person gives nobody else access to that person's record."""
    if a.role in STAFF:
        return True
    if _component_rep(a, s):
        return True
    if i is None or i.directive is None or i.directive.status != "in_force":
        return False
    forces = {i.directive.supported_component, *(x.component_id for x in i.directive.contributions)}
    return _component_rep(a, *forces)


def open_record(a: Actor, c: cmd.Command, i: Incident | None, s: str | None) -> bool:
    assert isinstance(c, cmd.OpenRecord)
    if c.part == "summary":
        return a.role in STAFF or a.role is R.JFC or _component_rep(a, s)
    if c.part == "export":
        return a.role is R.JPRCC_DIRECTOR or _prcc(a, s)
    return i is not None and recovery_force(a, c, i, s)


RULES: dict[type[cmd.Command], tuple[Rule, str]] = {
    cmd.RegisterComponent: (director_or_system, "only the JPRCC director registers components"),
    cmd.RegisterAsset: (staff_or_subject_prcc, "only the JPRCC or the owning component's PRCC"),
    cmd.ChangeAssetReadiness: (staff_or_subject_prcc, "only the JPRCC or the owning component's PRCC"),
    cmd.RegisterRecoveryPoint: (staff_or_subject_prcc, "only the JPRCC or the component's PRCC"),
    cmd.PlanOperation: (staff_or_subject_prcc, "only the JPRCC or the component's PRCC"),
    cmd.CommitAsset: (staff_or_subject_prcc, "only the JPRCC or the owning component's PRCC"),
    cmd.ReleaseAsset: (staff_or_subject_prcc, "only the JPRCC or the owning component's PRCC"),
    cmd.EndOperation: (staff_or_subject_prcc, "only the JPRCC or the component's PRCC"),
    cmd.ReportIncident: (report, "only the JPRCC or the owning component's PRCC or liaison officer"),
    cmd.DeclareOrganicRecovery: (owner_prcc, "only the owning component's PRCC declares organic recovery"),
    cmd.RequestAssistance: (
        request_assistance,
        "only the owning component's PRCC asks for help (the JPRCC may record "
        "that the component cannot recover)",
    ),
    cmd.OpenCapabilityPoll: (staff_only, "only the JPRCC polls the components"),
    cmd.AnswerCapabilityPoll: (named_component_prcc, "only the polled component's PRCC answers for it"),
    cmd.NominateSupport: (staff_only, "only the JPRCC nominates"),
    cmd.ApproveNomination: (jfc_only, "only the JFC approves a nomination"),
    cmd.RejectNomination: (jfc_only, "only the JFC rejects a nomination"),
    cmd.AcceptSupportTask: (named_component_prcc, "only the supporting component's PRCC accepts its task"),
    cmd.DeclineSupportTask: (named_component_prcc, "only the supporting component's PRCC declines its task"),
    cmd.BeginRecovery: (supported_prcc, "only the supported component's PRCC begins the recovery"),
    cmd.AbortRecovery: (supported_prcc, "only the supported component's PRCC aborts the recovery"),
    cmd.Replan: (staff_only, "only the JPRCC re-plans"),
    cmd.RecordRecovery: (
        staff_or_owner_or_supported_prcc,
        "only the JPRCC or the owning or supported component's PRCC",
    ),
    cmd.HandToReintegration: (staff_or_owner_prcc, "only the JPRCC or the owning component's PRCC"),
    cmd.CloseIncident: (director_only, "only the JPRCC director closes an incident"),
    cmd.DeclareDetained: (staff_or_owner_prcc, "only the JPRCC or the owning component's PRCC"),
    cmd.RecordRelease: (staff_or_owner_prcc, "only the JPRCC or the owning component's PRCC"),
    cmd.ChangeDutyStatus: (staff_or_owner_prcc, "only the JPRCC or the owning component's PRCC"),
    cmd.UpdateTask: (
        staff_or_owner_or_supported_prcc,
        "only the JPRCC or the owning or supported component's PRCC",
    ),
    cmd.AddNarrativeEntry: (
        narrative,
        "observers read only; component roles write only on incidents that involve their component",
    ),
    cmd.CheckIn: (
        staff_or_reps_of_owner_or_supported,
        "only the JPRCC or the owning or supported component's representatives",
    ),
    cmd.SetCheckInInterval: (staff_only, "only the JPRCC sets the check-in interval"),
    cmd.UpdatePosition: (
        staff_or_reps_of_owner_or_supported,
        "only the JPRCC or the owning or supported component's representatives",
    ),
    cmd.DefineSearchModel: (
        staff_or_reps_of_owner_or_supported,
        "only the JPRCC or the owning or supported component's representatives",
    ),
    cmd.RecordSearchInformation: (
        staff_or_reps_of_owner_or_supported,
        "only the JPRCC or the owning or supported component's representatives",
    ),
    cmd.AdoptSearchPlan: (
        staff_or_owner_or_supported_prcc,
        "only the JPRCC or the owning or supported component's PRCC",
    ),
    cmd.RequestTaconTransfer: (tacon_request, "only the JPRCC or the PRCC of either component"),
    cmd.ApproveTaconTransfer: (jfc_only, "only the JFC approves a TACON transfer"),
    cmd.RejectTaconTransfer: (jfc_only, "only the JFC rejects a TACON transfer"),
    cmd.RaiseOverdueAlert: (system_only, "alerts come from the clock"),
    cmd.RaiseDustwunAlert: (system_only, "alerts come from the clock"),
    cmd.PublishLayer: (staff_or_system, "only the JPRCC publishes intelligence layers"),
    cmd.WithdrawLayer: (staff_or_system, "only the JPRCC withdraws intelligence layers"),
    cmd.PublishDecisionMatrix: (
        director_or_system,
        "only the JPRCC director changes the threat-decision matrix",
    ),
    cmd.CreateUser: (director_or_system, "only the JPRCC director manages accounts"),
    cmd.SetUserActive: (director_or_system, "only the JPRCC director manages accounts"),
    cmd.ChangePassword: (change_password, "only the JPRCC director or the account's owner"),
    cmd.IssueToken: (oneself, "a session is opened only for the user who logged in"),
    cmd.RevokeToken: (anyone, ""),
    cmd.RecordIsoprep: (staff_or_subject_prcc, "only the JPRCC or the person's component's PRCC"),
    cmd.FileEpa: (staff_or_subject_prcc, "only the JPRCC or the person's component's PRCC"),
    cmd.ImportRecords: (
        staff_or_system,
        "only the JPRCC imports records in bulk (each record is checked too)",
    ),
    cmd.RecordAuthentication: (recovery_force, "only the JPRCC or a component recovering the person"),
    cmd.RecordRefusedAuthentication: (
        recovery_force,
        "only the JPRCC or a component recovering the person",
    ),
    cmd.OpenRecord: (
        open_record,
        "records open only to those who need them: the JPRCC and the recovery force, through an "
        "active incident of the person (the summary also to the person's component; export: the "
        "director or the PRCC)",
    ),
    cmd.UnlockRecord: (director_only, "only the JPRCC director unlocks a record"),
    cmd.RotateVaultKey: (director_or_system, "only the JPRCC director rotates the vault key"),
}


def authorize(
    actor: Actor, command: cmd.Command, incident: Incident | None = None, subject_component: str | None = None
) -> None:
    """Raise ``NotAuthorized`` unless ``actor`` may issue ``command``."""
    rule, why = RULES[type(command)]
    if (
        incident is not None
        and actor.role.component_bound
        and actor.component_id not in incident.involved_components()
    ):
        raise NotAuthorized(
            f"{actor.username} may not act on incident {incident.incident_id}: "
            f"it does not involve {actor.component_id}"
        )
    if not rule(actor, command, incident, subject_component):
        who = actor.role.value + (f" of {actor.component_id}" if actor.component_id else "")
        raise NotAuthorized(f"{actor.username} ({who}) may not {_verb(command)}: {why}")


def _verb(command: cmd.Command) -> str:
    name = type(command).__name__
    words = [name[0].lower()]
    for ch in name[1:]:
        words.append(f" {ch.lower()}" if ch.isupper() else ch)
    return "".join(words)
