"""The privacy console: the officer records and exports a request through the pages, the auditor
searches the access log by phone, others are refused, and no page carries inline script."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.urls import reverse

from amends.complaints import services as complaint_services
from amends.conftest import local
from amends.core import clock
from amends.privacy.models import DataSubjectRequest, LegalHold
from amends.privacy.tests.story import PHONE, full_complaint

PAGES = [
    ("console:privacy", {}),
    ("console:privacy_requests", {}),
    ("console:privacy_request_new", {}),
    ("console:privacy_access_log", {}),
    ("console:privacy_evidence", {}),
    ("console:privacy_holds", {}),
    ("console:privacy_breaches", {}),
    ("console:privacy_rules", {}),
]


@pytest.fixture(autouse=True)
def _no_lockout_records(settings):
    # force_login's request has no address: axes would record "unknown" as an IP, which
    # PostgreSQL's inet column refuses (the sign-in lockout has its own tests).
    settings.AXES_ENABLED = False


def signed_in(client, user):
    client.force_login(user)
    return client


def no_inline_script(html: str) -> bool:
    return not re.search(r"<script(?![^>]*\bsrc=)|\son\w+=|javascript:", html)


def test_the_officer_sees_every_page_without_inline_script(cast, officer, client):
    signed_in(client, officer)
    for name, kwargs in PAGES:
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, name
        assert no_inline_script(response.content.decode()), name


@pytest.mark.parametrize(
    ("user", "name", "status"),
    [
        ("manager", "console:privacy_access_log", 403),
        ("desk", "console:privacy_requests", 403),
        ("desk", "console:privacy_request_new", 200),
        ("auditor", "console:privacy_access_log", 200),
        ("auditor", "console:privacy_rules", 403),
        ("stranger", "console:privacy_access_log", 403),
    ],
)
def test_each_page_checks_who_asks(cast, officer, client, user, name, status):
    signed_in(client, getattr(cast, user))
    assert client.get(reverse(name)).status_code == status


def test_a_request_is_recorded_checked_and_exported_through_the_pages(cast, officer, client):
    full_complaint(cast)
    signed_in(client, cast.desk)
    with clock.travel(local(2026, 11, 25, 10, 0)):
        response = client.post(
            reverse("console:privacy_request_new"),
            {"kind": "export", "contact": PHONE, "details": "要一份副本"},
        )
    assert response.status_code == 302
    row = DataSubjectRequest.objects.get()
    signed_in(client, officer)
    page = client.get(reverse("console:privacy_request", args=[row.pk]))
    assert b"139****5678" in page.content and PHONE.encode() not in page.content
    act = reverse("console:privacy_request_act", args=[row.pk, "verify"])
    assert client.post(act, {"method": "id_document", "note": "", "version": 1}).status_code == 302
    stale = client.post(act, {"method": "code", "note": "", "version": 1})
    assert stale.status_code == 409
    export = client.post(
        reverse("console:privacy_request_act", args=[row.pk, "export"]), {"version": 2}
    )
    assert export.status_code == 200 and export["Content-Type"] == "application/zip"
    assert export["Cache-Control"] == "no-store"
    assert "data.json" in zipfile.ZipFile(io.BytesIO(export.content)).namelist()


def test_a_bad_form_is_shown_again_not_a_500(cast, officer, client):
    signed_in(client, officer)
    response = client.post(reverse("console:privacy_request_new"), {"kind": "x" * 5000})
    assert response.status_code == 400
    response = client.post(reverse("console:privacy_breaches"), {"people_affected": "-1"})
    assert response.status_code == 400
    response = client.post(reverse("console:privacy_holds"), {"reference": "NOPE", "reason": "x"})
    assert response.status_code == 404
    assert not LegalHold.objects.exists()


def test_the_auditor_finds_the_reveal_by_phone_on_the_page(cast, officer, client):
    c = full_complaint(cast, close=False)
    complaint_services.complaint_reveal_contact(complaint=c, actor=cast.manager)
    signed_in(client, cast.auditor)
    page = client.get(reverse("console:privacy_access_log"), {"contact": PHONE})
    assert page.status_code == 200
    assert c.reference.encode() in page.content and b"Manager" in page.content
    assert client.get(reverse("console:privacy_access_log"), {"contact": "x"}).status_code == 400


def test_a_hold_is_placed_and_lifted_through_the_page(cast, officer, client):
    c = full_complaint(cast)
    signed_in(client, cast.director)
    response = client.post(
        reverse("console:privacy_holds"), {"reference": c.reference, "reason": "诉讼"}
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    lift = reverse("console:privacy_hold_lift", args=[hold.pk])
    assert client.post(lift, {"text": "结案", "version": 1}).status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_by == cast.director


def test_staff_flag_a_complaint_sensitive_on_its_page(cast, client):
    c = cast.receive(description="前台态度不好。")
    signed_in(client, cast.specialist)
    url = reverse("console:privacy_sensitive", args=[c.reference])
    assert client.get(url).status_code == 200
    response = client.post(url, {"kinds": ["health"], "version": c.version})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.sensitive == ["health"]
    signed_in(client, cast.outsider)
    assert client.get(url).status_code == 404
