"""The complaint page's triage card, on 20 November 2026 at the Jing'an gym: what triage
suggested with its confidence and the words behind it, which fields were taken from it at
intake ("suggested by triage — confirm"), a one-click accept that classifies through the
service (a stale page gets the message, never a 500), and the reply script for the complaint
in its language, addressing the customer no more openly than the viewer sees them."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from amends.complaints import services
from amends.complaints.models import Complaint, ComplaintEvent
from amends.conftest import Cast, local
from amends.core import clock
from amends.core.principals import Principal
from amends.workflow.models import ReplyScript

NOW = local(2026, 11, 20, 10, 30)
RUDE = "前台服务员态度非常恶劣，对我大吼大叫，还翻白眼。"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _as(client: Client, user, language: str = "en") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def _page(client: Client, complaint: Complaint) -> str:
    with clock.travel(NOW):
        response = client.get(reverse("console:complaint", args=[complaint.reference]))
    assert response.status_code == 200
    return response.content.decode()


def _card(html: str) -> str:
    found = re.search(r'<section class="card triage".*?</section>', html, re.S)
    assert found, "no triage card"
    return found.group(0)


def _accept(client: Client, complaint: Complaint, version: int):
    with clock.travel(NOW):
        return client.post(
            reverse("console:triage_accept", args=[complaint.reference]), {"version": version}
        )


def _at_desk(cast: Cast, **fields) -> Complaint:
    """Recorded at the desk with the category and severity left for the handler."""
    with clock.travel(local(2026, 11, 20, 9, 15)):
        return cast.receive(description=RUDE, category=None, **fields)


def test_it_shows_what_triage_suggested_with_reasons(client: Client, cast: Cast) -> None:
    complaint = _at_desk(cast)
    _as(client, cast.manager)
    card = _card(_page(client, complaint))

    category = re.search(r'<tr data-field="category".*?</tr>', card, re.S)
    assert category and 'data-code="service_attitude"' in category.group(0)
    assert re.search(r"\d+% · (high|medium|low)", category.group(0))
    assert "Why:" in category.group(0)
    for field in ("severity", "psychology", "validity", "language"):
        assert f'<tr data-field="{field}"' in card
    assert "data-applied" not in card  # a person received it: triage applied nothing
    assert 'id="form-triage-accept"' in card


def test_fields_taken_from_triage_ask_to_be_confirmed(client: Client, cast: Cast) -> None:
    """A web-form complaint nobody received: confident suggestions filled its blanks."""
    with clock.travel(local(2026, 11, 20, 9, 15)):
        complaint = services.complaint_receive(
            actor=Principal.system("web form"),
            venue=cast.gym,
            intake=services.Intake(channel="web", description=RUDE, customer_name="王芳"),
        )
    applied = complaint.triage["applied"]
    assert applied, "the test needs a confident suggestion"
    _as(client, cast.manager)
    card = _card(_page(client, complaint))

    for field in applied:
        row = re.search(
            rf'<tr data-field="{field}" data-code="[^"]+" data-applied>.*?</tr>', card, re.S
        )
        assert row and "suggested by triage — confirm" in row.group(0), field


def test_accepting_the_suggestion_classifies_the_complaint(client: Client, cast: Cast) -> None:
    complaint = _at_desk(cast)
    suggested = complaint.triage
    _as(client, cast.manager)

    response = _accept(client, complaint, complaint.version)

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.category and complaint.category.code == suggested["category"]["code"]
    assert complaint.severity == suggested["severity"]["code"]
    assert complaint.psychology == suggested["psychology"]["code"]
    card = _card(_page(client, complaint))
    assert 'id="form-triage-accept"' not in card
    assert "The complaint is classified as triage suggested." in card


def test_a_stale_page_gets_the_message_and_changes_nothing(client: Client, cast: Cast) -> None:
    complaint = _at_desk(cast)
    seen = complaint.version
    with clock.travel(local(2026, 11, 20, 9, 40)):  # meanwhile the specialist writes a note
        services.complaint_add_note(complaint=complaint, actor=cast.specialist, text="已致电顾客。")
    complaint.refresh_from_db()
    events = ComplaintEvent.objects.filter(complaint=complaint).count()
    _as(client, cast.manager)

    response = _accept(client, complaint, seen)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this complaint meanwhile" in html
    assert f'data-reference="{complaint.reference}"' in html  # the page, shown again
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert (fresh.category_id, fresh.severity, fresh.version) == (None, "", complaint.version)
    assert ComplaintEvent.objects.filter(complaint=complaint).count() == events
    # The page shown again carries the current version: accepting now works.
    assert f'name="version" value="{complaint.version}"' in _card(html)
    assert _accept(client, complaint, complaint.version).status_code == 302


def test_who_may_not_classify_is_offered_nothing_and_refused(client: Client, cast: Cast) -> None:
    complaint = _at_desk(cast)
    _as(client, cast.auditor)  # sees every complaint, classifies none
    assert 'id="form-triage-accept"' not in _card(_page(client, complaint))

    response = _accept(client, complaint, complaint.version)

    assert response.status_code == 403
    assert Complaint.objects.get(pk=complaint.pk).category_id is None
    _as(client, cast.outsider)  # another gym's staff: the complaint does not exist for them
    assert _accept(client, complaint, complaint.version).status_code == 404
    assert (
        client.get(reverse("console:triage_accept", args=[complaint.reference])).status_code == 405
    )


def test_bad_version_is_a_message_not_a_500(client: Client, cast: Cast) -> None:
    complaint = _at_desk(cast)
    _as(client, cast.manager)
    with clock.travel(NOW):
        response = client.post(
            reverse("console:triage_accept", args=[complaint.reference]), {"version": "x"}
        )
    assert response.status_code == 400
    assert "Reload the page and try again." in response.content.decode()


# --- the reply script ---------------------------------------------------------------------------


def _script(html: str) -> tuple[str, str]:
    found = re.search(
        r'<blockquote class="script" lang="[^"]+" data-script-source="(\w+)">(.*?)</blockquote>',
        html,
        re.S,
    )
    assert found
    return found.group(1), found.group(2)


def test_the_script_addresses_the_customer_as_the_viewer_sees_them(
    client: Client, cast: Cast
) -> None:
    complaint = _at_desk(cast)
    complaint_classified(complaint, cast, category="service_attitude", psychology="respect")
    _as(client, cast.manager)

    source, text = _script(_page(client, complaint))

    # Masked: 王芳 is 王* on the page, so the script says 王先生/女士.
    assert source == "default"
    assert text.startswith("王先生/女士您好") and "王芳" not in text
    assert complaint.reference in text and cast.gym.name in text
    assert "员工的态度不该是这样" in text  # the service-attitude body
    # Once the contact is shown (an audited step), the script uses the full name.
    with clock.travel(NOW):
        shown = client.post(reverse("console:reveal_contact", args=[complaint.reference]))
    assert _script(shown.content.decode())[1].startswith("王芳您好")


def test_an_english_complaint_gets_the_english_script(client: Client, cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 9, 15)):
        complaint = cast.receive(
            description="I was charged twice for my membership renewal this month.",
            customer_name="Emma Watson",
            language="en",
            category="billing_price",
        )
    _as(client, cast.manager, "zh-hans")  # the reader's language does not matter

    _source, text = _script(_page(client, complaint))

    assert text.startswith("Hello Mr/Ms W.,") and "Emma" not in text
    assert "We will check your bill" in text


def test_the_company_script_comes_before_the_default(client: Client, cast: Cast) -> None:
    complaint = _at_desk(cast)
    complaint_classified(complaint, cast, category="service_attitude", psychology="respect")
    ReplyScript.objects.create(
        company=cast.company,
        category_code="service_attitude",
        language="zh-hans",
        text="{name}您好，我是{venue}的客服经理，编号{reference}。",
    )
    _as(client, cast.manager)

    source, text = _script(_page(client, complaint))

    assert source == "company"
    assert text == f"王先生/女士您好，我是{cast.gym.name}的客服经理，编号{complaint.reference}。"


def complaint_classified(complaint: Complaint, cast: Cast, **codes: str) -> None:
    with clock.travel(local(2026, 11, 20, 9, 30)):
        services.complaint_classify(
            complaint=complaint,
            actor=cast.manager,
            category=cast.category(codes["category"]),
            psychology=codes.get("psychology"),
        )
    complaint.refresh_from_db()


def test_the_card_speaks_chinese(client: Client, cast: Cast) -> None:
    complaint = _at_desk(cast)
    _as(client, cast.manager, "zh-hans")
    card = _card(_page(client, complaint))
    with translation.override("zh-hans"):
        for msgid in ("Triage", "Accept suggestion", "Suggested reply"):
            assert translation.gettext(msgid) in card, msgid
