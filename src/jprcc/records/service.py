"""Isolated-personnel records at work: recording, sealing, verifying, opening, rotating the key.

The records capability declares these handlers; ``Authenticator.verify`` is the one way to ask
"does this answer match?": once the bus has authorized the asker, it compares the answer with the
argon2 hash outside the write transaction (so that fifty recovery forces asking at once do not
queue behind one another's hashing), then records only the outcome through
``RecordAuthentication``, which the domain decides (``jprcc.records.decide``).

Recording works the same way round (``jprcc.records.recording``): a record's answers are hashed
and its document sealed by the bus's preparation, outside the write transaction.

What is sealed, per record (the data key's document)::

    {"details": {field: text}, "photos": {"front": b64, "side": b64}, "prompts": [4 x text]}

and per evasion plan: ``{"route", "hide_sites", "destinations", "signals", "comm_plan"}``.
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from jprcc.brokering.incident import Incident
from jprcc.brokering.rules import require_open
from jprcc.core.accounts.security import Passwords
from jprcc.core.bus import MessageBus
from jprcc.core.contract import Subject
from jprcc.core.errors import (
    Locked,
    NotFound,
    RateLimited,
    RuleViolation,
    VaultUnavailable,
)
from jprcc.core.model import Actor, Context
from jprcc.core.ports import IsoprepRow, UnitOfWork
from jprcc.core.theater.model import IDENTIFIER
from jprcc.records import commands as cmd
from jprcc.records import model as isoprep
from jprcc.records.decide import AuthenticationView, check_attempt, person_ref_of
from jprcc.records.events import EpaFiled, RecordOpened, RecordUnlocked, VaultKeyRotated
from jprcc.records.queries import RecordQueries
from jprcc.records.vault import MasterKey, Vault, VaultError, pepper

#: argon2 comparisons running at once: each takes the hash's memory (64 MiB by default), and more
#: of them than there are cores only queue inside the CPU instead of here
HASHING_LIMIT = max(2, os.cpu_count() or 2)
HASHING = threading.BoundedSemaphore(HASHING_LIMIT)
MAX_PHOTO_BYTES = 350_000  # two photos, base64, fit a request body of 1 MiB
PHOTO_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
RATE_WINDOW = timedelta(minutes=1)
PARTS = {p.value for p in isoprep.RecordPart}


@dataclass
class RecordsKeeper:
    """What the records handlers use: the hasher, the vault (None: this node has no key) and the
    node's limits on verification. The vault may be swapped for a rotated one while running."""

    passwords: Passwords
    vault: Vault | None
    auth_rate_per_minute: int = 6
    auth_max_failures: int = 3
    validity_months: int = 12
    classification: str = "UNCLASSIFIED"
    #: the read side the preparation reads data keys and locks through (no write lock held)
    reader: RecordQueries | None = None


def _vault(keeper: RecordsKeeper) -> Vault:
    if keeper.vault is None:
        raise RuleViolation("this node has no records vault key", field="vault")
    return keeper.vault


def _row(uow: UnitOfWork, person_ref: str) -> IsoprepRow:
    row = uow.isoprep(person_ref)
    if row is None:
        raise NotFound(f"no ISOPREP for person {person_ref}", field="person_ref")
    return row


CURRENT = "*current*"  # the vault_keys row naming the master key the store is wrapped under
#: the vault_keys row a rotation writes in its transaction ("pending <old key id> ...") and a
#: finished clean-up removes (``jprcc.records.residue``): what remains to do outlives a process
#: killed after the rotation's commit
CLEAN_UP = "*clean-up*"


def _unwrap(vault: Vault, wrapped: str | None, person_ref: str) -> bytes:
    if wrapped is None:
        raise NotFound(f"no data key for record {person_ref}", field="person_ref")
    try:
        return vault.unwrap(wrapped, person_ref)
    except VaultError as exc:
        raise VaultUnavailable(f"{exc}: check the node's vault key", field="person_ref") from exc


def _data_key(uow: UnitOfWork, vault: Vault, person_ref: str) -> bytes:
    return _unwrap(vault, uow.record_keys(person_ref).get(person_ref), person_ref)


