"""A mass-isolation day, written as a scenario: many isolating events across every component in one
day, for an exercise of the whole cell under load (and for the benchmark of a headless run).

The mix is drawn once from a seeded generator, so the same arguments always write the same file:

* **maritime** (a share of the events): ditched aircrew and men overboard, owned by the maritime
  component, recovered organically by its ships and helicopters;
* **captured** (a share): a patrol or crew seized; the owning component declares them detained;
* **assisted** (a share): the owning component asks for help, the JPRCC polls every component, each
  answers (an asset free for the window, or why it cannot help), the JPRCC nominates the asset, the
  JFC approves, the supporting component accepts, the owner executes and records the recovery. An
  asset is offered only when it is free: the generator books each for its window, so no asset is
  directed to two recoveries at once (the rules would refuse it);
* the rest: organic recoveries by the owning component.

Every recovered incident is handed to reintegration and its first person begins phase I.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

OWNERS = ("JFACC", "JFLCC", "JFSOCC")
USERS = {"JFACC": "jfacc", "JFLCC": "jflcc", "JFMCC": "jfmcc", "JFSOCC": "jfsocc"}
LAND = (39.25, 40.85, 8.55, 9.6)  # inland Sardinia (south, north, west, east)
SEAS = ((39.4, 41.0, 9.95, 10.8), (39.2, 40.8, 7.2, 7.95))  # the Tyrrhenian, the Sardinian Sea
#: the recovery assets the JPRCC brokers (component, asset, capability offered), all free in the theater
BROKERED = (
    ("JFACC", "JOLLY-11", "rotary_wing_recovery"),
    ("JFACC", "JOLLY-12", "rotary_wing_recovery"),
    ("JFMCC", "KNIGHT-41", "rotary_wing_recovery"),
    ("JFLCC", "SABER-TROOP", "ground_recovery_team"),
    ("JFSOCC", "TRIDENT-3", "ground_recovery_team"),
)
WINDOW_MIN = 240  # a directive's window: from 45 minutes after the report, four hours
RANKS = ("Capt", "Lt", "SSG", "SGT", "SPC", "PO2", "LCpl", "Maj")
NAMES = (
    "Abara",
    "Brandt",
    "Costa",
    "Duval",
    "Eriksen",
    "Farah",
    "Greco",
    "Haas",
    "Ito",
    "Jovanovic",
    "Kaur",
    "Lindahl",
    "Moreau",
    "Novak",
    "Okoye",
    "Price",
    "Quinn",
    "Rossi",
    "Silva",
    "Tanaka",
)


@dataclass
class _Day:
    rng: random.Random
    script: list[dict[str, Any]] = field(default_factory=list)
    busy_until: dict[str, int] = field(default_factory=dict)  # asset → minute its window ends

    def step(self, minute: int, who: str, do: str, **fields: Any) -> None:
        self.script.append({"at": f"{minute}m", "as": who, "do": do, "with": fields})

    def point(self, box: tuple[float, float, float, float]) -> dict[str, float]:
        s, n, w, e = box
        return {"lat": round(self.rng.uniform(s, n), 4), "lon": round(self.rng.uniform(w, e), 4)}


HEADER = """\
# BROKEN ARROW DAY: a mass-isolation day for an exercise of the whole cell under load.
# Written by `jprcc exercise mass-isolation --out FILE` (a test checks this file is what it writes):
#   jprcc exercise run mass_isolation.yaml --headless      (the day at once, then the figures)
#   jprcc exercise run mass_isolation.yaml --speed 60      (a day in 24 minutes, on the page)
# Fictional persons.
"""


def write(scenario: dict[str, Any]) -> str:
    """The scenario as the YAML file the exercise runner reads."""
    import yaml

    return HEADER + yaml.safe_dump(scenario, sort_keys=False, width=200, allow_unicode=True)


def mass_isolation(
    events: int = 200,
    hours: float = 24.0,
    captured: float = 0.10,
    maritime: float = 0.30,
    assisted: float = 0.15,
    seed: int = 20251118,
    start: datetime | None = None,
) -> dict[str, Any]:
    """The scenario as a mapping (write it with ``yaml.safe_dump``)."""
    if events < 1 or not 0 < hours <= 24 * 7:
        raise ValueError("events must be at least 1 and hours between 0 and a week")
    if min(captured, maritime, assisted) < 0 or captured + maritime + assisted > 1:
        raise ValueError("the shares of captured, maritime and assisted events must add up to at most 1")
    day = _Day(random.Random(seed))
    kinds = (
        ["captured"] * round(events * captured)
        + ["maritime"] * round(events * maritime)
        + ["assisted"] * round(events * assisted)
    )
    kinds = (kinds + ["organic"] * events)[:events]
    day.rng.shuffle(kinds)
    times = sorted(day.rng.randint(1, int(hours * 60) - 1) for _ in range(events))
    for n, (kind, minute) in enumerate(zip(kinds, times, strict=True), start=1):
        _incident(day, n, kind, minute)
    day.script.sort(key=lambda s: int(s["at"][:-1]))
    when = start.isoformat().replace("+00:00", "Z") if start else "2025-11-18T00:00:00Z"
    return {
        "name": "BROKEN ARROW DAY",
        "exercise": {
            "start": when,
            "base": "theater",
            "description": f"{events} isolating events in {hours:g} h across every component: "
            f"{captured:.0%} captured, {maritime:.0%} at sea, up to {assisted:.0%} brokered by the JPRCC "
            "(as recovery assets come free).",
        },
        "script": day.script,
    }


def _incident(day: _Day, n: int, kind: str, t: int) -> None:
    rng = day.rng
    incident = f"PR-MASS-{n:03d}"
    owner = "JFMCC" if kind == "maritime" else rng.choice(OWNERS)
    who = USERS[owner]
    persons = [
        {
            "name": f"{rng.choice(RANKS)} {rng.choice('ABCDEFGHJKLMNPRST')}. {rng.choice(NAMES)}",
            "service": {"JFACC": "USAF", "JFLCC": "USA", "JFMCC": "USN", "JFSOCC": "USSOCOM"}[owner],
            "component_id": owner,
            "unit": f"{owner} unit {n}",
            "condition": rng.choice(["uninjured", "injured"]),
        }
        for _ in range(rng.randint(1, 3 if kind != "captured" else 4))
    ]
    at_sea = kind == "maritime"
    day.step(
        t,
        who,
        "report_incident",
        incident_id=incident,
        title=f"MASS {n:03d}: {_title(kind, owner)}",
        owning_component=owner,
        isolating_event_at=f"now-{rng.randint(2, 20)}m",
        position=day.point(rng.choice(SEAS) if at_sea else LAND),
        uncertainty_m=rng.choice([100, 300, 800, 2000, 5000]),
        channel=rng.choice(["beacon", "voice", "component_report"]),
        source_confidence=rng.choice(["confirmed", "probably_true", "possibly_true"]),
        environment="maritime" if at_sea else rng.choice(["land", "mountain", "urban"]),
        priority=rng.randint(1, 3),
        persons=persons,
    )
    ids = [f"{incident}-P{k + 1}" for k in range(len(persons))]
    if kind == "captured":
        day.step(
            t + rng.randint(20, 120),
            who,
            "declare_detained",
            incident_id=incident,
            person_ids=ids,
            detaining_party="Fictional irregular militia (LIBERATION FRONT)",
        )
        return
    if kind == "assisted" and _brokered(day, incident, owner, t):
        execution = t + 55
    else:
        day.step(
            t + 8,
            who,
            "declare_organic_recovery",
            incident_id=incident,
            plan="Own forces recover: "
            + ("ship's boat and helicopter" if at_sea else "quick reaction force"),
        )
        execution = t + 8
    recovered = execution + rng.randint(40, 180)
    day.step(recovered, who, "record_recovery", incident_id=incident, remarks="Recovered; see the narrative")
    day.step(
        recovered + 30,
        who,
        "hand_to_reintegration",
        incident_id=incident,
        receiving_team=f"Phase I team of {owner}",
    )
    day.step(
        recovered + 40,
        who,
        "begin_phase",
        incident_id=incident,
        person_id=ids[0],
        phase="I",
        location="Base ALPHA",
        facility="Role 3 hospital",
        component_id=owner,
    )


def _title(kind: str, owner: str) -> str:
    return {
        "maritime": "aircrew in the water",
        "captured": f"{owner} crew seized",
        "assisted": f"{owner} team cut off, asks for help",
        "organic": f"{owner} personnel isolated",
    }[kind]


def _brokered(day: _Day, incident: str, owner: str, t: int) -> bool:
    """The article's flow through the JPRCC, if some recovery asset is free for the window."""
    rng = day.rng
    begin = t + 45
    # another component's asset: a component that can recover with its own does so organically
    free = [(c, a, cap) for c, a, cap in BROKERED if c != owner and day.busy_until.get(a, 0) <= begin]
    if not free:  # every recovery asset is directed elsewhere: the owner makes do with its own
        return False
    who = USERS[owner]
    day.step(
        t + 10,
        who,
        "request_assistance",
        incident_id=incident,
        capabilities_needed=["rotary_wing_recovery"],
        reason="Nothing of ours can reach them in time",
    )
    day.step(
        t + 13,
        "controller",
        "open_capability_poll",
        incident_id=incident,
        component_ids=sorted(USERS),
        capabilities_needed=[],
        respond_by="now+20m",
    )
    chosen = rng.choice(free)
    for k, component in enumerate(sorted(USERS)):
        answer: dict[str, Any] = {"incident_id": incident, "component_id": component}
        if chosen[0] == component:
            answer["offers"] = [{"asset_id": chosen[1], "capability": chosen[2], "available_at": "now+15m"}]
        else:
            answer["cannot_reason"] = "Nothing free for that window"
        day.step(t + 18 + 3 * k, USERS[component], "answer_capability_poll", **answer)
    component, asset, _ = chosen
    day.busy_until[asset] = begin + WINDOW_MIN
    day.step(
        t + 32,
        "controller",
        "nominate_support",
        incident_id=incident,
        supported_component=owner,
        support_kind="direct",
        priority=1,
        window_start="now+13m",
        window_end=f"now+{13 + WINDOW_MIN}m",
        desired_effects=f"{incident} recovered",
        rationale=f"{asset} is the free recovery asset",
        contributions=[{"component_id": component, "asset_ids": [asset], "task": "Recover the isolated"}],
    )
    day.step(
        t + 38,
        "jfc",
        "approve_nomination",
        incident_id=incident,
        nomination_id=f"{incident}/N1",
        remarks="Approved. Support, not TACON.",
    )
    if component != owner:
        day.step(
            t + 42, USERS[component], "accept_support_task", incident_id=incident, component_id=component
        )
    day.step(t + 55, USERS[owner], "begin_recovery", incident_id=incident)
    return True
