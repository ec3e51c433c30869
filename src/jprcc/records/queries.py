"""Reads of the isolated-personnel records that open nothing sealed: the index, the attempts, and
readiness — per unit and component, who lacks a valid ISOPREP or a current evasion plan."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from jprcc.core.ports import IsoprepRow
from jprcc.core.store.database import Database
from jprcc.core.store.tables import auth_attempts, epa_plans, isoprep_records, vault_keys
from jprcc.core.store.uow import isoprep_row
from jprcc.records.model import Readiness, RecordIndex, valid_until


@dataclass(frozen=True)
class PersonReadiness:
    person_ref: str
    name: str
    unit: str
    component_id: str
    isoprep: Readiness
    valid_until: date
    epa_missions: tuple[str, ...]  # missions with an evasion plan in force
    locked: bool


@dataclass
class UnitReadiness:
    component_id: str
    unit: str
    persons: list[PersonReadiness] = field(default_factory=list)

    @property
    def lacking(self) -> list[PersonReadiness]:
        """Persons without a valid ISOPREP (expired, incomplete, or expiring within 30 days: the
        warning) or without an EPA in force."""
        return [p for p in self.persons if p.isoprep is not Readiness.VALID or not p.epa_missions]


@dataclass
class RecordQueries:
    database: Database
    validity_months: int = 12

    def row(self, person_ref: str) -> IsoprepRow | None:
        with self.database.read() as conn:
            return isoprep_row(conn, person_ref)

    def record_keys(self, record_id: str) -> dict[str, str]:
        with self.database.read() as conn:
            query = select(vault_keys.c.record_id, vault_keys.c.wrapped).where(
                vault_keys.c.record_id == record_id
            )
            return {r.record_id: r.wrapped for r in conn.execute(query)}

    def data_keys(self, record_ids: Iterable[str]) -> dict[str, str]:
        """The wrapped data keys of these records (those that have one), 500 to a query."""
        ids, found = list(dict.fromkeys(record_ids)), dict[str, str]()
        with self.database.read() as conn:
            for i in range(0, len(ids), 500):
                query = select(vault_keys.c.record_id, vault_keys.c.wrapped).where(
                    vault_keys.c.record_id.in_(ids[i : i + 500])
                )
                found.update({r.record_id: r.wrapped for r in conn.execute(query)})
        return found

    def locked(self, person_refs: Iterable[str]) -> set[str]:
        """Which of these persons' records are locked after failed answers."""
        refs, found = list(dict.fromkeys(person_refs)), set[str]()
        r = isoprep_records.c
        with self.database.read() as conn:
            for i in range(0, len(refs), 500):
                query = select(r.person_ref).where(r.person_ref.in_(refs[i : i + 500]), r.locked)
                found.update(conn.execute(query).scalars())
        return found

    def attempts_since(self, person_ref: str, asked_by: str, since: datetime) -> int:
        c = auth_attempts.c
        with self.database.read() as conn:
            query = select(func.count()).where(
                c.person_ref == person_ref, c.asked_by == asked_by, c.at >= since
            )
            return int(conn.execute(query).scalar() or 0)

    def readiness(
        self, today: date, now: datetime, component_id: str | None = None, mission_id: str | None = None
    ) -> list[UnitReadiness]:
        """Readiness by component and unit; ``mission_id`` counts only that mission's plans."""
        r = isoprep_records.c
        query = select(r.person_ref, r.name, r.unit, r.component_id, r.review_date, r.complete, r.locked)
        if component_id is not None:
            query = query.where(r.component_id == component_id)
        plans = select(epa_plans.c.person_ref, epa_plans.c.mission_id).where(
            epa_plans.c.valid_from <= now, epa_plans.c.valid_to > now
        )
        if mission_id is not None:
            plans = plans.where(epa_plans.c.mission_id == mission_id)
        with self.database.read() as conn:
            rows = list(conn.execute(query.order_by(r.component_id, r.unit, r.name)))
            in_force: dict[str, list[str]] = {}
            for p in conn.execute(plans):
                in_force.setdefault(p.person_ref, []).append(p.mission_id)
        units: dict[tuple[str, str], UnitReadiness] = {}
        for x in rows:
            index = RecordIndex(
                x.person_ref,
                x.name,
                "",
                x.unit,
                x.component_id,
                x.review_date,
                x.complete,
                validity_months=self.validity_months,
            )
            unit = units.setdefault((x.component_id, x.unit), UnitReadiness(x.component_id, x.unit))
            unit.persons.append(
                PersonReadiness(
                    x.person_ref,
                    x.name,
                    x.unit,
                    x.component_id,
                    index.readiness(today),
                    valid_until(x.review_date, self.validity_months),
                    tuple(sorted(in_force.get(x.person_ref, []))),
                    x.locked,
                )
            )
        return list(units.values())
