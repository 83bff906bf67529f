"""Messages are rendered in the recipient's language when they are queued: the customer in the
language of their complaint, each member of staff in the language of their account."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from amends.core import clock
from amends.notifications.models import Outbox
from amends.orgs.roles import Role
from amends.orgs.services import role_grant, staff_create, staff_set_language

SHANGHAI = ZoneInfo("Asia/Shanghai")
WHEN = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
REF = "GYM1-20261120-0001"


def acknowledgement(complaint_id: int) -> Outbox:
    return Outbox.objects.get(complaint_id=complaint_id, kind=Outbox.Kind.ACKNOWLEDGEMENT)


def test_it_acknowledges_a_chinese_complaint_in_chinese(cast: Any) -> None:
    with clock.travel(WHEN):
        c = cast.receive(severity="general", language="zh-hans")
    ack = acknowledgement(c.pk)
    assert (ack.language, ack.channel, ack.recipient_address) == (
        "zh-hans",
        "sms",
        "+8613800138000",
    )
    assert ack.subject == f"您的投诉已受理（投诉编号：{REF}）"
    assert ack.body.split("\n\n")[0] == (
        f"感谢您向我们反映情况。静安健身会所已受理您的投诉，投诉编号为 {REF}。"
        "我们将于 2026-11-21 18:00 前给您答复。"  # 24 of the club's opening hours (06–22)
    )
    assert (ack.reference, ack.dedupe_key) == (REF, f"ack:{c.pk}")


def test_it_acknowledges_an_english_complaint_in_english(cast: Any) -> None:
    with clock.travel(WHEN):
        c = cast.receive(severity="important", language="en", channel="email")
    ack = acknowledgement(c.pk)
    assert (ack.language, ack.channel, ack.recipient_address) == (
        "en",
        "email",
        "wang.fang@example.com",
    )
    assert ack.subject == f"We have received your complaint {REF}"
    assert ack.body.split("\n\n")[0] == (
        f"Thank you for telling us. 静安健身会所 has recorded your complaint as {REF}. "
        "We will reply by 2026-11-20 22:00."
    )


def test_it_answers_each_complaint_in_its_own_language_for_the_same_customer(cast: Any) -> None:
    with clock.travel(WHEN):
        chinese = cast.receive(language="zh-hans")
        english = cast.receive(language="en")
    assert chinese.customer_id == english.customer_id
    assert chinese.customer.language == "zh-hans"  # the language they first spoke
    assert acknowledgement(chinese.pk).subject.startswith("您的投诉已受理")
    assert acknowledgement(english.pk).subject == (
        f"We have received your complaint {english.reference}"
    )
    assert acknowledgement(english.pk).language == "en"


def test_it_writes_back_the_way_the_complaint_came_in(cast: Any) -> None:
    def route(channel: str, **fields: str) -> tuple[str, str]:
        ack = acknowledgement(cast.receive(channel=channel, **fields).pk)
        return ack.channel, ack.recipient_address

    assert route("front_desk") == ("sms", "+8613800138000")
    assert route("phone") == ("sms", "+8613800138000")
    assert route("email") == ("email", "wang.fang@example.com")
    assert route("web") == ("email", "wang.fang@example.com")
    assert route("letter") == ("manual", "")
    assert route("social") == ("manual", "")
    # A customer known only by phone is texted, whichever way they came in.
    assert route("web", phone="13912345678", email="") == ("sms", "+8613912345678")
    assert route("email", phone="13912345678", email="") == ("sms", "+8613912345678")
    assert Outbox.objects.filter(kind=Outbox.Kind.ACKNOWLEDGEMENT).count() == 8


def test_it_writes_to_each_member_of_staff_in_their_own_language(cast: Any) -> None:
    duty = staff_create(
        company=cast.company,
        username="duty",
        password=None,
        email="duty.director@example.com",
        language="en",
    )
    role_grant(user=duty, role=Role.DIRECTOR)
    staff_set_language(user=cast.manager, language="en")
    with clock.travel(WHEN):
        c = cast.receive(category="safety_security", severity="urgent")
    alerts = Outbox.objects.filter(complaint_id=c.pk, kind=Outbox.Kind.URGENT_ALERT)
    seen = {
        (m.recipient_user.username, m.channel): (m.language, m.subject, m.recipient_address)
        for m in alerts.select_related("recipient_user")
    }
    assert seen == {
        ("manager", "in_app"): ("en", f"URGENT complaint {REF}", ""),
        ("director", "in_app"): ("zh-hans", f"【紧急】投诉 {REF}", ""),
        ("duty", "in_app"): ("en", f"URGENT complaint {REF}", ""),
        ("duty", "email"): ("en", f"URGENT complaint {REF}", "duty.director@example.com"),
    }
    by_mail = alerts.get(channel="email")
    assert by_mail.dedupe_key == f"urgent:{c.pk}:{duty.pk}:email"
    assert by_mail.body == alerts.get(channel="in_app", recipient_user=duty).body
    assert by_mail.body == (
        f"{REF} at 静安健身会所: 跑步机皮带突然打滑，我摔倒了膝盖流血. Due: 2026-11-20 14:00."
    )
    director_alert = alerts.get(recipient_user=cast.director)
    assert director_alert.body == (
        f"静安健身会所 投诉 {REF}：跑步机皮带突然打滑，我摔倒了膝盖流血。"
        "截止时间：2026-11-20 14:00。"
    )
    assigned = Outbox.objects.get(complaint_id=c.pk, kind=Outbox.Kind.ASSIGNMENT)
    assert (assigned.recipient_user, assigned.language, assigned.subject) == (
        cast.manager,
        "en",
        f"Complaint {REF} is assigned to you",
    )
