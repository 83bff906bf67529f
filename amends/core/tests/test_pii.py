"""Normalising and masking phones, e-mails and names."""

from __future__ import annotations

import pytest
from django.test import override_settings

from amends.core.errors import InvalidInput
from amends.core.pii import mask_email, mask_name, mask_phone, normalize_email, normalize_phone

# --- phones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "+86 138-0013-8000",
        "008613800138000",
        "  +8613800138000  ",
        "(+86) 138 0013 8000",
        "１３８００１３８０００",  # full-width digits from a Chinese input method
    ],
)
def test_it_normalises_chinese_mobiles_to_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+8613800138000"


def test_it_normalises_chinese_landlines() -> None:
    assert normalize_phone("010 6552 9988") == "+861065529988"


def test_it_reads_numbers_without_prefix_in_the_given_region() -> None:
    assert normalize_phone("020 7946 0034", region="GB") == "+442079460034"
    assert normalize_phone("+44 20 7946 0034") == "+442079460034"


def test_it_uses_the_default_region_from_settings() -> None:
    with override_settings(AMENDS_DEFAULT_PHONE_REGION="GB"):
        assert normalize_phone("020 7946 0034") == "+442079460034"


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "12345", "hello", "1380013800", "138001380001", "+86 000 0000 0000", "1" * 80],
)
def test_it_refuses_what_is_not_a_valid_phone(raw: str) -> None:
    with pytest.raises(InvalidInput) as info:
        normalize_phone(raw)
    assert info.value.code == "invalid_phone"


# --- e-mails -------------------------------------------------------------------------------


def test_it_normalises_emails() -> None:
    assert normalize_email("  Li.Wei@Example.COM ") == "li.wei@example.com"


@pytest.mark.parametrize("raw", ["", "li.wei", "li.wei@", "@example.com", "a b@example.com"])
def test_it_refuses_what_is_not_an_email(raw: str) -> None:
    with pytest.raises(InvalidInput) as info:
        normalize_email(raw)
    assert info.value.code == "invalid_email"


# --- masks ---------------------------------------------------------------------------------


def test_it_masks_chinese_mobiles_the_familiar_way() -> None:
    assert mask_phone("+8613800138000") == "138****8000"


def test_it_masks_other_numbers_keeping_country_code_and_two_digits_each_end() -> None:
    assert mask_phone("+442079460034") == "+44 20******34"
    assert mask_phone("+861065529988") == "+86 10******88"


def test_it_masks_phones_without_leaking_unparseable_text() -> None:
    assert mask_phone("") == ""
    assert mask_phone("not a phone") == "****"


def test_it_masks_emails() -> None:
    assert mask_email("li.wei@example.com") == "l***@example.com"
    assert mask_email("") == ""
    assert mask_email("nobody") == "n***"
    assert mask_email("@example.com") == "***@example.com"
    assert mask_email("a@b@example.com") == "a***@example.com"  # the last "@" splits


def test_it_hides_short_foreign_numbers_entirely() -> None:
    # Niue has four-digit numbers: nothing of them may show.
    assert mask_phone("+6837290") == "+683 ****"


def test_it_masks_a_chinese_mobile_written_any_way() -> None:
    assert {mask_phone(raw) for raw in ("13912345678", "+86 139 1234 5678")} == {"139****5678"}


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张伟", "张*"),
        ("欧阳娜娜", "欧***"),
        ("欧阳 娜娜", "欧***"),  # spaces are not characters of the name
        ("李 Lee", "李***"),  # any Chinese character makes it a Chinese name
        ("张", "*"),
        ("Emma Watson", "E*** W***"),
        ("  emma  ", "e***"),
        ("", ""),
    ],
)
def test_it_masks_names(name: str, masked: str) -> None:
    assert mask_name(name) == masked
