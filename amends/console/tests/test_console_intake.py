"""Intake at a busy desk: the essentials first and the rest behind "more details", photos
attached when the complaint is recorded (a refused file never loses the complaint), a member
number that fills the customer's name, on concrete dates."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from amends.complaints.models import Complaint, Evidence
from amends.complaints.tests.test_evidence import png_bytes
from amends.conftest import Cast, local
from amends.core import clock
from amends.members.services import customer_find_or_create, member_link
from amends.notifications.models import Outbox

INTAKE = reverse("console:intake")
MEMBER = reverse("console:intake_member")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def desk(client: Client, cast: Cast) -> Client:
    client.force_login(cast.desk)
    return client


def _form(cast: Cast, **fields: object) -> dict[str, object]:
    return {
        "venue": cast.gym.pk,
        "channel": "front_desk",
        "customer_name": "王芳",
        "phone": "138 0013 8000",
        "language": "zh-hans",
        "description": "淋浴间地面湿滑，摔了一跤。",
        "customer_request": "希望尽快加防滑垫。",
        **fields,
    }


def _photo(name: str = "floor.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def _said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_it_asks_the_essentials_first_and_folds_the_rest(desk: Client, cast: Cast) -> None:
    html = desk.get(INTAKE).content.decode()

    order = [
        'name="customer_name"',
        'name="member_number"',
        'name="phone"',
        'name="description"',
        'name="customer_request"',
        '<details class="more">',
        'name="email"',
        'name="occurred_at"',
        'name="category"',
        'name="severity"',
        'class="submit-bar"',
    ]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert '<script src="/static/console/intake.js" defer></script>' in html


def test_it_opens_more_details_when_something_there_is_wrong(desk: Client, cast: Cast) -> None:
    response = desk.post(INTAKE, _form(cast, occurred_at="昨天", review="1"))
    html = response.content.decode()

    assert response.status_code == 400
    assert '<details class="more" open>' in html


def test_it_records_the_complaint_with_every_photo_in_the_confirming_request(
    desk: Client, cast: Cast
) -> None:
    review = desk.post(INTAKE, _form(cast, review="1")).content.decode()
    assert 'enctype="multipart/form-data"' in review
    assert 'type="file" name="photos"' in review and "multiple" in review

    with clock.travel(local(2026, 11, 20, 10, 0)):
        done = desk.post(
            INTAKE,
            _form(cast, confirm="1", photos=[_photo("floor.png"), _photo("shoe.png")]),
            follow=True,
        )

    c = Complaint.objects.get()
    assert c.reference == "GYM1-20261120-0001"
    assert sorted(Evidence.objects.filter(complaint=c).values_list("original_name", flat=True)) == [
        "floor.png",
        "shoe.png",
    ]
    assert set(Evidence.objects.values_list("content_type", flat=True)) == {"image/png"}
    assert "已附加文件：2 个。" in _said(done)


def test_it_keeps_the_complaint_when_a_photo_is_refused(desk: Client, cast: Cast) -> None:
    program = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200, "image/jpeg")

    with clock.travel(local(2026, 11, 20, 10, 0)):
        done = desk.post(INTAKE, _form(cast, confirm="1", photos=[program, _photo()]), follow=True)

    c = Complaint.objects.get()
    assert done.redirect_chain[-1][0] == reverse("console:intake_done", args=[c.reference])
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["floor.png"]
    assert _said(done) == [
        "投诉已记录，但文件 photo.jpg 未能附加："
        "不支持该文件类型。请上传照片、PDF、录音、录像或文本文件。请在投诉页面重新添加。",
        "已附加文件：1 个。",
    ]


def test_it_refuses_more_than_ten_photos_before_recording(desk: Client, cast: Cast) -> None:
    response = desk.post(
        INTAKE, _form(cast, confirm="1", photos=[_photo(f"{n}.png") for n in range(11)])
    )

    assert response.status_code == 400
    assert "此处最多附加 10 个文件，更多文件请在投诉页面添加。" in response.content.decode()
    assert not Complaint.objects.exists()


def test_it_goes_back_to_the_form_to_change_something(desk: Client, cast: Cast) -> None:
    response = desk.post(INTAKE, _form(cast, edit="1"))
    html = response.content.decode()

    assert response.status_code == 200
    assert 'id="id_description">\n淋浴间地面湿滑，摔了一跤。</textarea>' in html
    assert not Complaint.objects.exists()


@pytest.fixture
def member(cast: Cast) -> str:
    with clock.travel(local(2026, 11, 1, 9, 0)):
        customer, _ = customer_find_or_create(
            company=cast.company, name="赵敏", phone="13911112222", language="zh-hans"
        )
        member_link(customer=customer, venue=cast.gym, number="JA-0087")
    return "JA-0087"


def test_it_fills_the_name_from_the_member_record(desk: Client, cast: Cast, member: str) -> None:
    html = desk.get(
        MEMBER, {"venue": cast.gym.pk, "member_number": member, "customer_name": ""}
    ).content.decode()

    assert (
        '<p id="member-found" class="member-found" aria-live="polite">'
        "已找到会员：赵敏（已填入姓名）。</p>" in html
    )
    assert (
        '<input type="text" name="customer_name" id="id_customer_name" value="赵敏" '
        'maxlength="100" hx-swap-oob="true">'
    ) in html
    assert "13911112222" not in html and "2222" not in html


def test_it_leaves_a_typed_name_as_it_is(desk: Client, cast: Cast, member: str) -> None:
    html = desk.get(
        MEMBER, {"venue": cast.gym.pk, "member_number": member, "customer_name": "赵女士"}
    ).content.decode()

    assert "已找到会员：赵敏。" in html
    assert "hx-swap-oob" not in html


def test_it_says_when_the_number_is_not_a_member_here(
    desk: Client, cast: Cast, member: str
) -> None:
    html = desk.get(MEMBER, {"venue": cast.gym.pk, "member_number": "JA-9999"}).content.decode()

    assert "本门店没有此会员号。" in html
    assert "赵敏" not in html


def test_it_answers_a_member_lookup_only_at_a_venue_where_one_records_complaints(
    client: Client, cast: Cast, member: str
) -> None:
    client.force_login(cast.outsider)  # the front desk of GYM2
    response = client.get(MEMBER, {"venue": cast.gym.pk, "member_number": member})

    assert response.status_code == 404
    assert "赵敏" not in response.content.decode()
    client.logout()
    assert client.get(MEMBER, {"venue": cast.gym.pk, "member_number": member}).status_code == 302


def test_it_reaches_a_member_who_gives_only_their_number(
    desk: Client, cast: Cast, member: str
) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        desk.post(
            INTAKE, _form(cast, phone="", customer_name="赵敏", member_number=member, confirm="1")
        )

    c = Complaint.objects.get()
    assert c.member is not None and c.member.number == "JA-0087"
    assert c.customer.phone == "+8613911112222"
    sms = Outbox.objects.get(complaint_id=c.pk, kind=Outbox.Kind.ACKNOWLEDGEMENT)
    assert sms.channel == Outbox.Channel.SMS


# The statements of one recorded complaint, the whole request: the session, the person, their
# venues (with the company), then the intake's own work (`complaints/tests/
# test_intake_queries.py`). The person's roles and whether they have a second factor come from
# the per-process cache; the venue chosen is one of the venues already read. The bound.
REQUEST_STATEMENTS = 12


def test_a_complaint_recorded_at_the_desk_costs_the_request_twelve_statements(
    desk: Client, cast: Cast
) -> None:
    def statements(phone: str) -> list[str]:
        form = _form(cast, phone=phone, description="空调太冷了。", customer_request="调高温度。")
        with CaptureQueriesContext(connection) as seen:
            response = desk.post(INTAKE, {**form, "confirm": "1"})
        assert response.status_code == 302
        return [
            q["sql"]
            for q in seen.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        ]

    with clock.travel(local(2026, 11, 20, 10, 0)):
        statements("13700000001")  # the process's caches filled (each specialist assigned once)
        statements("13700000002")
        new = statements("13700000003")
        known = statements("13700000001")  # the same customer again: their complaints read
    assert len(new) <= REQUEST_STATEMENTS, "\n".join(new)
    assert len(known) <= REQUEST_STATEMENTS, "\n".join(known)
    assert Complaint.objects.count() == 4
    for table in ("orgs_rolegrant", "otp_totp_totpdevice", "orgs_company"):  # read on their own
        assert not [q for q in new + known if q.startswith(f'SELECT "{table}"')]
    assert sum('FROM "orgs_venue"' in q for q in new) == 1


def test_a_venue_not_among_the_persons_is_refused_on_the_form(desk: Client, cast: Cast) -> None:
    response = desk.post(INTAKE, {**_form(cast, venue=cast.hotel.pk), "confirm": "1"})
    assert response.status_code == 400
    assert response.context["form"].errors["venue"][0].startswith("Select a valid choice") or (
        response.context["form"].errors["venue"][0].startswith("选择一个有效的选项")
    )
    assert not Complaint.objects.exists()
