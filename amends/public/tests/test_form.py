"""A customer scans the QR code at the gym's entrance and tells us what went wrong, without an
account: the complaint is recorded with its files, or nothing is (a bad file, a bot, too many
tries); every mistake comes back on the form with its message."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from amends.complaints.models import Complaint, ComplaintEvent, Evidence
from amends.complaints.services import customer_link_token
from amends.complaints.tests.test_evidence import png_bytes
from amends.conftest import Cast, local
from amends.core import clock
from amends.orgs.models import Venue

NOW = local(2026, 11, 20, 10, 0)


def form_url(cast: Cast) -> str:
    return reverse("public:form", args=[cast.gym.code])


def filled(**fields: Any) -> dict[str, Any]:
    return {
        "customer_name": "陈静",
        "phone": "139 1234 5678",
        "email": "",
        "description": "更衣室的储物柜坏了，我的手机被偷了。",
        "occurred_at": "2026-11-19T19:30",
        "location": "女更衣室",
        "people_involved": "前台值班人员",
        "consequence": "手机丢失，耽误工作。",
        "customer_request": "希望查看监控并赔偿。",
        "member_number": "",
        "consent": "on",
        "website": "",
        **fields,
    }


def photo(name: str = "locker.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def post(client: Client, cast: Cast, data: dict[str, Any], **extra: Any) -> Any:
    with clock.travel(NOW):
        return client.post(form_url(cast), data, **extra)


def test_it_shows_the_venues_form_without_signing_in(
    client: Client, cast: Cast, settings: Any
) -> None:
    settings.AMENDS_RETENTION_YEARS = 7

    response = client.get(form_url(cast) + "?lang=en")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert cast.gym.name_in("en") in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="consent"' in html and 'name="website"' in html
    assert "Privacy notice" in html
    assert "7 years after your complaint is closed" in html
    assert "customer-service staff of" in html
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response.cookies["django_language"].value == "en"


def test_it_answers_404_for_an_unknown_or_inactive_venue(client: Client, cast: Cast) -> None:
    assert client.get(reverse("public:form", args=["NOPE"])).status_code == 404
    Venue.objects.filter(pk=cast.gym2.pk).update(is_active=False)
    assert client.get(reverse("public:form", args=[cast.gym2.code])).status_code == 404


def test_it_records_the_complaint_with_its_files_and_shows_the_receipt(
    client: Client, cast: Cast
) -> None:
    data = filled(attachments=[photo("a.png"), photo("b.png")])

    response = post(client, cast, data, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 302
    assert response["Location"] == reverse("public:received", args=[cast.gym.code])
    complaint = Complaint.objects.get()
    assert complaint.channel == "web"
    assert complaint.received_by is None
    assert complaint.language == "zh-hans"
    assert complaint.location == "女更衣室"
    assert complaint.people_involved == "前台值班人员"
    assert complaint.consequence == "手机丢失，耽误工作。"
    assert complaint.customer_request == "希望查看监控并赔偿。"
    assert complaint.occurred_at == local(2026, 11, 19, 19, 30)
    assert complaint.customer.phone == "+8613912345678"
    assert Evidence.objects.filter(complaint=complaint).count() == 2
    added = ComplaintEvent.objects.filter(complaint=complaint, kind="evidence")
    assert {e.actor_kind for e in added} == {"customer"}

    with clock.travel(NOW + timedelta(minutes=1)):
        receipt = client.get(response["Location"])
    html = receipt.content.decode()
    assert receipt.status_code == 200
    assert complaint.reference in html
    token = customer_link_token(complaint)
    assert f"/c/{complaint.reference}/{token}/" in html
    assert "testserver" not in html  # the link is on the public address, not the request's
    respond = complaint.respond_due.astimezone(local(2026, 1, 1).tzinfo)
    assert respond.strftime("%H:%M") in html
    assert receipt["Cache-Control"] == "no-store"
    assert receipt["Referrer-Policy"] == "same-origin"


def test_the_same_form_sent_twice_records_one_complaint_with_its_files_once(
    client: Client, cast: Cast
) -> None:
    """The answer to the first send was lost on a poor connection and the customer pressed
    again: the form's one-time token finds the complaint it recorded; nothing is added."""
    import re

    with clock.travel(NOW):
        page = client.get(form_url(cast)).content.decode()
    token = re.search(r'name="submission" value="([0-9a-f]{32})"', page)
    assert token is not None
    data = filled(submission=token[1])
    first = post(client, cast, {**data, "attachments": [photo("a.png")]})
    again = post(client, cast, {**data, "attachments": [photo("a.png")]})
    assert first.status_code == again.status_code == 302
    complaint = Complaint.objects.get()
    assert Evidence.objects.filter(complaint=complaint).count() == 1
    # A new form (a new token) is a new complaint; a token that is not one is refused.
    post(client, cast, filled(submission="f" * 32, customer_request="另一件事"))
    assert Complaint.objects.count() == 2
    refused = post(client, cast, filled(submission="not a token"))
    assert refused.status_code == 400 and Complaint.objects.count() == 2
    assert "此表单已失效" in refused.content.decode()  # "This form has expired"


