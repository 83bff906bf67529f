"""The month the report tests count by hand: November 2026 at the gym (GYM1, Asia/Shanghai),
built through the real services and catalogue at the moments the story names.

    O1  10-31 23:59  facility_equipment urgent  phone       October (15:59 UTC): not counted
    C1  11-01 00:01  facility_equipment urgent  phone       Nov (10-31 16:01 UTC); responded
                                                            01:01 (1.0 h); open, resolution
                                                            overdue since 11-04 00:01
    C2  11-05 10:00  service_quality general    front_desk  about the coach; responded 12:00
                                                            (2.0 h); 11-06 10:00 refund ¥500
                                                            (manager approves), carried out,
                                                            feedback; warning for the coach;
                                                            11-07 10:00 reopened (→ important,
                                                            response owed again: overdue)
    C3  11-10 09:00  service_attitude general   front_desk  responded 09:30 (0.5 h); 11-11
                                                            09:00 refund ¥300 (manager
                                                            approves), feedback, revisit,
                                                            closed; survey 5 / NPS 10
    C4  11-12 10:00  billing_price general      phone       responded 11-16 10:00 (96.0 h,
                                                            late); 11-20 10:00 invalid,
                                                            explained (late), closed;
                                                            survey 2 / NPS 3
    C5  11-20 15:00  service_attitude → important phone     C3's customer again: a repeat;
                                                            never answered (overdue)
    C6  11-20 16:00  hygiene_environment general web        merged into C5 at 17:00
    C7  11-25 08:00  hygiene_environment important app      at 更衣室; escalated 09:00
                                                            (manager, level 1); responded
                                                            11:00 (3.0 h); open
    C8  11-26 09:00  hygiene_environment general app        at " 更衣室 ": recurring with C7
                                                            (the same cause: → important)
    C9  11-30 23:59  noise urgent               phone       November (15:59 UTC); untouched
    D1  12-01 00:01  noise urgent               phone       December: not counted

The report is read at 2026-12-03 12:00 Shanghai (NOW).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from amends.complaints import services
from amends.complaints.models import Complaint, Survey
from amends.complaints.tests.stories import act, drive, received
from amends.conftest import Cast, local
from amends.core import clock

NOVEMBER = date(2026, 11, 1)
NOW = local(2026, 12, 3, 12, 0)


@dataclass
class November:
    o1: Complaint
    c1: Complaint
    c2: Complaint
    c3: Complaint
    c4: Complaint
    c5: Complaint
    c6: Complaint
    c7: Complaint
    c8: Complaint
    c9: Complaint
    d1: Complaint

    def fresh(self, name: str) -> Complaint:
        complaint: Complaint = getattr(self, name)
        return Complaint.objects.get(pk=complaint.pk)


def _receive(cast: Cast, at: Any, **fields: Any) -> Complaint:
    category = fields.pop("category")
    with clock.travel(at):
        return received(cast, category=cast.category(category), **fields)


def _respond(cast: Cast, c: Complaint, at: Any) -> Complaint:
    """Acknowledge, assign to the specialist, who takes it up: the first response."""
    with clock.travel(at):
        return drive(cast, "investigating", complaint=c)


def _answer(c: Complaint, at: Any, satisfaction: int, nps: int) -> None:
    with clock.travel(at):
        token = Survey.objects.get(complaint_id=c.pk).token
        services.survey_answer(token=token, satisfaction=satisfaction, nps=nps)


def build_november(cast: Cast) -> November:
    o1 = _receive(
        cast,
        local(2026, 10, 31, 23, 59),
        category="facility_equipment",
        severity="urgent",
        channel="phone",
        phone="13800000001",
        customer_name="赵一",
    )
    c1 = _receive(
        cast,
        local(2026, 11, 1, 0, 1),
        category="facility_equipment",
        severity="urgent",
        channel="phone",
        phone="13800000002",
        customer_name="钱二",
    )
    _respond(cast, c1, local(2026, 11, 1, 1, 1))

    c2 = _receive(
        cast,
        local(2026, 11, 5, 10, 0),
        category="service_quality",
        severity="general",
        channel="front_desk",
        phone="13800000003",
        customer_name="孙三",
        subject_staff=cast.coach,
    )
    _respond(cast, c2, local(2026, 11, 5, 12, 0))
    with clock.travel(local(2026, 11, 6, 10, 0)):
        drive(cast, "feedback_given", complaint=Complaint.objects.get(pk=c2.pk), amount=500)
        act("consequence", c2, cast.manager, staff=cast.coach.pk, kind="warning", note="书面警告")
    with clock.travel(local(2026, 11, 7, 10, 0)):
        act("reopen", c2, cast.manager, reason="客户来电表示问题未解决")

    c3 = _receive(
        cast,
        local(2026, 11, 10, 9, 0),
        category="service_attitude",
        severity="general",
        channel="front_desk",
        phone="13800000004",
        customer_name="李四",
    )
    _respond(cast, c3, local(2026, 11, 10, 9, 30))
    with clock.travel(local(2026, 11, 11, 9, 0)):
        drive(cast, "closed", complaint=Complaint.objects.get(pk=c3.pk), amount=300)
    _answer(c3, local(2026, 11, 12, 10, 0), satisfaction=5, nps=10)

    c4 = _receive(
        cast,
        local(2026, 11, 12, 10, 0),
        category="billing_price",
        severity="general",
        channel="phone",
        phone="13800000005",
        customer_name="周五",
    )
    _respond(cast, c4, local(2026, 11, 16, 10, 0))
    with clock.travel(local(2026, 11, 20, 10, 0)):
        drive(cast, "explained", complaint=Complaint.objects.get(pk=c4.pk))
        act("close", c4, cast.specialist)
    _answer(c4, local(2026, 11, 21, 10, 0), satisfaction=2, nps=3)

    c5 = _receive(
        cast,
        local(2026, 11, 20, 15, 0),
        category="service_attitude",
        severity="general",
        channel="phone",
        phone="13800000004",
        customer_name="李四",
    )
    c6 = _receive(
        cast,
        local(2026, 11, 20, 16, 0),
        category="hygiene_environment",
        severity="general",
        channel="web",
        phone="13800000006",
        customer_name="吴六",
    )
    with clock.travel(local(2026, 11, 20, 17, 0)):
        act("merge", c6, cast.manager, into=c5.reference, reason="同一件事")

    c7 = _receive(
        cast,
        local(2026, 11, 25, 8, 0),
        category="hygiene_environment",
        severity="important",
        channel="app",
        phone="13800000007",
        customer_name="郑七",
        location="更衣室",
    )
    with clock.travel(local(2026, 11, 25, 9, 0)):
        act("escalate", c7, cast.manager, reason="地面积水，已两次")
    _respond(cast, c7, local(2026, 11, 25, 11, 0))

    c8 = _receive(
        cast,
        local(2026, 11, 26, 9, 0),
        category="hygiene_environment",
        severity="general",
        channel="app",
        phone="13800000008",
        customer_name="王八",
        location=" 更衣室 ",
    )
    c9 = _receive(
        cast,
        local(2026, 11, 30, 23, 59),
        category="noise",
        severity="urgent",
        channel="phone",
        phone="13800000009",
        customer_name="冯九",
    )
    d1 = _receive(
        cast,
        local(2026, 12, 1, 0, 1),
        category="noise",
        severity="urgent",
        channel="phone",
        phone="13800000010",
        customer_name="陈十",
    )
    return November(o1, c1, c2, c3, c4, c5, c6, c7, c8, c9, d1)


MONEY = Decimal
