"""Random theaters for the coordination simulation, from the product's own asset and threat models.

A theater is drawn from a seed, so the same seed gives the same theater under both arrangements and
every sensitivity setting. Its geography is a disc of ``radius_km`` around a centre at a random
latitude and longitude, on a random day of the year (so the light at every pickup is a real
place's light on a real date). In local kilometres east (x) and north (y) of the centre:

- the coast runs north-south at ``x = coast · R``: land to the west, sea to the east;
- the enemy holds the land north of ``y = front · R``: the air defences and the areas of enemy
  forces, hostile populace and mines are drawn there;
- each component has one base: the air base and its Role 3 hospital in the south-west, the land
  component's forward base and its Role 2 in the south, the special-operations base in the west,
  the maritime group and its casualty-receiving ship at sea in the south-east; dismounted teams are
  forward, at random points on friendly land;
- isolating events fall in their environment's strip (land west of the coast, littoral within
  15 km of it, maritime beyond), ashore on the enemy's side with probability ``enemy_side``.

The order of battle is the catalogue's (the demo theater's assets, each with its platform, speed,
range and capabilities), each entry copied ``force_scale`` times (a fraction: one more copy with that
chance), with a readiness and a commitment to another operation drawn per copy. The air defences are the
catalogue's systems with their published envelopes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np

from jprcc.core.model import Condition, Platform, Position, Readiness
from jprcc.core.theater.model import Asset, Commitment
from jprcc.exercise.planning.assumptions import ENVIRONMENTS, OWNERS, READINESS, Assumptions
from jprcc.intel.planning.threat import M_PER_DEG, Envelope, Zone
from jprcc.options.planning.fields import Site

COAST = 0.4  # the coast, as a fraction of the radius east of the centre
FRONT = 0.0  # the enemy holds the land north of this fraction of the radius
LITTORAL_KM = 15.0
AREA_CATEGORIES = ("enemy_ground_forces", "hostile_populace", "mined_area")
#: (x, y) of each component's base as fractions of the radius
BASES = {
    "air": (-0.5, -0.7),
    "land": (0.0, -0.5),
    "special_operations": (-0.6, -0.2),
    "maritime": (0.7, -0.6),
}


@dataclass(frozen=True)
class Catalog:
    """What theaters are drawn from: the component ids by kind, the assets, the air defences."""

    components: dict[str, str]  # kind (air, land, ...) -> component id
    assets: tuple[Asset, ...]
    threats: tuple[Envelope, ...]


@dataclass(frozen=True)
class Isolation:
    """One isolating event: when (seconds after the theater's start), where, whose, who."""

    index: int
    at_s: float
    lat: float
    lon: float
    environment: str
    owner: str  # the component id of the isolated persons
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Theater:
    seed: int
    start: datetime
    lat: float
    lon: float
    components: dict[str, str]
    assets: tuple[Asset, ...]
    envelopes: tuple[Envelope, ...]
    zones: tuple[Zone, ...]
    sites: tuple[Site, ...]
    medical: tuple[Site, ...]
    incidents: tuple[Isolation, ...]


def _at(lat0: float, lon0: float, x_km: float, y_km: float) -> tuple[float, float]:
    lat = lat0 + y_km * 1000 / M_PER_DEG
    return lat, lon0 + x_km * 1000 / (M_PER_DEG * math.cos(math.radians(lat0)))


def _in_disc(
    rng: np.random.Generator, r: float, accept: Callable[[float, float], bool]
) -> tuple[float, float]:
    for _ in range(10_000):
        x, y = rng.uniform(-r, r, 2)
        if x * x + y * y <= r * r and accept(x, y):
            return float(x), float(y)
    raise ValueError("no point of the theater satisfies the placement")


def generate(seed: int, catalog: Catalog, a: Assumptions) -> Theater:
    """The theater of ``seed``: the same seed, the same theater."""
    rng = np.random.default_rng([seed, 0])
    r = a.radius_km
    lat0 = float(rng.uniform(*a.latitude_deg))
    lon0 = float(rng.uniform(-150, 150))
    day = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=int(rng.integers(0, 365)))
    start = day + timedelta(minutes=int(rng.integers(0, 24 * 60)))
    coast = COAST * r

    def land(x: float, y: float) -> bool:
        return x < coast - LITTORAL_KM

    def friendly_land(x: float, y: float) -> bool:
        return land(x, y) and y < FRONT * r

    def enemy_land(x: float, y: float) -> bool:
        return land(x, y) and y >= FRONT * r

    bases = {kind: _at(lat0, lon0, fx * r, fy * r) for kind, (fx, fy) in BASES.items()}
    kind_of = {cid: kind for kind, cid in catalog.components.items()}
    assets = []
    readiness = [Readiness(k) for k in READINESS]
    weights = [a.readiness[k] for k in READINESS] if a.readiness else None
    for template in catalog.assets:
        copies = int(a.force_scale) + int(rng.random() < a.force_scale % 1)
        for copy in range(copies):
            kind = kind_of.get(template.component_id, "air")
            lat, lon = bases[kind]
            name = template.base_name
            if template.platform is Platform.DISMOUNTED_TEAM:
                lat, lon = _at(lat0, lon0, *_in_disc(rng, r, friendly_land))
                name = "forward"
            commitment = None
            if rng.random() < a.committed_fraction:
                commitment = Commitment(f"OP-{template.component_id}", int(rng.integers(1, 6)))
            assets.append(
                replace(
                    template,
                    asset_id=f"{template.asset_id}-{copy + 1}",
                    callsign=f"{template.callsign} {copy + 1}",
                    base=Position(lat, lon),
                    base_name=name,
                    readiness=readiness[int(rng.choice(len(readiness), p=weights))],
                    commitment=commitment,
                    carried_by=None,
                )
            )
    envelopes = []
    for _ in range(int(rng.poisson(a.point_threats))) if catalog.threats else ():
        system = catalog.threats[int(rng.integers(0, len(catalog.threats)))]
        lat, lon = _at(lat0, lon0, *_in_disc(rng, r, enemy_land))
        envelopes.append(replace(system, lat=lat, lon=lon))
    zones = []
    for _ in range(int(rng.poisson(a.area_threats))):
        x, y = _in_disc(rng, r, enemy_land)
        w, h = rng.uniform(10, 30, 2)
        corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
        category = AREA_CATEGORIES[int(rng.integers(0, len(AREA_CATEGORIES)))]
        zones.append(
            Zone([_at(lat0, lon0, cx, cy) for cx, cy in corners], category, float(rng.uniform(0.3, 0.9)))
        )
    sites = tuple(
        Site(
            f"DAPP {i + 1}",
            "pickup_point",
            *_at(lat0, lon0, *_in_disc(rng, r, land)),
            site_id=f"DAPP-{i + 1}",
        )
        for i in range(4)
    )
    medical = tuple(
        Site(name, "medical_facility", *bases[kind], site_id=f"MED-{kind}")
        for kind, name in (
            ("air", "Role 3 air base"),
            ("land", "Role 2 forward base"),
            ("maritime", "Role 2 afloat"),
        )
    )
    incidents = _isolations(rng, a, catalog, lat0, lon0, coast)
    return Theater(
        seed, start, lat0, lon0, dict(catalog.components), tuple(assets), tuple(envelopes), tuple(zones),
        sites, medical, incidents,
    )  # fmt: skip