def test_the_page_language_is_the_complaints_language(client: Client, cast: Cast) -> None:
    client.get(form_url(cast) + "?lang=en")

    post(client, cast, filled())

    assert Complaint.objects.get().language == "en"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_name": ""}, "customer_name"),
        ({"phone": "", "email": ""}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "", "email": "not-an-email"}, "email"),
        ({"description": ""}, "description"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2026-12-25T10:00"}, "occurred_at"),
        ({"consent": ""}, "consent"),
    ],
)
def test_every_mistake_comes_back_on_the_form_and_nothing_is_recorded(
    client: Client, cast: Cast, change: dict[str, str], field: str
) -> None:
    response = post(client, cast, filled(**change))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert response.context["form"]["customer_request"].value() == "希望查看监控并赔偿。"
    assert not Complaint.objects.exists()


def test_an_email_alone_is_enough(client: Client, cast: Cast) -> None:
    response = post(client, cast, filled(phone="", email="Chen.Jing@Example.com"))

    assert response.status_code == 302
    assert Complaint.objects.get().customer.email == "chen.jing@example.com"


def test_a_file_that_is_not_what_it_says_records_nothing(client: Client, cast: Cast) -> None:
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00\x03" + b"\x00" * 64, "image/jpeg")

    response = post(client, cast, filled(attachments=[photo(), fake]))

    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["attachments"])
    assert "photo.jpg" in errors
    assert not Complaint.objects.exists()
    assert not Evidence.objects.exists()


def test_text_and_video_are_not_attachments_of_the_form(client: Client, cast: Cast) -> None:
    note = SimpleUploadedFile("note.txt", "我的说明".encode(), "text/plain")

    response = post(client, cast, filled(attachments=[note]))

    assert response.status_code == 400
    assert "note.txt" in " ".join(response.context["form"].errors["attachments"])
    assert not Complaint.objects.exists()


def test_a_file_over_the_limit_records_nothing(client: Client, cast: Cast, settings: Any) -> None:
    settings.AMENDS_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.png", png_bytes() + b"\x00" * (1024 * 1024 + 1), "image/png")

    response = post(client, cast, filled(attachments=[big]))

    assert response.status_code == 400
    assert "1 MB" in " ".join(response.context["form"].errors["attachments"])
    assert not Complaint.objects.exists()


def test_a_failure_after_intake_leaves_no_complaint_and_no_file(
    client: Client, cast: Cast, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Intake and evidence are one transaction: if storing the second file fails, the complaint
    and the first file are gone too."""
    from amends.core import uploads

    calls = {"n": 0}
    real = uploads.check_upload

    def second_fails(name: str, head: bytes, size: int) -> Any:
        calls["n"] += 1
        # the form checks each file once, then evidence_add checks again: fail the 4th check
        if calls["n"] == 4:
            raise uploads.InvalidInput("broken", code="unsupported_file_type")
        return real(name, head, size)

    monkeypatch.setattr(uploads, "check_upload", second_fails)

    response = post(client, cast, filled(attachments=[photo("a.png"), photo("b.png")]))

    assert response.status_code == 400
    assert "attachments" in response.context["form"].errors
    assert not Complaint.objects.exists()
    assert not Evidence.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_filled_honeypot_records_nothing(client: Client, cast: Cast) -> None:
    response = post(client, cast, filled(website="http://spam.example"))

    assert response.status_code == 400
    assert not Complaint.objects.exists()
    assert response.context["form"].non_field_errors()


def test_it_limits_complaints_per_address_per_hour(client: Client, cast: Cast) -> None:
    for n in range(10):
        phone = f"1391234{n:04d}"
        assert post(client, cast, filled(phone=phone)).status_code == 302

    refused = post(client, cast, filled(phone="13912349999"))

    assert refused.status_code == 429
    assert refused.context["form"].non_field_errors()
    assert refused.context["form"]["description"].value() == filled()["description"]
    assert Complaint.objects.count() == 10


def test_it_limits_complaints_per_phone_per_day(client: Client, cast: Cast) -> None:
    for n in range(5):
        sent = post(client, cast, filled(), REMOTE_ADDR=f"10.0.0.{n}")
        assert sent.status_code == 302

    refused = post(client, cast, filled(phone="+86 139-1234-5678"), REMOTE_ADDR="10.0.0.9")

    assert refused.status_code == 429
    assert Complaint.objects.count() == 5


def test_it_tells_the_customer_when_nobody_can_take_web_complaints(
    client: Client, cast: Cast
) -> None:
    from amends.orgs.services import company_create, venue_create

    company = company_create(name="New Co", code="NEW")
    empty = venue_create(company=company, code="NEW1", name="新店")

    with clock.travel(NOW):
        response = client.post(reverse("public:form", args=[empty.code]), filled())

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not Complaint.objects.exists()


def test_the_receipt_is_only_for_the_browser_that_sent_it(client: Client, cast: Cast) -> None:
    post(client, cast, filled())

    other = Client()
    response = other.get(reverse("public:received", args=[cast.gym.code]))

    assert response.status_code == 302
    assert response["Location"] == form_url(cast)


def test_every_form_needs_its_csrf_token(cast: Cast) -> None:
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(form_url(cast), filled())

    assert response.status_code == 403
    assert not Complaint.objects.exists()


def test_the_receipt_is_not_shown_to_the_next_person_at_a_shared_tablet(
    client: Client, cast: Cast
) -> None:
    response = post(client, cast, filled())
    with clock.travel(NOW + timedelta(minutes=20)):
        later = client.get(response["Location"])
    assert later.status_code == 302 and later["Location"] == f"/p/{cast.gym.code}/"
