"""The unit of work on SQLAlchemy: one serialized write transaction per command."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, Self

from sqlalchemy import Connection, Row, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from jprcc.brokering.incident import Incident
from jprcc.core import events as ev
from jprcc.core import idempotency
from jprcc.core.accounts.model import User
from jprcc.core.contract import Registry
from jprcc.core.errors import ConcurrencyConflict
from jprcc.core.model import (
    Capability,
    ComponentKind,
    Platform,
    Position,
    Readiness,
    RecoveryPointKind,
    RelationshipKind,
    Role,
)
from jprcc.core.ports import IsoprepRow, RecordedEvent, Token, UnitOfWork
from jprcc.core.store.codec import decode_layer, utc
from jprcc.core.store.database import Database, locked_head
from jprcc.core.store.direct import commit, hold_writes, rollback
from jprcc.core.store.event_log import EventLog
from jprcc.core.store.tables import (
    assets,
    auth_attempts,
    components,
    credentials,
    decision_matrix,
    epa_plans,
    intel_layers,
    isoprep_records,
    operations,
    recovery_points,
    relationships,
    tokens,
    users,
    vault_keys,
)
from jprcc.core.theater.model import Asset, Commitment, Component, Operation, RecoveryPoint
from jprcc.core.values import CommandRelationship
from jprcc.intel.layers import IntelLayer

_ASSETS = select(assets).where(assets.c.asset_id.in_(bindparam("ids", expanding=True)))
_CONTROL = select(relationships).where(
    relationships.c.kind.in_([RelationshipKind.TACON.value, RelationshipKind.OPCON.value])
)


def asset_from_row(row: Row[Any]) -> Asset:
    commitment = None
    if row.commitment_operation_id is not None:
        commitment = Commitment(row.commitment_operation_id, row.commitment_priority)
    return Asset(
        asset_id=row.asset_id,
        callsign=row.callsign,
        asset_type=row.asset_type,
        component_id=row.component_id,
        capabilities=tuple(Capability(c) for c in json.loads(row.capabilities)),
        base=Position(row.base_lat, row.base_lon),
        base_name=row.base_name,
        speed_kmh=row.speed_kmh,
        range_km=row.range_km,
        endurance_h=row.endurance_h,
        readiness=Readiness(row.readiness),
        commitment=commitment,
        platform=None if row.platform is None else Platform(row.platform),
        carried_by=row.carried_by,
    )


def recovery_point_from_row(r: Row[Any]) -> RecoveryPoint:
    return RecoveryPoint(
        r.point_id, r.name, RecoveryPointKind(r.kind), Position(r.lat, r.lon), r.component_id, r.remarks
    )


def relationship_from_row(row: Row[Any]) -> CommandRelationship:
    return CommandRelationship(
        relationship_id=row.relationship_id,
        kind=RelationshipKind(row.kind),
        from_component=row.from_component,
        to_component=row.to_component,
        incident_id=row.incident_id,
        asset_ids=tuple(json.loads(row.asset_ids)),
        begin=utc(row.begin),
        end=utc(row.end) if row.end is not None else None,
        source_id=row.source_id,
        statement=row.statement,
    )


_COMPONENTS = select(components)


class _Components(Mapping[str, Component]):
    """The components by id, read from the store on first use, in the unit of work's transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._found: dict[str, Component] | None = None

    @property
    def _all(self) -> dict[str, Component]:
        if self._found is None:
            self._found = {
                r.component_id: Component(r.component_id, r.name, ComponentKind(r.kind), r.prcc_name)
                for r in self._conn.execute(_COMPONENTS)
            }
        return self._found

    def __getitem__(self, component_id: str) -> Component:
        return self._all[component_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, database: Database, node_id: str, registry: Registry) -> None:
        self._database = database
        self._node_id = node_id
        self._registry = registry

    def __enter__(self) -> Self:
        super().__enter__()
        if not self._database.key_claimed:  # (the store could not be reached when the node started)
            self._database.claim_chain_key()
        self._writing = self._database.write(on_driver=True)
        self.conn: Connection = self._writing.__enter__()
        self._written = self._database.written
        try:
            self._written.attach(self.conn)
            self._log = EventLog(
                self.conn,
                self._node_id,
                self._registry.event_types,
                self._database.chain_key,
                head=partial(locked_head, self.conn),  # (PostgreSQL) as its lock read it
            )
            hold_writes(self.conn)  # (PostgreSQL) the writes after the last read go in one round trip
            self._states: dict[str, Any] = {}
            self._versions: dict[str, int] = {}
            self._assets: dict[str, Row[Any]] = {}
            self._components: _Components | None = None
            # a request sent with an Idempotency-Key claims it first, in this transaction: a retry
            # racing the first waits for the write lock, then finds the key taken and decides nothing
            self._claim = idempotency.claim_in(self.conn, datetime.now(UTC))
        except BaseException:
            self._close()  # __exit__ does not run when __enter__ raises: let the lock go
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self._close()

    def _close(self) -> None:
        """What this unit of work told the memory of written rows is dropped unless it committed
        (``commit`` moved it on), and the write transaction ends (rolled back if it did not
        commit; nothing more is held back)."""
        try:
            self._written.detach(self.conn, committed=False)
        finally:
            self._writing.__exit__(None, None, None)

    def commit(self) -> None:
        # (on PostgreSQL the other server processes hear of it at the commit, and only if it
        # commits: the log's move of the chain head announced it)
        try:
            commit(self.conn)  # (on PostgreSQL with the writes held back, in one round trip)
        except IntegrityError as exc:
            raise _conflict_or(exc) from exc
        self._written.detach(self.conn, committed=True)  # what its projections wrote is known now
        self._written.attach(self.conn)
        registry = self._registry
        for stream_id, state in self._states.items():  # the next unit of work on each may take it
            if state is not None and registry.streams[registry.stream_kind(stream_id)].snapshot is not None:
                self._database.states.keep(stream_id, self._versions[stream_id], state)
        if self._claim is not None:
            self._claim.claimed = True  # the key is taken now (a refused command leaves it free)

    def rollback(self) -> None:
        rollback(self.conn)

    # --- state ---------------------------------------------------------------------------

    def state(self, kind: str, key: str) -> Any:
        stream_id = f"{kind}:{key}"
        if stream_id not in self._states:
            self._states[stream_id], self._versions[stream_id] = self._load(kind, key, stream_id)
        return self._states[stream_id]

    def _load(self, kind: str, key: str, stream_id: str) -> tuple[Any, int]:
        """The stream's state: from its snapshot (the read model, stored in the transaction of
        its last event) and the events after it, or folded from the whole stream."""
        spec = self._registry.streams[kind]
        held = partial(self._database.states.take, stream_id)
        snapshot = spec.snapshot(self.conn, key, held) if spec.snapshot is not None else None
        if snapshot is not None:
            state, version = snapshot[0], snapshot[1]
            if len(snapshot) > 2 and snapshot[2]:  # read beside the stream's head: nothing after it
                return state, version
            for r in self._log.read(stream_id=stream_id, after_version=version):
                self._registry.apply(kind, state, r.event)
                version = r.stream_version
            return state, version
        stream = list(self._log.read(stream_id=stream_id))
        return self._registry.fold(kind, (r.event for r in stream)), stream[
            -1
        ].stream_version if stream else 0

    def states(self, kind: str, keys: Sequence[str]) -> dict[str, Any]:
        """One query finds which of the streams have events; only those are read and folded."""
        wanted = [k for k in keys if f"{kind}:{k}" not in self._states]
        versions = self._log.read_versions([f"{kind}:{k}" for k in wanted])
        for key in wanted:
            stream_id = f"{kind}:{key}"
            if versions.get(stream_id, 0) == 0:
                self._versions[stream_id], self._states[stream_id] = 0, None
        return {key: self.state(kind, key) for key in keys}

    def incident(self, incident_id: str) -> Incident | None:
        found: Incident | None = self.state("incident", incident_id)
        return found

    def components(self) -> Mapping[str, Component]:
        """The theater's components, read when first looked at (most commands never do)."""
        if self._components is None:
            self._components = _Components(self.conn)
        return self._components

    def _asset_rows(self, asset_ids: Iterable[str]) -> dict[str, Row[Any]]:
        """Asset rows by id, read once per unit of work."""
        wanted = set(asset_ids)
        missing = sorted(wanted - self._assets.keys())
        if missing:
            self._assets.update({r.asset_id: r for r in self.conn.execute(_ASSETS, {"ids": missing})})
        return {a: self._assets[a] for a in wanted if a in self._assets}

    def assets(self, asset_ids: Iterable[str]) -> dict[str, Asset]:
        return {a: asset_from_row(r) for a, r in self._asset_rows(asset_ids).items()}

    def operation(self, operation_id: str) -> Operation | None:
        r = self.conn.execute(select(operations).where(operations.c.operation_id == operation_id)).first()
        if r is None:
            return None
        return Operation(r.operation_id, r.name, r.component_id, r.priority, r.description, r.active)

    def recovery_point(self, point_id: str) -> RecoveryPoint | None:
        r = self.conn.execute(select(recovery_points).where(recovery_points.c.point_id == point_id)).first()
        return recovery_point_from_row(r) if r is not None else None

    def layer(self, layer_id: str) -> IntelLayer | None:
        document = self.conn.execute(
            select(intel_layers.c.document).where(intel_layers.c.layer_id == layer_id)
        ).scalar()
        return decode_layer(document) if document is not None else None

    def matrix_version(self) -> int:
        return int(
            self.conn.execute(select(decision_matrix.c.version).where(decision_matrix.c.id == 1)).scalar()
            or 0
        )

    def committed_assets(self, operation_id: str) -> list[Asset]:
        rows = self.conn.execute(select(assets).where(assets.c.commitment_operation_id == operation_id))
        return [asset_from_row(r) for r in rows]

    def taskings(self, asset_ids: Iterable[str]) -> dict[str, str]:
        rows = self._asset_rows(asset_ids).values()
        return {r.asset_id: r.tasked_incident_id for r in rows if r.tasked_incident_id is not None}

    def tasked_until(self, asset_ids: Iterable[str]) -> dict[str, datetime]:
        rows = self._asset_rows(asset_ids).values()
        return {r.asset_id: r.tasked_until for r in rows if r.tasked_until is not None}

    def control_relationships(self, asset_ids: Iterable[str]) -> list[CommandRelationship]:
        wanted = set(asset_ids)
        found = [relationship_from_row(r) for r in self.conn.execute(_CONTROL)]
        return [r for r in found if wanted.intersection(r.asset_ids)]

    def user(self, username: str) -> User | None:
        r = self.conn.execute(select(users).where(users.c.username == username)).first()
        if r is None:
            return None
        return User(
            r.username, Role(r.role), r.component_id, r.full_name, r.active, r.failed_logins, r.locked_at
        )

    def password_hash(self, username: str) -> str | None:
        query = select(credentials.c.password_hash).where(credentials.c.username == username)
        found = self.conn.execute(query).scalar()
        return str(found) if found is not None else None

    def token(self, token_hash: str) -> Token | None:
        r = self.conn.execute(select(tokens).where(tokens.c.token_hash == token_hash)).first()
        if r is None:
            return None
        return Token(r.token_id, r.username, utc(r.issued_at), utc(r.expires_at), r.revoked)

    # --- writes --------------------------------------------------------------------------

    def record(self, new: Sequence[ev.Event], actor: str, recorded_at: datetime) -> list[RecordedEvent]:
        registry = self._registry
        for e in new:  # the state of every stream written to, as it was before these events
            kind = registry.stream_kind(e.stream_id)
            if kind in registry.streams and e.stream_id not in self._states:
                self.state(kind, e.stream_id.split(":", 1)[1])
            if e.stream_id in self._states:  # (it changes now, uncommitted: no one else may take it)
                self._database.states.release(e.stream_id, self._states[e.stream_id])
        try:
            recorded = self._log.append(new, actor, recorded_at, self._versions)
            self._project(recorded)
        except IntegrityError as exc:  # (held back, the log's writes may fail as a projection reads)
            raise _conflict_or(exc) from exc
        self.recorded.extend(recorded)
        return recorded

    def _project(self, recorded: list[RecordedEvent]) -> None:
        registry = self._registry
        touched: dict[str, list[ev.Event]] = {}
        batched: dict[type[ev.Event], list[ev.Event]] = {}
        for r in recorded:
            e, kind = r.event, registry.stream_kind(r.stream_id)
            self._versions[r.stream_id] = r.stream_version
            if kind in registry.streams:
                self._evolve(kind, r.stream_id, e)
                touched.setdefault(r.stream_id, []).append(e)
            for project in registry.on_event.get(type(e), ()):
                project(self.conn, e)
            if type(e) in registry.on_events:
                batched.setdefault(type(e), []).append(e)
        for event_type, found in batched.items():
            for project_all in registry.on_events[event_type]:
                project_all(self.conn, found)
        for stream_id, changes in touched.items():
            kind = registry.stream_kind(stream_id)
            for project_state in registry.on_state.get(kind, ()):
                project_state(self.conn, self._states[stream_id], changes)

    def _evolve(self, kind: str, stream_id: str, e: ev.Event) -> None:
        stream = self._registry.streams[kind]
        if isinstance(e, stream.starts):
            self._states[stream_id] = stream.start(e)
            return
        state = self._states[stream_id]
        assert state is not None, f"event for unknown {stream_id}"
        self._registry.apply(kind, state, e)

    def isoprep(self, person_ref: str) -> IsoprepRow | None:
        return isoprep_row(self.conn, person_ref)

    def record_keys(self, record_id: str | None = None) -> dict[str, str]:
        query = select(vault_keys.c.record_id, vault_keys.c.wrapped)
        if record_id is not None:
            query = query.where(vault_keys.c.record_id == record_id)
        return {r.record_id: r.wrapped for r in self.conn.execute(query)}

    def attempts_since(self, person_ref: str, asked_by: str, since: datetime) -> int:
        c = auth_attempts.c
        query = select(func.count()).where(c.person_ref == person_ref, c.asked_by == asked_by, c.at >= since)
        return int(self.conn.execute(query).scalar() or 0)

    def epas(self, person_ref: str) -> dict[str, str]:
        query = select(epa_plans.c.mission_id, epa_plans.c.sealed).where(epa_plans.c.person_ref == person_ref)
        return {r.mission_id: r.sealed for r in self.conn.execute(query)}

    def store_record_key(self, record_id: str, wrapped: str) -> None:
        done = self.conn.execute(
            update(vault_keys).where(vault_keys.c.record_id == record_id).values(wrapped=wrapped)
        )
        if done.rowcount == 0:
            self.conn.execute(insert(vault_keys).values(record_id=record_id, wrapped=wrapped))

    def set_password_hash(self, username: str, password_hash: str) -> None:
        result = self.conn.execute(
            update(credentials).where(credentials.c.username == username).values(password_hash=password_hash)
        )
        if result.rowcount == 0:
            self.conn.execute(insert(credentials).values(username=username, password_hash=password_hash))

    def store_token(self, token_hash: str, token: Token) -> None:
        self.conn.execute(
            insert(tokens).values(
                token_id=token.token_id,
                token_hash=token_hash,
                username=token.username,
                issued_at=token.issued_at,
                expires_at=token.expires_at,
                revoked=token.revoked,
            )
        )

    def revoke_token(self, token_id: str) -> None:
        self.conn.execute(update(tokens).where(tokens.c.token_id == token_id).values(revoked=True))

    def revoke_tokens_of(self, username: str) -> None:
        self.conn.execute(update(tokens).where(tokens.c.username == username).values(revoked=True))


def _conflict_or(exc: IntegrityError) -> Exception:
    """A record the log already holds (a stream's version or a sequence number taken): another
    writer appended first, and the command may be retried; any other refusal of the store as it is."""
    table = getattr(getattr(exc.orig, "diag", None), "table_name", None)  # (PostgreSQL)
    if table == "events" or (table is None and "events." in str(exc.orig)):
        return ConcurrencyConflict("another writer appended to the same record first; retry")
    return exc


def isoprep_row(conn: Connection, person_ref: str) -> IsoprepRow | None:
    r = conn.execute(select(isoprep_records).where(isoprep_records.c.person_ref == person_ref)).first()
    if r is None:
        return None
    return IsoprepRow(
        r.person_ref,
        r.name,
        r.service,
        r.unit,
        r.component_id,
        r.review_date,
        r.complete,
        r.sealed,
        tuple(json.loads(r.answer_hashes)),
        r.number_hash,
        r.failures,
        r.locked,
        json.loads(r.failures_by_item),
    )
