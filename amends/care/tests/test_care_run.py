"""The daily care run at the Jing'an gym: at 10:00 local time each rule greets the members it
names that day — renewal 30, 10 and 1 days before the end, one session left, birthdays,
ten days without a visit, the first day of a holiday — once per member, rule and day."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections

from amends.care.jobs import daily
from amends.care.models import CareMessage
from amends.care.selectors import care_sent
from amends.care.services import care_rule_save, care_run, record_visit, use_session
from amends.care.services_rules import birthday_today
from amends.care.tests.stories import member, rule
from amends.conftest import local
from amends.core.errors import InvalidInput, PermissionDenied, StaleVersion
from amends.notifications.models import Outbox
from amends.workflow.models import CalendarOverride


def run(cast, *when):
    return care_run(venue=cast.gym, now=local(*when))


def sent(kind=None):
    messages = CareMessage.objects.order_by("member__number", "day")
    if kind:
        messages = messages.filter(rule__kind=kind)
    return [(m.member.number, m.day, m.status, m.detail) for m in messages]


def test_renewal_reminders_go_30_10_and_1_days_before_the_end(cast):
    rule(cast, "renewal")
    member(cast, "R30", expires_on=date(2026, 12, 23))
    member(cast, "R10", expires_on=date(2026, 12, 3))
    member(cast, "R1", expires_on=date(2026, 11, 24))
    member(cast, "R5", expires_on=date(2026, 11, 28))
    assert run(cast, 2026, 11, 23, 10, 0)["queued"] == 3
    assert sent() == [
        ("R1", date(2026, 11, 23), "queued", "1"),
        ("R10", date(2026, 11, 23), "queued", "10"),
        ("R30", date(2026, 11, 23), "queued", "30"),
    ]
    sms = Outbox.objects.get(reference="GYM1:R1")
    assert (sms.kind, sms.channel, sms.language) == ("care", "sms", "zh-hans")
    assert sms.recipient_address.startswith("+86139")
    assert sms.body == "会员R1您好：静安健身会所提醒您。"


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_sends_the_next(cast):
    rule(cast, "renewal")
    member(cast, "R10", expires_on=date(2026, 12, 3))
    member(cast, "R1", expires_on=date(2026, 11, 24))
    assert run(cast, 2026, 11, 15, 10, 0)["queued"] == 0
    assert run(cast, 2026, 11, 23, 10, 0)["queued"] == 2
    assert run(cast, 2026, 11, 23, 10, 15)["queued"] == 0
    assert daily(now=local(2026, 11, 23, 16, 0)).get("queued", 0) == 0
    # A rule that ran is not run again that day, not even for a member who now qualifies.
    member(cast, "LATE", expires_on=date(2026, 11, 24))
    assert run(cast, 2026, 11, 23, 17, 0)["queued"] == 0
    assert CareMessage.objects.count() == Outbox.objects.filter(kind="care").count() == 2
    # R10 is reminded again at 1 day before (2 Dec); nobody on the 24th.
    assert run(cast, 2026, 11, 24, 10, 0)["queued"] == 0
    assert run(cast, 2026, 12, 2, 10, 0)["queued"] == 1
    assert sent()[-1][:2] == ("R10", date(2026, 12, 2))


def test_nothing_is_sent_before_the_rules_time(cast):
    rule(cast, "renewal", send_at="10:00")
    member(cast, "R1", expires_on=date(2026, 11, 24))
    assert run(cast, 2026, 11, 23, 9, 59) == {"queued": 0, "opted_out": 0, "no_contact": 0}
    assert daily(now=local(2026, 11, 23, 9, 45)).get("queued", 0) == 0
    assert daily(now=local(2026, 11, 23, 10, 0))["queued"] == 1


def test_a_channel_opted_out_of_is_recorded_and_not_sent(cast):
    rule(cast, "renewal")
    member(cast, "QUIET", expires_on=date(2026, 11, 24), opt_outs=["sms"])
    member(cast, "MAILONLY", expires_on=date(2026, 11, 24), opt_outs=["email"])
    assert run(cast, 2026, 11, 23, 10, 0) == {"queued": 1, "opted_out": 1, "no_contact": 0}
    assert [(n, s) for n, _d, s, _x in sent()] == [("MAILONLY", "queued"), ("QUIET", "opted_out")]
    assert not Outbox.objects.filter(reference="GYM1:QUIET").exists()
    assert run(cast, 2026, 11, 23, 11, 0) == {"queued": 0, "opted_out": 0, "no_contact": 0}


def test_a_member_without_the_rules_address_is_recorded_as_no_contact(cast):
    rule(cast, "renewal", channel="email")
    member(cast, "NOMAIL", expires_on=date(2026, 11, 24))
    member(cast, "MAIL", expires_on=date(2026, 11, 24), email="mail@example.com", language="en")
    assert run(cast, 2026, 11, 23, 10, 0) == {"queued": 1, "opted_out": 0, "no_contact": 1}
    mail = Outbox.objects.get(reference="GYM1:MAIL")
    assert (mail.channel, mail.language) == ("email", "en")
    assert mail.body == "Dear 会员MAIL, a word from 静安健身会所."
    assert "Renewal reminder" in mail.subject


def test_birthdays_are_greeted_only_with_a_birth_date(cast):
    rule(cast, "birthday")
    member(cast, "BDAY", birthday="1990-11-23")
    member(cast, "OTHER", birthday="1990-11-24")
    member(cast, "NONE")
    run(cast, 2026, 11, 23, 10, 0)
    assert [n for n, *_ in sent("birthday")] == ["BDAY"]


def test_a_29_february_birthday_is_greeted_on_28_february_in_other_years(cast):
    assert birthday_today("1992-02-29", date(2027, 2, 28))
    assert not birthday_today("1992-02-29", date(2028, 2, 28))
    assert birthday_today("1992-02-29", date(2028, 2, 29))
    assert not birthday_today("1992-02-28", date(2028, 2, 29))
    assert not birthday_today("", date(2028, 2, 29))
    rule(cast, "birthday")
    member(cast, "LEAP", birthday="1992-02-29")
    run(cast, 2027, 2, 27, 10, 0)
    run(cast, 2027, 2, 28, 10, 0)
    run(cast, 2027, 3, 1, 10, 0)
    assert sent("birthday") == [("LEAP", date(2027, 2, 28), "queued", "")]


def test_ten_days_without_a_visit_sends_we_miss_you(cast):
    rule(cast, "inactivity")
    m = member(cast, "IDLE")
    record_visit(member=m, on=date(2026, 11, 13))
    record_visit(member=member(cast, "NINE"), on=date(2026, 11, 14))
    record_visit(member=m, on=date(2026, 11, 1))  # an older visit changes nothing
    run(cast, 2026, 11, 23, 10, 0)
    assert sent("inactivity") == [("IDLE", date(2026, 11, 23), "queued", "10")]


def test_one_session_left_is_said_once(cast):
    rule(cast, "last_session")
    m = member(cast, "PACK", sessions_left=2)
    run(cast, 2026, 11, 23, 10, 0)
    assert sent("last_session") == []
    use_session(member=m)
    # The rule ran today: the next run is tomorrow's, and one reminder is enough.
    assert run(cast, 2026, 11, 23, 11, 0)["queued"] == 0
    run(cast, 2026, 11, 24, 10, 0)
    run(cast, 2026, 11, 25, 10, 0)
    assert sent("last_session") == [("PACK", date(2026, 11, 24), "queued", "1")]


def test_holiday_greetings_on_the_first_day_of_a_holiday(cast):
    rule(cast, "holiday")
    member(cast, "H1")
    run(cast, 2027, 9, 30, 10, 0)
    run(cast, 2027, 10, 1, 10, 0)  # National Day
    run(cast, 2027, 10, 2, 10, 0)
    assert [d for _n, d, *_ in sent("holiday")] == [date(2027, 10, 1)]
    # A named day off in the calendar the admin keeps is a holiday too.
    CalendarOverride.objects.create(day=date(2027, 11, 11), is_working_day=False, name="店庆")
    run(cast, 2027, 11, 11, 10, 0)
    assert [d for _n, d, *_ in sent("holiday")][-1] == date(2027, 11, 11)


def test_members_of_other_venues_and_inactive_members_are_left_out(cast):
    rule(cast, "renewal")
    member(cast, "GONE", expires_on=date(2026, 11, 24), status="frozen")
    member(cast, "ELSEWHERE", venue=cast.gym2, expires_on=date(2026, 11, 24))
    assert run(cast, 2026, 11, 23, 10, 0)["queued"] == 0


def test_care_sent_counts_per_kind_and_status(cast):
    rule(cast, "renewal")
    rule(cast, "birthday")
    member(cast, "R1", expires_on=date(2026, 11, 24), birthday="1990-11-23")
    member(cast, "R2", expires_on=date(2026, 11, 24), opt_outs=["sms"])
    run(cast, 2026, 11, 23, 10, 0)
    assert care_sent(cast.gym, date(2026, 11, 1), date(2026, 11, 30)) == {
        "renewal": {"queued": 1, "opted_out": 1},
        "birthday": {"queued": 1},
    }
    assert care_sent(cast.gym, date(2026, 11, 24), date(2026, 11, 30)) == {}


@pytest.mark.django_db(transaction=True)
def test_two_care_runs_at_once_send_one_message_each(cast):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions: PostgreSQL")
    rule(cast, "renewal")
    for number in ("C1", "C2", "C3"):
        member(cast, number, expires_on=date(2026, 11, 24))
    barrier = threading.Barrier(2)
    counts: list[dict[str, int]] = []

    def go() -> None:
        try:
            barrier.wait()
            counts.append(run(cast, 2026, 11, 23, 10, 0))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(c["queued"] for c in counts) == 3
    assert CareMessage.objects.count() == Outbox.objects.filter(kind="care").count() == 3


def test_a_care_rule_is_saved_with_its_defaults_version_checked_and_once_per_kind(cast):
    renewal = rule(cast, "renewal")
    assert (renewal.days, str(renewal.send_at), renewal.channel) == ([30, 10, 1], "10:00:00", "sms")
    assert rule(cast, "inactivity").days == [10]
    assert rule(cast, "birthday", days="3").days == []
    with pytest.raises(InvalidInput) as twice:
        rule(cast, "renewal")
    assert twice.value.code == "care_rule_exists"
    data = {
        "kind": "renewal",
        "days": "7, 3",
        "send_at": "09:30",
        "channel": "email",
        "message_zh": "续费提醒",
        "message_en": "Renew",
    }
    saved = care_rule_save(
        actor=cast.manager, venue=cast.gym, rule=renewal, version=renewal.version, data=data
    )
    assert (saved.days, saved.channel, saved.version) == ([7, 3], "email", 2)
    with pytest.raises(StaleVersion):
        care_rule_save(
            actor=cast.manager, venue=cast.gym, rule=renewal, version=renewal.version, data=data
        )
    for days in ("0", "x", ",".join(["1"] * 11) + ",2,3,4,5,6,7,8,9,10,11"):
        with pytest.raises(InvalidInput):
            care_rule_save(
                actor=cast.manager,
                venue=cast.gym,
                rule=saved,
                version=saved.version,
                data={**data, "days": days},
            )
    with pytest.raises(PermissionDenied):
        care_rule_save(actor=cast.outsider, venue=cast.gym, data={**data, "kind": "holiday"})
