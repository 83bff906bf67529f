"""Customers: one person, however they write their phone or e-mail, is one customer of the
company; their name, phone and e-mail never reach the database in clear."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.db import connection
from django.test import override_settings

from amends.core import crypto
from amends.core.errors import InvalidInput
from amends.members.models import Customer
from amends.members.selectors import customers_by_email
from amends.members.services import customer_find_or_create, customers_reencrypt

LI_NA = {"name": "李娜", "phone": "13912345678", "email": "li.na@example.com"}


def raw_row(customer: Customer) -> dict[str, str]:
    """The customer's row as the database holds it, read past the ORM."""
    columns = ("name", "phone", "email", "phone_index", "email_index")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {Customer._meta.db_table} WHERE id = %s",  # noqa: S608
            [customer.pk],
        )
        row = cursor.fetchone()
    return dict(zip(columns, row, strict=True))


def test_it_finds_the_same_customer_however_the_phone_is_written(cast: Any) -> None:
    found = [
        customer_find_or_create(company=cast.company, name="李娜", phone=phone)
        for phone in ("13912345678", "139 1234 5678", "+86 139-1234-5678", "008613912345678")
    ]
    assert [created for _customer, created in found] == [True, False, False, False]
    assert {customer.pk for customer, _created in found} == {found[0][0].pk}
    assert Customer.objects.count() == 1
    assert Customer.objects.get().phone == "+8613912345678"


