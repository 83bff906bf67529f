"""Field encryption, key rotation, blind indexes and the encrypted model field."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection
from django.db.models.lookups import IsNull
from django.test import override_settings

from amends.core import crypto
from amends.core.crypto import DecryptionFailed, blind_index, decrypt, encrypt, rotate
from amends.core.errors import DomainError
from amends.core.fields import EncryptedTextField


def new_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def key_a() -> str:
    return new_key()


@pytest.fixture
def key_b() -> str:
    return new_key()


# --- encrypt / decrypt ---------------------------------------------------------------------


def test_it_round_trips_chinese_text() -> None:
    token = encrypt("张伟 13800138000")
    assert token != "张伟 13800138000"
    assert decrypt(token) == "张伟 13800138000"


def test_it_gives_a_different_token_each_time_for_the_same_value() -> None:
    first, second = encrypt("same"), encrypt("same")
    assert first != second
    assert decrypt(first) == decrypt(second) == "same"


def test_it_keeps_blank_blank() -> None:
    assert encrypt("") == ""
    assert decrypt("") == ""
    assert rotate("") == ""


def test_it_still_decrypts_old_tokens_after_a_new_key_is_put_in_front(
    key_a: str, key_b: str
) -> None:
    with override_settings(AMENDS_FIELD_KEYS=[key_a]):
        old_token = encrypt("guest complaint")
    with override_settings(AMENDS_FIELD_KEYS=[key_b, key_a]):
        assert decrypt(old_token) == "guest complaint"
        new_token = rotate(old_token)
    assert new_token != old_token
    with override_settings(AMENDS_FIELD_KEYS=[key_b]):
        assert decrypt(new_token) == "guest complaint"
    with override_settings(AMENDS_FIELD_KEYS=[key_a]), pytest.raises(DecryptionFailed):
        decrypt(new_token)


def test_it_encrypts_with_the_first_key_only(key_a: str, key_b: str) -> None:
    with override_settings(AMENDS_FIELD_KEYS=[key_b, key_a]):
        token = encrypt("x")
    with override_settings(AMENDS_FIELD_KEYS=[key_b]):
        assert decrypt(token) == "x"
    with override_settings(AMENDS_FIELD_KEYS=[key_a]), pytest.raises(DecryptionFailed):
        decrypt(token)


def test_it_refuses_a_token_made_with_an_unknown_key(key_a: str, key_b: str) -> None:
    with override_settings(AMENDS_FIELD_KEYS=[key_a]):
        token = encrypt("secret")
    with override_settings(AMENDS_FIELD_KEYS=[key_b]), pytest.raises(DecryptionFailed) as info:
        decrypt(token)
    assert isinstance(info.value, DomainError)
    assert info.value.code == "decryption_failed"


def test_it_refuses_to_rotate_a_token_no_key_knows(key_a: str, key_b: str) -> None:
    with override_settings(AMENDS_FIELD_KEYS=[key_a]):
        token = encrypt("secret")
    with override_settings(AMENDS_FIELD_KEYS=[key_b]), pytest.raises(DecryptionFailed):
        rotate(token)


def test_it_refuses_tampered_or_garbage_tokens() -> None:
    token = encrypt("secret")
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    for bad in (tampered, "not a token", "令牌"):
        with pytest.raises(DecryptionFailed):
            decrypt(bad)


def test_it_rebuilds_the_cipher_when_the_keys_change(key_a: str, key_b: str) -> None:
    with override_settings(AMENDS_FIELD_KEYS=[key_a]):
        first = crypto._fernet()
        assert crypto._fernet() is first
    with override_settings(AMENDS_FIELD_KEYS=[key_b]):
        assert crypto._fernet() is not first


def test_it_explains_missing_or_malformed_keys() -> None:
    with (
        override_settings(AMENDS_FIELD_KEYS=[]),
        pytest.raises(ImproperlyConfigured, match="must list at least one Fernet key"),
    ):
        encrypt("x")
    with override_settings(AMENDS_FIELD_KEYS=["not-a-fernet-key"]):
        with pytest.raises(ImproperlyConfigured, match="not a valid Fernet key") as info:
            encrypt("x")
        assert "not-a-fernet-key" not in str(info.value)


# --- blind index ---------------------------------------------------------------------------


def test_it_gives_the_same_blind_index_for_the_same_value_and_purpose() -> None:
    first = blind_index("+8613800138000", purpose="phone")
    assert first == blind_index("+8613800138000", purpose="phone")
    assert re.fullmatch(r"[0-9a-f]{64}", first)


@override_settings(AMENDS_BLIND_INDEX_KEY="amends-known-answer")
def test_it_keeps_every_stored_blind_index_valid_across_releases() -> None:
    # Known answers: HMAC-SHA256 under the sub-key HMAC(master, "purpose:<purpose>"). A change
    # here orphans every phone_index/email_index already in the database.
    assert blind_index("+8613800138000", purpose="phone") == (
        "5dbf40f73aea4fbb0e63e658e44dcb12898b08a1a64a77719b579f45fb5dc49a"
    )
    assert blind_index("li.na@example.com", purpose="email") == (
        "d7155c80fe596f2a3f69517c391d21d0536823e98370216c05e3f5a158e475df"
    )
    sub_key = hmac.new(b"amends-known-answer", b"purpose:phone", hashlib.sha256).digest()
    assert blind_index("+8613800138000", purpose="phone") == (
        hmac.new(sub_key, b"+8613800138000", hashlib.sha256).hexdigest()
    )


def test_it_explains_a_missing_blind_index_key() -> None:
    with (
        override_settings(AMENDS_BLIND_INDEX_KEY=""),
        pytest.raises(ImproperlyConfigured, match="AMENDS_BLIND_INDEX_KEY must be set"),
    ):
        blind_index("+8613800138000", purpose="phone")


def test_it_separates_blind_indexes_by_purpose() -> None:
    assert blind_index("a@b.cn", purpose="phone") != blind_index("a@b.cn", purpose="email")


def test_it_separates_blind_indexes_by_value() -> None:
    assert blind_index("+8613800138000", purpose="phone") != blind_index(
        "+8613800138001", purpose="phone"
    )


def test_it_changes_blind_indexes_with_the_key() -> None:
    with override_settings(AMENDS_BLIND_INDEX_KEY="key-one"):
        one = blind_index("+8613800138000", purpose="phone")
    with override_settings(AMENDS_BLIND_INDEX_KEY="key-two"):
        two = blind_index("+8613800138000", purpose="phone")
    assert one != two


def test_it_keeps_blank_blind_indexes_blank() -> None:
    assert blind_index("", purpose="phone") == ""


def test_it_demands_a_purpose_for_blind_indexes() -> None:
    with pytest.raises(ValueError):
        blind_index("x", purpose="")


# --- EncryptedTextField --------------------------------------------------------------------


def make_field() -> EncryptedTextField:
    field = EncryptedTextField(blank=True, null=True)
    field.set_attributes_from_name("note")
    return field


def test_it_stores_ciphertext_and_loads_plaintext() -> None:
    field = make_field()
    stored = field.get_prep_value("客人投诉：淋浴没有热水")
    assert isinstance(stored, str)
    assert "热水" not in stored
    assert field.from_db_value(stored, None, connection) == "客人投诉：淋浴没有热水"  # type: ignore[arg-type]


def test_it_keeps_none_and_blank_through_the_field() -> None:
    field = make_field()
    assert field.get_prep_value(None) is None
    assert field.from_db_value(None, None, connection) is None  # type: ignore[arg-type]
    assert field.get_prep_value("") == ""
    assert field.from_db_value("", None, connection) == ""  # type: ignore[arg-type]


def test_it_encrypts_through_the_save_path() -> None:
    field = make_field()
    stored = field.get_db_prep_save("房间号 1208", connection)
    assert "1208" not in stored
    assert decrypt(stored) == "房间号 1208"


def test_it_turns_assigned_values_into_text() -> None:
    field = make_field()
    assert field.to_python("abc") == "abc"
    assert field.to_python(42) == "42"
    assert field.to_python(None) is None


def test_it_raises_decryption_failed_for_rows_no_key_can_read(key_a: str, key_b: str) -> None:
    field = make_field()
    with override_settings(AMENDS_FIELD_KEYS=[key_a]):
        stored = field.get_prep_value("x")
    with override_settings(AMENDS_FIELD_KEYS=[key_b]), pytest.raises(DecryptionFailed):
        field.from_db_value(stored, None, connection)  # type: ignore[arg-type]


def test_it_refuses_lookups_on_ciphertext_except_isnull() -> None:
    field = make_field()
    for name in ("exact", "iexact", "contains", "icontains", "in", "startswith", "gt"):
        with pytest.raises(FieldError, match="blind-index"):
            field.get_lookup(name)
    with pytest.raises(FieldError, match="blind-index"):
        field.get_transform("lower")
    assert field.get_lookup("isnull") is IsNull


def test_it_deconstructs_for_migrations() -> None:
    field = make_field()
    name, path, args, kwargs = field.deconstruct()
    assert name == "note"
    assert path == "amends.core.fields.EncryptedTextField"
    assert kwargs == {"blank": True, "null": True}
    rebuilt = EncryptedTextField(*args, **kwargs)
    assert rebuilt.null and rebuilt.blank
