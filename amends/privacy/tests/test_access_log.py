"""The access log: every contact revealed and every unmasked export is logged, and the auditor
finds who saw a phone number; sensitive complaints show their text only to the roles with that
right; breaches run on a 72-hour clock."""

from __future__ import annotations

import importlib
from datetime import date

import pytest

from amends.complaints import services as complaint_services
from amends.complaints.models import Complaint
from amends.complaints.services.access import may_see_sensitive, sensitive_text
from amends.conftest import local
from amends.core import clock
from amends.core.errors import InvalidInput, PermissionDenied
from amends.notifications.models import Outbox
from amends.privacy import clocks, selectors, services
from amends.privacy.models import AccessLog, Breach, SensitiveConsent
from amends.privacy.tests.story import PHONE, full_complaint


def test_the_auditor_finds_who_saw_a_phone_number(cast, officer):
    c = full_complaint(cast, close=False)
    other = cast.receive(phone="13700001111")
    with clock.travel(local(2026, 11, 21, 15, 0)):
        complaint_services.complaint_reveal_contact(complaint=c, actor=cast.manager)
        complaint_services.complaint_reveal_contact(complaint=other, actor=cast.specialist)
    found = list(selectors.access_log_search(actor=cast.auditor, contact=PHONE))
    assert [(row.actor, row.reference) for row in found] == [(cast.manager, c.reference)]
    assert found[0].at == local(2026, 11, 21, 15, 0) and "revealed" in found[0].what
    assert found[0].why == f"handling complaint {c.reference}"
    # By staff member and by date too; the privacy officer reads it as well.
    by_staff = selectors.access_log_search(actor=officer, staff=cast.specialist)
    assert [row.reference for row in by_staff] == [other.reference]
    assert not selectors.access_log_search(actor=officer, since=date(2026, 11, 22)).exists()
    assert selectors.access_log_search(actor=officer, until=date(2026, 11, 21)).count() == 2
    with pytest.raises(InvalidInput):
        list(selectors.access_log_search(actor=cast.auditor, contact="abc"))


def test_others_may_not_read_the_access_log(cast):
    for actor in (cast.manager, cast.director, cast.desk, cast.stranger):
        with pytest.raises(PermissionDenied):
            selectors.access_log_search(actor=actor)


def test_the_log_stays_findable_after_the_customer_is_erased(cast, officer):
    services.retention_rule_set(
        actor=officer, data_class="complaint_record", months=6, trigger="closed"
    )
    c = full_complaint(cast)
    with clock.travel(local(2026, 11, 21, 15, 0)):
        complaint_services.complaint_reveal_contact(complaint=c, actor=cast.manager)
    from amends.privacy.purge import purge

    purge(now=local(2027, 5, 21, 12, 0))
    c.customer.refresh_from_db()
    assert c.customer.phone == ""
    assert selectors.access_log_search(actor=cast.auditor, contact=PHONE).count() == 1


def test_an_unmasked_export_is_logged(cast):
    exports = importlib.import_module("amends.reports.exports")  # the layer above: by name

    with clock.travel(local(2026, 11, 20, 9, 0)):
        c = cast.receive()
    with clock.travel(local(2026, 11, 21, 9, 0)):
        export = exports.export_request(
            actor=cast.director,
            kind="complaints_csv",
            params={"venue": "GYM1", "month": "2026-11"},
            language="en",
        )
        assert export.unmasked
        exports.export_run(export.pk, now=local(2026, 11, 21, 9, 0))
    # The act, and the customer in the file (found by her phone).
    act = AccessLog.objects.get(customer_id__isnull=True)
    assert act.actor == cast.director and "unmasked (1 rows)" in act.what
    person = AccessLog.objects.get(customer_id=c.customer_id)
    assert person.actor == cast.director and person.what == act.what


