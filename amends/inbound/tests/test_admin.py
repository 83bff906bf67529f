"""The admin lists the mailboxes and the email received (sender masked), keeps a mailbox's
password when the field is left blank, and processes a failed message again."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from amends.conftest import Cast, local
from amends.core import clock
from amends.inbound import services
from amends.inbound.tests.mail import email
from amends.notifications.models import InboundMessage, Mailbox
from amends.orgs.models import User


@pytest.fixture
def admin(client: Client, cast: Cast) -> Client:
    root = User.objects.create_superuser(
        username="root", email="root@example.com", password="amends-test", company=cast.company
    )
    User.objects.filter(pk=root.pk).update(language="en")
    client.force_login(root)
    return client


def test_it_lists_received_email_with_the_sender_masked(cast: Cast, admin: Client) -> None:
    mailbox = Mailbox.objects.create(venue=cast.gym, address="complaints@gym1.example.com")
    with clock.travel(local(2026, 11, 20, 10, 0)):
        services.inbound_store_and_process(
            email(subject="Broken treadmill", text="It stopped."), mailbox=mailbox
        )
    page = admin.get(reverse("admin:notifications_inboundmessage_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Broken treadmill" in html and "wang.fang@example.com" not in html
    row = InboundMessage.objects.get()
    detail = admin.get(reverse("admin:notifications_inboundmessage_change", args=[row.pk]))
    assert detail.status_code == 200 and "It stopped." in detail.content.decode()


def test_a_blank_password_keeps_the_stored_one(cast: Cast, admin: Client) -> None:
    mailbox = Mailbox.objects.create(
        venue=cast.gym,
        address="care@gym1.example.com",
        imap_host="imap.example.com",
        imap_user="care",
        imap_password="s3cret",
    )
    url = reverse("admin:notifications_mailbox_change", args=[mailbox.pk])
    page = admin.get(url)
    assert "s3cret" not in page.content.decode()
    answer = admin.post(url, mailbox_form(cast, imap_folder="Complaints"))
    assert answer.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.imap_folder, mailbox.imap_password) == ("Complaints", "s3cret")


def test_the_stored_password_never_goes_to_a_new_server(cast: Cast, admin: Client) -> None:
    mailbox = Mailbox.objects.create(
        venue=cast.gym,
        address="care@gym1.example.com",
        imap_host="imap.example.com",
        imap_user="care",
        imap_password="s3cret",
    )
    url = reverse("admin:notifications_mailbox_change", args=[mailbox.pk])
    answer = admin.post(url, mailbox_form(cast, imap_host="imap.attacker.example"))
    assert answer.status_code == 200  # the form again, with the message
    assert "Give the password again" in answer.content.decode()
    mailbox.refresh_from_db()
    assert mailbox.imap_host == "imap.example.com"


def test_another_companys_staff_see_none_of_its_mailboxes_or_email(cast: Cast) -> None:
    mailbox = Mailbox.objects.create(venue=cast.gym, address="care@gym1.example.com")
    with clock.travel(local(2026, 11, 20, 10, 0)):
        services.inbound_store_and_process(email(subject="Towels", text="None."), mailbox=mailbox)
    staff = User.objects.create_user(
        username="other-admin",
        password="amends-test",
        company=cast.stranger.company,
        is_staff=True,
    )
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_mailbox", "view_inboundmessage"])
    )
    client = Client()
    client.force_login(staff)
    for name in ("mailbox", "inboundmessage"):
        page = client.get(reverse(f"admin:notifications_{name}_changelist"))
        assert page.status_code == 200
        assert "care@gym1.example.com" not in page.content.decode()
        assert "Towels" not in page.content.decode()


def mailbox_form(cast: Cast, **fields: str) -> dict[str, object]:
    form: dict[str, object] = {
        "venue": cast.gym.pk,
        "address": "care@gym1.example.com",
        "is_active": "on",
        "imap_host": "imap.example.com",
        "imap_port": "993",
        "imap_ssl": "on",
        "imap_user": "care",
        "imap_password": "",
        "imap_folder": "INBOX",
    }
    form.update(fields)
    return form


def test_it_processes_a_failed_message_again(
    cast: Cast, admin: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox = Mailbox.objects.create(venue=cast.gym, address="complaints@gym1.example.com")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("down")

    monkeypatch.setattr(services, "complaint_receive", broken)
    with clock.travel(local(2026, 11, 20, 10, 0)):
        row = services.inbound_store_and_process(
            email(subject="Sauna", text="Hot."), mailbox=mailbox
        )
    assert row.status == "failed"
    monkeypatch.undo()
    answer = admin.post(
        reverse("admin:notifications_inboundmessage_changelist"),
        {"action": "process_again", "_selected_action": [row.pk]},
    )
    assert answer.status_code == 302
    row.refresh_from_db()
    assert row.status == "complaint" and row.complaint_id is not None
