"""What the readiness endpoint and command answer."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from jprcc.records.queries import UnitReadiness


class PersonReadinessOut(BaseModel):
    person_ref: str
    name: str
    isoprep: str
    valid_until: date
    epa_missions: list[str]
    locked: bool


class UnitReadinessOut(BaseModel):
    component_id: str
    unit: str
    persons: int
    lacking: list[PersonReadinessOut]


def readiness_out(units: list[UnitReadiness]) -> list[UnitReadinessOut]:
    return [
        UnitReadinessOut(
            component_id=u.component_id,
            unit=u.unit,
            persons=len(u.persons),
            lacking=[
                PersonReadinessOut(
                    person_ref=p.person_ref,
                    name=p.name,
                    isoprep=p.isoprep.value,
                    valid_until=p.valid_until,
                    epa_missions=list(p.epa_missions),
                    locked=p.locked,
                )
                for p in u.lacking
            ],
        )
        for u in units
    ]
