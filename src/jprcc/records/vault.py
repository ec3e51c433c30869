"""The records vault: envelope encryption of isolated-personnel records.

Each person's record has its own data key (256-bit, random). What is sealed (identity details,
description, photos, statement prompts, evasion plans) is encrypted with AES-256-GCM under that
data key, the record's id bound in as associated data, and stored as ciphertext in the event log
and the read models. The data key itself is stored only *wrapped* — encrypted under the master
key — in the ``vault_keys`` table, never in the log. The master key never touches the database:
it comes from ``JPRCC_VAULT_KEY`` (base64) or the file named by ``JPRCC_VAULT_KEY_FILE``; a node
with neither keeps one in ``vault.key`` in its data folder, readable by its owner only.

Rotating the master key unwraps every data key with the old master key and wraps it with the new
one, in one transaction; afterwards the old key opens nothing (the wrapped copies it could open
are gone from the rows, and from the store's files once ``jprcc.records.residue.clean_up`` has
run: the rotation notes that it is pending). The sealed records themselves do not change.

Answers and the authentication number are hashed (argon2id) after being keyed with the record's
data key (``pepper``), so the hashes in the store are useless without the master key.

Formats: a wrapped key is ``<master key id>:<base64(nonce | ciphertext)>``; a sealed document is
``base64(nonce | ciphertext)`` of its canonical JSON. The master key id is the first 12 hex digits
of its SHA-256: it names the key without revealing it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jprcc.core.keys import KEY_BYTES, KeyUnavailable, key_from_text, key_id, load_key

NONCE_BYTES = 12


class VaultError(Exception):
    """The vault cannot do what was asked: a missing or bad key, or a record it cannot open."""


@dataclass(frozen=True)
class MasterKey:
    key: bytes

    @property
    def key_id(self) -> str:
        return key_id(self.key)

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def from_text(cls, text: str, where: str) -> MasterKey:
        try:
            return cls(key_from_text(text, where, "vault key"))
        except KeyUnavailable as exc:
            raise VaultError(str(exc)) from exc

    def text(self) -> str:
        return base64.urlsafe_b64encode(self.key).decode()


def load_master_key(value: str | None, file: Path | None, data_dir: Path) -> MasterKey:
    """The master key: the value given, else the file named, else the node's own key file
    (created, readable by its owner only, on first use)."""
    try:
        return MasterKey(
            load_key(value, file, data_dir / "vault.key", what="vault key", setting="JPRCC_VAULT_KEY")
        )
    except KeyUnavailable as exc:
        raise VaultError(str(exc)) from exc


class Vault:
    """Seals and opens records under per-record data keys wrapped by the master key."""

    def __init__(self, master: MasterKey) -> None:
        self.master = master

    @staticmethod
    def new_data_key() -> bytes:
        return AESGCM.generate_key(bit_length=256)

    def wrap(self, data_key: bytes, record_id: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        wrapped = AESGCM(self.master.key).encrypt(nonce, data_key, _aad("key", record_id, self.master.key_id))
        return f"{self.master.key_id}:{base64.b64encode(nonce + wrapped).decode()}"

    def unwrap(self, wrapped: str, record_id: str) -> bytes:
        key_id, _, body = wrapped.partition(":")
        if key_id != self.master.key_id:
            raise VaultError(f"record {record_id} is wrapped under another master key ({key_id})")
        raw = base64.b64decode(body)
        try:
            return AESGCM(self.master.key).decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad("key", record_id, key_id)
            )
        except InvalidTag as exc:
            raise VaultError(
                f"the data key of record {record_id} does not open with this master key"
            ) from exc

    @staticmethod
    def seal(data_key: bytes, record_id: str, document: dict[str, Any]) -> str:
        plain = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(data_key).encrypt(nonce, plain, _aad("record", record_id))
        return base64.b64encode(nonce + sealed).decode()

    @staticmethod
    def open(data_key: bytes, record_id: str, sealed: str) -> dict[str, Any]:
        raw = base64.b64decode(sealed)
        try:
            plain = AESGCM(data_key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad("record", record_id))
        except InvalidTag as exc:
            raise VaultError(f"record {record_id} does not open: wrong key or tampered") from exc
        document: dict[str, Any] = json.loads(plain)
        return document


def pepper(data_key: bytes, item: str, value: str) -> str:
    """The value keyed by the record's data key before it is hashed: a stolen database (or a
    backup) holds hashes that cannot be tried offline without the master key, even for a secret
    as small as a four-digit number."""
    return hmac.new(data_key, f"jprcc:{item}:{value}".encode(), hashlib.sha256).hexdigest()


def _aad(kind: str, record_id: str, key_id: str = "") -> bytes:
    return f"jprcc:{kind}:{record_id}:{key_id}".encode()
