"""Personal data a customer types into a complaint — a phone number, an ID-card number, a bank
card — is shown as the customer is: masked in the console's lists, on a complaint page until the
contact is revealed (an audited click), in exports unless their maker may unmask (tested with the
exports), in messages to staff; and a privacy request finds every complaint that holds it.
On concrete dates."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from amends.complaints import services
from amends.complaints.models import Complaint
from amends.complaints.selectors_privacy import complaints_mentioning, masked_text
from amends.complaints.tests.stories import act, received
from amends.conftest import Cast, local
from amends.core import clock
from amends.notifications.models import Outbox
from amends.orgs.models import Company, User

PHONE, ID_CARD, CARD = "13912345679", "11010519491231002X", "6222021234567894"
TYPED = f"私教课被取消没有通知。请回电{PHONE}，身份证{ID_CARD}，退款到卡{CARD}。"
SHOWN = ("139****5679", "110***********002X", "**** **** **** 7894")
NOW = local(2026, 11, 20, 10, 0)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def as_(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def page(name: str, *args: str) -> str:
    return reverse(f"console:{name}", args=args)


def typed(cast: Cast, **fields: Any) -> Complaint:
    """A complaint whose description holds a phone, an ID-card and a bank-card number."""
    with clock.travel(NOW):
        return received(cast, description=TYPED, **fields)


def masked_in(html: str) -> bool:
    return all(s in html for s in SHOWN) and not any(v in html for v in (PHONE, ID_CARD, CARD))


def clear_in(html: str) -> bool:
    return all(v in html for v in (PHONE, ID_CARD, CARD))


# --- the console ---------------------------------------------------------------------------------


def test_the_front_desk_sees_it_masked_in_the_lists(client: Client, cast: Cast) -> None:
    c = typed(cast)
    desk = as_(client, cast.desk)
    with clock.travel(NOW):
        listed = desk.get(page("queue", "all")).content.decode()
        found = desk.get(page("search"), {"q": "私教课"}).content.decode()
    assert c.reference in listed and c.reference in found
    # Masked before it is cut to the list's length: no half of a number shows.
    assert "139****5679" in listed and PHONE not in listed and PHONE[:7] not in listed
    assert "139****5679" in found and PHONE not in found


def test_the_complaint_page_masks_it_until_the_contact_is_revealed(
    client: Client, cast: Cast
) -> None:
    c = typed(cast, consequence=f"银行卡{CARD}被多扣款", customer_request=f"退到{CARD}")
    desk = as_(client, cast.desk)
    with clock.travel(NOW):
        shown = desk.get(page("complaint", c.reference)).content.decode()
        assert masked_in(shown)
        # The front desk may reveal the customer (an audited click): then what they typed too.
        revealed = desk.post(page("reveal_contact", c.reference)).content.decode()
        assert clear_in(revealed) and "+8613912345678" in revealed
        partial = desk.post(
            page("reveal_contact", c.reference), headers={"HX-Request": "true"}
        ).content.decode()
    assert clear_in(partial) and 'id="text-description" hx-swap-oob="true"' in partial
    assert "<html" not in partial


def test_someone_who_may_not_unmask_sees_it_masked_and_cannot_reveal_it(
    client: Client, cast: Cast
) -> None:
    c = typed(cast, category=cast.category("facility_equipment"))  # to maintenance
    with clock.travel(NOW):
        shown = as_(client, cast.maintenance).get(page("complaint", c.reference))
    html = shown.content.decode()
    # The ID-card number makes it sensitive, and maintenance is not handling it in person:
    # the text is withheld, not only masked.
    assert shown.status_code == 200 and not clear_in(html) and "▇▇▇" in html
    assert client.post(page("reveal_contact", c.reference)).status_code == 403


def test_the_customers_message_is_masked_in_the_timeline(client: Client, cast: Cast) -> None:
    with clock.travel(NOW):
        c = received(cast)
        customer = services.customer_link_principal(
            reference=c.reference, token=services.customer_link_token(c)
        )
        act("message", c, customer, text=f"我的卡号是{CARD}", via="web")
        act("note", c, cast.specialist, text="已回电 021-62345678")
        html = as_(client, cast.desk).get(page("complaint", c.reference)).content.decode()
    assert "我的卡号是**** **** **** 7894" in html and CARD not in html
    assert "021-62345678" in html  # staff's own note is not the customer's words


# --- messages to staff (exports: reports/tests/test_export_masking.py) ---------------------------


def test_a_message_to_staff_masks_what_the_customer_typed(cast: Cast) -> None:
    with clock.travel(NOW):
        c = received(
            cast, description=f"孩子在泳池边滑倒头部出血，请联系{PHONE}", severity="urgent"
        )
    alerts = Outbox.objects.filter(complaint_id=c.pk, kind=Outbox.Kind.URGENT_ALERT)
    assert alerts.exists()
    for message in alerts:
        assert "139****5679" in message.body and PHONE not in message.body


# --- found for privacy requests ------------------------------------------------------------------


def test_a_privacy_request_finds_the_persons_complaints_and_their_mentions(cast: Cast) -> None:
    with clock.travel(NOW):
        # Hers (the customer on file, matched by the blind index), in every spelling.
        hers = received(cast, phone=PHONE)
        # Someone else's complaint that names her phone, spelled with spaces.
        names_her = received(
            cast, phone="13700137000", description="同行的朋友 139 1234 5679 也被拒之门外。"
        )
        # Another customer's message with her ID number.
        messaged = received(cast, phone="13600136000")
        customer = services.customer_link_principal(
            reference=messaged.reference, token=services.customer_link_token(messaged)
        )
        act("message", messaged, customer, text=f"登记的是她的身份证{ID_CARD.lower()}", via="web")
        carded = received(cast, phone="13500135000", customer_request=f"退款到{CARD}")
        mailed = received(cast, phone="13400134000", people_involved="联系人 Li.Na@Example.com")
        unrelated = received(cast, phone="13300133000", description="订单号 6222021234567890 无效")
        stranger = cast.receive(
            actor=cast.stranger,
            venue=cast.stranger.company.venues.first(),
            phone=PHONE,
            description=TYPED,
        )
    found = complaints_mentioning(cast.company, "+86 139-1234-5679")
    assert list(found) == [hers, names_her]
    assert list(complaints_mentioning(cast.company.pk, ID_CARD)) == [messaged]
    assert list(complaints_mentioning(cast.company, "6222 0212 3456 7894")) == [carded]
    assert list(complaints_mentioning(cast.company, "li.na@example.com")) == [mailed]
    for value in ("", "  ", "\x00", "6222021234567890", "13300000000"):
        assert unrelated not in complaints_mentioning(cast.company, value)
    # Another company's complaints are never found.
    assert stranger not in complaints_mentioning(cast.company, PHONE)
    other = Company.objects.get(code="OTHER")
    assert list(complaints_mentioning(other, PHONE)) == [stranger]


def test_it_finds_the_customer_by_email_blind_index(cast: Cast) -> None:
    with clock.travel(NOW):
        hers = received(cast, phone="", email="wang.li@example.com")
    assert list(complaints_mentioning(cast.company, "WANG.LI@example.com")) == [hers]


def test_it_scans_in_chunks(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    from amends.complaints import selectors_privacy

    monkeypatch.setattr(selectors_privacy, "CHUNK", 2)
    with clock.travel(NOW):
        made = [received(cast, phone=f"1370013700{i}", description=TYPED) for i in range(5)]
    assert list(complaints_mentioning(cast.company, CARD)) == made


def test_masking_leaves_what_is_not_personal_data(cast: Cast) -> None:
    assert masked_text("3号跑步机，订单 20261120001，¥500") == "3号跑步机，订单 20261120001，¥500"
    assert masked_text(TYPED, masked=False) == TYPED
    assert masked_text(None) is None
