"""The privacy console after the customers file their own requests: a request nobody on the
staff received reads "the customer, through the tracking page", its dates are in the company's
time zone whatever the server's, and a retention rule or the request clock changed by someone
else meanwhile is refused (409), not overwritten."""

from __future__ import annotations

import pytest
from django.urls import reverse

from amends.complaints.models import Complaint
from amends.complaints.tests.stories import S, drive, received
from amends.conftest import local
from amends.core import clock
from amends.core.principals import Principal
from amends.privacy import requests
from amends.privacy.models import DataSubjectRequest, PrivacySettings, RetentionRule

R = DataSubjectRequest
STALE = "Someone else changed this meanwhile. Reload the page and try again."


@pytest.fixture(autouse=True)
def _console(settings, officer):
    settings.AXES_ENABLED = False  # force_login has no address (the lockout has its own tests)
    settings.TIME_ZONE = "UTC"  # the server's zone is not the company's
    officer.language = "en"
    officer.save(update_fields=["language"])


def test_a_customers_own_request_reads_who_and_when_in_shanghai_time(cast, officer, client):
    with clock.travel(local(2026, 3, 13, 15, 0)):
        c = received(cast, phone="13912345678")
        c = drive(cast, S.CLOSED, complaint=Complaint.objects.get(pk=c.pk))
    principal = Principal.customer(customer_id=c.customer_id, company_id=c.company_id)
    with clock.travel(local(2026, 3, 14, 7, 30)):
        row, _new = requests.request_from_customer(
            principal=principal, via="phone", kind=R.Kind.DELETION
        )
    client.force_login(officer)

    with clock.travel(local(2026, 3, 14, 9, 0)):
        page = client.get(reverse("console:privacy_request", args=[row.pk])).content.decode()
        listed = client.get(reverse("console:privacy_requests")).content.decode()

    assert 'data-received="customer"' in page
    assert "the customer, through the tracking page" in page
    assert "2026-03-14 07:30" in page and "2026-03-29 07:30" in page
    assert "2026-03-28" not in page and "2026-03-29 07:30" in listed


def test_a_request_recorded_at_the_desk_says_when_it_is_due_in_shanghai_time(cast, client):
    client.force_login(cast.desk)
    with clock.travel(local(2026, 3, 14, 7, 30)):
        client.post(
            reverse("console:privacy_request_new"), {"kind": "access", "contact": "13912345678"}
        )
        shown = client.get(reverse("console:privacy_request_new")).content.decode()
    row = R.objects.get()
    assert row.received_by == cast.desk
    assert f"DSR-{row.pk}" in shown and "2026-03-29" in shown and "2026-03-28" not in shown


def test_a_rule_changed_meanwhile_is_refused_not_overwritten(cast, officer, client):
    client.force_login(officer)
    rules = reverse("console:privacy_rules")
    page = client.get(rules).content.decode()
    assert 'id="rule-attachments-version"' in page

    first = {"data_class": "attachments", "months": 24, "trigger": "closed", "version": 0}
    assert client.post(rules, first).status_code == 302
    stale = client.post(rules, {**first, "months": 6})
    again = client.post(rules, {**first, "months": 12, "version": 1})
    unversioned = client.post(
        rules, {"data_class": "attachments", "months": 3, "trigger": "closed"}
    )

    assert stale.status_code == 409 and STALE in stale.content.decode()
    assert again.status_code == 302 and unversioned.status_code == 400
    rule = RetentionRule.objects.get(data_class="attachments")
    assert (rule.months, rule.version) == (12, 2)


def test_the_request_clock_changed_meanwhile_is_refused_not_overwritten(cast, officer, client):
    client.force_login(officer)
    rules = reverse("console:privacy_rules")
    assert 'name="version" value="0"' in client.get(rules).content.decode()

    assert client.post(rules, {"request_days": 10, "version": 0}).status_code == 302
    stale = client.post(rules, {"request_days": 20, "gdpr_mode": "on", "version": 0})
    unversioned = client.post(rules, {"request_days": 20})

    assert stale.status_code == 409 and STALE in stale.content.decode()
    assert unversioned.status_code == 400
    saved = PrivacySettings.objects.get(company=cast.company)
    assert (saved.request_days, saved.gdpr_mode, saved.version) == (10, False, 1)
