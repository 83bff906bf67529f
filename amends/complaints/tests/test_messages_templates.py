"""The words of every message come from templates, in the recipient's language: a subject, a plain
body (email, SMS, console) and an HTML part for email; the customer gets the link to their
complaint's page (and the survey's), their emails thread into one conversation, and each message
goes back the way the complaint came in — a call for what is said in person, a webhook for an
integration."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.template.loader import get_template

from amends.complaints import messages, services
from amends.complaints.messages import CUSTOMER_KINDS, STAFF_KINDS, render, tracking_url
from amends.complaints.models import Complaint, Survey
from amends.complaints.tests.stories import act, drive, received
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock
from amends.core.principals import ApiScope
from amends.notifications.models import Mailbox, Outbox
from amends.orgs.services import api_key_authenticate, api_key_create

S = State
EMAIL = {"channel": "email", "email": "li.na@example.com"}


def to_customer(c: Complaint, kind: str) -> Outbox:
    return Outbox.objects.get(complaint_id=c.pk, kind=kind)


def test_the_acknowledgement_links_to_the_tracking_page_in_text_and_html(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = received(cast, language="en", **EMAIL)
        c = act("acknowledge", c, cast.desk)
    ack = to_customer(c, Outbox.Kind.ACKNOWLEDGEMENT)
    link = tracking_url(c)
    assert link.startswith(f"{settings.AMENDS_PUBLIC_URL}/c/{c.reference}/")
    assert ack.subject == f"We have received your complaint {c.reference}"
    # No mailbox reads replies at this venue: the customer is not asked to reply by email.
    assert ack.body.endswith(f"Follow your complaint and write to us here: {link}")
    assert "Reply to this email" not in ack.body
    html = ack.context["html"]
    assert html.startswith("<!DOCTYPE html>") and f'href="{link}"' in html
    assert "We will reply by" in html and c.reference in html
    # The link works: it proves the customer of this complaint.
    token = link.rstrip("/").rsplit("/", 1)[1]
    principal = services.customer_link_principal(reference=c.reference, token=token)
    assert principal.complaint_id == c.pk


def test_the_customer_is_asked_to_reply_by_email_where_a_mailbox_reads_the_replies(
    cast: Cast,
) -> None:
    Mailbox.objects.create(venue=cast.gym, address="care@gym1.example.com")
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = act("acknowledge", received(cast, language="en", **EMAIL), cast.desk)
    ack = to_customer(c, Outbox.Kind.ACKNOWLEDGEMENT)
    assert ack.context["reply_to"] == "care@gym1.example.com"
    assert ack.body.endswith(
        f"Reply to this email, or follow your complaint and write to us here: {tracking_url(c)}"
    )


def test_the_handlers_emails_thread_after_the_earlier_ones(cast: Cast) -> None:
    Mailbox.objects.create(venue=cast.gym, address="care@gym1.example.com")
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.INVESTIGATING, **EMAIL)
    with clock.travel(local(2026, 11, 20, 11, 0)):
        act("reply", c, cast.specialist, text="We are looking at the camera footage.")
    with clock.travel(local(2026, 11, 20, 12, 0)):
        act("reply", c, cast.specialist, text="<b>Found</b> it & fixed.")
    ack = to_customer(c, Outbox.Kind.ACKNOWLEDGEMENT)
    first, second = Outbox.objects.filter(complaint_id=c.pk, kind="message").order_by("pk")
    assert ack.context["in_reply_to"] == "" and ack.context["references"] == []
    assert first.context["in_reply_to"] == ack.message_id
    assert second.context["references"] == [ack.message_id, first.message_id]
    assert second.context["in_reply_to"] == first.message_id
    assert second.context["reply_to"] == "care@gym1.example.com"
    assert c.reference in second.subject  # a reply threads back by its subject too
    # The handler's words as written in the text, escaped in the HTML.
    assert second.body.startswith("<b>Found</b> it & fixed.")
    assert "&lt;b&gt;Found&lt;/b&gt; it &amp; fixed." in second.context["html"]


def test_an_approved_remedy_is_offered_to_the_customer(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.APPROVED, language="en", **EMAIL)
    offer = to_customer(c, Outbox.Kind.REMEDY_OFFER)
    assert offer.channel == "email" and offer.recipient_address == "li.na@example.com"
    assert offer.subject == f"Our offer to settle your complaint {c.reference}"
    assert f"To settle your complaint {c.reference}, we offer you:" in offer.body
    assert "- Refund: 退还一节课费用 (¥500.00)" in offer.body
    assert tracking_url(c) in offer.body and "accept or decline" in offer.body
    assert "Accept or decline" in offer.context["html"]


def test_an_offer_within_authority_is_offered_at_once(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        # ¥100 is within the specialist's authority: submitting approves it.
        c = drive(cast, S.APPROVAL_PENDING, amount=100, language="en", **EMAIL)
    assert c.state == S.APPROVED
    assert "(¥100.00)" in to_customer(c, Outbox.Kind.REMEDY_OFFER).body


def test_what_is_said_in_person_becomes_a_call_for_the_owner(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.FEEDBACK_GIVEN, language="en")  # taken in at the front desk
    feedback = to_customer(c, Outbox.Kind.FEEDBACK)
    assert feedback.channel == Outbox.Channel.CALL
    assert feedback.recipient_user == cast.specialist  # the owner, once they accepted it
    assert feedback.recipient_address == "+8613912345678"
    assert c.reference in feedback.subject
    script = feedback.body
    assert f"calling about your complaint {c.reference}." in script
    assert "2. Tell the outcome: 已退款并向您致歉。" in script
    assert script.splitlines()[-1].startswith("3. Close:")
    offer = to_customer(c, Outbox.Kind.REMEDY_OFFER)
    assert offer.channel == Outbox.Channel.CALL and "- Refund: 退还一节课费用" in offer.body
    # The acknowledgement is still a text message.
    assert to_customer(c, Outbox.Kind.ACKNOWLEDGEMENT).channel == Outbox.Channel.SMS


def test_a_complaint_from_an_integration_is_answered_by_webhook(cast: Cast) -> None:
    key, raw = api_key_create(
        actor=cast.director, company=cast.company, name="app", scopes=[ApiScope.WRITE]
    )
    app = api_key_authenticate(raw=raw)
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = services.complaint_receive(
            actor=app,
            venue=cast.gym,
            intake=services.Intake(
                channel="app", description="淋浴没有热水。", phone="13912345678"
            ),
        )
    ack = to_customer(c, Outbox.Kind.ACKNOWLEDGEMENT)
    assert (ack.channel, ack.recipient_address) == (Outbox.Channel.WEBHOOK, "")
    assert ack.context["api_key"] == key.pk


def test_the_survey_invitation_links_to_the_survey(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.CLOSED, language="en", **EMAIL)
    survey = Survey.objects.get(complaint=c)
    invitation = to_customer(c, Outbox.Kind.SURVEY_INVITATION)
    link = f"{settings.AMENDS_PUBLIC_URL}/s/{survey.token}/"
    assert f"Answer the survey here: {link}" in invitation.body
    assert f"Survey code: {survey.token}" in invitation.body
    assert f'href="{link}"' in invitation.context["html"]


def test_staff_email_carries_html_with_a_link_to_the_console(cast: Cast) -> None:
    cast.specialist.email = "specialist@example.com"
    cast.specialist.language = "en"
    cast.specialist.save()
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.ASSIGNED)
    rows = {row.channel: row for row in Outbox.objects.filter(complaint_id=c.pk, kind="assignment")}
    assert set(rows) == {"email", "in_app"}
    assert rows["email"].body == rows["in_app"].body
    assert rows["email"].subject == f"Complaint {c.reference} is assigned to you"
    assert (
        f'href="{settings.AMENDS_PUBLIC_URL}/console/c/{c.reference}/"'
        in (rows["email"].context["html"])
    )
    assert "html" not in rows["in_app"].context


def test_the_customer_message_tells_staff_what_the_customer_wrote(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.INVESTIGATING, **EMAIL)
        link = services.customer_link_principal(
            reference=c.reference, token=tracking_url(c).rstrip("/").rsplit("/", 1)[1]
        )
        act("message", c, link, text="还没有人联系我。")
    told = Outbox.objects.get(complaint_id=c.pk, kind=Outbox.Kind.CUSTOMER_MESSAGE)
    assert told.recipient_user == cast.specialist
    assert c.reference in told.subject
    assert told.body.endswith("\n还没有人联系我。")


def test_the_sign_in_code_comes_from_its_template(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        received(cast, **EMAIL)
        services.customer_code_send(company=cast.company, email="li.na@example.com")
    code = Outbox.objects.get(kind=Outbox.Kind.SIGN_IN_CODE)
    assert code.channel == "email" and "<!DOCTYPE html>" in code.context["html"]
    assert "10" in code.body


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_message_renders_in_both_languages(cast: Cast, language: str) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = received(cast)
    context: dict[str, Any] = {
        **messages.customer_context(c, kind="survey_invitation", text="token"),
        **messages.staff_context(c, kind="reminder", text="note"),
        "remedies": [],
        "minutes": 10,
        "code": "123456",
        "email": True,
    }
    for kind in sorted(CUSTOMER_KINDS):
        words = render(f"customer/{kind}", context, language=language)
        assert words.subject and words.text and words.html.startswith("<!DOCTYPE html>"), kind
        assert "{{" not in words.text and "{%" not in words.text
    for kind in sorted(STAFF_KINDS):
        words = render(f"staff/{kind}", context, language=language)
        assert c.reference in words.subject and c.reference in words.text, kind
        assert words.text.endswith("\nnote") and "/console/c/" in words.html, kind
    for kind in ("feedback", "message", "remedy_offer"):
        assert messages.render_text("customer/call", {**context, "kind": kind}, language=language)
    get_template("complaints/messages/base.html")  # the layout every HTML part extends
