"""Recording and importing ISOPREPs: the costly part first, outside the write lock.

A record's answers and authentication number are hashed (argon2id, peppered with the record's data
key) and its document sealed by the bus's preparation (``prepare_isoprep``, ``prepare_import``:
``CommandSpec.prepare``), once the actor is authorized and before the unit of work opens. The
handlers then only check that the record's data key is still the one the preparation used and
store what was prepared: no argon2 runs while the write lock is held, so other users' writes go on
while a roster is being hashed. The hashing is bounded: at most ``RECORD_HASHERS`` at once for all
records and imports together (half the comparisons' bound, ``service.HASHING``, which they share).

An import is recorded in batches (``jprcc.records.importing.import_in_batches``), one
``ImportRecords`` per batch, each prepared and committed on its own; ``first`` numbers a batch's
rows within the whole import.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from jprcc.core.errors import ConcurrencyConflict, DomainError, Locked, RuleViolation, VaultUnavailable
from jprcc.core.model import Context
from jprcc.core.ports import UnitOfWork
from jprcc.records import commands as cmd
from jprcc.records import model as isoprep
from jprcc.records.events import IsoprepRecorded
from jprcc.records.service import (
    CURRENT,
    HASHING,
    HASHING_LIMIT,
    RecordsKeeper,
    _unwrap,
    _vault,
    check_record,
)
from jprcc.records.vault import Vault, pepper

#: hashes of records being recorded or imported at once (all imports together): half the
#: comparisons' bound, so that a recovery force's verification always finds room beside an import
RECORD_HASHERS = max(1, HASHING_LIMIT // 2)
RECORD_HASHING = threading.BoundedSemaphore(RECORD_HASHERS)


def _other_key(current: str, vault: Vault) -> VaultUnavailable:
    return VaultUnavailable(
        f"the store's records are under vault key {current}, not this node's ({vault.master.key_id}): "
        "run with the current key",
        field="person_ref",
    )


# --- preparation: hashing and sealing, after authorization, outside the write transaction -------


def _hash_all(keeper: RecordsKeeper, values: Sequence[str]) -> list[str]:
    """argon2id of each value, at most ``RECORD_HASHERS`` at once (all imports together)."""

    def one(value: str) -> str:
        with RECORD_HASHING, HASHING:
            return keeper.passwords.hash(value)

    if RECORD_HASHERS == 1 or len(values) < 2:
        return [one(v) for v in values]
    with ThreadPoolExecutor(RECORD_HASHERS, thread_name_prefix="jprcc-record-hash") as pool:
        return list(pool.map(one, values))


def _secrets(c: cmd.RecordIsoprep, key: bytes) -> list[str]:
    """The record's answers and number, keyed by its data key (``pepper``), in order."""
    values = [pepper(key, str(i + 1), isoprep.normalise_answer(s.answer)) for i, s in enumerate(c.statements)]
    if c.authentication_number:
        values.append(pepper(key, "number", c.authentication_number))
    return values


Naming = Callable[[int, DomainError], DomainError]


def _prepare(
    records: Sequence[cmd.RecordIsoprep], keeper: RecordsKeeper, name: Naming
) -> tuple[cmd.RecordIsoprep, ...]:
    """Each record with its ``prepared`` part: a locked record is refused before any hashing; an
    existing record keeps its data key (a re-import is a review: sealed and hashed again under the
    same key), a new one gets a new key, wrapped here and stored by the handler."""
    vault, reader = _vault(keeper), keeper.reader
    if reader is None:
        raise VaultUnavailable("this node's records cannot be prepared: no reader", field="vault")
    refs = [r.person_ref for r in records]
    locked = reader.locked(refs)
    stored = reader.data_keys([CURRENT, *refs])
    keys: dict[str, tuple[bytes, str | None, str | None]] = {}
    values: list[str] = []
    for i, r in enumerate(records):
        try:
            if r.person_ref in locked:
                raise Locked(f"the record of {r.person_ref} is locked: the JPRCC director unlocks it first")
            if r.person_ref not in keys:
                seen = stored.get(r.person_ref)
                if seen is not None:
                    keys[r.person_ref] = (_unwrap(vault, seen, r.person_ref), seen, None)
                else:
                    current = stored.get(CURRENT)
                    if current is not None and current != vault.master.key_id:
                        raise _other_key(current, vault)
                    key = vault.new_data_key()
                    keys[r.person_ref] = (key, None, vault.wrap(key, r.person_ref))
        except DomainError as refused:
            raise name(i, refused) from refused
        values += _secrets(r, keys[r.person_ref][0])
    hashes = iter(_hash_all(keeper, values))
    prepared = []
    for r in records:
        key, seen, new = keys[r.person_ref]
        document = {
            "details": dict(r.details),
            "photos": {"front": r.photo_front, "side": r.photo_side},
            "prompts": [s.prompt for s in r.statements],
        }
        answers = tuple(next(hashes) for _ in r.statements)
        number = next(hashes) if r.authentication_number else None
        sealed = vault.seal(key, r.person_ref, document)
        made = cmd.PreparedRecord(sealed, answers, number, vault.master.key_id, seen, new)
        prepared.append(replace(r, prepared=made))
    return tuple(prepared)


