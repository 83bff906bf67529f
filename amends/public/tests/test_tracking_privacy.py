"""On the tracking page, a signed-in customer asks about their own personal data — to see it,
to have a copy, to correct it, to delete it, to withdraw a consent — and sees each request and
where it stands, in Chinese or in English, its dates in the company's time zone.

赵敏 complained at GYM1 on 13 March 2026; she signs in at 07:30 Beijing time on 14 March
(still the 13th in UTC) and asks for her data to be deleted: due 15 days later, 29 March."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from amends.complaints import services
from amends.complaints.models import Complaint
from amends.conftest import Cast, local
from amends.core import clock
from amends.core.principals import Principal
from amends.privacy.models import DataSubjectRequest
from amends.public.tests.test_tracking import sign_in
from amends.public.tracking import SESSION_CUSTOMER

R = DataSubjectRequest
MORNING = local(2026, 3, 14, 7, 30)
PRIVACY = "/t/privacy/"


def complained(cast: Cast) -> Complaint:
    intake = services.Intake(
        channel="web",
        description="动感单车的座椅松了，上课时差点摔倒。",
        customer_name="赵敏",
        phone="13700001111",
        language="zh-hans",
    )
    with clock.travel(local(2026, 3, 13, 15, 0)):
        return services.complaint_receive(
            actor=Principal.system("web form"), venue=cast.gym, intake=intake
        )


def signed_in(client: Client, cast: Cast) -> Complaint:
    complaint = complained(cast)
    with clock.travel(MORNING):
        sign_in(client, complaint.reference)
    return complaint


def ask(client: Client, lang: str = "zh-hans", **data: Any) -> Any:
    """Post the form on the page in `lang` (`?lang=` on the address, as the switch does)."""
    with clock.travel(MORNING):
        return client.post(f"{PRIVACY}?lang={lang}", data)


def test_the_address_is_the_privacy_page(cast: Cast) -> None:
    assert reverse("public:privacy") == PRIVACY


def test_she_asks_for_deletion_in_chinese_and_sees_it_due_in_shanghai_time(
    client: Client, cast: Cast, settings: Any
) -> None:
    settings.TIME_ZONE = "UTC"  # the server's zone is not the company's
    complaint = signed_in(client, cast)

    sent = ask(client, kind="deletion", details="请删除我的资料", lang="zh-hans")
    with clock.travel(MORNING):
        page = client.get(PRIVACY + "?lang=zh-hans")

    row = R.objects.get()
    assert sent.status_code == 302 and sent["Location"] == reverse("public:privacy")
    assert row.customer_id == complaint.customer_id and row.received_by is None
    assert row.identity_method == R.Identity.CODE and row.details == "请删除我的资料"
    html = page.content.decode()
    assert page.status_code == 200 and '<html lang="zh-hans">' in html
    assert f'data-request="{row.pk}" data-status="verified"' in html
    assert "删除" in html and "已核验身份" in html  # Deletion, Identity checked
    assert f"我们已收到您的请求 DSR-{row.pk}，将于 2026-03-29 前答复。" in html
    assert "2026-03-29" in html and "2026-03-28" not in html
    assert page["Cache-Control"] == "no-store"


def test_in_english_the_page_lists_her_requests_and_where_each_stands(
    client: Client, cast: Cast
) -> None:
    signed_in(client, cast)
    ask(client, kind="export")
    ask(client, kind="correction", details="My name is 赵敏, not 赵明")

    with clock.travel(MORNING):
        html = client.get(PRIVACY + "?lang=en").content.decode()

    assert '<html lang="en">' in html
    assert "Copy (export)" in html and "Correction" in html and "Identity checked" in html
    assert "we answer by 2026-03-29" in html
    assert 'id="form-privacy"' in html and 'name="csrfmiddlewaretoken"' in html


def test_a_double_submit_shows_the_open_request_instead_of_a_second(
    client: Client, cast: Cast
) -> None:
    signed_in(client, cast)

    ask(client, kind="deletion", lang="en")
    again = ask(client, kind="deletion", lang="en")
    with clock.travel(MORNING):
        html = client.get(PRIVACY).content.decode()

    row = R.objects.get()
    assert again.status_code == 302
    assert f"You asked for this already: request DSR-{row.pk} is open" in html


def test_bad_input_comes_back_with_its_message_and_nothing_is_recorded(
    client: Client, cast: Cast
) -> None:
    signed_in(client, cast)

    nothing = ask(client, lang="en")
    unknown = ask(client, kind="everything", lang="en")
    too_long = ask(client, kind="correction", details="长" * 4001, lang="en")
    nul = ask(client, kind="correction", details="a\x00b", lang="en")

    assert nothing.status_code == unknown.status_code == too_long.status_code == 400
    assert '<html lang="en">' in nothing.content.decode()
    assert "Choose what you ask for." in nothing.content.decode()
    assert 'id="privacy-kind_error"' in unknown.content.decode()
    assert 'id="privacy-details_error"' in too_long.content.decode()
    assert 400 <= nul.status_code < 500
    assert not R.objects.exists()


def test_only_a_signed_in_customer_asks(client: Client, cast: Cast) -> None:
    complained(cast)

    page = client.get(PRIVACY)
    posted = client.post(PRIVACY, {"kind": "deletion"})

    assert page.status_code == posted.status_code == 302
    assert page["Location"] == reverse("public:sign_in")
    assert not R.objects.exists()


def test_the_form_needs_its_csrf_token(client: Client, cast: Cast) -> None:
    signed_in(client, cast)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies

    with clock.travel(MORNING):
        refused = strict.post(PRIVACY, {"kind": "deletion"})

    assert refused.status_code == 403
    assert not R.objects.exists()


def test_it_limits_requests_per_address(client: Client, cast: Cast) -> None:
    signed_in(client, cast)
    for _ in range(10):
        assert ask(client, kind="access").status_code == 302

    refused = ask(client, kind="withdrawal", lang="en")

    assert refused.status_code == 429
    assert "Too many requests were sent from here" in refused.content.decode()
    assert R.objects.count() == 1


def test_signed_in_by_her_phone_her_request_reaches_only_the_rows_with_that_phone(
    client: Client, cast: Cast
) -> None:
    from amends.members.models import Customer
    from amends.members.services import email_index

    complaint = complained(cast)
    # Her row also holds an email someone once typed for her: her code never proved it.
    Customer.objects.filter(pk=complaint.customer_id).update(
        email="qian.duo@example.com", email_index=email_index("qian.duo@example.com")
    )
    with clock.travel(MORNING):
        sign_in(client, complaint.reference)

    ask(client, kind="export", lang="en")

    row = R.objects.get()
    customer = Customer.objects.get(pk=complaint.customer_id)
    assert row.phone_index == customer.phone_index and row.email_index == ""
    assert client.session[SESSION_CUSTOMER]["via"] == "phone"
