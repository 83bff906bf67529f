"""The people's side of delivery: an administrator finds failed messages and sends them again,
cancels or marks letters done by hand, sets up a webhook (its secret shown once), sends it a
test event and reads its delivery log; a call task waits in its owner's console list."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from amends.core import clock
from amends.notifications.models import Outbox, WebhookSubscription
from amends.notifications.services import outbox_enqueue
from amends.notifications.tests.helpers import WHEN, run
from amends.notifications.tests.receiver import Receiver
from amends.notifications.tests.smtp import SmtpServer
from amends.notifications.webhooks import webhook_subscription_create
from amends.orgs.models import User

REF = "GYM1-20261120-0001"
CHANGELIST = "admin:notifications_outbox_changelist"


@pytest.fixture
def root(cast: Any) -> User:
    return User.objects.create_superuser(
        username="root", email="root@example.com", password="amends-test", company=cast.company
    )


@pytest.fixture
def admin(client: Client, root: User) -> Client:
    client.force_login(root)
    User.objects.filter(pk=root.pk).update(language="en")
    return client


def queue(**fields: Any) -> Outbox:
    message: dict[str, Any] = {
        "kind": Outbox.Kind.FEEDBACK,
        "channel": Outbox.Channel.EMAIL,
        "address": "li.na@example.com",
        "subject": "Our answer",
        "body": "We have replaced the belt.",
        "language": "en",
        "reference": REF,
    }
    message.update(fields)
    with clock.travel(WHEN):
        row = outbox_enqueue(**message)
    assert row is not None
    return row


def act(client: Client, action: str, *rows: Outbox) -> str:
    response = client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [str(r.pk) for r in rows]},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_an_administrator_finds_a_failed_message_and_sends_it_again(
    cast: Any, admin: Client, smtp_server: SmtpServer, settings: Any
) -> None:
    settings.AMENDS_DELIVERY_MAX_ATTEMPTS = 1
    row = queue()
    smtp_server.stop()
    assert run(WHEN)["failed"] == 1

    html = admin.get(reverse(CHANGELIST) + "?delivery=failed").content.decode()
    assert "l***@example.com" in html and "li.na@example.com" not in html
    assert "mail server unavailable" in html
    detail = admin.get(reverse("admin:notifications_outbox_change", args=[row.pk]))
    page = detail.content.decode()
    assert "li.na@example.com" not in page
    assert re.search(r"ConnectionRefusedError", page)  # the try, inline

    smtp_server.start()
    with clock.travel(WHEN + timedelta(hours=1)):
        said = act(admin, "retry_now", row)
    assert "1 message is queued again." in said
    row.refresh_from_db()
    assert (row.status, row.attempts, row.available_at) == (
        "pending",
        0,
        WHEN + timedelta(hours=1),
    )
    assert run(WHEN + timedelta(hours=1))["sent"] == 1
    row.refresh_from_db()
    assert row.status == "sent"
    assert list(row.delivery_attempts.values_list("number", "ok")) == [(1, False), (2, True)]
    assert len(smtp_server.messages) == 1


def test_an_administrator_cancels_a_message_and_marks_a_letter_done(
    cast: Any, admin: Client
) -> None:
    pending = queue()
    letter = queue(channel=Outbox.Channel.MANUAL, address="")
    assert "1 message is cancelled." in act(admin, "cancel", pending)
    assert "1 message is marked as sent by hand." in act(
        admin, "mark_done_by_hand", letter, pending
    )
    pending.refresh_from_db()
    letter.refresh_from_db()
    assert (pending.status, letter.status) == ("cancelled", "sent")
    assert "cancelled in the admin by root" in pending.last_error


def test_staff_who_are_not_administrators_cannot_retry(cast: Any, client: Client) -> None:
    row = queue(
        channel=Outbox.Channel.IN_APP, address="", recipient_user=cast.manager, subject="Hello"
    )
    Outbox.objects.filter(pk=row.pk).update(status="failed")
    User.objects.filter(pk=cast.manager.pk).update(is_staff=True)
    cast.manager.user_permissions.add(Permission.objects.get(codename="view_outbox"))
    client.force_login(cast.manager)
    listed = client.get(reverse(CHANGELIST)).content.decode()
    assert REF in listed and "retry_now" not in listed  # their own row; no actions
    response = client.post(
        reverse(CHANGELIST), {"action": "retry_now", "_selected_action": [str(row.pk)]}
    )
    assert response.status_code in (200, 302)
    row.refresh_from_db()
    assert row.status == "failed"


def test_a_webhook_secret_is_shown_once_and_a_test_event_is_logged(
    cast: Any, admin: Client, receiver: Receiver
) -> None:
    add = reverse("admin:notifications_webhooksubscription_add")
    form = admin.get(add).content.decode()
    assert 'value="received"' in form and 'value="transition"' in form  # the event kinds
    with clock.travel(WHEN):
        response = admin.post(
            add,
            {
                "company": cast.company.pk,
                "name": "CRM",
                "url": f"{receiver.url}/hook",
                "events": ["received", "transition"],
                "is_active": "on",
                "new_secret": "",
            },
            follow=True,
        )
    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert (subscription.events, subscription.created_at) == (["received", "transition"], WHEN)
    assert len(subscription.secret) >= 40
    assert subscription.secret in response.content.decode()  # shown now …
    change = reverse("admin:notifications_webhooksubscription_change", args=[subscription.pk])
    assert subscription.secret not in admin.get(change).content.decode()  # … and never again

    changelist = reverse("admin:notifications_webhooksubscription_changelist")
    with clock.travel(WHEN):
        said = admin.post(
            changelist,
            {"action": "send_test", "_selected_action": [str(subscription.pk)]},
            follow=True,
        ).content.decode()
    assert "A test event is queued for 1 subscription" in said
    receiver.answer((500, "not yet"))
    run(WHEN)
    run(WHEN + timedelta(minutes=2))
    log = admin.get(change).content.decode()
    assert "#1 failed HTTP 500: not yet" in log
    assert "#2 ok HTTP 200" in log
    assert len(receiver.requests) == 2


def test_the_subscription_page_has_a_test_button(
    cast: Any, admin: Client, receiver: Receiver
) -> None:
    subscription, _secret = webhook_subscription_create(
        company_id=cast.company.pk, name="CRM", url=f"{receiver.url}/hook"
    )
    change = reverse("admin:notifications_webhooksubscription_change", args=[subscription.pk])
    assert 'name="_send_test"' in admin.get(change).content.decode()
    response = admin.post(
        change,
        {
            "company": cast.company.pk,
            "name": "CRM",
            "url": f"{receiver.url}/hook",
            "is_active": "on",
            "_send_test": "Send a test event",
        },
        follow=True,
    )
    assert "A test event is queued; the delivery log below shows the answer." in (
        response.content.decode()
    )
    (row,) = Outbox.objects.filter(kind=Outbox.Kind.TEST)
    assert row.context["subscription"] == subscription.pk
    subscription.refresh_from_db()
    assert subscription.secret == _secret  # saving the page kept the secret


def test_a_short_secret_is_refused(cast: Any, admin: Client) -> None:
    response = admin.post(
        reverse("admin:notifications_webhooksubscription_add"),
        {
            "company": cast.company.pk,
            "name": "CRM",
            "url": "https://crm.example.com/hook",
            "is_active": "on",
            "new_secret": "short",
        },
    )
    assert response.status_code == 200
    assert "at least 24 characters" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_a_call_task_waits_in_its_owners_console_list(cast: Any, client: Client) -> None:
    with clock.travel(WHEN):
        task = outbox_enqueue(
            kind=Outbox.Kind.FEEDBACK,
            channel=Outbox.Channel.CALL,
            recipient_user=cast.specialist,
            address="+8613912345678",
            subject="请致电客户告知处理结果",
            body="您好，关于您的投诉，我们已更换跑步机皮带。",
            language="zh-hans",
            reference=REF,
        )
    with clock.travel(WHEN + timedelta(minutes=1)):
        bell = outbox_enqueue(
            kind=Outbox.Kind.ASSIGNMENT,
            channel=Outbox.Channel.IN_APP,
            recipient_user=cast.specialist,
            subject="新的投诉分派给您",
            body="…",
            language="zh-hans",
            reference=REF,
        )
    assert task is not None and bell is not None
    assert run(WHEN + timedelta(minutes=2))["sent"] == 2
    task.refresh_from_db()
    assert task.status == "sent"  # delivered = shown in the console

    client.force_login(cast.specialist)
    html = client.get(reverse("console:notifications")).content.decode()
    items = re.findall(r'<li class="(?:un)?read k-[a-z_]+">(.*?)</li>', html, re.S)
    assert len(items) == 2
    assert "新的投诉分派给您" in items[0]  # newest first
    assert "请致电客户告知处理结果" in items[1] and 'class="call-task"' in items[1]
    assert "我们已更换跑步机皮带" in items[1]  # the script
    assert 'class="call-task"' not in items[0]
    # Read like any notification.
    client.post(reverse("console:notifications_read"))
    task.refresh_from_db()
    assert task.read_at is not None
    # Nobody else sees it.
    client.force_login(cast.specialist2)
    assert "请致电客户" not in client.get(reverse("console:notifications")).content.decode()


def test_no_one_reads_a_sign_in_code_in_the_outbox(admin: Client) -> None:
    with clock.travel(WHEN):
        row = outbox_enqueue(
            kind=Outbox.Kind.SIGN_IN_CODE,
            channel=Outbox.Channel.SMS,
            address="+8613912345678",
            subject="Your amends sign-in code",
            body="Your code is 493817. It is valid for 10 minutes.",
            language="en",
        )
    assert row is not None
    page = admin.get(reverse("admin:notifications_outbox_change", args=[row.pk]))
    assert page.status_code == 200
    assert "493817" not in page.content.decode()
