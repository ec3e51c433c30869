"""What other capabilities keep of a record, sealed under the person's own data key.

A search model that takes an evader's destinations from their evasion plan keeps them (their
names and positions) only sealed: under the person's data key, bound to the person and the
incident, so that the event log and the incident's document hold no position of the plan in
clear. The map opens them when it simulates; a read of the model shows only that they are
sealed. Rotating the master key re-wraps the data key and leaves these as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from jprcc.core.errors import NotFound, VaultUnavailable
from jprcc.core.store.tables import vault_keys
from jprcc.records.vault import Vault, VaultError


def _sealed_id(person_ref: str, incident_id: str) -> str:
    return f"{person_ref}/destinations/{incident_id}"


def _data_key(conn: Connection, vault: Vault, person_ref: str) -> bytes:
    wrapped = conn.execute(select(vault_keys.c.wrapped).where(vault_keys.c.record_id == person_ref)).scalar()
    if wrapped is None:
        raise NotFound(f"no data key for record {person_ref}", field="from_epa")
    try:
        return vault.unwrap(wrapped, person_ref)
    except VaultError as exc:
        raise VaultUnavailable(f"{exc}: check the node's vault key", field="from_epa") from exc


def seal_destinations(
    conn: Connection, vault: Vault, person_ref: str, incident_id: str, destinations: list[dict[str, Any]]
) -> str:
    """``destinations`` (name, lat, lon, weight each) sealed under the person's data key."""
    key = _data_key(conn, vault, person_ref)
    return vault.seal(key, _sealed_id(person_ref, incident_id), {"destinations": destinations})


def open_destinations(
    conn: Connection, vault: Vault, person_ref: str, incident_id: str, sealed: str
) -> list[dict[str, Any]]:
    key = _data_key(conn, vault, person_ref)
    try:
        opened = vault.open(key, _sealed_id(person_ref, incident_id), sealed)
    except VaultError as exc:
        raise VaultUnavailable(str(exc), field="from_epa") from exc
    found: list[dict[str, Any]] = opened["destinations"]
    return found


@dataclass
class RecordSeal:
    """The node's service: seals and opens destinations through a read of the store, with the
    keeper's vault (swapped for the new one when the master key is rotated)."""

    database: Any
    keeper: Any

    def _vault(self) -> Vault:
        vault: Vault | None = self.keeper.vault
        if vault is None:
            raise VaultUnavailable("this node has no records vault key", field="from_epa")
        return vault

    def seal(self, person_ref: str, incident_id: str, destinations: list[dict[str, Any]]) -> str:
        with self.database.read() as conn:
            return seal_destinations(conn, self._vault(), person_ref, incident_id, destinations)

    def open(self, person_ref: str, incident_id: str, sealed: str) -> list[dict[str, Any]]:
        with self.database.read() as conn:
            return open_destinations(conn, self._vault(), person_ref, incident_id, sealed)
