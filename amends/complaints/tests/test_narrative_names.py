"""The timeline tells each step once, in words, with names and departments in the reader's
language — never an id — and follows first-contact ownership: the receiver stays the owner until
the assignee accepts."""

from __future__ import annotations

import pytest
from django.utils import translation

from amends.complaints.models import Complaint
from amends.complaints.narrative import Line, tell
from amends.complaints.tests.stories import act, received
from amends.conftest import Cast, local
from amends.core import clock
from amends.orgs.models import User


def _name(user: User, zh: str, en: str) -> None:
    User.objects.filter(pk=user.pk).update(display_name=zh, display_name_en=en)


@pytest.fixture
def named(cast: Cast) -> Cast:
    _name(cast.desk, "张晓雯", "Zhang Xiaowen")
    _name(cast.specialist, "陈静", "Chen Jing")
    _name(cast.maintenance, "赵强", "Zhao Qiang")
    _name(cast.director, "王建国", "Wang Jianguo")
    return cast


def _told(c: Complaint, language: str) -> list[Line]:
    with translation.override(language):
        return tell(c, list(Complaint.objects.get(pk=c.pk).events.order_by("seq")))


def _handed_over(cast: Cast) -> Complaint:
    with clock.travel(local(2026, 10, 9, 9, 0)):
        c = received(cast)
        act("acknowledge", c, cast.desk)
        act("assign", c, cast.desk, assignee=cast.specialist.pk)
    with clock.travel(local(2026, 10, 9, 9, 30)):
        act("accept", c, cast.specialist)
    return c


def test_it_tells_the_hand_off_in_english_with_names_and_departments(named: Cast) -> None:
    lines = _told(_handed_over(named), "en")

    assert [(line.who, line.title) for line in lines] == [
        ("Zhang Xiaowen (Front office)", "Received via Front desk"),
        ("Zhang Xiaowen (Front office)", "Acknowledged to the customer"),
        ("Zhang Xiaowen (Front office)", "Assigned to Chen Jing (Customer service)"),
        ("Chen Jing (Customer service)", "Accepted and started investigating"),
    ]
    assert lines[2].details == [
        "Zhang Xiaowen (Front office) stays the owner until the assignee accepts."
    ]
    assert lines[3].details == ["Took over from Zhang Xiaowen (Front office)"]


def test_it_tells_the_hand_off_in_chinese_with_chinese_names_only(named: Cast) -> None:
    lines = _told(_handed_over(named), "zh-hans")

    assert [(line.who, line.title) for line in lines] == [
        ("张晓雯（前台）", "已受理（渠道：前台）"),
        ("张晓雯（前台）", "已向客户确认受理"),
        ("张晓雯（前台）", "已分派给陈静（客服部）"),
        ("陈静（客服部）", "已接手并开始调查"),
    ]
    assert lines[2].details == ["在处理人接手之前，张晓雯（前台）仍是首接负责人。"]
    assert lines[3].details == ["已从张晓雯（前台）处接手"]
    assert not any("Zhang" in line.who or "Chen" in line.title for line in lines)


def test_it_names_categories_departments_and_people_in_changed_details(named: Cast) -> None:
    c = _handed_over(named)
    with clock.travel(local(2026, 10, 9, 10, 0)):
        act("classify", c, named.specialist, category=named.category("facility_equipment").pk)
        act(
            "investigation",
            c,
            named.specialist,
            report="跑步机皮带老化。",
            validity="valid",
            responsibility="department",
            responsible_department=named.dept("maintenance").pk,
            cause="objective",
        )

    en = [d for line in _told(c, "en")[4:] for d in line.details]
    zh = [d for line in _told(c, "zh-hans")[4:] for d in line.details]

    assert "Category: Service quality → Facilities and equipment" in en
    assert "Responsible department: — → Maintenance" in en
    assert "投诉类别：服务质量 → 设施设备" in zh
    assert "责任部门：— → 工程维修部" in zh


def test_it_names_a_person_without_a_department_by_their_role(named: Cast) -> None:
    with clock.travel(local(2026, 10, 9, 9, 0)):
        c = received(named)
        act("escalate", c, named.director, reason="客户情绪激动")

    assert _told(c, "en")[-1].who == "Wang Jianguo (Club director)"
    assert _told(c, "zh-hans")[-1].who == "王建国（俱乐部总监）"


def test_it_falls_back_to_the_other_form_when_a_name_has_one(named: Cast) -> None:
    _name(named.desk, "张晓雯", "")

    lines = _told(_handed_over(named), "en")

    assert lines[0].who == "张晓雯 (Front office)"
    assert lines[3].details == ["Took over from 张晓雯 (Front office)"]