def test_sensitive_complaints_are_flagged_at_intake_and_shown_to_the_right_roles(cast, officer):
    c = cast.receive(description="孩子在泳池边摔倒，膝盖流血了。")
    c.refresh_from_db()
    assert set(c.sensitive) >= {"injury", "minor"}
    # The desk received it and reads it; a specialist it is not with, and the auditor, do not.
    assert may_see_sensitive(c, cast.desk)
    assert c.owner != cast.specialist2 and c.assignee != cast.specialist2
    assert not may_see_sensitive(c, cast.specialist2) and not may_see_sensitive(c, cast.auditor)
    assert may_see_sensitive(c, cast.manager) and may_see_sensitive(c, cast.director)
    assert may_see_sensitive(c, officer)
    text, note = sensitive_text(c, cast.specialist2, c.description)
    assert "流血" not in text and "injury" in note
    assert sensitive_text(c, cast.manager, c.description) == (c.description, "")
    # Once it is in the other specialist's hands, they read it.
    Complaint.objects.filter(pk=c.pk).update(assignee=cast.specialist2)
    c.refresh_from_db()
    assert may_see_sensitive(c, cast.specialist2)
    plain = cast.receive(description="前台态度不好。")
    plain.refresh_from_db()
    assert plain.sensitive == [] and may_see_sensitive(plain, cast.desk)


def test_staff_flag_a_complaint_and_only_a_manager_unflags_it(cast):
    c = cast.receive(description="前台态度不好。")
    c = services.complaint_set_sensitive(actor=cast.desk, complaint=c, kinds=["health"])
    assert c.sensitive == ["health"]
    with pytest.raises(PermissionDenied):
        services.complaint_set_sensitive(actor=cast.desk, complaint=c, kinds=[])
    assert (
        services.complaint_set_sensitive(actor=cast.manager, complaint=c, kinds=[]).sensitive == []
    )
    with pytest.raises(InvalidInput):
        services.complaint_set_sensitive(actor=cast.manager, complaint=c, kinds=["blood"])


def test_separate_consent_is_recorded(cast):
    c = cast.receive(description="孩子在泳池边摔倒，膝盖流血了。")
    c.refresh_from_db()
    consent = services.sensitive_consent_record(
        actor=cast.desk, complaint=c, given=True, method="signature", note="监护人签字"
    )
    assert consent.kinds == c.sensitive and SensitiveConsent.objects.count() == 1


def test_a_breach_has_its_72_hour_deadline_and_the_officer_is_reminded(cast, officer):
    found = local(2026, 11, 21, 9, 0)
    with clock.travel(local(2026, 11, 21, 10, 0)):
        breach = services.breach_record(
            actor=officer,
            discovered_at=found,
            description="导出文件误发给外部邮箱",
            data_classes=["contact_data"],
            people_affected=120,
        )
    assert breach.notify_by == local(2026, 11, 24, 9, 0)
    assert clocks.breaches_tick(now=local(2026, 11, 23, 8, 0))["breach_reminders"] == 0
    assert clocks.breaches_tick(now=local(2026, 11, 23, 9, 30))["breach_reminders"] == 1
    assert clocks.breaches_tick(now=local(2026, 11, 23, 10, 0))["breach_reminders"] == 0
    assert clocks.breaches_tick(now=local(2026, 11, 24, 9, 30))["breach_reminders"] == 1
    assert Outbox.objects.filter(recipient_user=officer, kind=Outbox.Kind.ESCALATION).exists()
    with clock.travel(local(2026, 11, 24, 10, 0)):
        breach = services.breach_update(
            actor=officer, breach=breach, status="notified", notified_at=None, version=1
        )
    assert breach.notified_at == local(2026, 11, 24, 10, 0)
    assert clocks.breaches_tick(now=local(2026, 11, 25, 9, 30))["breach_reminders"] == 0
    with pytest.raises(PermissionDenied):
        services.breach_record(
            actor=cast.manager,
            discovered_at=found,
            description="x",
            data_classes=[],
            people_affected=1,
        )
    assert Breach.objects.count() == 1
