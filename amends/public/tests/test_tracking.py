"""The customer follows their complaint without an account — by its link or by signing in with
a code — reads where it stands, writes to the handler, accepts or declines the remedy, reopens,
adds evidence; a page that went out of date says so instead of failing."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from amends.complaints import services
from amends.complaints.models import Complaint, ComplaintEvent, CustomerConsent, Evidence
from amends.complaints.tests.stories import act, drive
from amends.complaints.tests.test_evidence import png_bytes
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock
from amends.core.principals import Principal
from amends.notifications.models import Outbox

S = State
NOW = local(2026, 11, 20, 10, 0)


def web_complaint(cast: Cast, **fields: Any) -> Complaint:
    intake = {
        "channel": "web",
        "description": "动感单车的座椅松了，上课时差点摔倒。",
        "customer_name": "赵敏",
        "phone": "13700001111",
        "language": "zh-hans",
        **fields,
    }
    with clock.travel(NOW):
        return services.complaint_receive(
            actor=Principal.system("web form"), venue=cast.gym, intake=services.Intake(**intake)
        )


def link(complaint: Complaint) -> str:
    token = services.customer_link_token(complaint)
    return reverse("public:track", args=[complaint.reference, token])


def act_url(complaint: Complaint, name: str) -> str:
    token = services.customer_link_token(complaint)
    return reverse("public:track_act", args=[complaint.reference, token, name])


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


# --- by the link ------------------------------------------------------------------------------


def test_the_link_shows_where_the_complaint_stands_and_by_when(
    client: Client, cast: Cast, settings: Any
) -> None:
    settings.SECURE_REFERRER_POLICY = "unsafe-url"  # the site's default does not leak the token
    complaint = web_complaint(cast)

    with clock.travel(NOW):
        response = client.get(link(complaint) + "?lang=en")

    html = response.content.decode()
    assert response.status_code == 200
    assert complaint.reference in html
    assert f'data-state="{complaint.state}"' in html
    assert complaint.respond_due == local(2026, 11, 21, 18, 0)
    assert "You will hear from us by Nov. 21, 2026 at 18:00." in html
    assert "Received via Web form" in html  # the customer's timeline
    assert 'id="form-message"' in html
    assert 'id="form-evidence"' in html
    assert 'id="form-accept"' not in html and 'id="form-reopen"' not in html
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert "noindex" in response["X-Robots-Tag"]


def test_the_timeline_leaves_out_what_is_for_staff(client: Client, cast: Cast) -> None:
    complaint = web_complaint(cast)
    act("note", complaint, cast.specialist, text="内部备注：教练说座椅早就报修过。")

    html = client.get(link(complaint)).content.decode()

    assert "内部备注" not in html
    assert cast.specialist.display_name not in html


def test_a_wrong_token_is_the_same_404_as_an_unknown_reference(client: Client, cast: Cast) -> None:
    complaint = web_complaint(cast)
    token = services.customer_link_token(complaint)

    wrong = client.get(reverse("public:track", args=[complaint.reference, "0" * 32]))
    unknown = client.get(reverse("public:track", args=["GYM1-20261120-9999", token]))
    other = web_complaint(cast, phone="13700002222")
    crossed = client.get(reverse("public:track", args=[other.reference, token]))

    assert wrong.status_code == unknown.status_code == crossed.status_code == 404
    assert wrong.content == unknown.content == crossed.content
    assert complaint.reference not in wrong.content.decode()
    assert wrong["Referrer-Policy"] == "same-origin"


def test_the_customer_writes_and_the_handler_sees_it_and_replies(
    client: Client, cast: Cast
) -> None:
    complaint = web_complaint(cast)

    response = client.post(
        act_url(complaint, "message"),
        {"version": fresh(complaint).version, "text": "请问什么时候能修好？"},
    )

    assert response.status_code == 302
    assert response["Location"] == link(complaint)
    said = ComplaintEvent.objects.get(complaint=complaint, kind="customer_message")
    assert said.actor_kind == "customer" and said.data["via"] == "web"
    staff = Client()
    staff.force_login(cast.specialist)
    console = staff.get(reverse("console:complaint", args=[complaint.reference])).content.decode()
    assert "请问什么时候能修好？" in console  # the staff timeline, through the narrative
    assert 'id="act-reply"' in console  # the catalogue's reply action, offered to staff

    act("reply", complaint, cast.specialist, text="今天下午维修师傅会处理。")

    page = client.get(link(complaint)).content.decode()
    thread = page[page.index('id="conversation"') : page.index('id="form-message"')]
    assert thread.index("请问什么时候能修好？") < thread.index("今天下午维修师傅会处理。")


def test_an_empty_message_comes_back_with_its_message(client: Client, cast: Cast) -> None:
    complaint = web_complaint(cast)

    response = client.post(
        act_url(complaint, "message"), {"version": fresh(complaint).version, "text": "  "}
    )

    assert response.status_code == 400
    assert 'id="message-text_error"' in response.content.decode()
    assert not ComplaintEvent.objects.filter(kind="customer_message").exists()


def test_a_stale_page_says_so_and_keeps_what_was_typed(client: Client, cast: Cast) -> None:
    complaint = web_complaint(cast)
    seen = fresh(complaint).version
    act("note", complaint, cast.specialist, text="已联系维修部。")  # meanwhile

    response = client.post(
        act_url(complaint, "message"), {"version": seen, "text": "我还在等回复。"}
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert 'id="notice"' in html
    assert "我还在等回复。" in html
    assert f'name="version" value="{fresh(complaint).version}"' in html
    assert not ComplaintEvent.objects.filter(kind="customer_message").exists()


def test_an_action_the_customer_does_not_have_is_404(client: Client, cast: Cast) -> None:
    complaint = web_complaint(cast)

    response = client.post(act_url(complaint, "close"), {"version": fresh(complaint).version})

    assert response.status_code == 404
    assert fresh(complaint).state == complaint.state


def test_a_step_not_possible_now_is_refused_with_its_reason(client: Client, cast: Cast) -> None:
    complaint = web_complaint(cast)

    response = client.post(
        act_url(complaint, "consent"), {"version": fresh(complaint).version, "accepted": "yes"}
    )

    assert response.status_code == 409
    assert not CustomerConsent.objects.exists()


def approved(cast: Cast) -> Complaint:
    with clock.travel(NOW):
        return drive(cast, S.APPROVED)


def test_the_customer_sees_the_approved_remedy_and_accepts_it(client: Client, cast: Cast) -> None:
    complaint = approved(cast)

    page = client.get(link(complaint) + "?lang=en").content.decode()
    assert "退还一节课费用" in page and "¥500.00" in page
    assert 'id="form-accept"' in page

    response = client.post(
        act_url(complaint, "consent"), {"version": fresh(complaint).version, "accepted": "yes"}
    )

    assert response.status_code == 302
    assert fresh(complaint).state == S.CUSTOMER_ACCEPTED
    consent = CustomerConsent.objects.get(complaint=complaint)
    assert consent.accepted and consent.method == "online" and consent.recorded_by is None


def test_declining_needs_a_reason(client: Client, cast: Cast) -> None:
    complaint = approved(cast)

    without = client.post(
        act_url(complaint, "consent"), {"version": fresh(complaint).version, "accepted": "no"}
    )
    assert without.status_code == 400
    assert 'id="consent-note_error"' in without.content.decode()
    assert fresh(complaint).state == S.APPROVED

    declined = client.post(
        act_url(complaint, "consent"),
        {
            "version": fresh(complaint).version,
            "accepted": "no",
            "note": "退一节课不够，要退一个月。",
        },
    )

    assert declined.status_code == 302
    assert fresh(complaint).state == S.CUSTOMER_DECLINED


def test_an_unhappy_customer_reopens_within_the_window(client: Client, cast: Cast) -> None:
    with clock.travel(NOW):
        complaint = drive(cast, S.FEEDBACK_GIVEN)
    page = client.get(link(complaint)).content.decode()
    assert 'id="form-reopen"' in page

    response = client.post(
        act_url(complaint, "reopen"),
        {"version": fresh(complaint).version, "reason": "问题没有解决，座椅还是松的。"},
    )

    assert response.status_code == 302
    assert fresh(complaint).state == S.INVESTIGATING


def test_the_customer_adds_evidence_checked_by_its_content(client: Client, cast: Cast) -> None:
    complaint = web_complaint(cast)
    good = SimpleUploadedFile("seat.png", png_bytes(), "image/png")

    added = client.post(
        act_url(complaint, "evidence"),
        {"version": fresh(complaint).version, "file": good, "description": "座椅照片"},
    )

    assert added.status_code == 302
    evidence = Evidence.objects.get(complaint=complaint)
    assert evidence.content_type == "image/png" and evidence.uploaded_by is None

    fake = SimpleUploadedFile("seat.png", b"#!/bin/sh\nrm -rf /\n" + b"\x00", "image/png")
    refused = client.post(
        act_url(complaint, "evidence"), {"version": fresh(complaint).version, "file": fake}
    )

    assert refused.status_code == 400
    assert 'id="evidence-file_error"' in refused.content.decode()
    assert Evidence.objects.filter(complaint=complaint).count() == 1


# --- by signing in with a code ---------------------------------------------------------------


def sent_code() -> str:
    row = Outbox.objects.filter(kind=Outbox.Kind.SIGN_IN_CODE).latest("pk")
    found = re.search(r"\b(\d{6})\b", row.body)
    assert found is not None
    return found.group(1)


def sign_in(client: Client, reference: str, phone: str = "137 0000 1111") -> Any:
    client.post(reverse("public:sign_in"), {"reference": reference, "phone": phone})
    return client.post(reverse("public:sign_in_code"), {"code": sent_code()})


def test_a_code_sent_to_the_phone_opens_the_complaint(client: Client, cast: Cast) -> None:
    complaint = web_complaint(cast)

    typed = {"reference": complaint.reference.lower(), "phone": "13700001111"}
    asked = client.post(reverse("public:sign_in"), typed)
    assert asked.status_code == 302 and asked["Location"] == reverse("public:sign_in_code")
    assert "137****1111" in client.get(asked["Location"]).content.decode()

    signed = client.post(reverse("public:sign_in_code"), {"code": sent_code()})

    page = reverse("public:complaint", args=[complaint.reference])
    assert signed.status_code == 302 and signed["Location"] == page
    response = client.get(page)
    assert response.status_code == 200
    assert complaint.reference in response.content.decode()


def test_signed_in_the_customer_sees_all_their_complaints_at_the_company(
    client: Client, cast: Cast
) -> None:
    first = web_complaint(cast)
    second = web_complaint(cast, description="淋浴没有热水。")
    someone_else = web_complaint(cast, phone="13700002222", customer_name="钱多")

    sign_in(client, first.reference)

    mine = client.get(reverse("public:mine")).content.decode()
    assert first.reference in mine and second.reference in mine
    assert someone_else.reference not in mine
    assert client.get(reverse("public:complaint", args=[second.reference])).status_code == 200
    theirs = client.get(reverse("public:complaint", args=[someone_else.reference]))
    assert theirs.status_code == 404


def test_signed_in_the_customer_acts_on_their_complaint(client: Client, cast: Cast) -> None:
    complaint = web_complaint(cast)
    sign_in(client, complaint.reference)

    response = client.post(
        reverse("public:act", args=[complaint.reference, "message"]),
        {"version": fresh(complaint).version, "text": "我补充一下：是3号单车。"},
    )

    assert response.status_code == 302
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="customer_message").exists()


def test_a_wrong_code_does_not_sign_in(client: Client, cast: Cast) -> None:
    complaint = web_complaint(cast)
    typed = {"reference": complaint.reference, "phone": "13700001111"}
    client.post(reverse("public:sign_in"), typed)
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"

    response = client.post(reverse("public:sign_in_code"), {"code": wrong})

    assert response.status_code == 400
    assert 'id="id_code_error"' in response.content.decode()
    page = client.get(reverse("public:complaint", args=[complaint.reference]))
    assert page.status_code == 302 and page["Location"].startswith(reverse("public:sign_in"))


def test_an_unknown_reference_or_phone_gets_the_same_answer_and_no_code(
    client: Client, cast: Cast
) -> None:
    complaint = web_complaint(cast)
    Outbox.objects.filter(kind=Outbox.Kind.SIGN_IN_CODE).delete()

    unknown = client.post(
        reverse("public:sign_in"), {"reference": "GYM1-20991231-0001", "phone": "13700001111"}
    )
    stranger = client.post(
        reverse("public:sign_in"), {"reference": complaint.reference, "phone": "13700009999"}
    )

    assert unknown.status_code == stranger.status_code == 302
    assert unknown["Location"] == stranger["Location"] == reverse("public:sign_in_code")
    assert not Outbox.objects.filter(kind=Outbox.Kind.SIGN_IN_CODE).exists()


def test_sign_in_needs_a_phone_or_an_email(client: Client, cast: Cast) -> None:
    response = client.post(reverse("public:sign_in"), {"reference": "GYM1-20261120-0001"})

    assert response.status_code == 400
    assert "phone" in response.context["form"].errors


def test_it_limits_code_requests_per_address(client: Client, cast: Cast) -> None:
    complaint = web_complaint(cast)
    data = {"reference": complaint.reference, "phone": "13700001111"}
    for _n in range(10):
        assert client.post(reverse("public:sign_in"), data).status_code == 302

    refused = client.post(reverse("public:sign_in"), data)

    assert refused.status_code == 429
    assert refused.context["form"].non_field_errors()


def test_signing_out_forgets_the_customer(client: Client, cast: Cast) -> None:
    complaint = web_complaint(cast)
    sign_in(client, complaint.reference)

    client.post(reverse("public:sign_out"))

    page = client.get(reverse("public:complaint", args=[complaint.reference]))
    assert page.status_code == 302


def test_the_portal_address_of_the_code_message_leads_to_sign_in(client: Client) -> None:
    response = client.get("/c/")

    assert response.status_code == 302 and response["Location"] == reverse("public:sign_in")


def test_it_limits_what_is_sent_on_one_complaint(client: Client, cast: Cast) -> None:
    complaint = web_complaint(cast)
    for n in range(30):
        sent = client.post(
            act_url(complaint, "message"), {"version": fresh(complaint).version, "text": f"#{n}"}
        )
        assert sent.status_code == 302

    refused = client.post(
        act_url(complaint, "message"), {"version": fresh(complaint).version, "text": "#31"}
    )

    assert refused.status_code == 429
    assert 'id="notice"' in refused.content.decode()
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="customer_message").count() == 30


def test_a_closed_complaint_reopens_only_within_the_venues_window(
    client: Client, cast: Cast
) -> None:
    from datetime import timedelta

    with clock.travel(NOW):
        complaint = drive(cast, S.CLOSED)
    closed = fresh(complaint).closed_at
    assert closed is not None
    window = timedelta(days=cast.gym.reopen_window_days)

    with clock.travel(closed + window - timedelta(hours=1)):
        assert 'id="form-reopen"' in client.get(link(complaint)).content.decode()
    with clock.travel(closed + window + timedelta(hours=1)):
        late = client.get(link(complaint)).content.decode()
        refused = client.post(
            act_url(complaint, "reopen"),
            {"version": fresh(complaint).version, "reason": "还是不满意。"},
        )

    assert 'id="form-reopen"' not in late
    assert refused.status_code == 409
    assert fresh(complaint).state == S.CLOSED
