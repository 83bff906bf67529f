"""Faults: complaints keep coming in through the console, the API and email while the web server,
the worker and beat are killed (-9) at random, and the mail servers (SMTP out, IMAP in) and Redis
go down and come back. Every complaint the stack accepted is in the database exactly once — an
email is accepted once it is in the venue's mailbox, and the poller, killed at any point, stores
it once —, every email notification reaches the mail server once it is back (a resend after a
kill carries the same Message-ID, so it is one message), and every timeline verifies.

Real processes (`chaos.stack`): `amends serve`, `amends worker`, `amends beat`, a Redis of their
own, an aiosmtpd server, dovecot; on PostgreSQL a database of their own, else a SQLite file.
"""

from __future__ import annotations

import imaplib
import random
import threading
import time
import uuid
from collections import Counter
from email import message_from_bytes
from pathlib import Path

import pytest

from amends.cli.tests import chaos
from amends.inbound.tests.mail import email

FAULTS = 12
SETTLE_SECONDS = 150


@pytest.fixture
def the_stack(tmp_path: Path):
    with chaos.stack(tmp_path) as running:
        yield running


def test_nothing_accepted_is_lost_or_doubled_while_processes_die(the_stack: chaos.Stack):
    stack = the_stack
    accepted: list[str] = []
    attempted: list[str] = []
    lock = threading.Lock()
    answers: Counter[str] = Counter()  # what the clients got, for the failure message
    stop = threading.Event()

    def console_client(number: int) -> None:
        browser: chaos.Browser | None = None
        sent = 0
        while not stop.is_set():
            marker = f"chaos-c{number}-{sent}"
            try:
                if browser is None:
                    browser = chaos.Browser(stack.url)
                    browser.sign_in("desk", "amends-test")
                with lock:
                    attempted.append(marker)
                status, headers = browser.post(
                    "/console/new/",
                    {
                        "venue": "1",
                        "channel": "front_desk",
                        "customer_name": "王芳",
                        "email": f"{marker}@example.com",
                        "language": "zh-hans",
                        "description": f"淋浴间的热水一直不够热。 {marker}",
                        # The form's one-time token. A post that got no answer is sent again
                        # with the same marker and the same token (the desk presses again):
                        # it records nothing new, it answers with the first one's complaint.
                        "submission": uuid.uuid5(uuid.NAMESPACE_URL, marker).hex,
                        "review": "1",
                        "confirm": "1",
                    },
                )
                sent += 1
                answers[f"console {status}"] += 1
                if status == 302 and "/console/new/done/" in headers.get("Location", ""):
                    with lock:
                        accepted.append(marker)
            except OSError as exc:
                answers[f"console {type(exc).__name__}"] += 1
                browser = None  # the server went away: sign in again when it is back
                time.sleep(0.3)

    def api_client(number: int) -> None:
        sent = 0
        while not stop.is_set():
            marker = f"chaos-a{number}-{sent}"
            key = str(uuid.uuid4())
            payload = {
                "venue": "GYM1",
                "channel": "app",
                "customer_name": "赵敏",
                "email": f"{marker}@example.com",
                "description": f"更衣室的柜子打不开。 {marker}",
            }
            with lock:
                attempted.append(marker)
            # A careful client retries with the same Idempotency-Key until it has an answer.
            while True:
                try:
                    status = chaos.api_post(stack.url, stack.env["CHAOS_API_KEY"], key, payload)
                except OSError:
                    status = 0
                answers[f"api {status}"] += 1
                if status == 201:
                    with lock:
                        accepted.append(marker)
                    break
                if 400 <= status < 500 or stop.is_set():
                    break
                time.sleep(0.3)
            sent += 1

    def mail_client() -> None:
        sent = 0
        while not stop.is_set():
            marker = f"chaos-m0-{sent}"
            raw = email(
                subject="泳池水质",
                text=f"泳池的水很浑浊，孩子游完眼睛发红。 {marker}",
                sender=f"{marker}@example.com",
                message_id=f"<{marker}@mail.example.com>",
            )
            with lock:
                attempted.append(marker)
            # The customer's mail server delivers into the venue's mailbox, and tries again
            # while the mailbox's server is down (a delivery whose answer was lost may arrive
            # twice, with the same Message-ID: still one complaint).
            while True:
                try:
                    stack.imap.append(raw)
                except (OSError, imaplib.IMAP4.error):
                    answers["mail down"] += 1
                    if stop.is_set():
                        break
                    time.sleep(0.3)
                    continue
                answers["mail delivered"] += 1
                with lock:
                    accepted.append(marker)
                break
            sent += 1
            time.sleep(0.5)

    clients = [threading.Thread(target=console_client, args=(n,)) for n in range(2)]
    clients += [threading.Thread(target=api_client, args=(n,)) for n in range(2)]
    clients.append(threading.Thread(target=mail_client))
    for client in clients:
        client.start()

    faults: Counter[str] = Counter()
    time.sleep(3)  # a calm start: the first complaints go in before anything breaks
    chance = random.Random(20261201)
    try:
        for _ in range(FAULTS):
            time.sleep(chance.uniform(2, 4))  # serving
            fault = chance.choice(["web", "worker", "beat", "smtp", "imap", "redis"])
            faults[fault] += 1
            if fault == "smtp":
                stack.smtp.stop()
                time.sleep(chance.uniform(1, 3))
                stack.smtp.start()
            elif fault == "imap":
                stack.imap.halt()
                time.sleep(chance.uniform(1, 3))
                stack.imap.resume()
            else:
                stack.processes[fault].kill()
                time.sleep(chance.uniform(0.2, 2))
                stack.supervise()  # as systemd restarts it
                stack.wait_web()
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=60)
    stack.supervise()
    stack.wait_web()

    # Every accepted complaint is there once; nothing attempted is there twice.
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        state = stack.python(chaos.CHECK)
        waiting = [m for m in state["emails"] if m[0] != "sent"]
        unread = [m for m in accepted if m.startswith("chaos-m") and m not in state["markers"]]
        if not (waiting or unread) or time.monotonic() > deadline:
            break
        # A process may still die of the last fault after the storm (a Celery worker that lost
        # Redis can exit a little later, in kombu's reconnect): restarted whenever it does.
        stack.supervise()
        time.sleep(2)
    markers: dict[str, int] = state["markers"]
    assert len(accepted) >= 15, (len(accepted), faults, answers)
    assert all(markers.get(marker) == 1 for marker in accepted), [
        (m, markers.get(m)) for m in accepted if markers.get(m) != 1
    ]
    assert all(count == 1 for count in markers.values())
    assert set(markers) <= set(attempted)
    by_mail = [m for m in accepted if m.startswith("chaos-m")]
    assert len(by_mail) >= 5, (by_mail, answers)

    # Every email was sent, and the mail server has each of them (by its Message-ID).
    assert waiting == [], waiting
    sent_ids = {message_id for _, message_id in state["emails"]}
    received = Counter(message_from_bytes(raw)["Message-ID"] for raw in list(stack.smtp.messages))
    assert sent_ids and sent_ids <= set(received)
    assert set(received) <= sent_ids  # nothing the database does not know of

    # Every timeline verifies.
    assert stack.amends("verify-timeline").strip().endswith(" 0 broken")
    assert faults and sum(p.kills for p in stack.processes.values()) >= 3, faults