def _photo(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RuleViolation("a photo is base64 text", field=field)
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RuleViolation("a photo is base64", field=field) from exc
    if len(raw) > MAX_PHOTO_BYTES:
        raise RuleViolation(f"a photo is at most {MAX_PHOTO_BYTES // 1000} kB", field=field)
    if not raw.startswith(PHOTO_MAGIC):
        raise RuleViolation("a photo is a JPEG or PNG image", field=field)
    return value


def check_record(c: cmd.RecordIsoprep, today: date) -> None:
    """Everything about a record that needs no store (its photos too): the import checks every row
    with it first."""
    if not IDENTIFIER.match(c.person_ref):
        raise RuleViolation("person_ref: 1-64 letters, digits, '.', '_', ':' or '-'", field="person_ref")
    for name in ("name", "service", "unit"):
        if not getattr(c, name).strip():
            raise RuleViolation(f"{name} must not be blank", field=name)
    isoprep.check_review_date(c.review_date, today)
    if len(c.statements) > isoprep.STATEMENTS:
        raise RuleViolation(f"at most {isoprep.STATEMENTS} authentication statements", field="statements")
    for i, s in enumerate(c.statements):
        if not s.prompt.strip() or not s.answer.strip():
            raise RuleViolation("each statement has a prompt and an answer", field=f"statements[{i}]")
    if c.authentication_number is not None:
        isoprep.check_authentication_number(c.authentication_number)
    for key, value in c.details:
        if not key.strip() or len(key) > 64 or len(value) > 2000:
            raise RuleViolation("details: names up to 64 characters, values up to 2000", field="details")
    _photo(c.photo_front, "photo_front")
    _photo(c.photo_side, "photo_side")


# --- subjects: the component a record belongs to (and the incident it is asked through) ---------


def record_subject(c: Any, uow: UnitOfWork) -> Subject:
    """A new record belongs to the component the command names; an existing one to its own (a
    review is its component's business, moving it to another component the JPRCC's)."""
    existing = uow.isoprep(c.person_ref)
    if existing is None and isinstance(c, cmd.RecordIsoprep):
        return Subject(component=c.component_id, label=f"record {c.person_ref}")
    return Subject(component=_row(uow, c.person_ref).component_id, label=f"record {c.person_ref}")


def opened_record_subject(c: cmd.OpenRecord, uow: UnitOfWork) -> Subject:
    """The record, and the incident it is opened through (a sealed part needs one: said first,
    since it is the request's shape, not the asker's right)."""
    if c.part not in PARTS:
        raise RuleViolation(f"part is one of {', '.join(sorted(PARTS))}", field="part")
    if c.part not in ("summary", "export") and c.incident_id is None:
        raise RuleViolation(
            f"the {c.part} of a record opens only through an active incident of that person",
            field="incident_id",
        )
    row = _row(uow, c.person_ref)
    incident, involved = None, None
    if c.incident_id is not None:
        incident = uow.incident(c.incident_id)
        if incident is None:
            raise NotFound(f"unknown incident {c.incident_id}", field="incident_id")
        # named only by those who may see it (else: as unknown), and the person's own component
        named = any(p.person_ref == c.person_ref for p in incident.persons.values())
        involved = frozenset(incident.involved_components()) | ({row.component_id} if named else set())
    return Subject(
        component=row.component_id, state=incident, involved=involved, label=f"record {c.person_ref}"
    )


def authentication_subject(c: Any, uow: UnitOfWork) -> Subject:
    """The incident the person is recovered through, and the component the record belongs to."""
    incident = uow.incident(c.incident_id)
    if incident is None:
        raise NotFound(f"unknown incident {c.incident_id}", field="incident_id")
    row = _row(uow, person_ref_of(incident, c.person_id))
    return Subject(
        component=row.component_id,
        state=incident,
        involved=frozenset(incident.involved_components()) | {row.component_id},
        label=f"incident {incident.incident_id}",
    )


def authentication_view(
    c: Any, incident: Incident | None, uow: UnitOfWork, ctx: Context, keeper: RecordsKeeper
) -> AuthenticationView:
    assert incident is not None
    ref = person_ref_of(incident, c.person_id)
    recent = uow.attempts_since(ref, ctx.actor.username, ctx.now - RATE_WINDOW)
    return view_of(_row(uow, ref), c.statement, recent, keeper)


def view_of(row: IsoprepRow, statement: int | None, recent: int, keeper: RecordsKeeper) -> AuthenticationView:
    return AuthenticationView(
        person_ref=row.person_ref,
        name=row.name,
        statements=len(row.answer_hashes),
        has_number=row.number_hash is not None,
        failures=row.failures,
        failures_on_item=row.failures_on(statement),
        locked=row.locked,
        recent=recent,
        rate_per_minute=keeper.auth_rate_per_minute,
        max_failures=keeper.auth_max_failures,
    )


# --- handlers (recording and importing: ``jprcc.records.recording``) ---------------------------


def file_epa(c: cmd.FileEpa, uow: UnitOfWork, ctx: Context, keeper: RecordsKeeper) -> None:
    _row(uow, c.person_ref)  # the record must exist
    if not IDENTIFIER.match(c.mission_id):
        raise RuleViolation("mission_id: 1-64 letters, digits, '.', '_', ':' or '-'", field="mission_id")
    if c.valid_to <= c.valid_from:
        raise RuleViolation("valid_to must come after valid_from", field="valid_to")
    vault = _vault(keeper)
    document = {
        "route": [[p.lat, p.lon] for p in c.route],
        "hide_sites": [[p.lat, p.lon] for p in c.hide_sites],
        "destinations": [
            {"name": d.name, "lat": d.position.lat, "lon": d.position.lon} for d in c.destinations
        ],
        "signals": c.signals,
        "comm_plan": c.comm_plan,
    }
    sealed = vault.seal(_data_key(uow, vault, c.person_ref), f"{c.person_ref}/{c.mission_id}", document)
    event = EpaFiled(
        at=ctx.now,
        person_ref=c.person_ref,
        mission_id=c.mission_id,
        valid_from=c.valid_from,
        valid_to=c.valid_to,
        sealed=sealed,
        filed_by=ctx.actor.username,
    )
    uow.record([event], ctx.actor.username, ctx.now)


def unlock_record(c: cmd.UnlockRecord, uow: UnitOfWork, ctx: Context, keeper: RecordsKeeper) -> None:
    row = _row(uow, c.person_ref)
    if not row.locked:
        raise RuleViolation(f"the record of {row.name} is not locked", field="person_ref")
    if not c.reason.strip():
        raise RuleViolation("say why the record is unlocked", field="reason")
    event = RecordUnlocked(
        at=ctx.now, person_ref=c.person_ref, reason=c.reason, unlocked_by=ctx.actor.username
    )
    uow.record([event], ctx.actor.username, ctx.now)


def open_record(c: cmd.OpenRecord, uow: UnitOfWork, ctx: Context, keeper: RecordsKeeper) -> dict[str, Any]:
    """The part asked for, after recording who opened it; refused unless they need it now."""
    if c.part not in PARTS:
        raise RuleViolation(f"part is one of {', '.join(sorted(PARTS))}", field="part")
    row = _row(uow, c.person_ref)
    incident = uow.incident(c.incident_id) if c.incident_id is not None else None
    if c.part not in ("summary", "export"):
        active = (
            incident is not None
            and incident.is_open
            and any(p.person_ref == c.person_ref for p in incident.persons.values())
        )
        if not active:
            raise RuleViolation(
                f"the {c.part} of a record opens only through an active incident of that person",
                field="incident_id",
            )
    opened = RecordOpened(
        at=ctx.now,
        person_ref=c.person_ref,
        part=c.part,
        incident_id=c.incident_id,
        opened_by=ctx.actor.username,
    )
    uow.record([opened], ctx.actor.username, ctx.now)
    return _content(c.part, row, uow, keeper, ctx)


def _content(
    part: str, row: IsoprepRow, uow: UnitOfWork, keeper: RecordsKeeper, ctx: Context
) -> dict[str, Any]:
    index = isoprep.RecordIndex(
        row.person_ref,
        row.name,
        row.service,
        row.unit,
        row.component_id,
        row.review_date,
        row.complete,
        row.failures,
        row.locked,
        keeper.validity_months,
    )
    summary = {
        "person_ref": row.person_ref,
        "name": row.name,
        "service": row.service,
        "unit": row.unit,
        "component_id": row.component_id,
        "review_date": row.review_date.isoformat(),
        "valid_until": isoprep.valid_until(row.review_date, index.validity_months).isoformat(),
        "readiness": index.readiness(ctx.now.date()).value,
        "statements": len(row.answer_hashes),
        "has_number": row.number_hash is not None,
        "locked": row.locked,
    }
    if part == "summary":
        return summary
    vault = _vault(keeper)
    key = _data_key(uow, vault, row.person_ref)
    sealed = vault.open(key, row.person_ref, row.sealed)
    if part == "description":
        return {"person_ref": row.person_ref, "name": row.name, "details": sealed["details"]}
    if part == "photos":
        return {"person_ref": row.person_ref, "photos": sealed["photos"]}
    if part == "statements":
        prompts = sealed["prompts"]
        return {"person_ref": row.person_ref, "prompts": {str(i + 1): p for i, p in enumerate(prompts)}}
    epas = {m: vault.open(key, f"{row.person_ref}/{m}", s) for m, s in uow.epas(row.person_ref).items()}
    if part == "epa":
        return {"person_ref": row.person_ref, "plans": epas}
    marking = keeper.classification
    return {
        "classification": marking,
        **summary,
        "details": sealed["details"],
        "photos": sealed["photos"],
        "prompts": sealed["prompts"],
        "plans": epas,
        "marking": f"{marking} — isolated personnel report; handle as {marking}",
    }


@dataclass(frozen=True)
class Rotation:
    """A rotation's answer: the new key, and what remains to do once it has committed."""

    key_id: str
    old_key_id: str
    records: int
    #: the copies wrapped under the old key are gone from the rows, not yet from the store's files
    to_do: str = (
        "the old wrapped copies remain in the store's files until `jprcc records clean-up` has run "
        "(`jprcc records residue` counts them)"
    )


def rotate_vault_key(c: cmd.RotateVaultKey, uow: UnitOfWork, ctx: Context, keeper: RecordsKeeper) -> Rotation:
    """Re-wrap every data key under the new master key; the node must then run with it, and the
    store's files be cleaned of the old copies (``jprcc.records.residue``)."""
    old = _vault(keeper)
    new = Vault(MasterKey.from_text(base64.urlsafe_b64encode(c.new_key).decode(), "new key"))
    if new.master.key_id == old.master.key_id:
        raise RuleViolation("the new key is the key in use", field="new_key")
    stored = uow.record_keys()
    keys = {k: v for k, v in stored.items() if k not in (CURRENT, CLEAN_UP)}
    for record_id, wrapped in keys.items():
        uow.store_record_key(record_id, new.wrap(_unwrap(old, wrapped, record_id), record_id))
    uow.store_record_key(CURRENT, new.master.key_id)
    pending = stored.get(CLEAN_UP, "").split()[1:]
    uow.store_record_key(CLEAN_UP, " ".join(["pending", *pending, old.master.key_id]))
    event = VaultKeyRotated(
        at=ctx.now, old_key_id=old.master.key_id, new_key_id=new.master.key_id, records=len(keys)
    )
    uow.record([event], ctx.actor.username, ctx.now)
    return Rotation(new.master.key_id, old.master.key_id, len(keys))


class Authenticator:
    """ "Does this answer match statement N of the person?" — compared, never kept."""

    def __init__(self, bus: MessageBus, queries: RecordQueries, keeper: RecordsKeeper) -> None:
        self.bus = bus
        self.queries = queries
        self.keeper = keeper

    def verify(
        self, actor: Actor, incident: Incident, person_id: str, statement: int | None, answer: str
    ) -> bool:
        """Authorize the asker, check the record may be asked now, compare, record the outcome."""
        probe = cmd.RecordAuthentication(
            incident_id=incident.incident_id, person_id=person_id, statement=statement, matched=False
        )
        self.bus.check(probe, actor)  # no hashing for someone who may not ask
        require_open(incident)
        ref = person_ref_of(incident, person_id)
        row = self.queries.row(ref)
        if row is None:
            raise NotFound(f"no ISOPREP for person {ref}", field="person_id")
        recent = self.queries.attempts_since(ref, actor.username, self.bus.clock() - RATE_WINDOW)
        try:
            check_attempt(statement, view_of(row, statement, recent, self.keeper))
        except (Locked, RateLimited) as refused:
            # not compared, but asked: the try goes into the audit chain before the refusal
            refusal = cmd.RecordRefusedAuthentication(
                incident_id=incident.incident_id,
                person_id=person_id,
                statement=statement,
                reason=refused.code,
            )
            self.bus.handle(refusal, actor)
            raise
        stored = row.number_hash if statement is None else row.answer_hashes[statement - 1]
        item = "number" if statement is None else str(statement)
        given = answer.strip() if statement is None else isoprep.normalise_answer(answer)
        key = _unwrap(_vault(self.keeper), self.queries.record_keys(ref).get(ref), ref)
        with HASHING:
            matched = self.keeper.passwords.verify(stored, pepper(key, item, given))
        recorded = cmd.RecordAuthentication(
            incident_id=incident.incident_id, person_id=person_id, statement=statement, matched=matched
        )
        self.bus.handle(recorded, actor)
        return matched
