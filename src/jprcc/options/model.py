"""Recovery options: the vocabulary of a course of action, and which methods a situation allows.

A recovery option is a *method* carried out at a *pickup site* by assets filling *roles*. The
roles a method always needs, and those a situation adds::

    method                    pickup site             always                         (a)
    rotary_wing_recovery      where the person is     recovery_vehicle, isr          yes
    ground_recovery           where the person is     recovery_vehicle, isr          yes
    sof_assisted_linkup       a linkup point / LZ     linkup_movement, recovery_vehicle, isr  yes
    maritime_surface_pickup   where the person is     recovery_vehicle, isr          yes
    unassisted_evasion        a recovery point        recovery_vehicle, isr          yes
    negotiated                (none: interagency)     (no forces)                    no
    locate_first              the search area         isr (searching)                no

    (a) the situational roles may be added:
        escort_fires     the recovery vehicle's way in crosses medium threat or worse
        airborne_c2      the threat at the person or at the pickup site is medium or worse
        ground_security  the ground threat within 5 km of a pickup site on land is medium or worse,
                         and the recovery vehicle brings no security of its own (pararescue or
                         a security element aboard)
        medical          a person is hurt and the recovery vehicle carries no medical capability
        sead_ew          the recovery vehicle flies, and the air-defence threat to aircraft at
                         medium altitude (escort, ISR, C2) at the person or the pickup site is
                         medium or worse: suppression of enemy air defences or jamming
        on_scene_commander  the recovery vehicle flies into a contested pickup (the threat at the
                         person or the site is medium or worse): one aircraft directs the
                         assets on scene (in combat search and rescue, the rescue escort's lead)

    A role the deciding matrix row lists as optional may stay unfilled: the option is kept, its
    P(success) lowered by ``PlanningFigures.unfilled_reliability`` and the reason given.

Which methods a situation allows (``open_methods``): detained persons get only the negotiated
track, unless the JFC ordered them recovered by force (a raid: rotary-wing or ground recovery at
the holding site, its ground security an assault force); a position less certain than the
threat-decision matrix's limit gets only "locate first"; at sea only rotary-wing and surface
pickups; unassisted evasion only when every person can move.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from jprcc.core.model import Capability


class Method(enum.StrEnum):
    ROTARY_WING_RECOVERY = "rotary_wing_recovery"
    GROUND_RECOVERY = "ground_recovery"
    SOF_ASSISTED_LINKUP = "sof_assisted_linkup"
    MARITIME_SURFACE_PICKUP = "maritime_surface_pickup"
    UNASSISTED_EVASION = "unassisted_evasion"
    NEGOTIATED = "negotiated"
    LOCATE_FIRST = "locate_first"

    @property
    def label(self) -> str:
        return METHOD_LABELS[self]


METHOD_LABELS = {
    Method.ROTARY_WING_RECOVERY: "Rotary-wing recovery at the person",
    Method.GROUND_RECOVERY: "Ground recovery at the person",
    Method.SOF_ASSISTED_LINKUP: "Special-operations-assisted movement to a linkup point",
    Method.MARITIME_SURFACE_PICKUP: "Maritime surface pickup",
    Method.UNASSISTED_EVASION: "Unassisted evasion to a recovery point",
    Method.NEGOTIATED: "Negotiated / diplomatic recovery",
    Method.LOCATE_FIRST: "Locate first",
}


class TaskRole(enum.StrEnum):
    """What an asset does in a recovery option."""

    RECOVERY_VEHICLE = "recovery_vehicle"
    LINKUP_MOVEMENT = "linkup_movement"
    ESCORT_FIRES = "escort_fires"
    ISR = "isr"
    AIRBORNE_C2 = "airborne_c2"
    GROUND_SECURITY = "ground_security"
    MEDICAL = "medical"
    SEAD_EW = "sead_ew"
    ON_SCENE_COMMANDER = "on_scene_commander"


#: the capability a recovery vehicle needs, by method
VEHICLE_CAPABILITY = {
    Method.ROTARY_WING_RECOVERY: Capability.ROTARY_WING_RECOVERY,
    Method.GROUND_RECOVERY: Capability.GROUND_RECOVERY_TEAM,
    Method.SOF_ASSISTED_LINKUP: Capability.ROTARY_WING_RECOVERY,
    Method.MARITIME_SURFACE_PICKUP: Capability.MARITIME_SURFACE_RECOVERY,
    Method.UNASSISTED_EVASION: Capability.ROTARY_WING_RECOVERY,
}

#: the capabilities that fill each supporting role (any one of them)
ROLE_CAPABILITIES: dict[TaskRole, frozenset[Capability]] = {
    TaskRole.LINKUP_MOVEMENT: frozenset({Capability.SPECIAL_OPERATIONS_TEAM}),
    TaskRole.ESCORT_FIRES: frozenset(
        {
            Capability.FIXED_WING_ESCORT,
            Capability.CLOSE_AIR_SUPPORT,
            Capability.RESCUE_ESCORT,
            Capability.SURFACE_FIRES,  # a warship's gun over a pickup at sea (see packages)
        }
    ),
    TaskRole.ISR: frozenset({Capability.ISR}),
    TaskRole.AIRBORNE_C2: frozenset({Capability.AIRBORNE_C2}),
    TaskRole.GROUND_SECURITY: frozenset(
        {
            Capability.ARMORED_RECONNAISSANCE,
            Capability.GROUND_RECOVERY_TEAM,
            Capability.SECURITY_ELEMENT,
            Capability.SPECIAL_OPERATIONS_TEAM,
        }
    ),
    TaskRole.MEDICAL: frozenset({Capability.MEDICAL, Capability.PARARESCUE}),
    TaskRole.SEAD_EW: frozenset({Capability.SEAD_EW}),
    TaskRole.ON_SCENE_COMMANDER: frozenset({Capability.ON_SCENE_COMMANDER, Capability.RESCUE_ESCORT}),
}

#: methods whose recovery vehicle flies to the pickup (the air package's roles apply)
AIR_METHODS = frozenset({Method.ROTARY_WING_RECOVERY, Method.SOF_ASSISTED_LINKUP, Method.UNASSISTED_EVASION})

#: a recovery vehicle with one of these brings its own medical care
MEDICAL_CAPABILITIES = ROLE_CAPABILITIES[TaskRole.MEDICAL]

#: a recovery vehicle with one of these secures its own pickup (pararescue, an embarked security
#: element): no separate ground-security asset is needed
SELF_SECURITY = frozenset({Capability.PARARESCUE, Capability.SECURITY_ELEMENT})

#: who takes a site where persons are held (a raid): a special-operations assault force; armoured
#: reconnaissance screens a pickup but does not clear a compound, and pararescuemen secure a pickup
#: site, not a captor's
ASSAULT_CAPABILITIES = frozenset({Capability.SPECIAL_OPERATIONS_TEAM})

#: methods whose pickup is where the person is (the others move the person to a site first)
AT_THE_PERSON = frozenset(
    {Method.ROTARY_WING_RECOVERY, Method.GROUND_RECOVERY, Method.MARITIME_SURFACE_PICKUP}
)


def role_capabilities(role: TaskRole, method: Method) -> frozenset[Capability]:
    if role is TaskRole.RECOVERY_VEHICLE:
        return frozenset({VEHICLE_CAPABILITY[method]})
    return ROLE_CAPABILITIES[role]


@dataclass(frozen=True)
class Situation:
    """What decides which methods are open."""

    detained: bool
    uncertainty_m: float
    locate_limit_m: float  # the matrix's ``location_certain_within_m``
    at_sea: bool
    coastal: bool
    all_mobile: bool
    raid: bool = False  # the JFC ordered detained persons recovered by force


def open_methods(s: Situation) -> tuple[list[Method], list[str]]:
    """The methods the situation allows, and why the others are closed."""
    if s.detained:
        return [Method.NEGOTIATED], [
            "persons are detained: the negotiated / diplomatic track only (no recovery by force is planned)"
        ]
    if s.raid:
        return [Method.ROTARY_WING_RECOVERY, Method.GROUND_RECOVERY], [
            "a recovery by force of detained persons (ordered by the JFC): taken from the holding site by "
            "an assault force, flown or driven out; no linkup, evasion or surface pickup (the persons "
            "cannot move); the negotiated track runs beside it"
        ]
    if s.uncertainty_m > s.locate_limit_m:
        return [Method.LOCATE_FIRST], [
            f"position known only to ±{s.uncertainty_m:.0f} m, beyond the matrix's limit of "
            f"{s.locate_limit_m:.0f} m: locate first, then plan the recovery"
        ]
    closed: list[str] = []
    if s.at_sea:
        methods = [Method.ROTARY_WING_RECOVERY, Method.MARITIME_SURFACE_PICKUP]
        closed.append("at sea: no ground recovery, linkup or evasion")
        return methods, closed
    methods = [Method.ROTARY_WING_RECOVERY, Method.GROUND_RECOVERY, Method.SOF_ASSISTED_LINKUP]
    if s.coastal:
        methods.append(Method.MARITIME_SURFACE_PICKUP)
    else:
        closed.append("inland: no maritime surface pickup")
    if s.all_mobile:
        methods.append(Method.UNASSISTED_EVASION)
    else:
        closed.append("a person cannot move unaided: no unassisted evasion")
    return methods, closed


class Scope(enum.StrEnum):
    """Whose assets the options may use."""

    POLLED = "polled"  # with a capability poll open: the polled components only (else everyone)
    ALL = "all"  # every component, polled or not (the options then say whom to ask)


#: the ground, surface and special-operations courses (a SOF team moves the persons on the ground
#: to a pickup site): what is proposed when a risk ceiling removes every course flown to the persons
GROUND_OR_SOF = frozenset(
    {Method.GROUND_RECOVERY, Method.SOF_ASSISTED_LINKUP, Method.MARITIME_SURFACE_PICKUP}
)


@dataclass(frozen=True)
class PlannerControl:
    """What the planner tells the options: whose assets, which methods and assets not, how much risk
    at most, and the latest pickup. Each restriction is reported with what it removed."""

    scope: Scope = Scope.POLLED
    exclude_methods: frozenset[Method] = field(default_factory=frozenset)
    exclude_assets: frozenset[str] = field(default_factory=frozenset)
    max_risk: float | None = None
    """The highest acceptable risk of failure, 1 - P(success), in (0, 1]."""
    latest_pickup: datetime | None = None
    """The persons aboard by then at the latest."""

    def __post_init__(self) -> None:
        if self.max_risk is not None and not 0 < self.max_risk <= 1:
            raise ValueError("max_risk is a probability of failure in (0, 1]")