def prepare_isoprep(c: cmd.RecordIsoprep, ctx: Context, keeper: RecordsKeeper) -> cmd.RecordIsoprep:
    """The bus's preparation of one record (``CommandSpec.prepare``)."""
    check_record(c, ctx.now.date())
    return _prepare((c,), keeper, lambda i, refused: refused)[0]


def named(refused: DomainError, n: int, person_ref: str, done: int) -> DomainError:
    """A refusal of record ``n`` (counted from 1 over the whole import), naming its row and field,
    and saying what stayed imported: the ``done`` records of the batches before it."""
    where = f"rows[{n - 1}]" + (f".{refused.field}" if refused.field else "")
    message = f"record {n} ({person_ref}): {refused.message}; {kept(done)}"
    return type(refused)(message, field=where, code=refused.code, retry_after_s=refused.retry_after_s)


def kept(done: int) -> str:
    if not done:
        return "nothing imported"
    return f"the first {done} record(s) stayed imported (earlier batches); none from record {done + 1} on"


def prepare_import(c: cmd.ImportRecords, ctx: Context, keeper: RecordsKeeper) -> cmd.ImportRecords:
    """The bus's preparation of one batch of an import: every record checked first (cheap), then
    the batch's answers hashed (bounded) and its documents sealed."""
    today = ctx.now.date()
    for i, record in enumerate(c.records):
        try:
            check_record(record, today)
        except DomainError as refused:
            raise named(refused, c.first + i + 1, record.person_ref, c.first) from refused

    def name(i: int, refused: DomainError) -> DomainError:
        return named(refused, c.first + i + 1, c.records[i].person_ref, c.first)

    return replace(c, records=_prepare(c.records, keeper, name))


# --- handlers: store what was prepared -----------------------------------------------------------


def _keep_data_key(uow: UnitOfWork, person_ref: str, p: cmd.PreparedRecord) -> None:
    """Store the new data key the preparation made, or check that the store still holds the one it
    used (a rotation, or the same person recorded at once, changes it: sent again, it is prepared
    again)."""
    stored = uow.record_keys(person_ref).get(person_ref)
    if stored is not None and stored in (p.seen, p.new_wrapped):
        return
    if stored is None and p.seen is None and p.new_wrapped is not None:
        current = uow.record_keys(CURRENT).get(CURRENT)
        if current is not None and current != p.key_id:
            raise VaultUnavailable(
                f"the store's records are under vault key {current}, not {p.key_id}: "
                "run with the current key",
                field="person_ref",
            )
        if current is None:
            uow.store_record_key(CURRENT, p.key_id)
        uow.store_record_key(person_ref, p.new_wrapped)
        return
    raise ConcurrencyConflict(
        f"the data key of record {person_ref} changed while the record was prepared (a key rotation, or "
        "the same person recorded at once): send it again",
        field="person_ref",
    )


def record_isoprep(c: cmd.RecordIsoprep, uow: UnitOfWork, ctx: Context, keeper: RecordsKeeper) -> None:
    """Store a record the bus prepared (``prepare_isoprep``): no hashing here, in the write lock."""
    existing = uow.isoprep(c.person_ref)
    if existing is not None and existing.locked:
        raise Locked(f"the record of {existing.name} is locked: the JPRCC director unlocks it first")
    if c.component_id not in uow.components():
        raise RuleViolation(f"unknown component {c.component_id}", field="component_id")
    p = c.prepared
    if p is None:  # the bus always prepares this command: a caller cannot skip it
        raise RuleViolation("the record was not prepared", field="person_ref")
    _keep_data_key(uow, c.person_ref, p)
    complete = bool(
        c.photo_front and c.photo_side and len(c.statements) == isoprep.STATEMENTS and c.authentication_number
    )
    event = IsoprepRecorded(
        at=ctx.now,
        person_ref=c.person_ref,
        name=c.name.strip(),
        service=c.service.strip(),
        unit=c.unit.strip(),
        component_id=c.component_id,
        review_date=c.review_date,
        complete=complete,
        sealed=p.sealed,
        answer_hashes=p.answer_hashes,
        number_hash=p.number_hash,
        recorded_by=ctx.actor.username,
    )
    uow.record([event], ctx.actor.username, ctx.now)


def import_records(c: cmd.ImportRecords, uow: UnitOfWork, ctx: Context, keeper: RecordsKeeper) -> int:
    """One batch in one transaction, prepared by ``prepare_import``; the first refusal names its
    record and undoes the batch. Only the JPRCC imports in bulk (its rule), and the JPRCC may record
    any component's person."""
    for i, record in enumerate(c.records):
        try:
            record_isoprep(record, uow, ctx, keeper)
        except DomainError as refused:
            raise named(refused, c.first + i + 1, record.person_ref, c.first) from refused
    return len(c.records)