def test_it_finds_the_same_customer_whatever_the_case_of_the_email(cast: Any) -> None:
    first, created = customer_find_or_create(
        company=cast.company, name="Emma Watson", email="Emma.Watson@Example.COM"
    )
    again, created_again = customer_find_or_create(
        company=cast.company, name="", email="  emma.watson@example.com "
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Customer.objects.get().email == "emma.watson@example.com"


def test_it_stores_no_name_phone_or_email_in_clear(cast: Any) -> None:
    customer, _created = customer_find_or_create(company=cast.company, **LI_NA)
    stored = raw_row(customer)
    for clear in ("李娜", "13912345678", "li.na@example.com", "example.com"):
        assert not any(clear in value for value in stored.values()), clear
    # What is stored are tokens of the normalised values and keyed hashes of them.
    assert crypto.decrypt(stored["name"]) == "李娜"
    assert crypto.decrypt(stored["phone"]) == "+8613912345678"
    assert crypto.decrypt(stored["email"]) == "li.na@example.com"
    assert stored["phone_index"] == crypto.blind_index("+8613912345678", purpose="phone")
    assert stored["email_index"] == crypto.blind_index("li.na@example.com", purpose="email")


def test_it_leaves_what_was_not_given_blank_in_the_database(cast: Any) -> None:
    customer, _created = customer_find_or_create(company=cast.company, name="张伟")
    stored = raw_row(customer)
    assert crypto.decrypt(stored["name"]) == "张伟"
    assert (stored["phone"], stored["email"], stored["phone_index"], stored["email_index"]) == (
        "",
        "",
        "",
        "",
    )


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"phone": "12345"}, "invalid_phone"),
        ({"phone": "1391234567"}, "invalid_phone"),  # one digit short
        ({"phone": "call me"}, "invalid_phone"),
        ({"email": "li.na"}, "invalid_email"),
        ({"email": "li.na@"}, "invalid_email"),
        ({"phone": "13912345678", "email": "li na@example.com"}, "invalid_email"),
        ({"name": "", "phone": "", "email": ""}, "customer_required"),
        ({"name": "   ", "phone": "  ", "email": "\t"}, "customer_required"),
    ],
)
def test_it_refuses_what_cannot_reach_a_customer_and_writes_nothing(
    cast: Any, fields: dict[str, str], code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        customer_find_or_create(company=cast.company, **{"name": "李娜", **fields})
    assert refused.value.code == code
    assert Customer.objects.count() == 0


def test_it_fills_in_missing_details_but_never_overwrites_known_ones(cast: Any) -> None:
    first, _created = customer_find_or_create(company=cast.company, name="", phone="13912345678")
    customer_find_or_create(
        company=cast.company, name="李娜", phone="139 1234 5678", email="li.na@example.com"
    )
    first.refresh_from_db()
    assert (first.name, first.phone, first.email) == (
        "李娜",
        "+8613912345678",
        "li.na@example.com",
    )
    again, created = customer_find_or_create(
        company=cast.company, name="李娜娜", phone="13912345678", email="other@example.com"
    )
    assert (again.pk, created) == (first.pk, False)
    first.refresh_from_db()
    assert (first.name, first.email) == ("李娜", "li.na@example.com")
    assert first.email_index == crypto.blind_index("li.na@example.com", purpose="email")


def test_it_finds_a_customer_by_email_and_learns_their_new_phone(cast: Any) -> None:
    known, _created = customer_find_or_create(
        company=cast.company, name="李娜", email="li.na@example.com"
    )
    found, created = customer_find_or_create(
        company=cast.company, name="李娜", phone="13912345678", email="LI.NA@example.com"
    )
    assert (found.pk, created) == (known.pk, False)
    known.refresh_from_db()
    assert known.phone == "+8613912345678"
    assert known.phone_index == crypto.blind_index("+8613912345678", purpose="phone")


def test_it_looks_for_the_phone_before_the_email(cast: Any) -> None:
    by_email, _created = customer_find_or_create(
        company=cast.company, name="李娜", email="li.na@example.com"
    )
    by_phone, _created = customer_find_or_create(
        company=cast.company, name="王芳", phone="13800138000"
    )
    found, created = customer_find_or_create(
        company=cast.company, name="", phone="13800138000", email="li.na@example.com"
    )
    assert (found.pk, created) == (by_phone.pk, False)
    assert found.pk != by_email.pk
    # Li Na's email is not copied onto Wang Fang's record: one email, one customer.
    found.refresh_from_db()
    assert (found.email, found.email_index) == ("", "")
    assert list(customers_by_email(company=cast.company, email="li.na@example.com")) == [by_email]


def test_it_never_merges_people_by_name_alone(cast: Any) -> None:
    one, _created = customer_find_or_create(company=cast.company, name="张伟")
    two, created = customer_find_or_create(company=cast.company, name="张伟")
    assert created is True
    assert one.pk != two.pk


def test_it_keeps_each_companys_customers_apart(cast: Any) -> None:
    ours, _created = customer_find_or_create(company=cast.company, **LI_NA)
    theirs, created = customer_find_or_create(company=cast.stranger.company, **LI_NA)
    assert created is True
    assert ours.pk != theirs.pk
    assert ours.phone_index == theirs.phone_index  # the same person, in two companies' books


def test_it_keeps_the_language_the_customer_first_spoke(cast: Any) -> None:
    first, _created = customer_find_or_create(
        company=cast.company, name="Emma", email="emma@example.com", language="en"
    )
    customer_find_or_create(
        company=cast.company, name="Emma", email="emma@example.com", language="zh-hans"
    )
    first.refresh_from_db()
    assert first.language == "en"


def test_it_re_encrypts_every_customer_with_the_new_key(cast: Any, settings) -> None:
    old, new = settings.AMENDS_FIELD_KEYS[0], Fernet.generate_key().decode()
    customer, _created = customer_find_or_create(company=cast.company, **LI_NA)
    customer_find_or_create(company=cast.company, name="王芳", phone="13800138000")
    before = raw_row(customer)
    with override_settings(AMENDS_FIELD_KEYS=[new, old]):
        assert customers_reencrypt(batch=1) == 2
    after = raw_row(customer)
    assert after["phone"] != before["phone"]
    assert (after["phone_index"], after["email_index"]) == (
        before["phone_index"],
        before["email_index"],
    )
    with override_settings(AMENDS_FIELD_KEYS=[new]):
        customer.refresh_from_db()
        assert (customer.name, customer.phone, customer.email) == (
            "李娜",
            "+8613912345678",
            "li.na@example.com",
        )


def test_it_refuses_to_search_the_ciphertext_itself(cast: Any) -> None:
    customer_find_or_create(company=cast.company, **LI_NA)
    customer_find_or_create(company=cast.company, name="张伟")
    with pytest.raises(FieldError, match="'email' cannot be searched with 'exact'"):
        Customer.objects.filter(email="li.na@example.com")
    with pytest.raises(FieldError, match="'phone' cannot be searched with 'icontains'"):
        Customer.objects.filter(phone__icontains="139")
    assert Customer.objects.filter(name__isnull=False).count() == 2
    assert Customer.objects.filter(email__isnull=True).count() == 0  # blank is "", not NULL