def _side(strip: Callable[[float, float], bool], enemy: bool, front: float) -> Callable[[float, float], bool]:
    return lambda x, y: strip(x, y) and (y >= front) == enemy


def _isolations(
    rng: np.random.Generator, a: Assumptions, catalog: Catalog, lat0: float, lon0: float, coast: float
) -> tuple[Isolation, ...]:
    r = a.radius_km
    strips: dict[str, Callable[[float, float], bool]] = {
        "land": lambda x, y: x < coast - LITTORAL_KM,
        "littoral": lambda x, y: abs(x - coast) <= LITTORAL_KM,
        "maritime": lambda x, y: x > coast + LITTORAL_KM,
    }
    owners = [o for o in OWNERS if o in catalog.components]
    owner_p = np.array([a.owner_mix[o] if a.owner_mix else 1.0 for o in owners])
    env_p = np.array([a.environment_mix[e] if a.environment_mix else 1.0 for e in ENVIRONMENTS])
    out: list[Isolation] = []
    t = 0.0
    rate = a.incidents_per_day / 86_400.0
    while True:
        t += float(rng.exponential(1 / rate))
        if t >= 86_400.0:
            break
        owner = owners[int(rng.choice(len(owners), p=owner_p / owner_p.sum()))]
        environment = ENVIRONMENTS[int(rng.choice(len(ENVIRONMENTS), p=env_p / env_p.sum()))]
        strip = strips[environment]
        if environment != "maritime":
            enemy = rng.random() < a.enemy_side
            strip = _side(strip, enemy, FRONT * r)
        x, y = _in_disc(rng, r, strip)
        low, high = a.persons[owner] if a.persons else (1, 1)
        conditions = []
        for _ in range(int(rng.integers(low, high + 1))):
            hurt = rng.random() < a.injured_fraction
            serious = hurt and rng.random() < 0.2
            conditions.append(
                Condition.SERIOUSLY_INJURED if serious else Condition.INJURED if hurt else Condition.UNINJURED
            )
        lat, lon = _at(lat0, lon0, x, y)
        out.append(
            Isolation(len(out), t, lat, lon, environment, catalog.components[owner], tuple(conditions))
        )
    return tuple(out)
