"""The vocabulary of personnel recovery: enumerations and value objects.

Everything here is immutable and free of I/O. Positions are WGS-84 latitude and
longitude in decimal degrees; MGRS is converted at the human edge (``jprcc.core.geo``).
Times are timezone-aware UTC ``datetime`` values.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class ComponentKind(enum.StrEnum):
    """The functional components of a joint force; ``other`` covers any added by configuration."""

    AIR = "air"
    LAND = "land"
    MARITIME = "maritime"
    SPECIAL_OPERATIONS = "special_operations"
    OTHER = "other"


class Capability(enum.StrEnum):
    """What an asset can contribute to a recovery (the capability catalogue)."""

    ISR = "isr"
    AIRBORNE_C2 = "airborne_c2"
    ROTARY_WING_RECOVERY = "rotary_wing_recovery"
    FIXED_WING_ESCORT = "fixed_wing_escort"
    CLOSE_AIR_SUPPORT = "close_air_support"
    AIR_REFUELING = "air_refueling"
    GROUND_RECOVERY_TEAM = "ground_recovery_team"
    ARMORED_RECONNAISSANCE = "armored_reconnaissance"
    SPECIAL_OPERATIONS_TEAM = "special_operations_team"
    MARITIME_SURFACE_RECOVERY = "maritime_surface_recovery"
    MEDICAL = "medical"
    PARARESCUE = "pararescue"
    SECURITY_ELEMENT = "security_element"  # an armed team that secures a pickup (may ride in the vehicle)
    RESCUE_ESCORT = "rescue_escort"  # escort and suppression for the recovery vehicle (gunships, RESCORT)
    SEAD_EW = "sead_ew"  # suppression of enemy air defences, electronic warfare
    ON_SCENE_COMMANDER = "on_scene_commander"
    SURFACE_FIRES = "surface_fires"  # naval gunfire or artillery in reach of the pickup


class Platform(enum.StrEnum):
    """What an asset physically is, and so how it moves."""

    ROTARY_WING = "rotary_wing"
    FIXED_WING = "fixed_wing"
    UAS = "uas"
    GROUND_VEHICLE = "ground_vehicle"
    SURFACE_VESSEL = "surface_vessel"
    DISMOUNTED_TEAM = "dismounted_team"


class Readiness(enum.StrEnum):
    """How soon an asset can launch. Anything but ``not_mission_capable`` may be offered."""

    READY = "ready"
    STANDBY_30 = "standby_30"
    STANDBY_60 = "standby_60"
    STANDBY_120 = "standby_120"
    NOT_MISSION_CAPABLE = "not_mission_capable"

    @property
    def launch_delay(self) -> timedelta | None:
        """Time from tasking to launch; ``None`` when the asset cannot launch at all."""
        return {
            Readiness.READY: timedelta(0),
            Readiness.STANDBY_30: timedelta(minutes=30),
            Readiness.STANDBY_60: timedelta(minutes=60),
            Readiness.STANDBY_120: timedelta(minutes=120),
            Readiness.NOT_MISSION_CAPABLE: None,
        }[self]


class RecoveryPointKind(enum.StrEnum):
    """Where isolated persons and recovery forces meet, and where the recovered are treated."""

    LINKUP_POINT = "linkup_point"
    PICKUP_POINT = "pickup_point"  # a designated area for picking up isolated personnel (DAPP)
    RALLY_POINT = "rally_point"
    LANDING_ZONE = "landing_zone"
    MEDICAL_FACILITY = "medical_facility"  # a Role 2/3 facility: where recovered persons are taken


class Role(enum.StrEnum):
    """Account roles. Component-bound roles carry the component they act for."""

    JFC = "jfc"
    JPRCC_DIRECTOR = "jprcc_director"
    JPRCC_CONTROLLER = "jprcc_controller"
    PRCC_OFFICER = "prcc_officer"
    LIAISON_OFFICER = "liaison_officer"
    OBSERVER = "observer"
    SYSTEM = "system"

    @property
    def component_bound(self) -> bool:
        return self in (Role.PRCC_OFFICER, Role.LIAISON_OFFICER)

    @property
    def sees_whole_theater(self) -> bool:
        """Roles with a theater-wide picture; component-bound roles see only what involves them."""
        return not self.component_bound


class DutyStatus(enum.StrEnum):
    """Duty status of an isolated person (DUSTWUN: duty status - whereabouts unknown)."""

    ISOLATED = "isolated"
    EVADING = "evading"
    MISSING = "missing"
    DUSTWUN = "dustwun"
    CAPTURED = "captured"
    RELEASED = "released"  # let go by the captor, not yet in friendly hands
    RECOVERED = "recovered"
    DECEASED = "deceased"


#: still out there, not held: the persons a recovery can bring back
AT_LARGE = frozenset({DutyStatus.ISOLATED, DutyStatus.EVADING, DutyStatus.MISSING, DutyStatus.DUSTWUN})
#: the persons a recovery (or a move under a support directive) can bring back to friendly hands:
#: those at large, and those a captor released
TO_BRING_BACK = AT_LARGE | {DutyStatus.RELEASED}
#: no longer in need of recovery: back in friendly hands, or dead
SETTLED = frozenset({DutyStatus.RECOVERED, DutyStatus.DECEASED})

#: DUSTWUN is a temporary status: after this long the person must be redesignated.
DUSTWUN_LIMIT = timedelta(days=10)


class Condition(enum.StrEnum):
    UNINJURED = "uninjured"
    INJURED = "injured"
    SERIOUSLY_INJURED = "seriously_injured"
    UNKNOWN = "unknown"


class Environment(enum.StrEnum):
    LAND = "land"
    MARITIME = "maritime"
    LITTORAL = "littoral"
    URBAN = "urban"
    MOUNTAIN = "mountain"
    DESERT = "desert"
    JUNGLE = "jungle"
    ARCTIC = "arctic"


class ReportChannel(enum.StrEnum):
    """How the isolating event came to the JPRCC."""

    VOICE = "voice"
    BEACON = "beacon"
    TAK_ALERT = "tak_alert"
    WINGMAN = "wingman"
    VISUAL = "visual"
    INTELLIGENCE = "intelligence"
    COMPONENT_REPORT = "component_report"
    OTHER = "other"


class RelayChannel(enum.StrEnum):
    """How a decision given by someone else reached the JPRCC officer who recorded it."""

    PHONE = "phone"
    RADIO = "radio"
    IN_PERSON = "in_person"
    CHAT = "chat"
    MESSAGE = "message"


class SourceConfidence(enum.StrEnum):
    """Credibility of the report, on the admiralty-code information scale (1-6)."""

    CONFIRMED = "confirmed"
    PROBABLY_TRUE = "probably_true"
    POSSIBLY_TRUE = "possibly_true"
    DOUBTFUL = "doubtful"
    IMPROBABLE = "improbable"
    CANNOT_BE_JUDGED = "cannot_be_judged"


class PRTask(enum.StrEnum):
    """The five personnel-recovery execution tasks."""

    REPORT = "report"
    LOCATE = "locate"
    SUPPORT = "support"
    RECOVER = "recover"
    REINTEGRATE = "reintegrate"


class TaskStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    NOT_APPLICABLE = "not_applicable"


class SupportKind(enum.StrEnum):
    """The four categories of the support command relationship (JP 3-0)."""

    GENERAL = "general"
    DIRECT = "direct"
    MUTUAL = "mutual"
    CLOSE = "close"


class RelationshipKind(enum.StrEnum):
    """Command relationships. Support never moves control; TACON and OPCON do."""

    SUPPORT_GENERAL = "support_general"
    SUPPORT_DIRECT = "support_direct"
    SUPPORT_MUTUAL = "support_mutual"
    SUPPORT_CLOSE = "support_close"
    TACON = "tacon"
    OPCON = "opcon"

    @classmethod
    def for_support(cls, kind: SupportKind) -> RelationshipKind:
        return cls(f"support_{kind.value}")

    @property
    def transfers_control(self) -> bool:
        return self in (RelationshipKind.TACON, RelationshipKind.OPCON)


class Disposition(enum.StrEnum):
    """Why an incident was closed."""

    RECOVERED_AND_REINTEGRATED = "recovered_and_reintegrated"
    RETURNED_TO_DUTY = "returned_to_duty"
    REMAINS_RECOVERED = "remains_recovered"
    FALSE_ALARM = "false_alarm"
    DUPLICATE = "duplicate"
    TRANSFERRED = "transferred"


#: dispositions that close a case whose persons went through reintegration
REINTEGRATED = frozenset({Disposition.RECOVERED_AND_REINTEGRATED, Disposition.RETURNED_TO_DUTY})


@dataclass(frozen=True, slots=True)
class Position:
    """A WGS-84 point in decimal degrees."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not -90.0 <= self.lat <= 90.0:
            raise ValueError(f"latitude {self.lat} is outside -90..90")
        if not -180.0 <= self.lon <= 180.0:
            raise ValueError(f"longitude {self.lon} is outside -180..180")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who issues a command: an account name, its role, and the component it acts for."""

    username: str
    role: Role
    component_id: str | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(username=name, role=Role.SYSTEM)


@dataclass(frozen=True, slots=True)
class Context:
    """What every decision needs besides the command: who asks, and the time now."""

    actor: Actor
    now: datetime
