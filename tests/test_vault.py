"""The records vault: sealing, opening, wrapping, and what a wrong or rotated key can do."""

from __future__ import annotations

import base64

import pytest

from jprcc.records.vault import MasterKey, Vault, VaultError, load_master_key

DOCUMENT = {"description": "scar on the left forearm", "photos": {"front": "aGVsbG8="}}


def test_a_sealed_record_opens_with_its_data_key_and_holds_no_plaintext():
    vault = Vault(MasterKey.generate())
    key = vault.new_data_key()
    sealed = vault.seal(key, "P-1", DOCUMENT)
    assert b"forearm" not in base64.b64decode(sealed)
    assert "forearm" not in sealed
    assert vault.open(key, "P-1", sealed) == DOCUMENT


def test_a_record_moved_to_another_id_or_tampered_with_does_not_open():
    vault = Vault(MasterKey.generate())
    key = vault.new_data_key()
    sealed = vault.seal(key, "P-1", DOCUMENT)
    with pytest.raises(VaultError):
        vault.open(key, "P-2", sealed)
    raw = bytearray(base64.b64decode(sealed))
    raw[-1] ^= 1
    with pytest.raises(VaultError):
        vault.open(key, "P-1", base64.b64encode(bytes(raw)).decode())


def test_a_wrapped_data_key_opens_only_under_its_master_key():
    old, new = Vault(MasterKey.generate()), Vault(MasterKey.generate())
    key = old.new_data_key()
    wrapped = old.wrap(key, "P-1")
    assert old.unwrap(wrapped, "P-1") == key
    with pytest.raises(VaultError, match="another master key"):
        new.unwrap(wrapped, "P-1")
    rewrapped = new.wrap(old.unwrap(wrapped, "P-1"), "P-1")
    assert new.unwrap(rewrapped, "P-1") == key
    with pytest.raises(VaultError):
        old.unwrap(rewrapped, "P-1")


def test_the_master_key_comes_from_the_setting_a_file_or_a_file_made_for_the_node(tmp_path):
    given = MasterKey.generate()
    assert load_master_key(given.text(), None, tmp_path).key == given.key
    path = tmp_path / "k"
    path.write_text(given.text())
    assert load_master_key(None, path, tmp_path).key == given.key
    made = load_master_key(None, None, tmp_path / "node")
    assert (tmp_path / "node" / "vault.key").stat().st_mode & 0o777 == 0o600
    assert load_master_key(None, None, tmp_path / "node").key == made.key


@pytest.mark.parametrize("text", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_bad_master_key_is_refused_clearly(tmp_path, text):
    with pytest.raises(VaultError, match="vault key"):
        load_master_key(text, None, tmp_path)
